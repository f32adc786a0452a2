"""Availability benchmark: one parking lot's 31-day slot grid with 1,000 held bookings, in-process.

    python -m bench.availability [--runs 300] [--reference-runs 5] [--bookings 1000] [--gc]

The resource is the article's parking lot in Asia/Shanghai (40 spaces, 30-minute slots,
30 minutes at least): registered units on workdays 08:30–17:30, residents at any time
(one space, 20 hours a week) and on rest days 07:00–22:00 (two spaces, 30 hours a week),
over October 2026 with the official 2026 calendar from the chinesecalendar package
(National Day week, the 10 October make-up workday) and a day's closure. The 1,000
bookings (1–5 spaces, 30 minutes to 10 hours, on the grid, never beyond the capacity)
are spread over the 31 days by a seeded generator.

`availability()` (the sweep) is timed --runs times for each requester, after a warm-up
call, with time.perf_counter around each call; `availability_by_checking()` (one
check_booking per slot, the reference) --reference-runs times. Figures are the median
and the 95th percentile of the runs, in milliseconds. The garbage collector is off
during the timed loops (it is collected before each), so a collection triggered by
earlier allocations does not land in one call; --gc keeps it on. Before timing, the two
functions' answers are compared slot for slot.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from app.domain.intervals import Interval
from app.domain.resources import Policy, check_policy
from app.domain.rules import Held, ResourceRules, Slot, availability, availability_by_checking
from app.domain.windows import AccessWindow, Audience, DayRule, Days
from app.domain.workdays import DayEntry, DaySource
from app.workdays.services import package_days

ZONE = ZoneInfo("Asia/Shanghai")
FIRST_DAY = date(2026, 10, 1)
DAYS = 31
LAST_DAY = FIRST_DAY + timedelta(days=DAYS - 1)
NOW = datetime(2026, 10, 1, 8, 10, tzinfo=ZONE)  # the first morning: a few slots already past
CAPACITY = 40
TARGET_MEDIAN_MS = 2.0
REQUESTERS = {
    "resident acting for a unit": frozenset({Audience.PUBLIC, Audience.RESIDENTS, Audience.REGISTERED_UNITS}),
    "resident": frozenset({Audience.PUBLIC, Audience.RESIDENTS}),
}


def calendar_2026() -> dict[date, DayEntry]:
    """The package's official days (holidays and make-up workdays) of 2026, as the engine reads them."""
    return {
        day: DayEntry(day, workday, name, DaySource.PACKAGE)
        for day, (workday, name) in package_days().items()
        if day.year == 2026
    }


def parking_lot() -> ResourceRules:
    policy = Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=30, release_time=clock(0, 0))
    check_policy(policy)
    return ResourceRules(
        capacity=CAPACITY,
        policy=policy,
        zone=ZONE,
        windows=[
            AccessWindow(Audience.REGISTERED_UNITS, Days(DayRule.WORKDAY), 8 * 60 + 30, 17 * 60 + 30, max_quantity=5),
            AccessWindow(Audience.RESIDENTS, Days(DayRule.ALL), 0, 24 * 60, max_quantity=1, max_minutes_per_week=1200),
            AccessWindow(
                Audience.RESIDENTS, Days(DayRule.RESTDAY), 7 * 60, 22 * 60, max_quantity=2, max_minutes_per_week=1800
            ),
        ],
        closures=[Interval(datetime(2026, 10, 20, tzinfo=ZONE), datetime(2026, 10, 21, tzinfo=ZONE))],
        calendar=calendar_2026(),
    )


def bookings(count: int, seed: int = 2026) -> list[Held]:
    """`count` bookings over the 31 days, each fitting in what the others leave free."""
    rng = random.Random(seed)
    half_hours = DAYS * 48
    origin = datetime.combine(FIRST_DAY, clock(0), tzinfo=ZONE)

    def at(half_hour: int) -> datetime:
        return origin + timedelta(minutes=30 * half_hour)

    in_use = [0] * half_hours
    held: list[Held] = []
    while len(held) < count:
        day = rng.randrange(DAYS)
        daytime = rng.random() < 0.6  # mostly daytime parking, some at any hour
        start = day * 48 + (rng.randrange(14, 36) if daytime else rng.randrange(0, 48))
        length = rng.choice([1, 2, 2, 3, 4, 4, 6, 8, 12, 16, 18, 20])
        stop = min(start + length, half_hours)
        quantity = rng.randint(1, 5)
        if max(in_use[start:stop]) + quantity > CAPACITY:
            continue
        for n in range(start, stop):
            in_use[n] += quantity
        key = f"user:{rng.randrange(300)}" if rng.random() < 0.7 else f"unit:{rng.randrange(40)}"
        # As the database hands them over: aware, in UTC.
        held.append(Held(at(start).astimezone(UTC), at(stop).astimezone(UTC), quantity, key))
    return held


def p95(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def timed(call: Callable[[], list[Slot]], runs: int, *, keep_gc: bool) -> list[float]:
    call()  # warm-up
    gc.collect()
    enabled = gc.isenabled()
    if not keep_gc:
        gc.disable()
    try:
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            call()
            seconds.append(time.perf_counter() - started)
    finally:
        if enabled:
            gc.enable()
    return [s * 1000 for s in seconds]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.availability", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300, help="timed calls of availability() (default 300)")
    parser.add_argument("--reference-runs", type=int, default=5, help="timed calls of availability_by_checking()")
    parser.add_argument("--bookings", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--gc", action="store_true", help="leave the garbage collector on while timing")
    args = parser.parse_args(argv)
    if args.runs < 200 or args.reference_runs < 2:
        parser.error("--runs must be at least 200 and --reference-runs at least 2")

    rules = parking_lot()
    held = bookings(args.bookings, args.seed)
    used = {date(2026, 9, 28): 240, date(2026, 10, 5): 600, date(2026, 10, 12): 1170, date(2026, 10, 19): 0}
    print(
        f"{DAYS} days ({FIRST_DAY}–{LAST_DAY}), {len(held)} held bookings, capacity {CAPACITY}, "
        f"{len(rules.windows)} windows, {sum(1 for d in rules.calendar if d.month == 10)} calendar days in October, "
        f"gc {'on' if args.gc else 'off'} while timing",
        file=sys.stderr,
    )
    print(f"{'requester':<28} {'function':<26} {'runs':>5} {'slots':>6} {'median ms':>10} {'p95 ms':>8}")
    verdicts = []
    for label, audiences in REQUESTERS.items():

        def sweep(audiences: frozenset[Audience] = audiences) -> list[Slot]:
            return availability(rules, held, FIRST_DAY, LAST_DAY, NOW, audiences=audiences, week_minutes_used=used)

        def reference(audiences: frozenset[Audience] = audiences) -> list[Slot]:
            return availability_by_checking(
                rules, held, FIRST_DAY, LAST_DAY, NOW, audiences=audiences, week_minutes_used=used
            )

        slots = sweep()
        if slots != reference():
            raise SystemExit(f"{label}: the sweep and the reference disagree")
        for name, call, runs in (
            ("availability", sweep, args.runs),
            ("availability_by_checking", reference, args.reference_runs),
        ):
            ms = timed(call, runs, keep_gc=args.gc)
            print(f"{label:<28} {name:<26} {runs:>5} {len(slots):>6} {statistics.median(ms):>10.2f} {p95(ms):>8.2f}")
            if name == "availability":
                verdicts.append((label, statistics.median(ms)))
        reasons: dict[str | None, int] = {}
        for slot in slots:
            reasons[slot.reason] = reasons.get(slot.reason, 0) + 1
        print(f"{'':<28} reasons: " + ", ".join(f"{k or 'bookable'} {v}" for k, v in sorted(reasons.items(), key=str)))
    for label, median in verdicts:
        verdict = "met" if median <= TARGET_MEDIAN_MS else "MISSED"
        print(f"{label}: availability() median {median:.2f} ms, target ≤ {TARGET_MEDIAN_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
