"""The leader lock: one holder at a time, let go on release, and a lost connection loses it (PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import text

from app.extensions import db
from app.scheduler.leader import AdvisoryLock, FileLock, leader_lock_for


def test_only_one_lock_holder_at_a_time_and_the_next_takes_it_after_release(app):
    first, second = leader_lock_for(app), leader_lock_for(app)
    try:
        assert first.acquire() and first.held()
        assert not second.acquire() and not second.held()
        assert first.acquire()  # asking again while holding it is harmless
        first.release()
        assert second.acquire() and second.held()
        assert not first.acquire()
    finally:
        first.release()
        second.release()


def test_the_lock_suits_the_engine(app, engine_name):
    lock = leader_lock_for(app)
    try:
        if engine_name == "sqlite":
            assert isinstance(lock, FileLock)
            assert lock.path.name.endswith(".sqlite3.scheduler-lock")
        else:
            assert isinstance(lock, AdvisoryLock)
    finally:
        lock.release()


def test_a_leader_whose_connection_is_cut_knows_it_no_longer_leads(app, engine_name):
    if engine_name != "postgresql":
        return  # a file lock lives as long as the process
    leader, standby = AdvisoryLock(str(db.engine.url.render_as_string(hide_password=False))), leader_lock_for(app)
    try:
        assert leader.acquire()
        assert not standby.acquire()
        db.session.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'linli-scheduler-leader' AND datname = current_database()"
            )
        )
        db.session.commit()
        assert not leader.held()
        assert standby.acquire()
    finally:
        leader.release()
        standby.release()
