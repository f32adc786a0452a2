"""Browser tests: the app served on loopback, driven by Playwright with Debian's chromium."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app.db import utcnow
from app.demo import load_demo
from app.extensions import db
from tests.conftest import make_app

CHROMIUM = os.environ.get("LINLI_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def browser_unavailable_reason() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (make test installs it)"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no chromium at {CHROMIUM} (apt-get install chromium; .ci/run does this)"
    return None


SKIP_REASON = browser_unavailable_reason()

if SKIP_REASON is None:
    from playwright.sync_api import expect

    # Two cores run the server, the database, the browser and the tests at once in CI:
    # give assertions time rather than fail on a busy moment.
    expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            if SKIP_REASON:
                item.add_marker(pytest.mark.skipif(True, reason=f"browser tests skipped: {SKIP_REASON}"))


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(engine_name: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """The demo city served on a free loopback port."""
    app = make_app(engine_name, tmp_path, request, RATELIMIT_ENABLED=False)
    with app.app_context():
        load_demo(now=utcnow())
        db.session.commit()
        db.session.remove()
    with LiveServer(app) as server:
        yield server
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser: object, live_server: LiveServer) -> Iterator[object]:
    """A 390×844 phone in Chinese; every request it makes is recorded in page.requested."""
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        base_url=live_server.url,
    )
    page = context.new_page()
    page.requested = []  # type: ignore[attr-defined]
    page.on("request", lambda r: page.requested.append(r.url))  # type: ignore[attr-defined]
    yield page
    context.close()
