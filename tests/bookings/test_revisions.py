"""A resource's revision moves with every change to what its availability is made of, and the
week page, drawn once per revision, never shows a stale week."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.access.models import Window
from app.access.services import delete_window, update_window
from app.db import utcnow
from app.directory.models import Resource
from app.domain.resources import Policy
from app.extensions import db
from app.workdays.models import CalendarDay
from tests.factories import (
    make_article_parking,
    make_booking,
    make_closure,
    make_resource,
    make_user,
    make_window,
)
from tests.when import at, count_statements, next_monday

POLICY = Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=30)
MONDAY = next_monday()
URL = "/bookings/resources/T-S-01-P1/week"


@pytest.fixture
def parking(city):
    return make_article_parking(city["c1"], POLICY)


@pytest.fixture
def hall(city):
    return make_resource("T-S-01-H1", city["c1"], kind="activity_centre", capacity=1)


@pytest.fixture
def other(city):
    return make_resource("T-S-02-H1", city["c2"], kind="activity_centre", capacity=1)


def revision(code: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Resource.revision).where(Resource.code == code))


def test_adding_changing_and_removing_a_window_each_move_the_revision(parking):
    first = revision("T-S-01-P1")
    row = make_window(parking, audience="residents", days="restday", start="08:00", end="12:00")
    assert revision("T-S-01-P1") == first + 1
    changed = row.to_domain()
    update_window(row, changed.__class__(**{**changed.__dict__, "end": 13 * 60}), actor=None, now=utcnow())
    db.session.commit()
    assert revision("T-S-01-P1") == first + 2
    delete_window(db.session.get(Window, row.id), actor=None, now=utcnow())
    db.session.commit()
    assert revision("T-S-01-P1") == first + 3


def test_a_booking_moves_only_its_own_resource(parking, other):
    before = revision("T-S-01-P1"), revision("T-S-02-H1")
    make_booking(parking, make_user(), at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    assert (revision("T-S-01-P1"), revision("T-S-02-H1")) == (before[0] + 1, before[1])


def test_an_organisations_closure_moves_all_its_resources_and_no_others(city, parking, hall, other):
    before = {code: revision(code) for code in ("T-S-01-P1", "T-S-01-H1", "T-S-02-H1")}
    make_closure(at(MONDAY, "00:00"), at(MONDAY, "00:00") + timedelta(days=1), organisation=city["c1"])
    after = {code: revision(code) for code in before}
    assert after == {
        "T-S-01-P1": before["T-S-01-P1"] + 1,
        "T-S-01-H1": before["T-S-01-H1"] + 1,
        "T-S-02-H1": before["T-S-02-H1"],
    }


def test_a_change_to_the_workday_calendar_moves_every_resource(parking, other):
    before = revision("T-S-01-P1"), revision("T-S-02-H1")
    db.session.add(CalendarDay(day=MONDAY, workday=False, name="测试假日", source="manual"))
    db.session.commit()
    assert (revision("T-S-01-P1"), revision("T-S-02-H1")) == (before[0] + 1, before[1] + 1)


def test_reading_a_resource_does_not_move_its_revision(parking, client):
    before = revision("T-S-01-P1")
    client.get(URL, query_string={"start": MONDAY.isoformat()})
    client.get("/directory/T-S-01-P1")
    assert revision("T-S-01-P1") == before


def test_the_week_page_shows_a_new_booking_at_once(client, parking):
    query = {"start": MONDAY.isoformat()}
    assert "40/40" in client.get(URL, query_string=query).get_data(as_text=True)
    make_booking(parking, make_user(), at(MONDAY, "09:00"), at(MONDAY, "10:00"), quantity=28)
    html = client.get(URL, query_string=query).get_data(as_text=True)
    assert "12/40" in html


def test_a_repeated_view_of_the_same_week_is_drawn_once(app, client, parking):
    query = {"start": MONDAY.isoformat()}
    with count_statements() as first:
        first_html = client.get(URL, query_string=query).get_data(as_text=True)
    with count_statements() as again:
        # Switching the shown day is the same week.
        again_html = client.get(URL, query_string={**query, "day": MONDAY.isoformat()}).get_data(as_text=True)
    assert len(again) < len(first)
    assert not any("FROM bookings" in statement for statement in again)
    assert "40/40" in again_html and again_html.count("<section") == first_html.count("<section")


def test_placing_a_booking_moves_the_revision_once(parking, staff, city):
    from app.bookings.placing import Placement, place_booking
    from app.db import transaction

    before = revision("T-S-01-P1")
    with transaction(db.session, write_lock=True):
        place_booking(
            staff,
            Placement(parking.id, at(MONDAY, "09:00"), at(MONDAY, "10:00"), 1, city["unit"]),
            now=utcnow() - timedelta(minutes=1),
        )
    assert revision("T-S-01-P1") == before + 1
    # A later transaction's flush of the same resource's booking bumps it again.
    make_booking(parking, make_user(), at(MONDAY, "11:00"), at(MONDAY, "12:00"))
    assert revision("T-S-01-P1") == before + 2
