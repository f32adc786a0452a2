"""The booking decision, table-driven: each row a case from the article or API.md, with its reason."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain.intervals import Interval
from app.domain.resources import Policy
from app.domain.rules import Held, Request, ResourceRules, availability, check_booking, last_bookable_day
from app.domain.windows import AccessWindow, Audience, parse_clock, parse_days
from app.domain.workdays import DayEntry, DaySource

SHANGHAI = ZoneInfo("Asia/Shanghai")
RESIDENTS = frozenset({Audience.PUBLIC, Audience.RESIDENTS})
UNIT_STAFF = frozenset({Audience.PUBLIC, Audience.REGISTERED_UNITS})
OUTSIDER = frozenset({Audience.PUBLIC})

# 2026-10-01 (Thu) is National Day; 2026-10-10 (Sat) its make-up workday (FACTS.md).
CALENDAR = {
    date(2026, 10, 1): DayEntry(date(2026, 10, 1), False, "国庆节", DaySource.PACKAGE),
    date(2026, 10, 10): DayEntry(date(2026, 10, 10), True, "国庆节调休", DaySource.PACKAGE),
}


def window(audience: Audience, days: object, start: str, end: str, **extra: object) -> AccessWindow:
    return AccessWindow(
        audience, parse_days(days), parse_clock(start, field="start"), parse_clock(end, field="end"), **extra
    )


# The article's parking lot: free to registered units on workdays 08:30–17:30 (up to 5 spaces);
# residents any time, one space, 20 hours a week.
PARKING = ResourceRules(
    capacity=40,
    policy=Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=30, release_time=time(0, 0)),
    zone=SHANGHAI,
    windows=[
        window(Audience.REGISTERED_UNITS, "workday", "08:30", "17:30", max_quantity=5),
        window(Audience.RESIDENTS, "all", "00:00", "24:00", max_quantity=1, max_minutes_per_week=1200),
    ],
    closures=[Interval(datetime(2026, 10, 15, tzinfo=SHANGHAI), datetime(2026, 10, 16, tzinfo=SHANGHAI))],
    calendar=CALENDAR,
)
# The article's school stadium: residents on workdays 18:00–21:30 and rest days 08:00–21:30.
STADIUM = ResourceRules(
    capacity=4,
    policy=Policy(slot_minutes=60, min_minutes=60, max_minutes=120, book_ahead_days=7, release_time=time(8, 0)),
    zone=SHANGHAI,
    windows=[
        window(Audience.RESIDENTS, "workday", "18:00", "21:30"),
        window(Audience.RESIDENTS, "restday", "08:00", "21:30"),
    ],
    calendar=CALENDAR,
)
NOW = datetime(2026, 9, 28, 9, 0, tzinfo=SHANGHAI)  # a Monday morning


def at(day: int, clock: str, month: int = 10) -> datetime:
    hours, minutes = map(int, clock.split(":"))
    return datetime(2026, month, day, hours, minutes, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("rules", "audiences", "start", "end", "quantity", "expected"),
    [
        pytest.param(
            PARKING, UNIT_STAFF, at(9, "08:30"), at(9, "17:30"), 3, None, id="unit books 3 spaces on a workday"
        ),
        pytest.param(
            PARKING,
            UNIT_STAFF,
            at(1, "09:00"),
            at(1, "10:00"),
            1,
            "outside_window",
            id="unit cannot park on the National Day holiday",
        ),
        pytest.param(
            PARKING, UNIT_STAFF, at(10, "09:00"), at(10, "10:00"), 1, None, id="unit may park on the make-up Saturday"
        ),
        pytest.param(
            PARKING,
            UNIT_STAFF,
            at(3, "09:00"),
            at(3, "10:00"),
            1,
            "outside_window",
            id="unit cannot park on an ordinary Saturday",
        ),
        pytest.param(
            PARKING,
            UNIT_STAFF,
            at(9, "08:00"),
            at(9, "09:00"),
            1,
            "outside_window",
            id="unit cannot start before 08:30",
        ),
        pytest.param(
            PARKING,
            UNIT_STAFF,
            at(9, "09:00"),
            at(9, "10:00"),
            6,
            "quantity_exceeded",
            id="more than the window's 5 spaces",
        ),
        pytest.param(
            PARKING, RESIDENTS, at(3, "20:00"), at(4, "06:00"), 1, None, id="a resident parks overnight across midnight"
        ),
        pytest.param(
            PARKING, RESIDENTS, at(9, "09:00"), at(9, "10:00"), 2, "quantity_exceeded", id="a resident gets one space"
        ),
        pytest.param(
            PARKING, OUTSIDER, at(9, "09:00"), at(9, "10:00"), 1, "not_eligible", id="no window is open to outsiders"
        ),
        pytest.param(PARKING, UNIT_STAFF, at(15, "09:00"), at(15, "10:00"), 1, "closed", id="the lot is closed"),
        pytest.param(PARKING, UNIT_STAFF, at(9, "09:15"), at(9, "10:15"), 1, "misaligned", id="off the 30-minute grid"),
        pytest.param(PARKING, UNIT_STAFF, at(9, "09:00"), at(9, "09:00"), 1, "invalid_time", id="empty interval"),
        pytest.param(PARKING, UNIT_STAFF, at(9, "10:00"), at(9, "09:00"), 1, "invalid_time", id="end before start"),
        pytest.param(PARKING, UNIT_STAFF, at(27, "09:00", 9), at(27, "10:00", 9), 1, "in_past", id="yesterday"),
        pytest.param(
            PARKING,
            UNIT_STAFF,
            at(29, "09:00"),
            at(29, "10:00"),
            1,
            "not_yet_released",
            id="day 31 opens at midnight tonight",
        ),
        pytest.param(
            PARKING, UNIT_STAFF, at(30, "09:00"), at(30, "10:00"), 1, "too_far_ahead", id="day 32 is beyond the horizon"
        ),
        pytest.param(PARKING, RESIDENTS, at(9, "00:00"), at(9, "10:30"), 1, "too_long", id="over 600 minutes"),
        pytest.param(
            STADIUM, RESIDENTS, at(2, "18:00"), at(2, "19:00"), 1, None, id="resident plays on a workday evening"
        ),
        pytest.param(STADIUM, RESIDENTS, at(2, "17:00"), at(2, "18:00"), 1, "outside_window", id="not in school hours"),
        pytest.param(STADIUM, RESIDENTS, at(3, "08:00"), at(3, "10:00"), 1, None, id="Saturday morning"),
        pytest.param(STADIUM, RESIDENTS, at(1, "09:00"), at(1, "10:00"), 1, None, id="the holiday is a rest day"),
        pytest.param(
            STADIUM,
            RESIDENTS,
            at(6, "18:00"),
            at(6, "19:00"),
            1,
            "not_yet_released",
            id="the stadium releases day 7 ahead at 08:00 tomorrow",
        ),
        pytest.param(STADIUM, RESIDENTS, at(2, "21:00"), at(2, "22:00"), 1, "outside_window", id="past 21:30"),
        pytest.param(STADIUM, RESIDENTS, at(3, "08:00"), at(3, "08:30"), 1, "too_short", id="half an hour"),
        pytest.param(STADIUM, RESIDENTS, at(3, "08:30"), at(3, "09:30"), 1, "misaligned", id="off the hour grid"),
        pytest.param(STADIUM, RESIDENTS, at(3, "08:00"), at(3, "11:00"), 1, "too_long", id="three hours"),
    ],
)
def test_booking_decisions(rules, audiences, start, end, quantity, expected):
    assert check_booking(Request(start, end, quantity, audiences), rules, [], NOW).code == expected


def test_capacity_counts_every_overlapping_booking_and_touching_ones_do_not_overlap():
    held = [Held(at(9, "09:00"), at(9, "11:00"), 38), Held(at(9, "11:00"), at(9, "12:00"), 40)]
    request = Request(at(9, "10:00"), at(9, "11:00"), 2, UNIT_STAFF)
    assert check_booking(request, PARKING, held, NOW).code is None
    too_many = Request(at(9, "10:00"), at(9, "11:00"), 3, UNIT_STAFF)
    assert check_booking(too_many, PARKING, held, NOW).code == "capacity_exceeded"
    touching_the_full_hour = Request(at(9, "10:30"), at(9, "11:30"), 1, UNIT_STAFF)
    assert check_booking(touching_the_full_hour, PARKING, held, NOW).code == "capacity_exceeded"


def test_buffer_keeps_a_gap_after_each_booking():
    rules = ResourceRules(1, Policy(buffer_minutes=30, book_ahead_days=30), SHANGHAI, PARKING.windows[1:])
    held = [Held(at(9, "09:00"), at(9, "10:00"), 1)]
    assert check_booking(Request(at(9, "10:00"), at(9, "11:00"), 1, RESIDENTS), rules, held, NOW).code == (
        "capacity_exceeded"
    )
    assert check_booking(Request(at(9, "10:30"), at(9, "11:30"), 1, RESIDENTS), rules, held, NOW).code is None


def test_weekly_quota_counts_what_the_booker_already_holds_that_week():
    monday = date(2026, 10, 5)
    request = Request(at(9, "08:00"), at(9, "12:00"), 1, RESIDENTS)  # 240 minutes on Friday
    assert check_booking(request, PARKING, [], NOW, week_minutes_used={monday: 960}).code is None
    assert check_booking(request, PARKING, [], NOW, week_minutes_used={monday: 990}).code == "quota_exceeded"


def test_acting_for_an_organisation_one_does_not_belong_to_is_forbidden_first():
    request = Request(at(27, "09:00", 9), at(27, "10:00", 9), 1, UNIT_STAFF, allowed_to_act=False)
    assert check_booking(request, PARKING, [], NOW).code == "forbidden"


def test_the_horizon_moves_at_the_release_time():
    before = datetime(2026, 9, 28, 7, 59, tzinfo=SHANGHAI)
    after = datetime(2026, 9, 28, 8, 0, tzinfo=SHANGHAI)
    assert last_bookable_day(STADIUM.policy, SHANGHAI, before) == date(2026, 10, 4)
    assert last_bookable_day(STADIUM.policy, SHANGHAI, after) == date(2026, 10, 5)


def test_a_resource_in_another_zone_expands_its_windows_in_that_zone():
    zone = ZoneInfo("Europe/Berlin")  # changes clocks on 2026-10-25
    rules = ResourceRules(1, Policy(book_ahead_days=60), zone, [window(Audience.RESIDENTS, "all", "08:00", "09:00")])
    now = datetime(2026, 10, 1, tzinfo=UTC)
    for day in (24, 26):  # before and after the change, 08:00 local either way
        start = datetime(2026, 10, day, 8, 0, tzinfo=zone)
        request = Request(start, start + timedelta(hours=1), 1, RESIDENTS)
        assert check_booking(request, rules, [], now).code is None


def test_availability_grid_says_free_counts_and_reasons():
    held = [Held(at(2, "18:00"), at(2, "20:00"), 4)]
    slots = availability(STADIUM, held, date(2026, 10, 2), date(2026, 10, 2), NOW, audiences=RESIDENTS)
    by_hour = {s.start.astimezone(SHANGHAI).strftime("%H:%M"): s for s in slots}
    assert len(slots) == 24
    assert (by_hour["18:00"].free, by_hour["18:00"].bookable, by_hour["18:00"].reason) == (
        0,
        False,
        "capacity_exceeded",
    )
    assert (by_hour["20:00"].free, by_hour["20:00"].bookable) == (4, True)
    assert by_hour["12:00"].reason == "outside_window"
    assert by_hour["21:00"].reason == "outside_window"  # one hour would end at 22:00
