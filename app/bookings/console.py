"""Who may see and act on a booking, and the managers' lists: the console, the approval queue, the inbox."""

from __future__ import annotations

from datetime import datetime

from flask import g
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import joinedload

from app.access.models import Closure
from app.accounts.models import User
from app.bookings.affected import list_affected_bookings
from app.bookings.models import Booking, BookingEvent, Notification
from app.bookings.placing import cancel_booking
from app.directory.models import Resource
from app.directory.services import can_manage
from app.domain.bookings import BookingStatus
from app.domain.errors import DomainError
from app.domain.organisations import Role
from app.extensions import db
from app.organisations.models import Membership, Organisation
from app.organisations.services import is_manager
from app.queries import Page, paginate

PENDING = BookingStatus.PENDING.value
# Badges in the menu count this far, then say "99+": the count stays cheap however long the list.
BADGE_CAP = 99


# --- who may do what ------------------------------------------------------------


def may_see_booking(user: User, booking: Booking) -> bool:
    """The booker, the managers of the unit it was made for, the owner's managers, admins."""
    if not user.is_authenticated:
        return False
    if booking.user_id == user.id or user.is_admin:
        return True
    if booking.on_behalf_of is not None and is_manager(user, booking.on_behalf_of):
        return True
    return can_manage(user, booking.resource.owner)


def manages_booking(user: User, booking: Booking) -> bool:
    """The owner's managers, the unit's managers and admins cancel at any time, with a reason."""
    if can_manage(user, booking.resource.owner):
        return True
    return booking.on_behalf_of is not None and is_manager(user, booking.on_behalf_of)


def may_decide(user: User, booking: Booking) -> bool:
    """Only the owner's managers (and admins) approve or reject."""
    return can_manage(user, booking.resource.owner)


# --- one booking ----------------------------------------------------------------


def get_booking(booking_id: int) -> Booking | None:
    return db.session.scalars(
        select(Booking)
        .where(Booking.id == booking_id)
        .options(
            joinedload(Booking.resource).joinedload(Resource.owner),
            joinedload(Booking.user),
            joinedload(Booking.on_behalf_of),
        )
    ).first()


def list_history(booking: Booking) -> list[BookingEvent]:
    """Every status change of the booking, oldest first, with who made it."""
    return list(
        db.session.scalars(
            select(BookingEvent)
            .where(BookingEvent.booking_id == booking.id)
            .options(joinedload(BookingEvent.actor))
            .order_by(BookingEvent.at, BookingEvent.id)
        )
    )


# --- the console ----------------------------------------------------------------


def list_owned_resources(owner: Organisation) -> list[Resource]:
    return list(db.session.scalars(select(Resource).where(Resource.owner_id == owner.id).order_by(Resource.code)))


def list_console_bookings(
    owner: Organisation,
    *,
    start: datetime,
    end: datetime,
    resource: Resource | None = None,
    statuses: list[str] | None = None,
    limit: int = 1000,
) -> list[Booking]:
    """Bookings of the owner's resources (or one of them) overlapping [start, end), soonest first.
    `statuses` None means every status."""
    query = select(Booking).where(Booking.start < end, Booking.end > start)
    if resource is not None:
        query = query.where(Booking.resource_id == resource.id)
    else:
        query = query.join(Resource, Resource.id == Booking.resource_id).where(Resource.owner_id == owner.id)
    if statuses is not None:
        query = query.where(Booking.status.in_(statuses))
    query = (
        query.options(joinedload(Booking.resource), joinedload(Booking.user), joinedload(Booking.on_behalf_of))
        .order_by(Booking.start, Booking.id)
        .limit(limit)
    )
    return list(db.session.scalars(query).unique())


# --- the approval queue ---------------------------------------------------------


def _pending(user: User, now: datetime) -> Select[tuple[Booking]]:
    """Pending bookings still to come on resources whose owner the user manages (admins: all)."""
    query = (
        select(Booking)
        .join(Resource, Resource.id == Booking.resource_id)
        .where(Booking.status == PENDING, Booking.start > now)
    )
    if not user.is_admin:
        query = query.join(
            Membership,
            (Membership.organisation_id == Resource.owner_id)
            & (Membership.user_id == user.id)
            & (Membership.role == Role.MANAGER.value),
        )
    return query


def list_pending_approvals(
    user: User, *, now: datetime, owner: Organisation | None = None, page: int = 1, per_page: int = 50
) -> Page[Booking]:
    """The user's queue, soonest first."""
    query = _pending(user, now)
    if owner is not None:
        query = query.where(Resource.owner_id == owner.id)
    query = query.options(
        joinedload(Booking.resource).joinedload(Resource.owner),
        joinedload(Booking.user),
        joinedload(Booking.on_behalf_of),
    ).order_by(Booking.start, Booking.id)
    return paginate(db.session, query, page=page, per_page=per_page)


def list_approval_owners(user: User, *, now: datetime) -> list[Organisation]:
    """The organisations whose pending bookings are in the user's queue (to filter by)."""
    owners = _pending(user, now).with_only_columns(Resource.owner_id).distinct().subquery()
    return list(
        db.session.scalars(
            select(Organisation).where(Organisation.id.in_(select(owners.c.owner_id))).order_by(Organisation.name)
        )
    )


def count_pending_approvals(user: User, *, now: datetime, cap: int = BADGE_CAP + 1) -> int:
    """How many wait for the user's decision, counted up to `cap` (one query, for the menu)."""
    capped = _pending(user, now).with_only_columns(Booking.id).limit(cap).subquery()
    return db.session.scalar(select(func.count()).select_from(capped)) or 0


# --- the inbox ------------------------------------------------------------------


def count_unread(user: User, *, cap: int = BADGE_CAP + 1) -> int:
    """Unread notifications, counted up to `cap` (one indexed query, for the menu)."""
    capped = (
        select(Notification.id)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .limit(cap)
        .subquery()
    )
    return db.session.scalar(select(func.count()).select_from(capped)) or 0


def load_user_noting_unread(user_id: int) -> User | None:
    """The signed-in user, with their unread count for the menu in the same statement (every page
    asks for both): the count is kept for this request (flask.g, where the menu reads it)."""
    unread = (
        select(func.count(Notification.id))
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    row = db.session.execute(select(User, unread).where(User.id == user_id)).first()
    if row is None:
        return None
    g.linli_inbox_unread = min(int(row[1] or 0), BADGE_CAP + 1)
    return row[0]


def list_notifications(user: User, *, page: int = 1, per_page: int = 30) -> Page[Notification]:
    """The user's notifications, newest first, each with its booking and resource."""
    query = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .options(joinedload(Notification.booking).joinedload(Booking.resource))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return paginate(db.session, query, page=page, per_page=per_page)


def mark_read(user: User, notification_ids: list[int], *, now: datetime) -> None:
    """Mark these of the user's notifications read (those read already keep their time)."""
    if not notification_ids:
        return
    db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.id.in_(notification_ids),
            Notification.read_at.is_(None),
        )
        .values(read_at=now)
    )


# --- a closure's bookings -------------------------------------------------------


def cancel_affected_bookings(closure: Closure, *, actor: User, reason: str, now: datetime) -> int:
    """Cancel, as its managers, every booking still holding capacity in the closure; each booker is
    told by the cancellation. Resources are locked in id order, so two managers never deadlock.
    Returns how many were cancelled. Call inside a write transaction."""
    affected = list_affected_bookings(closure, limit=1_000_000)
    affected.sort(key=lambda b: (b.resource_id, b.start, b.id))
    cancelled = 0
    for booking in affected:
        try:
            cancel_booking(booking, actor=actor, reason=reason, now=now, as_manager=True)
        except DomainError:
            continue  # it changed before the lock was taken (cancelled meanwhile): nothing to do
        cancelled += 1
    return cancelled
