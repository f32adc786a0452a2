"""One booking as an iCalendar file: a single event in UTC, for "add to calendar"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event

PRODID = "-//Linli//Bookings//EN"
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


@dataclass(frozen=True)
class BookingEntry:
    """What the calendar event says about a booking; times must be aware."""

    uid: str
    start: datetime
    end: datetime
    stamp: datetime  # the booking's last change: the same booking gives the same bytes
    summary: str
    status: str  # a booking status (app.domain.bookings.BookingStatus value)
    sequence: int = 0  # how many times it changed since it was made
    location: str = ""
    description: str = ""
    url: str = ""


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime refused: pass an aware datetime")
    return moment.astimezone(UTC)


def render_booking_ics(entry: BookingEntry) -> bytes:
    """A VCALENDAR with one VEVENT, times in UTC (no VTIMEZONE needed), no UID on the calendar."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", _utc(entry.stamp))
    event.add("dtstart", _utc(entry.start))
    event.add("dtend", _utc(entry.end))
    event.add("summary", entry.summary)
    event.add("status", ICAL_STATUS.get(entry.status, "CONFIRMED"))
    event.add("sequence", max(0, entry.sequence))
    if entry.location:
        event.add("location", entry.location)
    if entry.description:
        event.add("description", entry.description)
    if entry.url:
        event.add("url", entry.url)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
