"""Placing and cancelling bookings: the engine's decision and the write, under the resource's lock.

The boundary opens the transaction with the write lock (`transaction(..., write_lock=True)`:
BEGIN IMMEDIATE on SQLite); here the first statement locks the resource's row on PostgreSQL
(`SELECT ... FOR UPDATE`) until the commit. Whoever holds that lock reads the bookings,
decides and inserts before anyone else may, so capacity is never oversold. The lock writes
nothing: a refused request has changed nothing at all, and what is written moves the
resource's revision with it. Flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, literal_column, select, true, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.accounts.models import User
from app.bookings.availability import rules_of
from app.bookings.decision_reads import read_for_decision
from app.bookings.models import Booking, BookingEvent, Notification
from app.bookings.revisions import mark_bumped, noted_in_transaction
from app.directory.models import Resource
from app.domain.bookings import HOLDING, BookingStatus
from app.domain.errors import DomainError
from app.domain.rules import Decision, Request, check_booking
from app.driver_reads import DriverRead
from app.extensions import db
from app.loaded_rows import as_loaded_with, model_columns
from app.notifications.models import queue_email
from app.organisations.models import Organisation


class BookingRefusedError(DomainError):
    """The engine's reason (API.md's codes) for not placing a booking."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.code)
        self.decision = decision


@dataclass(frozen=True)
class Placement:
    """What a booking asks for."""

    resource_id: int
    start: datetime
    end: datetime
    quantity: int = 1
    on_behalf_of: Organisation | None = None
    purpose: str = ""
    # The resource as read before the lock, when it was: holding it keeps it (and its owner) in
    # the session, so the locked refresh reuses the owner instead of reading it again.
    read_before: Resource | None = field(default=None, compare=False, repr=False)


_RESOURCES = Resource.__table__
# The lock when the resource was read in this request already: only what says whether it changed.
_LOCK_HELD = (
    select(_RESOURCES.c.revision, _RESOURCES.c.rules_revision)
    .where(_RESOURCES.c.id == bindparam("resource_id"))
    .with_for_update()
)
# The lock when it was not: the whole row, read in the locking statement.
_LOCK_AND_READ = (
    select(Resource)
    .where(Resource.id == bindparam("resource_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)
_BUMP_REVISION = (
    update(_RESOURCES)
    .where(_RESOURCES.c.id == bindparam("resource_id"))
    .values(revision=_RESOURCES.c.revision + 1)
    .returning(_RESOURCES.c.revision)
)


_LOCKED = "linli.resources_locked"
_RESOURCE_COLUMNS = model_columns(Resource)
_OWNER_COLUMNS = model_columns(Organisation)
_ORGANISATIONS = Organisation.__table__
# A plain statement: the ORM's loading of two joined objects cost more than reading them.
_RESOURCE_AND_OWNER = (
    select(*_RESOURCE_COLUMNS.columns, *_OWNER_COLUMNS.columns)
    .join_from(_RESOURCES, _ORGANISATIONS, _ORGANISATIONS.c.id == _RESOURCES.c.owner_id)
    .where(_RESOURCES.c.code == bindparam("code"))
)
_RESOURCE_AND_OWNER_BY_CODE = DriverRead(_RESOURCE_AND_OWNER)
_READ_AND_LOCK_BY_CODE = DriverRead(_RESOURCE_AND_OWNER.with_for_update(of=_RESOURCES))


def read_resource_to_book(code: str) -> Resource | None:
    """The resource a booking names, with its owner, read for the decision that follows.

    On PostgreSQL the request's transaction goes on from this read to the decision
    (begin_with_write_lock), so the read takes the row's lock as well, and lock_resource need not
    ask again. SQLite cannot lock before its BEGIN IMMEDIATE, which comes later: there it only reads.
    """
    session = db.session()
    connection = session.connection()
    locks = connection.dialect.name != "sqlite"
    row = (_READ_AND_LOCK_BY_CODE if locks else _RESOURCE_AND_OWNER_BY_CODE).first(connection, {"code": code})
    if row is None:
        return None
    resource = as_loaded_with(session, row, _RESOURCE_COLUMNS, _OWNER_COLUMNS, "owner")
    if locks:
        noted_in_transaction(session, _LOCKED).add(resource.id)
    return resource


def lock_resource(resource_id: int) -> Resource | None:
    """Take the resource's lock for the rest of the transaction and have it as it is under the lock.

    The row lock (PostgreSQL; on SQLite the transaction's write lock is the lock) writes nothing.
    A resource this request has read already is kept when its rules revision has not moved:
    every change to a resource's own columns moves it (app.bookings.revisions), so the object
    read is the row as it stands, and the lock need not bring thirty columns back to say so.
    Otherwise the row is read again, in the locking statement where nothing was held.
    """
    held = db.session.identity_map.get(identity_key(Resource, resource_id))
    if held is not None and resource_id in noted_in_transaction(db.session(), _LOCKED):
        return held  # read under the lock already (read_resource_to_book)
    known_rules = held.__dict__.get("rules_revision") if held is not None else None
    with db.session.no_autoflush:  # the lock comes first: nothing is written before it
        if known_rules is None:
            return db.session.scalars(_LOCK_AND_READ, {"resource_id": resource_id}).first()
        row = db.session.connection().execute(_LOCK_HELD, {"resource_id": resource_id}).first()
        if row is None:
            return None
        if row.rules_revision == known_rules:
            set_committed_value(held, "revision", row.revision)
            return held
        # Changed since it was read: its columns again, its owner kept if it is the same.
        owner = held.__dict__.get("owner")
        resource = db.session.get(Resource, resource_id, populate_existing=True)
        if resource is not None and owner is not None and owner.id == resource.owner_id:
            set_committed_value(resource, "owner", owner)
        return resource


def _bump_revision(resource: Resource) -> None:
    """Move the revision of a resource whose bookings this transaction changes without a flush
    (a flush moves it by itself: app.bookings.revisions)."""
    _note_revision(resource, db.session.connection().execute(_BUMP_REVISION, {"resource_id": resource.id}).scalar_one())


def _note_revision(resource: Resource, revision: int) -> None:
    """The object learns the revision just written, and this transaction's flushes that it moved."""
    set_committed_value(resource, "revision", revision)
    mark_bumped(db.session(), resource.id)


def decide(resource: Resource, user: User, placement: Placement, now: datetime) -> Decision:
    """The engine's answer for this request against the bookings held now (read under the lock)."""
    zone = ZoneInfo(resource.timezone)
    start, end = placement.start, placement.end
    if start.tzinfo is None or end.tzinfo is None or start >= end:
        return Decision("invalid_time")
    first_day = start.astimezone(zone).date()
    last_day = max(first_day, (end - timedelta(microseconds=1)).astimezone(zone).date())
    rules = rules_of(resource, first_day, last_day)
    read = read_for_decision(resource, user, placement.on_behalf_of, rules, first_day, last_day)
    requester = read.requester
    request = Request(start, end, placement.quantity, read.audiences, requester.may_act, requester.quota_key)
    return check_booking(request, rules, read.held, now, week_minutes_used=read.week_minutes_used)


def initial_status(resource: Resource, decision: Decision) -> BookingStatus:
    """Pending where approval is needed (the admitting window's say, else the resource's), else confirmed."""
    window = decision.window
    approval = window.requires_approval if window is not None and window.requires_approval is not None else None
    needs_approval = resource.requires_approval if approval is None else approval
    return BookingStatus.PENDING if needs_approval else BookingStatus.CONFIRMED


def place_booking(user: User, placement: Placement, *, now: datetime) -> Booking:
    """Decide and insert, holding the resource's lock; BookingRefusedError with the reason otherwise,
    having written nothing."""
    resource = lock_resource(placement.resource_id)
    if resource is None or not resource.active:
        raise DomainError("not_found")
    decision = decide(resource, user, placement, now)
    if not decision.allowed:
        raise BookingRefusedError(decision)
    booking = insert_booking(resource, user, placement, decision, now=now)
    if booking.status == BookingStatus.CONFIRMED.value:
        # The booker's confirmation with the calendar file, by email where it is configured; no
        # in-app notice goes with it: they are looking at the answer. (A pending request is
        # followed by the approval's or rejection's notice instead.)
        key = f"booking_confirmed:{booking.id}"
        queue_email(
            db.session.connection(), key=key, kind="booking_confirmed", user_id=user.id, at=now, booking_id=booking.id
        )
    return booking


_BOOKING_FIELDS = (
    "resource_id", "user_id", "on_behalf_of_id", "start", "end", "quantity", "status", "purpose", "sole",
    "created_at", "updated_at",
)  # fmt: skip
_EVENT_FIELDS = ("booking_id", "at", "actor_id", "to_status", "reason")


def insert_booking(
    resource: Resource, user: User, placement: Placement, decision: Decision, *, now: datetime, reason: str = ""
) -> Booking:
    """Write the booking `decide` has just allowed, with its first history step; the caller holds
    the resource's lock (placing, and promoting from the waitlist, share this)."""
    status = initial_status(resource, decision)
    values = {
        "resource_id": resource.id,
        "user_id": user.id,
        "on_behalf_of_id": placement.on_behalf_of.id if placement.on_behalf_of is not None else None,
        # In the form a read gives them back (UTC), as the object below is taken for one.
        "start": placement.start.astimezone(UTC),
        "end": placement.end.astimezone(UTC),
        "quantity": placement.quantity,
        "status": status.value,
        "purpose": placement.purpose.strip()[:300],
        "sole": resource.capacity == 1,
        "created_at": now,
        "updated_at": now,
    }
    event = {"at": now, "actor_id": user.id, "to_status": status.value, "reason": reason}
    # Plain statements rather than a unit-of-work flush or ORM ones: this is the hot path of every
    # booking, so the revision is moved here rather than by a flush. PostgreSQL makes the three
    # writes in one statement (data-modifying WITH); SQLite, which has no such thing, in three.
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        params = {f"placed_{k}": v for k, v in values.items()} | {f"step_{k}": v for k, v in event.items()}
        booking_id, revision = connection.execute(_PLACE_IN_ONE, params).one()
        _note_revision(resource, revision)
    else:
        _bump_revision(resource)
        booking_id = connection.execute(_INSERT_BOOKING, values).scalar_one()
        connection.execute(_INSERT_EVENT, {"booking_id": booking_id, **event})
    # The booking object is made from the values just written and joins the session as a loaded
    # row (make_transient_to_detached): nothing is read back.
    booking = Booking(id=booking_id, series_id=None, checked_in_at=None, **values)
    make_transient_to_detached(booking)
    db.session.add(booking)
    for name, known in (("resource", resource), ("user", user), ("on_behalf_of", placement.on_behalf_of)):
        set_committed_value(booking, name, known)  # known already: reading them loads nothing
    return booking


# insert_booking's statements, built once.
_BOOKINGS = Booking.__table__
_INSERT_BOOKING = (
    _BOOKINGS.insert().values({name: bindparam(name) for name in _BOOKING_FIELDS}).returning(_BOOKINGS.c.id)
)
_EVENTS = BookingEvent.__table__
_INSERT_EVENT = _EVENTS.insert().values({name: bindparam(name) for name in _EVENT_FIELDS})


def _place_in_one() -> Select[Any]:
    """WITH bumped AS (UPDATE resources ... RETURNING revision), placed AS (INSERT INTO bookings
    ... RETURNING id), history AS (INSERT INTO booking_events SELECT placed.id, ...)
    SELECT placed.id, bumped.revision.

    Its parameters are named apart from every column of the three tables (`placed_start`, not
    `start`): SQLAlchemy would otherwise add a parameter named like a column to that table's part
    (the bookings' `created_at` to the UPDATE of resources)."""
    # A literal 1: a bound one leaves an unfilled parameter behind in a WITH part.
    bumped = (
        update(_RESOURCES)
        .where(_RESOURCES.c.id == bindparam("placed_resource_id"))
        .values({_RESOURCES.c.revision: _RESOURCES.c.revision + literal_column("1")})
    )
    bumped_cte = bumped.returning(_RESOURCES.c.revision).cte("bumped")
    placed = (
        _BOOKINGS.insert()
        .values({name: bindparam(f"placed_{name}") for name in _BOOKING_FIELDS})
        .returning(_BOOKINGS.c.id)
        .cte("placed")
    )
    first_step = select(
        placed.c.id, *(bindparam(f"step_{name}", type_=_EVENTS.c[name].type) for name in _EVENT_FIELDS[1:])
    )
    history = _EVENTS.insert().from_select(list(_EVENT_FIELDS), first_step).cte("history")
    return select(placed.c.id, bumped_cte.c.revision).select_from(placed.join(bumped_cte, true())).add_cte(history)


_PLACE_IN_ONE = _place_in_one()


def _move(booking: Booking, to: BookingStatus, *, actor: User | None, reason: str, now: datetime) -> None:
    """Change the status and record the step; actor None is Linli itself (a sweep)."""
    before = booking.status
    booking.status = to.value
    booking.updated_at = now
    db.session.add(
        BookingEvent(
            booking_id=booking.id,
            at=now,
            actor_id=actor.id if actor is not None else None,
            from_status=before,
            to_status=to.value,
            reason=reason.strip()[:300],
        )
    )


def _notify_booker(booking: Booking, kind: str, reason: str, now: datetime) -> None:
    db.session.add(
        Notification(
            user_id=booking.user_id, kind=kind, booking_id=booking.id, reason=reason.strip()[:300], created_at=now
        )
    )


def decide_pending(booking: Booking, *, approve: bool, actor: User, reason: str = "", now: datetime) -> Booking:
    """A manager's decision on a pending booking. Approving changes nothing that could oversell:
    a pending booking already holds its capacity. Rejecting gives it back. The booker is told."""
    lock_resource(booking.resource_id)
    db.session.refresh(booking)
    if booking.status != BookingStatus.PENDING.value:
        raise DomainError("not_pending")
    if booking.start <= now:
        raise DomainError("in_past")  # it expires instead (the scheduler's sweep)
    if not approve and not reason.strip():
        raise DomainError("reason_required")
    to = BookingStatus.CONFIRMED if approve else BookingStatus.REJECTED
    _move(booking, to, actor=actor, reason=reason, now=now)
    _notify_booker(booking, "booking_approved" if approve else "booking_rejected", reason, now)
    db.session.flush()
    if not approve:
        _promote_waiting(booking, now)
    return booking


def cancel_booking(
    booking: Booking, *, actor: User, reason: str = "", now: datetime, as_manager: bool = False
) -> Booking:
    """Give the booking's capacity back (under the resource's lock, like placing). The booker may
    cancel until the resource's deadline before the start; its managers at any time, with a reason."""
    resource = lock_resource(booking.resource_id)
    db.session.refresh(booking)
    if BookingStatus(booking.status) not in HOLDING:
        raise DomainError("not_cancellable")
    if not as_manager and resource is not None:
        deadline = booking.start - timedelta(minutes=resource.cancel_before_minutes)
        if now > deadline:
            raise DomainError("too_late_to_cancel")
    _move(booking, BookingStatus.CANCELLED, actor=actor, reason=reason, now=now)
    if actor.id != booking.user_id:
        _notify_booker(booking, "booking_cancelled", reason, now)
    db.session.flush()
    _promote_waiting(booking, now)
    return booking


def _promote_waiting(booking: Booking, now: datetime) -> None:
    """The capacity this booking gave back goes to the first in its waitlist who may have it
    (the lock is still held). Imported here: the waitlist builds on this module."""
    from app.bookings.waitlist import promote_waiting

    promote_waiting(booking.resource_id, now=now, span=(booking.start, booking.end))
