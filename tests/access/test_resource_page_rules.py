"""A resource's page says who may book it and when, in plain words, and whether that includes you."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.access.services import apply_template
from app.db import utcnow
from app.extensions import db
from tests.access.town import MANAGER, OTHER_MANAGER, RESIDENT, UNIT_STAFF, build_town
from tests.factories import PASSWORD, make_closure

SHANGHAI = ZoneInfo("Asia/Shanghai")
PARKING_ZH = "工作日 08:30–17:30 向报到单位免费开放，每次最多 3 个车位"
PARKING_EN = "Working days 08:30–17:30: free for registered units, at most 3 spaces per booking"


@pytest.fixture
def town(app) -> dict[str, Any]:
    town = build_town()
    apply_template(town["parking"], "units_on_workdays", actor=None, now=utcnow())
    apply_template(town["stadium"], "residents_outside_working_hours", actor=None, now=utcnow())
    db.session.commit()
    return town


def page(client, code: str = "T-S-01-P1", **kwargs: Any) -> str:
    response = client.get(f"/directory/{code}", **kwargs)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_rules_read_in_chinese_by_default(client, town):
    html = page(client)
    assert "谁可以预约、何时开放" in html and PARKING_ZH in html
    stadium = page(client, "U-T-G1")
    assert "工作日 18:00–21:30 向居民免费开放" in stadium and "休息日 08:00–21:30 向居民免费开放" in stadium


def test_the_rules_read_in_english_for_an_english_browser(client, town):
    html = page(client, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Who may book, and when" in html and PARKING_EN in html


def test_the_rules_read_in_english_after_the_language_switch(client, town):
    client.post_form("/language", {"locale": "en"})
    html = page(client, "U-T-G1")
    assert "Working days 18:00–21:30: free for residents" in html
    assert "Rest days 08:00–21:30: free for residents" in html


def test_a_resource_without_windows_says_it_is_not_open_yet(client, town, auth):
    from tests.factories import make_resource

    make_resource("T-S-01-H1", town["c1"], name="一号社区活动中心", kind="activity_centre")
    assert "暂未开放预约" in page(client, "T-S-01-H1")
    client.post_form("/language", {"locale": "en"})
    assert "Not open for booking yet." in page(client, "T-S-01-H1")


def test_visitors_are_asked_to_sign_in_to_see_what_is_open_to_them(client, town):
    client.post_form("/language", {"locale": "en"})
    html = page(client)
    assert "Sign in to see which of these are open to you." in html
    assert "open to you" not in html.replace("are open to you", "")


def test_a_units_staff_sees_the_parking_open_to_them_when_booking_for_the_unit(client, auth, town):
    auth.sign_in(UNIT_STAFF, PASSWORD)
    client.post_form("/language", {"locale": "en"})
    assert "open to you when booking for 测试中学" in page(client)


def test_a_resident_sees_the_stadium_open_to_them_and_the_parking_not(client, auth, town):
    auth.sign_in(RESIDENT, PASSWORD)
    client.post_form("/language", {"locale": "en"})
    assert page(client, "U-T-G1").count("✓ </span>open to you</span>") == 2
    parking = page(client)
    assert "(not open to you)" in parking and "✓" not in parking


def test_closures_of_the_next_60_days_are_listed_with_their_reasons(client, town):
    today = utcnow().astimezone(SHANGHAI).date()
    soon, later = today + timedelta(days=7), today + timedelta(days=90)
    make_closure(
        datetime(soon.year, soon.month, soon.day, 8, tzinfo=SHANGHAI),
        datetime(soon.year, soon.month, soon.day, 12, tzinfo=SHANGHAI),
        reason="划线施工",
        resource=town["parking"],
    )
    make_closure(
        datetime(later.year, later.month, later.day, tzinfo=SHANGHAI),
        datetime(later.year, later.month, later.day, 12, tzinfo=SHANGHAI),
        reason="远期维修",
        resource=town["parking"],
    )
    make_closure(
        datetime(soon.year, soon.month, soon.day, 14, tzinfo=SHANGHAI),
        datetime(soon.year, soon.month, soon.day, 16, tzinfo=SHANGHAI),
        reason="社区大会",
        organisation=town["c1"],
    )
    html = page(client)
    assert "划线施工" in html and "08:00–12:00" in html
    assert "社区大会" in html and "远期维修" not in html


def test_managers_find_a_link_to_edit_the_rules_and_others_do_not(client, auth, town):
    auth.sign_in(MANAGER, PASSWORD)
    assert "/access/T-S-01-P1/rules" in page(client)
    auth.sign_out()
    auth.sign_in(OTHER_MANAGER, PASSWORD)
    assert "/access/T-S-01-P1/rules" not in page(client)
