"""An outbox message as an email, in its recipient's language, with the booking's .ics where it is confirmed."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.bookings.booking_words import booking_when, notice_link, notice_sentence
from app.bookings.calendar_file import booking_calendar_file
from app.domain.bookings import BookingStatus
from app.i18n import CHINESE, normalise_locale
from app.messages import MESSAGES, message_for
from app.notifications.models import OutboxMessage

SUBJECTS = {
    "booking_approved": _l("Booking approved: %(resource)s"),
    "booking_rejected": _l("Booking not approved: %(resource)s"),
    "booking_cancelled": _l("Booking cancelled: %(resource)s"),
    "waitlist_promoted": _l("A place came free: %(resource)s"),
    "booking_no_show": _l("Booking marked as not used: %(resource)s"),
    "booking_expired": _l("Booking expired: %(resource)s"),
    "booking_reminder": _l("Reminder: %(resource)s, %(when)s"),
    "calendar_missing": _l("The official workday calendar needs the coming year's arrangement"),
    "booking_confirmed": _l("Booked: %(resource)s, %(when)s"),
    "agreement_to_sign": _l("A co-building agreement awaits your signature"),
    "agreement_signed": _l("A co-building agreement is signed"),
    "agreement_item_due": _l("A co-building item is due soon"),
    "agreement_item_done": _l("A co-building item is done"),
    "rating_invite": _l("How was it? Rate %(resource)s"),
}
# What the booker is told of their own booking as it is made (no in-app notice goes with it).
OWN_BOOKING_SENTENCES = {
    "booking_confirmed": _l("You have booked %(resource)s on %(when)s."),
}
# These confirm a booking: the email carries it as a calendar event (when it is confirmed by then).
WITH_CALENDAR_FILE = frozenset({"booking_approved", "waitlist_promoted", "booking_reminder", "booking_confirmed"})


def _link(endpoint: str, **values: object) -> str | None:
    """A full address on the site, when PUBLIC_BASE_URL says where it is (a job has no request)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base:
        return None
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base.rstrip("/") + path


def compose(message: OutboxMessage, user: User, *, sender: str, now: datetime) -> EmailMessage:
    """The email for one outbox message, in the user's language (Chinese unless they chose otherwise)."""
    with force_locale(normalise_locale(user.locale) or CHINESE):
        return _compose(message, user, sender=sender, now=now)


def _compose(message: OutboxMessage, user: User, *, sender: str, now: datetime) -> EmailMessage:
    notification = message.notification
    booking = notification.booking if notification is not None else message.booking
    values = {"resource": "", "when": ""}
    if booking is not None:
        values = {"resource": booking.resource.name, "when": booking_when(booking)}
    subject = SUBJECTS.get(message.kind)
    lines = [_("Hello %(name)s,", name=user.name), ""]
    if notification is not None:
        lines.append(notice_sentence(notification))
        reason = notification.reason
        if reason and booking is not None:
            lines.append(_("Why: %(reason)s", reason=message_for(reason) if reason in MESSAGES else reason))
    elif message.kind in OWN_BOOKING_SENTENCES and booking is not None:
        lines.append(str(OWN_BOOKING_SENTENCES[message.kind]) % values)
    else:
        lines.append(_("There is news about your bookings in Linli."))
    booking_link = _link("bookings.detail", booking_id=booking.id) if booking is not None else None
    if booking_link:
        lines += ["", _("The booking: %(url)s", url=booking_link)]
    elif notification is not None and (page := notice_link(notification)) is not None:
        page_link = _link(page.endpoint, **page.values)
        if page_link:
            lines += ["", _("%(link)s: %(url)s", link=page.text, url=page_link)]
    lines += ["", "—", _("Linli sends you this email because of your notification settings.")]
    settings_link = _link("accounts.settings")
    if settings_link:
        lines.append(_("Choose which events email you: %(url)s", url=settings_link))

    email = EmailMessage()
    email["Subject"] = str(subject) % values if subject is not None else _("News from Linli")
    email["From"] = sender
    email["To"] = user.email or ""
    email["Date"] = format_datetime(now)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "linli.invalid"
    # Fixed per outbox message: a receiving system that sees it twice can tell.
    email["Message-ID"] = f"<outbox-{message.id}@{domain}>"
    email.set_content("\n".join(lines))
    if message.kind in WITH_CALENDAR_FILE and booking is not None and booking.status == BookingStatus.CONFIRMED.value:
        email.add_attachment(
            booking_calendar_file(booking, _link("bookings.detail", booking_id=booking.id) or ""),
            maintype="text",
            subtype="calendar",
            filename=f"booking-{booking.id}.ics",
            params={"method": "PUBLISH", "charset": "utf-8"},
        )
    return email
