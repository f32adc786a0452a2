"""A resource's week page and its summary on the resource page: statuses in words, reasons on tap,
acting for a unit, and few queries."""

from __future__ import annotations

import re
from datetime import date, timedelta

import psycopg
import pytest
from sqlalchemy import event, text

from app.db import utcnow
from app.domain.resources import Policy
from app.extensions import db
from app.workdays.models import CalendarDay
from tests.conftest import PG_BASE_URL, Client, make_app
from tests.factories import (
    PASSWORD,
    make_article_parking,
    make_booking,
    make_city,
    make_closure,
    make_membership,
    make_user,
    make_window,
)
from tests.when import SHANGHAI, at, count_statements, next_monday

URL = "/bookings/resources/T-S-01-P1/week"
POLICY = Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=30)


MONDAY = next_monday()
HOLIDAY = MONDAY + timedelta(days=2)  # a Wednesday made a public holiday


def day_section(html: str, day: date) -> str:
    match = re.search(rf'<section[^>]*id="d-{day.isoformat()}".*?</section>', html, re.S)
    assert match, f"no section for {day}"
    return match.group(0)


@pytest.fixture
def city(app):
    city = make_city()
    db.session.add(CalendarDay(day=HOLIDAY, workday=False, name="测试假日", source="manual"))
    db.session.commit()
    return city


@pytest.fixture
def parking(city):
    return make_article_parking(city["c1"], POLICY)


def week_html(client, **params) -> str:
    params.setdefault("start", MONDAY.isoformat())
    response = client.get(URL, query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_week_renders_in_chinese_by_default_with_status_words(client, parking):
    make_booking(parking, make_user(), at(MONDAY, "09:00"), at(MONDAY, "10:00"), quantity=28)
    html = week_html(client)
    assert '<html lang="zh-Hans">' in html
    monday = day_section(html, MONDAY)
    assert "08:30" in monday and "空闲" in monday and "40/40" in monday
    assert "部分空闲" in monday and "12/40" in monday
    assert "当天不开放" in day_section(html, MONDAY + timedelta(days=5)), "Saturday"
    holiday = day_section(html, HOLIDAY)
    assert "当天不开放" in holiday and "测试假日" in holiday
    # Hours no window ever opens are not rows.
    assert '<span class="slot-time">08:00</span>' not in monday
    assert '<span class="slot-time">17:00</span>' in monday and '<span class="slot-time">17:30</span>' not in monday


def test_anonymous_visitors_see_free_counts_and_are_asked_to_sign_in(client, parking):
    html = week_html(client)
    assert "登录后预约" in html and "/accounts/sign-in?next=" in html
    monday = day_section(html, MONDAY)
    assert "40/40" in monday and "空闲" in monday
    # The reason is said once for the page, not on each of hundreds of cells.
    assert "<details>" not in monday and "所有人都能查看空闲情况。" in html


def test_a_full_slot_says_full(client, parking):
    make_booking(parking, make_user(), at(MONDAY, "09:00"), at(MONDAY, "10:00"), quantity=40)
    monday = day_section(week_html(client), MONDAY)
    assert "已满" in monday and "●" in monday


def test_unit_staff_acting_for_their_unit_see_what_they_may_book(client, auth, parking, staff):
    auth.sign_in(staff.phone, PASSWORD)
    html = week_html(client, on_behalf_of="U-T")
    assert '<option value="U-T" selected>' in html
    monday = day_section(html, MONDAY)
    assert "✓" in monday and "空闲" in monday and "不对您开放" not in monday and "<details>" not in monday
    # The week links keep the unit.
    assert f"start={(MONDAY + timedelta(days=7)).isoformat()}&amp;on_behalf_of=U-T" in html


def test_a_resident_is_told_why_the_units_parking_is_not_open_to_them(client, auth, parking, resident):
    auth.sign_in(resident.phone, PASSWORD)
    monday = day_section(week_html(client), MONDAY)
    assert "不对您开放" in monday and "仅限已向所在社区报到的驻区单位预约。" in monday
    assert "<summary>" in monday and "⊘" in monday


def test_a_run_of_slots_not_open_to_you_reads_as_one_cell(client, auth, parking, resident):
    auth.sign_in(resident.phone, PASSWORD)
    monday = day_section(week_html(client), MONDAY)
    # 08:30 to 17:30 is one span of "not open to you", not eighteen; counts would vary along it.
    assert monday.count("<summary>") == 1
    assert '<span class="slot-time">08:30–17:30</span>' in monday
    assert "/40" not in monday


def test_acting_for_a_unit_one_is_not_a_member_of_gives_forbidden_reasons(client, auth, parking, resident):
    auth.sign_in(resident.phone, PASSWORD)
    html = week_html(client, on_behalf_of="U-T")
    assert "您不是测试中学的成员，不能代其预约。" in html
    assert "您不是该单位的成员，不能代其预约。" in day_section(html, MONDAY)


def test_an_unknown_unit_is_not_found(client, auth, parking, resident):
    auth.sign_in(resident.phone, PASSWORD)
    assert client.get(URL, query_string={"on_behalf_of": "NOPE"}).status_code == 404


def test_a_day_long_closure_shows_closed_all_day_with_its_reason(client, parking):
    make_closure(at(MONDAY, "00:00"), at(MONDAY + timedelta(days=1), "00:00"), reason="路面维修", resource=parking)
    monday = day_section(week_html(client), MONDAY)
    assert "全天暂停开放" in monday and "路面维修" in monday


def test_in_english_the_page_speaks_english(client, parking):
    html = client.get(URL, query_string={"start": MONDAY.isoformat()}, headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Not open this day" in html and "Sign in to book" in html and "40/40" in html


def test_inactive_resources_are_hidden_except_from_their_managers(client, auth, parking, city):
    parking.active = False
    db.session.commit()
    assert client.get(URL).status_code == 404
    manager = make_user()
    make_membership(manager, city["c1"], "manager")
    auth.sign_in(manager.phone, PASSWORD)
    assert client.get(URL).status_code == 200


def test_unknown_resources_are_not_found(client, city):
    assert client.get("/bookings/resources/NOPE/week").status_code == 404


def test_days_switch_by_links_and_weeks_page_back_and_forth(client, parking):
    shown = MONDAY + timedelta(days=3)
    html = week_html(client, day=shown.isoformat())
    assert f'id="d-{shown.isoformat()}"' in html
    assert re.search(rf'class="week-day is-shown" id="d-{shown.isoformat()}"', html)
    assert f"day={MONDAY.isoformat()}#d-{MONDAY.isoformat()}" in html
    assert f"start={(MONDAY - timedelta(days=7)).isoformat()}" in html
    assert f"start={(MONDAY + timedelta(days=7)).isoformat()}" in html
    assert 'href="/bookings/resources/T-S-01-P1/week">本周</a>' in html, "back to this week"
    assert "本周</a>" not in week_html(client, start=utcnow().astimezone(SHANGHAI).date().isoformat())


def test_a_bad_start_shows_this_week(client, parking):
    today = utcnow().astimezone(SHANGHAI).date()
    html = week_html(client, start="2026-02-31")
    assert f'id="d-{today.isoformat()}"' in html


def test_the_page_is_private_and_scripts_come_from_files(client, parking):
    response = client.get(URL)
    assert "private" in response.headers["Cache-Control"] and "max-age=0" in response.headers["Cache-Control"]
    html = response.get_data(as_text=True)
    assert "/static/js/week.js" in html and "/static/css/week.css" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "no inline scripts (CSP)"
    assert html.count("<h1") == 1


# Statements per page view (a closure in the week adds the one that reads its reason): the
# page is benchmarked at hundreds of requests a second, so its queries must not grow. Signed in,
# the menu's unread count comes with the user.
@pytest.mark.parametrize(
    ("who", "most"), [("anonymous", 6), ("resident", 8), ("staff acting for the unit", 9)], ids=lambda v: str(v)
)
def test_the_week_page_takes_few_statements(client, auth, parking, resident, staff, who, most):
    make_window(parking, audience="residents", max_minutes_per_week=600)
    make_booking(parking, resident, at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    make_closure(at(MONDAY, "12:00"), at(MONDAY, "13:00"), resource=parking)
    params = {"start": MONDAY.isoformat()}
    if who == "resident":
        auth.sign_in(resident.phone, PASSWORD)
    elif who != "anonymous":
        auth.sign_in(staff.phone, PASSWORD)
        params["on_behalf_of"] = "U-T"
    with count_statements() as statements:
        assert client.get(URL, query_string=params).status_code == 200
    queries = [s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    assert len(queries) <= most, "\n".join(queries)


def _in_transaction(dbapi_connection) -> bool:
    if hasattr(dbapi_connection, "in_transaction"):  # sqlite3
        return dbapi_connection.in_transaction
    return dbapi_connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE


def test_the_week_page_reads_outside_a_transaction(client, auth, parking, staff):
    auth.sign_in(staff.phone, PASSWORD)
    seen: list[bool] = []

    def note(conn, *_args) -> None:
        seen.append(_in_transaction(conn.connection.dbapi_connection))

    event.listen(db.engine, "after_cursor_execute", note)
    try:
        assert client.get(URL, query_string={"start": MONDAY.isoformat(), "on_behalf_of": "U-T"}).status_code == 200
    finally:
        event.remove(db.engine, "after_cursor_execute", note)
    assert seen and not any(seen), "every statement of the page ran on its own, with no BEGIN to roll back"


@pytest.mark.skipif(not PG_BASE_URL, reason="prepared statements are psycopg's: needs TEST_DATABASE_URL")
def test_the_week_pages_statements_stay_prepared_from_one_view_to_the_next(tmp_path, request):
    # One connection, so every view and the check below use the same one.
    app = make_app("postgresql", tmp_path, request, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0})
    app.test_client_class = Client
    with app.app_context():
        make_article_parking(make_city()["c1"], POLICY)
        client = app.test_client()
        for _ in range(7):  # psycopg prepares a statement on its fifth use
            assert client.get(URL, query_string={"start": MONDAY.isoformat()}).status_code == 200
        prepared = db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    assert any("FROM resources" in statement for statement in prepared), prepared


def test_the_resource_page_shows_today_and_tomorrow_with_a_link_to_the_week(client, parking):
    html = client.get("/directory/T-S-01-P1").get_data(as_text=True)
    assert "空闲时段" in html and "今天" in html and "明天" in html
    assert 'href="/bookings/resources/T-S-01-P1/week"' in html and "查看一周空闲" in html


def test_the_resource_page_points_to_the_next_open_day_when_today_and_tomorrow_are_closed(client, parking):
    today = utcnow().astimezone(SHANGHAI).date()
    make_closure(at(today, "00:00"), at(today + timedelta(days=2), "00:00"), reason="施工", resource=parking)
    html = client.get("/directory/T-S-01-P1").get_data(as_text=True)
    assert "下一个开放日" in html
