"""The nightly usage snapshot: each active resource's figures for the day that has just ended in its zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.bookings.availability import rules_of
from app.bookings.models import Booking
from app.directory.models import Resource
from app.domain.bookings import BookingStatus
from app.domain.usage import DayUsage, Used, day_usage
from app.domain.windows import at_local
from app.extensions import db
from app.reports.models import UsageSnapshot

# What was booked and not given back: held, used, or missed (pending ones are decided or expired by then).
BOOKED = (
    BookingStatus.CONFIRMED.value,
    BookingStatus.CHECKED_IN.value,
    BookingStatus.COMPLETED.value,
    BookingStatus.NO_SHOW.value,
)


def usage_of(resource: Resource, day: date) -> DayUsage:
    """The resource's figures for one local day of its zone, from its rules and bookings now."""
    zone = ZoneInfo(resource.timezone)
    start, end = at_local(day, 0, zone), at_local(day + timedelta(days=1), 0, zone)
    rows = db.session.execute(
        select(Booking.start, Booking.end, Booking.quantity, Booking.status).where(
            Booking.resource_id == resource.id,
            Booking.status.in_(BOOKED),
            Booking.start < end,
            Booking.end > start,
        )
    ).all()
    used = [Used(r.start, r.end, r.quantity, r.status == BookingStatus.NO_SHOW.value) for r in rows]
    return day_usage(rules_of(resource, day - timedelta(days=1), day), day, used)


def take_usage_snapshot(resource: Resource, day: date, *, now: datetime) -> UsageSnapshot:
    """Write (or rewrite) the resource's snapshot of `day`: taking it twice leaves one row."""
    figures = usage_of(resource, day)
    snapshot = db.session.scalar(
        select(UsageSnapshot).where(UsageSnapshot.resource_id == resource.id, UsageSnapshot.day == day)
    )
    if snapshot is None:
        snapshot = UsageSnapshot(resource_id=resource.id, day=day)
        db.session.add(snapshot)
    snapshot.capacity = resource.capacity
    snapshot.offered_minutes_by_audience = figures.offered_by_audience
    snapshot.offered_minutes = figures.offered
    snapshot.booked_unit_minutes = figures.booked_unit_minutes
    snapshot.no_show_unit_minutes = figures.no_show_unit_minutes
    snapshot.bookings = figures.bookings
    snapshot.utilisation = figures.utilisation
    snapshot.computed_at = now
    return snapshot


def take_usage_snapshots(*, now: datetime) -> int:
    """Every active resource's snapshot of its local yesterday (the nightly job). Returns how many."""
    resources = db.session.scalars(select(Resource).where(Resource.active.is_(True)).order_by(Resource.id)).all()
    for resource in resources:
        yesterday = now.astimezone(ZoneInfo(resource.timezone)).date() - timedelta(days=1)
        take_usage_snapshot(resource, yesterday, now=now)
    db.session.flush()
    return len(resources)


def list_usage(resource: Resource, first: date, last: date) -> list[UsageSnapshot]:
    return list(
        db.session.scalars(
            select(UsageSnapshot)
            .where(UsageSnapshot.resource_id == resource.id, UsageSnapshot.day >= first, UsageSnapshot.day <= last)
            .order_by(UsageSnapshot.day)
        )
    )
