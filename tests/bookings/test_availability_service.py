"""Availability for people: a resource's slots for a requester, what is free for them between two
times, and what is open to them now — the article's parking lot on both engines."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.access.services import requester_for, rules_for
from app.bookings.availability import (
    CellStatus,
    get_availability,
    get_week,
    list_bookable,
    list_open_to,
    list_published_rules,
    next_open_day,
    rules_of,
)
from app.bookings.services import (
    list_candidates,
    list_holding,
    list_holding_and_quota,
    week_minutes_used,
    week_minutes_used_many,
)
from app.domain.resources import Policy
from app.domain.rules import Slot
from app.extensions import db
from app.workdays.models import CalendarDay
from tests.factories import (
    make_article_parking,
    make_booking,
    make_city,
    make_closure,
    make_resource,
    make_user,
    make_window,
)
from tests.when import SHANGHAI, at, count_statements

# Monday 28 December 2026, 08:00 in Guangyuan; New Year's Day 2027 is a Friday.
NOW = datetime(2026, 12, 28, 8, 0, tzinfo=SHANGHAI)
WORKING_DAY = date(2026, 12, 31)
NEW_YEAR = date(2027, 1, 1)
POLICY = Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=60)


def slot_at(slots: list[Slot], day: date, clock: str) -> Slot:
    return next(s for s in slots if s.start == at(day, clock))


@pytest.fixture
def city(app):
    city = make_city()
    db.session.add(CalendarDay(day=NEW_YEAR, workday=False, name="元旦", source="manual"))
    db.session.commit()
    return city


@pytest.fixture
def parking(city):
    """The article's community parking lot: free for registered units in working hours."""
    return make_article_parking(city["c1"], POLICY)


def test_registered_unit_staff_see_bookable_slots_on_a_working_day(parking, staff, city):
    requester = requester_for(staff, acting_for=city["unit"])
    slots = get_availability(parking, requester, WORKING_DAY, WORKING_DAY, NOW)
    assert len(slots) == 48
    opening = slot_at(slots, WORKING_DAY, "08:30")
    assert (opening.bookable, opening.free, opening.capacity, opening.reason) == (True, 40, 40, None)
    assert slot_at(slots, WORKING_DAY, "17:00").bookable
    assert slot_at(slots, WORKING_DAY, "08:00").reason == "outside_window"
    assert slot_at(slots, WORKING_DAY, "17:30").reason == "outside_window"


def test_unit_cannot_book_parking_on_a_public_holiday(parking, staff, city):
    requester = requester_for(staff, acting_for=city["unit"])
    slots = get_availability(parking, requester, NEW_YEAR, NEW_YEAR, NOW)
    assert not any(s.bookable for s in slots)
    assert slot_at(slots, NEW_YEAR, "09:00").reason == "outside_window"


def test_a_resident_is_not_eligible_for_the_units_parking(parking, resident):
    slots = get_availability(parking, requester_for(resident), WORKING_DAY, WORKING_DAY, NOW)
    assert {s.reason for s in slots} == {"not_eligible"}
    assert slot_at(slots, WORKING_DAY, "09:00").free == 40


def test_staff_booking_for_themselves_are_not_a_registered_unit(parking, staff):
    slots = get_availability(parking, requester_for(staff), WORKING_DAY, WORKING_DAY, NOW)
    assert slot_at(slots, WORKING_DAY, "09:00").reason == "not_eligible"


def test_acting_for_a_unit_one_is_not_a_member_of_is_forbidden(parking, resident, city):
    slots = get_availability(parking, requester_for(resident, acting_for=city["unit"]), WORKING_DAY, WORKING_DAY, NOW)
    assert {s.reason for s in slots} == {"forbidden"}


def test_a_full_lot_has_nothing_free_and_refuses_for_capacity(parking, staff, city):
    other = make_user()
    make_booking(parking, other, at(WORKING_DAY, "09:00"), at(WORKING_DAY, "10:00"), quantity=40)
    make_booking(parking, other, at(WORKING_DAY, "10:00"), at(WORKING_DAY, "11:00"), quantity=30)
    make_booking(parking, other, at(WORKING_DAY, "11:00"), at(WORKING_DAY, "12:00"), quantity=40, status="cancelled")
    slots = get_availability(parking, requester_for(staff, acting_for=city["unit"]), WORKING_DAY, WORKING_DAY, NOW)
    full = slot_at(slots, WORKING_DAY, "09:30")
    assert (full.free, full.bookable, full.reason) == (0, False, "capacity_exceeded")
    partly = slot_at(slots, WORKING_DAY, "10:00")
    assert (partly.free, partly.bookable) == (10, True)
    assert slot_at(slots, WORKING_DAY, "11:00").free == 40, "a cancelled booking holds nothing"


def test_a_closure_closes_its_slots(parking, staff, city):
    make_closure(at(WORKING_DAY, "12:00"), at(WORKING_DAY, "14:00"), reason="路面维修", resource=parking)
    slots = get_availability(parking, requester_for(staff, acting_for=city["unit"]), WORKING_DAY, WORKING_DAY, NOW)
    assert slot_at(slots, WORKING_DAY, "12:00").reason == "closed"
    assert slot_at(slots, WORKING_DAY, "13:30").reason == "closed"
    assert slot_at(slots, WORKING_DAY, "11:30").bookable and slot_at(slots, WORKING_DAY, "14:00").bookable


def test_the_owners_closure_closes_the_lot_too(parking, staff, city):
    make_closure(at(WORKING_DAY, "00:00"), at(WORKING_DAY + timedelta(days=1), "00:00"), organisation=city["c1"])
    slots = get_availability(parking, requester_for(staff, acting_for=city["unit"]), WORKING_DAY, WORKING_DAY, NOW)
    assert slot_at(slots, WORKING_DAY, "09:00").reason == "closed"


def test_a_used_weekly_quota_refuses_further_slots(city, resident):
    court = make_resource("T-S-01-C1", city["c1"], capacity=2, policy=POLICY)
    make_window(court, audience="residents", max_minutes_per_week=60)
    make_booking(court, resident, at(WORKING_DAY, "09:00"), at(WORKING_DAY, "10:00"))
    slots = get_availability(court, requester_for(resident), WORKING_DAY, WORKING_DAY, NOW)
    assert slot_at(slots, WORKING_DAY, "15:00").reason == "quota_exceeded"
    # The next week starts afresh.
    next_monday = date(2027, 1, 4)
    assert slot_at(
        get_availability(court, requester_for(resident), next_monday, next_monday, NOW), next_monday, "15:00"
    ).bookable


def test_anonymous_visitors_book_nothing_but_see_what_is_free(parking):
    slots = get_availability(parking, requester_for(None), WORKING_DAY, WORKING_DAY, NOW)
    assert not any(s.bookable for s in slots) and slot_at(slots, WORKING_DAY, "09:00").free == 40


# --- the week as people read it --------------------------------------------------


def test_the_week_shows_only_the_hours_a_window_opens_and_whole_days_compactly(parking, staff, city):
    make_closure(at(WORKING_DAY, "00:00"), at(WORKING_DAY, "23:00"), reason="路面维修", resource=parking)
    week = get_week(parking, requester_for(staff, acting_for=city["unit"]), date(2026, 12, 28), 7, NOW)
    monday, _, _, thursday, friday, saturday, _ = week.columns
    assert [c.start.strftime("%H:%M") for c in monday.cells][:2] == ["08:30", "09:00"]
    assert len(monday.cells) == 18 and monday.cells[-1].end.strftime("%H:%M") == "17:30"
    assert {c.status for c in monday.cells} == {CellStatus.FREE}
    assert thursday.whole is CellStatus.CLOSED and thursday.cells[0].notes == ("路面维修",)
    assert friday.whole is CellStatus.NOT_OPEN and friday.name == "元旦" and not friday.workday
    assert saturday.whole is CellStatus.NOT_OPEN


def test_the_week_tells_a_resident_the_lot_is_not_for_them(parking, resident):
    week = get_week(parking, requester_for(resident), date(2026, 12, 28), 7, NOW)
    cell = week.columns[1].cells[0]
    assert (cell.status, cell.reason) == (CellStatus.UNAVAILABLE, "not_eligible")


def test_earlier_slots_of_today_are_one_past_run(parking, staff, city):
    week = get_week(
        parking, requester_for(staff, acting_for=city["unit"]), date(2026, 12, 28), 1, NOW + timedelta(hours=3)
    )
    first, second = week.columns[0].cells[:2]
    assert first.status is CellStatus.PAST and (first.start.hour, first.end.hour) == (8, 11)
    assert second.status is CellStatus.FREE and second.start.hour == 11


def test_the_next_open_day_skips_the_holiday_and_the_weekend(parking):
    assert next_open_day(parking, date(2026, 12, 31)) == date(2027, 1, 4)


# --- many resources at once --------------------------------------------------------


@pytest.fixture
def several(city, parking):
    """The lot, a court open to residents, a hall for the public, and a room only for the unit's members."""
    court = make_resource("T-S-01-C1", city["c1"], capacity=2, policy=POLICY)
    make_window(court, audience="residents", days="all", start="08:00", end="21:00")
    hall = make_resource("T-S-02-H1", city["c2"], kind="activity_centre", capacity=1, policy=POLICY)
    make_window(hall, audience="public", days="all", start="09:00", end="12:00")
    room = make_resource("U-T-R1", city["unit"], kind="meeting_room", capacity=1, policy=POLICY)
    make_window(room, audience="owner_members")
    return {"parking": parking, "court": court, "hall": hall, "room": room}


def codes(resources) -> set[str]:
    return {r.code for r in resources}


def test_free_between_two_times_lists_exactly_what_the_requester_may_book(several, resident, staff, city):
    start, end = at(WORKING_DAY, "09:00"), at(WORKING_DAY, "10:00")
    candidates = list_candidates()
    assert codes(list_bookable(requester_for(resident), start, end, 1, NOW, candidates=candidates)) == {
        "T-S-01-C1",
        "T-S-02-H1",
    }
    assert codes(list_bookable(requester_for(staff), start, end, 1, NOW, candidates=candidates)) == {
        "T-S-02-H1",
        "U-T-R1",
    }
    unit = requester_for(staff, acting_for=city["unit"])
    assert codes(list_bookable(unit, start, end, 1, NOW, candidates=candidates)) == {"T-S-01-P1", "T-S-02-H1", "U-T-R1"}
    # Three spaces at once: only the lot has that many.
    assert codes(list_bookable(unit, start, end, 3, NOW, candidates=candidates)) == {"T-S-01-P1"}
    assert list_bookable(requester_for(None), start, end, 1, NOW, candidates=candidates) == []


def test_asking_for_more_than_is_free_leaves_a_resource_out(several, resident):
    make_booking(several["court"], make_user(), at(WORKING_DAY, "09:30"), at(WORKING_DAY, "11:00"))
    candidates = list_candidates()
    start, end = at(WORKING_DAY, "09:00"), at(WORKING_DAY, "10:00")
    assert "T-S-01-C1" in codes(list_bookable(requester_for(resident), start, end, 1, NOW, candidates=candidates))
    assert "T-S-01-C1" not in codes(list_bookable(requester_for(resident), start, end, 2, NOW, candidates=candidates))
    later = at(WORKING_DAY, "11:00"), at(WORKING_DAY, "12:00")
    assert "T-S-01-C1" in codes(list_bookable(requester_for(resident), *later, 2, NOW, candidates=candidates))


def test_free_for_me_honours_closures_and_the_booking_horizon(several, resident):
    court, hall = several["court"], several["hall"]
    start, end = at(WORKING_DAY, "09:00"), at(WORKING_DAY, "10:00")
    make_closure(start, end, resource=court)
    assert codes(list_bookable(requester_for(resident), start, end, 1, NOW, candidates=[court, hall])) == {"T-S-02-H1"}
    far = date(2027, 6, 1)
    assert list_bookable(requester_for(resident), at(far, "09:00"), at(far, "10:00"), 1, NOW, candidates=[hall]) == []


def test_free_for_me_counts_the_weekly_quota(city, resident):
    court = make_resource("T-S-01-C2", city["c1"], capacity=5, policy=POLICY)
    make_window(court, audience="residents", max_minutes_per_week=90)
    make_booking(court, resident, at(WORKING_DAY, "07:00"), at(WORKING_DAY, "08:00"))
    candidates = [court]
    assert list_bookable(
        requester_for(resident), at(WORKING_DAY, "09:00"), at(WORKING_DAY, "09:30"), 1, NOW, candidates=candidates
    )
    assert not list_bookable(
        requester_for(resident), at(WORKING_DAY, "09:00"), at(WORKING_DAY, "10:00"), 1, NOW, candidates=candidates
    )


def test_free_for_me_takes_a_bounded_number_of_queries_whatever_the_candidates(city, resident):
    for n in range(12):
        resource = make_resource(f"T-S-01-Q{n}", city["c1"] if n % 2 else city["unit"], capacity=3, policy=POLICY)
        make_window(resource, audience="residents" if n % 3 else "public", max_minutes_per_week=600)
        make_booking(resource, make_user(), at(WORKING_DAY, "09:00"), at(WORKING_DAY, "10:00"))
    requester = requester_for(resident)
    candidates = list_candidates()
    with count_statements() as few:
        list_bookable(requester, at(WORKING_DAY, "09:00"), at(WORKING_DAY, "10:00"), 1, NOW, candidates=candidates[:2])
    with count_statements() as many:
        found = list_bookable(
            requester, at(WORKING_DAY, "09:00"), at(WORKING_DAY, "10:00"), 1, NOW, candidates=candidates
        )
    assert len(found) == 12
    assert len(many) <= 8 and len(many) <= len(few) + 1


def test_open_to_me_now_is_a_window_for_me_open_at_this_instant_without_a_closure(several, resident):
    candidates = list_candidates()
    requester = requester_for(resident)
    morning = at(WORKING_DAY, "09:30")
    assert codes(list_open_to(requester, morning, candidates)) == {"T-S-01-C1", "T-S-02-H1"}
    assert codes(list_open_to(requester, at(WORKING_DAY, "12:30"), candidates)) == {"T-S-01-C1"}
    assert list_open_to(requester, at(WORKING_DAY, "22:00"), candidates) == []
    make_closure(at(WORKING_DAY, "09:00"), at(WORKING_DAY, "10:00"), resource=several["court"])
    assert codes(list_open_to(requester, morning, candidates)) == {"T-S-02-H1"}
    assert list_open_to(requester_for(None), morning, candidates) == []


def test_open_to_a_unit_now_follows_the_official_calendar(several, staff, city):
    requester = requester_for(staff, acting_for=city["unit"])
    candidates = list_candidates()
    assert "T-S-01-P1" in codes(list_open_to(requester, at(WORKING_DAY, "09:00"), candidates))
    assert "T-S-01-P1" not in codes(list_open_to(requester, at(NEW_YEAR, "09:00"), candidates))


def test_candidates_follow_the_directorys_filters(several, city):
    assert codes(list_candidates(kind="parking")) == {"T-S-01-P1"}
    assert codes(list_candidates(area=city["c2"])) == {"T-S-02-H1"}
    assert codes(list_candidates(q="T-S-01-C1")) == {"T-S-01-C1"}


# --- the booking reads behind them ------------------------------------------------------


def test_batched_quota_minutes_match_one_resource_at_a_time(city, resident):
    first = make_resource("T-S-01-A", city["c1"], capacity=3, policy=POLICY)
    second = make_resource("T-S-01-B", city["c1"], capacity=3, policy=POLICY, timezone="Asia/Tokyo")
    make_booking(first, resident, at(date(2026, 12, 27), "23:00"), at(date(2026, 12, 28), "01:00"), quantity=2)
    make_booking(second, resident, at(WORKING_DAY, "09:00"), at(WORKING_DAY, "10:30"))
    make_booking(second, resident, at(WORKING_DAY, "11:00"), at(WORKING_DAY, "12:00"), status="cancelled")
    key = requester_for(resident).quota_key
    batched = week_minutes_used_many([first, second], key, WORKING_DAY, NEW_YEAR)
    for resource in (first, second):
        assert batched.get(resource.id, {}) == week_minutes_used(resource, key, WORKING_DAY, NEW_YEAR)
    assert batched[first.id] == {date(2026, 12, 28): 120} and batched[second.id] == {date(2026, 12, 28): 90}


def test_holding_and_quota_in_one_read_match_the_separate_reads(parking, staff, city):
    unit_key = requester_for(staff, acting_for=city["unit"]).quota_key
    make_booking(
        parking, staff, at(WORKING_DAY, "09:00"), at(WORKING_DAY, "10:00"), on_behalf_of=city["unit"], quantity=2
    )
    make_booking(parking, make_user(), at(WORKING_DAY, "23:30"), at(NEW_YEAR, "00:30"), quantity=3)
    make_booking(parking, staff, at(date(2026, 12, 29), "09:00"), at(date(2026, 12, 29), "10:00"), status="completed")
    make_booking(parking, make_user(), at(WORKING_DAY, "09:00"), at(WORKING_DAY, "10:00"), quantity=4)
    held, used = list_holding_and_quota(parking, WORKING_DAY, WORKING_DAY, unit_key)
    expected = list_holding([parking.id], at(WORKING_DAY, "00:00"), at(NEW_YEAR, "00:30"), longest=timedelta(hours=10))
    # Bookings over the same times count as one, their quantities summed.
    assert [(h.start, h.end, h.quantity) for h in held] == [
        (at(WORKING_DAY, "09:00"), at(WORKING_DAY, "10:00"), 6),
        (at(WORKING_DAY, "23:30"), at(NEW_YEAR, "00:30"), 3),
    ]
    assert sum(h.quantity for h in held) == sum(h.quantity for h in expected[parking.id])
    assert used == week_minutes_used(parking, unit_key, WORKING_DAY, WORKING_DAY) == {date(2026, 12, 28): 120}


def test_published_rules_list_windows_and_the_closures_to_come(parking, city):
    make_closure(at(WORKING_DAY, "12:00"), at(WORKING_DAY, "14:00"), reason="路面维修", resource=parking)
    make_closure(at(date(2026, 12, 1), "12:00"), at(date(2026, 12, 2), "14:00"), reason="已过", resource=parking)
    make_closure(at(date(2027, 6, 1), "12:00"), at(date(2027, 6, 2), "14:00"), reason="太远", organisation=city["c1"])
    make_closure(at(NEW_YEAR, "00:00"), at(NEW_YEAR, "23:00"), reason="元旦活动", organisation=city["c1"])
    windows, closures = list_published_rules([parking], NOW)[parking.id]
    assert [(w.audience.value, w.start, w.end, w.max_quantity) for w in windows] == [("registered_units", 510, 1050, 5)]
    assert [reason for _, _, reason in closures] == ["路面维修", "元旦活动"]


def test_the_week_reads_the_same_rules_as_the_access_floor(parking, city):
    make_window(
        parking, audience="residents", days=["sat", "sun"], start="07:00", end="24:00", max_minutes_per_week=600
    )
    make_closure(at(WORKING_DAY, "12:00"), at(WORKING_DAY, "14:00"), resource=parking)
    make_closure(at(NEW_YEAR, "00:00"), at(NEW_YEAR, "12:00"), organisation=city["c1"])
    make_closure(at(date(2027, 3, 1), "00:00"), at(date(2027, 3, 2), "00:00"), organisation=city["c1"])
    mine, theirs = rules_of(parking, WORKING_DAY, NEW_YEAR), rules_for(parking, WORKING_DAY, NEW_YEAR)
    assert (mine.capacity, mine.policy, mine.zone, mine.windows, mine.calendar) == (
        theirs.capacity,
        theirs.policy,
        theirs.zone,
        theirs.windows,
        theirs.calendar,
    )
    assert sorted(mine.closures) == sorted(theirs.closures) and len(mine.closures) == 2
