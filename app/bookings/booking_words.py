"""Bookings in words: statuses (a word and a symbol, never colour alone), times, quantities, notices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.access.wording import describe_span, unit_words
from app.bookings.models import Booking, Notification
from app.directory.labels import DEFAULT_UNIT_LABELS
from app.domain.bookings import HOLDING, BookingStatus

STATUS_WORDS = {
    BookingStatus.PENDING.value: _l("Awaiting approval"),
    BookingStatus.CONFIRMED.value: _l("Confirmed"),
    BookingStatus.REJECTED.value: _l("Not approved"),
    BookingStatus.CANCELLED.value: _l("Cancelled"),
    BookingStatus.CHECKED_IN.value: _l("Checked in"),
    BookingStatus.NO_SHOW.value: _l("Not used (no-show)"),
    BookingStatus.COMPLETED.value: _l("Completed"),
    BookingStatus.EXPIRED.value: _l("Expired undecided"),
}
STATUS_SYMBOLS = {
    BookingStatus.PENDING.value: "◷",
    BookingStatus.CONFIRMED.value: "✓",
    BookingStatus.REJECTED.value: "✕",
    BookingStatus.CANCELLED.value: "⊘",
    BookingStatus.CHECKED_IN.value: "☑",
    BookingStatus.NO_SHOW.value: "✗",
    BookingStatus.COMPLETED.value: "✔",
    BookingStatus.EXPIRED.value: "–",
}
# The badge colours app.css has; the word and the symbol say the same.
STATUS_BADGES = {
    BookingStatus.PENDING.value: "status-pending",
    BookingStatus.CONFIRMED.value: "status-acknowledged",
    BookingStatus.CHECKED_IN.value: "status-acknowledged",
    BookingStatus.COMPLETED.value: "status-acknowledged",
    BookingStatus.REJECTED.value: "status-declined",
    BookingStatus.NO_SHOW.value: "status-declined",
    BookingStatus.CANCELLED.value: "status-withdrawn",
    BookingStatus.EXPIRED.value: "status-withdrawn",
}
HOLDING_VALUES = frozenset(s.value for s in HOLDING)


@dataclass(frozen=True)
class StatusView:
    value: str
    word: str
    symbol: str
    badge: str


def status_view(status: str | None) -> StatusView:
    if status is None:
        return StatusView("", "", "", "status-withdrawn")
    return StatusView(
        status,
        str(STATUS_WORDS.get(status, status)),
        STATUS_SYMBOLS.get(status, "·"),
        STATUS_BADGES.get(status, "status-withdrawn"),
    )


def booking_when(booking: Booking) -> str:
    """The booking's span in its resource's zone."""
    return describe_span(booking.start, booking.end, ZoneInfo(booking.resource.timezone))


def booking_quantity(booking: Booking) -> str:
    """ "3 个车位" / "3 spaces"."""
    resource = booking.resource
    label = resource.unit_label or DEFAULT_UNIT_LABELS.get(resource.kind, "")
    return _("%(count)s %(unit)s", count=booking.quantity, unit=unit_words(label, booking.quantity))


def moment(at: datetime, zone: str) -> str:
    """A moment in a zone, with date and time: "2026年12月3日 10:05" / "Dec 3, 2026 10:05"."""
    local = at.astimezone(ZoneInfo(zone))
    day = format_skeleton("yMMMd", local, locale=str(get_locale() or "zh_Hans_CN"))
    return f"{day} {local:%H:%M}"


def clock_span(booking: Booking) -> str:
    """ "10:00–11:00" in the resource's zone, or the whole span when it runs over midnight."""
    zone = ZoneInfo(booking.resource.timezone)
    start, end = booking.start.astimezone(zone), booking.end.astimezone(zone)
    if start.date() == end.date():
        return f"{start:%H:%M}–{end:%H:%M}"
    if end.hour == 0 and end.minute == 0 and (end.date() - start.date()).days == 1:
        return f"{start:%H:%M}–24:00"
    return describe_span(booking.start, booking.end, zone)


NOTICE_SENTENCES = {
    "booking_approved": _l("Your booking of %(resource)s on %(when)s was approved."),
    "booking_rejected": _l("Your booking of %(resource)s on %(when)s was not approved."),
    "booking_cancelled": _l("Your booking of %(resource)s on %(when)s was cancelled by its managers."),
    "waitlist_promoted": _l("A place came free: you now have a booking of %(resource)s on %(when)s."),
    "booking_no_show": _l("Your booking of %(resource)s on %(when)s was marked as not used."),
    "booking_expired": _l("Your booking of %(resource)s on %(when)s expired: nobody approved it before it started."),
    "booking_reminder": _l("Reminder: you have booked %(resource)s on %(when)s."),
    "rating_invite": _l("How was %(resource)s on %(when)s? Rate it: it helps others choose."),
}
# Notices that lead somewhere other than the booking's page: the endpoint (it takes `booking_id`),
# used when the feature that serves it is installed.
NOTICE_ENDPOINTS = {"rating_invite": "ratings.rate"}
# What the link of such a notice says (a notice leading to its booking's page says "Open the booking").
NOTICE_LINK_WORDS = {"rating_invite": _l("Rate this")}
# Notices about no booking; `reason` holds their one value.
OTHER_NOTICES = {
    "calendar_missing": _l(
        "The official workday calendar has no data from %(value)s on, within the next 60 days: "
        "import the official arrangement of holidays and make-up workdays."
    ),
    # Pairing (双结对): the value names the agreement, or the item and its agreement.
    "agreement_to_sign": _l("The other side has signed the co-building agreement %(value)s: it awaits your signature."),
    "agreement_signed": _l("Both sides have signed the co-building agreement %(value)s."),
    "agreement_item_due": _l("A co-building item is due soon: %(value)s."),
    "agreement_item_done": _l("A co-building item is done: %(value)s."),
    # Service items (双领办): the value is the item's title.
    "service_item_claimed": _l("“%(value)s”, published by your organisation, has a new claim."),
    "service_item_completed": _l("Your claim of “%(value)s” is recorded as completed. Thank you."),
    "service_item_cancelled": _l("“%(value)s” was cancelled by its publisher; your claim is withdrawn."),
}


# Where a notice about no booking leads (the page where its reader acts on it), and what the link says.
OTHER_NOTICE_PAGES = {
    "calendar_missing": ("admin.calendar", _l("Workday calendar")),
    "agreement_to_sign": ("pairing.index", _l("Pairing")),
    "agreement_signed": ("pairing.index", _l("Pairing")),
    "agreement_item_due": ("pairing.index", _l("Pairing")),
    "agreement_item_done": ("pairing.index", _l("Pairing")),
    "service_item_claimed": ("service_items.index", _l("Service items")),
    "service_item_completed": ("service_items.mine", _l("My claims")),
    "service_item_cancelled": ("service_items.mine", _l("My claims")),
}


@dataclass(frozen=True)
class NoticeLink:
    """A notice's link: url_for(endpoint, **values), and its words."""

    endpoint: str
    values: dict[str, object]
    text: str


def notice_endpoint(kind: str) -> str:
    """Where a notice about a booking leads: its own page, or the form it invites to."""
    endpoint = NOTICE_ENDPOINTS.get(kind)
    return endpoint if endpoint is not None and endpoint in current_app.view_functions else "bookings.detail"


def notice_link(notification: Notification) -> NoticeLink | None:
    """The page a notice leads to: its booking's (or the form it invites to), or for a notice about
    no booking the page where it is acted on; None where there is none to offer."""
    if notification.booking_id is not None:
        endpoint = notice_endpoint(notification.kind)
        words = NOTICE_LINK_WORDS.get(notification.kind) if endpoint != "bookings.detail" else None
        text = str(words) if words is not None else _("Open the booking")
        return NoticeLink(endpoint, {"booking_id": notification.booking_id}, text)
    page = OTHER_NOTICE_PAGES.get(notification.kind)
    if page is None or page[0] not in current_app.view_functions:
        return None
    return NoticeLink(page[0], {}, _("Go to %(page)s", page=page[1]))


def notice_sentence(notification: Notification) -> str:
    """What a notification says, in a sentence."""
    booking = notification.booking
    if notification.kind in OTHER_NOTICES:
        return str(OTHER_NOTICES[notification.kind]) % {"value": notification.reason}
    if booking is None:
        return _("A notice about one of your bookings.")
    values = {"resource": booking.resource.name, "when": booking_when(booking)}
    sentence = NOTICE_SENTENCES.get(notification.kind)
    if sentence is None:
        return _("News about your booking of %(resource)s on %(when)s.", **values)
    return str(sentence) % values
