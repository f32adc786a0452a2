"""The official workday calendar: days that differ from Mon–Fri, by source."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, utcnow
from app.domain.workdays import DaySource
from app.extensions import db


class CalendarDay(db.Model):
    """One source's word on one day; the effective day is manual > import > package."""

    __tablename__ = "calendar_days"
    __table_args__ = (
        UniqueConstraint("day", "source"),
        CheckConstraint(f"source IN ({', '.join(repr(s.value) for s in DaySource)})", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
