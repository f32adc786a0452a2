"""API v1 registrations (双报到): apply, acknowledge with a receipt, decline, withdraw; every refusal a
problem with its code; and an acknowledged unit books the community's parking the next second."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.domain.resources import Policy
from app.extensions import db
from app.organisations.models import Organisation, Registration
from tests.factories import (
    make_article_parking,
    make_bearer,
    make_membership,
    make_org,
    make_unit_staff,
    make_user,
)
from tests.when import at, next_monday

POLICY = Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=30)
MONDAY = next_monday()


@pytest.fixture
def people(city):
    """A new unit (U-N, not registered anywhere) with its manager and staff, and c1's manager."""
    unit = make_org("U-N", kind="unit", unit_type="soe", name="新单位", parent=city["street"])
    unit_manager, community_manager = make_user(name="单位管理员"), make_user(name="社区管理员")
    make_membership(unit_manager, unit, "manager")
    make_membership(community_manager, city["c1"], "manager")
    return {
        "unit": unit,
        "unit_manager": make_bearer(unit_manager),
        "community_manager": make_bearer(community_manager),
        "staff": make_bearer(make_unit_staff(unit)),
        "stranger": make_bearer(make_user(name="路人")),
    }


def apply(client, headers, **fields):
    return client.post(
        "/api/v1/registrations", json={"community": "T-S-01", "kind": "unit", "unit": "U-N", **fields}, headers=headers
    )


def count(status: str | None = None) -> int:
    query = select(func.count()).select_from(Registration)
    if status:
        query = query.where(Registration.status == status)
    return db.session.scalar(query)


def test_a_unit_acknowledged_by_a_community_books_its_parking_the_next_second_and_withdrawn_cannot(
    client, city, people
):
    make_article_parking(city["c1"], POLICY)

    def book(start: str, end: str):
        body = {
            "resource": "T-S-01-P1",
            "start": at(MONDAY, start).isoformat(),
            "end": at(MONDAY, end).isoformat(),
            "quantity": 2,
            "on_behalf_of": "U-N",
        }
        return client.post("/api/v1/bookings", json=body, headers=people["staff"])

    assert book("09:00", "10:00").get_json()["code"] == "not_eligible"
    applied = apply(client, people["unit_manager"])
    assert applied.status_code == 201, applied.get_json()
    registration = applied.get_json()
    assert (registration["status"], registration["receipt"], registration["kind"]) == ("pending", None, "unit")
    assert book("09:00", "10:00").get_json()["code"] == "not_eligible", "pending gives nothing yet"

    acknowledged = client.post(
        f"/api/v1/registrations/{registration['id']}/acknowledge", headers=people["community_manager"]
    ).get_json()
    assert acknowledged["status"] == "acknowledged"
    assert acknowledged["receipt"].startswith("T-S-01-") and acknowledged["decided_at"]
    placed = book("09:00", "10:00")
    assert placed.status_code == 201, placed.get_json()

    withdrawn = client.post(f"/api/v1/registrations/{registration['id']}/withdraw", headers=people["unit_manager"])
    assert withdrawn.get_json()["status"] == "withdrawn"
    refused = book("10:00", "11:00")
    assert (refused.status_code, refused.get_json()["code"]) == (403, "not_eligible")


def test_a_resident_registers_moves_house_and_me_shows_the_residence(client, city):
    user = make_user(name="王居民")
    headers = make_bearer(user)
    manager = make_user(name="社区管理员")
    make_membership(manager, city["c1"], "manager")
    first = client.post(
        "/api/v1/registrations",
        json={"community": "T-S-01", "kind": "resident", "party_member": True, "work_unit": "U-T"},
        headers=headers,
    ).get_json()
    assert (first["kind"], first["user"], first["party_member"], first["work_unit"]) == (
        "resident",
        user.code,
        True,
        "U-T",
    )
    client.post(f"/api/v1/registrations/{first['id']}/acknowledge", headers=make_bearer(manager))
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["residence"] == {"community": "T-S-01", "status": "acknowledged"}
    assert me["party_member"] is True
    assert set(me) >= {"code", "name", "phone", "party_member", "residence", "memberships", "registrations"}

    moved = client.post("/api/v1/registrations", json={"community": "T-S-02", "kind": "resident"}, headers=headers)
    assert moved.status_code == 201
    assert (moved.get_json()["status"], moved.get_json()["transferred_from"]) == ("pending", first["id"])
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["residence"] == {"community": "T-S-02", "status": "pending"}
    statuses = {r["community"]: r["status"] for r in me["registrations"]}
    assert statuses == {"T-S-01": "withdrawn", "T-S-02": "pending"}


def test_a_manager_declines_with_a_reason_and_a_decided_registration_is_not_decided_again(client, city, people):
    registration = apply(client, people["unit_manager"]).get_json()
    url = f"/api/v1/registrations/{registration['id']}"
    no_reason = client.post(f"{url}/decline", json={"reason": "  "}, headers=people["community_manager"])
    assert (no_reason.status_code, no_reason.get_json()["code"]) == (422, "decline_reason_required")
    declined = client.post(f"{url}/decline", json={"reason": "不在本辖区"}, headers=people["community_manager"])
    assert (declined.get_json()["status"], declined.get_json()["reason"]) == ("declined", "不在本辖区")
    again = client.post(f"{url}/acknowledge", headers=people["community_manager"])
    assert (again.status_code, again.get_json()["code"]) == (409, "registration_not_pending")
    withdraw = client.post(f"{url}/withdraw", headers=people["unit_manager"])
    assert (withdraw.status_code, withdraw.get_json()["code"]) == (409, "not_withdrawable")
    # Declined, the unit may apply anew.
    assert apply(client, people["unit_manager"]).status_code == 201


@pytest.mark.parametrize(
    ("who", "body", "status", "code"),
    [
        ("staff", {}, 403, "forbidden"),
        ("stranger", {}, 403, "forbidden"),
        ("unit_manager", {"unit": "NOPE"}, 422, "not_a_unit"),
        ("unit_manager", {"unit": "T-S-02"}, 422, "not_a_unit"),
        ("unit_manager", {"community": "U-T"}, 422, "not_a_community"),
        ("unit_manager", {"community": None}, 422, "not_a_community"),
        ("unit_manager", {"kind": "tenant"}, 422, "invalid_kind"),
    ],
    ids=[
        "staff of the unit, not its manager",
        "someone else",
        "unknown unit",
        "a community as the unit",
        "a unit as the community",
        "no community",
        "unknown kind",
    ],
)
def test_applying_for_a_unit_is_refused_with_a_code_and_nothing_is_written(client, people, who, body, status, code):
    before = count()
    response = apply(client, people[who], **body)
    assert (response.status_code, response.get_json()["code"]) == (status, code)
    assert response.mimetype == "application/problem+json"
    assert count() == before


def test_applying_twice_is_already_registered(client, people):
    assert apply(client, people["unit_manager"]).status_code == 201
    twice = apply(client, people["unit_manager"])
    assert (twice.status_code, twice.get_json()["code"]) == (409, "already_registered")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"community": "T-S-01", "kind": "resident", "party_member": "yes"}, "invalid"),
        ({"community": "T-S-01", "kind": "resident", "work_unit": "T-S-02"}, "not_a_unit"),
        ({"community": "NOPE", "kind": "resident"}, "not_a_community"),
    ],
    ids=["party_member not a boolean", "a community as the work unit", "unknown community"],
)
def test_resident_registration_refuses_bad_input(client, city, body, code):
    response = client.post("/api/v1/registrations", json=body, headers=make_bearer(make_user()))
    assert (response.status_code, response.get_json()["code"]) == (422, code)
    assert count() == 1  # the town's own unit registration


def test_registering_at_the_same_community_twice_is_already_registered(client, city):
    headers = make_bearer(make_user())
    body = {"community": "T-S-01", "kind": "resident"}
    assert client.post("/api/v1/registrations", json=body, headers=headers).status_code == 201
    twice = client.post("/api/v1/registrations", json=body, headers=headers)
    assert (twice.status_code, twice.get_json()["code"]) == (409, "already_registered")


def test_a_body_that_is_not_json_is_invalid_json(client, city):
    response = client.post("/api/v1/registrations", data="x", headers=make_bearer(make_user()))
    assert (response.status_code, response.get_json()["code"]) == (400, "invalid_json")


@pytest.mark.parametrize("who", ["unit_manager", "staff", "stranger"])
def test_only_the_communitys_managers_acknowledge_or_decline(client, people, who):
    registration = apply(client, people["unit_manager"]).get_json()
    for action, body in (("acknowledge", None), ("decline", {"reason": "不行"})):
        response = client.post(f"/api/v1/registrations/{registration['id']}/{action}", json=body, headers=people[who])
        assert (response.status_code, response.get_json()["code"]) == (403, "forbidden"), action
    assert count("pending") == 1


def test_a_manager_of_another_community_cannot_acknowledge(client, city, people):
    other = make_user(name="二号社区管理员")
    make_membership(other, city["c2"], "manager")
    registration = apply(client, people["unit_manager"]).get_json()
    response = client.post(f"/api/v1/registrations/{registration['id']}/acknowledge", headers=make_bearer(other))
    assert (response.status_code, response.get_json()["code"]) == (403, "forbidden")


@pytest.mark.parametrize("who", ["staff", "stranger", "community_manager"])
def test_only_the_registrant_withdraws(client, people, who):
    registration = apply(client, people["unit_manager"]).get_json()
    response = client.post(f"/api/v1/registrations/{registration['id']}/withdraw", headers=people[who])
    assert (response.status_code, response.get_json()["code"]) == (403, "forbidden")


def test_an_unknown_registration_is_not_found(client, people):
    for action in ("acknowledge", "decline", "withdraw"):
        response = client.post(f"/api/v1/registrations/999/{action}", json={"reason": "x"}, headers=people["staff"])
        assert (response.status_code, response.get_json()["code"]) == (404, "not_found")


def test_managers_list_their_communitys_registrations_and_others_their_own(client, city, people):
    apply(client, people["unit_manager"])
    resident = make_user(name="居民")
    resident_headers = make_bearer(resident)
    client.post("/api/v1/registrations", json={"community": "T-S-01", "kind": "resident"}, headers=resident_headers)

    managed = client.get("/api/v1/registrations?community=T-S-01", headers=people["community_manager"]).get_json()
    assert managed["total"] == 3  # the town's unit, U-N and the resident
    pending = client.get(
        "/api/v1/registrations?community=T-S-01&status=pending&per_page=1", headers=people["community_manager"]
    ).get_json()
    assert (pending["total"], len(pending["items"]), pending["per_page"]) == (2, 1, 1)

    own = client.get("/api/v1/registrations?community=T-S-01", headers=resident_headers).get_json()
    assert [(r["kind"], r["user"]) for r in own["items"]] == [("resident", resident.code)]
    unit_own = client.get("/api/v1/registrations", headers=people["unit_manager"]).get_json()
    assert [r["unit"] for r in unit_own["items"]] == ["U-N"]
    assert client.get("/api/v1/registrations", headers=people["stranger"]).get_json()["total"] == 0


@pytest.mark.parametrize("query", ["community=NOPE", "status=maybe", "page=0"])
def test_bad_list_filters_are_invalid_filter(client, people, query):
    response = client.get(f"/api/v1/registrations?{query}", headers=people["stranger"])
    assert (response.status_code, response.get_json()["code"]) == (422, "invalid_filter")


def test_an_inactive_community_cannot_be_registered_with(client, city):
    community: Organisation = city["c2"]
    community.active = False
    db.session.commit()
    response = client.post(
        "/api/v1/registrations", json={"community": "T-S-02", "kind": "resident"}, headers=make_bearer(make_user())
    )
    assert (response.status_code, response.get_json()["code"]) == (422, "not_a_community")
