"""The administrators' page on the scheduler: the leader, each job's last run, the email outbox."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l

from app.accounts.auth import admin_required
from app.bookings.booking_words import moment
from app.db import utcnow
from app.scheduler import bp
from app.scheduler.health import outbox_counts, scheduler_health

# A word and a symbol for each state, never colour alone (badge classes from app.css).
STATES = {
    "ok": (_l("Working"), "✓", "status-acknowledged"),
    "degraded": (_l("Some jobs are failing or late"), "!", "status-pending"),
    "down": (_l("No scheduler is running"), "✕", "status-declined"),
    "never": (_l("Never run"), "–", "status-withdrawn"),
    "error": (_l("Failed"), "✕", "status-declined"),
    "late": (_l("Late"), "!", "status-pending"),
}
OUTBOX_WORDS = {
    "queued": _l("Waiting to be sent"),
    "claimed": _l("Being prepared"),
    "sending": _l("Being sent"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "skipped": _l("Not sent (no address, or turned off)"),
    "unknown": _l("Unknown: the sender stopped while sending; not sent again"),
}


@bp.route("/")
@admin_required
def health() -> str:
    now = utcnow()
    zone = current_app.config["SCHEDULER_TIMEZONE"]
    report = scheduler_health(now=now)
    return render_template(
        "scheduler/health.html",
        report=report,
        states=STATES,
        tick=current_app.config.get("SCHEDULER_TICK_SECONDS"),
        when=lambda at: moment(at, zone) if at is not None else "—",
        outbox=outbox_counts(),
        outbox_words=OUTBOX_WORDS,
        smtp_configured=bool(current_app.config.get("SMTP_URL")),
    )
