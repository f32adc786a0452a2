"""The district's spreadsheet: read in UTF-8 or GBK, previewed row by row, written all or nothing, exported back."""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import time
from html import unescape
from typing import Any

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.db import utcnow
from app.directory import spreadsheet
from app.directory.bulk_views import export_filename
from app.directory.models import Resource
from app.directory.services import get_resource
from app.directory.spreadsheet import SheetRefused, decode, export_csv, parse_sheet, read_sheet
from app.domain.errors import DomainError
from app.domain.resources import Policy
from app.extensions import db
from tests.factories import PASSWORD, make_city, make_resource, make_user

HEADER = (
    "编码,名称,类别,所属组织编码,容量,计量单位,地址,纬度,经度,简介,设施,时区,"
    "单次最短分钟,单次最长分钟,时段分钟,可提前天数,需审批,启用"
)
PARKING = (
    "T-S-01-P1,一号社区停车场,停车场,T-S-01,40,车位,东坝路 1 号,32.43,105.84,"
    "白天向报到单位开放,充电桩、监控,Asia/Shanghai,30,600,30,30,否,是"
)
STADIUM = 'U-T-S1,测试中学体育馆,体育场馆,U-T,4,场地,南河路 2 号,,,周末向居民开放,"灯光,更衣室",,60,120,60,7,是,是'
SHEET = "\r\n".join([HEADER, PARKING, STADIUM]) + "\r\n"
ENGLISH_HEADER = (
    "code,name,kind,owner,capacity,unit_label,address,latitude,longitude,description,amenities,timezone,"
    "min_minutes,max_minutes,slot_minutes,book_ahead_days,requires_approval,active"
)
PAYLOAD_RE = re.compile(r'name="payload"[^>]*value="([^"]+)"')


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """Checks outside a request speak the shell's language; these tests read English."""
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LANGUAGE", raising=False)


@pytest.fixture
def city(app):
    city = make_city()
    make_user(name="管理员", phone="13800000001", is_admin=True, locale="en")
    make_user(name="居民", phone="13800000002")
    return city


@pytest.fixture
def admin(client, auth, city):
    auth.sign_in("13800000001", PASSWORD)
    return client


def sheet_of(*rows: str, header: str = HEADER) -> str:
    return "\r\n".join([header, *rows]) + "\r\n"


def with_cell(row: str, column: int, value: str) -> str:
    cells = next(csv.reader([row]))
    cells[column] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue().removesuffix("\r\n")


def resource_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Resource))


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def upload(client, data: bytes, filename: str = "resources.csv"):
    return client.post(
        "/directory/import",
        data={"csrf_token": client.csrf_token(), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def payload_of(response) -> str:
    match = PAYLOAD_RE.search(response.get_data(as_text=True))
    assert match, "no confirm form on the preview"
    return unescape(match.group(1))


def confirm(client, payload: str):
    return client.post_form("/directory/import", {"payload": payload})


def problems_by_row(sheet) -> dict[int, list[tuple[str | None, str]]]:
    return {row.number: [(p.column, p.message) for p in row.problems] for row in sheet.rows if row.problems}


# --- reading the file ---------------------------------------------------------


@pytest.mark.parametrize(
    "encoding",
    [
        pytest.param("utf-8", id="utf-8-as-LibreOffice-saves-it"),
        pytest.param("utf-8-sig", id="utf-8-with-BOM-as-Excel-saves-CSV-UTF-8"),
        pytest.param("gbk", id="gbk-as-Excel-in-China-saves-plain-CSV"),
        pytest.param("gb18030", id="gb18030-the-superset-of-gbk"),
    ],
)
def test_file_is_read_in_each_encoding_a_district_saves(app, city, encoding):
    sheet = read_sheet(SHEET.encode(encoding))

    assert sheet.ok, sheet.all_problems()
    assert [(r.number, r.code, r.name, r.owner) for r in sheet.rows] == [
        (2, "T-S-01-P1", "一号社区停车场", "T-S-01"),
        (3, "U-T-S1", "测试中学体育馆", "U-T"),
    ]
    parking, stadium = (row.fields for row in sheet.rows)
    assert (parking.kind, parking.capacity, parking.amenities, parking.latitude) == (
        "parking",
        40,
        ("充电桩", "监控"),
        32.43,
    )
    assert (stadium.kind, stadium.amenities, stadium.timezone) == ("sports_venue", ("灯光", "更衣室"), "Asia/Shanghai")
    assert (stadium.policy.slot_minutes, stadium.policy.book_ahead_days, stadium.policy.requires_approval) == (
        60,
        7,
        True,
    )


def test_english_column_names_are_understood_in_any_case_and_order(app, city):
    header = "Name,CODE,owner,kind,capacity"
    sheet = parse_sheet(sheet_of("一号社区停车场,T-S-01-P1,T-S-01,parking,40", header=header))

    assert sheet.ok, sheet.all_problems()
    fields = sheet.rows[0].fields
    assert (fields.code, fields.name, fields.kind, fields.capacity, fields.unit_label) == (
        "T-S-01-P1",
        "一号社区停车场",
        "parking",
        40,
        "车位",
    )


def test_all_english_headers_read_the_same_as_the_chinese_ones(app, city):
    chinese = parse_sheet(SHEET)
    english = parse_sheet(SHEET.replace(HEADER, ENGLISH_HEADER))

    assert [r.fields for r in english.rows] == [r.fields for r in chinese.rows]


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        pytest.param("停车场", "parking", id="the-district-word"),
        pytest.param("休闲广场", "plaza", id="plaza"),
        pytest.param("剧院", "theatre", id="theatre"),
        pytest.param("活动中心", "activity_centre", id="activity-centre"),
        pytest.param("会议室", "meeting_room", id="meeting-room"),
        pytest.param("视频会议室", "meeting_room", id="video-conference-rooms-count-as-meeting-rooms"),
        pytest.param("sports_venue", "sports_venue", id="the-english-value"),
        pytest.param("Parking", "parking", id="english-in-any-case"),
    ],
)
def test_kinds_are_understood_in_chinese_and_english(app, city, word, kind):
    sheet = parse_sheet(sheet_of(with_cell(PARKING, 2, word)))

    assert sheet.rows[0].fields.kind == kind


@pytest.mark.parametrize(
    ("data", "says"),
    [
        pytest.param(b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook", id="an-xlsx-workbook"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "Excel workbook", id="an-old-xls-workbook"),
        pytest.param(SHEET.encode("utf-16"), "UTF-16", id="unicode-text-saved-by-excel"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV text file", id="a-photo"),
    ],
)
def test_binary_files_are_refused_with_a_clear_message(app, data, says):
    with pytest.raises(SheetRefused) as refused:
        decode(data)

    assert says in refused.value.message


# --- problems, by row and column -----------------------------------------------

# Column positions in HEADER.
CODE, NAME, KIND, OWNER, CAPACITY, UNIT, ADDRESS, LAT, LON = range(9)
DESCRIPTION, AMENITIES, TIMEZONE, MIN, MAX, SLOT, AHEAD, APPROVAL, ACTIVE = range(9, 18)


@pytest.mark.parametrize(
    ("column", "value", "column_name"),
    [
        pytest.param(CODE, "", "编码", id="code-is-required"),
        pytest.param(CODE, "一号停车场", "编码", id="code-must-be-ascii"),
        pytest.param(CODE, "export.csv", "编码", id="code-names-a-directory-page"),
        pytest.param(NAME, "", "名称", id="name-is-required"),
        pytest.param(NAME, "场" * 201, "名称", id="name-too-long"),
        pytest.param(KIND, "游泳池", "类别", id="kind-unknown"),
        pytest.param(KIND, "", "类别", id="kind-is-required"),
        pytest.param(OWNER, "NOWHERE", "所属组织编码", id="owner-unknown"),
        pytest.param(OWNER, "T", "所属组织编码", id="a-district-owns-no-resources"),
        pytest.param(CAPACITY, "", "容量", id="capacity-is-required"),
        pytest.param(CAPACITY, "0", "容量", id="capacity-at-least-one"),
        pytest.param(CAPACITY, "四十", "容量", id="capacity-in-digits"),
        pytest.param(CAPACITY, "40.5", "容量", id="capacity-is-whole"),
        pytest.param(UNIT, "车" * 21, "计量单位", id="unit-label-too-long"),
        pytest.param(LAT, "北纬32度", "纬度", id="latitude-is-a-number"),
        pytest.param(LAT, "95", "纬度", id="latitude-beyond-the-pole"),
        pytest.param(LON, "nan", "经度", id="longitude-is-a-real-number"),
        pytest.param(TIMEZONE, "Beijing", "时区", id="timezone-unknown"),
        pytest.param(MIN, "45", "单次最短分钟", id="shortest-not-whole-slots"),
        pytest.param(MAX, "15", "单次最长分钟", id="longest-below-the-shortest"),
        pytest.param(SLOT, "7", "时段分钟", id="slot-does-not-divide-a-day"),
        pytest.param(AHEAD, "400", "可提前天数", id="book-ahead-over-a-year"),
        pytest.param(APPROVAL, "也许", "需审批", id="approval-is-yes-or-no"),
        pytest.param(ACTIVE, "开", "启用", id="active-is-yes-or-no"),
    ],
)
def test_each_cell_rule_is_reported_by_row_and_column(app, city, column, value, column_name):
    sheet = parse_sheet(sheet_of(PARKING, with_cell(STADIUM, column, value)))

    problems = problems_by_row(sheet)
    assert list(problems) == [3], problems
    assert column_name in [name for name, _ in problems[3]]
    assert not sheet.ok
    assert sheet.rows[1].fields is None and sheet.rows[1].outcome is None


def test_a_problem_names_the_column_as_the_file_does(app, city):
    sheet = parse_sheet(sheet_of(with_cell(PARKING, CAPACITY, "0"), header=ENGLISH_HEADER))

    assert problems_by_row(sheet) == {2: [("capacity", "Capacity must be between 1 and 100000.")]}


def test_code_twice_in_the_file_is_reported_on_the_later_row(app, city):
    sheet = parse_sheet(sheet_of(PARKING, STADIUM, with_cell(PARKING, NAME, "又一个停车场")))

    assert problems_by_row(sheet) == {4: [("编码", "T-S-01-P1 is already in row 2")]}


def test_rows_are_numbered_as_the_spreadsheet_shows_them(app, city):
    # A cell with a line break spans two lines of the file but stays one row; blank rows count.
    first = with_cell(PARKING, DESCRIPTION, "第一行\n第二行")
    sheet = parse_sheet(sheet_of(first, ",,,,,", with_cell(STADIUM, CAPACITY, "0")))

    assert [r.number for r in sheet.rows] == [2, 4]
    assert list(problems_by_row(sheet)) == [4]
    assert sheet.rows[0].fields.description == "第一行\n第二行"


@pytest.mark.parametrize(
    ("header", "row"),
    [
        pytest.param(HEADER, PARKING + ",多余", id="cell-beyond-the-last-column"),
        pytest.param(HEADER.replace(",地址,", ",,"), PARKING, id="cell-under-a-column-without-a-name"),
    ],
)
def test_cells_in_columns_row_1_does_not_name_are_a_problem(app, city, header, row):
    sheet = parse_sheet(sheet_of(row, header=header))

    assert problems_by_row(sheet) == {2: [(None, "has a value in a column that row 1 does not name")]}


def test_empty_cells_after_the_last_column_are_ignored(app, city):
    # Spreadsheet programs often save a few empty columns after the last one in use.
    sheet = parse_sheet(sheet_of(PARKING + ",,", STADIUM, header=HEADER + ",,"))

    assert sheet.ok, sheet.all_problems()


def test_a_cell_too_large_for_csv_refuses_the_file(app, city):
    sheet = parse_sheet(sheet_of(with_cell(PARKING, DESCRIPTION, "长" * 140_000)))

    assert not sheet.ok and [(p.row, p.column) for p in sheet.problems] == [(1, None)]


@pytest.mark.parametrize(
    ("header", "column"),
    [
        pytest.param(HEADER + ",序号", "序号", id="unknown-column"),
        pytest.param(HEADER + ",code", "code", id="same-column-in-both-languages"),
        pytest.param(HEADER.replace("容量,", ""), None, id="required-column-missing"),
    ],
)
def test_header_problems_refuse_the_whole_file(app, city, header, column):
    sheet = parse_sheet(sheet_of(PARKING, header=header))

    assert not sheet.ok and sheet.rows == []
    assert [(p.row, p.column) for p in sheet.problems] == [(1, column)]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty-file"),
        pytest.param(HEADER + "\r\n", id="header-only"),
        pytest.param("\r\n\r\n", id="blank"),
    ],
)
def test_a_file_without_resources_is_refused(app, city, text):
    sheet = parse_sheet(text)

    assert not sheet.ok and [p.row for p in sheet.problems] == [1]


def test_blank_cells_and_missing_columns_keep_what_linli_holds(app, city):
    make_resource(
        "T-S-01-P1",
        city["c1"],
        kind="parking",
        capacity=10,
        address="旧地址",
        latitude=32.0,
        longitude=105.0,
        policy=Policy(slot_minutes=15, min_minutes=45, max_minutes=90, buffer_minutes=15),
    )
    header = "编码,名称,类别,所属组织编码,容量,地址,纬度,经度,单次最短分钟"
    sheet = parse_sheet(sheet_of("T-S-01-P1,一号社区停车场,停车场,T-S-01,40,,,,", header=header))

    row = sheet.rows[0]
    assert row.outcome == "updated" and row.changes == ["name", "capacity"]
    fields = row.fields
    assert (fields.address, fields.latitude, fields.longitude) == ("旧地址", 32.0, 105.0)
    assert (fields.policy.slot_minutes, fields.policy.min_minutes, fields.policy.buffer_minutes) == (15, 45, 15)


def test_preview_says_what_each_row_would_do(app, city):
    confirm_sheet = parse_sheet(SHEET)
    spreadsheet.save_sheet(confirm_sheet, actor=None, now=utcnow())  # both rows as the sheet has them
    make_resource("T-S-01-P3", city["c1"], name="三号停车场", kind="parking", capacity=30)
    changed = with_cell(with_cell(STADIUM, CAPACITY, "6"), APPROVAL, "否")

    sheet = parse_sheet(sheet_of(PARKING, changed, with_cell(PARKING, CODE, "T-S-01-P2")))

    assert [(r.code, r.outcome, r.changes) for r in sheet.rows] == [
        ("T-S-01-P1", "unchanged", []),
        ("U-T-S1", "updated", ["capacity", "requires_approval"]),
        ("T-S-01-P2", "created", []),
    ]


# --- the pages ----------------------------------------------------------------


def test_admin_sees_the_upload_form_with_a_label(admin):
    page = admin.get("/directory/import").get_data(as_text=True)

    assert 'type="file"' in page
    assert '<label class="form-label" for="file">' in page
    assert "编码" in page and "所属组织编码" in page


def test_preview_lists_every_row_and_writes_nothing(admin):
    response = upload(admin, SHEET.encode("utf-8"))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "T-S-01-P1" in page and "U-T-S1" in page and "测试中学体育馆" in page
    assert 'name="payload"' in page
    assert resource_count() == 0 and audit_count() == 0


def test_confirm_writes_every_row_and_says_how_many(admin):
    preview = upload(admin, SHEET.encode("gbk"), "利州区资源.csv")

    response = confirm(admin, payload_of(preview))

    assert response.status_code == 302 and response.headers["Location"].endswith("/directory/import")
    assert resource_count() == 2
    parking = get_resource("T-S-01-P1")
    assert (parking.name, parking.capacity, parking.max_minutes, parking.active) == ("一号社区停车场", 40, 600, True)
    entries = list(db.session.scalars(select(AuditEntry)))
    admin_id = db.session.scalar(select(AuditEntry.actor_id).limit(1))
    assert len(entries) == 2 and {e.actor_id for e in entries} == {admin_id} and admin_id is not None
    page = admin.get("/directory/import").get_data(as_text=True)
    assert "利州区资源.csv is imported: 2 created, 0 updated, 0 unchanged." in page


def test_preview_names_what_each_row_changes(admin, city):
    make_resource("T-S-01-P1", city["c1"], name="一号社区停车场", kind="parking", capacity=30)
    changed = sheet_of(PARKING, STADIUM)

    page = upload(admin, changed.encode("utf-8")).get_data(as_text=True)

    assert "2 rows are ready to import:" in page and "1 new, 1 changed, 0 unchanged." in page
    assert "Changes: Capacity、Counted in、Address" in page
    assert "New resource." in page
    assert get_resource("T-S-01-P1").capacity == 30


def test_preview_speaks_chinese_to_a_chinese_admin(client, auth, city):
    make_user(name="组织部", phone="13800000009", is_admin=True, locale="zh_Hans_CN")
    auth.sign_in("13800000009", PASSWORD)

    page = upload(client, sheet_of(PARKING, with_cell(STADIUM, CAPACITY, "0")).encode("gbk")).get_data(as_text=True)

    assert "1 个问题：整个文件无法导入" in page
    assert "<li>容量: 容量须在 1 到 100000 之间。</li>" in page
    assert "没有问题。" in page and "新资源。" in page


def test_preview_lists_every_problem_beside_its_row_and_cannot_be_confirmed(admin):
    bad = sheet_of(PARKING, with_cell(STADIUM, CAPACITY, "0"), with_cell(PARKING, CODE, "一号"))

    response = upload(admin, bad.encode("utf-8"))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="payload"' not in page
    assert 'id="row-3"' in page and 'id="row-4"' in page
    assert "Capacity must be between 1 and 100000." in page
    assert "Use 1–64 letters, digits" in page
    assert 'href="#row-3"' in page and 'href="#row-4"' in page
    assert resource_count() == 0 and audit_count() == 0


def test_a_file_with_one_bad_row_writes_nothing_even_its_good_rows(admin):
    upload(admin, sheet_of(PARKING, with_cell(STADIUM, OWNER, "NOWHERE")).encode("utf-8"))

    assert resource_count() == 0


def test_nothing_is_written_when_a_row_went_bad_after_the_preview(admin, city):
    preview = upload(admin, SHEET.encode("utf-8"))
    city["unit"].code = "U-T-RENAMED"  # the stadium's owner is gone by the time the admin confirms
    db.session.commit()

    response = confirm(admin, payload_of(preview))

    assert response.status_code == 409
    assert 'id="row-3"' in response.get_data(as_text=True)
    assert resource_count() == 0 and audit_count() == 0


def test_nothing_is_written_when_writing_fails_half_way(admin, monkeypatch):
    preview = upload(admin, SHEET.encode("utf-8"))
    real_save = spreadsheet.save_fields
    calls = []

    def fail_on_the_second(fields, **kwargs: Any) -> str:
        calls.append(fields.code)
        if len(calls) == 2:
            raise DomainError("code_taken", field="code")
        return real_save(fields, **kwargs)

    monkeypatch.setattr(spreadsheet, "save_fields", fail_on_the_second)

    response = confirm(admin, payload_of(preview))

    assert response.status_code == 302
    assert calls == ["T-S-01-P1", "U-T-S1"]
    assert resource_count() == 0 and audit_count() == 0


def test_a_large_file_goes_through_preview_and_confirm(admin):
    # Long descriptions that hardly compress: the signed copy is well over Flask's 500 kB form-field limit.
    words = "东坝社区公共停车场利州区嘉陵街道广元市第一中学体育馆活动中心休闲广场剧院会议室南河北路"
    rows = [
        with_cell(with_cell(PARKING, CODE, f"T-S-01-B{i:03d}"), DESCRIPTION, "".join(random.choices(words, k=1500)))
        for i in range(300)
    ]
    data = sheet_of(*rows).encode("utf-8")
    assert 1_000_000 < len(data) < 2 * 1024 * 1024

    preview = upload(admin, data)
    payload = payload_of(preview)
    response = confirm(admin, payload)

    assert len(payload) > 500_000
    assert response.status_code == 302
    assert resource_count() == 300


def _tampered(payload: str) -> str:
    data = URLSafeSerializer("test-secret", salt="directory-import").loads(payload)
    data["text"] = data["text"].replace(",40,", ",4000,")
    return data


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda p: p[:-3] + ("aaa" if not p.endswith("aaa") else "bbb"), id="signature-changed"),
        pytest.param(
            lambda p: URLSafeSerializer("another-key", salt="directory-import").dumps(_tampered(p)),
            id="signed-with-another-key",
        ),
        pytest.param(
            lambda p: URLSafeSerializer("test-secret", salt="another-salt").dumps(_tampered(p)),
            id="signed-for-another-purpose",
        ),
        pytest.param(
            lambda p: URLSafeSerializer("test-secret", salt="directory-import").dumps(
                {**_tampered(p), "by": _tampered(p)["by"] + 1}
            ),
            id="signed-for-another-admin",
        ),
        pytest.param(lambda p: "", id="missing"),
    ],
)
def test_tampered_confirmation_is_refused_and_writes_nothing(admin, forge):
    preview = upload(admin, SHEET.encode("utf-8"))

    response = confirm(admin, forge(payload_of(preview)))

    assert response.status_code == 400
    assert 'type="file"' in response.get_data(as_text=True)
    assert resource_count() == 0


def test_upload_that_is_not_csv_is_refused_on_the_form(admin):
    by_name = upload(admin, SHEET.encode("utf-8"), "resources.xlsx")
    by_content = upload(admin, b"PK\x03\x04\x14\x00\x06\x00", "resources.csv")

    assert by_name.status_code == 400 and by_content.status_code == 400
    assert 'aria-invalid="true"' in by_name.get_data(as_text=True)
    assert 'aria-invalid="true"' in by_content.get_data(as_text=True)
    assert resource_count() == 0


# --- the export ---------------------------------------------------------------


def test_export_is_the_whole_directory_as_a_csv_attachment(admin, city):
    make_resource("T-S-01-P1", city["c1"], name="一号社区停车场", kind="parking", capacity=40)
    hidden = make_resource("U-T-S1", city["unit"], name="体育馆", capacity=4, active=False)

    response = admin.get("/directory/export.csv")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f"attachment; filename={export_filename(utcnow())}"
    assert re.fullmatch(r"linli-directory-\d{8}\.csv", export_filename(utcnow()))
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf" + HEADER.encode("utf-8"))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["T-S-01-P1", hidden.code]
    assert rows[2][17] == "否"


def test_export_then_import_changes_nothing(admin, city):
    make_resource(
        "T-S-01-P1",
        city["c1"],
        name="=一号社区停车场",  # a name a spreadsheet program would take for a formula
        kind="parking",
        capacity=40,
        amenities=("充电桩", "监控"),
        latitude=32.4301234,
        longitude=105.8412345,
        description='多行说明，带逗号, 和"引号"\n第二行',
        # Settings the spreadsheet has no column for survive the round trip.
        policy=Policy(release_time=time(8, 0), buffer_minutes=10, checkin_required=True),
    )
    make_resource("U-T-S1", city["unit"], name="体育馆", capacity=4, active=False, unit_label="")
    make_resource("T-S-M1", city["street"], name="街道会议室", kind="meeting_room", capacity=1, timezone="Asia/Urumqi")
    exported = admin.get("/directory/export.csv").get_data()
    assert b"'=" in exported
    entries = audit_count()

    preview = upload(admin, exported, "linli-directory.csv")
    assert "T-S-01-P1" in preview.get_data(as_text=True)
    response = confirm(admin, payload_of(preview))

    assert response.status_code == 302
    assert audit_count() == entries
    sheet = read_sheet(exported)
    assert [r.outcome for r in sheet.rows] == ["unchanged"] * 3
    parking = get_resource("T-S-01-P1")
    assert (parking.name, parking.release_time, parking.buffer_minutes) == ("=一号社区停车场", time(8, 0), 10)
    assert "0 created, 0 updated, 3 unchanged" in admin.get("/directory/import").get_data(as_text=True)


def test_export_csv_reads_back_through_the_parser(app, city):
    make_resource("T-S-01-P1", city["c1"], name="-1层停车场", kind="parking", capacity=40)

    text = export_csv(db.session.scalars(select(Resource)))

    assert text.startswith("\ufeff编码,名称")
    assert "'-1层停车场" in text
    sheet = parse_sheet(text)
    assert [(r.name, r.outcome) for r in sheet.rows] == [("-1层停车场", "unchanged")]


def test_export_command_writes_to_a_file_or_to_standard_output(runner, city, tmp_path):
    make_resource("T-S-01-P1", city["c1"], name="一号社区停车场", kind="parking", capacity=40)
    path = tmp_path / "directory.csv"

    to_file = runner.invoke(args=["directory", "export", str(path)])
    to_stdout = runner.invoke(args=["directory", "export"])

    assert to_file.exit_code == 0 and to_stdout.exit_code == 0, to_file.output + to_stdout.output
    assert path.read_bytes().startswith(b"\xef\xbb\xbf" + HEADER.encode("utf-8"))
    assert to_stdout.stdout_bytes == path.read_bytes()


# --- who may -------------------------------------------------------------------


def _request(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    return client.post(
        url,
        data={"csrf_token": client.csrf_token(), "file": (io.BytesIO(SHEET.encode()), "r.csv")},
        content_type="multipart/form-data",
    )


PAGES = [
    pytest.param("GET", "/directory/import", id="import-form"),
    pytest.param("POST", "/directory/import", id="import-upload"),
    pytest.param("GET", "/directory/export.csv", id="export"),
]


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_users_who_are_not_admins_are_refused(client, auth, city, method, url):
    auth.sign_in("13800000002", PASSWORD)

    assert _request(client, method, url).status_code == 403
    assert resource_count() == 0


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, city, method, url):
    response = _request(client, method, url)

    assert response.status_code == 302
    assert "/accounts/sign-in" in response.headers["Location"]
