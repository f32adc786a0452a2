"""The figures behind the report pictures, for a scope (the organisations whose resources count) and
a period of local days: utilisation by resource kind and hour of the week, bookings per month, hours
each unit's resources were used by others, and the ratings' distribution. Read only.

What counts as booked is what the nightly usage snapshot counts (held, used or missed: confirmed,
checked in, completed, no-show); pending, cancelled, rejected and expired bookings are not.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Integer,
    Row,
    Select,
    and_,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
)

from app.bookings.models import Booking
from app.db import UTCDateTime
from app.directory.models import Resource
from app.domain.errors import DomainError
from app.domain.organisations import OrgKind
from app.domain.windows import at_local
from app.extensions import db
from app.organisations.models import Membership, Organisation
from app.reports.services import BOOKED

HOURS_OF_WEEK = 7 * 24
LONGEST_PERIOD_DAYS = 366
DEFAULT_WEEKS = 12
DEFAULT_MONTHS = 12
# No booking is longer than this: a policy's longest booking is at most 31 days (check_policy), so
# a booking that overlaps a period starts at most this long before it.
LONGEST_BOOKING = timedelta(days=31)
# Periods people may ask about: from the product's first days to a few years ahead.
EARLIEST_DAY = date(2000, 1, 1)
FURTHEST_AHEAD = timedelta(days=5 * 366)


# --- periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Local days from `first` to `last`, both included, each in the zone of the resource concerned."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def utc_span(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """From local midnight before the first day to local midnight after the last, in UTC."""
        return at_local(self.first, 0, zone), at_local(self.last + timedelta(days=1), 0, zone)


def last_full_weeks(today: date, weeks: int = DEFAULT_WEEKS) -> Period:
    """The `weeks` whole weeks (Monday to Sunday) before the current one."""
    monday = today - timedelta(days=today.weekday())
    return Period(monday - timedelta(weeks=weeks), monday - timedelta(days=1))


def last_full_months(today: date, months: int = DEFAULT_MONTHS) -> Period:
    """The `months` whole calendar months before the current one."""
    this_month = today.replace(day=1)
    return Period(_add_months(this_month, -months), this_month - timedelta(days=1))


def make_period(first: date | None, last: date | None, *, today: date) -> Period | None:
    """The period someone asked for (None when they asked for none: each figure takes its default).
    Raises DomainError: one day without the other, the last before the first, longer than 366
    days, or days outside what the reports cover."""
    if first is None and last is None:
        return None
    if first is None or last is None:
        raise DomainError("period_incomplete", field="first" if first is None else "last")
    if first < EARLIEST_DAY or first > today + FURTHEST_AHEAD:
        raise DomainError("out_of_range", field="first")
    if last < EARLIEST_DAY or last > today + FURTHEST_AHEAD:
        raise DomainError("out_of_range", field="last")
    if last < first:
        raise DomainError("last_before_first", field="last")
    period = Period(first, last)
    if period.days > LONGEST_PERIOD_DAYS:
        raise DomainError("period_too_long", field="last")
    return period


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_of(period: Period) -> list[date]:
    """The first day of each calendar month the period touches, in order."""
    months, month = [], period.first.replace(day=1)
    while month <= period.last:
        months.append(month)
        month = _add_months(month, 1)
    return months


# --- what a scope reads -----------------------------------------------------------------------------


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _prepare() -> None:
    """PostgreSQL's JIT compiles these aggregates for about 0.9 s before running them in a few
    hundred milliseconds (seen on the benchmark city): it is switched off for this transaction."""
    if _dialect() == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def _rows(statement: Select[Any]) -> Sequence[Row[Any]]:
    """Plain rows through Core: thousands of them, without the ORM's per-row work."""
    return db.session.connection().execute(statement).all()


def _sqlite() -> bool:
    return _dialect() == "sqlite"


# SQLite keeps no statistics and picks indexes by rule: offered the booking's status or its
# on_behalf_of_id it walks the (status, start) or (on_behalf_of_id, start) index over the whole
# city's period and visits every row, and it loops over the bookings before the resources. These
# terms are written so it cannot use them for that (x || '', x + 0: same values, no index), and the
# join so it cannot look a resource up from a booking: it then takes each scope resource in turn and
# reads its bookings from the reports index alone (ix_bookings_reports, app/reports/models.py).
# On the benchmark city: 0.1 s instead of 4 s for a community. PostgreSQL plans well either way.


def _of_resource() -> ColumnElement[bool]:
    return Booking.resource_id == (Resource.id + 0 if _sqlite() else Resource.id)


def _booked() -> ColumnElement[bool]:
    status: ColumnElement[str] = Booking.status.concat("") if _sqlite() else Booking.status
    return status.in_(BOOKED)


def _for(column: ColumnElement[int | None]) -> ColumnElement[int | None]:
    return column + 0 if _sqlite() else column


def _in_scope(owner_ids: Sequence[int] | None) -> ColumnElement[bool]:
    """Resources of the scope's organisations (None: the whole city)."""
    return Resource.owner_id.in_(owner_ids) if owner_ids is not None else true()


def _epoch(moment: ColumnElement[datetime]) -> ColumnElement[int]:
    """A stored instant as whole seconds since 1970 (UTC), on either engine."""
    if _dialect() == "sqlite":
        return cast(func.strftime("%s", moment), Integer)
    return cast(func.extract("epoch", moment), BigInteger)


def _zones(owner_ids: Sequence[int] | None) -> list[ZoneInfo]:
    names = db.session.scalars(select(Resource.timezone).where(_in_scope(owner_ids)).distinct())
    return [ZoneInfo(name) for name in sorted(names)]


# --- remembered figures -----------------------------------------------------------------------------

# The whole city's figures read a million bookings (0.5–1 s on the benchmark city), so each process
# keeps the last figures it made, keyed by what they are made of: the scope's organisations, the
# period and the state of the scope's resources. Every change to a resource or to any of its bookings
# moves the resource's revision (app/bookings/revisions.py, on every flush), so a changed figure is
# never served; a resource added or removed changes the count; the newest creation time and edit
# keep apart databases that happen to agree on the rest (a restored copy, a test's fresh one).
CACHE_SIZE = 64
_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_cache_lock = threading.Lock()

T = TypeVar("T")


def _state_of(owner_ids: Sequence[int] | None) -> tuple[Any, ...]:
    row = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(Resource.revision), 0),
            func.max(Resource.created_at),
            func.max(Resource.updated_at),
        ).where(_in_scope(owner_ids))
    ).one()
    return (str(db.session.get_bind().url), *row)


def _remembered(
    figure: str,
    owner_ids: Sequence[int] | None,
    period: Period,
    compute: Callable[[Sequence[int] | None, Period], T],
    *,
    also: tuple[Any, ...] = (),
) -> T:
    """`compute(owner_ids, period)`, or what it gave before for the same state; `also` is more
    state the figure depends on."""
    key = (figure, None if owner_ids is None else tuple(sorted(owner_ids)), period, _state_of(owner_ids), also)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            value: T = _cache[key]
            return value
    value = compute(owner_ids, period)
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def forget_figures() -> None:
    """Drop every remembered figure (benchmarks time the work itself with this)."""
    with _cache_lock:
        _cache.clear()


# --- utilisation by kind and hour of the week ------------------------------------------------------


@dataclass(frozen=True)
class KindUtilisation:
    """One resource kind's booked unit-minutes and capacity-minutes in each hour of the week
    (index weekday × 24 + hour, Monday 0), summed over the period's days in each resource's zone."""

    kind: str
    resources: int
    capacity: int
    booked: tuple[float, ...]
    offered: tuple[float, ...]

    def share(self, weekday: int, hour: int) -> float | None:
        """Booked ÷ capacity in that hour of the week; None when the period has no such hour."""
        offered = self.offered[weekday * 24 + hour]
        return self.booked[weekday * 24 + hour] / offered if offered else None

    def grid(self) -> list[list[float | None]]:
        """Shares as 24 rows (hours) of 7 (Monday to Sunday)."""
        return [[self.share(day, hour) for day in range(7)] for hour in range(24)]


def hour_boundaries(period: Period, zone: ZoneInfo) -> tuple[list[int], list[int]]:
    """The UTC instants (epoch seconds) at which each local hour of the period starts, with the
    instant after its last hour, and each hour's place in the week (weekday × 24 + hour). On the
    day clocks go forward the skipped hour has no length; going back, the doubled hour has two."""
    instants, places = [], []
    day = period.first
    while day <= period.last:
        for hour in range(24):
            instants.append(int(at_local(day, hour * 60, zone).timestamp()))
            places.append(day.weekday() * 24 + hour)
        day += timedelta(days=1)
    instants.append(int(at_local(day, 0, zone).timestamp()))
    return instants, places


def spread_over_hours(
    changes: Iterable[tuple[int, int]], instants: Sequence[int], places: Sequence[int]
) -> list[float]:
    """Unit-seconds in each hour of the week, from changes of the quantity in use: (epoch second,
    +quantity at a booking's start or -quantity at its end), all inside [instants[0], instants[-1]]."""
    seconds = [0.0] * HOURS_OF_WEEK
    in_use = 0
    previous: int | None = None
    for at, change in sorted(changes):
        if previous is not None and in_use and at > previous:
            hour = bisect_right(instants, previous) - 1
            start = previous
            while start < at:
                end = min(at, instants[hour + 1])
                seconds[places[hour]] += in_use * (end - start)
                start = end
                hour += 1
        in_use += change
        previous = at
    return seconds


def utilisation_by_hour(owner_ids: Sequence[int] | None, period: Period) -> list[KindUtilisation]:
    """For each resource kind in the scope: unit-minutes booked and capacity-minutes in each hour of
    the week over the period, splitting bookings across the hours of their resource's zone.

    Capacity counts the scope's active resources, and inactive ones that were booked in the period."""
    return _remembered("utilisation", owner_ids, period, _utilisation_by_hour)


def _utilisation_by_hour(owner_ids: Sequence[int] | None, period: Period) -> list[KindUtilisation]:
    zones = _zones(owner_ids)
    if not zones:
        return []
    spans = {zone.key: period.utc_span(zone) for zone in zones}
    start = min(span[0] for span in spans.values())
    end = max(span[1] for span in spans.values())
    overlapping = and_(_booked(), Booking.start < end, Booking.start > start - LONGEST_BOOKING, Booking.end > start)
    booked_in_period = exists().where(Booking.resource_id == Resource.id, overlapping)
    capacities = _rows(
        select(Resource.kind, Resource.timezone, func.count(), func.sum(Resource.capacity))
        .where(_in_scope(owner_ids), or_(Resource.active.is_(True), booked_in_period))
        .group_by(Resource.kind, Resource.timezone)
    )
    # Bookings of one kind with the same start and end are added up in SQL: on the benchmark city
    # 12 weeks of the whole city's 200,000 bookings come back as about 24,000 rows.
    rows = _rows(
        select(
            Resource.kind,
            Resource.timezone,
            _epoch(Booking.start),
            _epoch(Booking.end),
            func.sum(Booking.quantity),
        )
        .select_from(Resource)
        .join(Booking, _of_resource())
        .where(_in_scope(owner_ids), overlapping)
        .group_by(Resource.kind, Resource.timezone, Booking.start, Booking.end)
    )
    edges = {name: (int(low.timestamp()), int(high.timestamp())) for name, (low, high) in spans.items()}
    changes: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for kind, zone_name, booking_start, booking_end, quantity in rows:
        low, high = edges[zone_name]
        first, last = max(booking_start, low), min(booking_end, high)
        if first < last:
            changes[kind, zone_name] += [(first, quantity), (last, -quantity)]
    boundaries = {zone.key: hour_boundaries(period, zone) for zone in zones}
    booked: dict[str, list[float]] = defaultdict(lambda: [0.0] * HOURS_OF_WEEK)
    offered: dict[str, list[float]] = defaultdict(lambda: [0.0] * HOURS_OF_WEEK)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for kind, zone_name, resources, capacity in capacities:
        instants, places = boundaries[zone_name]
        for n, place in enumerate(places):
            offered[kind][place] += capacity * (instants[n + 1] - instants[n]) / 60
        counts[kind][0] += resources
        counts[kind][1] += capacity
    for (kind, zone_name), kind_changes in changes.items():
        instants, places = boundaries[zone_name]
        for place, unit_seconds in enumerate(spread_over_hours(kind_changes, instants, places)):
            booked[kind][place] += unit_seconds / 60
    return [
        KindUtilisation(kind, counts[kind][0], counts[kind][1], tuple(booked[kind]), tuple(offered[kind]))
        for kind in sorted(counts)
    ]


# --- bookings per month --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthCount:
    month: date  # its first day
    bookings: int


def _month_ranges(months: Sequence[date], period: Period, zone: ZoneInfo) -> CTE:
    """(n, lo, hi): the n-th month's span in `zone`, cut to the period. Joined to the bookings as a
    range, it lets both engines count each month straight from an index, with no per-row sum."""
    edges = [max(at_local(m, 0, zone), at_local(period.first, 0, zone)) for m in months]
    edges.append(at_local(period.last + timedelta(days=1), 0, zone))
    return union_all(
        *(
            select(
                literal(n, Integer).label("n"),
                literal(edges[n], UTCDateTime()).label("lo"),
                literal(edges[n + 1], UTCDateTime()).label("hi"),
            )
            for n in range(len(months))
        )
    ).cte("months")


def bookings_per_month(owner_ids: Sequence[int] | None, period: Period) -> list[MonthCount]:
    """Bookings starting in each calendar month the period touches (in their resource's zone; the
    first and last months only from and to the period's own days)."""
    return _remembered("months", owner_ids, period, _bookings_per_month)


def _bookings_per_month(owner_ids: Sequence[int] | None, period: Period) -> list[MonthCount]:
    months = months_of(period)
    counts = [0] * len(months)
    zones = _zones(owner_ids)
    for zone in zones:
        ranges = _month_ranges(months, period, zone)
        in_month = and_(Booking.start >= ranges.c.lo, Booking.start < ranges.c.hi)
        if owner_ids is None and len(zones) == 1:
            # The whole city in one zone: every booking counts, straight from the (status, start) index.
            statement = (
                select(ranges.c.n, func.count())
                .select_from(ranges)
                .join(Booking, in_month)
                .where(Booking.status.in_(BOOKED))
            )
        else:
            statement = (
                select(ranges.c.n, func.count())
                .select_from(Resource)
                .join(ranges, true())
                .join(Booking, and_(_of_resource(), in_month))
                .where(_in_scope(owner_ids), Resource.timezone == zone.key, _booked())
            )
        for n, count in _rows(statement.group_by(ranges.c.n)):
            counts[n] += count
    return [MonthCount(month, count) for month, count in zip(months, counts, strict=True)]


# --- hours shared per unit --------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitHours:
    """What a unit opened to others: bookings of its resources by anyone but the unit itself (not
    made for it, nor by its own people for themselves), and their unit-hours (quantity × length)."""

    id: int
    code: str
    name: str
    bookings: int
    hours: float


def _length_seconds() -> ColumnElement[float]:
    """A booking's length in seconds, on either engine."""
    if _dialect() == "sqlite":
        return func.round((func.julianday(Booking.end) - func.julianday(Booking.start)) * 86400)
    return func.extract("epoch", Booking.end - Booking.start)


def hours_shared_per_unit(owner_ids: Sequence[int] | None, period: Period) -> list[UnitHours]:
    """Every unit of the scope that owns a resource, with the bookings of its resources starting in
    the period that others made and their unit-hours; most hours first."""
    # Who belongs to a unit decides which bookings were by others: its memberships are state too.
    members = db.session.execute(
        select(func.count(), func.max(Membership.id)).where(
            Membership.organisation_id.in_(owner_ids) if owner_ids is not None else true()
        )
    ).one()
    per_unit = _remembered("units", owner_ids, period, _shared_by_unit, also=tuple(members))
    units = _rows(
        select(Organisation.id, Organisation.code, Organisation.name).where(
            Organisation.kind == OrgKind.UNIT.value,
            Organisation.id.in_(owner_ids) if owner_ids is not None else true(),
            exists().where(Resource.owner_id == Organisation.id),
        )
    )
    found = [UnitHours(unit_id, code, name, *per_unit.get(unit_id, (0, 0.0))) for unit_id, code, name in units]
    return sorted(found, key=lambda u: (-u.hours, -u.bookings, u.code))


def _shared_by_unit(owner_ids: Sequence[int] | None, period: Period) -> dict[int, tuple[int, float]]:
    """{unit id: (bookings by others, their unit-hours)} for units with any."""
    _prepare()
    per_unit: dict[int, list[float]] = defaultdict(lambda: [0, 0.0])
    own_people = exists().where(Membership.user_id == Booking.user_id, Membership.organisation_id == Resource.owner_id)
    # Made for another organisation; or made for nobody by someone not of the unit. Two statements,
    # so PostgreSQL can run "not of the unit" as an anti-join (under an OR it probes per row).
    by_others = [
        and_(_for(Booking.on_behalf_of_id).is_not(None), Booking.on_behalf_of_id != Resource.owner_id),
        and_(_for(Booking.on_behalf_of_id).is_(None), ~own_people),
    ]
    for zone in _zones(owner_ids):
        start, end = period.utc_span(zone)
        for others in by_others:
            rows = _rows(
                select(Resource.owner_id, func.count(), func.sum(Booking.quantity * _length_seconds()))
                .select_from(Organisation)
                .join(Resource, Resource.owner_id == Organisation.id)
                .join(Booking, _of_resource())
                .where(
                    Organisation.kind == OrgKind.UNIT.value,
                    _in_scope(owner_ids),
                    Resource.timezone == zone.key,
                    _booked(),
                    Booking.start >= start,
                    Booking.start < end,
                    others,
                )
                .group_by(Resource.owner_id)
            )
            for owner_id, count, unit_seconds in rows:
                per_unit[owner_id][0] += count
                per_unit[owner_id][1] += float(unit_seconds or 0) / 3600
    return {unit_id: (int(n), round(hours, 2)) for unit_id, (n, hours) in per_unit.items()}


# --- ratings --------------------------------------------------------------------------------------


def ratings_distribution(rating_counts: Mapping[int, int] | None) -> dict[int, int] | None:
    """The number of ratings with each score 1..5 (every score present, 0 where none), from the
    counts the ratings feature answers for the scope and period; None while it answers nothing."""
    if rating_counts is None:
        return None
    return {score: max(0, int(rating_counts.get(score, 0))) for score in range(1, 6)}
