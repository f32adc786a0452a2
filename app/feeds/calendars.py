"""The feeds' contents: a resource's availability, a person's bookings, an organisation's bookings.

Speed (10,000 events in a feed; icalendar alone takes seconds for that):
- A feed covers a window of days anchored at today (app.domain.ical), so it stays bounded.
- Each feed has a fingerprint read in one small query (counts, latest changes, revisions) and
  the day: its ETag. A conditional GET compares it and answers 304 without building anything.
- Built feeds are kept by ETag; an ETag changes whenever anything in the feed does.
- Each booking's rendered VEVENT is kept by everything it is made of (the row as read, which
  includes its last change, plus the language and host). A change to one booking renders one
  event again; the rest are joined from the cache. A history step always moves `updated_at`,
  so SEQUENCE (read only for events not yet cached) is never stale.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, String, func, or_, select, true, type_coerce

from app.access.models import Closure, Window
from app.access.wording import AUDIENCE_WORDS, describe_window, unit_words
from app.accounts.models import User
from app.bookings.booking_words import STATUS_WORDS
from app.bookings.models import Booking, BookingEvent
from app.bookings.week_cache import LruCache
from app.directory.labels import DEFAULT_UNIT_LABELS
from app.directory.models import Resource
from app.domain.bookings import HOLDING
from app.domain.ical import (
    AVAILABILITY_DAYS,
    CANCELLED_KEPT,
    GIVEN_UP,
    BookingEntry,
    CalendarInfo,
    SpanEntry,
    WindowEntry,
    booking_uid,
    bookings_span,
    busy_spans,
    day_start,
    render_booking_event,
    render_calendar,
    render_span_event,
    render_window_event,
)
from app.domain.windows import Audience
from app.extensions import db
from app.feeds.models import ORGANISATION, PERSONAL
from app.organisations.models import Organisation
from app.workdays.services import calendar_between

# Bump when what a feed says changes shape: every ETag changes with it.
FORMAT = 3
EVENT_CACHE_SIZE = 100_000  # a few hundred bytes each: tens of MB at most
FEED_CACHE_SIZE = 64
_EVENTS = "linli.feed_events"
_FEEDS = "linli.feeds"
_HOLDING = sorted(s.value for s in HOLDING)
_GIVEN_UP = sorted(GIVEN_UP)


@dataclass(frozen=True)
class Links:
    """How events point back to the site: the host in UIDs, and full URLs."""

    host: str
    booking_url: Callable[[int], str]
    resource_url: Callable[[str], str]


@dataclass(frozen=True)
class Fingerprint:
    etag: str
    last_modified: datetime


class EventCache:
    """Rendered events by key, bounded, oldest dropped first; thread-safe."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_many(self, keys: Sequence[Hashable]) -> list[bytes | None]:
        with self._lock:
            found = [self._items.get(key) for key in keys]
        missing = sum(1 for f in found if f is None)
        self.hits += len(found) - missing
        self.misses += missing
        return found

    def put_many(self, pairs: Sequence[tuple[Hashable, bytes]]) -> None:
        with self._lock:
            for key, value in pairs:
                self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def event_cache() -> EventCache:
    cache = current_app.extensions.get(_EVENTS)
    if cache is None:
        cache = current_app.extensions[_EVENTS] = EventCache(EVENT_CACHE_SIZE)
    return cache  # type: ignore[no-any-return]


def feed_cache() -> LruCache:
    cache = current_app.extensions.get(_FEEDS)
    if cache is None:
        cache = current_app.extensions[_FEEDS] = LruCache(FEED_CACHE_SIZE)
    return cache  # type: ignore[no-any-return]


def _etag(*parts: object) -> str:
    return hashlib.sha256(repr((FORMAT, *parts)).encode("utf-8")).hexdigest()[:32]


def _latest(*moments: datetime | None) -> datetime:
    return max(m for m in moments if m is not None)


# --- bookings feeds (personal, organisation) -----------------------------------------


def _subject_filter(kind: str, subject_id: int) -> ColumnElement[bool]:
    if kind == PERSONAL:
        return Booking.user_id == subject_id
    # An organisation's bookings: those on its resources, and those made for it (a unit's).
    owned = select(Resource.id).where(Resource.owner_id == subject_id).scalar_subquery()
    return or_(Booking.resource_id.in_(owned), Booking.on_behalf_of_id == subject_id)


def _in_feed(kind: str, subject_id: int, now: datetime) -> list[ColumnElement[bool]]:
    span = bookings_span(now)
    cutoff = day_start(now) - CANCELLED_KEPT
    return [
        _subject_filter(kind, subject_id),
        Booking.end > span.start,
        Booking.start < span.end,
        or_(Booking.status.not_in(_GIVEN_UP), Booking.updated_at >= cutoff),
    ]


def _bookings_aggregate(where: ColumnElement[bool], now: datetime) -> Select[Any]:
    """Count and latest changes of the feed's bookings matching `where`: any change to one of them
    moves its count or its latest change, a change to their resources the latest edit."""
    span = bookings_span(now)
    cutoff = day_start(now) - CANCELLED_KEPT
    return (
        select(func.count(Booking.id), func.max(Booking.updated_at), func.max(Resource.updated_at))
        .join(Resource, Resource.id == Booking.resource_id)
        .where(
            where,
            Booking.end > span.start,
            Booking.start < span.end,
            or_(Booking.status.not_in(_GIVEN_UP), Booking.updated_at >= cutoff),
        )
    )


def bookings_fingerprint(kind: str, subject_id: int, now: datetime, locale: str, host: str) -> Fingerprint:
    """The ETag and Last-Modified of a bookings feed, read without reading the feed's bookings
    one by one. The feed's window moves with the day, so the day is part of it.

    A person's bookings are few: an aggregate over them (by the user index). An organisation's
    resources may hold tens of thousands: their revisions stand for them, since every change to
    a resource's bookings or to the resource moves its revision (app.bookings.revisions); the
    bookings made for the organisation (a unit's, on others' resources) are aggregated as a
    person's are."""
    anchor = day_start(now)
    if kind == PERSONAL:
        count, latest_booking, latest_resource = db.session.execute(
            _bookings_aggregate(Booking.user_id == subject_id, now)
        ).one()
        etag = _etag(kind, subject_id, anchor.date(), locale, host, count, latest_booking, latest_resource)
        return Fingerprint(etag, _latest(anchor, latest_booking, latest_resource))
    owned = (
        select(func.count(Resource.id), func.sum(Resource.revision), func.max(Resource.updated_at))
        .where(Resource.owner_id == subject_id)
        .subquery()
    )
    made_for = _bookings_aggregate(Booking.on_behalf_of_id == subject_id, now).subquery()
    # One round trip for both: the 304 answer is mostly round trips.
    row = tuple(db.session.execute(select(*owned.c, *made_for.c).select_from(owned.join(made_for, true()))).one())
    etag = _etag(kind, subject_id, anchor.date(), locale, host, row)
    # The revisions carry no time: Last-Modified is now for owners (the ETag is what clients send back).
    last_modified = _latest(anchor, row[2], row[4], row[5], now if row[0] else None)
    return Fingerprint(etag, last_modified)


def _booking_keys(kind: str, subject_id: int, now: datetime) -> list[tuple[Any, ...]]:
    """One short row per booking in the feed, in order: what its event is made of, as stored.

    Any change to a booking moves its `updated_at`, any edit of a resource the resource's; the
    names come along as they are. Values are read raw (no conversion of times), which keeps
    reading 10,000 of them to some milliseconds; the full rows are read only for events to render."""
    query = (
        select(
            Booking.id,
            type_coerce(Booking.updated_at, String),
            Booking.resource_id,
            type_coerce(Resource.updated_at, String),
            Resource.timezone,
            User.name,
            Organisation.name,
        )
        .join(Resource, Resource.id == Booking.resource_id)
        .join(User, User.id == Booking.user_id)
        .outerjoin(Organisation, Organisation.id == Booking.on_behalf_of_id)
        .where(*_in_feed(kind, subject_id, now))
        .order_by(Booking.start, Booking.id)
    )
    # Core, not the ORM: no identity map or entity loading for plain columns.
    return [tuple(row) for row in db.session.connection().execute(query)]


def _booking_rows(booking_ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    """The full rows of these bookings, by id."""
    found: dict[int, tuple[Any, ...]] = {}
    for first in range(0, len(booking_ids), 500):
        query = (
            select(
                Booking.id,
                Booking.start,
                Booking.end,
                Booking.status,
                Booking.quantity,
                Booking.purpose,
                Booking.updated_at,
                Booking.created_at,
                Resource.name,
                Resource.address,
                Resource.timezone,
                Resource.unit_label,
                Resource.kind,
                User.name,
                Organisation.name,
            )
            .join(Resource, Resource.id == Booking.resource_id)
            .join(User, User.id == Booking.user_id)
            .outerjoin(Organisation, Organisation.id == Booking.on_behalf_of_id)
            .where(Booking.id.in_(list(booking_ids[first : first + 500])))
        )
        found.update({row[0]: tuple(row) for row in db.session.execute(query)})
    return found


def _sequences(booking_ids: Sequence[int]) -> dict[int, int]:
    """SEQUENCE: the number of history steps after the first (the making)."""
    found: dict[int, int] = {}
    for start in range(0, len(booking_ids), 500):
        chunk = list(booking_ids[start : start + 500])
        rows = db.session.execute(
            select(BookingEvent.booking_id, func.count(BookingEvent.id))
            .where(BookingEvent.booking_id.in_(chunk), BookingEvent.from_status.is_not(None))
            .group_by(BookingEvent.booking_id)
        )
        found.update({booking_id: count for booking_id, count in rows})
    return found


def _booking_entry(kind: str, row: tuple[Any, ...], sequence: int, links: Links) -> BookingEntry:
    (booking_id, start, end, status, quantity, purpose, updated_at, created_at) = row[:8]
    (resource_name, address, zone, unit_label, resource_kind, booker, unit) = row[8:]
    label = unit_label or DEFAULT_UNIT_LABELS.get(resource_kind, "")
    url = links.booking_url(booking_id)
    details = [
        _("%(count)s %(unit)s", count=quantity, unit=unit_words(label, quantity)),
        str(STATUS_WORDS.get(status, status)),
    ]
    summary = resource_name
    if kind == ORGANISATION:
        # The organisation's managers see who booked (a name, never a phone).
        summary = _("%(resource)s: %(person)s", resource=resource_name, person=booker)
    if unit:
        details.append(_("For %(unit)s", unit=unit))
    if purpose:
        details.append(purpose)
    details.append(url)
    return BookingEntry(
        uid=booking_uid(booking_id, links.host),
        start=start,
        end=end,
        stamp=updated_at or created_at,
        summary=summary,
        status=status,
        zone=zone,
        sequence=sequence,
        created=created_at,
        location=address or resource_name,
        description="\n".join(details),
        url=url,
    )


def booking_events(kind: str, rows: Sequence[tuple[Any, ...]], locale: str, links: Links) -> list[bytes]:
    """Each booking's VEVENT (rows from _booking_keys), from the cache where it is, rendered
    (and kept) where not."""
    cache = event_cache()
    keys = [(kind, locale, links.host, row) for row in rows]
    found = cache.get_many(keys)
    missing = [n for n, event in enumerate(found) if event is None]
    if missing:
        ids = [rows[n][0] for n in missing]
        full, sequences = _booking_rows(ids), _sequences(ids)
        made = []
        for n in missing:
            booking_id = rows[n][0]
            event = render_booking_event(_booking_entry(kind, full[booking_id], sequences.get(booking_id, 0), links))
            found[n] = event
            made.append((keys[n], event))
        cache.put_many(made)
    return [event for event in found if event is not None]


def build_bookings_feed(
    kind: str, subject_id: int, name: str, now: datetime, locale: str, links: Links, fingerprint: Fingerprint
) -> bytes:
    """The feed's bytes, kept by its ETag."""

    def make() -> bytes:
        rows = _booking_keys(kind, subject_id, now)
        zones = {row[4] for row in rows} or {"Asia/Shanghai"}
        info = CalendarInfo(name=name, zone=min(zones) if len(zones) == 1 else "Asia/Shanghai")
        return render_calendar(info, zones, booking_events(kind, rows, locale, links))

    return feed_cache().get_or_make(("bookings", fingerprint.etag), make)


def personal_feed_name(user: User) -> str:
    return _("Linli: bookings of %(name)s", name=user.name)


def organisation_feed_name(organisation: Organisation) -> str:
    return _("Linli: bookings of %(organisation)s", organisation=organisation.name)


# --- a resource's availability -----------------------------------------------------


def resource_days(resource: Resource, now: datetime) -> tuple[date, date]:
    """The local days the availability feed covers: today and the next 89."""
    today = now.astimezone(ZoneInfo(resource.timezone)).date()
    return today, today + timedelta(days=AVAILABILITY_DAYS - 1)


def resource_fingerprint(resource: Resource, now: datetime, locale: str, host: str) -> Fingerprint:
    """Every change to what the feed is made of (windows, closures, bookings, the resource, the
    workday calendar) moves the resource's revision (app.bookings.revisions)."""
    first_day, _last = resource_days(resource, now)
    etag = _etag("resource", resource.id, resource.revision, resource.rules_revision, first_day, locale, host)
    anchor = datetime.combine(first_day, datetime.min.time(), tzinfo=ZoneInfo(resource.timezone)).astimezone(UTC)
    # The revision has no time; Last-Modified is the resource's edit or the day's start, whichever is later,
    # and the ETag (which every calendar client sends back) carries the rest.
    return Fingerprint(etag, _latest(resource.updated_at, anchor))


def build_resource_feed(
    resource: Resource, now: datetime, locale: str, links: Links, fingerprint: Fingerprint
) -> bytes:
    return feed_cache().get_or_make(("resource", fingerprint.etag), lambda: _render_resource_feed(resource, now, links))


def _render_resource_feed(resource: Resource, now: datetime, links: Links) -> bytes:
    zone_name = resource.timezone
    zone = ZoneInfo(zone_name)
    first_day, last_day = resource_days(resource, now)
    span_start = datetime.combine(first_day, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    span_end = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tzinfo=zone).astimezone(UTC)
    page = links.resource_url(resource.code)
    label = resource.unit_label or DEFAULT_UNIT_LABELS.get(resource.kind, "")
    calendar = calendar_between(first_day - timedelta(days=1), last_day + timedelta(days=1))
    order = {audience: n for n, audience in enumerate(Audience)}
    windows = sorted(
        db.session.scalars(select(Window).where(Window.resource_id == resource.id)),
        key=lambda w: (order[Audience(w.audience)], w.start_minute, w.id),
    )
    events: list[bytes] = []
    for row in windows:
        window = row.to_domain()
        entry = WindowEntry(
            uid=f"window-{row.id}@{links.host}",
            days=window.days,
            start_minute=window.start,
            end_minute=window.end,
            first_day=first_day,
            last_day=last_day,
            zone=zone_name,
            stamp=row.updated_at or row.created_at,
            summary=_("Open to %(audience)s", audience=AUDIENCE_WORDS[window.audience]),
            description=describe_window(window, label),
            url=page,
        )
        events.append(render_window_event(entry, calendar))
    closures = db.session.execute(
        select(Closure.id, Closure.start, Closure.end, Closure.reason, Closure.created_at)
        .where(
            or_(Closure.resource_id == resource.id, Closure.organisation_id == resource.owner_id),
            Closure.start < span_end,
            Closure.end > span_start,
        )
        .order_by(Closure.start, Closure.id)
    )
    for closure_id, start, end, reason, created_at in closures:
        summary = _("Closed: %(reason)s", reason=reason) if reason else _("Closed")
        events.append(
            render_span_event(
                SpanEntry(f"closure-{closure_id}@{links.host}", start, end, created_at, summary, zone_name, url=page)
            )
        )
    # Busy: when the bookings holding it take the whole capacity. Who booked is never said.
    holdings = list(
        db.session.execute(
            select(Booking.start, Booking.end, Booking.quantity, Booking.updated_at).where(
                Booking.resource_id == resource.id,
                Booking.status.in_(_HOLDING),
                Booking.start < span_end,
                Booking.end > span_start,
            )
        )
    )
    if holdings:
        stamp = max(h[3] for h in holdings)
        for span in busy_spans(((h[0], h[1], h[2]) for h in holdings), resource.capacity):
            uid = f"busy-{resource.id}-{int(span.start.timestamp())}@{links.host}"
            entry = SpanEntry(uid, span.start, span.end, stamp, _("Fully booked"), zone_name, url=page)
            events.append(render_span_event(entry))
    info = CalendarInfo(
        name=_("Linli: %(resource)s", resource=resource.name),
        zone=zone_name,
        description=_(
            "When %(resource)s is open, to whom, and when it is closed or fully booked.", resource=resource.name
        ),
    )
    return render_calendar(info, [zone_name], events)


__all__ = [
    "Fingerprint",
    "Links",
    "booking_events",
    "bookings_fingerprint",
    "build_bookings_feed",
    "build_resource_feed",
    "event_cache",
    "feed_cache",
    "organisation_feed_name",
    "personal_feed_name",
    "resource_fingerprint",
]
