"""A closure lists the bookings still holding capacity inside it, on its resource or its organisation's."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.bookings.affected import count_affected_bookings, list_affected_bookings
from app.domain.bookings import BookingStatus
from tests.factories import make_booking, make_city, make_closure, make_resource, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def place(app):
    city = make_city()
    parking = make_resource("T-S-01-P1", city["c1"], kind="parking", capacity=40, unit_label="车位")
    hall = make_resource("T-S-01-H1", city["c1"], kind="activity_centre", capacity=2)
    stadium = make_resource("U-T-G1", city["unit"], capacity=4)
    return {"city": city, "parking": parking, "hall": hall, "stadium": stadium, "user": make_user(name="张三")}


@pytest.mark.parametrize(
    ("start", "end", "status", "affected"),
    [
        pytest.param(at(5, 9), at(5, 11), "confirmed", True, id="confirmed inside the closure"),
        pytest.param(at(5, 7), at(5, 9), "pending", True, id="pending, reaching into the closure"),
        pytest.param(at(5, 11), at(5, 13), "checked_in", True, id="checked in, running past its end"),
        pytest.param(at(5, 6), at(5, 14), "confirmed", True, id="spanning the whole closure"),
        pytest.param(at(5, 6), at(5, 8), "confirmed", False, id="ends as the closure starts (half-open)"),
        pytest.param(at(5, 12), at(5, 13), "confirmed", False, id="starts as the closure ends (half-open)"),
        pytest.param(at(5, 9), at(5, 11), "cancelled", False, id="cancelled holds nothing"),
        pytest.param(at(5, 9), at(5, 11), "rejected", False, id="rejected holds nothing"),
        pytest.param(at(5, 9), at(5, 11), "completed", False, id="completed holds nothing"),
        pytest.param(at(6, 9), at(6, 11), "confirmed", False, id="another day"),
    ],
)
def test_a_resource_closure_lists_the_bookings_holding_capacity_in_it(place, start, end, status, affected):
    booking = make_booking(place["parking"], place["user"], start, end, status=status)
    closure = make_closure(at(5, 8), at(5, 12), resource=place["parking"])
    assert (list_affected_bookings(closure) == [booking]) is affected
    assert count_affected_bookings(closure) == (1 if affected else 0)


def test_a_resource_closure_leaves_other_resources_bookings_out(place):
    make_booking(place["hall"], place["user"], at(5, 9), at(5, 10))
    closure = make_closure(at(5, 8), at(5, 12), resource=place["parking"])
    assert list_affected_bookings(closure) == []


def test_an_organisation_closure_lists_every_resource_it_owns_soonest_first(place):
    late = make_booking(place["parking"], place["user"], at(5, 15), at(5, 16), quantity=3)
    early = make_booking(place["hall"], place["user"], at(5, 9), at(5, 10), status=BookingStatus.PENDING.value)
    make_booking(place["stadium"], place["user"], at(5, 9), at(5, 10))  # the unit's, not the community's
    closure = make_closure(at(5, 0), at(6, 0), organisation=place["city"]["c1"])
    assert list_affected_bookings(closure) == [early, late]
    assert count_affected_bookings(closure) == 2


def test_the_list_can_be_cut_short_while_the_count_stays_whole(place):
    for hour in range(8, 12):
        make_booking(place["parking"], place["user"], at(5, hour), at(5, hour + 1))
    closure = make_closure(at(5, 0), at(6, 0), resource=place["parking"])
    assert len(list_affected_bookings(closure, limit=2)) == 2
    assert count_affected_bookings(closure) == 4
