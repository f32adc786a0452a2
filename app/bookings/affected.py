"""The bookings a closure falls on: they hold capacity in a span that is now closed. Read only."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from app.access.models import Closure
from app.bookings.models import Booking
from app.directory.models import Resource
from app.domain.bookings import HOLDING
from app.extensions import db

HOLDING_VALUES = sorted(s.value for s in HOLDING)


def _affected(closure: Closure) -> Select[tuple[Booking]]:
    query = select(Booking).where(
        Booking.status.in_(HOLDING_VALUES), Booking.start < closure.end, Booking.end > closure.start
    )
    if closure.resource_id is not None:
        return query.where(Booking.resource_id == closure.resource_id)
    # An organisation's closure closes every resource it owns.
    return query.join(Resource, Resource.id == Booking.resource_id).where(Resource.owner_id == closure.organisation_id)


def list_affected_bookings(closure: Closure, *, limit: int = 500) -> list[Booking]:
    """Bookings holding capacity that overlap the closure, soonest first (at most `limit`)."""
    query = (
        _affected(closure)
        .options(joinedload(Booking.resource), joinedload(Booking.user), joinedload(Booking.on_behalf_of))
        .order_by(Booking.start, Booking.id)
        .limit(limit)
    )
    return list(db.session.scalars(query).unique())


def count_affected_bookings(closure: Closure) -> int:
    return db.session.scalar(select(func.count()).select_from(_affected(closure).subquery())) or 0
