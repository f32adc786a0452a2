"""Every flush that changes what a resource's availability is made of bumps its revision.

Done once for every writer, so no service can forget: windows, closures (a resource's or
all of an organisation's), bookings, the resource itself, and the workday calendar (all
resources). Pages cached by revision (the week grid) are then never served stale.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from app.access.models import Closure, Window
from app.bookings.models import Booking
from app.directory.models import Resource
from app.workdays.models import CalendarDay

_RESOURCES = Resource.__table__


def _touched(session: Session) -> tuple[set[int], set[int], bool]:
    """Resource ids and organisation ids whose availability this flush changes; and whether
    the workday calendar changes (which concerns every resource)."""
    resources: set[int] = set()
    owners: set[int] = set()
    calendar = False
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Window | Booking):
            if obj.resource_id is not None:
                resources.add(obj.resource_id)
            elif obj.resource is not None and obj.resource.id is not None:
                resources.add(obj.resource.id)
        elif isinstance(obj, Closure):
            if obj.resource_id is not None:
                resources.add(obj.resource_id)
            elif obj.organisation_id is not None:
                owners.add(obj.organisation_id)
            elif obj.resource is not None and obj.resource.id is not None:
                resources.add(obj.resource.id)
            elif obj.organisation is not None and obj.organisation.id is not None:
                owners.add(obj.organisation.id)
        elif isinstance(obj, CalendarDay):
            calendar = True
        elif isinstance(obj, Resource) and obj.id is not None and session.is_modified(obj):
            resources.add(obj.id)
    return resources, owners, calendar


_ALREADY = "linli.revisions_bumped"


def mark_bumped(session: Session, resource_id: int) -> None:
    """Note that this transaction has bumped the resource's revision itself (the booking lock
    does), so its flushes need not bump it again."""
    transaction = session.get_transaction()
    held = session.info.get(_ALREADY)
    if held is None or held[0] is not transaction:
        held = session.info[_ALREADY] = (transaction, set())
    held[1].add(resource_id)


def _bump(session: Session, _context: Any, _instances: Any) -> None:
    resources, owners, calendar = _touched(session)
    held = session.info.get(_ALREADY)
    if held is not None and held[0] is session.get_transaction():
        resources -= held[1]
    if not (resources or owners or calendar):
        return
    bump = update(_RESOURCES).values(revision=_RESOURCES.c.revision + 1)
    # Core statements on the flush's own connection: nothing here autoflushes again.
    connection = session.connection()
    if calendar:
        connection.execute(bump)
        return
    if resources:
        connection.execute(bump.where(_RESOURCES.c.id.in_(sorted(resources))))
    if owners:
        connection.execute(bump.where(_RESOURCES.c.owner_id.in_(sorted(owners))))


def install() -> None:
    """Listen on every session, once per process (apps made for tests share the class)."""
    if not event.contains(Session, "before_flush", _bump):
        event.listen(Session, "before_flush", _bump)
