"""API v1 service items (双领办): publish, list (paged, filtered), claim, withdraw, complete, close and cancel;
every workflow state and every refusal a problem with its code (API.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db import utcnow
from app.extensions import db
from app.organisations.services import register_unit
from app.service_items.models import ServiceClaim, ServiceItem
from tests.factories import (
    make_bearer,
    make_local_resident,
    make_membership,
    make_org,
    make_service_claim,
    make_service_item,
    make_unit_staff,
    make_user,
)
from tests.when import SHANGHAI

START = (utcnow() + timedelta(days=2)).replace(microsecond=0).astimezone(SHANGHAI)


@pytest.fixture
def people(city):
    """Bearer headers: c1's manager, the registered unit's manager and staff, a resident of c1, a manager of
    a unit with a pending registration, c2's manager, a stranger."""
    pending = make_org("U-N", kind="unit", unit_type="soe", name="新单位", parent=city["street"])
    register_unit(pending, city["c1"], applicant=None)
    community_manager, unit_manager, pending_manager, c2_manager = (make_user() for _ in range(4))
    make_membership(community_manager, city["c1"], "manager")
    make_membership(unit_manager, city["unit"], "manager")
    make_membership(pending_manager, pending, "manager")
    make_membership(c2_manager, city["c2"], "manager")
    return {
        "community_manager": make_bearer(community_manager),
        "unit_manager": make_bearer(unit_manager),
        "pending_manager": make_bearer(pending_manager),
        "c2_manager": make_bearer(c2_manager),
        "staff": make_bearer(make_unit_staff(city["unit"])),
        "resident": make_bearer(make_local_resident(city["c1"])),
        "stranger": make_bearer(make_user()),
    }


def publish(client, headers, **fields):
    body = {
        "org": "T-S-01",
        "title": "为独居老人代买药品",
        "description": "每周二上午",
        "start": START.isoformat(),
        "end": (START + timedelta(hours=2)).isoformat(),
        "places": 2,
        **fields,
    }
    return client.post("/api/v1/service-items", json=body, headers=headers)


def claim(client, headers, item_id, on_behalf_of=None):
    return client.post(f"/api/v1/service-items/{item_id}/claim", json={"on_behalf_of": on_behalf_of}, headers=headers)


def code(response) -> str:
    assert response.mimetype == "application/problem+json", response.get_data(as_text=True)
    return response.get_json()["code"]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- the whole workflow -------------------------------------------------------------------------------------


def test_a_need_is_published_claimed_by_a_unit_and_a_resident_and_completed(client, people):
    published = publish(client, people["community_manager"])
    assert published.status_code == 201, published.get_json()
    item = published.get_json()
    assert item == {
        "id": item["id"],
        "org": "T-S-01",
        "kind": "need",
        "title": "为独居老人代买药品",
        "description": "每周二上午",
        "place": "",
        "start": START.isoformat(),
        "end": (START + timedelta(hours=2)).isoformat(),
        "places": 2,
        "claimed": 0,
        "status": "open",
        "created_at": item["created_at"],
    }
    assert item["start"].endswith("+08:00")

    by_unit = claim(client, people["unit_manager"], item["id"], "U-T")
    assert by_unit.status_code == 201
    unit_claim = by_unit.get_json()
    assert {k: unit_claim[k] for k in ("item", "on_behalf_of", "status", "hours", "note", "completed_at")} == {
        "item": item["id"],
        "on_behalf_of": "U-T",
        "status": "claimed",
        "hours": None,
        "note": None,
        "completed_at": None,
    }
    by_resident = claim(client, people["resident"], item["id"])
    assert by_resident.status_code == 201 and by_resident.get_json()["on_behalf_of"] is None
    assert client.get(f"/api/v1/service-items/{item['id']}", headers=people["stranger"]).get_json()["claimed"] == 2

    done = client.post(
        f"/api/v1/service-items/{item['id']}/complete",
        json={"claim": unit_claim["id"], "hours": 2.5, "note": "送药上门两次"},
        headers=people["community_manager"],
    )
    assert done.status_code == 200, done.get_json()
    completed = done.get_json()
    assert (completed["status"], completed["hours"], completed["note"], completed["photo"]) == (
        "completed",
        2.5,
        "送药上门两次",
        None,
    )
    assert completed["completed_at"].endswith("+08:00")


def test_a_unit_publishes_a_support_item_a_community_claims_it_and_withdraws(client, people):
    item = publish(client, people["unit_manager"], org="U-T", title="开放化学实验室").get_json()
    assert item["kind"] == "support"
    made = claim(client, people["community_manager"], item["id"], "T-S-01")
    assert made.status_code == 201
    withdrawn = client.post(
        f"/api/v1/service-items/{item['id']}/withdraw",
        json={"claim": made.get_json()["id"]},
        headers=people["community_manager"],
    )
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert client.get(f"/api/v1/service-items/{item['id']}", headers=people["stranger"]).get_json()["claimed"] == 0


def test_people_sign_up_for_an_activity_day(client, people):
    item = publish(client, people["community_manager"], kind="activity_day", title="主题党日：河道清洁").get_json()
    assert item["kind"] == "activity_day"
    assert claim(client, people["staff"], item["id"]).status_code == 201
    assert claim(client, people["resident"], item["id"]).status_code == 201


def test_the_publisher_closes_reopens_and_cancels_an_item(client, people, city):
    item = make_service_item(city["c1"])
    url = f"/api/v1/service-items/{item.id}/status"
    closed = client.post(url, json={"status": "closed"}, headers=people["community_manager"])
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert code(claim(client, people["resident"], item.id)) == "not_claimable"
    assert client.post(url, json={"status": "open"}, headers=people["community_manager"]).get_json()["status"] == "open"
    held = claim(client, people["resident"], item.id).get_json()
    cancelled = client.post(url, json={"status": "cancelled"}, headers=people["community_manager"])
    assert cancelled.get_json()["status"] == "cancelled"
    assert db.session.get(ServiceClaim, held["id"]).status == "withdrawn"
    again = client.post(url, json={"status": "open"}, headers=people["community_manager"])
    assert (again.status_code, code(again)) == (409, "item_not_movable")
    bad = client.post(url, json={"status": "lost"}, headers=people["community_manager"])
    assert (bad.status_code, code(bad)) == (422, "invalid_status")
    other = client.post(url, json={"status": "closed"}, headers=people["unit_manager"])
    assert (other.status_code, code(other)) == (403, "forbidden")
    missing = client.post("/api/v1/service-items/999/status", json={"status": "closed"}, headers=people["staff"])
    assert (missing.status_code, code(missing)) == (404, "not_found")


# --- listing --------------------------------------------------------------------------------------------------


def test_items_are_listed_by_community_status_and_kind_in_pages(client, people, city):
    need = make_service_item(city["c1"], title="代买药品", start=START)
    support = make_service_item(city["unit"], title="开放实验室", start=START + timedelta(hours=1))
    make_service_item(city["c2"], title="别处的事")
    closed = make_service_item(city["c1"], title="已截止", status="closed")
    make_service_claim(need, make_user())

    def listed(query: str) -> list[int]:
        response = client.get(f"/api/v1/service-items{query}", headers=people["stranger"])
        assert response.status_code == 200, response.get_json()
        return [i["id"] for i in response.get_json()["items"]]

    assert listed("?community=T-S-01&status=open") == [need.id, support.id]
    assert set(listed("?community=T-S-01")) == {need.id, support.id, closed.id}
    assert listed("?community=T-S-01&kind=support") == [support.id]
    assert listed("?org=U-T") == [support.id]
    assert len(listed("")) == 4
    page = client.get("/api/v1/service-items?community=T-S-01&status=open&per_page=1&page=2", headers=people["staff"])
    body = page.get_json()
    assert (body["total"], body["page"], body["per_page"], [i["id"] for i in body["items"]]) == (2, 2, 1, [support.id])
    first = client.get("/api/v1/service-items?community=T-S-01&status=open", headers=people["staff"]).get_json()
    assert first["items"][0]["claimed"] == 1


@pytest.mark.parametrize(
    "query",
    ["?community=NOPE", "?community=U-T", "?org=T-S", "?status=full", "?kind=party", "?page=0", "?per_page=500"],
    ids=["unknown community", "a unit is no community", "a street publishes nothing", "status", "kind", "page", "size"],
)
def test_bad_filters_are_refused(client, people, query):
    response = client.get(f"/api/v1/service-items{query}", headers=people["staff"])
    assert (response.status_code, code(response)) == (422, "invalid_filter")


def test_the_publisher_sees_every_claim_and_others_their_own(client, people, city):
    item = make_service_item(city["c1"], places=3)
    mine = claim(client, people["resident"], item.id).get_json()
    theirs = claim(client, people["unit_manager"], item.id, "U-T").get_json()

    def ids(who: str) -> list[int]:
        return [
            c["id"]
            for c in client.get(f"/api/v1/service-items/{item.id}/claims", headers=people[who]).get_json()["items"]
        ]

    assert ids("community_manager") == [mine["id"], theirs["id"]]
    second = client.get(
        f"/api/v1/service-items/{item.id}/claims?page=2&per_page=1", headers=people["community_manager"]
    ).get_json()
    assert (second["total"], second["page"], [c["id"] for c in second["items"]]) == (2, 2, [theirs["id"]])
    bad = client.get(f"/api/v1/service-items/{item.id}/claims?per_page=0", headers=people["resident"])
    assert (bad.status_code, code(bad)) == (422, "invalid_filter")
    assert ids("resident") == [mine["id"]]
    assert ids("stranger") == []
    assert client.get("/api/v1/service-items/999/claims", headers=people["stranger"]).status_code == 404
    assert client.get("/api/v1/service-items/999", headers=people["stranger"]).status_code == 404


# --- refusals ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "fields", "status", "expected"),
    [
        ("stranger", {}, 403, "forbidden"),
        ("unit_manager", {}, 403, "forbidden"),
        ("community_manager", {"org": "NOPE"}, 422, "invalid_owner"),
        ("community_manager", {"org": "T-S"}, 422, "invalid_owner"),
        ("community_manager", {"kind": "support"}, 422, "invalid_kind"),
        ("community_manager", {"title": " "}, 422, "title_required"),
        ("community_manager", {"title": "长" * 201}, 422, "value_too_long"),
        ("community_manager", {"title": 5}, 422, "invalid"),
        ("community_manager", {"start": "2026-12-01T09:00:00"}, 422, "invalid_time"),
        ("community_manager", {"end": "tomorrow"}, 422, "invalid_time"),
        ("community_manager", {"end": START.isoformat()}, 422, "end_before_start"),
        (
            "community_manager",
            {"start": "2020-01-01T09:00:00+08:00", "end": "2020-01-01T10:00:00+08:00"},
            422,
            "in_past",
        ),
        ("community_manager", {"places": 0}, 422, "places_out_of_range"),
        ("community_manager", {"places": "2"}, 422, "places_out_of_range"),
        ("community_manager", {"places": True}, 422, "places_out_of_range"),
    ],
    ids=[
        "a stranger",
        "another organisation's manager",
        "an unknown organisation",
        "a street",
        "a kind the community does not publish",
        "no title",
        "a title too long",
        "a title that is not text",
        "a time without its offset",
        "not a time",
        "an end not after the start",
        "over already",
        "no places",
        "places as text",
        "places as a boolean",
    ],
)
def test_refused_publications_are_problems_and_write_nothing(client, people, who, fields, status, expected):
    response = publish(client, people[who], **fields)
    assert (response.status_code, code(response)) == (status, expected)
    assert count(ServiceItem) == 0


def test_a_body_that_is_not_an_object_is_a_bad_request(client, people):
    response = client.post("/api/v1/service-items", json=[1], headers=people["community_manager"])
    assert (response.status_code, code(response)) == (400, "invalid_json")


@pytest.mark.parametrize(
    ("who", "on_behalf_of", "status", "expected"),
    [
        ("staff", "U-T", 403, "forbidden"),
        ("unit_manager", "U-N", 403, "forbidden"),
        ("pending_manager", "U-N", 403, "not_registered"),
        ("stranger", None, 403, "not_registered"),
        ("community_manager", "T-S-01", 422, "invalid_claimant"),
        ("resident", "NOPE", 422, "invalid_owner"),
        ("resident", 7, 422, "invalid_owner"),
    ],
    ids=[
        "acting for a unit one does not manage (a member)",
        "acting for a unit one does not manage (another's)",
        "a unit not acknowledged yet",
        "someone registered nowhere",
        "the community on its own need",
        "an unknown organisation",
        "not a code",
    ],
)
def test_refused_claims_are_problems_and_write_nothing(client, people, city, who, on_behalf_of, status, expected):
    item = make_service_item(city["c1"])
    response = claim(client, people[who], item.id, on_behalf_of)
    assert (response.status_code, code(response)) == (status, expected)
    assert count(ServiceClaim) == 0


def test_claiming_twice_is_already_claimed_and_a_full_item_capacity_exceeded(client, people, city):
    item = make_service_item(city["c1"], places=1)
    assert claim(client, people["unit_manager"], item.id, "U-T").status_code == 201
    twice = claim(client, people["unit_manager"], item.id, "U-T")
    assert (twice.status_code, code(twice)) == (409, "already_claimed")
    full = claim(client, people["resident"], item.id)
    assert (full.status_code, code(full)) == (409, "capacity_exceeded")
    assert count(ServiceClaim) == 1


@pytest.mark.parametrize("status", ["closed", "cancelled"])
def test_a_closed_or_cancelled_item_is_not_claimable(client, people, city, status):
    item = make_service_item(city["c1"], status=status)
    response = claim(client, people["resident"], item.id)
    assert (response.status_code, code(response)) == (409, "not_claimable")


def test_claiming_an_item_that_does_not_exist_is_not_found(client, people):
    response = claim(client, people["resident"], 999)
    assert (response.status_code, code(response)) == (404, "not_found")


def test_a_claim_without_a_body_is_for_oneself_and_a_body_that_is_not_an_object_is_refused(client, people, city):
    item = make_service_item(city["c1"])
    url = f"/api/v1/service-items/{item.id}/claim"
    bad = client.post(url, data="[1]", content_type="application/json", headers=people["resident"])
    assert (bad.status_code, code(bad)) == (400, "invalid_json")
    made = client.post(url, headers=people["resident"])
    assert made.status_code == 201 and made.get_json()["on_behalf_of"] is None


def test_refused_withdrawals(client, people, city):
    item = make_service_item(city["c1"], places=3)
    made = claim(client, people["resident"], item.id).get_json()
    url = f"/api/v1/service-items/{item.id}/withdraw"
    other = client.post(url, json={"claim": made["id"]}, headers=people["community_manager"])
    assert (other.status_code, code(other)) == (403, "forbidden")
    wrong_item = make_service_item(city["c1"], title="另一件")
    elsewhere = client.post(
        f"/api/v1/service-items/{wrong_item.id}/withdraw", json={"claim": made["id"]}, headers=people["resident"]
    )
    assert (elsewhere.status_code, code(elsewhere)) == (404, "not_found")
    no_id = client.post(url, json={}, headers=people["resident"])
    assert (no_id.status_code, code(no_id)) == (422, "invalid")
    assert client.post(url, json={"claim": made["id"]}, headers=people["resident"]).status_code == 200
    again = client.post(url, json={"claim": made["id"]}, headers=people["resident"])
    assert (again.status_code, code(again)) == (409, "claim_not_withdrawable")


@pytest.mark.parametrize(
    ("who", "body", "status", "expected"),
    [
        ("unit_manager", {"hours": 2, "note": "好"}, 403, "forbidden"),
        ("community_manager", {"hours": 0, "note": "好"}, 422, "invalid_hours"),
        ("community_manager", {"hours": "两小时", "note": "好"}, 422, "invalid_hours"),
        ("community_manager", {"hours": True, "note": "好"}, 422, "invalid_hours"),
        ("community_manager", {"note": "好"}, 422, "invalid_hours"),
        ("community_manager", {"hours": 2, "note": ""}, 422, "note_required"),
        ("community_manager", {"hours": 2, "note": 5}, 422, "note_required"),
        ("community_manager", {"hours": 2, "note": "长" * 1001}, 422, "value_too_long"),
        ("community_manager", {"claim": 999, "hours": 2, "note": "好"}, 404, "not_found"),
        ("community_manager", {"claim": "1", "hours": 2, "note": "好"}, 422, "invalid"),
    ],
    ids=[
        "not the publisher's manager",
        "hours above 0",
        "hours as a number",
        "hours as a boolean",
        "no hours",
        "no note",
        "a note that is not text",
        "a note too long",
        "no such claim",
        "a claim id as text",
    ],
)
def test_refused_completions_are_problems_and_change_nothing(client, people, city, who, body, status, expected):
    item = make_service_item(city["c1"])
    made = claim(client, people["resident"], item.id).get_json()
    response = client.post(
        f"/api/v1/service-items/{item.id}/complete", json={"claim": made["id"], **body}, headers=people[who]
    )
    assert (response.status_code, code(response)) == (status, expected)
    assert db.session.get(ServiceClaim, made["id"]).status == "claimed"


def test_a_claim_is_completed_once_and_a_withdrawn_one_never(client, people, city):
    item = make_service_item(city["c1"], places=3)
    made = claim(client, people["resident"], item.id).get_json()
    gone = claim(client, people["unit_manager"], item.id, "U-T").get_json()
    client.post(f"/api/v1/service-items/{item.id}/withdraw", json={"claim": gone["id"]}, headers=people["unit_manager"])
    url = f"/api/v1/service-items/{item.id}/complete"
    body = {"claim": made["id"], "hours": "1.5", "note": "好"}
    assert client.post(url, json=body, headers=people["community_manager"]).get_json()["hours"] == 1.5
    twice = client.post(url, json=body, headers=people["community_manager"])
    assert (twice.status_code, code(twice)) == (409, "not_completable")
    withdrawn = client.post(url, json={**body, "claim": gone["id"]}, headers=people["community_manager"])
    assert (withdrawn.status_code, code(withdrawn)) == (409, "not_completable")
