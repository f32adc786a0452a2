"""The nightly usage snapshot: hours offered to each audience, unit-hours booked, utilisation; taken twice, one row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import transaction
from app.domain.resources import Policy
from app.extensions import db
from app.reports.models import UsageSnapshot
from app.reports.services import take_usage_snapshots
from tests.factories import make_booking, make_closure, make_resource, make_user, make_window
from tests.when import at, next_monday

MONDAY = next_monday()
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture
def court(city):
    court = make_resource("T-S-01-C1", city["c1"], capacity=2, policy=Policy())
    make_window(court, audience="public", start="08:00", end="12:00")
    make_window(court, audience="residents", start="10:00", end="14:00")
    return court


def snapshot() -> int:
    with transaction(db.session, write_lock=True):
        return take_usage_snapshots(now=at(TUESDAY, "01:10"))


def test_the_snapshot_of_yesterday_counts_offered_and_booked_hours(court):
    make_closure(at(MONDAY, "13:00"), at(MONDAY, "15:00"), resource=court)
    user = make_user()
    make_booking(court, user, at(MONDAY, "08:00"), at(MONDAY, "10:00"), quantity=2, status="completed")
    make_booking(court, user, at(MONDAY, "11:00"), at(MONDAY, "12:00"), status="no_show")
    make_booking(court, user, at(MONDAY, "10:00"), at(MONDAY, "11:00"), status="cancelled")  # given back
    make_booking(court, user, at(TUESDAY, "08:00"), at(TUESDAY, "09:00"))  # another day
    assert snapshot() == 1
    row = db.session.scalars(select(UsageSnapshot)).one()
    assert row.day == MONDAY and row.capacity == 2
    assert row.offered_minutes_by_audience == {"public": 240, "residents": 180}  # 13:00–14:00 closed
    assert row.offered_minutes == 300  # 08:00–13:00
    assert (row.booked_unit_minutes, row.no_show_unit_minutes, row.bookings) == (300, 60, 2)
    assert row.utilisation == pytest.approx(300 / (2 * 300))


def test_taking_it_twice_keeps_one_row_with_the_latest_figures(court):
    snapshot()
    make_booking(court, make_user(), at(MONDAY, "09:00"), at(MONDAY, "10:00"), status="completed")
    snapshot()
    row = db.session.scalars(select(UsageSnapshot)).one()
    assert row.booked_unit_minutes == 60


def test_a_resource_open_to_nobody_has_no_utilisation(city):
    make_resource("T-S-01-X", city["c1"])
    snapshot()
    row = db.session.scalars(select(UsageSnapshot)).one()
    assert (row.offered_minutes, row.utilisation) == (0, None)
