"""Organisations (district > street > community, and units), memberships and registrations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import UTCDateTime, utcnow
from app.domain.organisations import OrgKind, RegistrationKind, RegistrationStatus, Role, UnitType
from app.extensions import db


def _in(column: str, values: type) -> str:
    return f"{column} IN ({', '.join(repr(str(v.value)) for v in values)})"


LIVE_STATUSES_SQL = "status IN ('pending', 'acknowledged')"


class Organisation(db.Model):
    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(_in("kind", OrgKind), name="kind"),
        # "unit_type IN (...)" is NULL, not false, for a NULL unit_type, and a CHECK
        # lets NULL through: say IS NOT NULL so a unit without a type is refused.
        CheckConstraint(
            f"(kind = 'unit' AND unit_type IS NOT NULL AND {_in('unit_type', UnitType)})"
            " OR (kind <> 'unit' AND unit_type IS NULL)",
            name="unit_type",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    unit_type: Mapped[str | None] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organisation]] = relationship(back_populates="parent", order_by="Organisation.code")
    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation", cascade="all, delete-orphan")

    @property
    def org_kind(self) -> OrgKind:
        return OrgKind(self.kind)

    def __repr__(self) -> str:
        return f"<Organisation {self.code}>"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "organisation_id"),
        CheckConstraint(_in("role", Role), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class Registration(db.Model):
    """报到: a unit with a community, or a user at their residence community."""

    __tablename__ = "registrations"
    __table_args__ = (
        CheckConstraint(_in("kind", RegistrationKind), name="kind"),
        CheckConstraint(_in("status", RegistrationStatus), name="status"),
        CheckConstraint(
            "(kind = 'resident' AND user_id IS NOT NULL AND unit_id IS NULL)"
            " OR (kind = 'unit' AND unit_id IS NOT NULL)",
            name="registrant",
        ),
        CheckConstraint("status <> 'acknowledged' OR receipt IS NOT NULL", name="receipt_when_acknowledged"),
        # A unit has one live registration per community; a person one residence.
        # Which units are registered in an area: the directory's area filter.
        Index("ix_registrations_area", "community_id", "kind", "status"),
        # A unit's or a person's acknowledged registrations (every page that decides who may book
        # asks): with all three columns SQLite, which has no statistics, never prefers the
        # status index (four values over the whole table) to these.
        Index("ix_registrations_unit", "unit_id", "kind", "status"),
        Index("ix_registrations_user", "user_id", "kind", "status"),
        Index(
            "uq_registrations_live_unit",
            "unit_id",
            "community_id",
            unique=True,
            sqlite_where=text(f"kind = 'unit' AND {LIVE_STATUSES_SQL}"),
            postgresql_where=text(f"kind = 'unit' AND {LIVE_STATUSES_SQL}"),
        ),
        Index(
            "uq_registrations_live_residence",
            "user_id",
            unique=True,
            sqlite_where=text(f"kind = 'resident' AND {LIVE_STATUSES_SQL}"),
            postgresql_where=text(f"kind = 'resident' AND {LIVE_STATUSES_SQL}"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    community_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    # For a resident: the person. For a unit: who applied for it, when known.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    work_unit_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=RegistrationStatus.PENDING.value, index=True)
    receipt: Mapped[str | None] = mapped_column(String(64), unique=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A residence moved from another community (moving house): the registration it replaced.
    transferred_from_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"))

    community: Mapped[Organisation] = relationship(foreign_keys=[community_id])
    unit: Mapped[Organisation | None] = relationship(foreign_keys=[unit_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    work_unit: Mapped[Organisation | None] = relationship(foreign_keys=[work_unit_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    transferred_from: Mapped[Registration | None] = relationship(remote_side=[id], foreign_keys=[transferred_from_id])
