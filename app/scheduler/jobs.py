"""The job table: every scheduled job, by a fixed id, with its schedule. Each is a plain function of `now`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


def _no_shows(now: datetime) -> str:
    from app.bookings.attendance import mark_no_shows

    return f"{mark_no_shows(now=now)} no-shows"


def _expire_pending(now: datetime) -> str:
    from app.bookings.sweeps import expire_pending

    return f"{expire_pending(now=now)} expired"


def _complete_finished(now: datetime) -> str:
    from app.bookings.sweeps import complete_finished

    return f"{complete_finished(now=now)} completed"


def _reminders(now: datetime) -> str:
    from app.notifications.reminders import queue_reminders

    return f"{queue_reminders(now=now)} reminders"


def _outbox(now: datetime) -> str:
    from app.notifications.outbox import deliver_outbox

    return str(deliver_outbox(now=now))


def _usage_snapshot(now: datetime) -> str:
    from app.reports.services import take_usage_snapshots

    return f"{take_usage_snapshots(now=now)} resources"


def _calendar_check(now: datetime) -> str:
    from app.notifications.calendar_watch import warn_of_missing_calendar

    return f"{warn_of_missing_calendar(now=now)} admins told"


def _lock_evaluation_rounds(now: datetime) -> str:
    from app.evaluations.services import lock_due_rounds

    return f"{lock_due_rounds(now=now)} rounds locked"


def _pairing_due(now: datetime) -> str:
    from app.pairing.notices import remind_items_due

    return f"{remind_items_due(now=now)} told"


@dataclass(frozen=True)
class Job:
    """One row of the table. `every` makes it an interval job; `cron` (APScheduler's cron fields, in the
    scheduler's zone) a daily one. A job runs inside one transaction that holds the write lock,
    unless it owns its transactions (the outbox commits each step before the SMTP action after it)."""

    id: str
    run: Callable[[datetime], object]
    title: Any  # a lazy string
    every: timedelta | None = None
    cron: dict[str, int] = field(default_factory=dict)
    own_transactions: bool = False

    def period(self, tick: float | None = None) -> timedelta:
        """How often it runs (a day for a daily job); `tick` replaces every interval (tests, demos)."""
        if self.every is None:
            return timedelta(days=1)
        return timedelta(seconds=tick) if tick else self.every

    def schedule_words(self, tick: float | None = None) -> str:
        if self.every is not None:
            return _("Every %(seconds)s seconds", seconds=f"{self.period(tick).total_seconds():g}")
        return _("Daily at %(time)s", time="{hour:02d}:{minute:02d}".format(**self.cron))


JOBS: tuple[Job, ...] = (
    Job("outbox", _outbox, _l("Send the email outbox"), every=timedelta(seconds=30), own_transactions=True),
    Job("reminders", _reminders, _l("Reminders before bookings"), every=timedelta(minutes=1)),
    Job("no_shows", _no_shows, _l("Release no-shows after the check-in grace"), every=timedelta(minutes=1)),
    Job("expire_pending", _expire_pending, _l("Expire undecided bookings at their start"), every=timedelta(minutes=1)),
    Job("complete_finished", _complete_finished, _l("Complete finished bookings"), every=timedelta(minutes=5)),
    Job(
        "usage_snapshot", _usage_snapshot, _l("Nightly usage snapshot of each resource"), cron={"hour": 1, "minute": 10}
    ),
    Job(
        "lock_evaluation_rounds",
        _lock_evaluation_rounds,
        _l("Lock evaluation rounds at their deadline"),
        every=timedelta(minutes=5),
    ),
    Job(
        "pairing_due",
        _pairing_due,
        _l("Remind of co-building items coming due"),
        cron={"hour": 8, "minute": 0},
    ),
    Job(
        "calendar_check",
        _calendar_check,
        _l("Check the official workday calendar ahead"),
        cron={"hour": 8, "minute": 30},
    ),
)
JOBS_BY_ID = {job.id: job for job in JOBS}


def selected_jobs(names: str | None) -> tuple[Job, ...]:
    """The jobs a SCHEDULER_JOBS setting names ("outbox,reminders"); all when unset. Unknown ids fail."""
    if not names:
        return JOBS
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in JOBS_BY_ID]
    if unknown:
        raise ValueError(f"unknown scheduler jobs: {', '.join(unknown)}")
    return tuple(job for job in JOBS if job.id in wanted)
