"""Running jobs: once (`run_job`, in an app context and one transaction, recorded for the health page),
and for ever (`serve`: standby until the leader lock is ours, then APScheduler's blocking scheduler)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import datetime
from types import FrameType
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from app.db import transaction, utcnow
from app.extensions import db
from app.scheduler.jobs import JOBS_BY_ID, Job, selected_jobs
from app.scheduler.leader import LeaderLock, leader_lock_for
from app.scheduler.models import JobRun, SchedulerBeat

log = logging.getLogger("linli.scheduler")


def runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Outcome:
    job_id: str
    ok: bool
    result: str
    error: str


def run_job(job: Job, *, now: datetime | None = None) -> Outcome:
    """Run one job now (inside the caller's app context): in one transaction with the write lock, unless
    it owns its transactions. A failure is logged and recorded, never raised: the scheduler goes on."""
    started = utcnow()
    moment = now or started
    try:
        if job.own_transactions:
            result = job.run(moment)
        else:
            with transaction(db.session, write_lock=True):
                result = job.run(moment)
        outcome = Outcome(job.id, True, str(result if result is not None else "")[:200], "")
    except Exception:
        db.session.rollback()
        log.exception("job %s failed", job.id)
        outcome = Outcome(job.id, False, "", traceback.format_exc()[-4000:])
    _record(job, outcome, started, utcnow())
    return outcome


def _record(job: Job, outcome: Outcome, started: datetime, finished: datetime) -> None:
    try:
        with transaction(db.session, write_lock=True):
            row = db.session.get(JobRun, job.id)
            if row is None:
                row = JobRun(job_id=job.id, runs=0, failures=0)
                db.session.add(row)
            row.last_started_at = started
            row.last_finished_at = finished
            row.last_status = "ok" if outcome.ok else "error"
            row.last_result = outcome.result
            row.last_error = outcome.error
            row.duration_ms = int((finished - started).total_seconds() * 1000)
            row.runs = (row.runs or 0) + 1
            row.runner = runner_name()
            if outcome.ok:
                row.last_ok_at = finished
            else:
                row.failures = (row.failures or 0) + 1
    except Exception:
        db.session.rollback()
        log.exception("recording the run of job %s failed", job.id)


def beat(*, since: datetime, now: datetime) -> None:
    """The leader says it is alive."""
    with transaction(db.session, write_lock=True):
        row = db.session.get(SchedulerBeat, "leader")
        if row is None:
            row = SchedulerBeat(name="leader")
            db.session.add(row)
        row.runner, row.pid, row.since, row.beat_at = runner_name(), os.getpid(), since, now


class _Stop(Exception):  # noqa: N818 - a signal to leave the loops, not an error
    pass


def _fire(app: Flask, job_id: str) -> None:
    with app.app_context():
        run_job(JOBS_BY_ID[job_id])


def _keep_leading(
    app: Flask, lock: LeaderLock, scheduler: BlockingScheduler, since: datetime, lost: threading.Event
) -> None:
    if not lock.held():
        log.error("lost the leader lock: stopping the jobs and waiting to lead again")
        lost.set()
        scheduler.shutdown(wait=False)
        return
    with app.app_context():
        try:
            beat(since=since, now=utcnow())
        except Exception:
            db.session.rollback()
            log.exception("the heartbeat could not be written")


def _build(app: Flask, lock: LeaderLock, since: datetime, lost: threading.Event) -> BlockingScheduler:
    config = app.config
    zone = ZoneInfo(config["SCHEDULER_TIMEZONE"])
    tick = config.get("SCHEDULER_TICK_SECONDS")
    scheduler = BlockingScheduler(
        timezone=zone,
        executors={"default": ThreadPoolExecutor(4)},
        # coalesce: runs missed while busy or away become one; a late run still runs (within 10 min).
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 600},
    )
    now = datetime.now(zone)
    for job in selected_jobs(config.get("SCHEDULER_JOBS")):
        if job.every is not None:
            trigger: IntervalTrigger | CronTrigger = IntervalTrigger(
                seconds=job.period(tick).total_seconds(), timezone=zone
            )
            first = now  # a new leader catches up at once
        else:
            trigger = CronTrigger(timezone=zone, **job.cron)
            first = None
        scheduler.add_job(
            _fire,
            trigger,
            args=(app, job.id),
            id=job.id,
            name=job.id,
            replace_existing=True,
            **({"next_run_time": first} if first is not None else {}),
        )
    scheduler.add_job(
        _keep_leading,
        IntervalTrigger(seconds=float(config["SCHEDULER_STANDBY_SECONDS"]), timezone=zone),
        args=(app, lock, scheduler, since, lost),
        id="leader-check",
        name="leader-check",
        replace_existing=True,
        next_run_time=now,
    )
    return scheduler


def _try_to_lead(lock: LeaderLock) -> bool:
    try:
        return lock.acquire()
    except Exception:
        log.exception("the leader lock cannot be asked for now")
        return False


def serve(app: Flask) -> None:
    """The scheduler process: wait as a standby until the leader lock is ours (trying every
    SCHEDULER_STANDBY_SECONDS), then run the job table until stopped (SIGINT, SIGTERM) or the lock
    is lost (then stand by again)."""
    logging.getLogger("apscheduler").setLevel(logging.WARNING)

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise _Stop(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with app.app_context():
        lock = leader_lock_for(app)
        selected_jobs(app.config.get("SCHEDULER_JOBS"))  # an unknown job id fails now, not later
    wait = float(app.config["SCHEDULER_STANDBY_SECONDS"])
    try:
        while True:
            announced = False
            while not _try_to_lead(lock):
                if not announced:
                    log.info("standby: another scheduler leads (%s); trying every %ss", runner_name(), wait)
                    announced = True
                time.sleep(wait)
            since = utcnow()
            log.info("leading: %s runs the jobs", runner_name())
            lost = threading.Event()
            scheduler = _build(app, lock, since, lost)
            try:
                scheduler.start()
            finally:
                if scheduler.running:
                    scheduler.shutdown(wait=True)
            if not lost.is_set():
                return
    except _Stop as why:
        log.info("stopping (%s)", why)
    finally:
        lock.release()
