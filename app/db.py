"""Declarative base, the UTC datetime type, engine set-up and the transaction boundary."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, MetaData, event
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

WRITE_LOCK_OPTION = "linli_write_lock"
READS_ONLY = "linli_reads_only"
# A pooled connection idle for longer than this is pinged before use (see ping_when_left_idle).
IDLE_BEFORE_PING_SECONDS = 1.0
_CHECKED_IN_AT = "linli_checked_in_at"


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC on every engine.

    SQLite has no zone-aware type and PostgreSQL answers in the session's zone;
    both come back here as aware UTC datetimes, and naive input is refused so a
    wall-clock time can never be stored by mistake.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: pass an aware datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


def configure_engine(engine: Engine, busy_timeout_ms: int) -> None:
    """A database server's pooled connections are pinged after a rest, and psycopg's cursors
    describe their columns only when asked (app.pg_cursors); SQLite runs as below."""
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, busy_timeout_ms)
        return
    ping_when_left_idle(engine)
    if engine.dialect.driver == "psycopg":
        from app.pg_cursors import describe_on_demand  # psycopg is imported only where it is used

        describe_on_demand(engine)


def ping_when_left_idle(engine: Engine) -> None:
    """SQLAlchemy's pool_pre_ping, for connections that have rested only.

    pre_ping costs a round trip on every checkout, and a request under load checks a connection
    out every few milliseconds: a tenth of a booking's time went on it. A connection back in use
    within IDLE_BEFORE_PING_SECONDS is handed out as it is; one that sat longer (the server may
    have restarted or dropped it meanwhile) is pinged first, and if it is dead the whole pool is
    refreshed, as pre_ping does. Were the server to drop a connection in that short rest, the
    statement fails once and SQLAlchemy invalidates the pool then.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.pop(_CHECKED_IN_AT, None)
        if checked_in_at is None or time.monotonic() - checked_in_at < IDLE_BEFORE_PING_SECONDS:
            return  # fresh from connect(), or just now in use
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise InvalidatePoolError(f"connection found dead after a rest: {error}") from error


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """SQLite: WAL, foreign keys, a busy timeout, and BEGIN under our control.

    pysqlite's own transaction handling defers BEGIN and cannot take the write
    lock up front, so we switch it off and emit BEGIN ourselves (SQLAlchemy's
    documented recipe); a transaction that asks for the write lock gets
    BEGIN IMMEDIATE, which serialises writers such as the booking check.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL cannot be switched on inside a transaction: do it before any BEGIN.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get(READS_ONLY):
            return  # each read is its own transaction, as on PostgreSQL (see begin_reading_only)
        if options.get(WRITE_LOCK_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def begin_with_write_lock(session: Session | scoped_session[Session]) -> None:
    """Start the session's transaction holding the database write lock (SQLite).

    On SQLite whatever the session read before is committed first (a read transaction cannot
    take the write lock without risking a deadlock), so the check that follows sees the latest
    committed state. On PostgreSQL the transaction goes on as it is: row locks (the resource's,
    in the booking code) do the serialising, and under READ COMMITTED every statement after the
    lock sees what was committed before it, so ending the reads would only cost a COMMIT, a
    BEGIN and a checkout.
    """
    if isinstance(session, scoped_session):
        session = session()  # the request's own session
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_with_write_lock() after unflushed changes")
        if not _is_sqlite(session):
            return
        session.commit()
    session.connection(execution_options={WRITE_LOCK_OPTION: True})


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def begin_reading_only(session: Session | scoped_session[Session]) -> None:
    """Let a request that only reads run each statement on its own, with no BEGIN and no ROLLBACK.

    Under READ COMMITTED (PostgreSQL's default) every statement already sees its own snapshot,
    so a reader loses nothing by leaving the transaction out, and it saves two round trips. It
    saves more than that: psycopg forgets the statements it has prepared whenever a transaction
    rolls back, which ending every read-only request with ROLLBACK did each time, so the planner
    ran for every statement of every page. In autocommit they stay prepared on the connection
    (after psycopg's five uses). SQLite reads the same way without our explicit BEGIN.

    Only for views that write nothing: a flush in such a request is refused (see below). Does
    nothing once the session's transaction has begun.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction():
        return
    options: dict[str, Any] = {READS_ONLY: True}
    if not _is_sqlite(session):
        # pysqlite's own AUTOCOMMIT switch would hand transactions back to the driver on reset.
        options["isolation_level"] = "AUTOCOMMIT"
    session.info[READS_ONLY] = True
    session.connection(execution_options=options)


@event.listens_for(Session, "before_flush")
def _refuse_writes_when_reading_only(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(READS_ONLY) and (session.new or session.dirty or session.deleted):
        raise RuntimeError("a request that reads only (begin_reading_only) tried to write")


def end_reads_keeping_loaded(session: Session | scoped_session[Session]) -> None:
    """Before begin_with_write_lock on SQLite, commit what the request has read (and flushed) so
    far without expiring the objects loaded: the user, the resource and its owner serve the locked
    transaction that follows as they are, and what must be fresh there is read again under the
    lock (lock_resource returns the row). On PostgreSQL the transaction goes on, flushed."""
    if isinstance(session, scoped_session):
        session = session()
    if not _is_sqlite(session):
        session.flush()
        return
    commit_keeping_loaded(session)


def commit_keeping_loaded(session: Session | scoped_session[Session]) -> None:
    """Commit without expiring the objects loaded: what comes next uses them as they are."""
    if isinstance(session, scoped_session):
        session = session()
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def reading_connection(session: Session | scoped_session[Session]) -> Connection:
    """The session's connection for a plain (Core) read on a hot path, after the flush that
    session.execute would make first: going past the session's execute saves its own work on
    each statement (about as much as the driver's), and nothing pending is missed."""
    if isinstance(session, scoped_session):
        session = session()
    if session.autoflush:
        session.flush()
    return session.connection()


@contextmanager
def transaction(session: Session, *, write_lock: bool = False) -> Iterator[Session]:
    """The boundary's unit of work: commit once on success, roll back on any error."""
    if write_lock:
        begin_with_write_lock(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
