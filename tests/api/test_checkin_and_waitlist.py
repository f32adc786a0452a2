"""POST /api/v1/bookings/{id}/check-in and the waitlist (POST /waitlist, GET /waitlist,
POST /waitlist/{id}/leave): answers, refusals as problem+json, and who sees what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.bookings.models import Booking, Notification, WaitlistEntry
from app.db import utcnow
from app.domain.resources import Policy
from app.extensions import db
from tests.factories import (
    make_article_parking,
    make_bearer,
    make_booking,
    make_membership,
    make_unit_staff,
    make_user,
)
from tests.when import at, next_monday

POLICY = Policy(
    slot_minutes=30,
    min_minutes=30,
    max_minutes=600,
    book_ahead_days=30,
    checkin_required=True,
    checkin_grace_minutes=15,
)
MONDAY = next_monday()


@pytest.fixture
def parking(city):
    return make_article_parking(city["c1"], POLICY)


def starting_in(parking, user, minutes, **fields):
    start = utcnow().replace(second=0, microsecond=0) + timedelta(minutes=minutes)
    return make_booking(parking, user, start, start + timedelta(hours=1), **fields)


def assert_problem(response, status, code):
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == code


# --- check-in ------------------------------------------------------------------


def test_the_booker_checks_in_inside_the_window(client, parking, staff):
    booking = starting_in(parking, staff, 5)
    response = client.post(f"/api/v1/bookings/{booking.id}/check-in", headers=make_bearer(staff))
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["id"], response.get_json()["status"]) == (booking.id, "checked_in")
    assert db.session.get(Booking, booking.id).checked_in_at is not None


@pytest.mark.parametrize(
    ("minutes", "status", "code"),
    [(60, 409, "checkin_not_open"), (-30, 409, "checkin_closed")],
    ids=["too early", "too late"],
)
def test_checking_in_outside_the_window_is_a_conflict(client, parking, staff, minutes, status, code):
    booking = starting_in(parking, staff, minutes)
    assert_problem(client.post(f"/api/v1/bookings/{booking.id}/check-in", headers=make_bearer(staff)), status, code)


def test_checking_in_twice_is_not_checkable(client, parking, staff):
    booking = starting_in(parking, staff, 0, status="checked_in")
    assert_problem(
        client.post(f"/api/v1/bookings/{booking.id}/check-in", headers=make_bearer(staff)), 409, "not_checkable"
    )


def test_a_place_without_check_in_refuses_it(client, city, staff):
    lot = make_article_parking(city["c2"], Policy(slot_minutes=30, min_minutes=30, max_minutes=600))
    booking = starting_in(lot, staff, 5)
    assert_problem(
        client.post(f"/api/v1/bookings/{booking.id}/check-in", headers=make_bearer(staff)), 409, "checkin_not_required"
    )


def test_someone_elses_booking_is_not_found_and_stays_as_it_was(client, parking, staff):
    booking = starting_in(parking, staff, 5)
    assert_problem(
        client.post(f"/api/v1/bookings/{booking.id}/check-in", headers=make_bearer(make_user())), 404, "not_found"
    )
    assert_problem(client.post("/api/v1/bookings/999/check-in", headers=make_bearer(staff)), 404, "not_found")
    assert db.session.get(Booking, booking.id).status == "confirmed"


def test_the_owners_manager_checks_in_at_the_gate(client, parking, staff, city):
    booking = starting_in(parking, staff, -5)
    gate = make_user()
    make_membership(gate, city["c1"], "manager")
    response = client.post(f"/api/v1/bookings/{booking.id}/check-in", headers=make_bearer(gate))
    assert response.get_json()["status"] == "checked_in"


# --- the waitlist ----------------------------------------------------------------


def wait_body(start="09:00", end="10:00", quantity=1, **fields):
    return {
        "resource": "T-S-01-P1",
        "start": at(MONDAY, start).isoformat() if ":" in start else start,
        "end": at(MONDAY, end).isoformat(),
        "quantity": quantity,
        "on_behalf_of": "U-T",
        **fields,
    }


@pytest.fixture
def full(parking, city):
    """The lot full on Monday 09:00–10:00; the last space is `holder`'s, theirs to cancel."""
    make_booking(parking, make_user(), at(MONDAY, "09:00"), at(MONDAY, "10:00"), quantity=39)
    holder = make_unit_staff(city["unit"], name="占位")
    booking = make_booking(parking, holder, at(MONDAY, "09:00"), at(MONDAY, "10:00"), on_behalf_of=city["unit"])
    return holder, booking


def test_waiting_for_a_full_time_and_getting_it_when_a_booking_is_cancelled(client, full, staff):
    holder, booking = full
    headers = make_bearer(staff)
    response = client.post("/api/v1/waitlist", json=wait_body(purpose="来访"), headers=headers)
    assert response.status_code == 201, response.get_json()
    entry = response.get_json()
    assert (entry["resource"], entry["status"], entry["booking"], entry["on_behalf_of"]) == (
        "T-S-01-P1",
        "waiting",
        None,
        "U-T",
    )
    assert entry["start"] == at(MONDAY, "09:00").isoformat()
    listed = client.get("/api/v1/waitlist", headers=headers).get_json()
    assert (listed["total"], [e["id"] for e in listed["items"]]) == (1, [entry["id"]])

    assert client.post(f"/api/v1/bookings/{booking.id}/cancel", headers=make_bearer(holder)).status_code == 200
    promoted = client.get("/api/v1/waitlist?status=promoted", headers=headers).get_json()["items"]
    assert [e["id"] for e in promoted] == [entry["id"]]
    got = client.get(f"/api/v1/bookings/{promoted[0]['booking']}", headers=headers).get_json()
    assert (got["status"], got["purpose"]) == ("confirmed", "来访")
    note = db.session.scalars(select(Notification).where(Notification.user_id == staff.id)).one()
    assert (note.kind, note.booking_id) == ("waitlist_promoted", got["id"])


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"start": "10:00", "end": "11:00"}, 409, "not_full"),
        ({"start": "08:00", "end": "09:00"}, 403, "outside_window"),
        ({"on_behalf_of": None}, 403, "not_eligible"),
        ({"start": "soon"}, 422, "invalid_time"),
        ({"resource": "NOPE"}, 404, "not_found"),
        ({"recurrence": {"rrule": "FREQ=DAILY;COUNT=2"}}, 422, "invalid_recurrence"),
    ],
    ids=["room is free", "outside hours", "not eligible", "bad time", "unknown resource", "a series"],
)
def test_joining_is_refused_unless_the_time_is_full_and_the_caller_could_book_it(
    client, full, staff, fields, status, code
):
    assert_problem(client.post("/api/v1/waitlist", json=wait_body(**fields), headers=make_bearer(staff)), status, code)
    assert db.session.scalar(select(WaitlistEntry.id)) is None


def test_waiting_twice_for_the_same_time_is_a_conflict(client, full, staff):
    headers = make_bearer(staff)
    assert client.post("/api/v1/waitlist", json=wait_body(), headers=headers).status_code == 201
    assert_problem(client.post("/api/v1/waitlist", json=wait_body(), headers=headers), 409, "already_waiting")


def test_leaving_the_line_and_only_its_user_may(client, full, staff):
    headers = make_bearer(staff)
    entry = client.post("/api/v1/waitlist", json=wait_body(), headers=headers).get_json()
    url = f"/api/v1/waitlist/{entry['id']}/leave"
    assert_problem(client.post(url, headers=make_bearer(make_user())), 404, "not_found")
    response = client.post(url, headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "left"
    assert_problem(client.post(url, headers=headers), 409, "not_waiting")
    assert client.get("/api/v1/waitlist", headers=headers).get_json()["total"] == 0


def test_the_waitlist_filter_must_be_a_known_status(client, staff):
    assert_problem(client.get("/api/v1/waitlist?status=nope", headers=make_bearer(staff)), 422, "invalid_filter")
