"""The manager's booking console: an organisation's (or one resource's) bookings by day or week,
filtered by status, cancelled with a reason that reaches the booker; managers only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.bookings.models import Booking, Notification
from app.extensions import db
from tests.bookings.town import make_town, place, sign_in_as
from tests.factories import make_booking
from tests.when import at, next_monday

MONDAY = next_monday()
SUNDAY = MONDAY + timedelta(days=6)


@pytest.fixture
def town(app):
    return make_town()


def booking_links(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/bookings/(\d+)">Open the booking', html)]


def status_of(booking) -> str:
    return db.session.get(Booking, booking.id, populate_existing=True).status


def console(client, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = client.get(f"/bookings/manage/T-S-01?{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_day_lists_the_organisations_bookings_that_hold_places_soonest_first(client, auth, town):
    unit = town.city["unit"]
    spaces = place(town.staff, town.parking, at(MONDAY, "09:00"), at(MONDAY, "11:00"), 3, on_behalf_of=unit)
    asked = place(town.resident, town.room, at(MONDAY, "08:00"), at(MONDAY, "09:00"), purpose="楼长会")
    gone = make_booking(town.room, town.resident, at(MONDAY, "12:00"), at(MONDAY, "13:00"), status="cancelled")
    make_booking(town.hall, town.stranger, at(MONDAY, "10:00"), at(MONDAY, "11:00"))  # T-S-02's
    make_booking(
        town.room, town.resident, at(MONDAY + timedelta(days=1), "10:00"), at(MONDAY + timedelta(days=1), "11:00")
    )
    sign_in_as(auth, town.manager)
    text = console(client, day=MONDAY.isoformat())
    assert booking_links(text) == [asked.id, spaces.id]
    assert gone.id not in booking_links(text)
    assert "08:00–09:00 · 会议室" in text and "09:00–11:00 · 一号停车场" in text
    assert "3 spaces · 单位职工 · for 测试中学" in text and "楼长会" in text
    assert "Awaiting approval" in text and "Confirmed" in text
    assert "<h1" in text and text.count("<h2") == 1  # one day: one heading under the page's
    assert booking_links(console(client, day=MONDAY.isoformat(), status="all")) == [asked.id, spaces.id, gone.id]
    assert booking_links(console(client, day=MONDAY.isoformat(), status="cancelled")) == [gone.id]


def test_a_week_runs_monday_to_sunday_grouped_by_day(client, auth, town):
    monday = make_booking(town.room, town.resident, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    sunday = make_booking(town.room, town.resident, at(SUNDAY, "20:00"), at(SUNDAY, "21:00"))
    next_week = SUNDAY + timedelta(days=1)
    make_booking(town.room, town.resident, at(next_week, "10:00"), at(next_week, "11:00"))
    before = MONDAY - timedelta(days=1)
    make_booking(town.room, town.resident, at(before, "10:00"), at(before, "11:00"))
    sign_in_as(auth, town.manager)
    text = console(client, day=(MONDAY + timedelta(days=3)).isoformat(), view="week")
    assert booking_links(text) == [monday.id, sunday.id]
    assert text.count("<h2") == 7 and text.count("No bookings.") == 5
    assert text.index(f"/bookings/{monday.id}") < text.index(f'id="day-{SUNDAY.isoformat()}"')
    assert text.index(f'id="day-{SUNDAY.isoformat()}"') < text.index(f"/bookings/{sunday.id}")
    assert f"day={(MONDAY + timedelta(days=7)).isoformat()}" in text  # the next week's link keeps the view
    assert "view=week" in text


def test_one_resource_only_and_a_resource_of_another_owner_is_not_found(client, auth, town):
    room = make_booking(town.room, town.resident, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    make_booking(town.parking, town.staff, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    sign_in_as(auth, town.manager)
    text = console(client, day=MONDAY.isoformat(), resource="T-S-01-M1")
    assert booking_links(text) == [room.id] and "Bookings of 会议室" in text
    assert client.get("/bookings/manage/T-S-01?resource=T-S-02-H1").status_code == 404


def test_today_is_the_default_and_bad_filters_fall_back(client, auth, town):
    sign_in_as(auth, town.manager)
    for query in ("", "?day=not-a-day&status=bogus&view=month", "?day=9999-12-31"):
        assert client.get(f"/bookings/manage/T-S-01{query}").status_code == 200, query


def test_cancelling_from_the_console_needs_a_reason_that_reaches_the_booker(client, auth, town):
    booking = make_booking(town.room, town.resident, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    sign_in_as(auth, town.manager)
    here = f"/bookings/manage/T-S-01?day={MONDAY.isoformat()}"
    text = console(client, day=MONDAY.isoformat())
    assert f'<label class="form-label" for="cancel-reason-{booking.id}">Reason the booker is told' in text
    client.post_form(f"/bookings/{booking.id}/cancel", {"reason": "", "next": here})
    assert status_of(booking) == "confirmed"
    response = client.post_form(f"/bookings/{booking.id}/cancel", {"reason": "消防检查", "next": here})
    assert response.headers["Location"] == here
    assert status_of(booking) == "cancelled"
    note = db.session.scalar(select(Notification).where(Notification.user_id == town.resident.id))
    assert (note.kind, note.booking_id, note.reason) == ("booking_cancelled", booking.id, "消防检查")
    text = client.get(here).get_data(as_text=True)
    assert "the booker is told why" in text and booking_links(text) == []


@pytest.mark.parametrize(
    "who",
    [
        pytest.param("resident", id="a resident of the community"),
        pytest.param("staff", id="a unit member"),
        pytest.param("unit_manager", id="the manager of a unit registered with it"),
        pytest.param("other_manager", id="the manager of another community"),
    ],
)
def test_only_its_managers_open_an_organisations_console(client, auth, town, who):
    sign_in_as(auth, getattr(town, who))
    assert client.get("/bookings/manage/T-S-01").status_code == 403


def test_admins_open_any_console_and_unknown_organisations_are_not_found(client, auth, town):
    sign_in_as(auth, town.admin)
    assert client.get("/bookings/manage/T-S-02").status_code == 200
    assert client.get("/bookings/manage/NOPE").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, town):
    response = client.get("/bookings/manage/T-S-01")
    assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"]


def test_the_resource_and_organisation_pages_link_to_the_console(client, auth, town):
    sign_in_as(auth, town.manager)
    manage = client.get("/directory/T-S-01-M1/manage").get_data(as_text=True)
    assert "/bookings/manage/T-S-01?resource=T-S-01-M1" in manage
    assert "/bookings/manage/T-S-01" in client.get("/directory/mine").get_data(as_text=True)
    sign_in_as(auth, town.admin)
    assert "/bookings/manage/T-S-01" in client.get("/organisations/T-S-01").get_data(as_text=True)
