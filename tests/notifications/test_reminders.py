"""Reminders before a booking, driven with an explicit `now`: a day and an hour before by default, or
at the times the user chose; each once, however often (or late) the sweep runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.bookings.models import Notification
from app.db import transaction, utcnow
from app.domain.resources import Policy
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.preferences import save_preferences
from app.notifications.reminders import queue_reminders
from tests.factories import PASSWORD, make_booking, make_resource, make_user, make_window
from tests.when import at, next_monday

MONDAY = next_monday()
SUNDAY = MONDAY - timedelta(days=1)


@pytest.fixture
def court(city):
    court = make_resource("T-S-01-C1", city["c1"], name="篮球场", capacity=4, policy=Policy())
    make_window(court)
    return court


@pytest.fixture
def booker():
    return make_user(name="居民", locale="en")


def book(court, user, start="10:00", end="11:00", *, made=None, **fields):
    made = made or at(SUNDAY, "00:00") - timedelta(days=3)
    return make_booking(court, user, at(MONDAY, start), at(MONDAY, end), created_at=made, **fields)


def remind(moment) -> int:
    with transaction(db.session, write_lock=True):
        return queue_reminders(now=moment)


def reminders() -> list[tuple[int, int | None]]:
    return [
        (n.user_id, n.booking_id)
        for n in db.session.scalars(
            select(Notification).where(Notification.kind == "booking_reminder").order_by(Notification.id)
        )
    ]


def test_a_day_and_an_hour_before_by_default_each_once(court, booker):
    booking = book(court, booker)
    assert remind(at(SUNDAY, "09:59")) == 0  # more than a day ahead
    assert remind(at(SUNDAY, "10:00")) == 1
    assert remind(at(SUNDAY, "10:01")) == 0
    assert remind(at(SUNDAY, "10:00")) == 0  # the same run again
    assert remind(at(MONDAY, "08:59")) == 0
    assert remind(at(MONDAY, "09:00")) == 1
    assert remind(at(MONDAY, "09:30")) == 0
    assert remind(at(MONDAY, "10:00")) == 0  # started: nothing more
    assert reminders() == [(booker.id, booking.id), (booker.id, booking.id)]


def test_after_the_scheduler_was_away_only_the_nearest_reminder_comes(court, booker):
    book(court, booker)
    assert remind(at(MONDAY, "09:10")) == 1  # both were due: one reminder, not two
    assert remind(at(MONDAY, "09:20")) == 0
    assert len(reminders()) == 1


def test_the_user_chooses_when_reminders_come(court, booker):
    with transaction(db.session):
        save_preferences(booker, email_kinds=[], reminder_minutes=[15], now=utcnow())
    book(court, booker)
    assert remind(at(SUNDAY, "10:00")) == 0
    assert remind(at(MONDAY, "09:00")) == 0
    assert remind(at(MONDAY, "09:45")) == 1
    with transaction(db.session):
        save_preferences(booker, email_kinds=[], reminder_minutes=[], now=utcnow())
    other = book(court, booker, "12:00", "13:00")
    assert remind(at(MONDAY, "11:45")) == 0
    assert [b for _, b in reminders()] != [other.id] and len(reminders()) == 1


def test_a_reminder_time_that_passed_before_the_booking_was_made_is_skipped(court, booker):
    book(court, booker, made=at(MONDAY, "08:00"))  # two hours ahead: the day-before time had passed
    assert remind(at(MONDAY, "08:01")) == 0
    assert remind(at(MONDAY, "09:00")) == 1


def test_only_confirmed_bookings_are_reminded(court, booker):
    for status in ("pending", "cancelled", "rejected"):
        book(court, booker, status=status)
    assert remind(at(MONDAY, "09:00")) == 0


def test_a_reminder_is_emailed_with_the_booking_when_email_is_on(court, booker, app):
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"
    book(court, booker)
    remind(at(MONDAY, "09:00"))
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert (message.kind, message.user_id, message.status) == ("booking_reminder", booker.id, "queued")


def test_the_inbox_shows_the_reminder_with_a_link_to_the_booking(court, booker, client, auth):
    booking = book(court, booker)
    remind(at(MONDAY, "09:00"))
    auth.sign_in(booker.phone, PASSWORD)
    page = client.get("/bookings/inbox").get_data(as_text=True)
    assert "Reminder: you have booked 篮球场" in page
    assert f"/bookings/{booking.id}" in page
