"""The email outbox against a real SMTP server: each notification's email is sent once, in its
recipient's language, with the booking's calendar file when it confirms one; retried with backoff
while the server surely did not take it, and never sent twice, even when a sender dies mid-send."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from app.bookings.models import Notification
from app.bookings.placing import decide_pending
from app.db import transaction, utcnow
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.outbox import LEASE, backoff, claim, deliver_outbox
from app.notifications.preferences import save_preferences
from app.notifications.services import notify_once
from tests.bookings.town import make_town, place
from tests.notifications.conftest import free_port
from tests.scheduler.processes import ROOT, scheduler_env
from tests.when import at, next_monday

MONDAY = next_monday()


@pytest.fixture
def town(app):
    town = make_town()
    town.resident.email = "resident@example.test"
    db.session.commit()
    return town


def approved(town):
    """The resident's room booking, approved by its manager: a notification, and its email queued."""
    booking = place(town.resident, town.room, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    assert booking.status == "pending"
    with transaction(db.session, write_lock=True):
        decide_pending(booking, approve=True, actor=town.manager, now=utcnow())
    return booking


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def deliver(at_moment):
    return deliver_outbox(now=at_moment)


def test_without_smtp_nothing_is_queued(town):
    approved(town)
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
    assert outbox() == []


def test_an_approval_is_emailed_once_with_the_booking_as_a_calendar_event(town, smtp):
    booking = approved(town)
    [queued] = outbox()
    note = db.session.scalars(select(Notification)).one()
    assert (queued.kind, queued.status, queued.dedupe_key, queued.user_id) == (
        "booking_approved",
        "queued",
        f"notification:{note.id}",
        town.resident.id,
    )
    now = utcnow()
    report = deliver(now)
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    [mail] = smtp.received
    assert mail.recipients == ["resident@example.test"]
    assert mail.sender == "noreply@linli.test"
    assert mail.message["Subject"] == "Booking approved: 会议室"  # the resident reads English
    assert mail.message["Message-ID"] == f"<outbox-{queued.id}@linli.test>"
    body = mail.message.get_body(("plain",)).get_content()
    assert "Hello 居民甲," in body and "会议室" in body and "was approved" in body
    [attachment] = list(mail.message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == f"booking-{booking.id}.ics"
    [event] = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert str(event["UID"]) == f"booking-{booking.id}@linli"  # no PUBLIC_BASE_URL: no host to name
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTART") == at(MONDAY, "10:00")
    [sent] = outbox()
    assert (sent.status, sent.sent_at, sent.attempts, sent.recipient) == ("sent", now, 1, "resident@example.test")
    # Sending again, now or later, sends nothing more.
    assert deliver(now).sent == 0
    assert deliver(now + timedelta(days=1)).sent == 0
    assert len(smtp.received) == 1


def test_emails_are_written_in_the_recipients_language(town, smtp, app):
    town.resident.locale = None  # the default: Simplified Chinese
    db.session.commit()
    app.config["PUBLIC_BASE_URL"] = "https://linli.example.cn"
    booking = approved(town)
    deliver(utcnow())
    [mail] = smtp.received
    body = mail.message.get_body(("plain",)).get_content()
    assert "已批准" in body
    assert "年" in body  # the date as Chinese readers write it
    assert f"https://linli.example.cn/bookings/{booking.id}" in body
    assert "https://linli.example.cn/accounts/settings" in body
    [attachment] = list(mail.message.iter_attachments())
    [event] = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert str(event["UID"]) == f"booking-{booking.id}@linli.example.cn"  # as on the booking page and in feeds


def test_a_notice_about_no_booking_is_emailed_with_the_page_where_it_is_acted_on(town, smtp, app):
    town.resident.locale = None  # Chinese
    db.session.commit()
    app.config["PUBLIC_BASE_URL"] = "https://linli.example.cn"
    now = utcnow()
    with transaction(db.session, write_lock=True):
        notify_once("test:claim", user_id=town.resident.id, kind="service_item_completed", reason="修水管", now=now)
    deliver(now)
    [mail] = smtp.received
    body = mail.message.get_body(("plain",)).get_content()
    assert "修水管" in body
    assert "前往我的认领：https://linli.example.cn/service-items/mine" in body


def test_a_user_without_an_address_or_who_turned_the_email_off_gets_none(town, smtp):
    town.resident.email = None
    db.session.commit()
    approved(town)
    town.staff.email = "staff@example.test"
    with transaction(db.session):
        save_preferences(town.staff, email_kinds=["booking_reminder"], reminder_minutes=[60], now=utcnow())
        db.session.add(Notification(user_id=town.staff.id, kind="booking_cancelled", created_at=utcnow()))
    report = deliver(utcnow())
    assert (report.sent, report.skipped) == (0, 2)
    assert smtp.received == []
    assert [m.status for m in outbox()] == ["skipped", "skipped"]
    assert deliver(utcnow() + timedelta(hours=1)).skipped == 0  # decided once


def test_a_server_that_cannot_be_reached_is_tried_again_later_with_backoff(town, smtp, app):
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nobody listens there
    approved(town)
    now = utcnow()
    report = deliver(now)
    assert (report.sent, report.retrying) == (0, 1)
    [waiting] = outbox()
    assert (waiting.status, waiting.attempts, waiting.next_attempt_at) == ("queued", 1, now + timedelta(seconds=60))
    assert "cannot reach" in waiting.last_error
    assert deliver(now + timedelta(seconds=59)).retrying == 0  # not yet due
    assert deliver(now + timedelta(seconds=60)).retrying == 1  # due, and still unreachable
    [waiting] = outbox()
    assert (waiting.attempts, waiting.next_attempt_at) == (2, now + timedelta(seconds=180))
    app.config["SMTP_URL"] = smtp.url  # the server is back
    assert deliver(now + timedelta(seconds=180)).sent == 1
    assert len(smtp.received) == 1


def test_backoff_doubles_up_to_six_hours():
    assert [backoff(n, 60).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff(20, 60) == timedelta(hours=6)


@pytest.mark.parametrize(
    ("where", "reply", "status"),
    [
        ("rcpt_reply", "451 4.3.0 Try again later", "queued"),
        ("rcpt_reply", "550 5.1.1 No such mailbox", "failed"),
        ("data_reply", "452 4.3.1 Insufficient storage", "queued"),
        ("data_reply", "554 5.6.0 Message refused", "failed"),
    ],
    ids=["temporary at RCPT", "permanent at RCPT", "temporary after DATA", "permanent after DATA"],
)
def test_a_refusal_the_server_states_is_retried_when_temporary_and_fails_when_permanent(
    town, smtp, where, reply, status
):
    setattr(smtp.recorder, where, reply)
    approved(town)
    deliver(utcnow())
    [message] = outbox()
    assert message.status == status
    assert message.last_error.startswith(reply.split(" ")[0])
    assert smtp.received == []


def test_a_message_gives_up_after_the_most_attempts(town, smtp, app):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    smtp.recorder.rcpt_reply = "451 4.3.0 Try again later"
    approved(town)
    now = utcnow()
    deliver(now)
    deliver(now + timedelta(hours=1))
    [message] = outbox()
    assert (message.status, message.attempts) == ("failed", 2)


def test_two_senders_at_once_send_each_message_once(town, smtp, app):
    for n in range(12):
        user_id = town.resident.id if n % 2 else town.staff.id
        db.session.add(Notification(user_id=user_id, kind="booking_cancelled", created_at=utcnow()))
    town.staff.email = "staff@example.test"
    db.session.commit()
    now = utcnow()

    def sender() -> None:
        with app.app_context():
            deliver_outbox(now=now, limit=5)  # small batches: the two interleave

    for _ in range(3):
        threads = [threading.Thread(target=sender) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(smtp.received) == 12
    ids = [m.message["Message-ID"] for m in smtp.received]
    assert len(set(ids)) == 12
    assert {m.status for m in outbox()} == {"sent"}


def test_a_claim_is_taken_once(town, smtp):
    approved(town)
    now = utcnow()
    with transaction(db.session, write_lock=True):
        _, first = claim(now=now, limit=10)
    with transaction(db.session, write_lock=True):
        _, second = claim(now=now, limit=10)
    assert len(first) == 1 and second == []


def test_a_sender_that_died_before_handing_over_loses_nothing(town, smtp):
    approved(town)
    now = utcnow()
    with transaction(db.session, write_lock=True):
        claim(now=now, limit=10)  # ... and the process dies here
    assert deliver(now + timedelta(minutes=1)).sent == 0  # still claimed by the dead sender
    assert deliver(now + LEASE + timedelta(seconds=1)).sent == 1  # back in the queue, then sent
    [message] = outbox()
    assert (message.status, message.attempts) == ("sent", 2)
    assert len(smtp.received) == 1


def test_a_sender_killed_while_handing_over_never_sends_twice(town, smtp, app, tmp_path):
    """A real sender process is killed (SIGKILL) once the server has the whole message but before it
    answers: the message may have arrived, so it is never sent again (at most once)."""
    approved(town)
    log = (tmp_path / "sender.log").open("wb")
    sender = subprocess.Popen(
        [sys.executable, "-m", "flask", "scheduler", "run-job", "outbox"],
        cwd=ROOT,
        env=scheduler_env(app, SMTP_URL=smtp.url, SMTP_FROM="Linli <noreply@linli.test>"),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    smtp.recorder.on_data = lambda: os.kill(sender.pid, signal.SIGKILL)
    assert sender.wait(30) == -signal.SIGKILL
    log.close()
    assert len(smtp.received) == 1
    [message] = outbox()
    assert message.status == "sending"  # it was being handed over when the sender died
    smtp.recorder.on_data = None
    now = utcnow()
    assert deliver(now).sent == 0
    report = deliver(now + LEASE + timedelta(seconds=1))
    assert (report.sent, report.unknown) == (0, 1)
    assert deliver(now + timedelta(days=1)).sent == 0
    [message] = outbox()
    assert message.status == "unknown"
    assert len(smtp.received) == 1


def test_a_notice_with_a_key_is_written_and_emailed_once(town, smtp):
    now = utcnow()
    for _ in range(2):
        with transaction(db.session, write_lock=True):
            notify_once("test:once", user_id=town.resident.id, kind="booking_reminder", now=now)
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
    assert len(outbox()) == 1
    deliver(now)
    deliver(now)
    assert len(smtp.received) == 1


def test_a_booking_made_is_confirmed_by_email_with_its_calendar_file(town, smtp):
    town.staff.email = "staff@example.test"
    db.session.commit()
    booking = place(
        town.staff, town.parking, at(MONDAY, "09:00"), at(MONDAY, "11:00"), 3, on_behalf_of=town.city["unit"]
    )
    [queued] = outbox()
    assert (queued.kind, queued.dedupe_key, queued.booking_id) == (
        "booking_confirmed",
        f"booking_confirmed:{booking.id}",
        booking.id,
    )
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0  # no in-app notice of one's own
    assert deliver(utcnow()).sent == 1
    [mail] = smtp.received
    assert mail.recipients == ["staff@example.test"] and "一号停车场" in mail.message["Subject"]
    assert "一号停车场" in mail.message.get_body(("plain",)).get_content()
    [attachment] = list(mail.message.iter_attachments())
    [event] = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert event.decoded("DTSTART") == at(MONDAY, "09:00") and str(event["STATUS"]) == "CONFIRMED"


def test_a_request_needing_approval_is_emailed_when_decided_not_when_made(town, smtp):
    place(town.resident, town.room, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    assert outbox() == []
