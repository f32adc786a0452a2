"""The organisation tree's rules: kinds, unit types and which kind may sit under which."""

from __future__ import annotations

import re
from enum import StrEnum

from app.domain.errors import DomainError


class OrgKind(StrEnum):
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    UNIT = "unit"


class UnitType(StrEnum):
    ORGAN = "organ"  # 机关
    SCHOOL = "school"  # 学校
    HOSPITAL = "hospital"  # 医院
    SOE = "soe"  # 国有企业
    SOCIAL_ORG = "social_org"  # 两新组织


class Role(StrEnum):
    MEMBER = "member"
    MANAGER = "manager"


class RegistrationKind(StrEnum):
    RESIDENT = "resident"
    UNIT = "unit"


class RegistrationStatus(StrEnum):
    PENDING = "pending"
    ACKNOWLEDGED = "acknowledged"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


LIVE_REGISTRATION_STATUSES = (RegistrationStatus.PENDING, RegistrationStatus.ACKNOWLEDGED)

# A unit stands somewhere in the tree (or nowhere yet); the administrative
# levels nest strictly.
ALLOWED_PARENTS: dict[OrgKind, frozenset[OrgKind | None]] = {
    OrgKind.DISTRICT: frozenset({None}),
    OrgKind.STREET: frozenset({OrgKind.DISTRICT}),
    OrgKind.COMMUNITY: frozenset({OrgKind.STREET}),
    OrgKind.UNIT: frozenset({None, OrgKind.DISTRICT, OrgKind.STREET, OrgKind.COMMUNITY}),
}

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
# Words that name pages beside an organisation's own (/organisations/new, ...),
# so an organisation with such a code could never be opened.
RESERVED_ORG_CODES = frozenset({"new", "registrations"})


def check_code(code: str, *, field: str = "code", reserved: frozenset[str] = frozenset()) -> str:
    """Codes are stable identifiers used in URLs and files: ASCII letters, digits, - _ ."""
    if not CODE_RE.match(code or ""):
        raise DomainError("invalid_code", field=field)
    if code in reserved:
        raise DomainError("reserved_code", field=field)
    return code


def check_placement(kind: OrgKind, unit_type: UnitType | None, parent_kind: OrgKind | None) -> None:
    """Raise unless an organisation of `kind` may sit under a parent of `parent_kind`."""
    if kind is OrgKind.UNIT and unit_type is None:
        raise DomainError("unit_type_required", field="unit_type")
    if kind is not OrgKind.UNIT and unit_type is not None:
        raise DomainError("unit_type_only_for_units", field="unit_type")
    if parent_kind not in ALLOWED_PARENTS[kind]:
        raise DomainError("invalid_parent", field="parent")
