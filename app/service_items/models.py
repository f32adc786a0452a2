"""Service items (双领办) and the claims on them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.accounts.models import User
from app.db import UTCDateTime, utcnow
from app.domain.service_items import ClaimStatus, ItemKind, ItemStatus
from app.extensions import db
from app.organisations.models import Organisation, _in

LIVE_CLAIMS_SQL = "status IN ('claimed', 'completed')"


class ServiceItem(db.Model):
    """A community's service need, a unit's support item, or a themed activity day, with how many places."""

    __tablename__ = "service_items"
    __table_args__ = (
        CheckConstraint(_in("kind", ItemKind), name="kind"),
        CheckConstraint(_in("status", ItemStatus), name="status"),
        CheckConstraint('"start" < "end"', name="start_before_end"),
        CheckConstraint("places >= 1", name="places_positive"),
        # An organisation's items by status and time: its list, and a community's list (its own and
        # its registered units' items).
        Index("ix_service_items_org", "org_id", "status", "start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    places: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=ItemStatus.OPEN.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    org: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ServiceItem {self.id} {self.kind} {self.status}>"


class ServiceClaim(db.Model):
    """A claim on an item: by a person for themself, or by a manager for their unit or community."""

    __tablename__ = "service_claims"
    __table_args__ = (
        CheckConstraint(_in("status", ClaimStatus), name="status"),
        CheckConstraint("hours IS NULL OR hours > 0", name="hours_positive"),
        CheckConstraint(
            "status <> 'completed' OR (hours IS NOT NULL AND completed_at IS NOT NULL)", name="completed_with_hours"
        ),
        Index("ix_service_claims_item", "item_id", "status"),
        Index("ix_service_claims_user", "user_id", "status"),
        Index("ix_service_claims_org", "on_behalf_of_id", "status"),
        # One live claim per claimant and item, held by the database: two claims sent at once
        # cannot both be written. An organisation's claim is its own, whoever of its managers made it.
        Index(
            "uq_service_claims_live_org",
            "item_id",
            "on_behalf_of_id",
            unique=True,
            sqlite_where=text(f"on_behalf_of_id IS NOT NULL AND {LIVE_CLAIMS_SQL}"),
            postgresql_where=text(f"on_behalf_of_id IS NOT NULL AND {LIVE_CLAIMS_SQL}"),
        ),
        Index(
            "uq_service_claims_live_person",
            "item_id",
            "user_id",
            unique=True,
            sqlite_where=text(f"on_behalf_of_id IS NULL AND {LIVE_CLAIMS_SQL}"),
            postgresql_where=text(f"on_behalf_of_id IS NULL AND {LIVE_CLAIMS_SQL}"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id", ondelete="CASCADE"))
    # Who claimed: the person themself, or the manager who claimed for on_behalf_of.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=ClaimStatus.CLAIMED.value)
    hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    note: Mapped[str] = mapped_column(Text, default="")
    # The completion's photo, re-encoded on upload (no metadata survives), and its thumbnail.
    photo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    photo_thumbnail: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    has_photo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    item: Mapped[ServiceItem] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    on_behalf_of: Mapped[Organisation | None] = relationship()
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    def __repr__(self) -> str:
        return f"<ServiceClaim {self.id} {self.status}>"
