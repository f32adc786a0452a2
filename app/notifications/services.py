"""Notices that must happen once: a key names each, and a job run twice writes it once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from app.bookings.models import Notification
from app.extensions import db
from app.notifications.models import NotificationKey, insert_once


def claim_key(key: str, *, now: datetime) -> bool:
    """Take the key for this transaction: True the first time, False ever after (also when another
    transaction took it at the same moment: the database's unique key decides)."""
    return insert_once(db.session.connection(), NotificationKey, {"key": key, "created_at": now}, "key")


def notify_once(
    key: str, *, user_id: int, kind: str, now: datetime, booking_id: int | None = None, reason: str = ""
) -> Notification | None:
    """An in-app notification (and, through the outbox, its email) unless the key was used before:
    then None and nothing is written. Flush, never commit."""
    if not claim_key(key, now=now):
        return None
    notification = Notification(user_id=user_id, kind=kind, booking_id=booking_id, reason=reason[:300], created_at=now)
    db.session.add(notification)
    db.session.flush()
    db.session.execute(
        update(NotificationKey).where(NotificationKey.key == key).values(notification_id=notification.id)
    )
    return notification
