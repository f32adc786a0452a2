"""Access windows per resource and closures per resource or organisation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import UTCDateTime, utcnow
from app.directory.models import Resource
from app.domain.windows import WEEKDAYS, AccessWindow, Audience, DayRule, Days
from app.extensions import db
from app.organisations.models import Organisation


def _in(column: str, values: Any) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Window(db.Model):
    """Open to `audience` on `days` from `start_minute` to `end_minute` local time (24:00 = 1440)."""

    __tablename__ = "access_windows"
    __table_args__ = (
        CheckConstraint(_in("audience", Audience), name="audience"),
        CheckConstraint(_in("days", DayRule), name="days"),
        # weekdays is a bit mask (Monday = 1) used only by the weekday-list rule.
        CheckConstraint(
            "(days = 'weekdays' AND weekdays BETWEEN 1 AND 127) OR (days <> 'weekdays' AND weekdays = 0)",
            name="weekdays_with_rule",
        ),
        CheckConstraint("0 <= start_minute AND start_minute < end_minute AND end_minute <= 1440", name="hours"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("max_quantity IS NULL OR max_quantity >= 1", name="max_quantity_positive"),
        CheckConstraint("max_minutes_per_week IS NULL OR max_minutes_per_week >= 1", name="quota_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    audience: Mapped[str] = mapped_column(String(32))
    days: Mapped[str] = mapped_column(String(16))
    weekdays: Mapped[int] = mapped_column(Integer, default=0)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)
    price: Mapped[int] = mapped_column(Integer, default=0)  # fen
    max_quantity: Mapped[int | None] = mapped_column(Integer)
    max_minutes_per_week: Mapped[int | None] = mapped_column(Integer)
    requires_approval: Mapped[bool | None] = mapped_column(Boolean)  # None: the resource's policy decides
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    resource: Mapped[Resource] = relationship()

    @property
    def day_rule(self) -> Days:
        rule = DayRule(self.days)
        if rule is DayRule.WEEKDAYS:
            return Days(rule, frozenset(n for n in range(7) if self.weekdays & (1 << n)))
        return Days(rule)

    def to_domain(self) -> AccessWindow:
        return AccessWindow(
            audience=Audience(self.audience),
            days=self.day_rule,
            start=self.start_minute,
            end=self.end_minute,
            price=self.price,
            max_quantity=self.max_quantity,
            max_minutes_per_week=self.max_minutes_per_week,
            requires_approval=self.requires_approval,
            id=self.id,
        )

    def set_from(self, window: AccessWindow) -> None:
        self.audience = window.audience.value
        self.days = window.days.rule.value
        self.weekdays = sum(1 << n for n in window.days.weekdays) if window.days.rule is DayRule.WEEKDAYS else 0
        self.start_minute, self.end_minute = window.start, window.end
        self.price = window.price
        self.max_quantity = window.max_quantity
        self.max_minutes_per_week = window.max_minutes_per_week
        self.requires_approval = window.requires_approval

    def audit_view(self) -> dict[str, Any]:
        return {
            "audience": self.audience,
            "days": days_value(self.day_rule),
            "start": clock(self.start_minute),
            "end": clock(self.end_minute),
            "price": self.price,
            "max_quantity": self.max_quantity,
            "max_minutes_per_week": self.max_minutes_per_week,
            "requires_approval": self.requires_approval,
        }


def clock(minutes: int) -> str:
    """ "HH:MM" for minutes after local midnight; the end of the day is "24:00"."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def days_value(days: Days) -> str | list[str]:
    """The day rule as the import file and the API write it."""
    if days.rule is DayRule.WEEKDAYS:
        return [WEEKDAYS[n] for n in sorted(days.weekdays)]
    return days.rule.value


class Closure(db.Model):
    """A span when a resource, or every resource of an organisation, cannot be booked."""

    __tablename__ = "closures"
    __table_args__ = (
        CheckConstraint("(resource_id IS NULL) <> (organisation_id IS NULL)", name="one_subject"),
        CheckConstraint('"start" < "end"', name="start_before_end"),
        Index("ix_closures_resource", "resource_id", "end"),
        Index("ix_closures_organisation", "organisation_id", "end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    resource: Mapped[Resource | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    def audit_view(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "reason": self.reason}
