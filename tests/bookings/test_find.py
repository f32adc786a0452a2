"""Finding what is free for me: a day and a time span, how many, the directory's filters, open now."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.db import utcnow
from app.domain.resources import Policy
from tests.factories import (
    PASSWORD,
    make_article_parking,
    make_booking,
    make_city,
    make_closure,
    make_resource,
    make_user,
    make_window,
)
from tests.when import SHANGHAI, at, next_monday

URL = "/bookings/find"
POLICY = Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=30)


MONDAY = next_monday()


def search(client, **params) -> str:
    params.setdefault("day", MONDAY.isoformat())
    params.setdefault("start", "09:00")
    params.setdefault("end", "10:00")
    response = client.get(URL, query_string=params)
    assert response.status_code == 200
    assert "private" in response.headers["Cache-Control"]
    return response.get_data(as_text=True)


def found(html: str) -> set[str]:
    return set(re.findall(r'href="/bookings/resources/([^/"]+)/week', html))


@pytest.fixture
def city(app):
    city = make_city()
    make_article_parking(city["c1"], POLICY, name="一号社区停车场", unit_label="")
    court = make_resource("T-S-01-C1", city["c1"], name="一号社区篮球场", capacity=2, unit_label="场地", policy=POLICY)
    make_window(court, audience="residents", start="08:00", end="21:00")
    hall = make_resource("T-S-02-H1", city["c2"], name="二号社区活动室", kind="activity_centre", policy=POLICY)
    make_window(hall, audience="public", start="09:00", end="12:00")
    return city


def test_anonymous_visitors_get_the_form_and_are_asked_to_sign_in(client, city):
    html = client.get(URL).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in html and "我可预约的空闲场所" in html
    for name in ("day", "start", "end", "quantity", "open_now", "kind", "area", "q"):
        assert f'for="{name}"' in html, name
    assert f'value="{utcnow().astimezone(SHANGHAI).date().isoformat()}"' in html, "today by default"
    searched = search(client)
    assert "请登录后查看对您开放的场所" in searched and found(searched) == set()


def test_a_resident_finds_exactly_what_they_may_book_then(client, auth, resident):
    auth.sign_in(resident.phone, PASSWORD)
    html = search(client)
    assert found(html) == {"T-S-01-C1", "T-S-02-H1"}
    assert "有 2 处场所可供您预约" in html
    assert found(search(client, start="12:00", end="13:00")) == {"T-S-01-C1"}


def test_results_lead_to_the_week_at_that_day(client, auth, resident):
    auth.sign_in(resident.phone, PASSWORD)
    html = search(client)
    assert f"/bookings/resources/T-S-01-C1/week?start={MONDAY.isoformat()}&amp;day={MONDAY.isoformat()}" in html


def test_asking_for_more_than_is_free_leaves_a_place_out(client, auth, resident, city):
    busy = make_resource("T-S-01-C2", city["c1"], capacity=3, policy=POLICY)
    make_window(busy, audience="residents")
    make_booking(busy, make_user(), at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    make_window(make_resource("T-S-01-C3", city["c1"], capacity=3, policy=POLICY), audience="residents")
    auth.sign_in(resident.phone, PASSWORD)
    assert {"T-S-01-C2", "T-S-01-C3"} <= found(search(client, quantity="2"))
    assert found(search(client, quantity="3")) == {"T-S-01-C3"}


def test_kind_area_and_words_narrow_the_search(client, auth, resident, city):
    auth.sign_in(resident.phone, PASSWORD)
    assert found(search(client, kind="activity_centre")) == {"T-S-02-H1"}
    assert found(search(client, area="T-S-01")) == {"T-S-01-C1"}
    assert found(search(client, q="篮球")) == {"T-S-01-C1"}


def test_unit_staff_find_the_parking_when_booking_for_their_unit(client, auth, staff):
    auth.sign_in(staff.phone, PASSWORD)
    assert found(search(client)) == {"T-S-02-H1"}
    html = search(client, on_behalf_of="U-T", quantity="3")
    assert found(html) == {"T-S-01-P1"}
    assert "on_behalf_of=U-T" in html


def test_a_unit_one_does_not_belong_to_is_refused_beside_the_field(client, auth, staff):
    auth.sign_in(staff.phone, PASSWORD)
    html = search(client, on_behalf_of="T-S-01")
    assert 'id="on_behalf_of-error"' in html and found(html) == set()


def test_open_to_me_now_needs_no_time_and_leaves_out_what_is_closed(client, auth, resident, city):
    now = utcnow()
    open_all_day = make_resource("T-S-01-A1", city["c1"], name="全天开放活动室", kind="activity_centre", policy=POLICY)
    make_window(open_all_day, audience="residents")
    closed_now = make_resource("T-S-01-A2", city["c1"], name="维修中活动室", kind="activity_centre", policy=POLICY)
    make_window(closed_now, audience="residents")
    make_closure(now - timedelta(hours=1), now + timedelta(hours=1), resource=closed_now)
    auth.sign_in(resident.phone, PASSWORD)
    html = client.get(URL, query_string={"open_now": "y", "kind": "activity_centre"}).get_data(as_text=True)
    assert found(html) == {"T-S-01-A1"}


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"start": "10:00", "end": "09:00"}, "end", "结束时间须晚于开始时间。"),
        ({"day": "2026-02-31"}, "day", ""),
        ({"day": ""}, "day", "请填写日期。"),
        ({"quantity": "0"}, "quantity", "请输入不小于 1 的整数。"),
        ({"end": ""}, "end", "请填写结束时间。"),
    ],
    ids=["end before start", "no such date", "no date", "quantity below one", "no end"],
)
def test_bad_input_is_explained_beside_its_field(client, auth, resident, params, field, words):
    auth.sign_in(resident.phone, PASSWORD)
    html = search(client, **params)
    error = re.search(rf'<div id="{field}-error"[^>]*>(.*?)</div>', html, re.S)
    assert error, f"no error beside {field}"
    assert words in error.group(1)
    assert 'aria-invalid="true"' in html and "查找结果" not in html


def test_the_directory_leads_to_the_search(client, city):
    html = client.get("/directory/").get_data(as_text=True)
    assert 'href="/bookings/find"' in html and "查找我可预约的空闲场所" in html
