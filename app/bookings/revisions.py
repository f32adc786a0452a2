"""Every flush that changes what a resource's availability is made of bumps its revision.

Done once for every writer, so no service can forget: windows, closures (a resource's or
all of an organisation's), bookings, the resource itself, and the workday calendar (all
resources). Pages cached by revision (the week grid) are then never served stale. All but
bookings also bump the rules revision, which keys what is computed from the rules alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.access.models import Closure, Window
from app.bookings.models import Booking
from app.directory.models import Resource
from app.workdays.models import CalendarDay

_RESOURCES = Resource.__table__


@dataclass
class Touched:
    """What a flush changes: resources whose bookings change, resources and organisations whose
    rules change, and whether the workday calendar (every resource's rules) changes."""

    booked: set[int] = field(default_factory=set)
    ruled: set[int] = field(default_factory=set)
    owners: set[int] = field(default_factory=set)
    calendar: bool = False


def _resource_id(obj: Window | Booking | Closure) -> int | None:
    if obj.resource_id is not None:
        return obj.resource_id
    return obj.resource.id if obj.resource is not None else None


def _touched(session: Session) -> Touched:
    touched = Touched()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Booking):
            if (resource_id := _resource_id(obj)) is not None:
                touched.booked.add(resource_id)
        elif isinstance(obj, Window):
            if (resource_id := _resource_id(obj)) is not None:
                touched.ruled.add(resource_id)
        elif isinstance(obj, Closure):
            if (resource_id := _resource_id(obj)) is not None:
                touched.ruled.add(resource_id)
            elif obj.organisation_id is not None:
                touched.owners.add(obj.organisation_id)
            elif obj.organisation is not None and obj.organisation.id is not None:
                touched.owners.add(obj.organisation.id)
        elif isinstance(obj, CalendarDay):
            touched.calendar = True
        elif isinstance(obj, Resource) and obj.id is not None and session.is_modified(obj):
            touched.ruled.add(obj.id)
    return touched


_ALREADY = "linli.revisions_bumped"


def noted_in_transaction(session: Session, key: str) -> set[int]:
    """A set of resource ids the session keeps for its current transaction only: a new
    transaction finds it empty."""
    transaction = session.get_transaction()
    noted = session.info.get(key)
    if noted is None or noted[0] is not transaction:
        noted = session.info[key] = (transaction, set())
    return noted[1]


def mark_bumped(session: Session, resource_id: int) -> None:
    """Note that this transaction has bumped the resource's revision itself (placing a booking
    does), so its flushes need not bump it again."""
    noted_in_transaction(session, _ALREADY).add(resource_id)


def _bump(session: Session, _context: Any, _instances: Any) -> None:
    touched = _touched(session)
    held = session.info.get(_ALREADY)
    if held is not None and held[0] is session.get_transaction():
        touched.booked -= held[1]
    touched.booked -= touched.ruled
    if not (touched.booked or touched.ruled or touched.owners or touched.calendar):
        return
    bump = update(_RESOURCES).values(revision=_RESOURCES.c.revision + 1)
    rules_bump = bump.values(rules_revision=_RESOURCES.c.rules_revision + 1)
    statements = []
    if touched.calendar:
        statements.append(rules_bump)
    else:
        if touched.booked:
            statements.append(bump.where(_RESOURCES.c.id.in_(sorted(touched.booked))))
        if touched.ruled:
            statements.append(rules_bump.where(_RESOURCES.c.id.in_(sorted(touched.ruled))))
        if touched.owners:
            statements.append(rules_bump.where(_RESOURCES.c.owner_id.in_(sorted(touched.owners))))
    # Core statements on the flush's own connection: nothing here autoflushes again.
    connection = session.connection()
    for statement in statements:
        returned = statement.returning(_RESOURCES.c.id, _RESOURCES.c.revision, _RESOURCES.c.rules_revision)
        for resource_id, revision, rules_revision in connection.execute(returned):
            # Resources this session holds learn their new revisions: what is cached by them
            # (rules, weeks) is then never read for this transaction's old ones.
            held_resource = session.identity_map.get(identity_key(Resource, resource_id))
            if held_resource is not None:
                set_committed_value(held_resource, "revision", revision)
                set_committed_value(held_resource, "rules_revision", rules_revision)


def install() -> None:
    """Listen on every session, once per process (apps made for tests share the class)."""
    if not event.contains(Session, "before_flush", _bump):
        event.listen(Session, "before_flush", _bump)
