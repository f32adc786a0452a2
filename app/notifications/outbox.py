"""Sending the email outbox: each message at most once, with retries and backoff while it was surely not taken.

A message moves queued → claimed → sending → sent, each step committed before the next action:

- claimed: a sender has taken it (a conditional UPDATE, so two senders never take one); nothing has
  been handed to SMTP. A sender that dies here leaves it claimed; after the lease it is queued again.
- sending: committed once the SMTP server has accepted the envelope, right before DATA. From here the
  message may reach the recipient, so it is never sent again: a sender that dies here (or loses the
  connection during DATA) leaves it for the lease to turn into `unknown`. A crash between the server's
  "250 OK" and the commit of `sent` costs nothing but the record; one before DATA costs nothing at all.
- A refusal the server states (4xx: later, with backoff; 5xx: failed) or a failure before DATA is
  queued again until OUTBOX_MAX_ATTEMPTS, then failed.

The boundary (the scheduler's job) calls `deliver_outbox`, which owns its transactions: one per step,
because a step must be committed before the SMTP action that follows it.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from app.db import transaction
from app.extensions import db
from app.notifications.emails import compose
from app.notifications.mailer import ClaimLost, Mailer, Refused, Uncertain, parse_smtp_url
from app.notifications.models import OutboxMessage
from app.notifications.preferences import get_preferences

log = logging.getLogger(__name__)

# How long a claim (or a hand-over) may last before it is taken for dead. Far longer than the SMTP
# timeouts, so a sender that is alive never sees its message taken away.
LEASE = timedelta(minutes=10)
BACKOFF_CAP = timedelta(hours=6)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    unknown: int = 0
    requeued: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"sent {self.sent}, retrying {self.retrying}, failed {self.failed}, skipped {self.skipped}, "
            f"unknown {self.unknown}, requeued {self.requeued}"
        )


def backoff(attempts: int, base_seconds: float) -> timedelta:
    """The wait before the next attempt: base, 2×base, 4×base, ... at most six hours."""
    return min(timedelta(seconds=base_seconds * 2 ** max(0, attempts - 1)), BACKOFF_CAP)


def reap(*, now: datetime) -> tuple[int, int]:
    """Claims older than the lease go back to the queue (nothing was handed over); hand-overs older
    than the lease become `unknown` (never sent again). Returns (requeued, unknown)."""
    stale = now - LEASE
    requeued = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "claimed", OutboxMessage.claimed_at < stale)
        .values(status="queued", claim_token=None, updated_at=now, last_error="the sender stopped before sending")
    ).rowcount
    unknown = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.updated_at < stale)
        .values(status="unknown", updated_at=now, last_error="the sender stopped while handing it to SMTP")
    ).rowcount
    return requeued, unknown


def claim(*, now: datetime, limit: int) -> tuple[str, list[int]]:
    """Take up to `limit` due messages for this sender: (its claim token, their ids)."""
    token = secrets.token_hex(8)
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(db.session.scalars(due))
    if not ids:
        return token, []
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "queued")
        .values(
            status="claimed",
            claim_token=token,
            claimed_at=now,
            attempts=OutboxMessage.attempts + 1,
            updated_at=now,
        )
    )
    taken = db.session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.claim_token == token).order_by(OutboxMessage.id)
    ).all()
    return token, list(taken)


def _finish(message_id: int, token: str, *, now: datetime, expect: str, **values: object) -> None:
    with transaction(db.session, write_lock=True):
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.claim_token == token, OutboxMessage.status == expect)
            .values(updated_at=now, **values)
        )


def deliver_outbox(*, now: datetime, limit: int = 100) -> DeliveryReport:
    """Send what is due (a batch of at most `limit`). Nothing happens without SMTP_URL: the queue waits."""
    report = DeliveryReport()
    config = current_app.config
    with transaction(db.session, write_lock=True):
        report.requeued, report.unknown = reap(now=now)
    if not config.get("SMTP_URL"):
        return report
    settings = parse_smtp_url(config["SMTP_URL"], timeout=float(config["SMTP_TIMEOUT"]))
    sender = config["SMTP_FROM"]
    with transaction(db.session, write_lock=True):
        token, ids = claim(now=now, limit=limit)
    with Mailer(settings) as mailer:
        for message_id in ids:
            _deliver_one(mailer, message_id, token, sender=sender, now=now, report=report)
    return report


def _deliver_one(
    mailer: Mailer, message_id: int, token: str, *, sender: str, now: datetime, report: DeliveryReport
) -> None:
    config = current_app.config
    try:
        with transaction(db.session):
            message = db.session.get(OutboxMessage, message_id, populate_existing=True)
            if message is None or message.claim_token != token or message.status != "claimed":
                return
            user = message.user
            address = user.email if user.active else None
            wanted = get_preferences(user).wants_email(message.kind)
            email = compose(message, user, sender=sender, now=now) if address and wanted else None
            attempts = message.attempts
    except Exception as error:
        log.exception("outbox message %s cannot be composed", message_id)
        _finish(message_id, token, now=now, expect="claimed", status="failed", last_error=repr(error)[:500])
        report.failed += 1
        return
    if email is None or not address:
        why = "the user has no email address" if not address else "the user turned this email off"
        _finish(message_id, token, now=now, expect="claimed", status="skipped", claim_token=None, last_error=why)
        report.skipped += 1
        return

    def hand_over() -> bool:
        with transaction(db.session, write_lock=True):
            moved = db.session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == message_id,
                    OutboxMessage.claim_token == token,
                    OutboxMessage.status == "claimed",
                )
                .values(status="sending", recipient=address, updated_at=now)
            ).rowcount
        return moved == 1

    try:
        mailer.send(email, sender=sender, recipient=address, before_data=hand_over)
    except ClaimLost:
        return
    except Uncertain as error:
        log.warning("outbox message %s: %s; it will not be sent again", message_id, error)
        _finish(message_id, token, now=now, expect="sending", status="unknown", last_error=str(error)[:500])
        report.unknown += 1
    except Refused as error:
        if error.temporary and attempts < int(config["OUTBOX_MAX_ATTEMPTS"]):
            wait = backoff(attempts, float(config["OUTBOX_BACKOFF_SECONDS"]))
            values = {"status": "queued", "claim_token": None, "next_attempt_at": now + wait}
            report.retrying += 1
        else:
            values = {"status": "failed", "claim_token": None}
            report.failed += 1
        # A refusal can come before the hand-over (claimed) or after it (sending): both are sure.
        for expect in ("claimed", "sending"):
            _finish(message_id, token, now=now, expect=expect, last_error=str(error)[:500], **values)
        report.errors.append(str(error))
    else:
        _finish(message_id, token, now=now, expect="sending", status="sent", sent_at=now, last_error="")
        report.sent += 1
