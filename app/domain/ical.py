"""iCalendar rendering: bookings, open windows, closures and busy spans as VEVENTs, feeds as VCALENDARs.

Pure: plain values and an explicit stamp in, bytes out, so the same data always gives the
same bytes (ETags then match). Events are rendered one by one (`render_*_event`) so a caller
can keep each event's bytes and assemble a feed from them (`render_calendar`) without
rendering again what did not change: icalendar takes some 0.2 ms an event.

Pitfalls handled here (see the project's FACTS): no UID on the VCALENDAR, an ASCII PRODID,
one VTIMEZONE per zone used (without its COMMENT, which RFC 5545 does not allow there),
RRULE UNTIL in UTC, REFRESH-INTERVAL with VALUE=DURATION, X-PUBLISHED-TTL and X-WR-TIMEZONE.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vDuration

from app.domain.bookings import HOLDING, BookingStatus
from app.domain.intervals import Interval
from app.domain.windows import DayRule, Days, at_local, days_between
from app.domain.workdays import DayEntry

PRODID = "-//Linli//Linli Calendar Feeds 1.0//EN"
# VTIMEZONE blocks cover the zone's rules from this day on (one +0800 block for Asia/Shanghai).
TIMEZONES_FROM = date(2000, 1, 1)
DEFAULT_REFRESH = timedelta(hours=1)
# How long a cancelled (rejected, expired) booking stays in a feed, so subscribed calendars see it go.
CANCELLED_KEPT = timedelta(days=7)
# The spans feeds cover around today.
PERSONAL_PAST = timedelta(days=30)
PERSONAL_AHEAD = timedelta(days=180)
AVAILABILITY_DAYS = 90

# A booking's status as a calendar sees it: held, waiting for a decision, or given up.
ICAL_STATUS = {
    "pending": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "checked_in": "CONFIRMED",
    "completed": "CONFIRMED",
    "no_show": "CONFIRMED",
    "rejected": "CANCELLED",
    "cancelled": "CANCELLED",
    "expired": "CANCELLED",
}
GIVEN_UP = frozenset({BookingStatus.CANCELLED.value, BookingStatus.REJECTED.value, BookingStatus.EXPIRED.value})
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_END = b"END:VCALENDAR\r\n"


@dataclass(frozen=True)
class CalendarInfo:
    """What the VCALENDAR says about itself."""

    name: str  # X-WR-CALNAME and NAME
    zone: str  # X-WR-TIMEZONE: the zone Google shows floating times in
    description: str = ""
    refresh: timedelta = DEFAULT_REFRESH  # REFRESH-INTERVAL and X-PUBLISHED-TTL


@dataclass(frozen=True)
class BookingEntry:
    """What the calendar event says about a booking; times must be aware. Hashable: a cache key."""

    uid: str
    start: datetime
    end: datetime
    stamp: datetime  # the booking's last change: DTSTAMP and LAST-MODIFIED
    summary: str
    status: str  # a booking status (BookingStatus value)
    zone: str = "UTC"  # DTSTART and DTEND are written in this zone (with its VTIMEZONE)
    sequence: int = 0  # how many times it changed since it was made
    created: datetime | None = None
    location: str = ""
    description: str = ""
    url: str = ""


@dataclass(frozen=True)
class SpanEntry:
    """A closure or a busy span: opaque time, no people in it."""

    uid: str
    start: datetime
    end: datetime
    stamp: datetime
    summary: str
    zone: str = "UTC"
    description: str = ""
    url: str = ""


@dataclass(frozen=True)
class WindowEntry:
    """An access window over the local days [first_day, last_day], written as one recurring event."""

    uid: str
    days: Days
    start_minute: int
    end_minute: int  # 1440 is the next midnight
    first_day: date
    last_day: date
    zone: str
    stamp: datetime
    summary: str
    description: str = ""
    url: str = ""


@dataclass(frozen=True)
class Recurrence:
    """A window's days as RFC 5545 says them: DTSTART's day, an optional weekly or daily rule up to
    `until_day`, and the days the official calendar adds (RDATE) or takes away (EXDATE)."""

    first: date
    freq: str | None  # "DAILY", "WEEKLY" or None (RDATEs only)
    byday: tuple[str, ...]
    until_day: date | None
    rdates: tuple[date, ...]
    exdates: tuple[date, ...]


# --- helpers ----------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime refused: pass an aware datetime")
    return moment.astimezone(UTC)


def _local(moment: datetime, zone: str) -> datetime:
    """The instant in `zone` (written with TZID), or in UTC (written with Z)."""
    if zone == "UTC":
        return _utc(moment)
    return _utc(moment).astimezone(ZoneInfo(zone))


def booking_uid(booking_id: int, host: str) -> str:
    """The stable UID of a booking's event: the same in every feed and in the one-event download."""
    return f"booking-{booking_id}@{host}"


def shown_in_feed(status: str, stamp: datetime, now: datetime) -> bool:
    """Holding and finished bookings always; given-up ones for CANCELLED_KEPT after their last change.

    Counted from the start of today (UTC), so a feed's contents move once a day, not every second."""
    if status not in GIVEN_UP:
        return True
    return _utc(stamp) >= day_start(now) - CANCELLED_KEPT


def day_start(now: datetime) -> datetime:
    """Midnight UTC of now's day: the anchor of every feed's span, stable for a whole day."""
    moment = _utc(now)
    return datetime.combine(moment.date(), time(0), tzinfo=UTC)


def bookings_span(now: datetime) -> Interval:
    """What personal and organisation feeds cover: the past 30 days and the next 180."""
    anchor = day_start(now)
    return Interval(anchor - PERSONAL_PAST, anchor + PERSONAL_AHEAD)


# --- events -------------------------------------------------------------------------


def render_booking_event(entry: BookingEntry) -> bytes:
    """One VEVENT (BEGIN..END, CRLF lines) for a booking."""
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", _utc(entry.stamp))
    event.add("dtstart", _local(entry.start, entry.zone))
    event.add("dtend", _local(entry.end, entry.zone))
    event.add("summary", entry.summary)
    event.add("status", ICAL_STATUS.get(entry.status, "CONFIRMED"))
    event.add("sequence", max(0, entry.sequence))
    event.add("transp", "TRANSPARENT" if entry.status in GIVEN_UP else "OPAQUE")
    if entry.created is not None:
        event.add("created", _utc(entry.created))
    event.add("last-modified", _utc(entry.stamp))
    if entry.location:
        event.add("location", entry.location)
    if entry.description:
        event.add("description", entry.description)
    if entry.url:
        event.add("url", entry.url)
    return bytes(event.to_ical())


def render_span_event(entry: SpanEntry) -> bytes:
    """One VEVENT for a closure or a busy span."""
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", _utc(entry.stamp))
    event.add("dtstart", _local(entry.start, entry.zone))
    event.add("dtend", _local(entry.end, entry.zone))
    event.add("summary", entry.summary)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    if entry.description:
        event.add("description", entry.description)
    if entry.url:
        event.add("url", entry.url)
    return bytes(event.to_ical())


def window_recurrence(
    days: Days, first_day: date, last_day: date, calendar: Mapping[date, DayEntry]
) -> Recurrence | None:
    """The window's days in [first_day, last_day] as a rule with exceptions; None when there are none.

    Working and rest days follow Monday–Friday or the weekend, with the official calendar's
    holidays taken out (EXDATE) and make-up workdays put in (RDATE)."""
    if days.rule is DayRule.ALL:
        base: frozenset[int] = frozenset(range(7))
    elif days.rule is DayRule.WORKDAY:
        base = frozenset(range(5))
    elif days.rule is DayRule.RESTDAY:
        base = frozenset({5, 6})
    else:
        base = days.weekdays
    every = days_between(first_day, last_day)
    pattern = [d for d in every if d.weekday() in base]
    wanted = {d for d in every if days.matches(d, calendar)}
    rdates = tuple(d for d in every if d in wanted and d.weekday() not in base)
    if not pattern:
        if not rdates:
            return None
        return Recurrence(rdates[0], None, (), None, rdates[1:], ())
    exdates = tuple(d for d in pattern if d not in wanted)
    if len(pattern) == len(exdates) and not rdates:
        return None
    freq = "DAILY" if len(base) == 7 else "WEEKLY"
    byday = () if freq == "DAILY" else tuple(_BYDAY[n] for n in sorted(base))
    return Recurrence(pattern[0], freq, byday, pattern[-1], rdates, exdates)


def render_window_event(entry: WindowEntry, calendar: Mapping[date, DayEntry]) -> bytes:
    """One recurring VEVENT for an access window (b"" when it opens on none of the days)."""
    recurrence = window_recurrence(entry.days, entry.first_day, entry.last_day, calendar)
    if recurrence is None:
        return b""
    zone = ZoneInfo(entry.zone)

    def local(day: date, minutes: int) -> datetime:
        return at_local(day, minutes, zone).astimezone(zone)

    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", _utc(entry.stamp))
    event.add("dtstart", local(recurrence.first, entry.start_minute))
    event.add("dtend", local(recurrence.first, entry.end_minute))
    if recurrence.freq is not None and recurrence.until_day is not None:
        rule: dict[str, object] = {"freq": recurrence.freq}
        # UNTIL in UTC: a zoned UNTIL would be written floating, which RFC 5545 forbids.
        rule["until"] = at_local(recurrence.until_day, entry.start_minute, zone).astimezone(UTC)
        if recurrence.byday:
            rule["byday"] = list(recurrence.byday)
        event.add("rrule", rule)
    if recurrence.rdates:
        event.add("rdate", [local(d, entry.start_minute) for d in recurrence.rdates])
    if recurrence.exdates:
        # EXDATE must equal the occurrence's DTSTART exactly: the same zone and wall time.
        event.add("exdate", [local(d, entry.start_minute) for d in recurrence.exdates])
    event.add("summary", entry.summary)
    event.add("transp", "TRANSPARENT")
    if entry.description:
        event.add("description", entry.description)
    if entry.url:
        event.add("url", entry.url)
    return bytes(event.to_ical())


def busy_spans(holdings: Iterable[tuple[datetime, datetime, int]], capacity: int) -> list[Interval]:
    """The spans when the holdings (start, end, quantity) take the whole capacity, merged."""
    changes: dict[datetime, int] = {}
    for start, end, quantity in holdings:
        if start < end:
            changes[start] = changes.get(start, 0) + quantity
            changes[end] = changes.get(end, 0) - quantity
    spans: list[Interval] = []
    used = 0
    opened: datetime | None = None
    for moment in sorted(changes):
        used += changes[moment]
        if used >= capacity and opened is None:
            opened = moment
        elif used < capacity and opened is not None:
            if spans and spans[-1].end == opened:
                spans[-1] = Interval(spans[-1].start, moment)
            else:
                spans.append(Interval(opened, moment))
            opened = None
    return spans


def holds(status: str) -> bool:
    return status in HOLDING


# --- calendars ----------------------------------------------------------------------


@lru_cache(maxsize=64)
def timezone_block(zone: str) -> bytes:
    """The zone's VTIMEZONE (no COMMENT: RFC 5545 allows none there, and libical flags it)."""
    block = Timezone.from_tzid(zone, first_date=TIMEZONES_FROM)
    block.pop("COMMENT", None)
    return bytes(block.to_ical())


def calendar_head(info: CalendarInfo) -> bytes:
    """BEGIN:VCALENDAR and its properties, without END:VCALENDAR. No UID: see the module's docstring."""
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", info.name)
    calendar.add("name", info.name)
    calendar.add("x-wr-timezone", info.zone)
    if info.description:
        calendar.add("x-wr-caldesc", info.description)
        calendar.add("description", info.description)
    calendar.add("refresh-interval", info.refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(info.refresh))
    head = bytes(calendar.to_ical())
    if not head.endswith(_END):
        raise AssertionError("icalendar wrote an unexpected calendar end")
    return head[: -len(_END)]


def render_calendar(info: CalendarInfo, zones: Iterable[str], events: Sequence[bytes]) -> bytes:
    """A VCALENDAR of already rendered events, with a VTIMEZONE for each zone used (UTC needs none)."""
    parts = [calendar_head(info)]
    parts.extend(timezone_block(zone) for zone in sorted(set(zones)) if zone != "UTC")
    parts.extend(event for event in events if event)
    parts.append(_END)
    return b"".join(parts)


def render_booking_calendar(entry: BookingEntry, info: CalendarInfo) -> bytes:
    """A VCALENDAR with one booking: the "add to calendar" download."""
    return render_calendar(info, [entry.zone], [render_booking_event(entry)])
