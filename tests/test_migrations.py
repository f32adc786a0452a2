"""The migrations build the schema the models describe, on both engines, and downgrade cleanly."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from app import create_app
from app.config import normalise_database_url
from app.directory.models import Resource, is_search_index
from app.extensions import db
from app.organisations.models import Organisation
from tests.conftest import ENGINES, PG_BASE_URL


@pytest.fixture(params=ENGINES)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    base = make_url(normalise_database_url(PG_BASE_URL))
    name = f"linli_migrate_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrated_app(url: str) -> Flask:
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})


def test_upgrade_builds_exactly_the_schema_of_the_models(empty_database_url: str):
    app = migrated_app(empty_database_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            opts = {"compare_type": True, "include_name": lambda name, *_: not is_search_index(name)}
            context = MigrationContext.configure(conn, opts=opts)
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == [], "models and migrations disagree: write a migration"


def test_downgrade_to_base_removes_every_table(empty_database_url: str):
    app = migrated_app(empty_database_url)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
        db.engine.dispose()
    assert tables == set()


def test_migrated_schema_enforces_the_constraints_of_the_models(empty_database_url: str):
    """Autogenerate does not compare CHECK constraints or partial indexes; try them."""
    app = migrated_app(empty_database_url)
    with app.app_context():
        upgrade()
        refused = {
            "a unit without a unit type": (
                "INSERT INTO organisations (code, name, kind, unit_type, address, contact_phone, active,"
                " created_at, updated_at) VALUES ('U1', 'u', 'unit', NULL, '', '', true, :now, :now)"
            ),
            "a community with a unit type": (
                "INSERT INTO organisations (code, name, kind, unit_type, address, contact_phone, active,"
                " created_at, updated_at) VALUES ('C1', 'c', 'community', 'school', '', '', true, :now, :now)"
            ),
            "a user without phone or email": (
                "INSERT INTO users (code, name, password_hash, is_admin, active, party_member, session_version,"
                " created_at) VALUES ('x', 'x', 'x', false, true, false, 1, :now)"
            ),
        }
        now = datetime(2026, 1, 1, tzinfo=UTC)
        # A real organisation and resource, so a refusal below is the CHECK's and not a foreign key's.
        with db.engine.begin() as conn:
            conn.execute(Organisation.__table__.insert().values(id=1, code="C0", name="c", kind="community"))
            conn.execute(
                Resource.__table__.insert().values(id=1, code="R0", owner_id=1, name="r", kind="plaza", capacity=1)
            )
        refused.update(
            {
                "a window ending before it starts": (
                    "INSERT INTO access_windows (resource_id, audience, days, weekdays, start_minute, end_minute,"
                    " price, created_at, updated_at) VALUES (1, 'public', 'all', 0, 600, 540, 0, :now, :now)"
                ),
                "a window past midnight": (
                    "INSERT INTO access_windows (resource_id, audience, days, weekdays, start_minute, end_minute,"
                    " price, created_at, updated_at) VALUES (1, 'public', 'all', 0, 600, 1441, 0, :now, :now)"
                ),
                "a weekday list without days": (
                    "INSERT INTO access_windows (resource_id, audience, days, weekdays, start_minute, end_minute,"
                    " price, created_at, updated_at) VALUES (1, 'public', 'weekdays', 0, 0, 60, 0, :now, :now)"
                ),
                "an unknown audience": (
                    "INSERT INTO access_windows (resource_id, audience, days, weekdays, start_minute, end_minute,"
                    " price, created_at, updated_at) VALUES (1, 'everyone', 'all', 0, 0, 60, 0, :now, :now)"
                ),
                "a closure of nothing": (
                    'INSERT INTO closures (resource_id, organisation_id, start, "end", reason, created_at)'
                    " VALUES (NULL, NULL, :now, :later, 'x', :now)"
                ),
                "a closure of both a resource and an organisation": (
                    'INSERT INTO closures (resource_id, organisation_id, start, "end", reason, created_at)'
                    " VALUES (NULL, 1, :later, :now, 'x', :now)"
                ),
            }
        )
        for reason, statement in refused.items():
            with pytest.raises(IntegrityError), db.engine.begin() as conn:
                moment = now.replace(tzinfo=None) if "sqlite" in empty_database_url else now
                conn.execute(text(statement), {"now": moment, "later": moment + timedelta(hours=1)})
                pytest.fail(f"accepted {reason}")
        with db.engine.begin() as conn:  # the same rows, made valid, are accepted
            moment = now.replace(tzinfo=None) if "sqlite" in empty_database_url else now
            conn.execute(
                text(
                    "INSERT INTO access_windows (resource_id, audience, days, weekdays, start_minute, end_minute,"
                    " price, created_at, updated_at) VALUES (1, 'public', 'weekdays', 5, 600, 1440, 0, :now, :now)"
                ),
                {"now": moment},
            )
            conn.execute(
                text(
                    'INSERT INTO closures (resource_id, organisation_id, start, "end", reason, created_at)'
                    " VALUES (NULL, 1, :now, :later, 'x', :now)"
                ),
                {"now": moment, "later": moment + timedelta(hours=1)},
            )
        with db.engine.connect() as conn:
            indexes = {ix["name"] for ix in inspect(conn).get_indexes("registrations")}
            indexes |= {ix["name"] for ix in inspect(conn).get_indexes("bookings")}
        db.engine.dispose()
    assert {"uq_registrations_live_unit", "uq_registrations_live_residence", "ix_bookings_holding"} <= indexes
