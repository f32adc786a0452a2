"""GET /api/v1/resources/{code}/availability: the slot grid of API.md, for the caller."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.accounts.services import issue_api_token
from app.db import utcnow
from app.domain.resources import Policy
from app.extensions import db
from app.workdays.models import CalendarDay
from tests.factories import (
    make_article_parking,
    make_booking,
    make_city,
    make_closure,
    make_local_resident,
    make_unit_staff,
    make_user,
)
from tests.when import SHANGHAI, at, next_monday

URL = "/api/v1/resources/T-S-01-P1/availability"
POLICY = Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=60)


MONDAY = next_monday()
HOLIDAY = MONDAY + timedelta(days=2)


def bearer(user) -> dict[str, str]:
    raw, _ = issue_api_token(user, now=utcnow(), ttl=timedelta(days=1))
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def by_start(body, day: date, clock: str) -> dict:
    wanted = at(day, clock).isoformat()
    return next(s for s in body["slots"] if s["start"] == wanted)


@pytest.fixture
def city(app):
    city = make_city()
    db.session.add(CalendarDay(day=HOLIDAY, workday=False, name="测试假日", source="manual"))
    db.session.commit()
    return city


@pytest.fixture
def parking(city):
    return make_article_parking(city["c1"], POLICY)


@pytest.fixture
def staff(city):
    return bearer(make_unit_staff(city["unit"]))


@pytest.fixture
def resident(city):
    return bearer(make_local_resident(city["c1"]))


def availability(client, headers=None, **params):
    params.setdefault("from", MONDAY.isoformat())
    params.setdefault("to", MONDAY.isoformat())
    return client.get(URL, query_string=params, headers=headers or {})


def test_the_grid_says_what_is_free_and_what_the_unit_may_book(client, parking, staff):
    make_booking(parking, make_user(), at(MONDAY, "09:00"), at(MONDAY, "10:00"), quantity=40)
    response = availability(client, staff, on_behalf_of="U-T")
    assert response.status_code == 200 and "private" in response.headers["Cache-Control"]
    body = response.get_json()
    assert body["resource"] == "T-S-01-P1" and len(body["slots"]) == 48
    assert set(body["slots"][0]) == {"start", "end", "capacity", "free", "bookable", "reason"}
    assert by_start(body, MONDAY, "08:30") == {
        "start": f"{MONDAY.isoformat()}T08:30:00+08:00",
        "end": f"{MONDAY.isoformat()}T09:00:00+08:00",
        "capacity": 40,
        "free": 40,
        "bookable": True,
        "reason": None,
    }
    assert by_start(body, MONDAY, "09:00") | {"start": "", "end": ""} == {
        "start": "",
        "end": "",
        "capacity": 40,
        "free": 0,
        "bookable": False,
        "reason": "capacity_exceeded",
    }
    assert by_start(body, MONDAY, "08:00")["reason"] == "outside_window"
    assert all(s["start"].endswith("+08:00") and s["end"].endswith("+08:00") for s in body["slots"])


def test_to_is_inclusive_and_a_public_holiday_is_closed_to_units(client, parking, staff):
    body = availability(client, staff, on_behalf_of="U-T", to=HOLIDAY.isoformat()).get_json()
    assert len(body["slots"]) == 3 * 48
    assert not any(s["bookable"] for s in body["slots"] if s["start"].startswith(HOLIDAY.isoformat()))
    assert by_start(body, HOLIDAY, "09:00")["reason"] == "outside_window"


def test_a_resident_is_not_eligible_and_a_closure_closes(client, parking, resident, staff):
    make_closure(at(MONDAY, "12:00"), at(MONDAY, "13:00"), resource=parking)
    assert {s["reason"] for s in availability(client, resident).get_json()["slots"]} == {"not_eligible"}
    assert by_start(availability(client, staff, on_behalf_of="U-T").get_json(), MONDAY, "12:30")["reason"] == "closed"


def test_acting_for_a_unit_one_is_not_a_member_of_makes_every_slot_forbidden(client, parking, resident):
    body = availability(client, resident, on_behalf_of="U-T").get_json()
    assert {(s["bookable"], s["reason"]) for s in body["slots"]} == {(False, "forbidden")}


def test_anonymous_callers_see_what_is_free_but_must_sign_in_to_book(client, parking):
    body = availability(client).get_json()
    assert {(s["bookable"], s["reason"]) for s in body["slots"]} == {(False, "unauthorized")}
    assert by_start(body, MONDAY, "09:00")["free"] == 40


def test_today_is_the_default_day(client, parking):
    today = utcnow().astimezone(SHANGHAI).date()
    body = client.get(URL).get_json()
    assert len(body["slots"]) == 48 and body["slots"][0]["start"] == at(today, "00:00").isoformat()


def test_at_most_62_days_are_answered(client, parking, staff):
    ok = availability(client, staff, to=(MONDAY + timedelta(days=61)).isoformat())
    assert ok.status_code == 200 and len(ok.get_json()["slots"]) == 62 * 48
    too_long = availability(client, staff, to=(MONDAY + timedelta(days=62)).isoformat())
    assert too_long.status_code == 422 and too_long.mimetype == "application/problem+json"
    assert too_long.get_json()["code"] == "range_too_long"


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-13-01"},
        {"from": "tomorrow"},
        {"to": "2026-1-5"},
        {"to": (MONDAY - timedelta(days=1)).isoformat()},
        {"on_behalf_of": "NOPE"},
    ],
    ids=["no such month", "not a date", "short date", "to before from", "unknown organisation"],
)
def test_bad_filters_are_422_problems(client, parking, staff, params):
    response = availability(client, staff, **params)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "invalid_filter"


def test_unknown_or_hidden_resources_are_not_found(client, parking, staff):
    assert client.get("/api/v1/resources/NOPE/availability", headers=staff).get_json()["code"] == "not_found"
    parking.active = False
    db.session.commit()
    response = availability(client, staff)
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"


def test_a_bad_token_or_acting_without_one_is_401(client, parking):
    bad = availability(client, {"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401 and bad.get_json()["code"] == "unauthorized"
    assert availability(client, on_behalf_of="U-T").status_code == 401
