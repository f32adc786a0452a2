"""GET /api/v1/resources and /resources/{code}, as API.md describes them."""

import pytest

from tests.factories import make_city, make_resource


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
