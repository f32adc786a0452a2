"""Recurring series: preview each occurrence with its clash, and place the whole series under one lock.

`plan_series` reads and decides without writing (the preview); `place_series` takes the
resource's lock first, so what it decides cannot change before its bookings are in. Flush,
never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from app.accounts.models import User
from app.bookings.availability import rules_of
from app.bookings.decision_reads import read_for_decision
from app.bookings.models import Booking, BookingEvent, BookingSeries
from app.bookings.placing import Placement, cancel_booking, initial_status, lock_resource
from app.directory.models import Resource
from app.domain.bookings import HOLDING, BookingStatus
from app.domain.errors import DomainError
from app.domain.recurrence import Recurrence, decide_series, last_day_reached, occurrences
from app.domain.rules import Decision, Request
from app.extensions import db
from app.workdays.services import calendar_between


class OnConflict(StrEnum):
    FAIL = "fail"  # book nothing when any occurrence cannot be booked
    SKIP = "skip"  # book the rest, and say which were skipped and why


@dataclass(frozen=True)
class Occurrence:
    start: datetime
    end: datetime
    code: str | None  # None: it can be booked
    decision: Decision | None = None


@dataclass
class PlacedSeries:
    series: BookingSeries
    bookings: list[Booking]
    skipped: list[Occurrence] = field(default_factory=list)


class SeriesConflictError(DomainError):
    """`conflict`: the occurrences that cannot be booked (with on_conflict fail, or when none can)."""

    def __init__(self, clashes: list[Occurrence]) -> None:
        super().__init__("conflict")
        self.clashes = clashes


def plan_series(
    resource: Resource, user: User, placement: Placement, recurrence: Recurrence, now: datetime
) -> list[Occurrence]:
    """Every occurrence, and whether it can be booked now as part of this series."""
    zone = ZoneInfo(resource.timezone)
    start, end = placement.start, placement.end
    if start.tzinfo is None or end.tzinfo is None or start >= end:
        raise DomainError("invalid_time")
    first_day = start.astimezone(zone).date()
    calendar = calendar_between(first_day, last_day_reached(recurrence, first_day)) if recurrence.every_workday else {}
    spans = occurrences(recurrence, start, end, zone, calendar)
    if not spans:
        return []
    last_day = (spans[-1].end - timedelta(microseconds=1)).astimezone(zone).date()
    rules = rules_of(resource, first_day, last_day)
    read = read_for_decision(resource, user, placement.on_behalf_of, rules, first_day, last_day)
    requester = read.requester
    template = Request(start, end, placement.quantity, read.audiences, requester.may_act, requester.quota_key)
    decisions = decide_series(spans, template, rules, read.held, now, read.week_minutes_used)
    return [Occurrence(s.start, s.end, d.code, d) for s, d in zip(spans, decisions, strict=True)]


def place_series(
    user: User, placement: Placement, recurrence: Recurrence, *, on_conflict: OnConflict, now: datetime
) -> PlacedSeries:
    """Decide every occurrence and insert the bookable ones, all under the resource's lock."""
    resource = lock_resource(placement.resource_id)
    if resource is None or not resource.active:
        raise DomainError("not_found")
    plan = plan_series(resource, user, placement, recurrence, now)
    clashes = [o for o in plan if o.code is not None]
    if not plan or len(clashes) == len(plan) or (clashes and on_conflict is OnConflict.FAIL):
        raise SeriesConflictError(clashes)
    series = BookingSeries(
        resource_id=resource.id,
        user_id=user.id,
        on_behalf_of_id=placement.on_behalf_of.id if placement.on_behalf_of is not None else None,
        rule=recurrence.text(),
        starts_on=placement.start.astimezone(ZoneInfo(resource.timezone)).date(),
        created_at=now,
    )
    db.session.add(series)
    db.session.flush()
    bookings = []
    for occurrence in plan:
        if occurrence.code is None:
            assert occurrence.decision is not None
            status = initial_status(resource, occurrence.decision)
            bookings.append(
                Booking(
                    resource_id=resource.id,
                    user_id=user.id,
                    on_behalf_of_id=series.on_behalf_of_id,
                    start=occurrence.start,
                    end=occurrence.end,
                    quantity=placement.quantity,
                    status=status.value,
                    purpose=placement.purpose.strip()[:300],
                    sole=resource.capacity == 1,
                    series_id=series.id,
                    created_at=now,
                    updated_at=now,
                )
            )
    db.session.add_all(bookings)
    db.session.flush()
    db.session.add_all(BookingEvent(booking_id=b.id, at=now, actor_id=user.id, to_status=b.status) for b in bookings)
    db.session.flush()
    return PlacedSeries(series, bookings, clashes)


def list_series_bookings(series_id: int) -> list[Booking]:
    return list(
        db.session.scalars(db.select(Booking).where(Booking.series_id == series_id).order_by(Booking.start, Booking.id))
    )


def cancel_rest_of_series(
    booking: Booking, *, actor: User, reason: str = "", now: datetime, as_manager: bool = False
) -> list[Booking]:
    """Cancel this occurrence and every later one of its series that still holds capacity, each
    as `cancel_booking` would (the booker's deadline applies to each; later ones are always in time)."""
    if booking.series_id is None:
        raise DomainError("not_in_series")
    rest = [
        b
        for b in list_series_bookings(booking.series_id)
        if (b.start, b.id) >= (booking.start, booking.id) and BookingStatus(b.status) in HOLDING
    ]
    if not rest or rest[0].id != booking.id:
        raise DomainError("not_cancellable")
    return [cancel_booking(b, actor=actor, reason=reason, now=now, as_manager=as_manager) for b in rest]
