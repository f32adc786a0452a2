"""Booking statuses, and which of them hold capacity or count against a quota."""

from __future__ import annotations

from enum import StrEnum


class BookingStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    CHECKED_IN = "checked_in"
    NO_SHOW = "no_show"
    COMPLETED = "completed"
    EXPIRED = "expired"


# Bookings in these statuses hold capacity (DESIGN.md's invariant).
HOLDING = frozenset({BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN})
# A week's quota counts what was booked and not given back: holding, used, or missed.
COUNTS_FOR_QUOTA = HOLDING | {BookingStatus.COMPLETED, BookingStatus.NO_SHOW}
