"""The booking decision: may this requester book this much of a resource for this time, now?

`check_booking` answers with the first reason code of API.md's list, rules that do
not depend on other people's bookings before those that do. `availability` lays
the same decision over a slot grid.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.domain.intervals import Interval, merge, overlaps, union_covers
from app.domain.resources import Policy
from app.domain.windows import AccessWindow, Audience, days_between, expand, local_days
from app.domain.workdays import DayEntry

REASONS = (
    "invalid_time",
    "forbidden",
    "in_past",
    "not_yet_released",
    "too_far_ahead",
    "too_short",
    "too_long",
    "misaligned",
    "not_eligible",
    "closed",
    "outside_window",
    "quantity_exceeded",
    "quota_exceeded",
    "capacity_exceeded",
)


@dataclass(frozen=True)
class Held:
    """A booking that holds capacity (pending, confirmed or checked in)."""

    start: datetime
    end: datetime
    quantity: int
    quota_key: str | None = None  # who it counts against: a user, or the unit it was made for


@dataclass(frozen=True)
class ResourceRules:
    capacity: int
    policy: Policy
    zone: ZoneInfo
    windows: Sequence[AccessWindow]
    closures: Sequence[Interval] = ()
    calendar: Mapping[date, DayEntry] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    start: datetime
    end: datetime
    quantity: int
    audiences: frozenset[Audience]
    allowed_to_act: bool = True  # False when acting for an organisation one is not a member of
    quota_key: str | None = None


@dataclass(frozen=True)
class Decision:
    code: str | None  # None: allowed
    window: AccessWindow | None = None  # the most permissive window that admitted it

    @property
    def allowed(self) -> bool:
        return self.code is None


def _aware(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None


def last_bookable_day(policy: Policy, zone: ZoneInfo, now: datetime) -> date:
    """The furthest local day open for booking now: today + book_ahead_days once that
    day's release time has passed, else one day less."""
    local = now.astimezone(zone)
    ahead = policy.book_ahead_days if local.time() >= policy.release_time else policy.book_ahead_days - 1
    return local.date() + timedelta(days=ahead)


def _on_grid(moment: datetime, zone: ZoneInfo, slot_minutes: int) -> bool:
    local = moment.astimezone(zone)
    if local.second or local.microsecond:
        return False
    return (local.hour * 60 + local.minute) % slot_minutes == 0


def admitting_windows(rules: ResourceRules, audiences: frozenset[Audience]) -> list[AccessWindow]:
    return [w for w in rules.windows if w.audience in audiences]


def open_intervals(windows: Iterable[AccessWindow], rules: ResourceRules, days: Iterable[date]) -> list[Interval]:
    days = list(days)
    return [i for w in windows for i in expand(w, days, rules.zone, rules.calendar)]


def peak_use(held: Iterable[Held], span: Interval, buffer: timedelta) -> int:
    """The most capacity in use at any instant of `span`, each booking widened by the buffer."""
    events: list[tuple[datetime, int]] = []
    for booking in held:
        start, end = booking.start - buffer, booking.end + buffer
        if start < span.end and span.start < end:
            events.append((max(start, span.start), booking.quantity))
            events.append((min(end, span.end), -booking.quantity))
    peak = current = 0
    # At equal instants, ends (negative) come first: half-open intervals that touch do not overlap.
    for _, change in sorted(events, key=lambda e: (e[0], e[1])):
        current += change
        peak = max(peak, current)
    return peak


def check_booking(
    request: Request,
    rules: ResourceRules,
    held: Sequence[Held],
    now: datetime,
    *,
    week_minutes_used: Mapping[date, int] | None = None,
) -> Decision:
    """Allowed, or the first reason it is not (API.md's order).

    `held` are the resource's other bookings that hold capacity; `week_minutes_used`
    maps the Monday of each local week to the minutes the requester's quota key
    already holds on this resource that week.
    """
    policy, zone = rules.policy, rules.zone
    if not _aware(request.start) or not _aware(request.end) or request.start >= request.end or request.quantity < 1:
        return Decision("invalid_time")
    if not request.allowed_to_act:
        return Decision("forbidden")
    if request.start < now:
        return Decision("in_past")
    start_day = request.start.astimezone(zone).date()
    furthest = last_bookable_day(policy, zone, now)
    if start_day > furthest:
        return Decision("not_yet_released" if start_day == furthest + timedelta(days=1) else "too_far_ahead")
    minutes = (request.end - request.start) / timedelta(minutes=1)
    if minutes < policy.min_minutes:
        return Decision("too_short")
    if minutes > policy.max_minutes:
        return Decision("too_long")
    if not (_on_grid(request.start, zone, policy.slot_minutes) and _on_grid(request.end, zone, policy.slot_minutes)):
        return Decision("misaligned")
    windows = admitting_windows(rules, request.audiences)
    if not windows:
        return Decision("not_eligible")
    span = Interval(request.start, request.end)
    if any(overlaps(span, closure) for closure in rules.closures):
        return Decision("closed")
    days = local_days(span, zone)
    touching = [(w, i) for w in windows for i in expand(w, days, zone, rules.calendar) if overlaps(i, span)]
    if not union_covers(merge(i for _, i in touching), span):
        return Decision("outside_window")
    # Limits come from the most permissive window the booking falls in.
    used_windows = {id(w): w for w, _ in touching}.values()
    best = max(used_windows, key=lambda w: (w.max_quantity is None, w.max_quantity or 0))
    limit = min(rules.capacity, best.max_quantity or rules.capacity)
    if request.quantity > limit:
        return Decision("quantity_exceeded", best)
    quota_window = max(used_windows, key=lambda w: (w.max_minutes_per_week is None, w.max_minutes_per_week or 0))
    if quota_window.max_minutes_per_week is not None:
        for monday, booked in _minutes_by_week(span, zone).items():
            already = (week_minutes_used or {}).get(monday, 0)
            if already + booked * request.quantity > quota_window.max_minutes_per_week:
                return Decision("quota_exceeded", quota_window)
    buffer = timedelta(minutes=policy.buffer_minutes)
    if peak_use(held, span, buffer) + request.quantity > rules.capacity:
        return Decision("capacity_exceeded", best)
    return Decision(None, best)


def _minutes_by_week(span: Interval, zone: ZoneInfo) -> dict[date, int]:
    """The span's minutes in each local week, keyed by that week's Monday."""
    result: dict[date, int] = {}
    cursor = span.start
    while cursor < span.end:
        local = cursor.astimezone(zone)
        monday = local.date() - timedelta(days=local.weekday())
        next_monday = datetime.combine(monday + timedelta(days=7), datetime.min.time(), tzinfo=zone)
        stop = min(span.end, next_monday)
        result[monday] = result.get(monday, 0) + int((stop - cursor) / timedelta(minutes=1))
        cursor = stop
    return result


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    capacity: int
    free: int
    bookable: bool
    reason: str | None


def availability(
    rules: ResourceRules,
    held: Sequence[Held],
    first_day: date,
    last_day: date,
    now: datetime,
    *,
    audiences: frozenset[Audience],
    allowed_to_act: bool = True,
    week_minutes_used: Mapping[date, int] | None = None,
) -> list[Slot]:
    """The slot grid of the local days asked: free units per slot, and whether a booking of
    quantity 1 and the minimum length starting there would be accepted for this requester."""
    policy, zone = rules.policy, rules.zone
    slot = timedelta(minutes=policy.slot_minutes)
    length = timedelta(minutes=policy.min_minutes)
    buffer = timedelta(minutes=policy.buffer_minutes)
    ordered = sorted(held, key=lambda h: h.start)
    slots: list[Slot] = []
    for day in days_between(first_day, last_day):
        start = datetime.combine(day, datetime.min.time()).replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))
        day_end = datetime.combine(day + timedelta(days=1), datetime.min.time()).replace(tzinfo=zone)
        while start < day_end:
            end = start + slot
            span = Interval(start, end)
            nearby = [h for h in ordered if h.start < end + buffer and start - buffer < h.end]
            free = max(0, rules.capacity - peak_use(nearby, span, timedelta(0)))
            decision = check_booking(
                Request(start, start + length, 1, audiences, allowed_to_act),
                rules,
                [h for h in ordered if h.start < start + length + buffer and start - buffer < h.end],
                now,
                week_minutes_used=week_minutes_used,
            )
            slots.append(Slot(start, end, rules.capacity, free, decision.allowed, decision.code))
            start = end
    return slots
