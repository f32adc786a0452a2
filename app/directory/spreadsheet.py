"""The district's resource spreadsheet (CSV, one row per resource): read it into checked rows, export it.

Row 1 names the columns, in Chinese or English. A blank cell, or a column the
file does not have, leaves that value of an existing resource as it is (a new
resource gets the default), so a district's sheet never wipes what managers set
in Linli; the columns that name a resource (code, name, kind, owner, capacity)
must be filled on every row.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.directory.bulk import CREATED, UNCHANGED, UPDATED, changed_fields, current_fields, planned_outcome, save_fields
from app.directory.labels import DEFAULT_UNIT_LABELS
from app.directory.models import Resource
from app.directory.services import ResourceFields, check_fields
from app.domain.errors import DomainError
from app.domain.organisations import OrgKind, check_code
from app.domain.resources import (
    DEFAULT_TIMEZONE,
    RESERVED_RESOURCE_CODES,
    Policy,
    ResourceKind,
    check_capacity,
    check_coordinates,
    check_policy,
    check_timezone,
    normalise_tags,
)
from app.extensions import db
from app.messages import message_for
from app.organisations.models import Organisation

# A district has some 1,700 resources; the limits leave room and keep the preview page usable.
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
OWNER_KINDS = (OrgKind.COMMUNITY.value, OrgKind.UNIT.value, OrgKind.STREET.value)


@dataclass(frozen=True)
class Column:
    field: str
    chinese: str
    required: bool = False
    # Free text, where a leading = + - @ would make a spreadsheet program run it as a formula.
    text: bool = False


COLUMNS = (
    Column("code", "编码", required=True),
    Column("name", "名称", required=True, text=True),
    Column("kind", "类别", required=True),
    Column("owner", "所属组织编码", required=True),
    Column("capacity", "容量", required=True),
    Column("unit_label", "计量单位", text=True),
    Column("address", "地址", text=True),
    Column("latitude", "纬度"),
    Column("longitude", "经度"),
    Column("description", "简介", text=True),
    Column("amenities", "设施", text=True),
    Column("timezone", "时区"),
    Column("min_minutes", "单次最短分钟"),
    Column("max_minutes", "单次最长分钟"),
    Column("slot_minutes", "时段分钟"),
    Column("book_ahead_days", "可提前天数"),
    Column("requires_approval", "需审批"),
    Column("active", "启用"),
)
COLUMNS_BY_FIELD = {column.field: column for column in COLUMNS}
POLICY_COLUMNS = ("min_minutes", "max_minutes", "slot_minutes", "book_ahead_days", "requires_approval")

# The district's words for the kinds (what the export writes), then what is also understood.
KIND_NAMES = {
    ResourceKind.ACTIVITY_CENTRE.value: "活动中心",
    ResourceKind.PLAZA.value: "休闲广场",
    ResourceKind.THEATRE.value: "剧院",
    ResourceKind.SPORTS_VENUE.value: "体育场馆",
    ResourceKind.MEETING_ROOM.value: "会议室",
    ResourceKind.PARKING.value: "停车场",
}
KIND_WORDS = {
    **{name: kind for kind, name in KIND_NAMES.items()},
    **{kind.value: kind.value for kind in ResourceKind},
    "视频会议室": ResourceKind.MEETING_ROOM.value,
}
YES_WORDS = frozenset({"是", "true", "yes", "y", "1"})
NO_WORDS = frozenset({"否", "false", "no", "n", "0"})
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class SheetRefused(Exception):  # noqa: N818 - a refusal, not an error in the program
    """The upload is not a CSV text file Linli can read; `message` says why, in the user's words."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class SheetProblem:
    row: int  # as the spreadsheet program numbers it: the header is row 1
    column: str | None  # the column's name as the file writes it
    message: str

    def __str__(self) -> str:
        where = _("row %(row)s", row=self.row) + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class SheetRow:
    number: int
    code: str
    name: str
    owner: str
    fields: ResourceFields | None = None
    problems: list[SheetProblem] = field(default_factory=list)
    outcome: str | None = None  # created, updated or unchanged, once the row is readable
    changes: list[str] = field(default_factory=list)  # field names an update changes


@dataclass
class Sheet:
    rows: list[SheetRow] = field(default_factory=list)
    problems: list[SheetProblem] = field(default_factory=list)  # of the file as a whole (its header)

    @property
    def ok(self) -> bool:
        return not self.problems and all(not row.problems for row in self.rows)

    def all_problems(self) -> list[SheetProblem]:
        return [*self.problems, *(problem for row in self.rows for problem in row.problems)]

    def count(self, outcome: str) -> int:
        return sum(row.outcome == outcome for row in self.rows)


# --- reading -----------------------------------------------------------------


def decode(data: bytes) -> str:
    """The text of an uploaded CSV: UTF-8 (with or without BOM) or GBK/GB18030, as Excel saves it in China."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetRefused(_("This is an Excel workbook, not a CSV file. Save it as CSV (UTF-8) and upload that."))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SheetRefused(_("This file is UTF-16 text. Save it as CSV (UTF-8) and upload that."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # GB18030 decodes most bytes into something: control characters give a binary file away.
        if not any(unicodedata.category(char) == "Cc" and char not in "\t\r\n" for char in text):
            return text
    raise SheetRefused(_("This file is not a CSV text file. Save the spreadsheet as CSV (UTF-8) and upload that."))


def read_sheet(data: bytes) -> Sheet:
    """Decode and check an uploaded file; raises SheetRefused when it is not CSV text."""
    return parse_sheet(decode(data))


def parse_sheet(text: str) -> Sheet:
    """Check every row of the CSV text against the rules and the database; writes nothing."""
    sheet = Sheet()
    try:
        records = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    except csv.Error as error:
        # e.g. a cell of over 128 KB: no district's row holds one, so the file is not what it seems.
        sheet.problems.append(SheetProblem(1, None, _("The file cannot be read as CSV (%(reason)s).", reason=error)))
        return sheet
    header = records[0] if records else []
    columns = _read_header(header, sheet)
    if sheet.problems:
        return sheet
    lines = [(number, cells) for number, cells in enumerate(records[1:], start=2) if any(c.strip() for c in cells)]
    if not lines:
        sheet.problems.append(SheetProblem(1, None, _("The file has a header row but no resources under it.")))
        return sheet
    if len(lines) > MAX_ROWS:
        sheet.problems.append(
            SheetProblem(1, None, _("The file has more than %(n)s rows; split it into several files.", n=MAX_ROWS))
        )
        return sheet
    raw_rows = []
    for number, cells in lines:
        values = {col.field: (cells[i].strip() if i < len(cells) else "") for i, col in columns.items()}
        extra = any(cell.strip() for i, cell in enumerate(cells) if i not in columns)
        raw_rows.append((number, values, extra))
    codes = {values["code"] for _, values, _ in raw_rows}
    owner_codes = {values["owner"] for _, values, _ in raw_rows}
    existing = {r.code: r for r in db.session.scalars(select(Resource).where(Resource.code.in_(codes)))}
    owners = {o.code: o for o in db.session.scalars(select(Organisation).where(Organisation.code.in_(owner_codes)))}
    headers = {col.field: header[i].strip().removeprefix("\ufeff") for i, col in columns.items()}
    first_row: dict[str, int] = {}
    for number, values, extra in raw_rows:
        reader = _RowReader(number, values, headers, existing.get(values["code"]), owners)
        row = reader.read()
        if extra:
            row.problems.append(SheetProblem(number, None, _("has a value in a column that row 1 does not name")))
        if row.code in first_row:
            row.problems.append(
                SheetProblem(
                    number,
                    headers["code"],
                    _("%(code)s is already in row %(row)s", code=row.code, row=first_row[row.code]),
                )
            )
        elif row.code:
            first_row[row.code] = number
        if row.problems:
            row.fields = row.outcome = None
            row.changes = []
        sheet.rows.append(row)
    return sheet


def _column_for(name: str) -> Column | None:
    for column in COLUMNS:
        if name == column.chinese or name.casefold() == column.field:
            return column
    return None


def _read_header(header: list[str], sheet: Sheet) -> dict[int, Column]:
    """Column positions by the names in row 1; problems of the header go on the sheet."""
    columns: dict[int, Column] = {}
    seen: dict[str, str] = {}
    if not any(cell.strip() for cell in header):
        sheet.problems.append(SheetProblem(1, None, _("Row 1 must name the columns, e.g. 编码, 名称, 类别.")))
        return columns
    for i, raw in enumerate(header):
        name = raw.strip().removeprefix("\ufeff").strip()
        if not name:
            continue
        column = _column_for(name)
        if column is None:
            known = "、".join(c.chinese for c in COLUMNS)
            sheet.problems.append(
                SheetProblem(1, name, _("is not a column Linli knows; the columns are %(known)s", known=known))
            )
        elif column.field in seen:
            sheet.problems.append(SheetProblem(1, name, _("is the same column as %(other)s", other=seen[column.field])))
        else:
            seen[column.field] = name
            columns[i] = column
    for column in COLUMNS:
        if column.required and column.field not in seen:
            sheet.problems.append(
                SheetProblem(
                    1, None, _("The column %(name)s (%(field)s) is missing.", name=column.chinese, field=column.field)
                )
            )
    return columns


class _RowReader:
    """Reads one row into ResourceFields, collecting a problem per cell."""

    def __init__(
        self,
        number: int,
        values: dict[str, str],
        headers: dict[str, str],
        existing: Resource | None,
        owners: dict[str, Organisation],
    ) -> None:
        self.number = number
        self.values = values
        self.headers = headers
        self.existing = existing
        self.owners = owners
        self.start = current_fields(existing) if existing is not None else None
        self.problems: list[SheetProblem] = []

    def add(self, field_name: str | None, message: str) -> None:
        column = None
        if field_name:
            column = self.headers.get(field_name) or getattr(COLUMNS_BY_FIELD.get(field_name), "chinese", field_name)
        self.problems.append(SheetProblem(self.number, column, message))

    def cell(self, name: str) -> str:
        value = self.values.get(name, "")
        if COLUMNS_BY_FIELD[name].text and value.startswith("'") and value[1:2] in FORMULA_STARTS:
            return value[1:]  # the export's guard against formulas
        return value

    def kept(self, name: str, default: Any) -> Any:
        return getattr(self.start, name) if self.start is not None else default

    def given(self, name: str, parse: Callable[[str], Any], default: Any) -> Any:
        """The cell's value, parsed; a blank cell keeps the current value (a new resource: the default)."""
        raw = self.cell(name)
        if raw == "":
            return default
        try:
            return parse(raw)
        except ValueError as exc:
            self.add(name, str(exc))
            return default

    def domain_check(self, check: Callable[..., Any], *args: Any) -> None:
        try:
            check(*args)
        except DomainError as error:
            self.add(error.field, message_for(error.code))

    def read(self) -> SheetRow:
        code, name, owner_code = self.cell("code"), self.cell("name"), self.cell("owner")
        row = SheetRow(self.number, code, name, owner_code)
        if not code:
            self.add("code", _("is required"))
        else:
            try:
                check_code(code, reserved=RESERVED_RESOURCE_CODES)
            except DomainError as error:
                self.add("code", message_for(error.code))
        if not name:
            self.add("name", _("is required"))
        elif len(name) > 200:
            self.add("name", _("is longer than %(n)s characters", n=200))
        kind = self.read_kind()
        owner = self.read_owner(owner_code)
        capacity = self.given("capacity", _whole_number, None)
        if capacity is None and not self.cell("capacity"):
            self.add("capacity", _("is required"))
        elif capacity is not None:
            self.domain_check(check_capacity, capacity)
        unit_label = self.given("unit_label", _limited(20), self.kept("unit_label", DEFAULT_UNIT_LABELS.get(kind, "")))
        address = self.given("address", _limited(300), self.kept("address", ""))
        description = self.given("description", _limited(5000), self.kept("description", ""))
        amenities = self.given("amenities", lambda v: tuple(normalise_tags(v)), self.kept("amenities", ()))
        latitude = self.given("latitude", _decimal, self.kept("latitude", None))
        longitude = self.given("longitude", _decimal, self.kept("longitude", None))
        self.domain_check(check_coordinates, latitude, longitude)
        timezone = self.given("timezone", str, self.kept("timezone", DEFAULT_TIMEZONE))
        self.domain_check(check_timezone, timezone)
        active = self.given("active", _yes_no, self.kept("active", True))
        policy = self.read_policy()
        if self.problems or owner is None or kind is None or capacity is None:
            row.problems = self.problems
            return row
        fields = ResourceFields(
            code=code,
            owner=owner,
            name=name,
            kind=kind,
            capacity=capacity,
            unit_label=unit_label,
            address=address,
            latitude=latitude,
            longitude=longitude,
            description=description,
            amenities=amenities,
            timezone=timezone,
            active=active,
            policy=policy,
        )
        # Whatever the checks above missed, the service would refuse: say so now, by the row.
        self.domain_check(check_fields, fields)
        row.problems = self.problems
        if not row.problems:
            row.fields = fields
            row.outcome = planned_outcome(fields, self.existing)
            if self.start is not None and row.outcome == UPDATED:
                row.changes = changed_fields(self.start, fields)
        return row

    def read_kind(self) -> str | None:
        raw = self.cell("kind")
        if not raw:
            self.add("kind", _("is required"))
            return None
        kind = KIND_WORDS.get(raw) or KIND_WORDS.get(raw.casefold())
        if kind is None:
            self.add("kind", _('"%(value)s" is not a kind; use one of %(choices)s', value=raw, choices=_kind_choices()))
        return kind

    def read_owner(self, code: str) -> Organisation | None:
        if not code:
            self.add("owner", _("is required"))
            return None
        owner = self.owners.get(code)
        if owner is None:
            self.add("owner", _('"%(value)s" is not the code of an organisation in Linli', value=code))
            return None
        if owner.kind not in OWNER_KINDS:
            self.add(
                "owner",
                _(
                    "%(code)s is a %(kind)s; resources belong to a community, a unit or a street",
                    code=code,
                    kind=owner.kind,
                ),
            )
            return None
        return owner

    def read_policy(self) -> Policy:
        start = self.start.policy if self.start is not None else Policy()
        changes = {
            name: self.given(name, _yes_no if name == "requires_approval" else _whole_number, getattr(start, name))
            for name in POLICY_COLUMNS
        }
        policy = replace(start, **changes)
        self.domain_check(check_policy, policy)
        return policy


def _kind_choices() -> str:
    return "、".join(KIND_NAMES.values())


def _whole_number(raw: str) -> int:
    value = unicodedata.normalize("NFKC", raw)  # full-width digits typed with a Chinese input method
    if not re.fullmatch(r"[+-]?[0-9]+", value):
        raise ValueError(_('"%(value)s" is not a whole number', value=raw))
    return int(value)


def _decimal(raw: str) -> float:
    try:
        value = float(unicodedata.normalize("NFKC", raw))
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(_('"%(value)s" is not a number', value=raw))
    return value


def _yes_no(raw: str) -> bool:
    word = unicodedata.normalize("NFKC", raw).casefold()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise ValueError(_('"%(value)s" is not 是 or 否 (yes or no)', value=raw))


def _limited(max_length: int) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if len(raw) > max_length:
            raise ValueError(_("is longer than %(n)s characters", n=max_length))
        return raw

    return parse


# --- writing -----------------------------------------------------------------


def save_sheet(sheet: Sheet, *, actor: User | None, now: datetime) -> dict[str, int]:
    """Write every row of a checked sheet; counts by outcome. Flushes only: the caller owns the transaction."""
    if not sheet.ok:
        raise ValueError("save_sheet() of a sheet with problems")
    counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
    for row in sheet.rows:
        assert row.fields is not None
        counts[save_fields(row.fields, actor=actor, now=now)] += 1
    return counts


# --- the export --------------------------------------------------------------


def _guard(value: str) -> str:
    """Text a spreadsheet program would run as a formula is written with a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _number_text(value: float | None) -> str:
    return "" if value is None else repr(value)


def _yes_no_text(value: bool) -> str:
    return "是" if value else "否"


def export_csv(resources: Iterable[Resource]) -> str:
    """The directory as the district's spreadsheet: Chinese headers, one row per resource, UTF-8 with BOM.

    Reading it back with parse_sheet() changes nothing.
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.chinese for column in COLUMNS])
    for resource in resources:
        writer.writerow(
            [
                resource.code,
                _guard(resource.name),
                KIND_NAMES.get(resource.kind, resource.kind),
                resource.owner.code,
                resource.capacity,
                _guard(resource.unit_label),
                _guard(resource.address),
                _number_text(resource.latitude),
                _number_text(resource.longitude),
                _guard(resource.description),
                _guard("、".join(resource.amenities or [])),
                resource.timezone,
                resource.min_minutes,
                resource.max_minutes,
                resource.slot_minutes,
                resource.book_ahead_days,
                _yes_no_text(resource.requires_approval),
                _yes_no_text(resource.active),
            ]
        )
    # The byte-order mark tells Excel the file is UTF-8; without it Excel in China reads GBK.
    return "\ufeff" + out.getvalue()
