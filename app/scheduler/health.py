"""How the scheduler is doing, from what it records: each job's last run and the leader's heartbeat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.scheduler.jobs import JOBS, Job
from app.scheduler.models import JobRun, SchedulerBeat


@dataclass(frozen=True)
class JobHealth:
    id: str
    job: Job
    state: str  # ok, error, late (no run for longer than expected), never
    last_finished_at: datetime | None
    last_ok_at: datetime | None
    result: str
    error: str
    duration_ms: int
    runs: int
    failures: int


@dataclass(frozen=True)
class SchedulerHealth:
    state: str  # ok (a leader beats and no job is late or failing), degraded, down (no leader beat), never
    leader: SchedulerBeat | None
    leader_alive: bool
    jobs: list[JobHealth]

    def as_json(self) -> dict[str, Any]:
        def when(moment: datetime | None) -> str | None:
            return moment.isoformat(timespec="seconds") if moment is not None else None

        return {
            "status": self.state,
            "leader": None
            if self.leader is None
            else {"since": when(self.leader.since), "beat_at": when(self.leader.beat_at), "alive": self.leader_alive},
            "jobs": {
                j.id: {"status": j.state, "last_run": when(j.last_finished_at), "last_ok": when(j.last_ok_at)}
                for j in self.jobs
            },
        }


def _allowed_gap(job: Job, tick: float | None) -> timedelta:
    # A run may be a little late, and a slow one holds the next back: three periods, at least 5 minutes.
    if job.every is None:
        return timedelta(hours=26)
    return max(job.period(tick) * 3, timedelta(minutes=5))


def scheduler_health(*, now: datetime) -> SchedulerHealth:
    config = current_app.config
    tick = config.get("SCHEDULER_TICK_SECONDS")
    runs = {row.job_id: row for row in db.session.scalars(select(JobRun))}
    leader = db.session.get(SchedulerBeat, "leader")
    standby = timedelta(seconds=float(config["SCHEDULER_STANDBY_SECONDS"]))
    alive = leader is not None and leader.beat_at >= now - max(standby * 4, timedelta(minutes=1))
    jobs = []
    for job in JOBS:
        row = runs.get(job.id)
        if row is None:
            jobs.append(JobHealth(job.id, job, "never", None, None, "", "", 0, 0, 0))
            continue
        if row.last_status != "ok":
            state = "error"
        elif row.last_finished_at < now - _allowed_gap(job, tick):
            state = "late"
        else:
            state = "ok"
        jobs.append(
            JobHealth(
                job.id,
                job,
                state,
                row.last_finished_at,
                row.last_ok_at,
                row.last_result,
                row.last_error,
                row.duration_ms,
                row.runs,
                row.failures,
            )
        )
    if leader is None and not runs:
        overall = "never"
    elif not alive:
        overall = "down"
    elif any(j.state in ("error", "late") for j in jobs):
        overall = "degraded"
    else:
        overall = "ok"
    return SchedulerHealth(overall, leader, alive, jobs)


def outbox_counts() -> dict[str, int]:
    from app.notifications.models import OutboxMessage

    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return {status: count for status, count in rows}
