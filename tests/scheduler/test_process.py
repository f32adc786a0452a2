"""The scheduler as its own process: it fires jobs, and of two processes one leads while the other
waits, taking over when the leader is killed."""

from __future__ import annotations

import signal
from datetime import timedelta

from sqlalchemy import select

from app.bookings.models import Booking
from app.db import utcnow
from app.extensions import db
from app.scheduler.models import JobRun, SchedulerBeat
from tests.factories import make_booking, make_resource, make_user, make_window
from tests.scheduler.processes import scheduler_processes, wait_for


def leader_pid() -> int | None:
    beat = db.session.get(SchedulerBeat, "leader")
    return beat.pid if beat is not None else None


def test_the_real_scheduler_fires_a_job_that_expires_an_undecided_booking(app, city, tmp_path):
    room = make_resource("T-S-01-R1", city["c1"], capacity=1)
    make_window(room)
    start = utcnow() - timedelta(minutes=1)
    booking = make_booking(room, make_user(), start, start + timedelta(hours=1), status="pending")
    with scheduler_processes(app, tmp_path) as start_process:
        scheduler = start_process("one", SCHEDULER_JOBS="expire_pending")
        wait_for(
            lambda: db.session.scalar(select(Booking.status).where(Booking.id == booking.id)) == "expired",
            what="the scheduler to expire the booking",
        )
        # The run is recorded in a transaction of its own, just after the job's.
        run = wait_for(lambda: db.session.get(JobRun, "expire_pending"), what="the run to be recorded")
        assert run.last_status == "ok" and run.runs >= 1
        assert scheduler.stop(signal.SIGTERM) == 0, scheduler.output()
    assert "leading" in scheduler.output()


def test_a_second_scheduler_waits_and_takes_over_when_the_leader_is_killed(app, tmp_path):
    with scheduler_processes(app, tmp_path) as start_process:
        first = start_process("first", SCHEDULER_JOBS="reminders")
        wait_for(lambda: leader_pid() == first.pid, what="the first process to lead")
        second = start_process("second", SCHEDULER_JOBS="reminders")
        wait_for(lambda: "standby" in second.output(), what="the second process to stand by")
        # While the first lives, it alone leads and runs the jobs.
        runs_before = wait_for(lambda: (db.session.get(JobRun, "reminders") or JobRun(runs=0)).runs >= 2, what="runs")
        assert runs_before and leader_pid() == first.pid
        assert db.session.get(JobRun, "reminders").runner.endswith(f":{first.pid}")

        first.kill()  # SIGKILL: no goodbye, the lock goes with the process
        wait_for(lambda: leader_pid() == second.pid, timeout=10, what="the second process to take over")
        wait_for(
            lambda: db.session.get(JobRun, "reminders").runner.endswith(f":{second.pid}"),
            what="the jobs to run in the second process",
        )
        assert "leading" in second.output()
        assert second.stop(signal.SIGTERM) == 0, second.output()
