"""The figures behind the pictures, counted by hand on a small town (on each engine)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.directory.services import area_owner_ids
from app.domain.errors import DomainError
from app.extensions import db
from app.reports.figures import (
    MonthCount,
    Period,
    bookings_per_month,
    hour_boundaries,
    hours_shared_per_unit,
    last_full_months,
    last_full_weeks,
    make_period,
    months_of,
    ratings_distribution,
    spread_over_hours,
    utilisation_by_hour,
)
from tests.factories import make_booking, make_membership, make_resource, make_user
from tests.reports.conftest import WEEK, at

MONDAY, SUNDAY = WEEK.first, WEEK.last


def kinds(owner_ids, period=WEEK):
    return {k.kind: k for k in utilisation_by_hour(owner_ids, period)}


# --- utilisation by kind and hour of the week ---------------------------------------------------------


def test_utilisation_is_booked_unit_minutes_over_capacity_minutes_in_each_hour(town):
    court, hall, resident = town["court"], town["hall"], make_user()
    make_booking(court, resident, at(MONDAY, 9, 30), at(MONDAY, 11), quantity=2)
    make_booking(court, resident, at(MONDAY, 10), at(MONDAY, 10, 30), status="cancelled")
    make_booking(court, resident, at(MONDAY, 12), at(MONDAY, 13), status="pending")
    # From Sunday 23:00 into the next week: only its hour inside the week counts.
    make_booking(hall, resident, at(SUNDAY, 23), at(SUNDAY + timedelta(days=1), 1), quantity=3, status="completed")
    make_booking(town["far_court"], resident, at(MONDAY, 9), at(MONDAY, 10))  # c2's: not in c1's figures
    figures = kinds(area_owner_ids(town["c1"]))
    venues = figures["sports_venue"]
    assert (venues.resources, venues.capacity) == (2, 5)  # the court and the hall of the registered unit
    assert venues.offered[0 * 24 + 9] == 5 * 60  # one Monday 09:00 in the week, five places
    assert venues.share(0, 9) == pytest.approx(60 / 300)  # 30 minutes × 2
    assert venues.share(0, 10) == pytest.approx(120 / 300)
    assert venues.share(6, 23) == pytest.approx(180 / 300)
    booked = {n for n, minutes in enumerate(venues.booked) if minutes}
    assert booked == {9, 10, 6 * 24 + 23}
    rooms = figures["meeting_room"]
    assert (rooms.resources, rooms.capacity, sum(rooms.booked)) == (1, 1, 0)


def test_utilisation_adds_up_every_week_of_the_period(town):
    resident = make_user()
    for week in range(2):
        make_booking(
            town["court"], resident, at(MONDAY + timedelta(weeks=week), 9), at(MONDAY, 10) + timedelta(weeks=week)
        )
    two_weeks = Period(MONDAY, SUNDAY + timedelta(weeks=1))
    court = kinds([town["c1"].id], two_weeks)["sports_venue"]
    assert court.offered[9] == 2 * 2 * 60
    assert court.share(0, 9) == pytest.approx(120 / 240)
    assert court.grid()[9][0] == court.share(0, 9)


def test_a_resource_counts_in_the_hours_of_its_own_zone(town):
    tokyo = make_resource("T-S-01-SV2", town["c1"], kind="sports_venue", capacity=1, timezone="Asia/Tokyo")
    make_booking(
        tokyo, make_user(), at(MONDAY, 9, zone=ZoneInfo("Asia/Tokyo")), at(MONDAY, 10, zone=ZoneInfo("Asia/Tokyo"))
    )
    venues = kinds([town["c1"].id])["sports_venue"]
    assert venues.booked[9] == 60  # 09:00 in Tokyo (08:00 in Shanghai)
    assert venues.offered[9] == 3 * 60


def test_inactive_resources_count_only_when_they_were_booked(town):
    town["room"].active = False
    db.session.commit()
    assert "meeting_room" not in kinds([town["c1"].id])
    make_booking(town["room"], make_user(), at(MONDAY, 9), at(MONDAY, 10))
    rooms = kinds([town["c1"].id])["meeting_room"]
    assert (rooms.capacity, rooms.share(0, 9)) == (1, 1.0)


def test_a_scope_without_resources_has_no_utilisation(city):
    assert utilisation_by_hour([city["c2"].id], WEEK) == []


def test_the_whole_city_counts_every_resource(town):
    make_booking(town["far_court"], make_user(), at(MONDAY, 9), at(MONDAY, 10))
    venues = kinds(None)["sports_venue"]
    assert (venues.resources, venues.capacity, venues.booked[9]) == (3, 6, 60)


def minutes_per_hour(period: Period, zone: ZoneInfo) -> list[int]:
    instants, places = hour_boundaries(period, zone)
    minutes = [0] * 168
    for n, place in enumerate(places):
        minutes[place] += (instants[n + 1] - instants[n]) // 60
    return minutes


def test_hours_of_the_week_follow_the_clock_on_the_days_it_changes():
    berlin = ZoneInfo("Europe/Berlin")
    autumn, spring = date(2026, 10, 25), date(2026, 3, 29)  # Sundays: back at 03:00, forward at 02:00
    minutes = minutes_per_hour(Period(autumn, autumn), berlin)
    assert (minutes[6 * 24 + 2], minutes[6 * 24 + 3], sum(minutes)) == (120, 60, 25 * 60)
    minutes = minutes_per_hour(Period(spring, spring), berlin)
    assert (minutes[6 * 24 + 2], minutes[6 * 24 + 3], sum(minutes)) == (0, 60, 23 * 60)


def test_spread_over_hours_splits_what_is_in_use_across_hour_boundaries():
    instants, places = [0, 3600, 7200, 10800], [0, 1, 2]
    # 2 in use from 00:30 to 02:00, 1 more from 01:00 to 01:15
    seconds = spread_over_hours([(1800, 2), (7200, -2), (3600, 1), (4500, -1)], instants, places)
    assert seconds[:3] == [2 * 1800, 2 * 3600 + 900, 0]


# --- bookings per month ---------------------------------------------------------------------------


def test_bookings_count_in_the_month_they_start_in_their_resources_zone(town):
    court, resident = town["court"], make_user()
    make_booking(court, resident, at(date(2026, 3, 31), 23, 30), at(date(2026, 4, 1), 0, 30))  # March in Shanghai
    make_booking(court, resident, at(date(2026, 4, 1), 0, 30), at(date(2026, 4, 1), 1, 30))  # 31 March in UTC
    make_booking(court, resident, at(date(2026, 4, 10), 9), at(date(2026, 4, 10), 10), status="no_show")
    make_booking(court, resident, at(date(2026, 4, 11), 9), at(date(2026, 4, 11), 10), status="cancelled")
    make_booking(court, resident, at(date(2026, 2, 28), 23), at(date(2026, 3, 1), 1))  # before the period
    make_booking(town["hall"], resident, at(date(2026, 4, 2), 9), at(date(2026, 4, 2), 10))  # the registered unit's
    make_booking(town["far_court"], resident, at(date(2026, 4, 2), 9), at(date(2026, 4, 2), 10))  # c2's
    period = Period(date(2026, 3, 1), date(2026, 4, 30))
    assert bookings_per_month(area_owner_ids(town["c1"]), period) == [
        MonthCount(date(2026, 3, 1), 1),
        MonthCount(date(2026, 4, 1), 3),
    ]
    assert [m.bookings for m in bookings_per_month(None, period)] == [1, 4]
    assert [m.bookings for m in bookings_per_month([town["c2"].id], period)] == [0, 1]


def test_the_first_and_last_months_count_only_the_periods_own_days(town):
    resident = make_user()
    for day in (date(2026, 3, 9), date(2026, 3, 20), date(2026, 5, 5), date(2026, 5, 25)):
        make_booking(town["court"], resident, at(day, 9), at(day, 10))
    period = Period(date(2026, 3, 15), date(2026, 5, 10))
    assert [(m.month, m.bookings) for m in bookings_per_month([town["c1"].id], period)] == [
        (date(2026, 3, 1), 1),
        (date(2026, 4, 1), 0),
        (date(2026, 5, 1), 1),
    ]


# --- hours shared per unit ------------------------------------------------------------------------------


def test_a_units_hours_shared_are_the_bookings_of_its_resources_by_others(town):
    hall, staff = town["hall"], town["staff"]
    resident, outsider = make_user(), make_user()
    make_booking(hall, resident, at(MONDAY, 9), at(MONDAY, 10, 30), quantity=2)  # 3 unit-hours
    make_booking(hall, outsider, at(MONDAY, 14), at(MONDAY, 15), on_behalf_of=town["other_unit"])  # 1
    make_booking(hall, staff, at(MONDAY, 16), at(MONDAY, 17))  # the unit's own people: not shared
    make_booking(hall, staff, at(MONDAY, 18), at(MONDAY, 19), on_behalf_of=town["unit"])  # for the unit itself
    make_booking(hall, resident, at(MONDAY, 20), at(MONDAY, 21), status="cancelled")
    make_booking(hall, resident, at(SUNDAY + timedelta(days=1), 9), at(SUNDAY + timedelta(days=1), 10))  # after
    make_booking(town["court"], resident, at(MONDAY, 9), at(MONDAY, 10))  # a community's: not a unit
    [unit] = hours_shared_per_unit(area_owner_ids(town["c1"]), WEEK)
    assert (unit.code, unit.name, unit.bookings, unit.hours) == ("U-T", "测试中学", 2, 4.0)


def test_every_unit_with_resources_is_listed_most_hours_first(town):
    other_hall = make_resource("U-N-SV1", town["other_unit"], kind="sports_venue", capacity=1)
    make_booking(other_hall, make_user(), at(MONDAY, 9), at(MONDAY, 9, 30))
    units = hours_shared_per_unit(None, WEEK)
    assert [(u.code, u.bookings, u.hours) for u in units] == [("U-N", 1, 0.5), ("U-T", 0, 0.0)]
    assert hours_shared_per_unit([town["c2"].id], WEEK) == []


# --- remembered figures -----------------------------------------------------------------------------------


def test_a_new_booking_is_in_the_figures_asked_for_again(town):
    owners = [town["c1"].id]
    assert kinds(owners)["sports_venue"].booked[9] == 0
    assert [m.bookings for m in bookings_per_month(owners, WEEK)] == [0]
    make_booking(town["court"], make_user(), at(MONDAY, 9), at(MONDAY, 10))
    assert kinds(owners)["sports_venue"].booked[9] == 120 / 2  # 60 minutes, 1 place
    assert [m.bookings for m in bookings_per_month(owners, WEEK)] == [1]


def test_a_changed_booking_is_in_the_figures_asked_for_again(town):
    booking = make_booking(town["court"], make_user(), at(MONDAY, 9), at(MONDAY, 10))
    assert [m.bookings for m in bookings_per_month([town["c1"].id], WEEK)] == [1]
    booking.status = "cancelled"
    db.session.commit()
    assert [m.bookings for m in bookings_per_month([town["c1"].id], WEEK)] == [0]


# --- ratings -------------------------------------------------------------------------------------------


def test_ratings_have_every_score_and_nothing_while_the_ratings_answer_nothing():
    assert ratings_distribution({5: 3, 2: 1}) == {1: 0, 2: 1, 3: 0, 4: 0, 5: 3}
    assert ratings_distribution(None) is None


# --- periods ---------------------------------------------------------------------------------------------


def test_the_default_periods_are_whole_weeks_and_whole_months_before_today():
    today = date(2026, 12, 2)  # a Wednesday
    assert last_full_weeks(today) == Period(date(2026, 9, 7), date(2026, 11, 29))
    assert last_full_months(today) == Period(date(2025, 12, 1), date(2026, 11, 30))
    assert last_full_months(date(2026, 1, 1), 1) == Period(date(2025, 12, 1), date(2025, 12, 31))
    assert months_of(Period(date(2025, 12, 15), date(2026, 2, 1))) == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("first", "last", "code", "field", "reason"),
    [
        (date(2026, 1, 1), None, "period_incomplete", "last", "a first day without a last"),
        (None, date(2026, 1, 1), "period_incomplete", "first", "a last day without a first"),
        (date(2026, 3, 2), date(2026, 3, 1), "last_before_first", "last", "the last day before the first"),
        (date(2025, 1, 1), date(2026, 1, 2), "period_too_long", "last", "367 days"),
        (date(1999, 12, 31), date(2000, 1, 2), "out_of_range", "first", "before the reports begin"),
        (date(2031, 12, 31), date(2032, 1, 2), "out_of_range", "first", "years ahead"),
    ],
)
def test_a_period_is_refused_with_a_reason(first, last, code, field, reason):
    with pytest.raises(DomainError) as refused:
        make_period(first, last, today=TODAY)
    assert (refused.value.code, refused.value.field) == (code, field), reason


def test_a_period_of_one_day_or_of_366_days_is_accepted():
    assert make_period(TODAY, TODAY, today=TODAY) == Period(TODAY, TODAY)
    assert make_period(date(2024, 1, 1), date(2024, 12, 31), today=TODAY).days == 366
    assert make_period(None, None, today=TODAY) is None


def test_someone_who_joins_the_unit_no_longer_counts_as_others(town):
    resident = make_user()
    make_booking(town["hall"], resident, at(MONDAY, 9), at(MONDAY, 10))
    assert [(u.code, u.bookings) for u in hours_shared_per_unit([town["unit"].id], WEEK)] == [("U-T", 1)]
    make_membership(resident, town["unit"])
    assert [(u.code, u.bookings) for u in hours_shared_per_unit([town["unit"].id], WEEK)] == [("U-T", 0)]
