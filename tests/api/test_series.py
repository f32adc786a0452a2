"""POST /api/v1/bookings with a recurrence: a series decided whole, under one lock, with fail or skip."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.bookings.models import Booking, BookingSeries
from app.db import utcnow
from app.domain.resources import Policy
from app.extensions import db
from app.workdays.services import set_manual_day
from tests.factories import make_article_parking, make_bearer, make_booking, make_user
from tests.when import at, next_monday

POLICY = Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=60)
MONDAY = next_monday()
WEDNESDAY = MONDAY + timedelta(days=2)


@pytest.fixture
def parking(city):
    return make_article_parking(city["c1"], POLICY)


def series_body(recurrence, quantity=3, start="09:00", end="11:00"):
    return {
        "resource": "T-S-01-P1",
        "start": at(MONDAY, start).isoformat(),
        "end": at(MONDAY, end).isoformat(),
        "quantity": quantity,
        "on_behalf_of": "U-T",
        "recurrence": recurrence,
    }


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_every_working_day_for_two_weeks_skips_a_holiday_by_the_official_calendar(client, parking, staff):
    set_manual_day(WEDNESDAY, False, "测试假日", actor=None, now=utcnow())
    db.session.commit()
    until = (MONDAY + timedelta(days=11)).isoformat()  # the Friday of the next week
    response = client.post(
        "/api/v1/bookings",
        json=series_body({"every": "workday", "until": until, "on_conflict": "skip"}),
        headers=make_bearer(staff),
    )
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    days = [b["start"][:10] for b in answer["bookings"]]
    assert WEDNESDAY.isoformat() not in days  # not even tried: a holiday is not a working day
    assert len(days) == 9 and answer["skipped"] == []
    assert {b["series"] for b in answer["bookings"]} == {answer["series"]}
    assert all(b["start"].endswith("T09:00:00+08:00") and b["quantity"] == 3 for b in answer["bookings"])
    series = db.session.get(BookingSeries, answer["series"])
    assert series.rule == f"WORKDAYS;UNTIL={until.replace('-', '')}"


def test_skip_books_the_rest_and_lists_each_skipped_occurrence_with_its_code(client, parking, staff):
    make_booking(parking, make_user(), at(WEDNESDAY, "10:00"), at(WEDNESDAY, "10:30"), quantity=39)
    response = client.post(
        "/api/v1/bookings",
        json=series_body({"rrule": "FREQ=DAILY;COUNT=5", "on_conflict": "skip"}),
        headers=make_bearer(staff),
    )
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert len(answer["bookings"]) == 4
    assert answer["skipped"] == [
        {
            "start": at(WEDNESDAY, "09:00").isoformat(),
            "end": at(WEDNESDAY, "11:00").isoformat(),
            "code": "capacity_exceeded",
        }
    ]


def test_fail_books_nothing_and_answers_409_conflict_listing_the_clashes(client, parking, staff):
    make_booking(parking, make_user(), at(WEDNESDAY, "10:00"), at(WEDNESDAY, "10:30"), quantity=39)
    before = count(Booking)
    response = client.post(
        "/api/v1/bookings",
        json=series_body({"rrule": "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=3", "on_conflict": "fail"}),
        headers=make_bearer(staff),
    )
    assert response.status_code == 409
    problem = response.get_json()
    assert problem["code"] == "conflict"
    assert problem["clashes"] == [
        {
            "start": at(WEDNESDAY, "09:00").isoformat(),
            "end": at(WEDNESDAY, "11:00").isoformat(),
            "code": "capacity_exceeded",
        }
    ]
    assert count(Booking) == before and count(BookingSeries) == 0


def test_a_series_where_nothing_can_be_booked_is_a_conflict_even_with_skip(client, parking, staff):
    # Weekends: the lot is open to units on working days only.
    saturday = MONDAY + timedelta(days=5)
    body = series_body({"rrule": "FREQ=WEEKLY;BYDAY=SA,SU;COUNT=2", "on_conflict": "skip"})
    body["start"], body["end"] = at(saturday, "09:00").isoformat(), at(saturday, "11:00").isoformat()
    response = client.post("/api/v1/bookings", json=body, headers=make_bearer(staff))
    assert response.status_code == 409
    assert {c["code"] for c in response.get_json()["clashes"]} == {"outside_window"}
    assert count(BookingSeries) == 0


@pytest.mark.parametrize(
    ("recurrence", "code"),
    [
        ({"rrule": "FREQ=DAILY"}, "invalid_recurrence"),
        ({"rrule": "FREQ=DAILY;COUNT=400"}, "too_many_occurrences"),
        ({"rrule": "FREQ=DAILY;COUNT=2", "on_conflict": "maybe"}, "invalid_recurrence"),
        ({"every": "workday"}, "invalid_recurrence"),
        ({"every": "workday", "until": "next month"}, "invalid_recurrence"),
        ({"every": "workday", "count": 367}, "too_many_occurrences"),
        ("FREQ=DAILY;COUNT=2", "invalid_recurrence"),
    ],
    ids=[
        "unbounded",
        "too many",
        "bad on_conflict",
        "workdays unbounded",
        "bad until",
        "workdays too many",
        "a string",
    ],
)
def test_a_bad_recurrence_is_a_422_with_its_code_and_nothing_written(client, parking, staff, recurrence, code):
    response = client.post("/api/v1/bookings", json=series_body(recurrence), headers=make_bearer(staff))
    assert response.status_code == 422
    assert response.get_json()["code"] == code
    assert count(Booking) == 0


def test_a_series_in_the_same_request_again_with_its_key_is_not_booked_twice(client, parking, staff):
    headers = {**make_bearer(staff), "Idempotency-Key": "series-1"}
    body = series_body({"rrule": "FREQ=DAILY;COUNT=3"})
    first = client.post("/api/v1/bookings", json=body, headers=headers)
    again = client.post("/api/v1/bookings", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert count(Booking) == 3


def test_cancelling_the_rest_of_a_series_keeps_the_earlier_occurrences(client, parking, staff):
    headers = make_bearer(staff)
    placed = client.post("/api/v1/bookings", json=series_body({"rrule": "FREQ=DAILY;COUNT=4"}), headers=headers)
    ids = [b["id"] for b in placed.get_json()["bookings"]]
    response = client.post(f"/api/v1/bookings/{ids[2]}/cancel", json={"rest_of_series": True}, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert [b["id"] for b in response.get_json()["bookings"]] == ids[2:]
    statuses = [db.session.get(Booking, i).status for i in ids]
    assert statuses == ["confirmed", "confirmed", "cancelled", "cancelled"]


def test_cancelling_one_occurrence_leaves_the_rest_of_its_series(client, parking, staff):
    headers = make_bearer(staff)
    placed = client.post("/api/v1/bookings", json=series_body({"rrule": "FREQ=DAILY;COUNT=3"}), headers=headers)
    ids = [b["id"] for b in placed.get_json()["bookings"]]
    assert client.post(f"/api/v1/bookings/{ids[1]}/cancel", json={}, headers=headers).status_code == 200
    assert [db.session.get(Booking, i).status for i in ids] == ["confirmed", "cancelled", "confirmed"]


def test_rest_of_series_on_a_single_booking_is_not_in_series(client, parking, staff):
    headers = make_bearer(staff)
    single = client.post("/api/v1/bookings", json={**series_body(None), "recurrence": None}, headers=headers)
    response = client.post(
        f"/api/v1/bookings/{single.get_json()['id']}/cancel", json={"rest_of_series": True}, headers=headers
    )
    assert (response.status_code, response.get_json()["code"]) == (409, "not_in_series")
