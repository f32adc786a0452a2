"""Managers list, edit and hide their organisation's resources; nobody else can."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.directory.models import Resource
from app.directory.services import get_resource
from app.extensions import db
from tests.factories import PASSWORD, make_city, make_membership, make_resource, make_user

VALID = {
    "owner": "T-S-01",
    "code": "T-S-01-P1",
    "name": "一号社区停车场",
    "kind": "parking",
    "capacity": "40",
    "unit_label": "车位",
    "address": "东坝路 1 号",
    "latitude": "",
    "longitude": "",
    "description": "白天向报到单位开放",
    "amenities": "充电桩、监控",
    "timezone": "Asia/Shanghai",
    "active": "y",
    "slot_minutes": "30",
    "min_minutes": "30",
    "max_minutes": "600",
    "book_ahead_days": "30",
    "release_time": "08:00",
    "buffer_minutes": "0",
    "checkin_grace_minutes": "15",
    "cancel_before_minutes": "60",
}


@pytest.fixture
def city(app):
    city = make_city()
    manager = make_user(name="社区管理员", phone="13800000004")
    make_membership(manager, city["c1"], "manager")
    other_manager = make_user(name="二号社区管理员", phone="13800000005")
    make_membership(other_manager, city["c2"], "manager")
    make_user(name="居民", phone="13800000006")
    return city


def resource_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Resource))


def test_community_manager_adds_a_resource_and_the_change_is_audited(client, auth, city):
    auth.sign_in("13800000004", PASSWORD)
    response = client.post_form("/directory/new", VALID)
    assert response.status_code == 302 and response.headers["Location"].endswith("/directory/T-S-01-P1/manage")
    resource = get_resource("T-S-01-P1")
    assert (resource.capacity, resource.amenities, resource.max_minutes) == (40, ["充电桩", "监控"], 600)
    assert resource.release_time.strftime("%H:%M") == "08:00"
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.actor.name, entry.subject_id) == ("created", "社区管理员", resource.id)
    html = client.get("/directory/T-S-01-P1/manage", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Created" in html and "社区管理员" in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param({"capacity": "0"}, "capacity", "between 1 and", id="capacity below one"),
        pytest.param({"min_minutes": "45"}, "min_minutes", "whole number of slots", id="shortest off the grid"),
        pytest.param(
            {"min_minutes": "120", "max_minutes": "60"}, "max_minutes", "cannot be shorter", id="max below min"
        ),
        pytest.param({"slot_minutes": "7"}, "slot_minutes", "divide a day", id="slot not dividing the day"),
        pytest.param({"code": "a b"}, "code", "letters, digits", id="bad code"),
        pytest.param({"code": "new"}, "code", "reserved", id="a code that names a page"),
        pytest.param({"timezone": "Mars/Base"}, "timezone", "time zone name", id="unknown zone"),
        pytest.param({"latitude": "32.4"}, "latitude", "both latitude and longitude", id="half a position"),
        pytest.param({"name": ""}, "name", "required", id="no name"),
        pytest.param({"owner": "T-S-02"}, "owner", "organisation you manage", id="someone else's community"),
    ],
)
def test_bad_resource_input_is_shown_beside_its_field_and_nothing_is_written(
    client, auth, city, changes, field, message
):
    auth.sign_in("13800000004", PASSWORD)
    client.post_form("/language", {"locale": "en"})
    response = client.post_form("/directory/new", {**VALID, **changes})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in html, html[html.find("is-invalid") - 300 : html.find("is-invalid") + 300]
    assert message.lower() in html.lower()
    assert resource_count() == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_a_code_in_use_is_refused(client, auth, city):
    make_resource("T-S-01-P1", city["c2"])
    auth.sign_in("13800000004", PASSWORD)
    response = client.post_form("/directory/new", VALID)
    assert 'id="code-error"' in response.get_data(as_text=True)
    assert resource_count() == 1


def test_edits_are_recorded_with_old_and_new_values(client, auth, city):
    make_resource("T-S-01-P1", city["c1"], name="一号社区停车场", kind="parking", capacity=30)
    auth.sign_in("13800000004", PASSWORD)
    response = client.post_form("/directory/T-S-01-P1/edit", VALID)
    assert response.status_code == 302
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "updated")).one()
    assert entry.changes["capacity"] == [30, 40]
    html = client.get("/directory/T-S-01-P1/manage").get_data(as_text=True)
    assert "<del>30</del> → 40" in html


def test_saving_without_changes_records_nothing(client, auth, city):
    auth.sign_in("13800000004", PASSWORD)
    client.post_form("/directory/new", VALID)
    client.post_form("/directory/T-S-01-P1/edit", VALID)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1


def test_hiding_a_resource_takes_it_out_of_the_directory_for_everyone_but_its_managers(app, client, auth, city):
    make_resource("T-S-01-P1", city["c1"], name="一号社区停车场", kind="parking")
    auth.sign_in("13800000004", PASSWORD)
    client.post_form("/directory/T-S-01-P1/active")
    assert get_resource("T-S-01-P1").active is False
    assert client.get("/directory/T-S-01-P1").status_code == 200  # managers still see it
    visitor = app.test_client()
    assert visitor.get("/directory/T-S-01-P1").status_code == 404
    assert "一号社区停车场" not in visitor.get("/directory/?q=停车").get_data(as_text=True)
    client.post_form("/directory/T-S-01-P1/active")
    assert get_resource("T-S-01-P1").active is True
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["created", "deactivated", "activated"]


@pytest.mark.parametrize("login", ["13800000005", "13800000006"], ids=["another community's manager", "a resident"])
def test_others_cannot_manage_a_resource(client, auth, city, login):
    make_resource("T-S-01-P1", city["c1"], name="一号社区停车场", kind="parking")
    auth.sign_in(login, PASSWORD)
    for url in ("/directory/T-S-01-P1/edit", "/directory/T-S-01-P1/manage"):
        assert client.get(url).status_code == 403, url
    assert client.post_form("/directory/T-S-01-P1/edit", {**VALID, "owner": "T-S-01"}).status_code == 403
    assert client.post_form("/directory/T-S-01-P1/active").status_code == 403
    assert get_resource("T-S-01-P1").active is True
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1


def test_a_user_who_manages_nothing_cannot_add_resources(client, auth, city):
    auth.sign_in("13800000006", PASSWORD)
    assert client.get("/directory/new").status_code == 403
    assert client.post_form("/directory/new", VALID).status_code == 403
    assert resource_count() == 0


def test_anonymous_visitors_are_sent_to_sign_in(client, city):
    make_resource("T-S-01-P1", city["c1"])
    for url in ("/directory/new", "/directory/mine", "/directory/T-S-01-P1/edit", "/directory/T-S-01-P1/manage"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"], url


def test_admins_manage_any_resource(client, auth, city):
    make_resource("T-S-01-P1", city["c1"], name="一号社区停车场", kind="parking")
    make_user(phone="13800000009", is_admin=True)
    auth.sign_in("13800000009", PASSWORD)
    assert client.get("/directory/T-S-01-P1/edit").status_code == 200
    assert client.post_form("/directory/T-S-01-P1/edit", {**VALID, "name": "改名停车场"}).status_code == 302
    assert get_resource("T-S-01-P1").name == "改名停车场"


def test_my_resources_lists_what_the_manager_owns(client, auth, city):
    make_resource("T-S-01-P1", city["c1"], name="一号社区停车场", kind="parking")
    make_resource("T-S-02-P1", city["c2"], name="二号社区停车场", kind="parking")
    auth.sign_in("13800000004", PASSWORD)
    html = client.get("/directory/mine").get_data(as_text=True)
    assert "一号社区停车场" in html and "二号社区停车场" not in html


def test_public_pages_need_no_sign_in(client, city):
    make_resource("T-S-01-P1", city["c1"], name="一号社区停车场", kind="parking", capacity=40, unit_label="车位")
    html = client.get("/directory/?q=停车").get_data(as_text=True)
    assert "一号社区停车场" in html
    page = client.get("/directory/T-S-01-P1").get_data(as_text=True)
    assert "40 车位" in page and "一号社区" in page
