"""Fixtures: an app per test on each engine (SQLite always, PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import gc
import hashlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.routing import Rule

from app import create_app
from app.config import normalise_database_url
from app.extensions import db


def _build_urls_lazily() -> None:
    """Compile each URL rule's builder on first use instead of at registration.

    Werkzeug writes and compiles Python code for every rule when the app is
    made: about 35 ms an app for our ~175 routes, paid by every test, while a
    test builds URLs for a few dozen of them. The builder it makes is the same,
    only later.
    """
    compile_builder = Rule._compile_builder

    def lazy_builder(rule: Rule, append_unknown: bool = True) -> Any:
        compiled: Any = None

        def build(this: Rule, **values: Any) -> Any:
            nonlocal compiled
            if compiled is None:
                compiled = compile_builder(this, append_unknown)
            return compiled(this, **values)

        return build

    Rule._compile_builder = lazy_builder  # type: ignore[method-assign]


_build_urls_lazily()

PG_BASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
ENGINES = ["sqlite"] + (["postgresql"] if PG_BASE_URL else [])
_FEW_ROWS = 2000


def pytest_collection_finish(session: pytest.Session) -> None:
    """Keep the collector's garbage collections off what was collected.

    Every test makes an app (blueprints, URL rules, engines), which leaves cycles that only the
    cyclic collector frees, and CPython's default thresholds run it every 700 allocations,
    going through every object alive each time it reaches the oldest generation: the thousands
    of collected test items and every imported module. That was about half of making an app.
    Freezing what exists after collection takes those out of every later pass, and a higher
    first threshold makes the passes rarer; the cycles are still freed, a little later.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 100)


def pytest_report_header() -> list[str]:
    engines = "SQLite and PostgreSQL" if PG_BASE_URL else "SQLite only (set TEST_DATABASE_URL for PostgreSQL too)"
    from tests.e2e.conftest import SKIP_REASON

    browser = f"SKIPPED, {SKIP_REASON}" if SKIP_REASON else "run in headless chromium"
    return [f"linli: database engines: {engines}", f"linli: browser tests: {browser}"]


def _create_schema(url: str) -> None:
    engine = create_engine(url)
    import app.models  # noqa: F401  (all tables)

    db.metadata.create_all(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this run, with the schema, dropped at the end."""
    base = make_url(normalise_database_url(PG_BASE_URL))
    name = f"linli_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    _create_schema(url)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database with the schema, copied for each test (a copy costs far less than creating it)."""
    path = tmp_path_factory.mktemp("schema") / "linli-template.sqlite3"
    _create_schema(f"sqlite:///{path}")
    return path


def _empty_postgresql() -> None:
    # DELETE where a test left a few rows: TRUNCATE rewrites every table and
    # index file (about 300 ms a test). After a big load (the benchmark city's
    # tests) DELETE would check foreign keys row by row, and TRUNCATE is faster.
    tables = [f'"{t.name}"' for t in reversed(db.metadata.sorted_tables)]
    big = " OR ".join(f"EXISTS (SELECT 1 FROM {t} OFFSET {_FEW_ROWS})" for t in tables)
    if db.session.scalar(text(f"SELECT {big}")):
        statements = [f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"]
    else:
        statements = [f"DELETE FROM {t}" for t in tables]
        statements.append("SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S'")
    db.session.execute(text("; ".join(statements)))
    db.session.commit()


def make_app(engine: str, tmp_path: Path, request: pytest.FixtureRequest, **overrides: Any) -> Flask:
    if engine == "sqlite":
        path = tmp_path / "linli-test.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
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
    if engine == "postgresql":
        with app.app_context():
            _empty_postgresql()
    return app


@pytest.fixture(params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and not PG_BASE_URL:  # asked for by postgresql_only below
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL)")
    return request.param


# For tests of what only PostgreSQL has (its driver's cursors): they run there alone, rather than
# being skipped on SQLite.
postgresql_only = pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)


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
        """The token a page's form would carry: Flask-WTF signs the session's raw token (making it
        if the session has none yet) with the secret key, as `generate_csrf` does when a page
        draws a form. Made here instead of fetching a page for it before every post."""
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", hashlib.sha1(os.urandom(64)).hexdigest())
        secret = self.application.config.get("WTF_CSRF_SECRET_KEY") or self.application.secret_key
        return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)

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
