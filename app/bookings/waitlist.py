"""The waitlist: a place in line for a full span, and the booking it becomes when capacity frees.

Joining and promoting both decide under the resource's lock, as placing does, so a place in
line is only taken when the span is really full and freed capacity goes to exactly one
booking. Flush, never commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.bookings.models import Booking, Notification, WaitlistEntry
from app.bookings.placing import BookingRefusedError, Placement, decide, insert_booking, lock_resource
from app.db import utcnow
from app.directory.models import Resource
from app.domain.errors import DomainError
from app.extensions import db
from app.organisations.services import is_manager

WAITING = "waiting"
PROMOTED = "promoted"
LEFT = "left"
LAPSED = "lapsed"
# The booking's first history step says where it came from (a code with a message in app.messages).
PROMOTED_REASON = "waitlist_promoted"


def join_waitlist(user: User, placement: Placement, *, now: datetime) -> WaitlistEntry:
    """Take a place in line for a span that is full. Only a request refused for capacity alone may
    wait: any other refusal is raised as it is (BookingRefusedError), and a request that would be
    accepted is `not_full` (book it instead). One waiting place per user and span: `already_waiting`."""
    resource = lock_resource(placement.resource_id)
    if resource is None or not resource.active:
        raise DomainError("not_found")
    decision = decide(resource, user, placement, now)
    if decision.allowed:
        raise DomainError("not_full")
    if decision.code != "capacity_exceeded":
        raise BookingRefusedError(decision)
    waiting = db.session.scalar(
        select(WaitlistEntry.id)
        .where(
            WaitlistEntry.user_id == user.id,
            WaitlistEntry.resource_id == resource.id,
            WaitlistEntry.status == WAITING,
            WaitlistEntry.start == placement.start,
            WaitlistEntry.end == placement.end,
        )
        .limit(1)
    )
    if waiting is not None:
        raise DomainError("already_waiting")
    entry = WaitlistEntry(
        resource_id=resource.id,
        user_id=user.id,
        on_behalf_of_id=placement.on_behalf_of.id if placement.on_behalf_of is not None else None,
        start=placement.start,
        end=placement.end,
        quantity=placement.quantity,
        purpose=placement.purpose.strip()[:300],
        status=WAITING,
        created_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def leave_waitlist(entry: WaitlistEntry, *, actor: User, now: datetime) -> WaitlistEntry:
    """Give up a place in line (its user, the managers of the unit it was for, admins)."""
    if not may_see_entry(actor, entry):
        raise DomainError("forbidden")
    # The row's lock: a promotion running now either finished first (then it is not waiting) or waits.
    db.session.refresh(entry, with_for_update=True)
    if entry.status != WAITING:
        raise DomainError("not_waiting")
    entry.status = LEFT
    entry.decided_at = now
    db.session.flush()
    return entry


def promote_waiting(resource_id: int, *, now: datetime, span: tuple[datetime, datetime] | None = None) -> list[Booking]:
    """Book freed capacity for those waiting, first come first served; the caller holds the
    resource's lock and has just given capacity back (over `span`, when given: only entries
    near it can gain). Each waiting entry is decided afresh for its own user: one allowed is
    booked (pending or confirmed, as placing decides), marked promoted and its user notified;
    one refused for any reason stays waiting, and the line goes on (what is left may fit a
    later one). Entries whose start has passed lapse."""
    resource = db.session.get(Resource, resource_id)
    if resource is None:
        return []
    query = select(WaitlistEntry).where(WaitlistEntry.resource_id == resource_id, WaitlistEntry.status == WAITING)
    if span is not None:
        # A buffer keeps bookings apart, so capacity freed just beside an entry can matter to it too.
        buffer = timedelta(minutes=resource.buffer_minutes)
        near = and_(WaitlistEntry.start < span[1] + buffer, WaitlistEntry.end > span[0] - buffer)
        query = query.where(or_(WaitlistEntry.start <= now, near))
    entries = db.session.scalars(
        query.order_by(WaitlistEntry.created_at, WaitlistEntry.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    promoted: list[Booking] = []
    for entry in entries:
        if entry.start <= now:
            entry.status = LAPSED
            entry.decided_at = now
            continue
        user = entry.user
        if not resource.active or not user.active:
            continue
        placement = Placement(resource.id, entry.start, entry.end, entry.quantity, entry.on_behalf_of, entry.purpose)
        decision = decide(resource, user, placement, now)
        if not decision.allowed:
            continue
        booking = insert_booking(resource, user, placement, decision, now=now, reason=PROMOTED_REASON)
        entry.status = PROMOTED
        entry.booking_id = booking.id
        entry.decided_at = now
        db.session.add(Notification(user_id=user.id, kind="waitlist_promoted", booking_id=booking.id, created_at=now))
        db.session.flush()
        promoted.append(booking)
    db.session.flush()
    return promoted


def list_waiting(user: User, *, now: datetime | None = None) -> list[WaitlistEntry]:
    """The user's places in line that have not started yet, soonest first, with their resources."""
    moment = now if now is not None else utcnow()
    return list(
        db.session.scalars(
            select(WaitlistEntry)
            .options(joinedload(WaitlistEntry.resource))
            .where(WaitlistEntry.user_id == user.id, WaitlistEntry.status == WAITING, WaitlistEntry.start > moment)
            .order_by(WaitlistEntry.start, WaitlistEntry.id)
        )
    )


def get_entry(entry_id: int) -> WaitlistEntry | None:
    return db.session.get(WaitlistEntry, entry_id)


def may_see_entry(user: User, entry: WaitlistEntry) -> bool:
    """Its user, the managers of the unit it was for, admins (who may also take it out of line)."""
    if not user.is_authenticated:
        return False
    if entry.user_id == user.id or user.is_admin:
        return True
    return entry.on_behalf_of is not None and is_manager(user, entry.on_behalf_of)
