"""Check-in and no-shows: a booking at a place that asks for check-in is used, or gives its capacity back.

The window opens 15 minutes before the start and closes `checkin_grace_minutes` after it (at
the booking's end at the latest). Both the check-in and the no-show sweep change a booking
under its resource's lock, so one of them wins cleanly. Flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from app.accounts.models import User
from app.bookings.console import may_see_booking
from app.bookings.models import Booking
from app.bookings.placing import _move, _notify_booker, lock_resource
from app.bookings.waitlist import promote_waiting
from app.directory.models import Resource
from app.domain.bookings import BookingStatus
from app.domain.errors import DomainError
from app.extensions import db

OPENS_BEFORE = timedelta(minutes=15)
# The no-show's history step says why (a code with a message in app.messages).
NO_SHOW_REASON = "checkin_closed"


def checkin_window(booking: Booking) -> tuple[datetime, datetime]:
    """When the booking may be checked in: from 15 minutes before its start to the resource's grace
    after it, both ends included (never past the booking's end)."""
    grace = timedelta(minutes=booking.resource.checkin_grace_minutes)
    return booking.start - OPENS_BEFORE, min(booking.start + grace, booking.end)


@dataclass(frozen=True)
class CheckinState:
    """Where a booking stands on check-in at a moment: `not_required`, `checked_in`, `no_show`,
    `not_checkable` (another status), `not_open`, `open` or `closed`; and its window."""

    state: str
    opens: datetime
    closes: datetime


def checkin_state(booking: Booking, now: datetime) -> CheckinState:
    opens, closes = checkin_window(booking)
    if not booking.resource.checkin_required:
        state = "not_required"
    elif booking.status in (BookingStatus.CHECKED_IN.value, BookingStatus.NO_SHOW.value):
        state = booking.status
    elif booking.status != BookingStatus.CONFIRMED.value:
        state = "not_checkable"
    elif now < opens:
        state = "not_open"
    elif now > closes:
        state = "closed"
    else:
        state = "open"
    return CheckinState(state, opens, closes)


def check_in(booking: Booking, *, actor: User, now: datetime) -> Booking:
    """Confirmed → checked in, inside the window, by whoever may see the booking. Codes:
    `forbidden`, `checkin_not_required` (the place does not ask for it), `not_checkable` (not
    confirmed), `checkin_not_open` (too early), `checkin_closed` (too late)."""
    if not may_see_booking(actor, booking):
        raise DomainError("forbidden")
    lock_resource(booking.resource_id)
    db.session.refresh(booking)
    state = checkin_state(booking, now).state
    if state == "not_required":
        raise DomainError("checkin_not_required")
    if state == "not_open":
        raise DomainError("checkin_not_open")
    if state == "closed":
        raise DomainError("checkin_closed")
    if state != "open":
        raise DomainError("not_checkable")
    _move(booking, BookingStatus.CHECKED_IN, actor=actor, reason="", now=now)
    booking.checked_in_at = now
    db.session.flush()
    return booking


def mark_no_shows(*, now: datetime) -> int:
    """Every confirmed booking at a place that asks for check-in whose window has closed becomes a
    no-show: its capacity goes back (to the waitlist first) and the booker is told. Resource by
    resource under each one's lock, in id order; running it again changes nothing. Returns how
    many bookings it marked. The boundary opens the transaction with the write lock."""
    resource_ids = db.session.scalars(
        select(Booking.resource_id)
        .join(Resource, Resource.id == Booking.resource_id)
        .where(
            Resource.checkin_required.is_(True),
            Booking.status == BookingStatus.CONFIRMED.value,
            Booking.start < now,
        )
        .distinct()
    ).all()
    marked = 0
    for resource_id in sorted(resource_ids):
        resource = lock_resource(resource_id)
        if resource is None or not resource.checkin_required:
            continue
        grace = timedelta(minutes=resource.checkin_grace_minutes)
        late = db.session.scalars(
            select(Booking)
            .where(
                Booking.resource_id == resource_id,
                Booking.status == BookingStatus.CONFIRMED.value,
                or_(Booking.start < now - grace, Booking.end < now),
            )
            .order_by(Booking.start, Booking.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
        if not late:
            continue
        for booking in late:
            _move(booking, BookingStatus.NO_SHOW, actor=None, reason=NO_SHOW_REASON, now=now)
            _notify_booker(booking, "booking_no_show", "", now)
        db.session.flush()
        marked += len(late)
        promote_waiting(resource_id, now=now, span=(min(b.start for b in late), max(b.end for b in late)))
    return marked


def list_checkin_due(user: User, resource: Resource, now: datetime) -> list[Booking]:
    """The user's own bookings here whose check-in window is open now (confirmed ones to check in,
    and ones already checked in), soonest first: one query on the user's bookings index."""
    if not resource.checkin_required:
        return []
    grace = timedelta(minutes=resource.checkin_grace_minutes)
    return list(
        db.session.scalars(
            select(Booking)
            .where(
                Booking.user_id == user.id,
                Booking.start >= now - grace,
                Booking.start <= now + OPENS_BEFORE,
                Booking.resource_id == resource.id,
                Booking.status.in_([BookingStatus.CONFIRMED.value, BookingStatus.CHECKED_IN.value]),
                Booking.end >= now,
            )
            .order_by(Booking.start, Booking.id)
            .limit(5)
        )
    )
