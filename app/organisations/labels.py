"""Words for organisation kinds, unit types, roles and statuses in both languages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "district": _l("District"),
    "street": _l("Street"),
    "community": _l("Community"),
    "unit": _l("Unit"),
}
UNIT_TYPE_LABELS = {
    "organ": _l("Government office"),
    "school": _l("School"),
    "hospital": _l("Hospital"),
    "soe": _l("State-owned enterprise"),
    "social_org": _l("Social organisation"),
}
ROLE_LABELS = {"member": _l("Member"), "manager": _l("Manager")}
REGISTRATION_KIND_LABELS = {"resident": _l("Resident"), "unit": _l("Unit")}
STATUS_LABELS = {
    "pending": _l("Pending"),
    "acknowledged": _l("Acknowledged"),
    "declined": _l("Declined"),
    "withdrawn": _l("Withdrawn"),
}


def label(table: dict, value: str | None) -> str:
    return str(table.get(value or "", value or ""))
