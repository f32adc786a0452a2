"""Availability as people see it: a resource's slots for a requester, its week, what is free
for them between two times and what is open to them now. Reads only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from app.access.models import Closure, Window
from app.access.services import audiences_of, rules_for
from app.bookings.services import Candidate, in_ids, list_holding, list_holding_and_quota, week_minutes_used_many
from app.bookings.week_cache import rules_cache
from app.directory.models import Resource
from app.domain.audiences import Requester, audiences_for
from app.domain.intervals import Interval, merge, overlaps
from app.domain.organisations import OrgKind, RegistrationKind, RegistrationStatus
from app.domain.rules import Request, ResourceRules, Slot, availability, check_booking
from app.domain.windows import AccessWindow, Audience, DayRule, Days, days_between, expand
from app.domain.workdays import DayEntry, is_workday
from app.extensions import db
from app.organisations.models import Organisation, Registration
from app.workdays.services import calendar_between

# The API shows closures this far ahead.
CLOSURES_AHEAD = timedelta(days=62)
# The resource page looks this far past tomorrow for the next day it opens.
NEXT_OPEN_LOOKAHEAD = 14


# --- a resource's slots for one requester --------------------------------------


@dataclass(frozen=True)
class Grid:
    """A resource's slots over some local days for one requester, and the rules they came from."""

    rules: ResourceRules
    audiences: frozenset[Audience]
    slots: list[Slot]


def load_grid(resource: Resource, requester: Requester, first_day: date, last_day: date, now: datetime) -> Grid:
    """The engine's slot grid of these local days for the requester, read in a few queries."""
    return _grid(resource, rules_of(resource, first_day, last_day), requester, first_day, last_day, now)


def _grid(
    resource: Resource, rules: ResourceRules, requester: Requester, first_day: date, last_day: date, now: datetime
) -> Grid:
    audiences = audiences_of(requester, resource) if requester.user_id is not None else frozenset()
    # The week's used minutes only matter when a window the requester is in has a quota.
    quota_matters = any(w.max_minutes_per_week is not None for w in rules.windows if w.audience in audiences)
    held, used = list_holding_and_quota(resource, first_day, last_day, requester.quota_key if quota_matters else None)
    slots = availability(
        rules,
        held,
        first_day,
        last_day,
        now,
        audiences=audiences,
        allowed_to_act=requester.may_act,
        week_minutes_used=used,
    )
    return Grid(rules, audiences, slots)


def get_availability(
    resource: Resource, requester: Requester, first_day: date, last_day: date, now: datetime
) -> list[Slot]:
    """Each slot of the local days: free units, and whether the requester may book it now (API.md)."""
    return load_grid(resource, requester, first_day, last_day, now).slots


# --- many resources at once -----------------------------------------------------


def _local_days(zones: set[str], start: datetime, end: datetime) -> tuple[date, date]:
    """The first and last local dates [start, end) touches in any of the zones."""
    last_instant = max(start, end - timedelta(microseconds=1))
    firsts = [start.astimezone(ZoneInfo(z)).date() for z in zones]
    lasts = [last_instant.astimezone(ZoneInfo(z)).date() for z in zones]
    return min(firsts), max(lasts)


def _possible_audiences(requester: Requester) -> frozenset[Audience]:
    """Every audience the requester can be in for some resource (a superset of `audiences_for`'s
    answers), so windows for nobody like them need not be read at all."""
    if requester.user_id is None:
        return frozenset()
    found = {Audience.PUBLIC}
    if requester.acting_for is not None:
        found |= {Audience.REGISTERED_UNITS, Audience.OWNER_MEMBERS}
    else:
        if requester.resident_of:
            found.add(Audience.RESIDENTS)
        if requester.party_member_of:
            found.add(Audience.PARTY_MEMBERS)
        if requester.member_of:
            found.add(Audience.OWNER_MEMBERS)
    return frozenset(found)


_AUDIENCES = {a.value: a for a in Audience}
_Street = aliased(Organisation)


# Over more ids than this, reading every row of the asked audiences and keeping the ids' rows
# here is quicker than writing the ids into the statement.
_FEW_IDS = 200


def _admitting_windows(
    ids: Sequence[int], audiences: frozenset[Audience], owners: Mapping[Audience, frozenset[int]] | None = None
) -> dict[int, list[AccessWindow]]:
    """The windows of these audiences, by resource: plain rows, for speed over the whole city.

    `owners`, when given, narrows an audience to the resources of those owners (the only ones
    whose windows of that audience can admit the requester); an audience not in it is read
    for every owner."""
    days_cache: dict[tuple[str, int], Days] = {}
    found: dict[int, list[AccessWindow]] = {}
    query = select(
        Window.resource_id,
        Window.id,
        Window.audience,
        Window.days,
        Window.weekdays,
        Window.start_minute,
        Window.end_minute,
        Window.price,
        Window.max_quantity,
        Window.max_minutes_per_week,
        Window.requires_approval,
    ).order_by(Window.id)
    if owners is None:
        query = query.where(Window.audience.in_(sorted(audiences)))
    else:
        anyone = sorted(a for a in audiences if a not in owners)
        some = [(a, sorted(owners[a])) for a in sorted(audiences) if owners.get(a)]
        if not anyone and not some:
            return {}
        query = query.join(Resource, Resource.id == Window.resource_id).where(
            or_(
                Window.audience.in_(anyone),
                *(and_(Window.audience == a, in_ids(Resource.owner_id, ids_)) for a, ids_ in some),
            )
        )
    wanted = set(ids)
    if len(wanted) <= _FEW_IDS:
        query = query.where(in_ids(Window.resource_id, wanted))
    for (
        resource_id,
        window_id,
        audience,
        days,
        weekdays,
        start,
        end,
        price,
        most,
        quota,
        approval,
    ) in db.session.execute(query):
        if resource_id not in wanted:
            continue
        rule = days_cache.get((days, weekdays))
        if rule is None:
            rule = days_cache[(days, weekdays)] = _days(days, weekdays)
        found.setdefault(resource_id, []).append(
            AccessWindow(_AUDIENCES[audience], rule, start, end, price, most, quota, approval, window_id)
        )
    return found


def _owners_by_audience(requester: Requester, served: Mapping[int, frozenset[int]]) -> dict[Audience, frozenset[int]]:
    """For each audience but `public`, the owners whose windows of it can admit the requester
    (audiences_for read from the requester's side)."""
    if requester.acting_for is not None:
        return {
            Audience.REGISTERED_UNITS: requester.acting_for_registered_with,
            Audience.OWNER_MEMBERS: frozenset({requester.acting_for}),
            Audience.RESIDENTS: frozenset(),
            Audience.PARTY_MEMBERS: frozenset(),
        }
    return {
        Audience.REGISTERED_UNITS: frozenset(),
        Audience.OWNER_MEMBERS: requester.member_of,
        Audience.RESIDENTS: frozenset(o for o, c in served.items() if c & requester.resident_of),
        Audience.PARTY_MEMBERS: frozenset(o for o, c in served.items() if c & requester.party_member_of),
    }


def _days(days: str, weekdays: int) -> Days:
    rule = DayRule(days)
    if rule is DayRule.WEEKDAYS:
        return Days(rule, frozenset(n for n in range(7) if weekdays & (1 << n)))
    return Days(rule)


def _communities_served(requester: Requester) -> dict[int, frozenset[int]]:
    """For each owner whose resources serve some of the requester's communities (as a resident or
    party member), those communities: the community itself, the units acknowledged by it, and
    its street (access.services.resource_communities, read from the requester's side).

    Only the meeting of a resource's communities with the requester's decides its audiences,
    so this answers as the full sets would, in two small queries instead of the whole city's."""
    mine = requester.resident_of | requester.party_member_of
    if requester.acting_for is not None or not mine:
        return {}
    served: dict[int, set[int]] = {community: {community} for community in mine}
    for unit_id, community_id in db.session.execute(
        select(Registration.unit_id, Registration.community_id).where(
            Registration.community_id.in_(sorted(mine)),
            Registration.kind == RegistrationKind.UNIT.value,
            Registration.status == RegistrationStatus.ACKNOWLEDGED.value,
        )
    ):
        if unit_id is not None:
            served.setdefault(unit_id, set()).add(community_id)
    for community_id, parent_id in db.session.execute(
        select(Organisation.id, Organisation.parent_id)
        .join(_Street, Organisation.parent_id == _Street.id)
        .where(Organisation.id.in_(sorted(mine)), _Street.kind == OrgKind.STREET.value)
    ):
        served.setdefault(parent_id, set()).add(community_id)
    return {owner: frozenset(communities) for owner, communities in served.items()}


@dataclass(frozen=True)
class _Eligible:
    resource: Candidate
    id: int
    rules: ResourceRules  # with only the windows admitting the requester
    audiences: frozenset[Audience]


def _eligible(
    requester: Requester, candidates: Sequence[Candidate], start: datetime, end: datetime
) -> tuple[list[_Eligible], date, date]:
    """The candidates with a window admitting the requester, with their rules over the local days
    [start, end) touches (returned too), in four queries at most: such windows, the communities
    the requester's residence meets, closures, the calendar.

    The engine reads only the windows admitting a request's audiences, so rules holding just
    those decide exactly as the resource's full rules would.
    """
    if requester.user_id is None or not requester.may_act or not candidates:
        return [], start.date(), end.date()
    ids = [r.id for r in candidates]
    served = _communities_served(requester)
    windows = _admitting_windows(ids, _possible_audiences(requester), _owners_by_audience(requester, served))
    with_windows = [(r, i) for r, i in zip(candidates, ids, strict=True) if i in windows]
    chosen: list[tuple[Candidate, int, list[AccessWindow], frozenset[Audience]]] = []
    for resource, resource_id in with_windows:
        owner_id = resource.owner_id
        audiences = audiences_for(requester, owner_id, served.get(owner_id, frozenset()))
        admitting = [w for w in windows[resource_id] if w.audience in audiences]
        if admitting:
            chosen.append((resource, resource_id, admitting, audiences))
    if not chosen:
        return [], start.date(), end.date()
    zones = {resource.timezone for resource, _, _, _ in chosen}
    first_day, last_day = _local_days(zones, start, end)
    closed = _closures_of(
        [(resource_id, resource.owner_id) for resource, resource_id, _, _ in chosen], first_day, last_day
    )
    calendar = calendar_between(first_day - timedelta(days=1), last_day + timedelta(days=1))
    eligible = [
        _Eligible(resource, resource_id, _rules(resource, admitting, closed[resource_id], calendar), audiences)
        for resource, resource_id, admitting, audiences in chosen
    ]
    return eligible, first_day, last_day


def _closures_of(resources: Sequence[tuple[int, int]], first_day: date, last_day: date) -> dict[int, list[Interval]]:
    """The closures of (resource id, owner id) pairs, their own and their owners', near the days."""
    # A day's margin either side, as rules_for_many: a window of the day before reaches past midnight elsewhere.
    span_start = datetime.combine(first_day - timedelta(days=2), time(0), tzinfo=ZoneInfo("UTC"))
    span_end = datetime.combine(last_day + timedelta(days=3), time(0), tzinfo=ZoneInfo("UTC"))
    own: dict[int, list[Interval]] = {}
    of_owner: dict[int, list[Interval]] = {}
    query = select(Closure.resource_id, Closure.organisation_id, Closure.start, Closure.end).where(
        Closure.start < span_end, Closure.end > span_start
    )
    if len(resources) <= _FEW_IDS:
        query = query.where(
            or_(
                in_ids(Closure.resource_id, [r for r, _ in resources]),
                in_ids(Closure.organisation_id, {o for _, o in resources}),
            )
        )
    for resource_id, organisation_id, closure_start, closure_end in db.session.execute(query):
        target = (
            own.setdefault(resource_id, []) if resource_id is not None else of_owner.setdefault(organisation_id, [])
        )
        target.append(Interval(closure_start, closure_end))
    return {r: own.get(r, []) + of_owner.get(o, []) for r, o in resources}


def _rules(
    resource: Resource | Candidate,
    windows: Sequence[AccessWindow],
    closures: Sequence[Interval],
    calendar: Mapping[date, DayEntry],
) -> ResourceRules:
    return ResourceRules(
        capacity=resource.capacity,
        policy=resource.policy,
        zone=ZoneInfo(resource.timezone),
        windows=tuple(windows),
        closures=tuple(closures),
        calendar=calendar,
    )


def rules_of(resource: Resource, first_day: date, last_day: date) -> ResourceRules:
    """What access.services.rules_for answers, read as plain rows: every window, the closures of
    the resource and its owner, the calendar. Every booking and every view of a week needs them,
    and they change far less often than bookings do: each process keeps them by the resource's
    rules revision, which every change to them moves (app.bookings.revisions)."""
    session = db.session()
    if session.new or session.dirty or session.deleted:
        session.flush()  # pending changes to the rules move the revision first
    key = (resource.id, resource.rules_revision, first_day, last_day)
    return rules_cache().get_or_make(key, lambda: _read_rules(resource, first_day, last_day))


def _read_rules(resource: Resource, first_day: date, last_day: date) -> ResourceRules:
    windows = _admitting_windows([resource.id], frozenset(Audience)).get(resource.id, [])
    closures = _closures_of([(resource.id, resource.owner_id)], first_day, last_day)[resource.id]
    calendar = calendar_between(first_day - timedelta(days=1), last_day + timedelta(days=1))
    return _rules(resource, windows, closures, calendar)


def list_bookable(
    requester: Requester,
    start: datetime,
    end: datetime,
    quantity: int,
    now: datetime,
    *,
    candidates: Sequence[Candidate],
) -> list[Candidate]:
    """The candidates the requester may book `quantity` of over [start, end) now, in their order.

    A bounded number of queries whatever the number of candidates: the windows admitting the
    requester, communities, closures and the calendar; then the bookings and quotas of those
    that pass every rule that does not depend on other people's bookings.
    """
    if start.tzinfo is None or end.tzinfo is None or start >= end or quantity < 1:
        return []
    eligible, first_day, last_day = _eligible(requester, candidates, start, end)
    passing: list[tuple[_Eligible, Request]] = []
    for one in eligible:
        request = Request(start, end, quantity, one.audiences, requester.may_act, requester.quota_key)
        # No bookings and no used minutes: only a later rule can still refuse what passes here.
        if check_booking(request, one.rules, (), now).allowed:
            passing.append((one, request))
    if not passing:
        return []
    buffer = timedelta(minutes=max(one.rules.policy.buffer_minutes for one, _ in passing))
    longest = timedelta(minutes=max(one.rules.policy.max_minutes for one, _ in passing))
    held = list_holding([one.id for one, _ in passing], start - buffer, end + buffer, longest=longest)
    with_quota = [one for one, _ in passing if any(w.max_minutes_per_week is not None for w in one.rules.windows)]
    used = week_minutes_used_many([one.resource for one in with_quota], requester.quota_key, first_day, last_day)
    quota_ids = {one.id for one in with_quota}
    return [
        one.resource
        for one, request in passing
        # Nothing held and no quota: the first answer was given on these very facts.
        if (not held[one.id] and one.id not in quota_ids)
        or check_booking(request, one.rules, held[one.id], now, week_minutes_used=used.get(one.id, {})).allowed
    ]


def list_open_to(requester: Requester, now: datetime, candidates: Sequence[Candidate]) -> list[Candidate]:
    """The candidates with a window admitting the requester that is open now (on today's official
    calendar) and no closure now. Capacity is not looked at."""
    eligible, _, _ = _eligible(requester, candidates, now, now + timedelta(microseconds=1))
    found = []
    for one in eligible:
        rules = one.rules
        if any(c.start <= now < c.end for c in rules.closures):
            continue
        day = now.astimezone(rules.zone).date()
        if any(i.start <= now < i.end for w in rules.windows for i in expand(w, [day], rules.zone, rules.calendar)):
            found.append(one.resource)
    return found


# --- the week as people read it -------------------------------------------------


class CellStatus(StrEnum):
    FREE = "free"  # bookable, nothing taken
    PARTLY = "partly"  # bookable, some taken
    FULL = "full"
    CLOSED = "closed"
    NOT_OPEN = "not_open"  # no window of anyone's is open then
    UNAVAILABLE = "unavailable"  # open, but not bookable by this requester now (see the reason)
    PAST = "past"


# Runs of these are shown as one line: nothing in them can be booked by anyone.
RUN_STATUSES = frozenset({CellStatus.PAST, CellStatus.CLOSED, CellStatus.NOT_OPEN})
# Reasons that say the slot is not for this requester at all, whatever is free: a run of them
# reads as one cell ("not open to you, 00:00–08:30"), not one line per slot.
NOT_FOR_YOU = frozenset({"not_eligible", "outside_window", "forbidden"})
SIGN_IN = "sign_in"  # the reason anonymous visitors see


class Cell(NamedTuple):
    """One slot (or a run of slots nobody can book) as the week shows it; times are local.

    A named tuple: a week has hundreds, and the page is built on every request."""

    start: datetime
    end: datetime
    status: CellStatus
    free: int
    capacity: int
    reason: str | None = None  # a rules.REASONS code, or SIGN_IN
    notes: tuple[str, ...] = ()  # why it is closed, from the closures


@dataclass(frozen=True)
class DayColumn:
    day: date
    workday: bool
    name: str  # the official calendar's name of the day (a holiday, a make-up workday), or ""
    cells: list[Cell]

    @property
    def whole(self) -> CellStatus | None:
        """The status of the whole day when every cell shares one that nobody can book."""
        if not self.cells:
            return CellStatus.NOT_OPEN
        statuses = {cell.status for cell in self.cells}
        status = statuses.pop()
        return status if not statuses and status in RUN_STATUSES else None

    @property
    def has_open(self) -> bool:
        return any(cell.status not in RUN_STATUSES for cell in self.cells)


@dataclass(frozen=True)
class Week:
    resource: Resource
    first_day: date
    last_day: date
    audiences: frozenset[Audience]
    columns: list[DayColumn]
    window_audiences: tuple[Audience, ...]  # who the resource is open to, in the engine's order
    closures: list[tuple[datetime, datetime, str]] = field(default_factory=list)


def row_minutes(windows: Sequence[AccessWindow], slot_minutes: int) -> list[int]:
    """The local slot starts (minutes after midnight) that some window ever overlaps."""
    return [
        minute
        for minute in range(0, 24 * 60, slot_minutes)
        if any(w.start < minute + slot_minutes and minute < w.end for w in windows)
    ]


def week_columns(grid: Grid, first_day: date, last_day: date, now: datetime, *, signed_in: bool) -> list[DayColumn]:
    """The grid's slots as day columns: only the slot times some window ever opens, each with a
    status in words' terms; runs that nobody can book (past, closed, not open) as one cell."""
    rules = grid.rules
    zone = rules.zone
    rows = set(row_minutes(rules.windows, rules.policy.slot_minutes))
    by_day: dict[date, list[tuple[datetime, Slot]]] = {day: [] for day in days_between(first_day, last_day)}
    for slot in grid.slots:
        local = slot.start.astimezone(zone)
        if local.hour * 60 + local.minute in rows:
            day_slots = by_day.get(local.date())
            if day_slots is not None:
                day_slots.append((local, slot))
    past, closed_, not_open = CellStatus.PAST, CellStatus.CLOSED, CellStatus.NOT_OPEN
    full, free, partly, unavailable = CellStatus.FULL, CellStatus.FREE, CellStatus.PARTLY, CellStatus.UNAVAILABLE
    columns = []
    for day, slots in by_day.items():
        opened = [
            (i.start, i.end) for i in merge(i for w in rules.windows for i in expand(w, [day], zone, rules.calendar))
        ]
        closures = [(c.start, c.end) for c in rules.closures]
        cells: list[Cell] = []
        # Slots come in time order: walk the day's open intervals alongside them.
        opening, openings = 0, len(opened)
        for local, slot in slots:
            start, end = slot.start, slot.end
            while opening < openings and opened[opening][1] <= start:
                opening += 1
            reason = None
            if start < now:
                status = past
            elif closures and any(a < end and start < b for a, b in closures):
                status = closed_
            elif opening == openings or opened[opening][0] >= end:
                status = not_open
            elif slot.free == 0:
                status = full
            elif not signed_in or slot.bookable:
                status = free if slot.free == slot.capacity else partly
                reason = None if signed_in else SIGN_IN
            else:
                status, reason = unavailable, slot.reason
            local_end = end.astimezone(zone)
            last = cells[-1] if cells else None
            if (
                last is not None
                and last.status is status
                and last.end == local
                and (
                    status in RUN_STATUSES
                    or (status is unavailable and reason in NOT_FOR_YOU and last.reason == reason)
                )
            ):
                cells[-1] = last._replace(end=local_end, free=slot.free)
            else:
                cells.append(Cell(local, local_end, status, slot.free, slot.capacity, reason))
        entry = rules.calendar.get(day)
        columns.append(DayColumn(day, is_workday(day, rules.calendar), entry.name if entry else "", cells))
    return columns


def _closures_between(resource: Resource, start: datetime, end: datetime) -> list[tuple[datetime, datetime, str]]:
    rows = db.session.execute(
        select(Closure.start, Closure.end, Closure.reason)
        .where(
            or_(Closure.resource_id == resource.id, Closure.organisation_id == resource.owner_id),
            Closure.start < end,
            Closure.end > start,
        )
        .order_by(Closure.start)
    )
    return [(s, e, reason) for s, e, reason in rows]


def get_week(resource: Resource, requester: Requester, first_day: date, days: int, now: datetime) -> Week:
    """A resource's days from `first_day` as the requester sees them, in a few queries."""
    last_day = first_day + timedelta(days=days - 1)
    rules = rules_of(resource, first_day, last_day)
    today = now.astimezone(rules.zone).date()
    # Days already over need no bookings and no decisions: each is one "over" cell.
    live = max(first_day, today)
    columns = [_over(day, rules) for day in days_between(first_day, min(last_day, live - timedelta(days=1)))]
    audiences: frozenset[Audience] = frozenset()
    if live <= last_day:
        grid = _grid(resource, rules, requester, live, last_day, now)
        audiences = grid.audiences
        columns += week_columns(grid, live, last_day, now, signed_in=requester.user_id is not None)
    closures: list[tuple[datetime, datetime, str]] = []
    if any(cell.status is CellStatus.CLOSED for column in columns for cell in column.cells):
        # Why it is closed: only read when something is.
        closures = _closures_between(
            resource,
            datetime.combine(first_day, time(0), tzinfo=rules.zone),
            datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=rules.zone),
        )
        columns = [_with_notes(column, closures) for column in columns]
    open_to = tuple(a for a in Audience if any(w.audience == a for w in rules.windows))
    return Week(resource, first_day, last_day, audiences, columns, open_to, closures)


def _over(day: date, rules: ResourceRules) -> DayColumn:
    entry = rules.calendar.get(day)
    start = datetime.combine(day, time(0), tzinfo=rules.zone)
    cells = [Cell(start, start + timedelta(days=1), CellStatus.PAST, 0, rules.capacity)] if rules.windows else []
    return DayColumn(day, is_workday(day, rules.calendar), entry.name if entry else "", cells)


def _with_notes(column: DayColumn, closures: list[tuple[datetime, datetime, str]]) -> DayColumn:
    cells = []
    for cell in column.cells:
        if cell.status is CellStatus.CLOSED:
            notes = tuple(dict.fromkeys(r for s, e, r in closures if s < cell.end and cell.start < e))
            cell = cell._replace(notes=notes)
        cells.append(cell)
    return DayColumn(column.day, column.workday, column.name, cells)


# --- a short summary for the resource's page ------------------------------------


@dataclass(frozen=True)
class Run:
    """Consecutive cells of one status: from `start` to `end`, at least `free` of `capacity` free."""

    start: datetime
    end: datetime
    status: CellStatus
    free: int
    capacity: int
    reason: str | None


def summarise(column: DayColumn) -> list[Run]:
    """A day's cells still to come, joined into runs of one status (and one reason)."""
    runs: list[Run] = []
    for cell in column.cells:
        if cell.status is CellStatus.PAST:
            continue
        last = runs[-1] if runs else None
        if last is not None and (last.status, last.reason) == (cell.status, cell.reason) and last.end == cell.start:
            runs[-1] = Run(last.start, cell.end, last.status, min(last.free, cell.free), last.capacity, last.reason)
        else:
            runs.append(Run(cell.start, cell.end, cell.status, cell.free, cell.capacity, cell.reason))
    return runs


def next_open_day(resource: Resource, after: date, *, within: int = NEXT_OPEN_LOOKAHEAD) -> date | None:
    """The first local day after `after` (within `within` days) on which some window opens
    outside closures, for anyone."""
    first, last = after + timedelta(days=1), after + timedelta(days=within)
    rules = rules_for(resource, first, last)
    for day in days_between(first, last):
        for interval in merge(i for w in rules.windows for i in expand(w, [day], rules.zone, rules.calendar)):
            closures = merge(c for c in rules.closures if overlaps(c, interval))
            if not any(c.start <= interval.start and interval.end <= c.end for c in closures):
                return day
    return None


# --- rules as the API publishes them --------------------------------------------


def list_published_rules(
    resources: Sequence[Resource], now: datetime
) -> dict[int, tuple[list[AccessWindow], list[tuple[datetime, datetime, str]]]]:
    """Each resource's access windows and its closures (its own and its owner's) that have not
    ended and start in the next 62 days, in two queries."""
    if not resources:
        return {}
    ids = [r.id for r in resources]
    found: dict[int, tuple[list[AccessWindow], list[tuple[datetime, datetime, str]]]] = {i: ([], []) for i in ids}
    order = {audience: n for n, audience in enumerate(Audience)}
    windows = sorted(
        db.session.scalars(select(Window).where(Window.resource_id.in_(ids))),
        key=lambda w: (order[Audience(w.audience)], w.start_minute, w.end_minute, w.id),
    )
    for row in windows:
        found[row.resource_id][0].append(row.to_domain())
    by_owner: dict[int, list[int]] = {}
    for r in resources:
        by_owner.setdefault(r.owner_id, []).append(r.id)
    closures = db.session.execute(
        select(Closure.resource_id, Closure.organisation_id, Closure.start, Closure.end, Closure.reason)
        .where(
            or_(Closure.resource_id.in_(ids), Closure.organisation_id.in_(list(by_owner))),
            Closure.end > now,
            Closure.start < now + CLOSURES_AHEAD,
        )
        .order_by(Closure.start, Closure.id)
    )
    for resource_id, organisation_id, start, end, reason in closures:
        targets = [resource_id] if resource_id is not None else by_owner.get(organisation_id, [])
        for target in targets:
            found[target][1].append((start, end, reason))
    return found
