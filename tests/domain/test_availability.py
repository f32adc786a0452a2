"""The availability sweep answers exactly what asking check_booking about every slot answers.

`availability_by_checking` is the reference: random cases compare the two slot for slot,
in a zone without clock changes and in zones around theirs; a table of hand-made cases
on the article's parking lot says what each slot should show, and why.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.intervals import Interval
from app.domain.resources import Policy, check_policy
from app.domain.rules import Held, ResourceRules, Slot, availability, availability_by_checking
from app.domain.windows import AccessWindow, Audience, DayRule, Days, parse_clock, parse_days
from app.domain.workdays import DayEntry, DaySource
from tests.domain.test_rules_properties import days_st

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")  # 2026-03-29 02:00 → 03:00, 2026-10-25 03:00 → 02:00
HAVANA = ZoneInfo("America/Havana")  # 2026-03-08 00:00 → 01:00, 2026-11-01 01:00 → 00:00: at midnight
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # half-hour changes: 2026-04-05 02:00 → 01:30, 2026-10-04 02:00 → 02:30
ALL_AUDIENCES = list(Audience)
WINDOW_AUDIENCES = [Audience.RESIDENTS, Audience.REGISTERED_UNITS, Audience.PARTY_MEMBERS]


def assert_same(fast: list[Slot], slow: list[Slot]) -> None:
    """Slot for slot, naming the first that differs (a whole grid is too long to read)."""
    assert len(fast) == len(slow), (len(fast), len(slow))
    for n, (mine, theirs) in enumerate(zip(fast, slow, strict=True)):
        assert mine == theirs, f"slot {n}: sweep {mine} != reference {theirs}"


# --- random cases ------------------------------------------------------------------


@st.composite
def window_st(draw: st.DrawFn) -> AccessWindow:
    start = draw(st.just(0) | st.integers(0, 95))  # quarter hours; from midnight often
    end = draw(st.one_of(st.just(96), st.integers(start + 1, 96)))  # 24:00 often
    return AccessWindow(
        draw(st.sampled_from(WINDOW_AUDIENCES)),
        draw(days_st),
        start * 15,
        end * 15,
        max_quantity=draw(st.none() | st.integers(1, 3)),
        max_minutes_per_week=draw(st.none() | st.integers(1, 40).map(lambda n: n * 15) | st.integers(1, 600)),
    )


@st.composite
def case_st(draw: st.DrawFn, zone: ZoneInfo, around: date, days: int = 3) -> dict[str, object]:
    """A resource and a requester around a local day (a clock change, or a holiday)."""
    first_day = around + timedelta(days=draw(st.integers(-2, 1)))
    last_day = first_day + timedelta(days=draw(st.integers(0, days - 1)))
    origin = datetime.combine(first_day, time(0), tzinfo=zone)

    def moment(minutes: int) -> datetime:  # absolute minutes from the first local midnight
        return (origin + timedelta(minutes=minutes)).astimezone(UTC)

    slot = draw(st.sampled_from([15, 30, 60]))
    min_minutes = slot * draw(st.integers(1, 4))
    policy = Policy(
        slot_minutes=slot,
        min_minutes=min_minutes,
        max_minutes=min_minutes * draw(st.integers(1, 3)),
        book_ahead_days=draw(st.integers(0, 3) | st.just(30)),
        release_time=draw(st.sampled_from([time(0, 0), time(8, 0), time(17, 30), time(23, 45)])),
        buffer_minutes=draw(st.sampled_from([0, 0, 10, 15, 30, 60])),
    )
    check_policy(policy)
    calendar = {
        day: DayEntry(day, workday, "", DaySource.MANUAL)
        for day, workday in draw(
            st.dictionaries(st.sampled_from([around + timedelta(days=d) for d in range(-4, 8)]), st.booleans())
        ).items()
    }
    capacity = draw(st.integers(1, 5))
    horizon = days * 24 * 60
    spans = st.tuples(st.integers(-12 * 60, horizon), st.integers(0, 12 * 60))
    closures = [Interval(moment(a), moment(a + b)) for a, b in draw(st.lists(spans, max_size=2))]
    if draw(st.booleans()):  # empty and backwards closures (check_booking still reads them)
        a = draw(st.integers(0, horizon))
        closures.append(Interval(moment(a), moment(a - draw(st.integers(0, 45)))))
    windows = draw(st.lists(window_st(), min_size=draw(st.sampled_from([0, 1, 1, 1])), max_size=4))
    rules = ResourceRules(capacity, policy, zone, windows, closures, calendar)
    grain = draw(st.sampled_from([5, 15, slot]))  # bookings on and off the grid
    held = [
        Held(
            moment(a * grain),
            moment(a * grain + b * grain),
            draw(st.integers(1, capacity) | st.just(capacity)),
            draw(st.sampled_from([None, "user:1", "unit:2"])),
        )
        for a, b in draw(
            st.lists(
                st.tuples(st.integers(-6 * 60 // grain, horizon // grain), st.integers(0, 8 * 60 // grain)),
                max_size=16,
            )
        )
    ]
    mondays = sorted({day - timedelta(days=day.weekday()) for day in (first_day, last_day + timedelta(days=1))})
    # Minutes already held: anything, or just under a window's quota (so the limit is met exactly).
    limits = [w.max_minutes_per_week for w in windows if w.max_minutes_per_week is not None]
    near = [max(0, limit - slot * k) for limit in limits for k in range(5)]
    used = st.integers(0, 600) | (st.sampled_from(near) if near else st.just(0))
    return {
        "rules": rules,
        "held": held,
        "first_day": first_day,
        "last_day": last_day,
        "now": moment(draw(st.integers(-3 * 24 * 60, -24 * 60) | st.integers(-24 * 60, horizon))),
        "audiences": draw(st.just(frozenset(Audience)) | st.frozensets(st.sampled_from(ALL_AUDIENCES))),
        "allowed_to_act": draw(st.sampled_from([True] * 7 + [False])),
        "week_minutes_used": draw(st.none() | st.fixed_dictionaries({m: used for m in mondays}) | st.just({})),
    }


def compare(case: dict[str, object]) -> None:
    args = (case["rules"], case["held"], case["first_day"], case["last_day"], case["now"])
    kwargs = {k: case[k] for k in ("audiences", "allowed_to_act", "week_minutes_used")}
    assert_same(availability(*args, **kwargs), availability_by_checking(*args, **kwargs))  # type: ignore[arg-type]


@settings(max_examples=80, deadline=None)
@given(case_st(SHANGHAI, date(2026, 10, 1)))  # National Day, its make-up Saturday a week on
def test_sweep_agrees_with_checking_every_slot_in_shanghai(case):
    compare(case)


@settings(max_examples=40, deadline=None)
@given(case_st(BERLIN, date(2026, 3, 29)))
def test_sweep_agrees_with_checking_every_slot_when_berlin_springs_forward(case):
    compare(case)


@settings(max_examples=40, deadline=None)
@given(case_st(BERLIN, date(2026, 10, 25)))
def test_sweep_agrees_with_checking_every_slot_when_berlin_falls_back(case):
    compare(case)


@settings(max_examples=30, deadline=None)
@given(st.one_of(case_st(HAVANA, date(2026, 3, 8)), case_st(HAVANA, date(2026, 11, 1))))
def test_sweep_agrees_with_checking_every_slot_when_the_clocks_change_at_midnight(case):
    compare(case)


@settings(max_examples=30, deadline=None)
@given(st.one_of(case_st(LORD_HOWE, date(2026, 4, 5)), case_st(LORD_HOWE, date(2026, 10, 4))))
def test_sweep_agrees_with_checking_every_slot_when_the_clocks_change_by_half_an_hour(case):
    compare(case)


@settings(max_examples=10, deadline=None)
@given(case_st(SHANGHAI, date(2026, 10, 1), days=10))
def test_sweep_agrees_with_checking_every_slot_over_longer_ranges(case):
    compare(case)


# --- hand-made cases -----------------------------------------------------------------


def window(audience: Audience, days: object, start: str, end: str, **extra: object) -> AccessWindow:
    return AccessWindow(
        audience, parse_days(days), parse_clock(start, field="start"), parse_clock(end, field="end"), **extra
    )


# 2026-10-01 (Thu) is National Day; 2026-10-10 (Sat) its make-up workday.
CALENDAR = {
    date(2026, 10, 1): DayEntry(date(2026, 10, 1), False, "国庆节", DaySource.PACKAGE),
    date(2026, 10, 10): DayEntry(date(2026, 10, 10), True, "国庆节调休", DaySource.PACKAGE),
}
# The article's parking lot: registered units on workdays 08:30–17:30, residents any time
# (one space, 20 hours a week); closed on 15 October for road works.
PARKING = ResourceRules(
    capacity=40,
    policy=Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=30),
    zone=SHANGHAI,
    windows=[
        window(Audience.REGISTERED_UNITS, "workday", "08:30", "17:30", max_quantity=5),
        window(Audience.RESIDENTS, "all", "00:00", "24:00", max_quantity=1, max_minutes_per_week=1200),
    ],
    closures=[Interval(datetime(2026, 10, 15, tzinfo=SHANGHAI), datetime(2026, 10, 16, tzinfo=SHANGHAI))],
    calendar=CALENDAR,
)
NOW = datetime(2026, 9, 28, 9, 10, tzinfo=SHANGHAI)  # a Monday morning: horizon 28 October
UNIT_STAFF = frozenset({Audience.PUBLIC, Audience.REGISTERED_UNITS})
RESIDENT = frozenset({Audience.PUBLIC, Audience.RESIDENTS})
OUTSIDER = frozenset({Audience.PUBLIC})
FULL = [Held(datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI), datetime(2026, 10, 9, 11, 0, tzinfo=SHANGHAI), 40)]
NEARLY_FULL = [Held(datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI), datetime(2026, 10, 9, 11, 0, tzinfo=SHANGHAI), 38)]


@pytest.mark.parametrize(
    ("audiences", "day", "clock", "held", "extra", "expected"),
    [
        pytest.param(UNIT_STAFF, date(2026, 10, 9), "09:00", [], {}, (40, None), id="a unit parks on a workday"),
        pytest.param(UNIT_STAFF, date(2026, 10, 9), "08:30", [], {}, (40, None), id="the units' window opens at 08:30"),
        pytest.param(UNIT_STAFF, date(2026, 10, 9), "08:00", [], {}, (40, "outside_window"), id="not before 08:30"),
        pytest.param(UNIT_STAFF, date(2026, 10, 9), "17:00", [], {}, (40, None), id="the last half hour ends at 17:30"),
        pytest.param(
            UNIT_STAFF, date(2026, 10, 9), "17:30", [], {}, (40, "outside_window"), id="the window closes at 17:30"
        ),
        pytest.param(
            UNIT_STAFF,
            date(2026, 10, 1),
            "09:00",
            [],
            {},
            (40, "outside_window"),
            id="the National Day holiday is no workday for units",
        ),
        pytest.param(
            UNIT_STAFF, date(2026, 10, 10), "09:00", [], {}, (40, None), id="the make-up Saturday is a workday"
        ),
        pytest.param(
            UNIT_STAFF, date(2026, 10, 3), "09:00", [], {}, (40, "outside_window"), id="an ordinary Saturday is not"
        ),
        pytest.param(RESIDENT, date(2026, 10, 1), "09:00", [], {}, (40, None), id="residents park on the holiday too"),
        pytest.param(UNIT_STAFF, date(2026, 10, 15), "09:00", [], {}, (40, "closed"), id="the closure shows closed"),
        pytest.param(
            RESIDENT, date(2026, 10, 14), "23:30", [], {}, (40, None), id="the half hour before the closure is open"
        ),
        pytest.param(
            UNIT_STAFF, date(2026, 10, 9), "10:00", FULL, {}, (0, "capacity_exceeded"), id="a full slot shows free 0"
        ),
        pytest.param(UNIT_STAFF, date(2026, 10, 9), "10:30", FULL, {}, (0, "capacity_exceeded"), id="full to the end"),
        pytest.param(
            UNIT_STAFF, date(2026, 10, 9), "11:00", FULL, {}, (40, None), id="free again when the bookings end"
        ),
        pytest.param(
            UNIT_STAFF, date(2026, 10, 9), "10:00", NEARLY_FULL, {}, (2, None), id="two spaces left are bookable"
        ),
        pytest.param(OUTSIDER, date(2026, 10, 9), "09:00", [], {}, (40, "not_eligible"), id="no window for outsiders"),
        pytest.param(
            UNIT_STAFF,
            date(2026, 10, 9),
            "09:00",
            [],
            {"allowed_to_act": False},
            (40, "forbidden"),
            id="acting for a unit one is not a member of",
        ),
        pytest.param(UNIT_STAFF, date(2026, 9, 28), "09:00", [], {}, (40, "in_past"), id="earlier this morning"),
        pytest.param(UNIT_STAFF, date(2026, 9, 28), "09:30", [], {}, (40, None), id="later this morning"),
        pytest.param(
            RESIDENT, date(2026, 10, 28), "23:30", [], {}, (40, None), id="the last day open is 30 days ahead"
        ),
        pytest.param(
            RESIDENT, date(2026, 10, 29), "00:00", [], {}, (40, "not_yet_released"), id="day 31 opens at midnight"
        ),
        pytest.param(
            RESIDENT, date(2026, 10, 30), "00:00", [], {}, (40, "too_far_ahead"), id="day 32 is beyond the horizon"
        ),
        pytest.param(
            RESIDENT,
            date(2026, 10, 9),
            "09:00",
            [],
            {"week_minutes_used": {date(2026, 10, 5): 1170}},
            (40, None),
            id="the last half hour of a resident's 20 hours",
        ),
        pytest.param(
            RESIDENT,
            date(2026, 10, 9),
            "09:00",
            [],
            {"week_minutes_used": {date(2026, 10, 5): 1200}},
            (40, "quota_exceeded"),
            id="a resident's 20 hours are used up",
        ),
        pytest.param(
            RESIDENT | UNIT_STAFF,
            date(2026, 10, 9),
            "09:00",
            [],
            {"week_minutes_used": {date(2026, 10, 5): 1200}},
            (40, None),
            id="the units' window has no quota and is the more permissive",
        ),
        pytest.param(
            RESIDENT,
            date(2026, 10, 12),
            "09:00",
            [],
            {"week_minutes_used": {date(2026, 10, 5): 1200}},
            (40, None),
            id="a new week a new quota",
        ),
    ],
)
def test_parking_lot_slots(audiences, day, clock, held, extra, expected):
    first, last = date(2026, 9, 28), date(2026, 10, 30)
    kwargs = {"audiences": audiences, **extra}
    slots = availability(PARKING, held, first, last, NOW, **kwargs)
    assert_same(slots, availability_by_checking(PARKING, held, first, last, NOW, **kwargs))
    by_start = {(s.start.astimezone(SHANGHAI).date(), s.start.astimezone(SHANGHAI).strftime("%H:%M")): s for s in slots}
    found = by_start[(day, clock)]
    assert (found.free, found.reason) == expected
    assert found.bookable is (expected[1] is None)
    assert found.capacity == 40


def test_grid_follows_local_midnight_through_berlin_clock_changes():
    rules = ResourceRules(
        2, Policy(book_ahead_days=60), BERLIN, [AccessWindow(Audience.RESIDENTS, Days(DayRule.ALL), 0, 24 * 60)]
    )
    now = datetime(2026, 3, 1, tzinfo=UTC)
    for first, last, hours in [
        (date(2026, 3, 29), date(2026, 3, 29), 23),
        (date(2026, 3, 28), date(2026, 3, 30), 24 + 23 + 24),
        (date(2026, 10, 25), date(2026, 10, 25), 25),
    ]:
        fast = availability(rules, [], first, last, now, audiences=frozenset({Audience.RESIDENTS}))
        assert len(fast) == hours * 2
        assert fast[0].start == datetime.combine(first, time(0), tzinfo=BERLIN)
        assert_same(
            fast, availability_by_checking(rules, [], first, last, now, audiences=frozenset({Audience.RESIDENTS}))
        )


def test_a_policy_check_policy_refuses_falls_back_to_checking_every_slot():
    rules = ResourceRules(
        3, Policy(slot_minutes=50, min_minutes=50, max_minutes=100), SHANGHAI, PARKING.windows, calendar=CALENDAR
    )
    held = [Held(datetime(2026, 10, 9, 9, 0, tzinfo=SHANGHAI), datetime(2026, 10, 9, 11, 0, tzinfo=SHANGHAI), 2)]
    first, last = date(2026, 10, 8), date(2026, 10, 9)
    assert_same(
        availability(rules, held, first, last, NOW, audiences=UNIT_STAFF),
        availability_by_checking(rules, held, first, last, NOW, audiences=UNIT_STAFF),
    )


def test_an_empty_range_has_no_slots():
    assert availability(PARKING, [], date(2026, 10, 2), date(2026, 10, 1), NOW, audiences=RESIDENT) == []
