"""Admins' calendar pages: the year, overriding a day, importing an official arrangement, and who may use them."""

from __future__ import annotations

import html
import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.audit.services import list_entries
from app.db import utcnow
from app.domain.workdays import DaySource, is_workday
from app.extensions import db
from app.workdays.models import CalendarDay
from app.workdays.services import calendar_between, days_without_official_data, seed_from_package
from tests.factories import PASSWORD, make_admin, make_user

NEXT_YEAR_ICS = (
    "BEGIN:VCALENDAR\r\n"
    "VERSION:2.0\r\n"
    "X-WR-CALNAME:中国法定节假日\r\n"
    "BEGIN:VEVENT\r\n"
    "SUMMARY:元旦假期\r\n"
    "DTSTART;VALUE=DATE:20270101\r\n"
    "DTEND;VALUE=DATE:20270104\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "SUMMARY:春节假期\r\n"
    "DTSTART;VALUE=DATE:20270205\r\n"
    "DTEND;VALUE=DATE:20270213\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "SUMMARY:上班(补春节假期)\r\n"
    "DTSTART;VALUE=DATE:20270214\r\n"
    "DTEND;VALUE=DATE:20270215\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "SUMMARY:国庆节假期\r\n"
    "DTSTART;VALUE=DATE:20271001\r\n"
    "DTEND;VALUE=DATE:20271008\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "SUMMARY:国庆节 补班\r\n"
    "DTSTART;VALUE=DATE:20271009\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
).encode()
NEXT_YEAR_DAYS = 3 + 8 + 1 + 7 + 1
PAYLOAD_RE = re.compile(r'<input[^>]*name="payload"[^>]*value="([^"]+)"')


@pytest.fixture
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def admin(app):
    return make_admin(phone="13800000009")


@pytest.fixture
def signed_in_admin(english, auth, admin):
    assert auth.sign_in(admin.phone, PASSWORD).status_code == 302
    return english


@pytest.fixture
def seeded(app):
    seed_from_package(now=utcnow())
    db.session.commit()


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_error(page: str, field_id: str) -> str | None:
    match = re.search(rf'<div id="{re.escape(field_id)}-error"[^>]*>(.*?)</div>', page, re.S)
    if match is None:
        return None
    shown = re.sub(r'<span class="visually-hidden">.*?</span>', "", match.group(1), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", shown)).strip()


def rows(source: DaySource | None = None) -> int:
    query = select(func.count()).select_from(CalendarDay)
    if source is not None:
        query = query.where(CalendarDay.source == source.value)
    return db.session.scalar(query)


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def upload(client, data: bytes, filename: str):
    return client.post_form(
        "/admin/calendar/import", {"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data"
    )


def confirm(client, preview) -> object:
    match = PAYLOAD_RE.search(preview.get_data(as_text=True))
    assert match, "no confirmation on the preview"
    return client.post_form("/admin/calendar/import", {"payload": html.unescape(match.group(1))})


def import_file(client, data: bytes, filename: str = "holidays.ics"):
    preview = upload(client, data, filename)
    assert preview.status_code == 200
    return confirm(client, preview)


# --- the year ----------------------------------------------------------------


def test_year_page_shows_the_built_in_holidays_and_make_up_workdays(signed_in_admin, seeded):
    response = signed_in_admin.get("/admin/calendar?year=2026")
    page = text_of(response)

    assert response.status_code == 200
    assert "Workday calendar 2026" in page and "No official data" not in page
    # National Day, Thursday 1 October: a rest day, marked in words and linked to its page.
    assert 'href="/admin/calendar/2026-10-01"' in page
    assert "Thursday, October 1, 2026: rest day · 国庆节 · built in (chinesecalendar)" in page
    # The make-up workday on Saturday 10 October.
    assert "Saturday, October 10, 2026: workday · 国庆节调休" in page
    assert ">off<" in page and ">work<" in page
    assert "Legend" in page
    # The list of exceptions below the grids.
    exceptions = page[page.index("Exceptions to Monday–Friday in 2026") :]
    assert "Oct 10, 2026" in exceptions and "Saturday" in exceptions and "国庆节调休" in exceptions
    assert "built in (chinesecalendar)" in exceptions
    assert 'href="/admin/calendar?year=2025"' in page and 'href="/admin/calendar?year=2027"' in page
    # Twelve month grids of Monday-first weeks.
    assert page.count('<abbr title="Monday">') == 12


def test_a_year_without_official_data_says_monday_to_friday_is_assumed(signed_in_admin, seeded):
    page = text_of(signed_in_admin.get("/admin/calendar?year=2027"))

    assert "No official data for 2027." in page and "Monday to Friday is assumed" in page
    assert 'href="/admin/calendar/import"' in page
    assert "Friday, October 1, 2027: workday" in page  # nothing official yet


def test_the_year_page_opens_on_this_year_in_shanghai(signed_in_admin):
    this_year = datetime.now(ZoneInfo("Asia/Shanghai")).year
    assert f"Workday calendar {this_year}" in text_of(signed_in_admin.get("/admin/calendar"))


@pytest.mark.parametrize("year", ["abc", "20261", "-1", "1800"])
def test_a_year_that_is_no_year_is_not_found(signed_in_admin, year):
    assert signed_in_admin.get(f"/admin/calendar?year={year}").status_code == 404


def test_dashboard_links_to_the_calendar_and_to_the_import_from_its_warning(signed_in_admin):
    page = text_of(signed_in_admin.get("/admin/"))
    warning = page[page.index('class="alert alert-warning"') :]
    assert 'href="/admin/calendar/import"' in warning[: warning.index("</div>")]
    assert 'href="/admin/calendar"' in page


# --- one day -----------------------------------------------------------------


def test_day_page_shows_what_each_source_says(signed_in_admin, seeded):
    page = text_of(signed_in_admin.get("/admin/calendar/2026-10-01"))

    assert "Thursday, October 1, 2026" in page
    assert "Built in (chinesecalendar)" in page and "rest day · 国庆节" in page
    assert "Remove the override" not in page  # none yet
    assert re.search(r'<input checked[^>]*value="rest"', page)  # the form starts from the effective word


def test_admin_override_changes_the_calendar_and_is_audited(signed_in_admin, admin, seeded):
    day = date(2026, 10, 8)  # a Thursday, a workday after the National Day holiday
    assert is_workday(day, calendar_between(day, day))

    response = signed_in_admin.post_form("/admin/calendar/2026-10-08", {"kind": "rest", "name": "社区运动会"})

    assert response.status_code == 302 and response.location == "/admin/calendar/2026-10-08"
    entry = calendar_between(day, day)[day]
    assert (entry.workday, entry.name, entry.source) == (False, "社区运动会", DaySource.MANUAL)
    stored = db.session.scalar(select(CalendarDay).where(CalendarDay.source == "manual"))
    assert stored.updated_by_id == admin.id
    [audit] = list_entries("calendar_day", 20261008)
    assert audit.action == "override_set" and audit.actor_id == admin.id
    assert audit.changes == {"workday": [None, False], "name": [None, "社区运动会"]}
    page = text_of(signed_in_admin.get("/admin/calendar/2026-10-08"))
    assert "October 8, 2026 is saved." in page and "Remove the override" in page


def test_clearing_an_override_restores_the_built_in_word(signed_in_admin, admin, seeded):
    day = date(2026, 10, 1)
    signed_in_admin.post_form("/admin/calendar/2026-10-01", {"kind": "workday", "name": "照常上班"})
    assert is_workday(day, calendar_between(day, day))

    response = signed_in_admin.post_form("/admin/calendar/2026-10-01", {"remove": "Remove the override"})

    assert response.status_code == 302
    entry = calendar_between(day, day)[day]
    assert (entry.workday, entry.name, entry.source) == (False, "国庆节", DaySource.PACKAGE)
    assert rows(DaySource.MANUAL) == 0
    assert [e.action for e in list_entries("calendar_day", 20261001)] == ["override_cleared", "override_set"]


def test_an_override_without_a_choice_is_refused_next_to_the_field(signed_in_admin):
    response = signed_in_admin.post_form("/admin/calendar/2027-03-01", {"kind": "holiday", "name": ""})
    assert response.status_code == 400
    assert "Not a valid choice" in text_of(response)
    assert rows() == 0


def test_an_override_of_a_year_without_official_data_does_not_make_it_official(signed_in_admin):
    signed_in_admin.post_form("/admin/calendar/2027-01-01", {"kind": "rest", "name": "元旦"})
    assert date(2027, 1, 1) in days_without_official_data(date(2026, 12, 20))


@pytest.mark.parametrize("day", ["2026-02-30", "not-a-date", "2026-1-1", "20261001", "2026-10-01x"])
def test_a_bad_date_in_the_address_is_not_found(signed_in_admin, day):
    assert signed_in_admin.get(f"/admin/calendar/{day}").status_code == 404


# --- importing ---------------------------------------------------------------


def test_importing_an_ics_shows_a_preview_then_stores_the_days_as_imported(signed_in_admin, admin, seeded):
    preview = upload(signed_in_admin, NEXT_YEAR_ICS, "holiday-cn-2027.ics")
    page = text_of(preview)

    assert preview.status_code == 200
    assert "Check the import" in page and "holiday-cn-2027.ics" in page
    assert f"{NEXT_YEAR_DAYS} days would change." in page and "Nothing has been written yet." in page
    assert "Oct 9, 2027" in page and "国庆节调休" in page
    assert rows(DaySource.IMPORT) == 0  # a preview writes nothing

    response = confirm(signed_in_admin, preview)

    assert response.status_code == 302 and response.location == "/admin/calendar?year=2027"
    assert rows(DaySource.IMPORT) == NEXT_YEAR_DAYS
    days = calendar_between(date(2027, 1, 1), date(2027, 12, 31))
    assert (days[date(2027, 10, 1)].workday, days[date(2027, 10, 1)].name) == (False, "国庆节")
    assert days[date(2027, 10, 9)].source is DaySource.IMPORT and is_workday(date(2027, 10, 9), days)  # a Saturday
    assert days_without_official_data(date(2026, 12, 20)) == []
    [audit] = list_entries("calendar_day", 20271009)
    assert audit.action == "import_created" and audit.actor_id == admin.id
    page = text_of(signed_in_admin.get("/admin/calendar?year=2027"))
    assert f"holiday-cn-2027.ics is imported: {NEXT_YEAR_DAYS} days added, 0 changed, 0 removed" in page
    assert "No official data" not in page and "imported" in page


def test_importing_the_same_file_again_changes_nothing(signed_in_admin, seeded):
    import_file(signed_in_admin, NEXT_YEAR_ICS)
    entries = audit_count()

    preview = upload(signed_in_admin, NEXT_YEAR_ICS, "holidays.ics")
    assert "0 days would change." in text_of(preview)
    confirm(signed_in_admin, preview)

    assert rows(DaySource.IMPORT) == NEXT_YEAR_DAYS and audit_count() == entries
    page = text_of(signed_in_admin.get("/admin/calendar?year=2027"))
    assert f"0 days added, 0 changed, 0 removed, {NEXT_YEAR_DAYS} unchanged." in page


def test_a_new_import_of_a_year_replaces_the_days_the_earlier_one_listed(signed_in_admin):
    first = "date,workday,name\n2027-10-01,休息,国庆节\n2027-10-08,休息,国庆节\n2028-01-01,休息,元旦\n"
    import_file(signed_in_admin, first.encode(), "2027.csv")

    second = "日期,上班,名称\n2027-10-01,休息,国庆节\n2027-10-09,上班,国庆节调休\n"
    preview = upload(signed_in_admin, second.encode(), "2027-corrected.csv")
    page = text_of(preview)
    assert "No longer in the file" in page and "2 days would change." in page
    confirm(signed_in_admin, preview)

    days = calendar_between(date(2027, 1, 1), date(2028, 12, 31))
    assert sorted(days) == [date(2027, 10, 1), date(2027, 10, 9), date(2028, 1, 1)]  # 2028 was not in the file
    assert [e.action for e in list_entries("calendar_day", 20271008)] == ["import_removed", "import_created"]


def test_a_package_year_imported_with_the_same_days_changes_no_effective_day(signed_in_admin, seeded):
    ics = (
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:国庆节假期\nDTSTART;VALUE=DATE:20261001\n"
        "DTEND;VALUE=DATE:20261008\nEND:VEVENT\nEND:VCALENDAR\n"
    )
    page = text_of(upload(signed_in_admin, ics.encode(), "2026.ics"))
    assert "0 days would change." in page and "built in (chinesecalendar)" in page


def test_admin_override_beats_the_imported_arrangement(signed_in_admin, seeded):
    signed_in_admin.post_form("/admin/calendar/2027-10-04", {"kind": "workday", "name": "值班"})

    preview = upload(signed_in_admin, NEXT_YEAR_ICS, "holidays.ics")
    assert "An administrator's override keeps this day as it is." in text_of(preview)
    confirm(signed_in_admin, preview)

    day = date(2027, 10, 4)
    entry = calendar_between(day, day)[day]
    assert (entry.workday, entry.name, entry.source) == (True, "值班", DaySource.MANUAL)
    signed_in_admin.post_form("/admin/calendar/2027-10-04", {"remove": "y"})
    entry = calendar_between(day, day)[day]
    assert (entry.workday, entry.name, entry.source) == (False, "国庆节", DaySource.IMPORT)


def test_a_bad_file_shows_its_problems_next_to_the_field_and_writes_nothing(signed_in_admin):
    bad = "date,workday,name\n2027-10-01,休息,国庆节\n2027-13-01,休息,国庆节\n2027-10-03,maybe,国庆节\n"

    response = upload(signed_in_admin, bad.encode(), "bad.csv")
    page = text_of(response)

    assert response.status_code == 400
    assert field_error(page, "file") == "The file has problems; nothing was imported. Correct them and upload it again."
    assert "Line 3: “2027-13-01” is not a date (use YYYY-MM-DD)" in page
    assert "Line 4: “maybe” is neither workday nor rest day" in page
    assert rows() == 0 and audit_count() == 0


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "holidays.ics", "This file is not an iCalendar (.ics) file."),
        (
            b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\nDTSTART:20270101T090000\nEND:VEVENT\nEND:VCALENDAR",
            "a.ics",
            "the event “x” has a time of day",
        ),
        (b"PK\x03\x04\x14\x00", "holidays.csv", "This is an Excel workbook, not a CSV file."),
        (b"name\n", "holidays.csv", "The first line must name the columns date and workday"),
        (b"date,workday\n", "holidays.txt", "Choose an .ics calendar or a .csv file."),
        (b"x" * (1024 * 1024 + 1), "big.csv", "The file is larger than 1 MB."),
    ],
)
def test_files_that_cannot_be_imported_are_refused(signed_in_admin, data, filename, message):
    response = upload(signed_in_admin, data, filename)
    assert response.status_code == 400
    assert message in text_of(response)
    assert rows() == 0


def test_a_changed_confirmation_writes_nothing(signed_in_admin):
    preview = upload(signed_in_admin, NEXT_YEAR_ICS, "holidays.ics")
    payload = html.unescape(PAYLOAD_RE.search(preview.get_data(as_text=True)).group(1))
    tampered = payload[:-3] + ("AAA" if not payload.endswith("AAA") else "BBB")

    response = signed_in_admin.post_form("/admin/calendar/import", {"payload": tampered})

    assert response.status_code == 400
    assert "The confirmation was not accepted" in text_of(response)
    assert rows() == 0


def test_another_admin_cannot_confirm_someone_elses_preview(signed_in_admin, app, auth):
    preview = upload(signed_in_admin, NEXT_YEAR_ICS, "holidays.ics")
    payload = html.unescape(PAYLOAD_RE.search(preview.get_data(as_text=True)).group(1))
    auth.sign_out()
    other = make_admin(phone="13800000008")
    auth.sign_in(other.phone, PASSWORD)

    response = signed_in_admin.post_form("/admin/calendar/import", {"payload": payload})

    assert response.status_code == 400 and rows() == 0


# --- who may use the pages ---------------------------------------------------

CALENDAR_REQUESTS = [
    ("GET", "/admin/calendar"),
    ("GET", "/admin/calendar/2026-10-01"),
    ("POST", "/admin/calendar/2026-10-01"),
    ("GET", "/admin/calendar/import"),
    ("POST", "/admin/calendar/import"),
]


@pytest.mark.parametrize(("method", "url"), CALENDAR_REQUESTS)
def test_anonymous_visitors_are_sent_to_sign_in(english, method, url):
    response = english.get(url) if method == "GET" else english.post_form(url, {"kind": "rest"})
    assert response.status_code == 302 and response.location.startswith("/accounts/sign-in")
    assert rows() == 0


@pytest.mark.parametrize(("method", "url"), CALENDAR_REQUESTS)
def test_users_who_are_not_admins_are_refused(english, auth, method, url):
    make_user(phone="13800000005")
    auth.sign_in("13800000005", PASSWORD)
    response = english.get(url) if method == "GET" else english.post_form(url, {"kind": "rest"})
    assert response.status_code == 403
    assert rows() == 0
