"""A community's roster as CSV: the export, and the members import (UTF-8, BOM or GBK; every row checked
before anything is written; all or nothing; a signed confirmation)."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.organisations.models import Registration
from app.organisations.services import register_resident
from tests.factories import PASSWORD, make_resident, make_user

HEADER = "姓名,手机号,在职党员,工作单位编码\r\n"


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def residents_of(code: str) -> dict[str, tuple[str, bool]]:
    rows = db.session.scalars(select(Registration).where(Registration.kind == "resident"))
    return {r.user.phone: (r.status, r.party_member) for r in rows if r.community.code == code}


@pytest.fixture
def manager(english, auth, people):
    assert auth.sign_in("13800000004", PASSWORD).status_code == 302
    return english


def upload(client, text: str, encoding: str = "utf-8", code: str = "T-S-01"):
    data = {"file": (io.BytesIO(text.encode(encoding)), "members.csv")}
    return client.post_form(f"/organisations/{code}/roster/import", data, content_type="multipart/form-data")


def confirm(client, preview, code: str = "T-S-01"):
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', preview.get_data(as_text=True))
    assert payload, "no confirmation on the preview"
    return client.post_form(f"/organisations/{code}/roster/import", {"payload": html.unescape(payload.group(1))})


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_members_file_is_previewed_then_imported_acknowledged(manager, city, encoding):
    make_user(name="甲", phone="13900000001")
    pending = make_user(name="乙", phone="13900000002")
    register_resident(pending, city["c1"])
    db.session.commit()
    preview = upload(manager, HEADER + "甲,13900000001,是,U-T\r\n乙,139 0000 0002,否,\r\n", encoding)
    assert preview.status_code == 200, text_of(preview)
    assert "1 to register, 1 waiting to acknowledge, 0 already registered" in text_of(preview)
    assert residents_of("T-S-01") == {"13900000002": ("pending", False)}, "nothing written by the preview"
    done = confirm(manager, preview)
    assert done.status_code == 302
    assert residents_of("T-S-01") == {"13900000001": ("acknowledged", True), "13900000002": ("acknowledged", False)}
    assert all(r.receipt for r in db.session.scalars(select(Registration)))


def test_every_row_problem_is_listed_and_nothing_is_written(manager, city):
    make_user(name="甲", phone="13900000001")
    elsewhere = make_user(name="丙", phone="13900000003")
    make_resident(elsewhere, city["c2"])
    text = (
        HEADER
        + "甲,13900000001,也许,U-T\r\n"
        + ",12345,,\r\n"
        + "丁,13900000004,,\r\n"
        + "丙,13900000003,,\r\n"
        + "甲,13900000001,,T-S-02\r\n"
    )
    preview = upload(manager, text)
    page = text_of(preview)
    assert preview.status_code == 400 and 'name="payload"' not in page
    for expected in (
        "Row 2, column 在职党员: write 是 or 否",
        "Row 3, column 姓名: Enter a name.",
        "Row 3, column 手机号: Enter an 11-digit",
        "Row 4, column 手机号: no Linli account has this number",
        "Row 5: 丙 is registered at 二号社区",
        "Row 6, column 手机号: 13900000001 is already in row 2",
        "Row 6, column 工作单位编码: Choose a unit.",
    ):
        assert expected in page, expected
    assert residents_of("T-S-01") == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,mobile\r\n甲,13900000001\r\n", "Row 1 must name the column 手机号 (phone)."),
        (HEADER, "The file has a header row but no members under it."),
    ],
    ids=["no phone column", "no rows"],
)
def test_a_file_without_what_it_needs_is_refused_as_a_whole(manager, city, content, message):
    preview = upload(manager, content)
    assert preview.status_code == 400 and message in text_of(preview)


def test_a_workbook_is_refused_beside_the_file_field(manager, city):
    data = {"file": (io.BytesIO(b"PK\x03\x04rest"), "members.csv")}
    response = manager.post_form("/organisations/T-S-01/roster/import", data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert re.search(r'id="file-error"[^>]*>.*Excel workbook', text_of(response), re.S)


def test_a_changed_confirmation_writes_nothing(manager, city):
    make_user(name="甲", phone="13900000001")
    preview = upload(manager, HEADER + "甲,13900000001,,\r\n")
    response = manager.post_form("/organisations/T-S-01/roster/import", {"payload": "forged.payload"})
    assert response.status_code == 400 and "Nothing was written" in text_of(response)
    # A confirmation for one community is not taken by another's import page.
    assert confirm(manager, preview, code="T-S-02").status_code == 403
    assert residents_of("T-S-01") == {}


def test_someone_registering_elsewhere_after_the_preview_refuses_the_whole_import(manager, city):
    first, second = make_user(name="甲", phone="13900000001"), make_user(name="乙", phone="13900000002")
    preview = upload(manager, HEADER + "甲,13900000001,,\r\n乙,13900000002,,\r\n")
    make_resident(second, city["c2"])
    response = confirm(manager, preview)
    assert response.status_code == 409 and "nothing was written" in text_of(response)
    assert residents_of("T-S-01") == {}
    assert first.phone not in residents_of("T-S-02")


def test_the_export_lists_units_and_people_and_reads_back_unchanged(manager, city):
    person = make_user(name="=甲", phone="13900000001")
    make_resident(person, city["c1"], party_member=True)
    response = manager.get("/organisations/T-S-01/roster.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][:4] == ["类别", "姓名", "手机号", "单位编码"]
    assert rows[1][:7] == ["单位", "测试中学", "", "U-T", "", "", "已确认"]
    assert rows[2][:5] == ["个人", "'=甲", "13900000001", "", "是"]
    preview = upload(manager, text.replace("'=甲", "甲"))
    assert preview.status_code == 200 and "0 to register, 0 waiting to acknowledge, 1 already registered" in text_of(
        preview
    )


def test_people_who_do_not_manage_the_community_cannot_export_or_import(english, auth, city, people):
    assert auth.sign_in("13800000005", PASSWORD).status_code == 302
    assert english.get("/organisations/T-S-01/roster.csv").status_code == 403
    assert upload(english, HEADER + "甲,13900000001,,\r\n").status_code == 403
