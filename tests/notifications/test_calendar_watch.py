"""The daily look at the official workday calendar: admins are told, once a week, while the next 60 days lack it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.bookings.booking_words import notice_sentence
from app.bookings.models import Notification
from app.db import transaction
from app.extensions import db
from app.notifications.calendar_watch import warn_of_missing_calendar
from app.workdays.services import seed_from_package
from tests.factories import make_admin, make_user
from tests.when import SHANGHAI


def watch(moment: datetime) -> int:
    with transaction(db.session, write_lock=True):
        return warn_of_missing_calendar(now=moment)


def test_admins_are_told_once_a_week_from_which_day_the_calendar_has_no_data(app):
    admin = make_admin(locale="en")
    make_admin(active=False)
    make_user()
    with transaction(db.session):
        seed_from_package(now=datetime(2026, 11, 1, tzinfo=SHANGHAI))  # 2004–2026
    monday = datetime(2026, 11, 30, 8, 30, tzinfo=SHANGHAI)
    assert watch(monday) == 1  # the active admin only
    assert watch(monday) == 0
    assert watch(monday + timedelta(days=6)) == 0  # the same week
    [note] = db.session.scalars(select(Notification)).all()
    assert (note.user_id, note.kind, note.reason, note.booking_id) == (admin.id, "calendar_missing", "2027-01-01", None)
    with app.test_request_context():
        assert "2027-01-01" in notice_sentence(note) and "官方工作日历" in notice_sentence(
            note
        )  # in Chinese by default
    assert watch(monday + timedelta(days=7)) == 1  # a week on, still missing: told again


def test_nobody_is_told_while_the_next_60_days_are_covered(app):
    make_admin()
    with transaction(db.session):
        seed_from_package(now=datetime(2026, 1, 1, tzinfo=SHANGHAI))
    assert watch(datetime(2026, 6, 1, 8, 30, tzinfo=SHANGHAI)) == 0
    assert db.session.scalars(select(Notification)).all() == []
