"""Which events email a user, and how long before a booking its reminders come."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.notifications.models import NotificationSettings

# The events a user may have emailed (notification kinds), in the order the settings page lists them.
EMAIL_KINDS = {
    "booking_confirmed": _l("I book something (with the calendar file)"),
    "booking_approved": _l("A booking of mine is approved (with the calendar file)"),
    "waitlist_promoted": _l("A place comes free for me on a waitlist (with the calendar file)"),
    "booking_rejected": _l("A booking of mine is not approved"),
    "booking_cancelled": _l("The managers cancel a booking of mine"),
    "booking_expired": _l("A booking of mine expires undecided"),
    "booking_no_show": _l("A booking of mine is marked as not used"),
    "booking_reminder": _l("Reminders before my bookings"),
    "rating_invite": _l("A booking of mine is over: an invitation to rate the place"),
    "calendar_missing": _l("Administrators: the official workday calendar runs out"),
}
# How long before a booking its reminders may come (minutes), offered on the settings page.
REMINDER_CHOICES = {
    1440: _l("A day before"),
    180: _l("3 hours before"),
    60: _l("An hour before"),
    15: _l("15 minutes before"),
}
DEFAULT_REMINDERS = (1440, 60)


@dataclass(frozen=True)
class Preferences:
    email_kinds: frozenset[str]
    reminder_minutes: tuple[int, ...]  # largest first

    def wants_email(self, kind: str) -> bool:
        # Kinds the settings page does not offer (yet) are emailed: nobody could turn them off.
        return kind in self.email_kinds or kind not in EMAIL_KINDS


DEFAULTS = Preferences(frozenset(EMAIL_KINDS), DEFAULT_REMINDERS)


def _from_row(row: NotificationSettings | None) -> Preferences:
    if row is None:
        return DEFAULTS
    kinds = frozenset(k for k in row.email_kinds or () if k in EMAIL_KINDS)
    minutes = tuple(sorted({int(m) for m in row.reminder_minutes or () if int(m) in REMINDER_CHOICES}, reverse=True))
    return Preferences(kinds, minutes)


def get_preferences(user: User) -> Preferences:
    return _from_row(db.session.get(NotificationSettings, user.id))


def get_preferences_of(user_ids: Iterable[int]) -> dict[int, Preferences]:
    """Many users' preferences in one query (the defaults for those who never changed them)."""
    ids = sorted(set(user_ids))
    rows = (
        {
            r.user_id: r
            for r in db.session.scalars(select(NotificationSettings).where(NotificationSettings.user_id.in_(ids)))
        }
        if ids
        else {}
    )
    return {user_id: _from_row(rows.get(user_id)) for user_id in ids}


def save_preferences(
    user: User, *, email_kinds: Iterable[str], reminder_minutes: Iterable[int], now: datetime
) -> Preferences:
    """Keep the user's choices (unknown kinds and times are dropped). Flush, never commit."""
    kinds = sorted({k for k in email_kinds if k in EMAIL_KINDS})
    minutes = sorted({int(m) for m in reminder_minutes if int(m) in REMINDER_CHOICES}, reverse=True)
    row = db.session.get(NotificationSettings, user.id)
    if row is None:
        row = NotificationSettings(user_id=user.id)
        db.session.add(row)
    row.email_kinds = kinds
    row.reminder_minutes = minutes
    row.updated_at = now
    db.session.flush()
    return _from_row(row)
