"""Reminders before a booking, at the times each user chose (a day and an hour before by default).

A sweep: every confirmed booking starting within the longest reminder time is looked at, and each
reminder time that has come is decided once, under its key (`reminder:<booking>:<minutes>`):
sent, or passed over (the user does not want it, the booking was made after that time, or a
nearer reminder is due too: after the scheduler was down, only the nearest one is sent). Running
it twice, or late, sends nothing twice. Flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select

from app.bookings.models import Booking
from app.domain.bookings import BookingStatus
from app.extensions import db
from app.notifications.models import NotificationKey
from app.notifications.preferences import REMINDER_CHOICES, get_preferences_of
from app.notifications.services import claim_key, notify_once

_CHUNK = 500


def reminder_key(booking_id: int, minutes: int) -> str:
    return f"reminder:{booking_id}:{minutes}"


def _taken(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for n in range(0, len(keys), _CHUNK):
        chunk = keys[n : n + _CHUNK]
        found.update(db.session.scalars(select(NotificationKey.key).where(NotificationKey.key.in_(chunk))))
    return found


def _due(booking: Booking, now: datetime) -> list[int]:
    return [m for m in REMINDER_CHOICES if booking.start - timedelta(minutes=m) <= now]


def queue_reminders(*, now: datetime) -> int:
    """Send the reminders whose time has come (as notifications, emailed through the outbox when the
    user wants it). Returns how many were sent."""
    horizon = now + timedelta(minutes=max(REMINDER_CHOICES))
    bookings: Iterable[Booking] = db.session.scalars(
        select(Booking)
        .where(Booking.status == BookingStatus.CONFIRMED.value, Booking.start > now, Booking.start <= horizon)
        .order_by(Booking.start, Booking.id)
    ).all()
    due = {b.id: _due(b, now) for b in bookings}
    taken = _taken([reminder_key(b, m) for b, minutes in due.items() for m in minutes])
    preferences = get_preferences_of(b.user_id for b in bookings)
    sent = 0
    for booking in bookings:
        open_ = [m for m in due[booking.id] if reminder_key(booking.id, m) not in taken]
        if not open_:
            continue
        wanted = [
            m
            for m in open_
            if m in preferences[booking.user_id].reminder_minutes
            and booking.created_at <= booking.start - timedelta(minutes=m)
            and booking.user.active
        ]
        nearest = min(wanted) if wanted else None
        for minutes in open_:
            key = reminder_key(booking.id, minutes)
            if minutes == nearest:
                reminded = notify_once(
                    key,
                    user_id=booking.user_id,
                    kind="booking_reminder",
                    booking_id=booking.id,
                    reason="",
                    now=now,
                )
                sent += reminded is not None
            else:
                claim_key(key, now=now)  # decided: not sent
    return sent
