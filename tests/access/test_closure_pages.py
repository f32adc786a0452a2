"""Managers close a resource, or all of an organisation's, and see the bookings the closure falls on."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.access.models import Closure
from app.access.services import list_closures
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.db import utcnow
from app.extensions import db
from tests.access.town import ADMIN, MANAGER, OTHER_MANAGER, RESIDENT, UNIT_STAFF, build_town
from tests.factories import PASSWORD, make_booking, make_closure, make_resource

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLOSURES = "/access/T-S-01-P1/closures"
ORG_CLOSURES = "/access/org/T-S-01/closures"


@pytest.fixture
def town(app) -> dict[str, Any]:
    return build_town()


def in_days(n: int) -> date:
    return (utcnow().astimezone(SHANGHAI) + timedelta(days=n)).date()


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def closure_form(day: date, *, start: str = "08:00", end: str = "12:00", end_day: date | None = None) -> dict:
    return {
        "start_date": day.isoformat(),
        "start_time": start,
        "end_date": (end_day or day).isoformat(),
        "end_time": end,
        "reason": "场地维修",
    }


def user(phone: str) -> User:
    return db.session.scalars(select(User).where(User.phone == phone)).one()


def closure_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Closure))


def english(client) -> None:
    client.post_form("/language", {"locale": "en"})


def test_manager_closes_a_resource_in_its_local_time_and_is_shown_what_it_affects(client, auth, town):
    day = in_days(10)
    auth.sign_in(MANAGER, PASSWORD)
    response = client.post_form(CLOSURES, closure_form(day))
    [closure] = list_closures(town["parking"])
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/bookings/closures/{closure.id}")
    assert (closure.start, closure.end, closure.reason) == (at(day, 8), at(day, 12), "场地维修")
    assert closure.resource_id == town["parking"].id
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "closure_added")).one()
    assert (entry.subject_type, entry.subject_id) == ("resource", town["parking"].id)
    english(client)
    impact = client.get(f"/bookings/closures/{closure.id}").get_data(as_text=True)
    assert "No bookings fall in this time" in impact
    page = client.get(CLOSURES).get_data(as_text=True)
    assert "场地维修" in page and "08:00–12:00" in page
    assert "Closure added" in client.get("/directory/T-S-01-P1/manage").get_data(as_text=True)


def test_a_closure_over_existing_bookings_lists_them(client, auth, town):
    day = in_days(10)
    clerk, resident = user(UNIT_STAFF), user(RESIDENT)
    make_booking(town["parking"], clerk, at(day, 9), at(day, 11), quantity=3, on_behalf_of=town["unit"])
    make_booking(town["parking"], resident, at(day, 11), at(day, 13), status="pending")
    make_booking(town["parking"], resident, at(day, 9), at(day, 10), status="cancelled")
    make_booking(town["parking"], resident, at(day, 12), at(day, 13))  # starts as the closure ends
    auth.sign_in(MANAGER, PASSWORD)
    english(client)
    html = client.post_form(CLOSURES, closure_form(day), follow_redirects=True).get_data(as_text=True)
    assert "2 bookings hold places in this time." in html
    assert "李职员" in html and "测试中学" in html and "3 spaces" in html
    assert "王居民" in html and "Awaiting approval" in html and "Confirmed" in html
    assert "09:00–11:00" in html and "11:00–13:00" in html
    assert "12:00–13:00" not in html and "09:00–10:00" not in html
    assert "These bookings still stand" in html


def test_bad_closure_times_are_shown_beside_their_field_and_nothing_is_written(client, auth, town):
    day = in_days(10)
    auth.sign_in(MANAGER, PASSWORD)
    english(client)
    response = client.post_form(CLOSURES, closure_form(day, start="12:00", end="08:00"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="end_date-error"' in html
    assert "end must be after the start" in html
    response = client.post_form(CLOSURES, {**closure_form(day), "reason": "  "})
    assert 'id="reason-error"' in response.get_data(as_text=True)
    response = client.post_form(CLOSURES, closure_form(day, end_day=day + timedelta(days=400)))
    assert "at most 366 days" in response.get_data(as_text=True)
    assert closure_count() == 0


def test_manager_closes_every_resource_of_the_community(client, auth, town):
    day = in_days(5)
    auth.sign_in(MANAGER, PASSWORD)
    english(client)
    page = client.get(ORG_CLOSURES).get_data(as_text=True)
    assert "一号社区停车场" in page
    response = client.post_form(ORG_CLOSURES, closure_form(day, start="00:00", end="00:00", end_day=day + timedelta(1)))
    closure = db.session.scalars(select(Closure)).one()
    assert response.headers["Location"].endswith(f"/bookings/closures/{closure.id}")
    assert (closure.organisation_id, closure.resource_id) == (town["c1"].id, None)
    assert (closure.start, closure.end) == (at(day, 0), at(day + timedelta(days=1), 0))
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "closure_added")).one()
    assert (entry.subject_type, entry.subject_id) == ("organisation", town["c1"].id)
    # The resource's own page lists it, marked as the organisation's, without a delete button.
    html = client.get(CLOSURES).get_data(as_text=True)
    assert "For every resource of 一号社区" in html and "00:00–24:00" in html
    assert f"/access/closures/{closure.id}/delete" not in html
    assert f"/access/closures/{closure.id}/delete" in client.get(ORG_CLOSURES).get_data(as_text=True)
    # The unit's stadium is not the community's.
    assert list_closures(town["stadium"]) == []


def test_an_organisation_closure_lists_bookings_of_all_its_resources(client, auth, town):
    day = in_days(5)
    hall = make_resource("T-S-01-H1", town["c1"], name="一号社区活动中心", kind="activity_centre", capacity=2)
    resident = user(RESIDENT)
    make_booking(town["parking"], resident, at(day, 9), at(day, 10))
    make_booking(hall, resident, at(day, 14), at(day, 16))
    make_booking(town["stadium"], resident, at(day, 14), at(day, 16))  # the unit's: not closed
    closure = make_closure(at(day, 0), at(day + timedelta(days=1), 0), organisation=town["c1"])
    auth.sign_in(MANAGER, PASSWORD)
    english(client)
    html = client.get(f"/bookings/closures/{closure.id}").get_data(as_text=True)
    assert "2 bookings hold places" in html
    assert "一号社区停车场" in html and "一号社区活动中心" in html and "测试中学体育场" not in html


def test_manager_deletes_a_closure_of_the_resource(client, auth, town):
    day = in_days(3)
    closure = make_closure(at(day, 8), at(day, 12), resource=town["parking"])
    auth.sign_in(MANAGER, PASSWORD)
    response = client.post_form(f"/access/closures/{closure.id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith(CLOSURES)
    assert closure_count() == 0
    assert db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id.desc())).first() == "closure_removed"


def closure_routes(town: dict[str, Any]) -> list[tuple[str, str]]:
    day = in_days(3)
    own = make_closure(at(day, 8), at(day, 12), resource=town["parking"])
    wide = make_closure(at(day, 14), at(day, 16), organisation=town["c1"])
    return [
        ("GET", CLOSURES),
        ("POST", CLOSURES),
        ("GET", ORG_CLOSURES),
        ("POST", ORG_CLOSURES),
        ("GET", f"/bookings/closures/{own.id}"),
        ("GET", f"/bookings/closures/{wide.id}"),
        ("POST", f"/access/closures/{own.id}/delete"),
        ("POST", f"/access/closures/{wide.id}/delete"),
    ]


def call(client, method: str, url: str) -> Any:
    if method == "GET":
        return client.get(url)
    return client.post_form(url, closure_form(in_days(20)))


def test_anonymous_visitors_are_sent_to_sign_in_from_every_closure_page(client, town):
    for method, url in closure_routes(town):
        response = call(client, method, url)
        assert response.status_code == 302, (method, url)
        assert "/accounts/sign-in" in response.headers["Location"]
    assert closure_count() == 2


@pytest.mark.parametrize(
    "login", [OTHER_MANAGER, RESIDENT, UNIT_STAFF], ids=["another community's manager", "resident", "a unit's staff"]
)
def test_people_who_do_not_manage_the_owner_are_refused_every_closure_page(client, auth, town, login):
    routes = closure_routes(town)
    auth.sign_in(login, PASSWORD)
    for method, url in routes:
        assert call(client, method, url).status_code == 403, (method, url)
    assert closure_count() == 2


def test_admins_reach_every_closure_page(client, auth, town):
    routes = closure_routes(town)
    auth.sign_in(ADMIN, PASSWORD)
    for method, url in routes:
        if method == "GET":
            assert client.get(url).status_code == 200, url


def test_unknown_closures_and_organisations_are_not_found(client, auth, town):
    auth.sign_in(MANAGER, PASSWORD)
    assert client.get("/access/NO-SUCH/closures").status_code == 404
    assert client.get("/access/org/NO-SUCH/closures").status_code == 404
    assert client.get("/bookings/closures/999999").status_code == 404
    assert client.post_form("/access/closures/999999/delete").status_code == 404
