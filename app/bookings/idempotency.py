"""Idempotency-Key: a client that sends the same request twice (a phone retrying on a bad
network) gets the first answer again and no second booking. Flush, never commit."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.bookings.models import IdempotencyKey
from app.extensions import db

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Remembered:
    fingerprint: str
    status: int
    body: Any


def fingerprint(body: Any) -> str:
    """The request body's identity: keys sorted, so the same JSON written differently is the same."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def find_answer(user_id: int, key: str) -> Remembered | None:
    row = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key))
    if row is None:
        return None
    return Remembered(row.fingerprint, row.status, json.loads(row.response))


def remember_answer(user_id: int, key: str, print_: str, status: int, body: Any, *, now: datetime) -> None:
    """Keep the answer; a concurrent twin inserting the same key fails on the unique constraint."""
    db.session.add(
        IdempotencyKey(
            user_id=user_id,
            key=key,
            fingerprint=print_,
            status=status,
            response=json.dumps(body, ensure_ascii=False),
            created_at=now,
        )
    )
    db.session.flush()
