"""The booking decision: may this requester book this much of a resource for this time, now?

`check_booking` answers with the first reason code of API.md's list, rules that do
not depend on other people's bookings before those that do. `availability` lays
the same decision over a slot grid.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import accumulate, repeat
from operator import add, attrgetter, gt, sub
from typing import Any, cast
from zoneinfo import ZoneInfo

from app.domain.intervals import Interval, merge, overlaps, union_covers
from app.domain.resources import Policy
from app.domain.windows import AccessWindow, Audience, at_local, days_between, expand, local_days
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
        for monday, booked in minutes_by_week(span, zone).items():
            already = (week_minutes_used or {}).get(monday, 0)
            if already + booked * request.quantity > quota_window.max_minutes_per_week:
                return Decision("quota_exceeded", quota_window)
    buffer = timedelta(minutes=policy.buffer_minutes)
    if peak_use(held, span, buffer) + request.quantity > rules.capacity:
        return Decision("capacity_exceeded", best)
    return Decision(None, best)


def minutes_by_week(span: Interval, zone: ZoneInfo) -> dict[date, int]:
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


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime
    end: datetime
    capacity: int
    free: int
    bookable: bool
    reason: str | None


def availability_by_checking(
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
    """`availability` by asking `check_booking` about every slot: the reference the sweep is
    tested against, and what it falls back to for rules outside what check_policy allows."""
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


# --- the sweep -------------------------------------------------------------------------
#
# `availability` gives exactly the answers of `availability_by_checking` without asking
# check_booking about each slot. Instants are timedeltas since the epoch: exact, cheap to
# take from a datetime, and cheap to compare and sort (datetimes in different zones are
# not). What does not vary by slot is decided once; what varies is laid over the grid as
# index ranges found by bisection, in reverse order of API.md's list so that the first
# reason wins; only the slots that reach the quota and the capacity rules are looked at
# one by one. The bookings' use of capacity is counted on the grid itself when they all
# start and end on it (the usual case), else as one sorted run of changes.

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ZERO = timedelta(0)
_SECOND = timedelta(seconds=1)
_MINUTE = timedelta(minutes=1)
_DAY = timedelta(days=1)
_MIDNIGHT = time(0)
_UTC = ZoneInfo("UTC")  # the zone of the slots' datetimes, as availability_by_checking makes them
_START, _END, _QUANTITY = attrgetter("start"), attrgetter("end"), attrgetter("quantity")
_SLOT_FIELDS = ("start", "end", "capacity", "free", "bookable", "reason")


def _instants(moments: Iterable[datetime]) -> list[timedelta]:
    """Aware datetimes as the time since the epoch."""
    return list(map(sub, moments, repeat(_EPOCH)))


def _sweepable(rules: ResourceRules) -> bool:
    """Rules the sweep is exact for: a grid check_policy allows, and some capacity."""
    policy = rules.policy
    return (
        policy.slot_minutes > 0
        and (24 * 60) % policy.slot_minutes == 0
        and policy.min_minutes > 0
        and policy.min_minutes % policy.slot_minutes == 0
        and policy.buffer_minutes >= 0
        and rules.capacity >= 1
    )


class _Clock:
    """Local time in `zone` over the local days `first` to `last`, as instants.

    Midnights are converted as the slot grid always was (local midnight, fold 0). The
    offset is sampled at every midnight, and where it differs from one midnight to the
    next the change is found to the second (zones change at whole seconds, at most once
    a day). A plain day is 24 hours of one offset from local midnight: its wall-clock
    times are its midnight plus the minutes.
    """

    def __init__(self, zone: ZoneInfo, first: date, last: date) -> None:
        self.zone, self.first = zone, first
        self.origins = [  # local midnights, as UTC datetimes
            datetime.combine(first + timedelta(days=n), _MIDNIGHT).replace(tzinfo=zone).astimezone(_UTC)
            for n in range((last - first).days + 1)
        ]
        self.midnights = _instants(self.origins)
        sampled = [origin.astimezone(zone).utcoffset() or _ZERO for origin in self.origins]
        self.changes: list[timedelta] = []  # instants where the offset changes, ascending
        self.offsets = sampled[:1]  # the offset before each change, and after the last
        for n in range(len(sampled) - 1):
            if sampled[n + 1] != sampled[n]:
                self.changes.append(self._change(self.midnights[n], self.midnights[n + 1], sampled[n]))
                self.offsets.append(sampled[n + 1])
        self.plain = [
            sampled[n] == sampled[n + 1] and not (self.midnights[n] + sampled[n]) % _DAY
            for n in range(len(sampled) - 1)
        ]

    def _change(self, before: timedelta, after: timedelta, offset: timedelta) -> timedelta:
        low, high = before // _SECOND, after // _SECOND  # low still has `offset`, high no longer
        while high - low > 1:
            middle = (low + high) // 2
            if datetime.fromtimestamp(middle, self.zone).utcoffset() == offset:
                low = middle
            else:
                high = middle
        return high * _SECOND

    def index(self, day: date) -> int:
        return (day - self.first).days

    def midnight(self, day: date) -> timedelta:
        n = self.index(day)
        if 0 <= n < len(self.midnights):
            return self.midnights[n]
        return datetime.combine(day, _MIDNIGHT).replace(tzinfo=self.zone) - _EPOCH

    def local(self, instant: timedelta) -> timedelta:
        """Wall-clock time since the epoch: a multiple of the slot when on the grid."""
        return instant + self.offsets[bisect_right(self.changes, instant)]

    def at(self, n: int, minutes: int) -> timedelta:
        """windows.at_local for day `n`: wall-clock arithmetic, then the zone."""
        if self.plain[n]:
            return self.midnights[n] + minutes * _MINUTE
        return at_local(self.first + timedelta(days=n), minutes, self.zone) - _EPOCH


def _peaks(
    starts: list[timedelta], ends: list[timedelta], quantities: list[int], lows: list[timedelta], width: timedelta
) -> list[int]:
    """For each of `lows` (ascending), peak_use over [low, low + width): the most capacity
    in use at any instant, ends before starts where they meet.

    The bookings' starts and ends are one run of changes sorted by instant, ends first at
    equal instants (sorted() is stable and the ends come first); `use[k]` is the use after
    the first k changes. The peak over a span is the use after every change up to its start,
    or after one of the changes inside it.
    """
    times = ends + starts
    changes = [-q for q in quantities] + quantities
    order = sorted(range(len(times)), key=times.__getitem__)
    run = list(map(times.__getitem__, order))
    use = [0, *accumulate(map(changes.__getitem__, order))]
    first = map(bisect_right, repeat(run), lows)  # changes up to and at the span's start
    stop = map(bisect_left, repeat(run), map(add, lows, repeat(width)))  # changes before its end
    return [use[i] if i >= j else max(use[i : j + 1]) for i, j in zip(first, stop, strict=True)]


def _lattice_use(
    starts: list[timedelta], ends: list[timedelta], quantities: list[int], points: list[timedelta]
) -> list[int] | None:
    """The use of each cell [points[j], points[j + 1]) of evenly spaced points, or None when
    a booking starts or ends inside the points' span off a point (then use _peaks).

    With every booking's ends on the points or outside their span, the use is constant on
    each cell: a cell's use is its peak, and a span of cells' peak the most of theirs.
    """
    cells = len(points) - 1
    where = dict(zip(points, range(cells + 1), strict=True))
    first = list(map(where.get, starts))
    after = list(map(where.get, ends))
    if None in first or None in after:
        low, high = points[0], points[-1]
        for k in {k for k, j in enumerate(first) if j is None} | {k for k, j in enumerate(after) if j is None}:
            if ends[k] <= low or starts[k] >= high:  # wholly before or after: counts nowhere
                first[k] = after[k] = 0
                continue
            if first[k] is None:
                if starts[k] > low:
                    return None
                first[k] = 0
            if after[k] is None:
                if ends[k] < high:
                    return None
                after[k] = cells
    change = [0] * (cells + 1)
    for j, quantity in zip(cast(list[int], first), quantities, strict=True):
        change[j] += quantity
    for j, quantity in zip(cast(list[int], after), quantities, strict=True):
        change[j] -= quantity
    return list(accumulate(change[:cells]))


def _window_max(values: list[int], width: int) -> list[int]:
    """max(values[k : k + width]) for every k that leaves a whole window, by doubling."""
    span = 1
    while span < width:
        step = min(span, width - span)
        values = list(map(max, values, values[step:]))
        span += step
    return values


@lru_cache(maxsize=16)
def _steps(slot: timedelta, count: int) -> tuple[timedelta, ...]:
    """0, slot, 2 × slot, ...: the slots' offsets from a midnight."""
    return tuple(slot * k for k in range(count))


def _build_slots(
    starts: list[datetime], ends: list[datetime], capacity: int, free: list[int], reasons: list[str | None]
) -> list[Slot]:
    """Slot objects in bulk: the frozen dataclass's fields set column by column, which is
    several times quicker than calling __init__ for each slot."""
    slots = list(map(object.__new__, repeat(Slot, len(starts))))
    columns: tuple[Iterable[Any], ...] = (starts, ends, repeat(capacity), free, [r is None for r in reasons], reasons)
    for name, column in zip(_SLOT_FIELDS, columns, strict=True):
        deque(map(vars(Slot)[name].__set__, slots, column), maxlen=0)
    return slots


def _merged(spans: Iterable[tuple[timedelta, timedelta]]) -> list[tuple[timedelta, timedelta]]:
    """intervals.merge: sorted, disjoint, touching spans joined, empty ones dropped."""
    merged: list[tuple[timedelta, timedelta]] = []
    for low, high in sorted(s for s in spans if s[0] < s[1]):
        if merged and low <= merged[-1][1]:
            if high > merged[-1][1]:
                merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return merged


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
    quantity 1 and the minimum length starting there would be accepted for this requester.

    Slots start every slot_minutes from each day's local midnight (elapsed time: a day
    when the clocks change has 23 or 25 hours of slots). The answers are those of
    `availability_by_checking`, found in one sweep; rules outside what check_policy
    allows, and bookings that end before they start, are left to it.
    """
    policy, capacity = rules.policy, rules.capacity
    opened, closed = _instants(map(_START, held)), _instants(map(_END, held))
    if not _sweepable(rules) or any(map(gt, opened, closed)):
        return availability_by_checking(
            rules,
            held,
            first_day,
            last_day,
            now,
            audiences=audiences,
            allowed_to_act=allowed_to_act,
            week_minutes_used=week_minutes_used,
        )
    days = days_between(first_day, last_day)
    if not days:
        return []
    slot, length = timedelta(minutes=policy.slot_minutes), timedelta(minutes=policy.min_minutes)
    buffer = timedelta(minutes=policy.buffer_minutes)
    # The local days a request can touch: from the day before the first (a window may reach
    # in) to past the end of one starting in the last slot.
    clock = _Clock(rules.zone, first_day - timedelta(days=1), last_day + timedelta(days=3 + -(-length // _DAY)))
    grid = _Grid(clock, days, slot)
    quantities = list(map(_QUANTITY, held))
    # The free units: the use without the buffer, slot by slot.
    lattice = [*grid.instants, grid.instants[-1] + slot] if grid.even and grid.instants else []
    free_use = _lattice_use(opened, closed, quantities, lattice) if lattice else None
    if free_use is None:
        free_use = _peaks(opened, closed, quantities, grid.instants, slot)
    free = [capacity - use if use < capacity else 0 for use in free_use]
    if not allowed_to_act:
        return _build_slots(grid.starts, grid.ends, capacity, free, ["forbidden"] * len(free))

    reasons, windows, expanded = _reasons_before_bookings(rules, clock, grid, length, now, audiences)
    if None in reasons and any(w.max_minutes_per_week is not None for w in windows):
        _apply_quota(reasons, grid.instants, length, windows, expanded, clock, week_minutes_used or {})
    # Capacity, for the slots still open: the use over the request, each booking widened by the buffer.
    reaching = [i for i, reason in enumerate(reasons) if reason is None]
    if reaching:
        peaks: list[int] | None = None
        if not buffer and length == slot:
            peaks = [free_use[i] for i in reaching]
        else:
            widened_opened = list(map(sub, opened, repeat(buffer)))
            widened_closed = list(map(add, closed, repeat(buffer)))
            if lattice and not buffer % slot:  # the last slots' requests reach further along the lattice
                cells = length // slot
                further = [lattice[-1] + slot * k for k in range(1, cells)]
                use = _lattice_use(widened_opened, widened_closed, quantities, lattice + further)
                if use is not None:
                    most = _window_max(use, cells)
                    peaks = [most[i] for i in reaching]
            if peaks is None:
                lows = [grid.instants[i] for i in reaching]
                peaks = _peaks(widened_opened, widened_closed, quantities, lows, length)
        for i, peak in zip(reaching, peaks, strict=True):
            if peak >= capacity:
                reasons[i] = "capacity_exceeded"
    return _build_slots(grid.starts, grid.ends, capacity, free, reasons)


class _Grid:
    """The slots of the days asked: each day's from its local midnight, every slot_minutes
    of elapsed time, while they start before the next midnight (availability_by_checking's
    loop). `instants` are the starts as instants, `starts` and `ends` the slots' datetimes
    (UTC), `days` each day's first slot and the next day's."""

    def __init__(self, clock: _Clock, days: list[date], slot: timedelta) -> None:
        self.days: list[tuple[date, int, int]] = []
        total = 0
        for day in days:
            n = clock.index(day)
            count = max(0, -((clock.midnights[n] - clock.midnights[n + 1]) // slot))
            self.days.append((day, total, total + count))
            total += count
        steps = _steps(slot, total + 1)
        first = clock.index(days[0])
        # Even: every day's last slot ends at the next midnight (as on any day of 24 hours),
        # so the slots are one run from the first midnight.
        self.even = clock.midnights[first] + total * slot == clock.midnights[first + len(days)]
        if self.even:
            marks = list(map(add, repeat(clock.origins[first]), steps))
            self.starts, self.ends = marks[:-1], marks[1:]
            self.instants = list(map(add, repeat(clock.midnights[first]), steps[:total]))
        else:
            self.starts, self.ends, self.instants = [], [], []
            for day, i, j in self.days:
                n = clock.index(day)
                marks = list(map(add, repeat(clock.origins[n]), steps[: j - i + 1]))
                self.starts.extend(marks[:-1])
                self.ends.extend(marks[1:])
                self.instants.extend(map(add, repeat(clock.midnights[n]), steps[: j - i]))


def _reasons_before_bookings(
    rules: ResourceRules,
    clock: _Clock,
    grid: _Grid,
    length: timedelta,
    now: datetime,
    audiences: frozenset[Audience],
) -> tuple[list[str | None], list[AccessWindow], list[list[tuple[timedelta, timedelta]]]]:
    """Each slot's reason among those that do not depend on bookings (None where it has
    none), found from the last in API.md's order to the first, each overwriting the ones
    before; with the admitting windows and their intervals, empty ones too, over the clock's
    days."""
    policy, instants, total = rules.policy, grid.instants, len(grid.instants)
    slot = timedelta(minutes=policy.slot_minutes)
    reasons: list[str | None]
    windows = admitting_windows(rules, audiences)
    expanded: list[list[tuple[timedelta, timedelta]]] = []
    if windows:
        reach = range(len(clock.plain))
        dates = [clock.first + timedelta(days=n) for n in reach]
        for window in windows:
            on = [n for n, day in zip(reach, dates, strict=True) if window.days.matches(day, rules.calendar)]
            expanded.append([(clock.at(n, window.start), clock.at(n, window.end)) for n in on])
        reasons = ["outside_window"] * total
        for low, high in _merged(span for spans in expanded for span in spans):
            if high - low >= length:  # covers [start, start + length) for the starts in [low, high - length]
                i, j = bisect_left(instants, low), bisect_right(instants, high - length)
                reasons[i:j] = [None] * (j - i)
        for closure in rules.closures:  # overlapped by the requests starting in (start - length, end)
            i = bisect_right(instants, closure.start - _EPOCH - length)
            j = bisect_left(instants, closure.end - _EPOCH)
            if j > i:
                reasons[i:j] = ["closed"] * (j - i)
    else:
        reasons = ["not_eligible"] * total
    if clock.changes:
        # On a plain day a start is on the wall-clock grid, and the request's end is too
        # unless the offset changes in (start, end]: only the other slots need a look.
        suspects: set[int] = set()
        for day, i, j in grid.days:
            if not clock.plain[clock.index(day)]:
                suspects.update(range(i, j))
        for change in clock.changes:
            suspects.update(range(bisect_left(instants, change - length), bisect_left(instants, change)))
        for i in suspects:
            if clock.local(instants[i]) % slot or clock.local(instants[i] + length) % slot:
                reasons[i] = "misaligned"
    if policy.min_minutes > policy.max_minutes:
        reasons = ["too_long"] * total
    # (never too_short: the request is exactly min_minutes long)
    furthest = last_bookable_day(policy, rules.zone, now)
    for day, i, j in grid.days:
        ahead = (day - furthest).days
        if ahead > 2 or (ahead > 0 and clock.plain[clock.index(day)]):
            reasons[i:j] = ["not_yet_released" if ahead == 1 else "too_far_ahead"] * (j - i)
        elif ahead > 0:  # where the clocks go back, a start's local date can be the day before
            for k in range(i, j):
                local_day = _EPOCH.date() + timedelta(days=clock.local(instants[k]) // _DAY)
                if local_day > furthest:
                    reasons[k] = "not_yet_released" if local_day == furthest + timedelta(days=1) else "too_far_ahead"
    past = bisect_left(instants, now - _EPOCH)
    reasons[:past] = ["in_past"] * past
    return reasons, windows, expanded


def _apply_quota(
    reasons: list[str | None],
    grid: list[timedelta],
    length: timedelta,
    windows: list[AccessWindow],
    expanded: list[list[tuple[timedelta, timedelta]]],
    clock: _Clock,
    used: Mapping[date, int],
) -> None:
    """quota_exceeded where check_booking would say so: the limit is the most permissive
    max_minutes_per_week of the windows whose intervals the request [start, start + length)
    overlaps (an interval (a, b), even an empty one, by the starts in (a - length, b)),
    counted per local week against what the key already holds that week."""
    limits: list[int | None] = [None] * len(grid)
    ranked = sorted(
        range(len(windows)),
        key=lambda k: (windows[k].max_minutes_per_week is None, windows[k].max_minutes_per_week or 0),
    )
    for k in ranked:  # the least permissive first, so the most permissive touching window is written last
        limit = windows[k].max_minutes_per_week
        for low, high in expanded[k]:
            i, j = bisect_right(grid, low - length), bisect_left(grid, high)
            if j > i:
                limits[i:j] = [limit] * (j - i)
    # Local weeks from their Monday midnights, as minutes_by_week finds them: from the week
    # of the day before the first start to the week after the end of the last request.
    first = clock.first - timedelta(days=clock.first.weekday())
    names = [first + timedelta(weeks=n) for n in range((len(clock.midnights) + 13) // 7 + 1)]
    bounds = [clock.midnight(monday) for monday in names]
    minutes = length // _MINUTE
    for week in range(len(bounds) - 1):
        i = bisect_left(grid, bounds[week])
        inside = max(i, bisect_right(grid, bounds[week + 1] - length))  # requests ending by the next Monday
        j = bisect_left(grid, bounds[week + 1])
        threshold = used.get(names[week], 0) + minutes
        for k in range(i, inside):
            if reasons[k] is None and (limit := limits[k]) is not None and threshold > limit:
                reasons[k] = "quota_exceeded"
        for k in range(inside, j):  # split across weeks
            if reasons[k] is None and (limit := limits[k]) is not None:
                cursor, end, n = grid[k], grid[k] + length, week
                while cursor < end:
                    stop = min(end, bounds[n + 1])
                    if used.get(names[n], 0) + (stop - cursor) // _MINUTE > limit:
                        reasons[k] = "quota_exceeded"
                        break
                    cursor, n = stop, n + 1
