"""Record and list audit entries. Flush, never commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.extensions import db


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields whose values differ, as {field: [old, new]}."""
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def record(
    subject_type: str, subject_id: int, action: str, *, actor: User | None, changes: dict[str, Any], now: datetime
) -> AuditEntry | None:
    """Append an entry; an update that changed nothing is not recorded."""
    if action == "updated" and not changes:
        return None
    entry = AuditEntry(
        subject_type=subject_type, subject_id=subject_id, action=action, actor=actor, changes=changes, at=now
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def list_entries(subject_type: str, subject_id: int, *, limit: int = 100) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )
