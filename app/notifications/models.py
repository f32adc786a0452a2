"""The email outbox, each user's notification settings, and the keys that make a notice happen once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship
from sqlalchemy.types import JSON

from app.accounts.models import User
from app.bookings.models import Booking, Notification
from app.db import UTCDateTime, utcnow
from app.extensions import db

# queued: waits for its time; claimed: a sender took it (nothing handed to SMTP yet); sending:
# the sender is handing it to the SMTP server (from here on it is never sent again); sent; failed:
# refused for good or out of attempts; skipped: nobody to send it to (no address, or the user
# turned this email off); unknown: the sender died while handing it over, so it may or may not
# have arrived, and it is not sent again (at most once).
OUTBOX_STATUSES = ("queued", "claimed", "sending", "sent", "failed", "skipped", "unknown")


class OutboxMessage(db.Model):
    """An email to one user, written in the transaction that decided it, sent later by the scheduler."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in OUTBOX_STATUSES)})", name="status"),
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        Index("ix_outbox_messages_user", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whatever decided the email names it: enqueueing the same key again adds nothing.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id", ondelete="SET NULL"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recipient: Mapped[str] = mapped_column(String(254), default="")
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()
    notification: Mapped[Notification | None] = relationship()
    booking: Mapped[Booking | None] = relationship()

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"


class NotificationSettings(db.Model):
    """Which events email the user and when reminders come; no row means the defaults."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    reminder_minutes: Mapped[list[int]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NotificationKey(db.Model):
    """A notice that must happen once (a reminder, a warning to admins): its key, and the notification
    it became (none when it was decided not to send it, e.g. the user turned the reminder off)."""

    __tablename__ = "notification_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def insert_once(connection: Connection, model: Any, values: dict[str, Any], key: str) -> bool:
    """INSERT the row unless one with the same `key` column exists (ON CONFLICT DO NOTHING, on both
    engines): True when this call wrote it. Two racing writers write it once."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    column = getattr(model, key)
    statement = dialect.insert(model).values(values).on_conflict_do_nothing(index_elements=[key]).returning(column)
    return connection.execute(statement).first() is not None


def queue_email(
    connection: Connection,
    *,
    key: str,
    kind: str,
    user_id: int,
    at: datetime,
    booking_id: int | None = None,
    notification_id: int | None = None,
) -> bool:
    """Put an email in the outbox, once per `key`, when email is configured (SMTP_URL); whether the
    user wants it, and has an address, is decided when it is sent. True when it was queued."""
    if not has_app_context() or not current_app.config.get("SMTP_URL"):
        return False
    values = {
        "dedupe_key": key,
        "user_id": user_id,
        "kind": kind,
        "notification_id": notification_id,
        "booking_id": booking_id,
        "status": "queued",
        "attempts": 0,
        "next_attempt_at": at,
        "recipient": "",
        "last_error": "",
        "created_at": at,
        "updated_at": at,
    }
    return insert_once(connection, OutboxMessage, values, "dedupe_key")


@event.listens_for(Notification, "after_insert")
def _email_rides_along(_mapper: Mapper[Any], connection: Connection, notification: Notification) -> None:
    """Every in-app notification gets its email in the outbox, in the same transaction: whoever
    writes a notification (placing, the waitlist, the sweeps) need not know."""
    queue_email(
        connection,
        key=f"notification:{notification.id}",
        kind=notification.kind,
        user_id=notification.user_id,
        at=notification.created_at or utcnow(),
        booking_id=notification.booking_id,
        notification_id=notification.id,
    )
