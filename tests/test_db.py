"""The storage layer: UTC datetimes on both engines, SQLite settings and the write lock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from app import create_app
from app import db as app_db
from app.accounts.models import User
from app.db import begin_reading_only, begin_with_write_lock, configure_engine, transaction
from app.extensions import db
from tests.conftest import ENGINES
from tests.factories import make_user


def test_datetimes_come_back_aware_in_utc_on_every_engine(app: Flask):
    user = make_user()
    beijing = timezone(timedelta(hours=8))
    user.last_sign_in_at = datetime(2026, 12, 1, 8, 30, tzinfo=beijing)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(User, user.id).last_sign_in_at
    assert stored == datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    assert stored.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(app: Flask):
    user = make_user()
    user.last_sign_in_at = datetime(2026, 12, 1, 8, 30)
    with pytest.raises(Exception, match="naive datetime"):
        db.session.commit()
    db.session.rollback()


def test_transaction_rolls_back_everything_on_error(app: Flask):
    with pytest.raises(RuntimeError), transaction(db.session):
        make_user_uncommitted()
        raise RuntimeError("stop")
    assert db.session.scalar(text("SELECT count(*) FROM users")) == 0


def test_a_request_that_reads_only_may_not_write(app: Flask):
    user_id, name = make_user().id, "测试用户"
    db.session.remove()
    begin_reading_only(db.session)
    db.session.get(User, user_id).name = "改名"
    with pytest.raises(RuntimeError, match="reads only"):
        db.session.flush()
    db.session.rollback()
    db.session.remove()
    assert db.session.get(User, user_id).name == name


def make_user_uncommitted() -> None:
    db.session.add(User(code="x", name="x", phone="13800000001", password_hash="x"))
    db.session.flush()


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path: Path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    with app.app_context():
        assert db.session.scalar(text("PRAGMA journal_mode")) == "wal"
        assert db.session.scalar(text("PRAGMA foreign_keys")) == 1
        assert db.session.scalar(text("PRAGMA busy_timeout")) == app.config["SQLITE_BUSY_TIMEOUT_MS"]
        db.session.remove()
        db.engine.dispose()


def test_write_lock_serialises_check_then_insert_on_sqlite(tmp_path: Path):
    """40 places, 64 threads each checking the count then inserting: exactly 40 get in."""
    # One connection per thread, as separate requests would have.
    engine = create_engine(f"sqlite:///{tmp_path / 'race.sqlite3'}", poolclass=NullPool)
    configure_engine(engine, busy_timeout_ms=15000)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE seats (id INTEGER PRIMARY KEY, taken INTEGER NOT NULL)")
    start = threading.Barrier(64)
    errors: list[BaseException] = []

    def attempt() -> None:
        try:
            with Session(engine) as session:
                session.execute(text("SELECT 1"))  # a read first, as a request would
                start.wait(timeout=30)
                begin_with_write_lock(session)
                taken = session.execute(text("SELECT coalesce(sum(taken), 0) FROM seats")).scalar_one()
                if taken < 40:
                    session.execute(text("INSERT INTO seats (taken) VALUES (1)"))
                session.commit()
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=attempt) for _ in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM seats")).scalar_one() == 40
    assert errors == []
    engine.dispose()


def test_healthz_answers_503_when_the_database_does_not(tmp_path: Path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unavailable"


def test_on_postgresql_the_write_lock_goes_on_in_the_transaction_that_read_and_sqlite_commits_first(
    app: Flask, engine_name: str
):
    user_id = make_user().id
    db.session.get(User, user_id)  # a read: the request's transaction has begun
    before = db.session().get_transaction()
    begin_with_write_lock(db.session)
    kept = db.session().get_transaction() is before
    assert kept == (engine_name == "postgresql")  # SQLite must end the read to take the write lock
    db.session.rollback()


def _pg_engine(url: str):  # type: ignore[no-untyped-def]
    engine = create_engine(url, pool_size=1, max_overflow=0)
    configure_engine(engine, busy_timeout_ms=15000)
    return engine


def _backend_pid(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()


@pytest.mark.skipif("postgresql" not in ENGINES, reason="a database server's connections: needs TEST_DATABASE_URL")
def test_a_pooled_connection_the_server_dropped_while_it_rested_is_replaced_unseen(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
):
    engine = _pg_engine(request.getfixturevalue("pg_database_url"))
    first = _backend_pid(engine)
    admin = create_engine(engine.url, poolclass=NullPool)  # a connection of its own
    with admin.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_terminate_backend({first})")
    admin.dispose()
    monkeypatch.setattr(app_db, "IDLE_BEFORE_PING_SECONDS", 0.0)  # it has rested long enough
    assert _backend_pid(engine) != first  # pinged, found dead, replaced: no error reaches the caller
    engine.dispose()


@pytest.mark.skipif("postgresql" not in ENGINES, reason="a database server's connections: needs TEST_DATABASE_URL")
def test_a_connection_back_in_use_at_once_is_not_pinged_and_one_that_rested_is(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
):
    engine = _pg_engine(request.getfixturevalue("pg_database_url"))
    pings: list[object] = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda connection: pings.append(connection) or real_ping(connection))
    _backend_pid(engine)  # a fresh connection: nothing to ping
    _backend_pid(engine)  # back at once
    assert pings == []
    monkeypatch.setattr(app_db, "IDLE_BEFORE_PING_SECONDS", 0.0)
    _backend_pid(engine)
    assert len(pings) == 1
    engine.dispose()
