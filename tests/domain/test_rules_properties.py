"""Property tests: the engine agrees with a minute-by-minute brute-force oracle on random cases."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.intervals import Interval
from app.domain.resources import Policy
from app.domain.rules import Held, Request, ResourceRules, availability, check_booking
from app.domain.windows import AccessWindow, Audience, DayRule, Days
from app.domain.workdays import DayEntry, DaySource

ZONE = ZoneInfo("Asia/Shanghai")
FIRST_DAY = date(2026, 10, 1)
DAYS = 2
ORIGIN = datetime(2026, 10, 1, tzinfo=ZONE)
NOW = datetime(2026, 9, 1, tzinfo=ZONE)
POLICY = Policy(slot_minutes=30, min_minutes=30, max_minutes=DAYS * 1440, book_ahead_days=366)
AUDIENCES = [Audience.RESIDENTS, Audience.REGISTERED_UNITS, Audience.PARTY_MEMBERS]
HALF_HOURS = DAYS * 48


def moment(half_hours: int) -> datetime:
    return ORIGIN + timedelta(minutes=30 * half_hours)


days_st = st.one_of(
    st.sampled_from([Days(DayRule.ALL), Days(DayRule.WORKDAY), Days(DayRule.RESTDAY)]),
    st.frozensets(st.integers(0, 6), min_size=1).map(lambda wd: Days(DayRule.WEEKDAYS, wd)),
)


@st.composite
def windows_st(draw: st.DrawFn) -> AccessWindow:
    start = draw(st.integers(0, 47))
    end = draw(st.integers(start + 1, 48))
    return AccessWindow(draw(st.sampled_from(AUDIENCES)), draw(days_st), start * 30, end * 30)


@st.composite
def spans_st(draw: st.DrawFn, max_length: int = HALF_HOURS) -> tuple[int, int]:
    start = draw(st.integers(0, HALF_HOURS - 1))
    end = draw(st.integers(start + 1, min(HALF_HOURS, start + max_length)))
    return start, end


@st.composite
def cases(draw: st.DrawFn) -> tuple[ResourceRules, list[Held], Request]:
    calendar = {
        day: DayEntry(day, workday, "", DaySource.MANUAL)
        for day, workday in draw(
            st.dictionaries(st.sampled_from([FIRST_DAY + timedelta(d) for d in range(-1, DAYS)]), st.booleans())
        ).items()
    }
    capacity = draw(st.integers(1, 4))
    closures = [Interval(moment(a), moment(b)) for a, b in draw(st.lists(spans_st(12), max_size=2))]
    rules = ResourceRules(capacity, POLICY, ZONE, draw(st.lists(windows_st(), max_size=4)), closures, calendar)
    held = [
        Held(moment(a), moment(b), draw(st.integers(1, capacity))) for a, b in draw(st.lists(spans_st(16), max_size=5))
    ]
    start, end = draw(spans_st(96))
    audiences = frozenset(draw(st.sets(st.sampled_from(AUDIENCES))))
    return rules, held, Request(moment(start), moment(end), draw(st.integers(1, 5)), audiences)


def oracle(rules: ResourceRules, held: list[Held], request: Request) -> str | None:
    """Minute by minute, in local wall-clock time, with no intervals and no expansion."""
    admitting = [w for w in rules.windows if w.audience in request.audiences]
    if not admitting:
        return "not_eligible"
    minutes = [
        request.start + timedelta(minutes=m) for m in range(int((request.end - request.start).total_seconds() // 60))
    ]
    if any(c.start <= t < c.end for t in minutes for c in rules.closures):
        return "closed"
    for t in minutes:
        local = t.astimezone(ZONE)
        of_day = local.hour * 60 + local.minute
        if not any(w.days.matches(local.date(), rules.calendar) and w.start <= of_day < w.end for w in admitting):
            return "outside_window"
    if request.quantity > rules.capacity:
        return "quantity_exceeded"
    for t in minutes:
        if sum(h.quantity for h in held if h.start <= t < h.end) + request.quantity > rules.capacity:
            return "capacity_exceeded"
    return None


@settings(max_examples=300, deadline=None)
@given(cases())
def test_engine_agrees_with_the_minute_by_minute_oracle(case):
    rules, held, request = case
    assert check_booking(request, rules, held, NOW).code == oracle(rules, held, request)


@settings(max_examples=100, deadline=None)
@given(cases())
def test_a_bookable_slot_is_never_outside_the_windows_inside_a_closure_or_beyond_capacity(case):
    rules, held, request = case
    slots = availability(rules, held, FIRST_DAY, FIRST_DAY + timedelta(days=1), NOW, audiences=request.audiences)
    for slot in slots:
        probe = Request(slot.start, slot.end, 1, request.audiences)
        if slot.bookable:
            assert oracle(rules, held, probe) is None
            assert slot.free >= 1
        assert 0 <= slot.free <= rules.capacity
