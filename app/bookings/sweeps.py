"""The scheduler's sweeps over bookings: undecided ones expire at their start, finished ones complete.

Each is a sweep over the database, not a job per booking, so running it twice (or late) changes
nothing more: it moves only bookings still in the status it looks for. Each resource is changed
under its lock, in id order, as placing and the no-show sweep do. Flush, never commit: the
boundary (a scheduler job, a command) opens the transaction with the write lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select

from app.bookings.models import Booking
from app.bookings.placing import _move, _notify_booker, lock_resource
from app.bookings.waitlist import promote_waiting
from app.directory.models import Resource
from app.domain.bookings import BookingStatus
from app.extensions import db

# The history step's reason (a code with a message in app.messages).
EXPIRED_REASON = "approval_expired"
# The notice that asks a completed booking's booker to rate it (app.ratings serves the form).
RATING_INVITE = "rating_invite"


def _resources_with(condition: ColumnElement[bool]) -> list[int]:
    ids = db.session.scalars(
        select(Booking.resource_id).join(Resource, Resource.id == Booking.resource_id).where(condition).distinct()
    ).all()
    return sorted(ids)


def _locked_bookings(resource_id: int, condition: ColumnElement[bool]) -> list[Booking]:
    return list(
        db.session.scalars(
            select(Booking)
            .join(Resource, Resource.id == Booking.resource_id)
            .where(Booking.resource_id == resource_id, condition)
            .order_by(Booking.start, Booking.id)
            .with_for_update(of=Booking)
            .execution_options(populate_existing=True)
        )
    )


def expire_pending(*, now: datetime) -> int:
    """Bookings still awaiting approval when they start become `expired`: the capacity they held goes
    back (to the waitlist first, whoever can still use it) and the booker is told. Returns how many."""
    undecided = and_(Booking.status == BookingStatus.PENDING.value, Booking.start <= now)
    expired = 0
    for resource_id in _resources_with(undecided):
        if lock_resource(resource_id) is None:
            continue
        late = _locked_bookings(resource_id, undecided)
        if not late:
            continue  # decided meanwhile
        for booking in late:
            _move(booking, BookingStatus.EXPIRED, actor=None, reason=EXPIRED_REASON, now=now)
            _notify_booker(booking, "booking_expired", "", now)
        db.session.flush()
        expired += len(late)
        promote_waiting(resource_id, now=now, span=_span(late))
    return expired


def complete_finished(*, now: datetime) -> int:
    """Bookings that have ended and were used become `completed`: the checked-in ones, and the confirmed
    ones of places that do not ask for check-in (where they must check in, a confirmed booking that
    ended is the no-show sweep's). Nothing is given back: the time is over. Returns how many.

    Each booker is asked to rate what they used: an in-app notice linking to the rating form (its
    email rides along, as every notice's does). A booking completes once, so it is asked once."""
    used = and_(
        Booking.end <= now,
        or_(
            Booking.status == BookingStatus.CHECKED_IN.value,
            and_(Booking.status == BookingStatus.CONFIRMED.value, Resource.checkin_required.is_(False)),
        ),
    )
    completed = 0
    for resource_id in _resources_with(used):
        if lock_resource(resource_id) is None:
            continue
        finished = _locked_bookings(resource_id, used)
        for booking in finished:
            _move(booking, BookingStatus.COMPLETED, actor=None, reason="", now=now)
            _notify_booker(booking, RATING_INVITE, "", now)
        db.session.flush()
        completed += len(finished)
    return completed


def _span(bookings: Iterable[Booking]) -> tuple[datetime, datetime]:
    items = list(bookings)
    return min(b.start for b in items), max(b.end for b in items)
