"""Completing a booking invites its booker to rate it: once, in the inbox with a link to the rating
form, and by email (which they may turn off in their notification settings)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.bookings.models import Notification
from app.bookings.sweeps import complete_finished
from app.db import transaction, utcnow
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.outbox import deliver_outbox
from app.notifications.preferences import EMAIL_KINDS, save_preferences
from tests.factories import PASSWORD, make_booking
from tests.notifications.conftest import smtp  # noqa: F401 (the fixture: a real SMTP server)


def used(town, **fields):
    """The booker's confirmed booking of the court that ended an hour ago."""
    start = utcnow().replace(microsecond=0) - timedelta(hours=2)
    return make_booking(town.court, town.booker, start, start + timedelta(hours=1), **fields)


def complete() -> int:
    with transaction(db.session, write_lock=True):
        return complete_finished(now=utcnow())


def invitations() -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.kind == "rating_invite")))


def test_completing_a_booking_invites_its_booker_once(town):
    booking = used(town)
    cancelled = used(town, status="cancelled")
    assert complete() == 1
    assert complete() == 0
    [note] = invitations()
    assert (note.user_id, note.booking_id, note.read_at) == (town.booker.id, booking.id, None)
    assert cancelled.id != note.booking_id


def test_the_inbox_says_so_and_links_to_the_rating_form(town, client):
    booking = used(town)
    complete()
    assert client.post_form("/accounts/sign-in", {"login": town.booker.phone, "password": PASSWORD}).status_code == 302
    inbox = client.get("/bookings/inbox").get_data(as_text=True)
    assert "How was 一号球场 on" in inbox and "Rate it: it helps others choose." in inbox
    assert f'href="/ratings/bookings/{booking.id}">Rate this</a>' in inbox
    form = client.get(f"/ratings/bookings/{booking.id}")
    assert form.status_code == 200 and 'name="cleanliness"' in form.get_data(as_text=True)


def test_the_invitation_is_emailed(town, smtp):  # noqa: F811 (the fixture)
    town.booker.email = "zhangsan@example.test"
    db.session.commit()
    used(town)
    complete()
    [queued] = db.session.scalars(select(OutboxMessage)).all()
    assert queued.kind == "rating_invite"
    assert deliver_outbox(now=utcnow()).sent == 1
    [mail] = smtp.received
    assert mail.message["Subject"] == "How was it? Rate 一号球场"
    body = mail.message.get_body(("plain",)).get_content()
    assert "How was 一号球场 on" in body


def test_the_invitation_email_can_be_turned_off(town, smtp):  # noqa: F811 (the fixture)
    assert "rating_invite" in EMAIL_KINDS  # offered on the settings page
    town.booker.email = "zhangsan@example.test"
    save_preferences(town.booker, email_kinds=set(EMAIL_KINDS) - {"rating_invite"}, reminder_minutes=[], now=utcnow())
    db.session.commit()
    used(town)
    complete()
    assert len(invitations()) == 1  # still in the inbox
    assert deliver_outbox(now=utcnow()).sent == 0
    assert smtp.received == []
    assert db.session.scalars(select(OutboxMessage.status)).one() == "skipped"
