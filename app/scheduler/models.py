"""What the scheduler process leaves behind for the health pages: each job's last run, and the leader's heartbeat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime
from app.extensions import db


class JobRun(db.Model):
    """One row per job of the job table: how its last run went."""

    __tablename__ = "scheduler_job_runs"

    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_status: Mapped[str] = mapped_column(String(16))  # ok, error
    last_result: Mapped[str] = mapped_column(String(200), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    runs: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    runner: Mapped[str] = mapped_column(String(100), default="")  # host:pid of the process that ran it


class SchedulerBeat(db.Model):
    """The leading scheduler process says it is alive (a row per name; "leader")."""

    __tablename__ = "scheduler_beats"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    runner: Mapped[str] = mapped_column(String(100))  # host:pid
    pid: Mapped[int] = mapped_column(Integer)
    since: Mapped[datetime] = mapped_column(UTCDateTime())  # when it became the leader
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime())
