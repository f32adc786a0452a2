"""PostgreSQL's own guard for resources of capacity 1: two holding bookings never overlap there,
even written past the application (the lock is the first guard; this one is the database's)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from app.bookings.models import Booking
from app.db import utcnow
from app.extensions import db
from tests.conftest import postgresql_only
from tests.factories import make_city, make_resource, make_user
from tests.when import at, next_monday

MONDAY = next_monday()


def raw_booking(resource, user, start, end, *, status="confirmed", sole=True) -> Booking:
    now = utcnow()
    booking = Booking(
        resource_id=resource.id,
        user_id=user.id,
        start=at(MONDAY, start),
        end=at(MONDAY, end),
        quantity=1,
        status=status,
        sole=sole,
        created_at=now,
        updated_at=now,
    )
    db.session.add(booking)
    db.session.flush()
    return booking


@pytest.fixture
def court(app):
    return make_resource("U-T-C1", make_city()["unit"], capacity=1)


# The constraint is PostgreSQL's: SQLite has none, and its write lock is the guard there.
@postgresql_only
def test_two_overlapping_holding_bookings_of_a_capacity_1_resource_are_refused(court):
    user = make_user()
    raw_booking(court, user, "09:00", "10:00")
    with pytest.raises(IntegrityError, match="no_overlap_when_sole"):
        raw_booking(court, user, "09:30", "10:30")
    db.session.rollback()


@pytest.mark.parametrize(
    ("start", "end", "status"),
    [
        ("10:00", "11:00", "confirmed"),  # back to back: half-open spans do not overlap
        ("09:30", "10:30", "cancelled"),  # a cancelled booking holds nothing
        ("09:30", "10:30", "rejected"),
    ],
)
@postgresql_only
def test_adjacent_or_not_holding_bookings_are_allowed(court, start, end, status):
    user = make_user()
    raw_booking(court, user, "09:00", "10:00")
    raw_booking(court, user, start, end, status=status)
    db.session.commit()


def test_placing_a_booking_marks_it_sole_on_a_capacity_1_resource_only(app, engine_name):
    from app.bookings.placing import Placement, place_booking
    from tests.factories import make_window

    city = make_city()
    room = make_resource("U-T-R1", city["unit"], capacity=1)
    hall = make_resource("U-T-H1", city["unit"], capacity=3)
    user = make_user()
    for resource in (room, hall):
        make_window(resource, audience="public", days="all", start="00:00", end="24:00")
    placed = [
        place_booking(user, Placement(r.id, at(MONDAY, "09:00"), at(MONDAY, "10:00")), now=utcnow())
        for r in (room, hall)
    ]
    assert [b.sole for b in placed] == [True, False]
