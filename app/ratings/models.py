"""Ratings after use: a booker's scores and comment on a completed booking, the owner's reply, and
an administrator's hiding of an abusive one (kept, with who hid it and why)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.bookings.models import Booking
from app.db import UTCDateTime, utcnow
from app.directory.models import Resource
from app.domain.ratings import DIMENSIONS, HIGHEST, LOWEST, Scores
from app.extensions import db


def _score_range(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} BETWEEN {LOWEST} AND {HIGHEST}", name=f"{column}_range")


class Rating(db.Model):
    __tablename__ = "ratings"
    __table_args__ = (
        *(_score_range(name) for name in DIMENSIONS),
        # A hidden rating says who hid it, when and why.
        CheckConstraint("NOT hidden OR (hidden_at IS NOT NULL AND hidden_reason <> '')", name="hidden_with_reason"),
        # A resource's ratings page: the visible ones newest first (and, for admins, all of them).
        Index("ix_ratings_resource", "resource_id", "hidden", "created_at"),
        # The administrators' list of the latest ratings.
        Index("ix_ratings_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Once per booking: the database's unique key decides between two at the same moment.
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="RESTRICT"), unique=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    cleanliness: Mapped[int] = mapped_column(SmallInteger)
    equipment: Mapped[int] = mapped_column(SmallInteger)
    service: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_reason: Mapped[str] = mapped_column(String(300), default="")

    booking: Mapped[Booking] = relationship()
    resource: Mapped[Resource] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    replied_by: Mapped[User | None] = relationship(foreign_keys=[replied_by_id])
    hidden_by: Mapped[User | None] = relationship(foreign_keys=[hidden_by_id])

    @property
    def scores(self) -> Scores:
        return Scores(self.cleanliness, self.equipment, self.service)

    def audit_view(self) -> dict[str, object]:
        """What the audit trail records of it."""
        return {**self.scores.as_dict(), "comment": self.comment}

    def __repr__(self) -> str:
        return f"<Rating {self.id} of booking {self.booking_id}>"
