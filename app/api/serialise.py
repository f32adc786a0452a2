"""JSON shapes of API.md: users, memberships, registrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.accounts.models import User
from app.organisations.models import Membership, Registration

DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")


def rfc3339(value: datetime | None, zone: ZoneInfo = DEFAULT_ZONE) -> str | None:
    return value.astimezone(zone).isoformat() if value else None


def user_summary(user: User) -> dict[str, Any]:
    return {"code": user.code, "name": user.name}


def registration_json(registration: Registration) -> dict[str, Any]:
    return {
        "id": registration.id,
        "kind": registration.kind,
        "community": registration.community.code,
        "unit": registration.unit.code if registration.unit else None,
        "user": registration.user.code if registration.user else None,
        "party_member": registration.party_member,
        "work_unit": registration.work_unit.code if registration.work_unit else None,
        "status": registration.status,
        "receipt": registration.receipt,
        "reason": registration.reason or None,
        "created_at": rfc3339(registration.created_at),
        "decided_at": rfc3339(registration.decided_at),
    }


def me_json(
    user: User, residence: Registration | None, memberships: list[Membership], registrations: list[Registration]
) -> dict[str, Any]:
    return {
        "code": user.code,
        "name": user.name,
        "phone": user.phone,
        "email": user.email,
        "party_member": user.party_member,
        "is_admin": user.is_admin,
        "residence": {"community": residence.community.code, "status": residence.status} if residence else None,
        "memberships": [{"org": m.organisation.code, "role": m.role} for m in memberships],
        "registrations": [registration_json(r) for r in registrations],
    }
