"""Bookings: a user's claim on a quantity of a resource over [start, end)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    DDL,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import UTCDateTime, utcnow
from app.directory.models import Resource
from app.domain.bookings import HOLDING, BookingStatus
from app.extensions import db
from app.organisations.models import Organisation

HOLDING_SQL = "status IN ({})".format(", ".join(repr(s.value) for s in sorted(HOLDING)))
# The exclusion constraint compares resource ids with = inside a GiST index, which needs btree_gist.
event.listen(
    db.metadata, "before_create", DDL("CREATE EXTENSION IF NOT EXISTS btree_gist").execute_if(dialect="postgresql")
)
WAITING_STATUSES = ("waiting", "promoted", "left", "lapsed")


class BookingSeries(db.Model):
    """A recurring series: one request that placed a booking on each day of its rule."""

    __tablename__ = "booking_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    rule: Mapped[str] = mapped_column(String(500))  # the RRULE as asked, or WORKDAYS;UNTIL=... / ;COUNT=...
    starts_on: Mapped[date] = mapped_column(Date)  # the local day asked for first (it may be a holiday)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    resource: Mapped[Resource] = relationship()


class Booking(db.Model):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s.value) for s in BookingStatus)})", name="status"),
        CheckConstraint('"start" < "end"', name="start_before_end"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        # What holds capacity on a resource over a span: the availability and capacity queries.
        Index(
            "ix_bookings_holding",
            "resource_id",
            "start",
            "end",
            sqlite_where=text(HOLDING_SQL),
            postgresql_where=text(HOLDING_SQL),
        ),
        Index("ix_bookings_user", "user_id", "start"),
        Index("ix_bookings_on_behalf_of", "on_behalf_of_id", "start"),
        Index("ix_bookings_series", "series_id", "start"),
        # The scheduler's sweeps (reminders, expiry, completion, no-shows) read by status and time.
        Index("ix_bookings_status_start", "status", "start"),
        # The database's own guard for resources of capacity 1 (a court, a room): two holding
        # bookings of one resource never overlap, whatever the application does. PostgreSQL only.
        ExcludeConstraint(
            ("resource_id", "="),
            (func.tstzrange(text('"start"'), text('"end"')), "&&"),
            name="no_overlap_when_sole",
            using="gist",
            where=text(f"sole AND {HOLDING_SQL}"),
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"))
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.PENDING.value)
    purpose: Mapped[str] = mapped_column(String(300), default="")
    # Set when the resource has capacity 1: such bookings fall under the exclusion constraint.
    sole: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("booking_series.id", ondelete="SET NULL"))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    resource: Mapped[Resource] = relationship()
    user: Mapped[User] = relationship()
    on_behalf_of: Mapped[Organisation | None] = relationship()
    series: Mapped[BookingSeries | None] = relationship()

    def __repr__(self) -> str:
        return f"<Booking {self.id} {self.status}>"


class BookingEvent(db.Model):
    """One step in a booking's history: who moved it from which status to which, when and why."""

    __tablename__ = "booking_events"
    __table_args__ = (Index("ix_booking_events_booking", "booking_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[str | None] = mapped_column(String(16))  # None: the booking was made
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(300), default="")

    booking: Mapped[Booking] = relationship()
    actor: Mapped[User | None] = relationship()


class IdempotencyKey(db.Model):
    """A client's Idempotency-Key and the answer it got: the same key and body get the same answer again."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the request body, canonical JSON
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Notification(db.Model):
    """A message in a user's in-app inbox, usually about one of their bookings."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user", "user_id", "read_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # booking_approved, booking_rejected, booking_cancelled, ...
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    booking: Mapped[Booking | None] = relationship()


class WaitlistEntry(db.Model):
    """A place in line for a full span: when capacity frees, the first still eligible gets the booking."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in WAITING_STATUSES)})", name="status"),
        CheckConstraint('"start" < "end"', name="start_before_end"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        Index("ix_waitlist_entries_line", "resource_id", "status", "start"),
        Index("ix_waitlist_entries_user", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    purpose: Mapped[str] = mapped_column(String(300), default="")
    # waiting; promoted (it became booking_id); left (the user left the line); lapsed (the time passed)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    resource: Mapped[Resource] = relationship()
    user: Mapped[User] = relationship()
    on_behalf_of: Mapped[Organisation | None] = relationship()
    booking: Mapped[Booking | None] = relationship()
