"""The official workday calendar in the database: seeded from chinesecalendar, overridable, watched for gaps."""

from __future__ import annotations

from datetime import date

from app.db import utcnow
from app.domain.workdays import DaySource, is_workday
from app.extensions import db
from app.workdays.models import CalendarDay
from app.workdays.services import calendar_between, days_without_official_data, seed_from_package
from tests.factories import PASSWORD, make_user


def test_seeding_stores_holidays_and_make_up_workdays_in_chinese(app):
    created, updated = seed_from_package(now=utcnow())
    db.session.commit()
    assert created > 500 and updated == 0
    days = calendar_between(date(2026, 10, 1), date(2026, 10, 10))
    assert (days[date(2026, 10, 1)].workday, days[date(2026, 10, 1)].name) == (False, "国庆节")
    assert (days[date(2026, 10, 10)].workday, days[date(2026, 10, 10)].name) == (True, "国庆节调休")
    assert not is_workday(date(2026, 10, 1), days)  # a Thursday
    assert is_workday(date(2026, 10, 10), days)  # a Saturday
    assert seed_from_package(now=utcnow()) == (0, 0)


def test_manual_beats_import_beats_package(app):
    seed_from_package(now=utcnow())
    day = date(2026, 10, 1)
    db.session.add(CalendarDay(day=day, workday=True, name="导入", source=DaySource.IMPORT.value))
    db.session.commit()
    assert calendar_between(day, day)[day].name == "导入"
    db.session.add(CalendarDay(day=day, workday=False, name="手动", source=DaySource.MANUAL.value))
    db.session.commit()
    assert calendar_between(day, day)[day].name == "手动"


def test_days_of_a_year_without_official_data_are_reported(app):
    seed_from_package(now=utcnow())  # covers 2004–2026
    db.session.add(CalendarDay(day=date(2027, 1, 1), workday=False, name="元旦", source=DaySource.MANUAL.value))
    db.session.commit()
    missing = days_without_official_data(date(2026, 11, 25))
    assert missing[0] == date(2027, 1, 1) and missing[-1] == date(2027, 1, 24)
    db.session.add(CalendarDay(day=date(2027, 2, 17), workday=False, name="春节", source=DaySource.IMPORT.value))
    db.session.commit()
    assert days_without_official_data(date(2026, 11, 25)) == []


def test_admin_dashboard_warns_when_the_coming_days_lack_official_data(client, auth):
    make_user(phone="13800000009", is_admin=True)
    auth.sign_in("13800000009", PASSWORD)
    html = client.get("/admin/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "no official workday calendar" in html and "Monday to Friday is assumed" in html


def test_seed_command(runner, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    result = runner.invoke(args=["workdays", "seed"])
    assert result.exit_code == 0 and "days added" in result.output
    assert runner.invoke(args=["workdays", "seed"]).output.strip().endswith("0 days added, 0 updated.")
