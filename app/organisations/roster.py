"""A community's roster as CSV: export its registrations; import its members (all or nothing).

The import view decodes the upload as the directory's spreadsheet does (UTF-8 with or without BOM,
or GBK: app.directory.spreadsheet.decode); this module checks every row before anything is written. Each
row names a person with a Linli account (matched by mobile number); the community lists them as
its members, so their residence here is acknowledged (as the directory import file does).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.domain.errors import DomainError
from app.domain.logins import parse_login
from app.domain.organisations import OrgKind, RegistrationKind, RegistrationStatus
from app.domain.resources import DEFAULT_TIMEZONE
from app.extensions import db
from app.messages import message_for
from app.organisations.models import Organisation, Registration
from app.organisations.registrations import acknowledge_registration, may_manage_community
from app.organisations.services import current_residence, register_resident

MAX_ROWS = 5000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# field -> (the Chinese column name the export writes, the English one also understood)
IMPORT_COLUMNS = {
    "name": ("姓名", "name"),
    "phone": ("手机号", "phone"),
    "party_member": ("在职党员", "party_member"),
    "work_unit": ("工作单位编码", "work_unit"),
    # The export's kind column: its unit rows are skipped, so an export reads back.
    "kind": ("类别", "kind"),
}
UNIT_WORDS = frozenset({"单位", "unit"})
REQUIRED = ("name", "phone")

CREATED, ACKNOWLEDGED, UNCHANGED = "created", "acknowledged", "unchanged"
# As the directory's spreadsheet reads yes and no.
YES_WORDS = frozenset({"是", "true", "yes", "y", "1"})
NO_WORDS = frozenset({"否", "false", "no", "n", "0"})


@dataclass(frozen=True)
class SheetProblem:
    row: int  # as the spreadsheet program numbers it: the header is row 1
    column: str | None  # the column's name as the file writes it
    message: str


@dataclass
class MemberRow:
    number: int
    name: str
    phone: str
    party_member: bool = False
    work_unit: Organisation | None = None
    user: User | None = None
    existing: Registration | None = None
    outcome: str | None = None
    problems: list[SheetProblem] = field(default_factory=list)


@dataclass
class MemberSheet:
    rows: list[MemberRow] = field(default_factory=list)
    problems: list[SheetProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(not row.problems for row in self.rows)

    def all_problems(self) -> list[SheetProblem]:
        return [*self.problems, *(p for row in self.rows for p in row.problems)]

    def count(self, outcome: str) -> int:
        return sum(row.outcome == outcome for row in self.rows)


def _header(cells: list[str], sheet: MemberSheet) -> dict[str, int]:
    names = {alias.lower(): name for name, aliases in IMPORT_COLUMNS.items() for alias in aliases}
    found: dict[str, int] = {}
    for index, raw in enumerate(cells):
        cell = raw.strip().removeprefix("\ufeff")
        name = names.get(cell.lower())
        if name is None:
            if cell:
                sheet.ignored_columns.append(cell)
            continue
        if name in found:
            sheet.problems.append(SheetProblem(1, cell, _("this column is named twice")))
        found[name] = index
    for name in REQUIRED:
        if name not in found:
            chinese, english = IMPORT_COLUMNS[name]
            sheet.problems.append(
                SheetProblem(
                    1,
                    None,
                    _("Row 1 must name the column %(chinese)s (%(english)s).", chinese=chinese, english=english),
                )
            )
    return found


def parse_members(text: str, community: Organisation) -> MemberSheet:
    """Check every row against the rules and the database; writes nothing."""
    sheet = MemberSheet()
    try:
        records = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    except csv.Error as error:
        sheet.problems.append(SheetProblem(1, None, _("The file cannot be read as CSV (%(reason)s).", reason=error)))
        return sheet
    columns = _header(records[0] if records else [], sheet)
    if sheet.problems:
        return sheet
    kind_at = columns.get("kind")
    lines = [
        (n, cells)
        for n, cells in enumerate(records[1:], start=2)
        if any(c.strip() for c in cells)
        and not (kind_at is not None and kind_at < len(cells) and cells[kind_at].strip().lower() in UNIT_WORDS)
    ]
    if not lines:
        sheet.problems.append(SheetProblem(1, None, _("The file has a header row but no members under it.")))
        return sheet
    if len(lines) > MAX_ROWS:
        sheet.problems.append(
            SheetProblem(1, None, _("The file has more than %(n)s rows; split it into several files.", n=MAX_ROWS))
        )
        return sheet
    header = records[0]

    def cell(cells: list[str], name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def heading(name: str) -> str:
        return header[columns[name]].strip().removeprefix("\ufeff")

    rows = []
    for number, cells in lines:
        row = MemberRow(number=number, name=cell(cells, "name")[:100], phone=cell(cells, "phone"))
        if not row.name:
            row.problems.append(SheetProblem(number, heading("name"), message_for("name_required")))
        try:
            login = parse_login(row.phone)
            if login.kind != "phone":
                raise DomainError("invalid_phone")
            row.phone = login.value
        except DomainError:
            row.problems.append(SheetProblem(number, heading("phone"), message_for("invalid_phone")))
            row.phone = ""
        party = cell(cells, "party_member").lower()
        if party in YES_WORDS:
            row.party_member = True
        elif party and party not in NO_WORDS:
            row.problems.append(SheetProblem(number, heading("party_member"), _("write 是 or 否")))
        rows.append((row, cell(cells, "work_unit")))
    phones = {row.phone for row, _unit in rows if row.phone}
    unit_codes = {code for _row, code in rows if code}
    users = {u.phone: u for u in db.session.scalars(select(User).where(User.phone.in_(phones)))} if phones else {}
    units = (
        {o.code: o for o in db.session.scalars(select(Organisation).where(Organisation.code.in_(unit_codes)))}
        if unit_codes
        else {}
    )
    first_row: dict[str, int] = {}
    for row, unit_code in rows:
        if unit_code:
            unit = units.get(unit_code)
            if unit is None or unit.kind != OrgKind.UNIT.value:
                row.problems.append(SheetProblem(row.number, heading("work_unit"), message_for("not_a_unit")))
            row.work_unit = unit
        if row.phone:
            if row.phone in first_row:
                row.problems.append(
                    SheetProblem(
                        row.number,
                        heading("phone"),
                        _("%(phone)s is already in row %(row)s", phone=row.phone, row=first_row[row.phone]),
                    )
                )
            first_row.setdefault(row.phone, row.number)
            row.user = users.get(row.phone)
            if row.user is None:
                row.problems.append(
                    SheetProblem(
                        row.number,
                        heading("phone"),
                        _("no Linli account has this number: ask them to sign up first, or to scan the QR poster"),
                    )
                )
            else:
                _plan(row, community)
        sheet.rows.append(row)
    return sheet


def _plan(row: MemberRow, community: Organisation) -> None:
    assert row.user is not None
    residence = current_residence(row.user)
    if residence is not None and residence.community_id != community.id:
        row.problems.append(
            SheetProblem(
                row.number,
                None,
                _(
                    "%(name)s is registered at %(community)s; they move their registration themselves",
                    name=row.user.name,
                    community=residence.community.name,
                ),
            )
        )
        return
    row.existing = residence
    if residence is None:
        row.outcome = CREATED
    elif residence.status == RegistrationStatus.PENDING.value:
        row.outcome = ACKNOWLEDGED
    else:
        row.outcome = UNCHANGED


def save_members(sheet: MemberSheet, community: Organisation, *, actor: User, now: datetime) -> dict[str, int]:
    """Write a checked sheet: new registrations acknowledged, pending ones acknowledged. Flush only."""
    if not may_manage_community(actor, community):
        raise DomainError("forbidden")
    if not sheet.ok:
        raise DomainError("invalid")
    for row in sheet.rows:
        assert row.user is not None
        registration = row.existing
        if registration is None:
            registration = register_resident(
                row.user, community, party_member=row.party_member, work_unit=row.work_unit
            )
        elif row.outcome == UNCHANGED:
            continue
        else:
            registration.party_member = row.party_member or registration.party_member
            registration.work_unit = row.work_unit or registration.work_unit
        if row.party_member:
            row.user.party_member = True
        acknowledge_registration(registration, by=actor, now=now)
    db.session.flush()
    return {outcome: sheet.count(outcome) for outcome in (CREATED, ACKNOWLEDGED, UNCHANGED)}


# --- export ------------------------------------------------------------------------

EXPORT_HEADER = (
    "类别",
    "姓名",
    "手机号",
    "单位编码",
    "在职党员",
    "工作单位编码",
    "状态",
    "回执编号",
    "报到时间",
    "确认时间",
    "原因",
)
KIND_WORDS = {RegistrationKind.RESIDENT.value: "个人", RegistrationKind.UNIT.value: "单位"}
STATUS_WORDS = {"pending": "待确认", "acknowledged": "已确认", "declined": "已退回", "withdrawn": "已撤回"}


def _guard(text: str) -> str:
    """A leading = + - @ would make a spreadsheet program run the cell as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _local(moment: datetime | None) -> str:
    return moment.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).strftime("%Y-%m-%d %H:%M") if moment else ""


def export_roster(registrations: Iterable[Registration]) -> str:
    """The roster as CSV (Chinese headers, as the district's other sheets); its 姓名, 手机号, 在职党员 and
    工作单位编码 columns are the import's."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    for r in registrations:
        unit = r.kind == RegistrationKind.UNIT.value
        writer.writerow(
            [
                KIND_WORDS.get(r.kind, r.kind),
                _guard(r.unit.name if unit and r.unit else (r.user.name if r.user else "")),
                "" if unit or r.user is None else (r.user.phone or ""),
                r.unit.code if unit and r.unit else "",
                "" if unit else ("是" if r.party_member else "否"),
                r.work_unit.code if r.work_unit else "",
                STATUS_WORDS.get(r.status, r.status),
                r.receipt or "",
                _local(r.created_at),
                _local(r.decided_at),
                _guard(r.reason or ""),
            ]
        )
    return out.getvalue()
