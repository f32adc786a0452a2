"""One booking as an iCalendar file: the page's "add to calendar" download and the emails that confirm it.

Written by app.domain.ical like the feeds' events, with the same UID (app.urls.uid_host), so a
calendar holding the download, a feed and an email's file sees one event.
"""

from __future__ import annotations

from flask_babel import gettext as _

from app.bookings.booking_words import booking_quantity, status_view
from app.bookings.console import list_history
from app.bookings.models import Booking
from app.domain.ical import BookingEntry, CalendarInfo, booking_uid, render_booking_calendar
from app.urls import uid_host


def booking_calendar_file(booking: Booking, url: str) -> bytes:
    """The booking as one event; `url` is its page's full address ("" when none is known)."""
    resource = booking.resource
    changes = sum(1 for event in list_history(booking) if event.from_status is not None)
    details = [booking_quantity(booking), str(status_view(booking.status).word)]
    if booking.on_behalf_of is not None:
        details.append(_("For %(unit)s", unit=booking.on_behalf_of.name))
    if booking.purpose:
        details.append(booking.purpose)
    if url:
        details.append(url)
    entry = BookingEntry(
        uid=booking_uid(booking.id, uid_host()),
        start=booking.start,
        end=booking.end,
        stamp=booking.updated_at or booking.created_at,
        summary=resource.name,
        status=booking.status,
        zone=resource.timezone,
        sequence=changes,
        created=booking.created_at,
        location=resource.address or resource.name,
        description="\n".join(details),
        url=url,
    )
    return render_booking_calendar(entry, CalendarInfo(name=resource.name, zone=resource.timezone))
