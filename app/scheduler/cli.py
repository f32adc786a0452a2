"""flask scheduler run | run-job | jobs."""

from __future__ import annotations

import logging
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.db import utcnow
from app.scheduler.jobs import JOBS, JOBS_BY_ID
from app.scheduler.runner import run_job, serve

scheduler_cli = AppGroup("scheduler", help="The scheduler: reminders, sweeps, the email outbox, snapshots.")


@scheduler_cli.command("run")
def run_command() -> None:
    """Run the scheduled jobs until stopped (Ctrl-C, SIGTERM). Start one per deployment; a second one
    waits as a standby and takes over when the first stops."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(current_app._get_current_object())  # type: ignore[attr-defined]


@scheduler_cli.command("run-job")
@click.argument("job_id", type=click.Choice([job.id for job in JOBS]))
@click.option("--now", "now_text", default=None, help="Run as if at this moment (ISO 8601 with an offset).")
def run_job_command(job_id: str, now_text: str | None) -> None:
    """Run one job once, now (idempotent: safe beside the running scheduler)."""
    now = utcnow()
    if now_text:
        now = datetime.fromisoformat(now_text)
        if now.tzinfo is None:
            raise click.BadParameter(_("Give the time with its offset, e.g. 2026-12-01T08:30:00+08:00."))
    outcome = run_job(JOBS_BY_ID[job_id], now=now)
    if not outcome.ok:
        click.echo(outcome.error, err=True)
        raise SystemExit(1)
    click.echo(f"{job_id}: {outcome.result}")


@scheduler_cli.command("jobs")
def jobs_command() -> None:
    """List the job table and how each job last ran."""
    from app.scheduler.health import scheduler_health

    health = scheduler_health(now=utcnow())
    for job in health.jobs:
        last = job.last_finished_at.isoformat(timespec="seconds") if job.last_finished_at else "-"
        click.echo(f"{job.id:<18} {job.state:<9} {last:<26} {job.result}")
