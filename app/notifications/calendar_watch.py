"""The daily look at the official workday calendar: when the next 60 days are not all covered, admins are told."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.notifications.services import notify_once
from app.workdays.services import days_without_official_data

AHEAD_DAYS = 60


def warn_of_missing_calendar(*, now: datetime) -> int:
    """Tell every active admin, once a week while it lasts, from which day the official calendar has
    no data (the admin dashboard says so too). Returns how many were told."""
    today = now.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()
    missing = days_without_official_data(today, ahead=AHEAD_DAYS)
    if not missing:
        return 0
    year, week, _ = today.isocalendar()
    admins = db.session.scalars(select(User.id).where(User.is_admin.is_(True), User.active.is_(True))).all()
    told = 0
    for admin_id in admins:
        notice = notify_once(
            f"calendar_missing:{missing[0].isoformat()}:{year}-W{week:02d}:{admin_id}",
            user_id=admin_id,
            kind="calendar_missing",
            reason=missing[0].isoformat(),
            now=now,
        )
        told += notice is not None
    return told
