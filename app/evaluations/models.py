"""Evaluation rounds (双评价) and the evaluations given in them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import UTCDateTime, utcnow
from app.domain.evaluations import (
    FIRST_YEAR,
    LAST_YEAR,
    Dimension,
    EvaluationKind,
    RoundStatus,
    dimensions_from_json,
    effective_status,
    kinds_from_key,
)
from app.extensions import db
from app.organisations.models import Organisation


def _in(column: str, values: type) -> str:
    return f"{column} IN ({', '.join(repr(str(v.value)) for v in values)})"


class EvaluationRound(db.Model):
    """One year's evaluation of some kinds (community→unit, unit→community, community→member), opened by
    the organisation department with its dimensions and deadline; locked at the deadline."""

    __tablename__ = "evaluation_rounds"
    __table_args__ = (
        CheckConstraint(_in("status", RoundStatus), name="status"),
        CheckConstraint(f"year BETWEEN {FIRST_YEAR} AND {LAST_YEAR}", name="year"),
        # A year's evaluation of a kind is one round (the service refuses overlapping sets too).
        UniqueConstraint("year", "kinds", name="uq_evaluation_rounds_year_kinds"),
        # The scheduler's lock sweep reads open rounds by deadline.
        Index("ix_evaluation_rounds_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    # The kinds covered, canonical: "community_unit,unit_community,community_member" in the enum's order.
    kinds: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    # [{"key", "label_zh", "label_en", "weight"}], weights summing to 1
    dimensions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default=RoundStatus.DRAFT.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who closed it early; none when the deadline locked it.
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    locked_by: Mapped[User | None] = relationship(foreign_keys=[locked_by_id])

    @property
    def kind_list(self) -> tuple[EvaluationKind, ...]:
        return kinds_from_key(self.kinds)

    @property
    def dimension_list(self) -> tuple[Dimension, ...]:
        return dimensions_from_json(self.dimensions)

    def state(self, now: datetime) -> RoundStatus:
        return effective_status(self.status, self.deadline, now)

    def audit_view(self) -> dict[str, object]:
        return {
            "year": self.year,
            "kinds": self.kinds,
            "title": self.title,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "dimensions": ", ".join(f"{d.label_zh or d.label_en} {d.weight:.0%}" for d in self.dimension_list),
            "status": self.status,
        }

    def __repr__(self) -> str:
        return f"<EvaluationRound {self.year} {self.kinds} {self.status}>"


class Evaluation(db.Model):
    """One organisation's evaluation of a registered unit, community or member in a round: a score per
    dimension, the weighted score (0–100, kept so the report sums it in SQL), and a comment."""

    __tablename__ = "evaluations"
    __table_args__ = (
        CheckConstraint(_in("kind", EvaluationKind), name="kind"),
        CheckConstraint(
            "(kind = 'community_member' AND subject_user_id IS NOT NULL AND subject_org_id IS NULL)"
            " OR (kind <> 'community_member' AND subject_org_id IS NOT NULL AND subject_user_id IS NULL)",
            name="subject",
        ),
        CheckConstraint("score >= 0 AND score <= 100", name="score"),
        # One evaluation of a subject by an evaluator in a round (the other column is NULL, and NULLs
        # never clash, so each constraint guards its own kind of subject).
        UniqueConstraint("round_id", "evaluator_id", "subject_org_id", name="uq_evaluations_round_evaluator_org"),
        UniqueConstraint("round_id", "evaluator_id", "subject_user_id", name="uq_evaluations_round_evaluator_user"),
        # The report's evaluations received per organisation in a round; an organisation's and a
        # member's own over the rounds (their page).
        Index("ix_evaluations_round_subject_org", "round_id", "subject_org_id"),
        Index("ix_evaluations_subject_org", "subject_org_id", "round_id"),
        Index("ix_evaluations_subject_user", "subject_user_id", "round_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_rounds.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    subject_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scores: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    score: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    round: Mapped[EvaluationRound] = relationship()
    evaluator: Mapped[Organisation] = relationship(foreign_keys=[evaluator_id])
    subject_org: Mapped[Organisation | None] = relationship(foreign_keys=[subject_org_id])
    subject_user: Mapped[User | None] = relationship(foreign_keys=[subject_user_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])

    def __repr__(self) -> str:
        return f"<Evaluation {self.kind} round={self.round_id} by={self.evaluator_id}>"
