"""Recurring series: which days a rule gives, which rules are refused, and deciding a series as a whole."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest

from app.domain.errors import DomainError
from app.domain.recurrence import MAX_OCCURRENCES, decide_series, every_workday, occurrences, parse_rrule
from app.domain.resources import Policy
from app.domain.rules import Held, Request
from app.domain.windows import Audience
from tests.domain.test_rules import CALENDAR, PARKING, SHANGHAI, UNIT_STAFF

RESIDENT = frozenset({Audience.PUBLIC, Audience.RESIDENTS})


def at(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=SHANGHAI)


def days_of(rule, first: date, calendar=CALENDAR, start="08:30", end="17:30"):
    return [i.start.date() for i in occurrences(rule, at(first, start), at(first, end), SHANGHAI, calendar)]


def test_weekly_rule_with_byday_gives_those_weekdays_until_the_date_inclusive():
    rule = parse_rrule("FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20261012")
    assert days_of(rule, date(2026, 9, 28)) == [
        date(2026, 9, 28),
        date(2026, 9, 30),
        date(2026, 10, 5),
        date(2026, 10, 7),
        date(2026, 10, 12),
    ]


def test_each_occurrence_keeps_the_local_times_of_the_first():
    rule = parse_rrule("RRULE:FREQ=DAILY;COUNT=3")
    spans = occurrences(rule, at(date(2026, 9, 28), "18:00"), at(date(2026, 9, 28), "19:30"), SHANGHAI, {})
    assert [(s.start, s.end) for s in spans] == [
        (at(date(2026, 9, 28 + n), "18:00"), at(date(2026, 9, 28 + n), "19:30")) for n in range(3)
    ]


def test_until_in_utc_is_honoured_to_the_instant():
    # 2026-09-30 10:00 UTC is 18:00 in Shanghai: the occurrence at 08:30 that day is included.
    rule = parse_rrule("FREQ=DAILY;UNTIL=20260930T100000Z")
    assert days_of(rule, date(2026, 9, 28))[-1] == date(2026, 9, 30)


def test_every_working_day_skips_the_holiday_and_keeps_the_make_up_saturday():
    days = days_of(every_workday(until=date(2026, 10, 12)), date(2026, 9, 28))
    assert date(2026, 10, 1) not in days  # National Day
    assert date(2026, 10, 3) not in days  # an ordinary Saturday
    assert date(2026, 10, 10) in days  # the make-up workday (调休)
    assert days == [
        date(2026, 9, 28),
        date(2026, 9, 29),
        date(2026, 9, 30),
        date(2026, 10, 2),
        date(2026, 10, 5),
        date(2026, 10, 6),
        date(2026, 10, 7),
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),
        date(2026, 10, 12),
    ]


def test_every_working_day_by_count_stops_after_that_many_workdays():
    assert len(days_of(every_workday(count=5), date(2026, 9, 28))) == 5


@pytest.mark.parametrize(
    ("text", "code", "why"),
    [
        ("FREQ=WEEKLY;BYDAY=MO", "invalid_recurrence", "unbounded: neither COUNT nor UNTIL"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20261231", "invalid_recurrence", "both COUNT and UNTIL"),
        ("FREQ=MONTHLY;COUNT=3", "invalid_recurrence", "only daily and weekly series"),
        ("FREQ=DAILY;COUNT=3;BYHOUR=9", "invalid_recurrence", "a part a booking series does not use"),
        ("FREQ=WEEKLY;BYDAY=XX;COUNT=2", "invalid_recurrence", "an unknown weekday"),
        ("FREQ=DAILY;COUNT=zero", "invalid_recurrence", "COUNT is not a number"),
        ("FREQ=DAILY;UNTIL=2026-12-31", "invalid_recurrence", "UNTIL not in RFC 5545 form"),
        ("FREQ=DAILY;COUNT=367", "too_many_occurrences", f"more than {MAX_OCCURRENCES}"),
        ("", "invalid_recurrence", "empty"),
    ],
)
def test_rules_a_series_cannot_use_are_refused_with_a_code(text, code, why):
    with pytest.raises(DomainError) as refused:
        parse_rrule(text)
    assert refused.value.code == code, why


def test_a_daily_rule_reaching_past_366_occurrences_is_refused_when_expanded():
    rule = parse_rrule("FREQ=DAILY;UNTIL=20280101")
    with pytest.raises(DomainError, match="too_many_occurrences"):
        days_of(rule, date(2026, 9, 28))


def test_every_workday_needs_exactly_one_bound():
    with pytest.raises(DomainError):
        every_workday()
    with pytest.raises(DomainError):
        every_workday(until=date(2026, 10, 1), count=3)


NOW = datetime(2026, 9, 27, 9, 0, tzinfo=SHANGHAI)
UNITS = Request(at(date(2026, 9, 28), "08:30"), at(date(2026, 9, 28), "17:30"), 3, UNIT_STAFF, quota_key="unit:1")


def test_a_full_day_in_the_series_is_refused_for_capacity_and_the_rest_allowed():
    spans = occurrences(every_workday(count=3), UNITS.start, UNITS.end, SHANGHAI, CALENDAR)
    full = Held(at(date(2026, 9, 29), "09:00"), at(date(2026, 9, 29), "10:00"), 38)
    decisions = decide_series(spans, UNITS, PARKING, [full], NOW, {})
    assert [d.code for d in decisions] == [None, "capacity_exceeded", None]


def test_occurrences_of_one_series_hold_capacity_against_each_other():
    # Two-day bookings on consecutive days overlap each other: the second finds the first holding.
    open_all_day = replace(PARKING.windows[1], max_minutes_per_week=None)
    rules = replace(PARKING, capacity=3, policy=replace(PARKING.policy, max_minutes=2880), windows=[open_all_day])
    start = at(date(2026, 9, 28), "00:00")
    resident = Request(start, start + timedelta(days=2), 1, RESIDENT)
    spans = occurrences(parse_rrule("FREQ=DAILY;COUNT=2"), resident.start, resident.end, SHANGHAI, {})
    held = [Held(start, start + timedelta(days=4), 2)]
    decisions = decide_series(spans, resident, rules, held, NOW, {})
    assert [d.code for d in decisions] == [None, "capacity_exceeded"]


def test_the_weeks_quota_counts_the_earlier_occurrences_of_the_series():
    # Residents: 20 hours a week on the lot; a series of daily 8-hour bookings fits twice a week.
    policy = Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=30)
    rules = replace(PARKING, policy=policy)
    start = at(date(2026, 9, 28), "09:00")
    resident = Request(start, start + timedelta(hours=8), 1, RESIDENT, quota_key="user:1")
    spans = occurrences(parse_rrule("FREQ=DAILY;COUNT=4"), resident.start, resident.end, SHANGHAI, {})
    decisions = decide_series(spans, resident, rules, [], NOW, {})
    assert [d.code for d in decisions] == [None, None, "quota_exceeded", "quota_exceeded"]
