"""Managers import closures from an .ics file: a preview with the bookings each falls on, then all or nothing."""

from __future__ import annotations

import html
import io
import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import current_app
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from app.access.closure_import_views import SIGNING_SALT
from app.access.models import Closure
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.db import utcnow
from app.extensions import db
from tests.access.town import ADMIN, MANAGER, OTHER_MANAGER, RESIDENT, UNIT_STAFF, build_town
from tests.factories import PASSWORD, make_booking, make_closure, make_resource

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLOSURES = "/access/T-S-01-P1/closures"
IMPORT = "/access/T-S-01-P1/closures/import"
ORG_IMPORT = "/access/org/T-S-01/closures/import"
STADIUM_IMPORT = "/access/U-T-G1/closures/import"
PAYLOAD_RE = re.compile(r'<input[^>]*name="payload"[^>]*value="([^"]+)"')


@pytest.fixture
def town(app) -> dict[str, Any]:
    return build_town()


def in_days(n: int) -> date:
    return (utcnow().astimezone(SHANGHAI) + timedelta(days=n)).date()


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def ics_date(day: date) -> str:
    return day.strftime("%Y%m%d")


def calendar(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\n{event.strip()}\nEND:VEVENT\n" for event in events)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{body}END:VCALENDAR\n".encode()


def timed(day: date, start: str, end: str, summary: str, *extra: str) -> str:
    when = ics_date(day)
    lines = [
        f"SUMMARY:{summary}",
        f"DTSTART;TZID=Asia/Shanghai:{when}T{start.replace(':', '')}00",
        f"DTEND;TZID=Asia/Shanghai:{when}T{end.replace(':', '')}00",
        *extra,
    ]
    return "\n".join(lines)


def user(phone: str) -> User:
    return db.session.scalars(select(User).where(User.phone == phone)).one()


def closures() -> list[Closure]:
    return list(db.session.scalars(select(Closure).order_by(Closure.start, Closure.id)))


def closure_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Closure))


def upload(client, data: bytes, url: str = IMPORT, filename: str = "closures.ics"):
    return client.post_form(url, {"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def payload_of(preview) -> str:
    match = PAYLOAD_RE.search(preview.get_data(as_text=True))
    assert match, "no confirmation on the preview"
    return html.unescape(match.group(1))


def confirm(client, preview, url: str = IMPORT, **kwargs: Any):
    return client.post_form(url, {"payload": payload_of(preview)}, **kwargs)


def text(response) -> str:
    """The page's words, tags dropped and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(response.get_data(as_text=True))).split())


@pytest.fixture
def manager(client, auth, town):
    auth.sign_in(MANAGER, PASSWORD)
    client.post_form("/language", {"locale": "en"})
    return client


# --- the preview and the import --------------------------------------------------


def test_the_preview_lists_each_closure_in_local_time_with_the_bookings_it_falls_on_and_writes_nothing(manager, town):
    day = in_days(10)
    make_booking(town["parking"], user(RESIDENT), at(day, 9), at(day, 10))
    make_booking(town["parking"], user(UNIT_STAFF), at(day, 11), at(day, 12), status="pending")
    make_booking(town["parking"], user(RESIDENT), at(day, 8), at(day, 9), status="cancelled")
    data = calendar(
        timed(day, "08:00", "12:00", "场地维修"),
        f"SUMMARY:春节闭馆\nDTSTART;VALUE=DATE:{ics_date(day + timedelta(days=20))}\n"
        f"DTEND;VALUE=DATE:{ics_date(day + timedelta(days=23))}",
    )
    response = upload(manager, data)
    page = text(response)
    assert response.status_code == 200
    assert "Check the closures to import" in page and "File: closures.ics" in page
    assert "2 closures of 一号社区停车场 would be created." in page
    assert "1 of them falls on existing bookings." in page
    assert "08:00–12:00" in page and "Reason for closing: 场地维修" in page
    assert "Falls on 2 bookings" in page  # the confirmed and the pending one, not the cancelled one
    assert "Reason for closing: 春节闭馆" in page and "all day" in page and "No bookings in this time" in page
    assert "Line 4 of the file" in page and "Times are in Asia/Shanghai" in page
    assert "Nothing has been written yet." in page
    assert closure_count() == 0


def test_confirming_creates_every_closure_with_its_audit_entry(manager, town):
    day = in_days(10)
    data = calendar(
        timed(day, "08:00", "12:00", "场地维修"), timed(day + timedelta(days=1), "14:00", "16:00", "消防演练")
    )
    response = confirm(manager, upload(manager, data))
    assert response.status_code == 302 and response.headers["Location"].endswith(CLOSURES)
    assert [(c.start, c.end, c.reason, c.resource_id) for c in closures()] == [
        (at(day, 8), at(day, 12), "场地维修", town["parking"].id),
        (at(day + timedelta(days=1), 14), at(day + timedelta(days=1), 16), "消防演练", town["parking"].id),
    ]
    assert {c.created_by_id for c in closures()} == {user(MANAGER).id}
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "closure_added")).all()
    assert [(e.subject_type, e.subject_id, e.actor_id) for e in entries] == [
        ("resource", town["parking"].id, user(MANAGER).id)
    ] * 2
    page = text(manager.get(CLOSURES))
    assert "closures.ics is imported: 2 closures created." in page
    assert "场地维修" in page and "消防演练" in page


def test_a_repeating_event_with_a_cancelled_occurrence_creates_the_right_closures(manager, town):
    # Four Mondays-or-whatever weekly from day 7: the second removed by EXDATE, the third cancelled
    # in an override, the fourth moved two hours later.
    first = in_days(7)
    second, third, fourth = (first + timedelta(weeks=n) for n in (1, 2, 3))
    data = calendar(
        "UID:clean@linli\n"
        + timed(first, "14:00", "16:00", "泳池换水", "RRULE:FREQ=WEEKLY;COUNT=4")
        + f"\nEXDATE;TZID=Asia/Shanghai:{ics_date(second)}T140000",
        f"UID:clean@linli\nRECURRENCE-ID;TZID=Asia/Shanghai:{ics_date(third)}T140000\nSTATUS:CANCELLED",
        f"UID:clean@linli\nRECURRENCE-ID;TZID=Asia/Shanghai:{ics_date(fourth)}T140000\n"
        + timed(fourth, "16:00", "18:00", "泳池换水（改期）"),
    )
    preview = upload(manager, data)
    assert "2 closures of 一号社区停车场 would be created." in text(preview)
    confirm(manager, preview)
    assert [(c.start, c.end, c.reason) for c in closures()] == [
        (at(first, 14), at(first, 16), "泳池换水"),
        (at(fourth, 16), at(fourth, 18), "泳池换水（改期）"),
    ]


def test_an_organisations_import_closes_every_resource_it_owns(manager, town):
    day = in_days(5)
    hall = make_resource("T-S-01-H1", town["c1"], name="一号社区活动中心", kind="activity_centre", capacity=2)
    make_booking(town["parking"], user(RESIDENT), at(day, 9), at(day, 10))
    make_booking(hall, user(RESIDENT), at(day, 14), at(day, 16))
    make_booking(town["stadium"], user(RESIDENT), at(day, 14), at(day, 16))  # the unit's: not closed
    data = calendar(f"SUMMARY:停电\nDTSTART;VALUE=DATE:{ics_date(day)}")
    preview = upload(manager, data, ORG_IMPORT)
    page = text(preview)
    assert "1 closure of every resource of 一号社区 would be created." in page and "Falls on 2 bookings" in page
    response = confirm(manager, preview, ORG_IMPORT)
    assert response.headers["Location"].endswith("/access/org/T-S-01/closures")
    [closure] = closures()
    assert (closure.organisation_id, closure.resource_id) == (town["c1"].id, None)
    assert (closure.start, closure.end) == (at(day, 0), at(day + timedelta(days=1), 0))
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "closure_added")).one()
    assert (entry.subject_type, entry.subject_id) == ("organisation", town["c1"].id)


def test_importing_the_same_file_again_creates_nothing_new(manager, town):
    day = in_days(10)
    data = calendar(timed(day, "08:00", "12:00", "场地维修"))
    confirm(manager, upload(manager, data))
    again = upload(manager, data)
    page = text(again)
    assert "0 closures of 一号社区停车场 would be created." in page
    assert "Already there: not created again" in page and "there is nothing to import" in page
    assert 'name="submit"' not in again.get_data(as_text=True)
    response = confirm(manager, again, follow_redirects=True)  # a confirmation posted anyway (or twice) adds nothing
    assert "closures.ics is imported: 0 closures created; 1 was there already." in text(response)
    assert closure_count() == 1


def test_the_closures_pages_link_to_the_import(manager, town):
    assert f'href="{IMPORT}"' in manager.get(CLOSURES).get_data(as_text=True)
    assert f'href="{ORG_IMPORT}"' in manager.get("/access/org/T-S-01/closures").get_data(as_text=True)
    page = text(manager.get(IMPORT))
    assert (
        "Import closures from a calendar file" in page and "Times without a time zone are read in Asia/Shanghai" in page
    )


# --- refusals ------------------------------------------------------------------


def test_a_broken_file_shows_each_problem_with_its_line_and_writes_nothing(manager, town):
    day = in_days(10)
    data = calendar(
        timed(day, "08:00", "12:00", "场地维修"),
        timed(day, "12:00", "08:00", "反了"),
        "SUMMARY:没有开始\nDTEND;VALUE=DATE:20300101",
        "SUMMARY:每周\nDTSTART;VALUE=DATE:20300101\nRRULE:FREQ=SOMETIMES",
    )
    response = upload(manager, data)
    page = text(response)
    assert response.status_code == 400
    assert "The file has problems; nothing was imported." in page
    assert "3 problems in the file:" in page
    assert "Line 12: the event “反了” does not end after it starts" in page
    assert "Line 14: the event “没有开始” has no start (DTSTART)" in page
    assert "Line 21: the repeat rule (RRULE) “FREQ=SOMETIMES” cannot be read" in page
    assert closure_count() == 0 and PAYLOAD_RE.search(response.get_data(as_text=True)) is None


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"date,reason\n2030-01-01,x\n", "closures.ics", "This file is not an iCalendar (.ics) file."),
        (b"BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n", "closures.ics", "The file has no events."),
        (calendar("SUMMARY:x\nDTSTART;VALUE=DATE:20200101"), "old.ics", "The file has no events between now and"),
        (b"BEGIN:VCALENDAR\nEND:VCALENDAR\n", "closures.csv", "Choose an .ics calendar file."),
    ],
)
def test_files_that_cannot_be_imported_are_refused(manager, town, data, filename, message):
    response = upload(manager, data, filename=filename)
    assert response.status_code == 400 and message in text(response)
    assert closure_count() == 0


def test_a_tampered_confirmation_is_refused_and_writes_nothing(manager, town):
    preview = upload(manager, calendar(timed(in_days(10), "08:00", "12:00", "场地维修")))
    payload = payload_of(preview)
    tampered = payload[:-3] + ("AAA" if not payload.endswith("AAA") else "BBB")
    response = manager.post_form(IMPORT, {"payload": tampered})
    assert response.status_code == 400 and "The confirmation was not accepted" in text(response)
    assert closure_count() == 0


def test_a_confirmation_is_only_good_for_the_resource_and_the_person_it_was_made_for(client, auth, town):
    data = calendar(timed(in_days(10), "08:00", "12:00", "场地维修"))
    auth.sign_in(ADMIN, PASSWORD)  # an admin manages both the parking lot and the stadium
    preview = upload(client, data)
    assert client.post_form(STADIUM_IMPORT, {"payload": payload_of(preview)}).status_code == 400
    assert client.post_form(ORG_IMPORT, {"payload": payload_of(preview)}).status_code == 400
    auth.sign_out()
    auth.sign_in(MANAGER, PASSWORD)  # manages the parking lot, but did not check this file
    assert client.post_form(IMPORT, {"payload": payload_of(preview)}).status_code == 400
    assert closure_count() == 0


def test_the_import_is_all_or_nothing(manager, town):
    # A confirmation whose second closure the service refuses (it ends before it starts): the first is not kept.
    # Signed here with the app's key, as only a change of rules between preview and confirmation could cause it.
    day = in_days(10)
    good, bad = (at(day, 8), at(day, 12)), (at(day, 14), at(day, 13))
    payload = {
        "by": user(MANAGER).id,
        "subject": ["resource", town["parking"].id],
        "file": "closures.ics",
        "reasons": ["场地维修"],
        "spans": [[int(s.timestamp()), int(e.timestamp()), 0] for s, e in (good, bad)],
    }
    signed = URLSafeTimedSerializer(current_app.secret_key, salt=SIGNING_SALT).dumps(payload)
    response = manager.post_form(IMPORT, {"payload": signed})
    assert response.status_code == 400 and "Nothing was imported: The end must be after the start." in text(response)
    assert closure_count() == 0
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "closure_added")) == 0
    )


IMPORT_ROUTES = [("GET", IMPORT), ("POST", IMPORT), ("GET", ORG_IMPORT), ("POST", ORG_IMPORT)]


def call(client, method: str, url: str) -> Any:
    if method == "GET":
        return client.get(url)
    return upload(client, calendar(timed(in_days(10), "08:00", "12:00", "场地维修")), url)


def test_anonymous_visitors_are_sent_to_sign_in(client, town):
    for method, url in IMPORT_ROUTES:
        response = call(client, method, url)
        assert response.status_code == 302, (method, url)
        assert "/accounts/sign-in" in response.headers["Location"]
    assert closure_count() == 0


@pytest.mark.parametrize(
    "login", [OTHER_MANAGER, RESIDENT, UNIT_STAFF], ids=["another community's manager", "resident", "a unit's staff"]
)
def test_people_who_do_not_manage_the_resource_or_organisation_are_refused(client, auth, town, login):
    auth.sign_in(login, PASSWORD)
    for method, url in IMPORT_ROUTES:
        assert call(client, method, url).status_code == 403, (method, url)
    # A confirmation made by its manager is refused to them too, before it is read.
    assert client.post_form(IMPORT, {"payload": "anything"}).status_code == 403
    assert closure_count() == 0


def test_unknown_resources_and_organisations_are_not_found(manager, town):
    assert manager.get("/access/NOPE/closures/import").status_code == 404
    assert manager.get("/access/org/NOPE/closures/import").status_code == 404


def test_an_organisation_closure_already_there_does_not_hide_a_resources_own(manager, town):
    day = in_days(10)
    make_closure(at(day, 8), at(day, 12), reason="场地维修", organisation=town["c1"])
    preview = upload(manager, calendar(timed(day, "08:00", "12:00", "场地维修")))
    assert "1 closure of 一号社区停车场 would be created." in text(preview)
