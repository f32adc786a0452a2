"""Real `flask scheduler run` processes against the test's database, with short periods."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask

from app.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def scheduler_env(app: Flask, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCHEDULER_", "SMTP_"))}
    env.update(
        {
            "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
            "FLASK_APP": "wsgi",
            "LINLI_ENV": "test",
            "PYTHONUNBUFFERED": "1",
            "SCHEDULER_TICK_SECONDS": "0.3",
            "SCHEDULER_STANDBY_SECONDS": "0.2",
        }
    )
    env.update(settings)
    return env


class SchedulerProcess:
    def __init__(self, app: Flask, log: Path, **settings: str) -> None:
        self.log_path = log
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "scheduler", "run"],
            cwd=ROOT,
            env=scheduler_env(app, **settings),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)


@contextmanager
def scheduler_processes(app: Flask, tmp_path: Path) -> Iterator[Callable[..., SchedulerProcess]]:
    """Start processes with `start(name, **settings)`; whatever still runs is killed at the end."""
    started: list[SchedulerProcess] = []

    def start(name: str, **settings: str) -> SchedulerProcess:
        process = SchedulerProcess(app, tmp_path / f"{name}.log", **settings)
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            if process.process.poll() is None:
                process.kill()


def wait_for(check: Callable[[], Any], *, timeout: float = 15, what: str = "the condition") -> Any:
    """Poll `check` (reading the database afresh each time) until it answers something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()  # a fresh snapshot: see what the other processes committed
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
