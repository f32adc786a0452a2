"""What a user sees of their own bookings: theirs, or all of a unit's they manage; upcoming or past."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.bookings.console import may_see_booking
from app.bookings.models import Booking, BookingSeries
from app.directory.models import Resource
from app.extensions import db
from app.organisations.models import Organisation
from app.queries import Page, paginate

PER_PAGE = 20


def list_my_bookings(
    user: User, *, now: datetime, past: bool, unit: Organisation | None = None, page: int = 1
) -> Page[Booking]:
    """Upcoming (not yet over) soonest first, or past latest first; a unit's are all of its bookings
    (for its managers: the caller checks that)."""
    query = select(Booking).options(
        joinedload(Booking.resource).joinedload(Resource.owner), joinedload(Booking.on_behalf_of)
    )
    query = (
        query.where(Booking.on_behalf_of_id == unit.id) if unit is not None else query.where(Booking.user_id == user.id)
    )
    if past:
        query = query.where(Booking.end <= now).order_by(Booking.start.desc(), Booking.id.desc())
    else:
        query = query.where(Booking.end > now).order_by(Booking.start, Booking.id)
    return paginate(db.session, query, page=page, per_page=PER_PAGE)


def get_series(series_id: int) -> BookingSeries | None:
    return db.session.get(BookingSeries, series_id)


def may_see_series(user: User, series: BookingSeries, bookings: list[Booking]) -> bool:
    """Whoever may see its bookings: the booker, the unit's and the owner's managers, admins."""
    if not user.is_authenticated:
        return False
    if series.user_id == user.id or user.is_admin:
        return True
    return bool(bookings) and may_see_booking(user, bookings[0])
