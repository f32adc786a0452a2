"""A resource's usage on one local day, written nightly for the reports."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import JSON

from app.bookings.models import Booking
from app.db import UTCDateTime, utcnow
from app.extensions import db

# The report pictures (app/reports/figures.py) read the bookings of the resources in a scope over a
# period: each resource's span of starts, with every column they read in the index, so neither
# engine visits the table's rows (on the benchmark city a year of the whole city's bookings is a
# million index entries; with row visits SQLite took seconds).
Index(
    "ix_bookings_reports",
    Booking.resource_id,
    Booking.start,
    Booking.status,
    Booking.end,
    Booking.quantity,
    Booking.on_behalf_of_id,
    Booking.user_id,
)


class UsageSnapshot(db.Model):
    """Hours offered (to each audience, and to anyone), unit-hours booked and the utilisation of one
    resource on one day of its own zone. Taken again, the same day's row is replaced."""

    __tablename__ = "usage_snapshots"
    __table_args__ = (UniqueConstraint("resource_id", "day", name="uq_usage_snapshots_resource_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date, index=True)
    capacity: Mapped[int] = mapped_column(Integer)
    # {audience: minutes open to it that day, closures taken out}
    offered_minutes_by_audience: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    offered_minutes: Mapped[int] = mapped_column(Integer, default=0)  # open to anyone: the union
    booked_unit_minutes: Mapped[int] = mapped_column(Integer, default=0)  # quantity × minutes, used or held
    bookings: Mapped[int] = mapped_column(Integer, default=0)
    no_show_unit_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # booked unit-minutes / (capacity × offered minutes); none when nothing was offered
    utilisation: Mapped[float | None] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
