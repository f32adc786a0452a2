"""GET /api/v1/resources and /resources/{code}, as API.md describes them."""

from datetime import date, datetime, time, timedelta

import pytest

from app.accounts.services import issue_api_token
from app.db import utcnow
from app.directory.services import get_resource
from app.extensions import db
from tests.factories import (
    make_booking,
    make_city,
    make_closure,
    make_membership,
    make_resident,
    make_resource,
    make_user,
    make_window,
)
from tests.when import SHANGHAI, next_monday


@pytest.fixture
def directory(app):
    city = make_city()
    make_resource("T-P1", city["c1"], name="东坝社区公共停车场", kind="parking", capacity=40, unit_label="车位")
    make_resource("U-T-S1", city["unit"], name="一中体育场", kind="sports_venue", capacity=2, unit_label="场地")
    make_resource("T-X1", city["c2"], name="旧停车场", kind="parking", active=False)
    return city


def test_search_answers_a_paginated_list(client, directory):
    body = client.get("/api/v1/resources?q=停车").get_json()
    assert (body["total"], body["page"], body["per_page"]) == (1, 1, 20)
    item = body["items"][0]
    assert item["code"] == "T-P1" and item["owner"]["code"] == "T-S-01" and item["capacity"] == 40
    assert item["policy"]["release_time"] == "00:00" and item["links"]["page"].startswith("http")


def test_filters_by_kind_and_community(client, directory):
    assert [i["code"] for i in client.get("/api/v1/resources?kind=sports_venue").get_json()["items"]] == ["U-T-S1"]
    assert {i["code"] for i in client.get("/api/v1/resources?community=T-S-01").get_json()["items"]} == {
        "T-P1",
        "U-T-S1",
    }


@pytest.mark.parametrize(
    "query",
    ["kind=spaceship", "community=NOPE", "per_page=500", "page=0", "page=abc"],
)
def test_bad_filters_are_422_problems(client, directory, query):
    response = client.get(f"/api/v1/resources?{query}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json" and response.get_json()["code"] == "invalid_filter"


def test_one_resource_with_its_policy(client, directory):
    body = client.get("/api/v1/resources/U-T-S1").get_json()
    assert body["name"] == "一中体育场" and body["unit_label"] == "场地"
    assert body["policy"]["slot_minutes"] == 30 and body["timezone"] == "Asia/Shanghai"


def test_unknown_or_hidden_resources_are_404(client, directory):
    for code in ("NOPE", "T-X1"):
        response = client.get(f"/api/v1/resources/{code}")
        assert response.status_code == 404 and response.get_json()["code"] == "not_found"


# --- access windows, closures, and what is open or free to the caller ---------------------

MONDAY = next_monday()


def at(day: date, clock: str) -> str:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=SHANGHAI).isoformat()


def bearer(user) -> dict[str, str]:
    raw, _ = issue_api_token(user, now=utcnow(), ttl=timedelta(days=1))
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def rules(directory):
    """The lot for registered units on workdays and for residents at weekends; the stadium for residents."""
    lot, stadium = get_resource("T-P1"), get_resource("U-T-S1")
    make_window(lot, audience="registered_units", days="workday", start="08:30", end="17:30", max_quantity=5)
    make_window(lot, audience="residents", days=["sat", "sun"], end="24:00", max_quantity=1, max_minutes_per_week=1200)
    make_window(stadium, audience="residents")
    return {"lot": lot, "stadium": stadium}


@pytest.fixture
def resident(directory):
    user = make_user(name="居民")
    make_resident(user, directory["c1"])
    return bearer(user)


@pytest.fixture
def staff(directory):
    user = make_user(name="单位职工")
    make_membership(user, directory["unit"])
    return bearer(user)


def codes(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return {item["code"] for item in response.get_json()["items"]}


def test_a_resource_carries_its_windows_and_the_closures_to_come(client, rules):
    make_closure(
        datetime.combine(MONDAY, time(0), tzinfo=SHANGHAI),
        datetime.combine(MONDAY, time(12), tzinfo=SHANGHAI),
        reason="路面维修",
        resource=rules["lot"],
    )
    make_closure(
        datetime.combine(MONDAY + timedelta(days=90), time(0), tzinfo=SHANGHAI),
        datetime.combine(MONDAY + timedelta(days=91), time(0), tzinfo=SHANGHAI),
        reason="太远",
        resource=rules["lot"],
    )
    body = client.get("/api/v1/resources/T-P1").get_json()
    assert body["windows"] == [
        {
            "audience": "residents",
            "days": ["sat", "sun"],
            "start": "00:00",
            "end": "24:00",
            "price": 0,
            "max_quantity": 1,
            "max_minutes_per_week": 1200,
            "requires_approval": None,
        },
        {
            "audience": "registered_units",
            "days": "workday",
            "start": "08:30",
            "end": "17:30",
            "price": 0,
            "max_quantity": 5,
            "max_minutes_per_week": None,
            "requires_approval": None,
        },
    ]
    assert body["closures"] == [{"start": at(MONDAY, "00:00"), "end": at(MONDAY, "12:00"), "reason": "路面维修"}]
    listed = client.get("/api/v1/resources?kind=parking").get_json()["items"][0]
    assert listed["windows"] == body["windows"] and listed["closures"] == body["closures"]


def test_free_between_two_times_lists_exactly_what_the_caller_may_book(client, rules, resident, staff):
    span = {"free_from": at(MONDAY, "09:00"), "free_to": at(MONDAY, "10:00")}
    assert codes(client.get("/api/v1/resources", query_string=span, headers=resident)) == {"U-T-S1"}
    assert codes(client.get("/api/v1/resources", query_string=span, headers=staff)) == set()
    as_unit = client.get("/api/v1/resources", query_string={**span, "on_behalf_of": "U-T"}, headers=staff)
    assert codes(as_unit) == {"T-P1"} and as_unit.get_json()["total"] == 1
    saturday = MONDAY + timedelta(days=5)
    weekend = {"free_from": at(saturday, "09:00"), "free_to": at(saturday, "10:00")}
    assert codes(client.get("/api/v1/resources", query_string=weekend, headers=resident)) == {"T-P1", "U-T-S1"}


def test_asking_for_more_than_is_free_leaves_a_resource_out(client, rules, resident):
    make_booking(
        rules["stadium"],
        make_user(),
        datetime.fromisoformat(at(MONDAY, "09:00")),
        datetime.fromisoformat(at(MONDAY, "11:00")),
    )
    span = {"free_from": at(MONDAY, "09:00"), "free_to": at(MONDAY, "10:00")}
    assert codes(client.get("/api/v1/resources", query_string={**span, "quantity": 1}, headers=resident)) == {"U-T-S1"}
    assert codes(client.get("/api/v1/resources", query_string={**span, "quantity": 2}, headers=resident)) == set()


def test_open_to_me_lists_what_has_a_window_open_to_the_caller_now(client, rules, resident, staff):
    assert codes(client.get("/api/v1/resources?open_to_me=1", headers=staff)) == set()
    now = utcnow().astimezone(SHANGHAI)
    expected = {"U-T-S1"}
    if now.weekday() >= 5:
        expected.add("T-P1")
    assert codes(client.get("/api/v1/resources?open_to_me=1", headers=resident)) == expected


def test_personal_filters_need_a_token(client, rules):
    for query in ("open_to_me=1", f"free_from={at(MONDAY, '09:00')}&free_to={at(MONDAY, '10:00')}".replace("+", "%2B")):
        response = client.get(f"/api/v1/resources?{query}")
        assert response.status_code == 401 and response.get_json()["code"] == "unauthorized"
    assert client.get("/api/v1/resources", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_an_unencoded_plus_in_the_offset_is_understood(client, rules, resident):
    query = f"free_from={at(MONDAY, '09:00')}&free_to={at(MONDAY, '10:00')}"
    assert "+" in query
    assert codes(client.get(f"/api/v1/resources?{query}", headers=resident)) == {"U-T-S1"}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"free_from": "2026-12-01 09:00", "free_to": "2026-12-01T10:00:00+08:00"}, "invalid_filter"),
        ({"free_from": "2026-12-01T09:00:00", "free_to": "2026-12-01T10:00:00"}, "invalid_filter"),
        ({"free_from": "2026-12-01T10:00:00+08:00", "free_to": "2026-12-01T09:00:00+08:00"}, "invalid_filter"),
        ({"free_from": "2026-12-01T10:00:00+08:00"}, "invalid_filter"),
        ({"free_from": "2026-12-01T09:00:00+08:00", "free_to": "2027-01-05T09:00:00+08:00"}, "range_too_long"),
        (
            {"free_from": "2026-12-01T09:00:00+08:00", "free_to": "2026-12-01T10:00:00+08:00", "quantity": "0"},
            "invalid_filter",
        ),
        ({"open_to_me": "yes"}, "invalid_filter"),
        ({"open_to_me": "1", "on_behalf_of": "NOPE"}, "invalid_filter"),
    ],
    ids=[
        "no offset, no T",
        "no offset",
        "to before from",
        "from alone",
        "over 31 days",
        "quantity 0",
        "open_to_me=yes",
        "unknown unit",
    ],
)
def test_bad_personal_filters_are_422_problems(client, rules, resident, params, code):
    response = client.get("/api/v1/resources", query_string=params, headers=resident)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == code
