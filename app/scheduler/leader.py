"""The leader lock: of several `flask scheduler run` processes, the one holding it runs the jobs.

PostgreSQL: a session-level advisory lock on a connection of its own, held for the process's
life; when the process dies its connection closes and the server lets the lock go at once
(server-side TCP keepalives bound how long a vanished host keeps it). SQLite: an exclusive
`flock` on a file beside the database, which the kernel lets go when the process dies.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from pathlib import Path
from typing import Protocol

from flask import Flask
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from app.extensions import db

log = logging.getLogger(__name__)

# One advisory lock key per database (advisory locks are local to a database).
LOCK_KEY = int.from_bytes(hashlib.sha256(b"linli:scheduler:leader").digest()[:8], "big", signed=True)


class LeaderLock(Protocol):
    def acquire(self) -> bool:
        """Take the lock if nobody holds it; never waits."""

    def held(self) -> bool:
        """Whether this process still holds it (a lost connection loses it)."""

    def release(self) -> None: ...


class FileLock:
    """An exclusive, non-blocking flock on `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class AdvisoryLock:
    """pg_try_advisory_lock on a dedicated connection (not the pool's), kept open while leading."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(
            url,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args={
                "application_name": "linli-scheduler-leader",
                "keepalives": 1,
                "keepalives_idle": 10,
                "keepalives_interval": 5,
                "keepalives_count": 3,
            },
        )
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        if self._conn is not None:
            return self.held()
        conn = self.engine.connect()
        try:
            # The server notices a vanished client within about 35 s, then lets the lock go.
            for setting in ("tcp_keepalives_idle = 20", "tcp_keepalives_interval = 5", "tcp_keepalives_count = 3"):
                conn.execute(text(f"SET {setting}"))
            won = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar())
        except Exception:
            conn.close()
            raise
        if not won:
            conn.close()
            return False
        self._conn = conn
        return True

    def held(self) -> bool:
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - the connection is gone, and the lock with it
            log.warning("the leader lock's connection was lost")
            self._drop()
            return False
        return True

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                log.debug("closing a broken lock connection failed", exc_info=True)
            self._conn = None

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
            except Exception:
                log.debug("unlocking failed", exc_info=True)
            self._drop()
        self.engine.dispose()


def leader_lock_for(app: Flask) -> LeaderLock:
    """The lock that suits the app's database (call inside an app context)."""
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        return AdvisoryLock(url.render_as_string(hide_password=False))
    database = url.database
    if url.get_backend_name() == "sqlite" and database and database != ":memory:":
        return FileLock(Path(database).with_name(Path(database).name + ".scheduler-lock"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return FileLock(Path(app.instance_path) / "scheduler.lock")
