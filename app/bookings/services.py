"""What holds a resource's capacity and a booker's weekly quota, read for the engine. Flush, never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CompoundSelect,
    DateTime,
    Select,
    bindparam,
    case,
    func,
    literal,
    select,
    text,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import joinedload

from app.bookings.models import HOLDING_SQL, Booking
from app.db import reading_connection
from app.directory.models import Resource
from app.directory.services import _text_filter, area_owner_ids
from app.domain.bookings import COUNTS_FOR_QUOTA, HOLDING
from app.domain.resources import Policy
from app.domain.rules import Held
from app.extensions import db
from app.organisations.models import Organisation

HOLDING_VALUES = sorted(s.value for s in HOLDING)
# The partial index's own predicate, written out: with the statuses as bound parameters
# SQLite cannot tell the index covers the query and scans every booking instead.
HOLDING_CLAUSE = text(HOLDING_SQL)
QUOTA_VALUES = sorted(s.value for s in COUNTS_FOR_QUOTA)


def in_ids(column: Any, ids: Iterable[int]) -> Any:
    """`column IN (...)` with the ids written into the statement: over a city's worth of ids,
    PostgreSQL plans that several times faster than as many bound parameters."""
    return column.in_(bindparam(None, [int(i) for i in ids], expanding=True, literal_execute=True))


def quota_key_of(booking_user_id: int, on_behalf_of_id: int | None) -> str:
    """A booking counts against its unit's pooled quota, or its booker's own."""
    return f"unit:{on_behalf_of_id}" if on_behalf_of_id is not None else f"user:{booking_user_id}"


def list_holding(
    resource_ids: Sequence[int], start: datetime, end: datetime, *, longest: timedelta
) -> dict[int, list[Held]]:
    """Bookings holding capacity that overlap [start, end), by resource.

    `longest` bounds how long a booking can be (with buffers), so the index on
    (resource, start) is read over a narrow range instead of from the beginning.
    """
    found: dict[int, list[Held]] = {i: [] for i in resource_ids}
    if not resource_ids:
        return found
    rows = db.session.execute(
        select(
            Booking.resource_id, Booking.start, Booking.end, Booking.quantity, Booking.user_id, Booking.on_behalf_of_id
        )
        .where(
            in_ids(Booking.resource_id, resource_ids),
            HOLDING_CLAUSE,
            Booking.start < end,
            Booking.start > start - longest,
            Booking.end > start,
        )
        .order_by(Booking.resource_id, Booking.start)
    )
    for resource_id, b_start, b_end, quantity, user_id, unit_id in rows:
        found[resource_id].append(Held(b_start, b_end, quantity, quota_key_of(user_id, unit_id)))
    return found


def _week_span(first_day: date, last_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """From the Monday of the first day's local week to the Monday after the last day's."""
    first_monday = first_day - timedelta(days=first_day.weekday())
    last_monday = last_day - timedelta(days=last_day.weekday())
    return (
        datetime.combine(first_monday, time(0), tzinfo=zone),
        datetime.combine(last_monday + timedelta(days=7), time(0), tzinfo=zone),
    )


def _add_week_minutes(
    used: dict[date, int],
    start: datetime,
    end: datetime,
    quantity: int,
    zone: ZoneInfo,
    span: tuple[datetime, datetime],
) -> None:
    """Add a booking's minutes × quantity inside the span to the local weeks it touches."""
    cursor = max(start, span[0])
    stop = min(end, span[1])
    while cursor < stop:
        local = cursor.astimezone(zone)
        monday = local.date() - timedelta(days=local.weekday())
        week_end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone)
        piece = min(stop, week_end)
        used[monday] = used.get(monday, 0) + int((piece - cursor) / timedelta(minutes=1)) * quantity
        cursor = piece


def _quota_filter(quota_key: str) -> list[Any]:
    """Conditions on bookings counting against a quota key ("unit:7", "user:3"): a unit's pooled
    quota, or a person's own. The id is the bound parameter `owner_id` (see quota_params)."""
    if quota_key.startswith("unit:"):
        return [Booking.on_behalf_of_id == bindparam("owner_id")]
    # A staff member's bookings for a unit count against the unit, not against them.
    return [Booking.user_id == bindparam("owner_id"), Booking.on_behalf_of_id.is_(None)]


def quota_params(quota_key: str) -> dict[str, int]:
    return {"owner_id": int(quota_key.partition(":")[2])}


def week_minutes_used(resource: Resource, quota_key: str | None, first_day: date, last_day: date) -> dict[date, int]:
    """Minutes × quantity the quota key holds on the resource in each local week touching
    the days, keyed by the week's Monday."""
    return week_minutes_used_many([resource], quota_key, first_day, last_day).get(resource.id, {})


def week_minutes_used_many(
    resources: Sequence[Resource], quota_key: str | None, first_day: date, last_day: date
) -> dict[int, dict[date, int]]:
    """`week_minutes_used` for many resources in one query: by resource id, then by each
    local week's Monday (each resource's weeks in its own zone)."""
    if quota_key is None or not resources:
        return {}
    spans = {r.id: _week_span(first_day, last_day, ZoneInfo(r.timezone)) for r in resources}
    zones = {r.id: ZoneInfo(r.timezone) for r in resources}
    query = select(Booking.resource_id, Booking.start, Booking.end, Booking.quantity).where(
        in_ids(Booking.resource_id, spans),
        *_quota_filter(quota_key),
        Booking.status.in_(QUOTA_VALUES),
        Booking.start < max(end for _, end in spans.values()),
        Booking.end > min(start for start, _ in spans.values()),
    )
    used: dict[int, dict[date, int]] = {}
    for resource_id, start, end, quantity in db.session.execute(query, quota_params(quota_key)):
        _add_week_minutes(
            used.setdefault(resource_id, {}), start, end, quantity, zones[resource_id], spans[resource_id]
        )
    return used


# Built once: the week page runs these on every view, and building a statement costs more than
# running it on SQLite.
# Times as the driver gives them (naive UTC on SQLite, aware on PostgreSQL): UTCDateTime's
# per-value conversion costs more than the query here; _utc() finishes the job.
_START, _END = type_coerce(Booking.start, DateTime()), type_coerce(Booking.end, DateTime())
_HELD_SUMMED = (
    select(literal(0).label("part"), _START, _END, func.sum(Booking.quantity))
    .where(
        Booking.resource_id == bindparam("resource_id"),
        # The same conditions as list_holding, so the partial index on holding bookings serves it.
        HOLDING_CLAUSE,
        Booking.start < bindparam("hold_end"),
        Booking.start > bindparam("earliest"),
        Booking.end > bindparam("hold_start"),
    )
    .group_by(Booking.start, Booking.end)
)
_HELD_SORTED = _HELD_SUMMED.order_by(Booking.start, Booking.end)
_QUOTA_ROWS = {
    kind: select(literal(1).label("part"), _START, _END, Booking.quantity).where(
        Booking.resource_id == bindparam("resource_id"),
        *_quota_filter(f"{kind}:"),
        Booking.status.in_(QUOTA_VALUES),
        Booking.start < bindparam("week_end"),
        Booking.end > bindparam("week_start"),
    )
    for kind in ("unit", "user")
}
_HELD_AND_QUOTA = {kind: union_all(_HELD_SUMMED, quota) for kind, quota in _QUOTA_ROWS.items()}


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def list_holding_and_quota(
    resource: Resource, first_day: date, last_day: date, quota_key: str | None
) -> tuple[list[Held], dict[date, int]]:
    """What `availability` needs of the bookings of these local days, in one statement: what holds
    capacity near the days (buffers, and the shortest booking from the last slot, included), and
    the minutes the quota key used in the local weeks touching the days.

    Bookings over the same times are summed into one `Held` (without a quota key): capacity
    counts only quantities over time, and a busy lot's week has hundreds on the same slots.
    """
    reading = HoldingRead(resource, first_day, last_day, quota_key)
    return reading.held_and_used(reading_connection(db.session).execute(reading.statement, reading.params).all())


class HoldingRead:
    """list_holding_and_quota's statement and parameters, and what its rows
    (part, start, end, quantity) make: a caller may run the statement within a larger one."""

    def __init__(self, resource: Resource, first_day: date, last_day: date, quota_key: str | None) -> None:
        self.zone = ZoneInfo(resource.timezone)
        self.quota_key = quota_key
        buffer = timedelta(minutes=resource.buffer_minutes)
        hold_start = datetime.combine(first_day, time(0), tzinfo=self.zone) - buffer
        hold_end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=self.zone)
        self.params: dict[str, Any] = {
            "resource_id": resource.id,
            "hold_start": hold_start,
            "hold_end": hold_end + timedelta(minutes=resource.min_minutes) + buffer,
            "earliest": hold_start - timedelta(minutes=resource.max_minutes),
        }
        self.week_span = _week_span(first_day, last_day, self.zone)
        self.statement: Select[Any] | CompoundSelect[Any] = _HELD_SORTED
        if quota_key is not None:
            self.statement = _HELD_AND_QUOTA[quota_kind(quota_key)]
            self.params.update(quota_params(quota_key), week_start=self.week_span[0], week_end=self.week_span[1])

    def held_and_used(
        self, rows: Sequence[tuple[int, datetime, datetime, int]], *, count_quota: bool = True
    ) -> tuple[list[Held], dict[date, int]]:
        """The holdings, sorted, and (when `count_quota`) the minutes used in each week."""
        # Bookings share their times (the slot grid): convert each distinct time once.
        times: dict[datetime, datetime] = {}
        for _, start, end, _ in rows:
            if start not in times:
                times[start] = _utc(start)
            if end not in times:
                times[end] = _utc(end)
        held = [Held(times[start], times[end], int(quantity)) for part, start, end, quantity in rows if part == 0]
        held.sort(key=attrgetter("start", "end"))
        used: dict[date, int] = {}
        if self.quota_key is not None and count_quota:
            for part, start, end, quantity in rows:
                if part == 1:
                    _add_week_minutes(used, times[start], times[end], quantity, self.zone, self.week_span)
        return held, used


def quota_kind(quota_key: str) -> str:
    return "unit" if quota_key.startswith("unit:") else "user"


class Candidate(NamedTuple):
    """A resource as "free for me" and "open to me" decide over it: plain columns, so a whole
    city's worth costs no ORM objects; the page then loads the few it shows (get_resources)."""

    id: int
    code: str
    owner_id: int
    capacity: int
    timezone: str
    slot_minutes: int
    min_minutes: int
    max_minutes: int
    book_ahead_days: int
    release_time: time
    buffer_minutes: int
    requires_approval: bool
    checkin_required: bool
    checkin_grace_minutes: int
    cancel_before_minutes: int

    @property
    def policy(self) -> Policy:
        return Policy(*self[5:])


_CANDIDATE_COLUMNS = [getattr(Resource, name) for name in Candidate._fields]


def list_candidates(*, q: str = "", kind: str | None = None, area: Organisation | None = None) -> list[Candidate]:
    """Active resources matching the directory's text, kind and area filters, all of them
    (no pages), in the directory's order: what "free for me" and "open to me" decide over."""
    query = select(*_CANDIDATE_COLUMNS).where(Resource.active.is_(True))
    if kind:
        query = query.where(Resource.kind == kind)
    if area is not None:
        query = query.where(Resource.owner_id.in_(area_owner_ids(area)))
    query = _text_filter(query, q)
    words = q.strip()
    ordering: list[Any] = [Resource.name, Resource.code]
    if words:
        # As in the directory: names containing the words as typed come first.
        ordering.insert(0, case((Resource.name.contains(words, autoescape=True), 0), else_=1))
    # Core rows, not ORM ones: a whole city of plain columns, several times quicker.
    rows = db.session.connection().execute(query.order_by(*ordering)).all()
    return list(map(Candidate._make, rows))


def get_resources(ids: Sequence[int]) -> list[Resource]:
    """These resources with their owners, in the order of `ids` (a page of found candidates)."""
    if not ids:
        return []
    found = {
        r.id: r
        for r in db.session.scalars(select(Resource).options(joinedload(Resource.owner)).where(Resource.id.in_(ids)))
    }
    return [found[i] for i in ids if i in found]


_RESOURCE_WITH_OWNER = select(Resource).options(joinedload(Resource.owner)).where(Resource.code == bindparam("code"))


def get_resource_with_owner(code: str) -> Resource | None:
    """A resource and its owner in one query (the week page reads both)."""
    return db.session.scalar(_RESOURCE_WITH_OWNER, {"code": code})
