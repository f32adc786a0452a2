"""The job table and running a job once: fixed ids, one transaction, a record of each run, failures contained."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app import create_app
from app.bookings.models import Booking
from app.extensions import db
from app.scheduler.jobs import JOBS, JOBS_BY_ID, Job, selected_jobs
from app.scheduler.models import JobRun
from app.scheduler.runner import run_job
from tests.factories import make_booking, make_resource, make_user, make_window

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def test_the_job_table_has_fixed_unique_ids_and_a_schedule_for_each():
    ids = [job.id for job in JOBS]
    assert len(ids) == len(set(ids))
    assert set(ids) == {
        "outbox",
        "reminders",
        "no_shows",
        "expire_pending",
        "complete_finished",
        "usage_snapshot",
        "calendar_check",
        "pairing_due",
        "lock_evaluation_rounds",
    }
    for job in JOBS:
        assert (job.every is None) != (not job.cron), job.id
    assert JOBS_BY_ID["usage_snapshot"].cron == {"hour": 1, "minute": 10}


def test_a_job_list_names_known_jobs_only():
    assert [j.id for j in selected_jobs("reminders, outbox")] == ["outbox", "reminders"]
    assert selected_jobs(None) == JOBS
    with pytest.raises(ValueError, match="nope"):
        selected_jobs("outbox,nope")


def test_creating_the_app_starts_no_scheduler(app):
    before = set(threading.enumerate())
    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    started = set(threading.enumerate()) - before
    for thread in started:
        # The rate limiter's in-memory storage runs a timer of a few milliseconds; a scheduler would run on.
        thread.join(timeout=2)
    assert not [thread for thread in started if thread.is_alive()]


@pytest.mark.parametrize("job", JOBS, ids=lambda job: job.id)
def test_every_job_runs_on_an_empty_database_and_is_recorded(app, job):
    outcome = run_job(job, now=NOW)
    assert outcome.ok, outcome.error
    row = db.session.get(JobRun, job.id)
    assert (row.last_status, row.runs, row.failures, row.last_result) == ("ok", 1, 0, outcome.result)
    assert row.last_ok_at == row.last_finished_at
    run_job(job, now=NOW)
    db.session.expire_all()
    assert db.session.get(JobRun, job.id).runs == 2


def test_a_job_runs_in_one_transaction_and_a_failure_writes_nothing_and_is_recorded(app, city):
    court = make_resource("T-S-01-C1", city["c1"], capacity=2)
    make_window(court)
    booking = make_booking(court, make_user(), NOW - timedelta(hours=2), NOW - timedelta(hours=1))

    def half_then_fail(now: datetime) -> str:
        db.session.get(Booking, booking.id).status = "completed"
        db.session.flush()
        raise RuntimeError("boom")

    broken = replace(JOBS_BY_ID["complete_finished"], run=half_then_fail)
    outcome = run_job(broken, now=NOW)
    assert not outcome.ok and "RuntimeError: boom" in outcome.error
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == "confirmed"  # rolled back
    row = db.session.get(JobRun, "complete_finished")
    assert (row.last_status, row.failures, row.last_ok_at) == ("error", 1, None)
    assert "boom" in row.last_error
    # The next good run is recorded over it.
    assert run_job(JOBS_BY_ID["complete_finished"], now=NOW).result == "1 completed"
    db.session.expire_all()
    row = db.session.get(JobRun, "complete_finished")
    assert (row.last_status, row.runs, row.failures) == ("ok", 2, 1)


def test_the_command_runs_one_job_as_of_a_given_moment(app, runner, city):
    court = make_resource("T-S-01-C1", city["c1"], capacity=2)
    make_window(court)
    make_booking(court, make_user(), NOW - timedelta(hours=2), NOW - timedelta(hours=1))
    result = runner.invoke(args=["scheduler", "run-job", "complete_finished", "--now", "2026-11-30T10:00:00+08:00"])
    assert result.exit_code == 0, result.output
    assert "complete_finished: 1 completed" in result.output
    assert db.session.scalars(select(Booking.status)).one() == "completed"
    listing = runner.invoke(args=["scheduler", "jobs"])
    assert listing.exit_code == 0 and "complete_finished  ok" in listing.output


def test_a_failing_job_makes_the_command_fail(app, runner, monkeypatch):
    def fail(now: datetime) -> str:
        raise RuntimeError("no database today")

    monkeypatch.setitem(JOBS_BY_ID, "reminders", Job("reminders", fail, "x", every=timedelta(minutes=1)))
    result = runner.invoke(args=["scheduler", "run-job", "reminders"])
    assert result.exit_code == 1
    assert "no database today" in result.output
