"""Pairing (双结对): co-building agreements with their items, cross-appointed committee members, help pairs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import UTCDateTime, utcnow
from app.domain.pairing import (
    LIVE_AGREEMENT_STATUSES,
    MAX_YEAR,
    MIN_YEAR,
    AgreementStatus,
    ItemStatus,
    Responsible,
    TieStatus,
)
from app.extensions import db
from app.organisations.models import Organisation, _in

LIVE_AGREEMENTS_SQL = f"status IN ({', '.join(repr(s.value) for s in LIVE_AGREEMENT_STATUSES)})"
ACTIVE_SQL = "status = 'active'"


class Agreement(db.Model):
    """A year's co-building agreement (共建协议) between a unit and a community it is registered with."""

    __tablename__ = "pairing_agreements"
    __table_args__ = (
        CheckConstraint(_in("status", AgreementStatus), name="status"),
        CheckConstraint(f"year BETWEEN {MIN_YEAR} AND {MAX_YEAR}", name="year"),
        CheckConstraint("unit_id <> community_id", name="two_parties"),
        CheckConstraint(
            "status NOT IN ('signed', 'ended') OR (number IS NOT NULL"
            " AND unit_signed_at IS NOT NULL AND community_signed_at IS NOT NULL)",
            name="signed_by_both",
        ),
        # One live agreement per unit, community and year; withdrawn and ended ones leave room for a new one.
        Index(
            "uq_pairing_agreements_live",
            "unit_id",
            "community_id",
            "year",
            unique=True,
            sqlite_where=text(LIVE_AGREEMENTS_SQL),
            postgresql_where=text(LIVE_AGREEMENTS_SQL),
        ),
        # Each side's list of its agreements, by year and status.
        Index("ix_pairing_agreements_community", "community_id", "year", "status"),
        Index("ix_pairing_agreements_unit", "unit_id", "year", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=AgreementStatus.DRAFT.value)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    unit_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    unit_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    community_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    community_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Withdrawn or ended: when, and by whom.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    unit: Mapped[Organisation] = relationship(foreign_keys=[unit_id])
    community: Mapped[Organisation] = relationship(foreign_keys=[community_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    unit_signed_by: Mapped[User | None] = relationship(foreign_keys=[unit_signed_by_id])
    community_signed_by: Mapped[User | None] = relationship(foreign_keys=[community_signed_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    items: Mapped[list[AgreementItem]] = relationship(
        back_populates="agreement",
        cascade="all, delete-orphan",
        order_by="(AgreementItem.due_on, AgreementItem.id)",
    )

    def audit_view(self) -> dict[str, object]:
        return {"year": self.year, "title": self.title, "body": self.body}


class AgreementItem(db.Model):
    """One thing the agreement commits a side to (共建事项), with its progress once signed."""

    __tablename__ = "pairing_agreement_items"
    __table_args__ = (
        CheckConstraint(_in("status", ItemStatus), name="status"),
        CheckConstraint(_in("responsible", Responsible), name="responsible"),
        CheckConstraint("status <> 'done' OR done_at IS NOT NULL", name="done_at_when_done"),
        Index("ix_pairing_agreement_items_agreement", "agreement_id", "due_on"),
        # The daily sweep for open items coming due.
        Index("ix_pairing_agreement_items_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("pairing_agreements.id", ondelete="CASCADE"))
    what: Mapped[str] = mapped_column(String(300))
    responsible: Mapped[str] = mapped_column(String(16))
    person: Mapped[str] = mapped_column(String(100), default="")
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=ItemStatus.PLANNED.value)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    agreement: Mapped[Agreement] = relationship(back_populates="items")

    def audit_view(self) -> dict[str, object]:
        return {
            "item": self.id,
            "what": self.what,
            "responsible": self.responsible,
            "person": self.person,
            "due_on": self.due_on.isoformat(),
        }


class CrossAppointment(db.Model):
    """兼职委员: a person of one side appointed to the other side's committee for a term."""

    __tablename__ = "pairing_cross_appointments"
    __table_args__ = (
        CheckConstraint(_in("status", TieStatus), name="status"),
        CheckConstraint("term_end >= term_start", name="term"),
        CheckConstraint("from_org_id <> to_org_id", name="two_organisations"),
        Index(
            "uq_pairing_cross_appointments_active",
            "person_id",
            "to_org_id",
            unique=True,
            sqlite_where=text(ACTIVE_SQL),
            postgresql_where=text(ACTIVE_SQL),
        ),
        # The receiving organisation's committee, and what a sending organisation has lent out.
        Index("ix_pairing_cross_appointments_to", "to_org_id", "status"),
        Index("ix_pairing_cross_appointments_from", "from_org_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    from_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    to_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    role_title: Mapped[str] = mapped_column(String(100))
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=TieStatus.ACTIVE.value)
    appointed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    person: Mapped[User] = relationship(foreign_keys=[person_id])
    from_org: Mapped[Organisation] = relationship(foreign_keys=[from_org_id])
    to_org: Mapped[Organisation] = relationship(foreign_keys=[to_org_id])
    appointed_by: Mapped[User | None] = relationship(foreign_keys=[appointed_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])

    def audit_view(self) -> dict[str, object]:
        return {
            "person": self.person_id,
            "from": self.from_org_id,
            "to": self.to_org_id,
            "role_title": self.role_title,
            "term_start": self.term_start.isoformat(),
            "term_end": self.term_end.isoformat(),
        }


class HelpPair(db.Model):
    """帮扶对子: a registered party member paired with a resident of the same community."""

    __tablename__ = "pairing_help_pairs"
    __table_args__ = (
        CheckConstraint(_in("status", TieStatus), name="status"),
        CheckConstraint("member_id <> resident_id", name="two_people"),
        Index(
            "uq_pairing_help_pairs_active",
            "member_id",
            "resident_id",
            unique=True,
            sqlite_where=text(ACTIVE_SQL),
            postgresql_where=text(ACTIVE_SQL),
        ),
        Index("ix_pairing_help_pairs_community", "community_id", "status"),
        Index("ix_pairing_help_pairs_unit", "via_unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The registered unit the member stands for; none when they are a party member registered where they live.
    via_unit_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=TieStatus.ACTIVE.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    community: Mapped[Organisation] = relationship(foreign_keys=[community_id])
    member: Mapped[User] = relationship(foreign_keys=[member_id])
    resident: Mapped[User] = relationship(foreign_keys=[resident_id])
    via_unit: Mapped[Organisation | None] = relationship(foreign_keys=[via_unit_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])

    def audit_view(self) -> dict[str, object]:
        return {
            "community": self.community_id,
            "member": self.member_id,
            "resident": self.resident_id,
            "via_unit": self.via_unit_id,
            "note": self.note,
        }
