"""The directory import file (API.md): check the whole file, then write it in one go.

Rows are matched by `code`, so importing the same file twice changes nothing the
second time. A bad file is refused as a whole with every problem listed by its
path in the file, and nothing is written.

A resource's `windows` (prices in fen) and `closures` (RFC 3339 times with an
offset), when the file gives the key, become exactly what it lists; a resource
without the key keeps the rules its managers gave it.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.access.models import Window
from app.access.services import check_closure, check_window, replace_closures, replace_windows
from app.accounts.models import User
from app.accounts.services import hash_password, password_matches
from app.directory.bulk import save_fields
from app.directory.labels import DEFAULT_UNIT_LABELS
from app.directory.models import Resource
from app.directory.services import ResourceFields, get_resource, reindex_area
from app.domain.errors import DomainError
from app.domain.logins import check_password, parse_login
from app.domain.organisations import (
    ALLOWED_PARENTS,
    RESERVED_ORG_CODES,
    OrgKind,
    RegistrationKind,
    RegistrationStatus,
    Role,
    UnitType,
    check_code,
)
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
from app.domain.windows import AccessWindow, Audience, parse_clock, parse_days
from app.domain.workdays import DaySource
from app.extensions import db
from app.messages import message_for
from app.organisations.models import Organisation
from app.organisations.services import (
    current_residence,
    decide_registration,
    find_live_unit_registration,
    get_membership,
    register_resident,
    register_unit,
    set_membership,
)
from app.workdays.models import CalendarDay

SECTIONS = ("calendar", "organisations", "users", "resources")
KIND_ORDER = {OrgKind.DISTRICT: 0, OrgKind.STREET: 1, OrgKind.COMMUNITY: 2, OrgKind.UNIT: 3}
ORG_FIELDS = {"code", "name", "kind", "unit_type", "parent", "registered_with", "address", "contact_phone"}
USER_FIELDS = {
    "code",
    "name",
    "phone",
    "email",
    "password",
    "residence",
    "party_member",
    "work_unit",
    "memberships",
    "admin",
}
RESOURCE_FIELDS = {
    "code",
    "name",
    "kind",
    "owner",
    "capacity",
    "unit_label",
    "address",
    "timezone",
    "latitude",
    "longitude",
    "description",
    "amenities",
    "active",
    "policy",
    "windows",
    "closures",
}
RESOURCE_OWNER_KINDS = (OrgKind.COMMUNITY.value, OrgKind.UNIT.value, OrgKind.STREET.value)
POLICY_MINUTES = (
    "slot_minutes",
    "min_minutes",
    "max_minutes",
    "book_ahead_days",
    "buffer_minutes",
    "checkin_grace_minutes",
    "cancel_before_minutes",
)
POLICY_FLAGS = ("requires_approval", "checkin_required")
POLICY_FIELDS = {*POLICY_MINUTES, *POLICY_FLAGS, "release_time"}
TIME_RE = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
WINDOW_FIELDS = {
    "audience",
    "days",
    "start",
    "end",
    "price",
    "max_quantity",
    "max_minutes_per_week",
    "requires_approval",
}
WINDOW_COUNTS = ("max_quantity", "max_minutes_per_week")
# Once a limit is found at fault, these stand in for it while the rest of the window is checked.
NEUTRAL_LIMITS: dict[str, Any] = {"price": 0, "max_quantity": None, "max_minutes_per_week": None}
MAX_PRICE = 100_000_000  # fen: a million yuan, far above any fee and inside a database integer
CLOSURE_FIELDS = {"start", "end", "reason"}
# "8:30" is read as release times are: people write one-digit hours, unquoted in YAML too.
ONE_DIGIT_HOUR_RE = re.compile(r"[0-9]:[0-9]{2}")


class ImportRefused(Exception):  # noqa: N818 - a refusal, not an error in the program
    """The file was refused; `problems` lists each one by its path in the file."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class ImportReport:
    """Rows per section and outcome; a resource's windows and closures are counted one by one,
    and those the file no longer lists are `removed`."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()) or sum(self.removed.values()))

    def count(self, section: str, outcome: str, n: int = 1) -> None:
        getattr(self, outcome)[section] += n


class _JsonLikeYamlLoader(yaml.SafeLoader):
    """YAML read into what JSON would give: an unquoted 2026-12-31 or 17:30 stays text, as the checks expect."""


def _without_base_60(tag: str, regexp: re.Pattern[str]) -> re.Pattern[str]:
    # YAML 1.1 reads 17:30 as the base-60 integer 1050 (and 1:30.5 as a float);
    # no number in an import file has a colon, so a colon means text.
    if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        return re.compile(r"(?![^:]*:)" + regexp.pattern, regexp.flags)
    return regexp


_JsonLikeYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, _without_base_60(tag, regexp)) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_file(path: str | Path) -> Any:
    """Parse a JSON or YAML file; a syntax error is refused with its line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ImportRefused([_("%(file)s: cannot be read (%(reason)s)", file=path.name, reason=exc.strerror)]) from exc
    except UnicodeDecodeError as exc:
        raise ImportRefused([_("%(file)s: is not UTF-8 text", file=path.name)]) from exc
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            return yaml.load(text, Loader=_JsonLikeYamlLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark else "?"
            raise ImportRefused([_("%(file)s: line %(line)s: not valid YAML", file=path.name, line=line)]) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRefused(
            [_("%(file)s: line %(line)s: not valid JSON (%(reason)s)", file=path.name, line=exc.lineno, reason=exc.msg)]
        ) from exc


# --- checking ----------------------------------------------------------------


def _one_of(value: Any, choices: type[StrEnum]) -> bool:
    # A file may hold a list or an object where text belongs; those are unhashable.
    return isinstance(value, str) and value in {c.value for c in choices}


def _whole_number(value: Any) -> bool:
    # JSON true is an int to Python; a flag is not a count.
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer of hundreds of digits
        return False


def _parse_time(value: Any) -> time | None:
    """A local wall-clock time written HH:MM, or None."""
    match = TIME_RE.fullmatch(value) if isinstance(value, str) else None
    return time(int(match.group(1)), int(match.group(2))) if match else None


def _shown(value: Any, *, quote: bool = True) -> str:
    """A value of the file as the problem list shows it: text as written, anything else as JSON."""
    if isinstance(value, str):
        return f'"{value}"' if quote else value
    return json.dumps(value, ensure_ascii=False)


def _parse_clock(value: Any) -> int | None:
    """Minutes after local midnight for "HH:MM" (or "H:MM"); "24:00" ends the day."""
    if not isinstance(value, str):
        return None
    if ONE_DIGIT_HOUR_RE.fullmatch(value):
        value = "0" + value
    try:
        return parse_clock(value, field="")
    except DomainError:
        return None


def _parse_moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) < 16:  # a date and a time at least
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _window(row: dict[str, Any]) -> AccessWindow:
    """A checked window row of the file as the domain's window; absent keys get the defaults."""
    start, end = _parse_clock(row["start"]), _parse_clock(row["end"])
    assert start is not None and end is not None  # checked before
    return AccessWindow(
        audience=Audience(row["audience"]),
        days=parse_days(row["days"]),
        start=start,
        end=end,
        price=row.get("price", 0),
        max_quantity=row.get("max_quantity"),
        max_minutes_per_week=row.get("max_minutes_per_week"),
        requires_approval=row.get("requires_approval"),
    )


def _closure(row: dict[str, Any]) -> tuple[datetime, datetime, str]:
    start, end = _parse_moment(row["start"]), _parse_moment(row["end"])
    assert start is not None and end is not None  # checked before
    return start, end, row["reason"].strip()


class _Checker:
    """Collects every problem of a document without writing anything."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.problems: list[str] = []
        self.db_orgs: dict[str, str] = dict(db.session.execute(select(Organisation.code, Organisation.kind)).all())
        self.file_orgs: dict[str, str] = {}
        self.org_rows: list[int] = []
        self.db_users = {
            code: (phone, email) for code, phone, email in db.session.execute(select(User.code, User.phone, User.email))
        }
        # The largest per-booking limit of each resource's windows, for a capacity cut in a file that keeps them.
        self.db_window_quantities: dict[str, int] = {
            code: largest
            for code, largest in db.session.execute(
                select(Resource.code, func.max(Window.max_quantity))
                .join(Window, Window.resource_id == Resource.id)
                .group_by(Resource.code)
            )
            if largest is not None
        }

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def org_kind(self, code: Any) -> str | None:
        if not isinstance(code, str):
            return None
        return self.file_orgs.get(code) or self.db_orgs.get(code)

    def section(self, name: str) -> list[Any]:
        value = self.doc.get(name, [])
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(name, _("must be a list"))
            return []
        return value

    def text(self, row: dict[str, Any], key: str, path: str, *, required: bool, max_length: int) -> str | None:
        value = row.get(key)
        if value is None or value == "":
            if required:
                self.add(f"{path}.{key}", _("is required"))
            return None
        if not isinstance(value, str):
            self.add(f"{path}.{key}", _("must be text"))
            return None
        if len(value) > max_length:
            self.add(f"{path}.{key}", _("is longer than %(n)s characters", n=max_length))
            return None
        return value

    def boolean(self, row: dict[str, Any], key: str, path: str) -> None:
        if key in row and not isinstance(row[key], bool):
            self.add(f"{path}.{key}", _("must be true or false"))

    def unknown_fields(self, row: dict[str, Any], allowed: set[str], path: str) -> None:
        for key in sorted(set(row) - allowed, key=str):
            self.add(f"{path}.{key}", _("is not a known field"))

    def run(self) -> list[str]:
        if not isinstance(self.doc, dict):
            return [_("the file must hold one object with the keys %(keys)s", keys=", ".join(SECTIONS))]
        for key in sorted(set(self.doc) - set(SECTIONS), key=str):
            self.add(key, _("is not a known section"))
        self.check_calendar()
        self.check_organisations()
        self.check_users()
        self.check_resources()
        return self.problems

    def check_calendar(self) -> None:
        seen: set[date] = set()
        for i, row in enumerate(self.section("calendar")):
            path = f"calendar[{i}]"
            if not isinstance(row, dict):
                self.add(path, _("must be an object"))
                continue
            self.unknown_fields(row, {"date", "workday", "name"}, path)
            raw = row.get("date")
            try:
                day = date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
            except ValueError:
                day = None
            if day is None:
                self.add(f"{path}.date", _('"%(value)s" is not a date (YYYY-MM-DD)', value=raw))
            elif day in seen:
                self.add(f"{path}.date", _("%(value)s appears twice", value=raw))
            else:
                seen.add(day)
            if not isinstance(row.get("workday"), bool):
                self.add(f"{path}.workday", _("must be true or false"))
            self.text(row, "name", path, required=False, max_length=100)

    def check_organisations(self) -> None:
        rows = self.section("organisations")
        # First pass: the codes and kinds the file defines, so rows may refer
        # to organisations further down.
        for i, row in enumerate(rows):
            path = f"organisations[{i}]"
            if not isinstance(row, dict):
                self.add(path, _("must be an object"))
                continue
            code = row.get("code")
            try:
                check_code(code if isinstance(code, str) else "", reserved=RESERVED_ORG_CODES)
            except DomainError as error:
                reason = message_for(error.code)
                self.add(f"{path}.code", _('"%(value)s" is not a valid code', value=code) + f" ({reason})")
                continue
            if code in self.file_orgs:
                self.add(f"{path}.code", _("%(value)s appears twice", value=code))
                continue
            kind = row.get("kind")
            if not _one_of(kind, OrgKind):
                self.add(
                    f"{path}.kind",
                    _('"%(value)s" is not one of %(choices)s', value=kind, choices=", ".join(k.value for k in OrgKind)),
                )
                continue
            if code in self.db_orgs and self.db_orgs[code] != kind:
                self.add(f"{path}.kind", _("%(code)s is already a %(kind)s", code=code, kind=self.db_orgs[code]))
            self.file_orgs[code] = kind
            self.org_rows.append(i)
        for i in self.org_rows:
            row = rows[i]
            path = f"organisations[{i}]"
            self.unknown_fields(row, ORG_FIELDS, path)
            kind = OrgKind(row["kind"])
            self.text(row, "name", path, required=True, max_length=200)
            self.text(row, "address", path, required=False, max_length=300)
            self.text(row, "contact_phone", path, required=False, max_length=32)
            unit_type = row.get("unit_type")
            if kind is OrgKind.UNIT and not _one_of(unit_type, UnitType):
                self.add(
                    f"{path}.unit_type",
                    _(
                        '"%(value)s" is not one of %(choices)s',
                        value=unit_type,
                        choices=", ".join(u.value for u in UnitType),
                    ),
                )
            if kind is not OrgKind.UNIT and unit_type is not None:
                self.add(f"{path}.unit_type", message_for("unit_type_only_for_units"))
            parent = row.get("parent")
            if parent is not None:
                parent_kind = self.org_kind(parent)
                if parent_kind is None:
                    self.add(
                        f"{path}.parent",
                        _('"%(value)s" is not an organisation in the file or the database', value=parent),
                    )
                elif OrgKind(parent_kind) not in ALLOWED_PARENTS[kind]:
                    self.add(
                        f"{path}.parent",
                        _("a %(kind)s cannot belong to a %(parent)s", kind=kind.value, parent=parent_kind),
                    )
            elif None not in ALLOWED_PARENTS[kind]:
                self.add(f"{path}.parent", _("is required for a %(kind)s", kind=kind.value))
            registered = row.get("registered_with")
            if registered is not None:
                if kind is not OrgKind.UNIT:
                    self.add(f"{path}.registered_with", _("only units register with communities"))
                elif not isinstance(registered, list):
                    self.add(f"{path}.registered_with", _("must be a list of community codes"))
                else:
                    for j, community in enumerate(registered):
                        if self.org_kind(community) != OrgKind.COMMUNITY.value:
                            self.add(
                                f"{path}.registered_with[{j}]", _('"%(value)s" is not a community', value=community)
                            )

    def check_users(self) -> None:
        codes: set[str] = set()
        logins: dict[str, str] = {}
        for code, (phone, email) in self.db_users.items():
            for value in (phone, email):
                if value:
                    logins[value] = code
        for i, row in enumerate(self.section("users")):
            path = f"users[{i}]"
            if not isinstance(row, dict):
                self.add(path, _("must be an object"))
                continue
            self.unknown_fields(row, USER_FIELDS, path)
            code = row.get("code")
            try:
                check_code(code if isinstance(code, str) else "")
            except DomainError:
                self.add(f"{path}.code", _('"%(value)s" is not a valid code', value=code))
                continue
            if code in codes:
                self.add(f"{path}.code", _("%(value)s appears twice", value=code))
                continue
            codes.add(code)
            name = self.text(row, "name", path, required=True, max_length=100)
            phone = self.text(row, "phone", path, required=False, max_length=32)
            email = self.text(row, "email", path, required=False, max_length=254)
            found_login = ""
            for key, value, expected in (("phone", phone, "phone"), ("email", email, "email")):
                if value is None:
                    continue
                try:
                    parsed = parse_login(value)
                    if parsed.kind != expected:
                        raise DomainError(f"invalid_{expected}")
                except DomainError as error:
                    self.add(f"{path}.{key}", f'"{value}": {message_for(error.code)}')
                    continue
                found_login = found_login or parsed.value
                owner = logins.get(parsed.value)
                if owner is not None and owner != code:
                    self.add(f"{path}.{key}", _("%(value)s already belongs to another user", value=parsed.value))
                logins[parsed.value] = code
            if phone is None and email is None:
                self.add(path, _("needs a phone or an email"))
            password = row.get("password")
            if password is None:
                if code not in self.db_users:
                    self.add(f"{path}.password", _("is required for a new user"))
            elif not isinstance(password, str):
                self.add(f"{path}.password", _("must be text"))
            else:
                try:
                    check_password(password, login=found_login, name=name or "")
                except DomainError as error:
                    # Never echo the password itself.
                    self.add(f"{path}.password", message_for(error.code))
            for key in ("party_member", "admin"):
                self.boolean(row, key, path)
            residence = row.get("residence")
            if residence is not None and self.org_kind(residence) != OrgKind.COMMUNITY.value:
                self.add(f"{path}.residence", _('"%(value)s" is not a community', value=residence))
            work_unit = row.get("work_unit")
            if work_unit is not None and self.org_kind(work_unit) != OrgKind.UNIT.value:
                self.add(f"{path}.work_unit", _('"%(value)s" is not a unit', value=work_unit))
            memberships = row.get("memberships", [])
            if not isinstance(memberships, list):
                self.add(f"{path}.memberships", _("must be a list"))
                continue
            for j, membership in enumerate(memberships):
                mpath = f"{path}.memberships[{j}]"
                if not isinstance(membership, dict):
                    self.add(mpath, _("must be an object"))
                    continue
                self.unknown_fields(membership, {"org", "role"}, mpath)
                if self.org_kind(membership.get("org")) is None:
                    self.add(
                        f"{mpath}.org",
                        _(
                            '"%(value)s" is not an organisation in the file or the database',
                            value=membership.get("org"),
                        ),
                    )
                if not _one_of(membership.get("role", Role.MEMBER.value), Role):
                    self.add(
                        f"{mpath}.role",
                        _(
                            '"%(value)s" is not one of %(choices)s',
                            value=membership.get("role"),
                            choices="member, manager",
                        ),
                    )

    def check_resources(self) -> None:
        codes: set[str] = set()
        for i, row in enumerate(self.section("resources")):
            path = f"resources[{i}]"
            if not isinstance(row, dict):
                self.add(path, _("must be an object"))
                continue
            self.unknown_fields(row, RESOURCE_FIELDS, path)
            code = row.get("code")
            try:
                check_code(code if isinstance(code, str) else "", reserved=RESERVED_RESOURCE_CODES)
            except DomainError as error:
                reason = message_for(error.code)
                self.add(f"{path}.code", _('"%(value)s" is not a valid code', value=code) + f" ({reason})")
            else:
                if code in codes:
                    self.add(f"{path}.code", _("%(value)s appears twice", value=code))
                codes.add(code)
            name = self.text(row, "name", path, required=True, max_length=200)
            if name is not None and not name.strip():
                self.add(f"{path}.name", _("is required"))
            kind = row.get("kind")
            if not _one_of(kind, ResourceKind):
                self.add(
                    f"{path}.kind",
                    _(
                        '"%(value)s" is not one of %(choices)s',
                        value=kind,
                        choices=", ".join(k.value for k in ResourceKind),
                    ),
                )
            self.check_owner(row.get("owner"), f"{path}.owner")
            capacity = row.get("capacity")
            if capacity is None:
                self.add(f"{path}.capacity", _("is required"))
            elif not _whole_number(capacity):
                self.add(f"{path}.capacity", _("must be a whole number"))
            else:
                self.domain_check(path, check_capacity, capacity)
            self.text(row, "unit_label", path, required=False, max_length=20)
            self.text(row, "address", path, required=False, max_length=300)
            self.text(row, "description", path, required=False, max_length=5000)
            timezone = self.text(row, "timezone", path, required=False, max_length=64)
            if timezone is not None:
                self.domain_check(path, check_timezone, timezone)
            coordinates = [row.get("latitude"), row.get("longitude")]
            for key, value in zip(("latitude", "longitude"), coordinates, strict=True):
                if value is not None and not _number(value):
                    self.add(f"{path}.{key}", _("must be a number"))
            if all(value is None or _number(value) for value in coordinates):
                self.domain_check(path, check_coordinates, *coordinates)
            amenities = row.get("amenities")
            if amenities is not None and not (
                isinstance(amenities, list) and all(isinstance(tag, str) for tag in amenities)
            ):
                self.add(f"{path}.amenities", _("must be a list of text"))
            self.boolean(row, "active", path)
            self.check_policy(row.get("policy"), f"{path}.policy")
            readable_capacity = capacity if _whole_number(capacity) and capacity >= 1 else None
            if row.get("windows") is not None:
                self.check_windows(row["windows"], f"{path}.windows", readable_capacity)
            elif readable_capacity is not None and isinstance(code, str):
                self.check_kept_windows(code, readable_capacity, f"{path}.capacity")
            if row.get("closures") is not None:
                self.check_closures(row["closures"], f"{path}.closures")

    def check_windows(self, windows: Any, path: str, capacity: int | None) -> None:
        if not isinstance(windows, list):
            self.add(path, _("must be a list"))
            return
        for j, row in enumerate(windows):
            wpath = f"{path}[{j}]"
            if not isinstance(row, dict):
                self.add(wpath, _("must be an object"))
                continue
            self.unknown_fields(row, WINDOW_FIELDS, wpath)
            readable = True
            audience = row.get("audience")
            if audience is None:
                self.add(f"{wpath}.audience", _("is required"))
                readable = False
            elif not _one_of(audience, Audience):
                choices = ", ".join(a.value for a in Audience)
                self.add(
                    f"{wpath}.audience", _('"%(value)s" is not one of %(choices)s', value=audience, choices=choices)
                )
                readable = False
            if "days" not in row:
                self.add(f"{wpath}.days", _("is required"))
                readable = False
            else:
                try:
                    parse_days(row["days"])
                except DomainError as error:
                    self.add(f"{wpath}.days", f"{_shown(row['days'])}: {message_for(error.code)}")
                    readable = False
            for key in ("start", "end"):
                if row.get(key) is None:
                    self.add(f"{wpath}.{key}", _("is required"))
                    readable = False
                elif _parse_clock(row[key]) is None:
                    self.add(
                        f"{wpath}.{key}", _('"%(value)s" is not a time (HH:MM)', value=_shown(row[key], quote=False))
                    )
                    readable = False
            if "price" in row and not _whole_number(row["price"]):
                self.add(f"{wpath}.price", _("must be a whole number of fen (100 fen = 1 yuan)"))
                readable = False
            elif row.get("price", 0) > MAX_PRICE:
                self.add(f"{wpath}.price", message_for("value_too_large"))
                readable = False
            for key in WINDOW_COUNTS:
                if row.get(key) is not None and not _whole_number(row[key]):
                    self.add(f"{wpath}.{key}", _("must be a whole number"))
                    readable = False
            if row.get("requires_approval") is not None and not isinstance(row["requires_approval"], bool):
                self.add(f"{wpath}.requires_approval", _("must be true or false"))
                readable = False
            if readable:
                self.check_window_rules(row, wpath, capacity)

    def check_window_rules(self, row: dict[str, Any], path: str, capacity: int | None) -> None:
        """The domain's rules for a readable window; a limit at fault is set aside to find the next problem."""
        values = dict(row)
        for _attempt in range(len(NEUTRAL_LIMITS) + 1):
            try:
                window = _window(values)
                if capacity is not None:
                    check_window(Resource(capacity=capacity), window)
                return
            except DomainError as error:
                self.add(f"{path}.{error.field}" if error.field else path, message_for(error.code))
                if error.field not in NEUTRAL_LIMITS:
                    return
                values[error.field] = NEUTRAL_LIMITS[error.field]

    def check_kept_windows(self, code: str, capacity: int, path: str) -> None:
        """A resource whose windows the file leaves alone must still hold its windows' largest booking."""
        largest = self.db_window_quantities.get(code)
        if largest is not None and largest > capacity:
            self.add(
                path,
                _(
                    "is below the largest max_quantity (%(n)s) of the resource's windows; "
                    "list its windows in the file too",
                    n=largest,
                ),
            )

    def check_closures(self, closures: Any, path: str) -> None:
        if not isinstance(closures, list):
            self.add(path, _("must be a list"))
            return
        for j, row in enumerate(closures):
            cpath = f"{path}[{j}]"
            if not isinstance(row, dict):
                self.add(cpath, _("must be an object"))
                continue
            self.unknown_fields(row, CLOSURE_FIELDS, cpath)
            moments = [self.moment(row, key, cpath) for key in ("start", "end")]
            reason = self.text(row, "reason", cpath, required=True, max_length=200)
            if reason is not None and not reason.strip():
                self.add(f"{cpath}.reason", _("is required"))
                continue
            start, end = moments
            if start is not None and end is not None and reason is not None:
                self.domain_check(cpath, check_closure, start, end, reason)

    def moment(self, row: dict[str, Any], key: str, path: str) -> datetime | None:
        """An RFC 3339 date and time with its offset; a wall-clock time alone is refused."""
        value = row.get(key)
        if value is None:
            self.add(f"{path}.{key}", _("is required"))
            return None
        parsed = _parse_moment(value)
        if parsed is None:
            self.add(
                f"{path}.{key}",
                _(
                    '"%(value)s" is not a date and time such as 2026-12-05T00:00:00+08:00',
                    value=_shown(value, quote=False),
                ),
            )
            return None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            self.add(f"{path}.{key}", _('"%(value)s" has no UTC offset; add one such as +08:00', value=value))
            return None
        return parsed

    def check_owner(self, owner: Any, path: str) -> None:
        if owner is None:
            self.add(path, _("is required"))
            return
        owner_kind = self.org_kind(owner)
        if owner_kind is None:
            self.add(path, _('"%(value)s" is not an organisation in the file or the database', value=owner))
        elif owner_kind not in RESOURCE_OWNER_KINDS:
            self.add(
                path,
                _(
                    "%(code)s is a %(kind)s; resources belong to a community, a unit or a street",
                    code=owner,
                    kind=owner_kind,
                ),
            )

    def check_policy(self, policy: Any, path: str) -> None:
        if policy is None:
            return
        if not isinstance(policy, dict):
            self.add(path, _("must be an object"))
            return
        self.unknown_fields(policy, POLICY_FIELDS, path)
        values: dict[str, Any] = {}
        for key in POLICY_MINUTES:
            if key in policy:
                if _whole_number(policy[key]):
                    values[key] = policy[key]
                else:
                    self.add(f"{path}.{key}", _("must be a whole number"))
        for key in POLICY_FLAGS:
            if key in policy:
                if isinstance(policy[key], bool):
                    values[key] = policy[key]
                else:
                    self.add(f"{path}.{key}", _("must be true or false"))
        if "release_time" in policy:
            release = _parse_time(policy["release_time"])
            if release is None:
                self.add(f"{path}.release_time", _('"%(value)s" is not a time (HH:MM)', value=policy["release_time"]))
            else:
                values["release_time"] = release
        if len(values) == len(set(policy) & POLICY_FIELDS):
            # The rules between fields (min against slot, ...) only mean something once each field is readable.
            self.domain_check(path, check_policy, Policy(**values))

    def domain_check(self, path: str, check: Any, *args: Any) -> None:
        """Run a domain check; its error goes under the field it names."""
        try:
            check(*args)
        except DomainError as error:
            self.add(f"{path}.{error.field}" if error.field else path, message_for(error.code))


def check_document(doc: Any) -> list[str]:
    """Every problem of the document, by path; an empty list means it can be imported."""
    return _Checker(doc).run()


# --- writing -----------------------------------------------------------------


def _assign(obj: Any, **values: Any) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def _outcome(created: bool, changed: bool) -> str:
    return "created" if created else "updated" if changed else "unchanged"


class _Writer:
    def __init__(self, doc: dict[str, Any], now: datetime, report: ImportReport) -> None:
        self.doc = doc
        self.now = now
        self.report = report
        self.orgs: dict[str, Organisation] = {}

    def org(self, code: str) -> Organisation:
        if code not in self.orgs:
            found = db.session.scalar(select(Organisation).where(Organisation.code == code))
            assert found is not None, code  # checked before writing
            self.orgs[code] = found
        return self.orgs[code]

    def run(self) -> None:
        self.write_calendar()
        self.write_organisations()
        self.write_users()
        self.write_resources()

    def write_calendar(self) -> None:
        imported = select(CalendarDay).where(CalendarDay.source == DaySource.IMPORT.value)
        existing = {d.day: d for d in db.session.scalars(imported)}
        for row in self.doc.get("calendar") or []:
            day = date.fromisoformat(row["date"])
            entry = existing.get(day)
            created = entry is None
            if entry is None:
                entry = CalendarDay(day=day, source=DaySource.IMPORT.value)
                db.session.add(entry)
            changed = _assign(entry, workday=row["workday"], name=row.get("name") or "")
            self.report.count("calendar", _outcome(created, changed))

    def write_organisations(self) -> None:
        rows = sorted(self.doc.get("organisations") or [], key=lambda r: KIND_ORDER[OrgKind(r["kind"])])
        for row in rows:
            # Look the parent up first: a query after add() would flush the half-made row.
            parent = self.org(row["parent"]) if row.get("parent") else None
            org = db.session.scalar(select(Organisation).where(Organisation.code == row["code"]))
            created = org is None
            if org is None:
                org = Organisation(code=row["code"])
                db.session.add(org)
            changed = _assign(
                org,
                name=row["name"],
                kind=row["kind"],
                unit_type=row.get("unit_type"),
                address=row.get("address") or "",
                contact_phone=row.get("contact_phone") or "",
            )
            if org.parent is not parent:
                org.parent = parent
                changed = True
            db.session.flush()
            self.orgs[org.code] = org
            for community_code in row.get("registered_with") or []:
                changed |= self.ensure_unit_registration(org, self.org(community_code))
            if changed and not created:
                reindex_area(org)
            self.report.count("organisations", _outcome(created, changed))

    def ensure_unit_registration(self, unit: Organisation, community: Organisation) -> bool:
        registration = find_live_unit_registration(unit, community)
        if registration is not None and registration.status == RegistrationStatus.ACKNOWLEDGED.value:
            return False
        if registration is None:
            registration = register_unit(unit, community, applicant=None)
        decide_registration(registration, RegistrationStatus.ACKNOWLEDGED.value, by=None, now=self.now)
        return True

    def write_users(self) -> None:
        for row in self.doc.get("users") or []:
            user = db.session.scalar(select(User).where(User.code == row["code"]))
            created = user is None
            phone = parse_login(row["phone"]).value if row.get("phone") else None
            email = parse_login(row["email"]).value if row.get("email") else None
            if user is None:
                user = User(code=row["code"], password_hash=hash_password(row["password"]), session_version=1)
                db.session.add(user)
            changed = _assign(
                user,
                name=row["name"],
                phone=phone,
                email=email,
                party_member=bool(row.get("party_member", False)),
            )
            if "admin" in row:
                changed |= _assign(user, is_admin=bool(row["admin"]))
            if not created and row.get("password") is not None and not password_matches(user, row["password"]):
                user.password_hash = hash_password(row["password"])
                user.session_version += 1
                changed = True
            db.session.flush()
            for membership in row.get("memberships") or []:
                org = self.org(membership["org"])
                role = membership.get("role", Role.MEMBER.value)
                existing = get_membership(user, org)
                if existing is None or existing.role != role:
                    set_membership(user, org, role)
                    changed = True
            if row.get("residence"):
                work_unit = self.org(row["work_unit"]) if row.get("work_unit") else None
                changed |= self.ensure_residence(user, self.org(row["residence"]), work_unit)
            self.report.count("users", _outcome(created, changed))

    def ensure_residence(self, user: User, community: Organisation, work_unit: Organisation | None) -> bool:
        registration = current_residence(user)
        if registration is not None and registration.community_id != community.id:
            # Moved house: the old registration ends, the new one starts acknowledged.
            decide_registration(registration, RegistrationStatus.WITHDRAWN.value, by=None, now=self.now)
            registration = None
        changed = False
        if registration is None:
            registration = register_resident(user, community, party_member=user.party_member, work_unit=work_unit)
            changed = True
        changed |= _assign(registration, party_member=user.party_member, work_unit=work_unit)
        if registration.status != RegistrationStatus.ACKNOWLEDGED.value:
            decide_registration(registration, RegistrationStatus.ACKNOWLEDGED.value, by=None, now=self.now)
            changed = True
        assert registration.kind == RegistrationKind.RESIDENT.value
        return changed

    def write_resources(self) -> None:
        for i, row in enumerate(self.doc.get("resources") or []):
            fields = _resource_fields(row, self.org(row["owner"]))
            try:
                # Through the service, as a manager's edit goes: audit trail and search text included.
                outcome = save_fields(fields, actor=None, now=self.now)
            except DomainError as error:
                # The checks above should have caught it; refuse the file rather than fail half-way.
                path = f"resources[{i}]" + (f".{error.field}" if error.field else "")
                raise ImportRefused([f"{path}: {message_for(error.code)}"]) from error
            self.report.count("resources", outcome)
            if row.get("windows") is None and row.get("closures") is None:
                continue  # the resource keeps the rules it has
            resource = get_resource(row["code"])
            assert resource is not None  # saved just above
            if row.get("windows") is not None:
                wanted = [_window(w) for w in row["windows"]]
                added, removed = replace_windows(resource, wanted, actor=None, now=self.now)
                self.count_replaced("windows", len(wanted), added, removed)
            if row.get("closures") is not None:
                closures = [_closure(c) for c in row["closures"]]
                added, removed = replace_closures(resource, closures, actor=None, now=self.now)
                self.count_replaced("closures", len(closures), added, removed)

    def count_replaced(self, section: str, wanted: int, added: int, removed: int) -> None:
        for outcome, n in (("created", added), ("unchanged", wanted - added), ("removed", removed)):
            if n:
                self.report.count(section, outcome, n)


def _resource_fields(row: dict[str, Any], owner: Organisation) -> ResourceFields:
    """A checked resource row as the service takes it; absent keys get the defaults."""
    policy = dict(row.get("policy") or {})
    if "release_time" in policy:
        policy["release_time"] = _parse_time(policy["release_time"])
    kind = row["kind"]
    latitude, longitude = row.get("latitude"), row.get("longitude")
    return ResourceFields(
        code=row["code"],
        owner=owner,
        name=row["name"].strip(),
        kind=kind,
        capacity=row["capacity"],
        unit_label=(row.get("unit_label") or DEFAULT_UNIT_LABELS.get(kind, "")).strip(),
        address=(row.get("address") or "").strip(),
        latitude=None if latitude is None else float(latitude),
        longitude=None if longitude is None else float(longitude),
        description=(row.get("description") or "").strip(),
        amenities=tuple(normalise_tags(list(row.get("amenities") or []))),
        timezone=row.get("timezone") or DEFAULT_TIMEZONE,
        active=row.get("active", True),
        policy=Policy(**policy),
    )


def import_directory(doc: Any, *, now: datetime) -> ImportReport:
    """Check the document, then write it; raises ImportRefused listing every problem.

    Flushes only: the caller owns the transaction and rolls back on refusal.
    """
    problems = check_document(doc)
    if problems:
        raise ImportRefused(problems)
    report = ImportReport()
    _Writer(doc, now, report).run()
    db.session.flush()
    return report
