"""Fixtures: an app per test on each engine (SQLite always, PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.config import normalise_database_url
from app.extensions import db

PG_BASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
ENGINES = ["sqlite"] + (["postgresql"] if PG_BASE_URL else [])
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def pytest_report_header() -> list[str]:
    engines = "SQLite and PostgreSQL" if PG_BASE_URL else "SQLite only (set TEST_DATABASE_URL for PostgreSQL too)"
    from tests.e2e.conftest import SKIP_REASON

    browser = f"SKIPPED, {SKIP_REASON}" if SKIP_REASON else "run in headless chromium"
    return [f"linli: database engines: {engines}", f"linli: browser tests: {browser}"]


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this run, with the schema, dropped at the end."""
    base = make_url(normalise_database_url(PG_BASE_URL))
    name = f"linli_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    import app.models  # noqa: F401  (all tables)

    db.metadata.create_all(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty_postgresql() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


def make_app(engine: str, tmp_path: Path, request: pytest.FixtureRequest, **overrides: Any) -> Flask:
    if engine == "sqlite":
        url = f"sqlite:///{tmp_path / 'linli-test.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_database_url")
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
    }
    config.update(overrides)
    app = create_app(config)
    with app.app_context():
        if engine == "sqlite":
            db.create_all()
        else:
            _empty_postgresql()
    return app


@pytest.fixture(params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def app(engine_name: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    app = make_app(engine_name, tmp_path, request)
    with app.app_context():
        yield app
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


class Client(FlaskClient):
    """A test client that fills in the CSRF token as a browser would.

    Each request runs in a fresh app context, as it does when served: the
    test's own context (and its `g`, where Flask-Login, Flask-WTF and
    Flask-Babel cache per-request state, and its database session) stays apart.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # End the test's own transaction so what it reads next includes the
        # request's writes (a SQLite reader keeps its snapshot until then).
        db.session.commit()
        return response

    def csrf_token(self) -> str:
        match = CSRF_RE.search(self.get("/").get_data(as_text=True))
        assert match, "no CSRF token on the home page"
        return match.group(1)

    def post_form(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=payload, **kwargs)


@pytest.fixture
def client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def city(app: Flask) -> dict[str, Any]:
    """The usual town (tests.factories.make_city); files override it where theirs differs."""
    from tests.factories import make_city

    return make_city()


@pytest.fixture
def staff(city: dict[str, Any]) -> Any:
    """A member of the town's unit: staff who book for it."""
    from tests.factories import make_unit_staff

    return make_unit_staff(city["unit"])


@pytest.fixture
def resident(city: dict[str, Any]) -> Any:
    """An acknowledged resident of the town's first community."""
    from tests.factories import make_local_resident

    return make_local_resident(city["c1"])


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client: Client) -> None:
        self.client = client

    def sign_in(self, login: str, password: str, *, remember: bool = False) -> Any:
        data = {"login": login, "password": password}
        if remember:
            data["remember"] = "y"
        return self.client.post_form("/accounts/sign-in", data)

    def sign_out(self) -> Any:
        return self.client.post_form("/accounts/sign-out")


@pytest.fixture
def auth(client: Client) -> AuthActions:
    return AuthActions(client)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.e2e.conftest import SKIP_REASON

    if SKIP_REASON:
        terminalreporter.write_line(f"linli: BROWSER TESTS WERE SKIPPED: {SKIP_REASON}", yellow=True, bold=True)
