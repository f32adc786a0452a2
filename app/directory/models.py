"""Resources of the shared directory, their photos, and the text-search index."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    Time,
    event,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.accounts.models import User
from app.db import UTCDateTime, utcnow
from app.domain.ratings import DIMENSIONS, average
from app.domain.resources import DEFAULT_TIMEZONE, Policy, ResourceKind
from app.extensions import db
from app.organisations.models import Organisation


class Resource(db.Model):
    __tablename__ = "resources"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k.value) for k in ResourceKind)})", name="kind"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("slot_minutes > 0 AND 1440 % slot_minutes = 0", name="slot_divides_day"),
        CheckConstraint("min_minutes >= slot_minutes AND min_minutes % slot_minutes = 0", name="min_on_slots"),
        CheckConstraint("max_minutes >= min_minutes AND max_minutes % slot_minutes = 0", name="max_on_slots"),
        CheckConstraint("book_ahead_days >= 0", name="book_ahead_not_negative"),
        CheckConstraint("buffer_minutes >= 0", name="buffer_not_negative"),
        CheckConstraint("checkin_grace_minutes >= 0", name="grace_not_negative"),
        CheckConstraint("cancel_before_minutes >= 0", name="cancel_before_not_negative"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="coordinates_together"),
        CheckConstraint("rating_count >= 0 AND rating_total >= 0", name="rating_counters_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    unit_label: Mapped[str] = mapped_column(String(20), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    amenities: Mapped[list[str]] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)

    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    min_minutes: Mapped[int] = mapped_column(Integer, default=30)
    max_minutes: Mapped[int] = mapped_column(Integer, default=240)
    book_ahead_days: Mapped[int] = mapped_column(Integer, default=14)
    release_time: Mapped[time] = mapped_column(Time, default=time(0, 0))
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    checkin_required: Mapped[bool] = mapped_column(Boolean, default=False)
    checkin_grace_minutes: Mapped[int] = mapped_column(Integer, default=15)
    cancel_before_minutes: Mapped[int] = mapped_column(Integer, default=60)

    # Tokens for text search (app.domain.search), kept by the service on every save.
    search_tokens: Mapped[str] = mapped_column(Text, default="", deferred=True)  # read by SQL, not by pages
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Counts every change to what its availability is made of (itself, its windows, closures,
    # bookings, the workday calendar): pages computed from an older revision are out of date.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Counts the changes to its rules alone (itself, its windows and closures, the calendar), not
    # its bookings: what is computed from the rules is kept while bookings come and go.
    rules_revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Ratings after use (app.ratings keeps these in the rating's own transaction; hidden ones do not
    # count), so lists show the average without a query per row: the overall average is
    # rating_total / (3 * rating_count), rating_total being the sum of every visible rating's three scores.
    rating_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rating_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    owner: Mapped[Organisation] = relationship()
    photos: Mapped[list[ResourcePhoto]] = relationship(
        back_populates="resource", cascade="all, delete-orphan", order_by="ResourcePhoto.position"
    )

    @property
    def policy(self) -> Policy:
        return Policy(
            slot_minutes=self.slot_minutes,
            min_minutes=self.min_minutes,
            max_minutes=self.max_minutes,
            book_ahead_days=self.book_ahead_days,
            release_time=self.release_time,
            buffer_minutes=self.buffer_minutes,
            requires_approval=self.requires_approval,
            checkin_required=self.checkin_required,
            checkin_grace_minutes=self.checkin_grace_minutes,
            cancel_before_minutes=self.cancel_before_minutes,
        )

    @property
    def rating_average(self) -> Decimal | None:
        """The overall average of its visible ratings, to one decimal (None before the first)."""
        return average(self.rating_total, self.rating_count, per_rating=len(DIMENSIONS))

    def audit_view(self) -> dict[str, Any]:
        """The fields a manager changes, as shown in the audit trail."""
        return {
            "code": self.code,
            "owner": self.owner.code if self.owner else None,
            "name": self.name,
            "kind": self.kind,
            "address": self.address,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "capacity": self.capacity,
            "unit_label": self.unit_label,
            "description": self.description,
            "amenities": list(self.amenities or []),
            "timezone": self.timezone,
            "active": self.active,
            "slot_minutes": self.slot_minutes,
            "min_minutes": self.min_minutes,
            "max_minutes": self.max_minutes,
            "book_ahead_days": self.book_ahead_days,
            "release_time": self.release_time.strftime("%H:%M") if self.release_time else None,
            "buffer_minutes": self.buffer_minutes,
            "requires_approval": self.requires_approval,
            "checkin_required": self.checkin_required,
            "checkin_grace_minutes": self.checkin_grace_minutes,
            "cancel_before_minutes": self.cancel_before_minutes,
        }

    def __repr__(self) -> str:
        return f"<Resource {self.code}>"


class ResourcePhoto(db.Model):
    """A photo, re-encoded on upload (no metadata survives), with its thumbnail."""

    __tablename__ = "resource_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    caption: Mapped[str] = mapped_column(String(200), default="")
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    image: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    thumbnail: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    resource: Mapped[Resource] = relationship(back_populates="photos")
    uploaded_by: Mapped[User | None] = relationship()


# The search index lives beside the table, in each engine's own full-text
# machinery; it is not part of the model metadata (see SEARCH_INDEX_NAMES).
SEARCH_INDEX_NAMES = frozenset({"resources_fts", "ix_resources_search"})


def is_search_index(name: str | None) -> bool:
    """Tables and indexes of the search machinery, which schema comparisons leave alone."""
    return bool(name) and (name in SEARCH_INDEX_NAMES or str(name).startswith("resources_fts"))


SQLITE_SEARCH_DDL = [
    "CREATE VIRTUAL TABLE resources_fts USING fts5("
    "search_tokens, content='resources', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER resources_fts_insert AFTER INSERT ON resources BEGIN "
    "INSERT INTO resources_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
    "CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources BEGIN "
    "INSERT INTO resources_fts(resources_fts, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens); END",
    "CREATE TRIGGER resources_fts_update AFTER UPDATE OF search_tokens ON resources BEGIN "
    "INSERT INTO resources_fts(resources_fts, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens); "
    "INSERT INTO resources_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
]
POSTGRESQL_SEARCH_DDL = [
    # fastupdate off: entries go straight into the index, so the planner uses it
    # at once after a bulk import instead of scanning until autovacuum runs.
    "CREATE INDEX ix_resources_search ON resources USING gin (to_tsvector('simple', search_tokens))"
    " WITH (fastupdate = off)",
]

for _statement in SQLITE_SEARCH_DDL:
    event.listen(Resource.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRESQL_SEARCH_DDL:
    event.listen(Resource.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
