"""Calendar feeds: an organisation feed of 10,000 bookings, cold, warm, after one change, and a 304.

    python -m bench.feeds [--engines sqlite,postgresql] [--bookings 10000] [--runs 21] [--pg-url URL]

For each engine it builds, in a throwaway database, one community with 20 resources and
`--bookings` bookings spread over the feed's span (past 30 days, next 180; a tenth cancelled
within the last week, so they stay in the feed), each with its first history step, and a
manager with an organisation feed token. Then, in-process through Flask's test client (the
whole request: routing, token lookup, fingerprint query, rendering, headers):

- **cold**: the first GET, with no event rendered yet (icalendar renders each event);
- **warm, unchanged**: GETs with nothing changed (the built feed is kept by its ETag);
- **warm, one booking changed**: before each GET one booking's purpose changes, so the feed
  is assembled again from the rows, with one event rendered anew and the rest from the cache;
- **304**: GETs with `If-None-Match` set to the current ETag (no feed is built).

Each figure is the median over --runs requests. Targets: warm ≤ 150 ms, 304 ≤ 5 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bench.directory import DEFAULT_PG_URL, postgresql_database

TARGET_WARM_MS = 150.0
TARGET_304_MS = 5.0
RESOURCES = 20


@contextmanager
def database(engine: str, pg_url: str, workdir: Path) -> Iterator[str]:
    if engine == "sqlite":
        yield f"sqlite:///{workdir / 'feeds.sqlite3'}"
    elif engine == "postgresql":
        with postgresql_database(pg_url) as url:
            yield url
    else:
        raise SystemExit(f"unknown engine {engine!r}: sqlite or postgresql")


def build(bookings: int, seed: int) -> str:
    """The community, its resources, the bookings and the manager's feed path."""
    from app.accounts.models import User
    from app.bookings.models import Booking, BookingEvent
    from app.db import utcnow
    from app.directory.models import Resource
    from app.extensions import db
    from app.feeds.models import ORGANISATION
    from app.feeds.services import issue_feed_token
    from app.organisations.models import Membership, Organisation

    rng = random.Random(seed)
    now = utcnow().replace(microsecond=0)
    community = Organisation(code="B-01", name="基准社区", kind="community")
    db.session.add(community)
    people = [User(code=f"u{n}", name=f"居民{n}", phone=f"139{n:08d}", password_hash="x") for n in range(200)]
    manager = User(code="manager", name="社区管理员", phone="13800000000", password_hash="x")
    db.session.add_all([*people, manager])
    db.session.flush()
    db.session.add(Membership(user_id=manager.id, organisation_id=community.id, role="manager"))
    resources = [
        Resource(code=f"B-01-R{n:02d}", owner_id=community.id, name=f"活动室{n}", kind="meeting_room", capacity=1000)
        for n in range(RESOURCES)
    ]
    db.session.add_all(resources)
    db.session.flush()
    rows = []
    for n in range(bookings):
        start = now - timedelta(days=29) + timedelta(minutes=30 * rng.randrange(0, 208 * 48))
        cancelled = n % 10 == 0
        rows.append(
            {
                "resource_id": resources[n % RESOURCES].id,
                "user_id": people[n % len(people)].id,
                "start": start,
                "end": start + timedelta(hours=rng.choice((1, 2, 3))),
                "quantity": 1,
                "status": "cancelled" if cancelled else rng.choice(("confirmed", "confirmed", "pending")),
                "purpose": rng.choice(("", "居民议事会", "羽毛球", "合唱排练")),
                "sole": False,
                "created_at": now - timedelta(days=40),
                "updated_at": now - timedelta(days=rng.randrange(0, 6) if cancelled else 40),
            }
        )
    db.session.execute(insert(Booking), rows)
    ids = [i for (i,) in db.session.execute(text("SELECT id FROM bookings ORDER BY id"))]
    db.session.execute(
        insert(BookingEvent),
        [{"booking_id": i, "at": now, "from_status": None, "to_status": "confirmed", "reason": ""} for i in ids],
    )
    token = issue_feed_token(manager, ORGANISATION, community, secret="bench-secret", now=now)
    db.session.commit()
    return f"/feeds/{token}.ics"


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


def run(engine: str, url: str, bookings: int, runs: int, seed: int) -> dict[str, float]:
    from app import create_app
    from app.bookings.models import Booking
    from app.extensions import db
    from app.models import FeedToken  # noqa: F401  (every table)

    flask_app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret", "TESTING": False, "SERVER_NAME": None}
    )
    with flask_app.app_context():
        db.create_all()
        path = build(bookings, seed)
    client = flask_app.test_client()
    figures: dict[str, float] = {}
    cold_ms, response = timed(lambda: client.get(path))
    assert response.status_code == 200, response.status_code
    events = response.data.count(b"BEGIN:VEVENT")
    figures["events"] = events
    figures["bytes"] = len(response.data)
    figures["cold_ms"] = cold_ms
    figures["warm_unchanged_ms"] = statistics.median(timed(lambda: client.get(path))[0] for _ in range(runs))

    changed = []
    rng = random.Random(seed)
    with flask_app.app_context():
        ids = [i for (i,) in db.session.execute(text("SELECT id FROM bookings WHERE status <> 'cancelled'"))]
    for n in range(runs):
        with flask_app.app_context():
            # Through the ORM, as the app changes bookings: updated_at and the resource's revision move.
            booking = db.session.get(Booking, rng.choice(ids))
            assert booking is not None
            booking.purpose = f"改期 {n}"
            db.session.commit()
        elapsed, response = timed(lambda: client.get(path))
        assert response.status_code == 200
        changed.append(elapsed)
    figures["warm_one_change_ms"] = statistics.median(changed)
    etag = client.get(path).headers["ETag"]
    not_modified = []
    for _ in range(runs):
        elapsed, response = timed(lambda: client.get(path, headers={"If-None-Match": etag}))
        assert response.status_code == 304
        not_modified.append(elapsed)
    figures["not_modified_ms"] = statistics.median(not_modified)
    with flask_app.app_context():
        db.session.remove()
        for each in db.engines.values():
            each.dispose()
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.feeds", description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--bookings", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--pg-url", default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL)
    args = parser.parse_args(argv)
    failed = False
    for engine in args.engines.split(","):
        with tempfile.TemporaryDirectory() as workdir, database(engine, args.pg_url, Path(workdir)) as url:
            figures = run(engine, url, args.bookings, args.runs, args.seed)
        ok = figures["warm_one_change_ms"] <= TARGET_WARM_MS and figures["not_modified_ms"] <= TARGET_304_MS
        failed = failed or not ok
        print(
            f"{engine}: {int(figures['events'])} events, {figures['bytes'] / 1e6:.1f} MB; "
            f"cold {figures['cold_ms']:.0f} ms; warm unchanged {figures['warm_unchanged_ms']:.1f} ms; "
            f"warm after one change {figures['warm_one_change_ms']:.1f} ms (target ≤ {TARGET_WARM_MS:.0f}); "
            f"304 {figures['not_modified_ms']:.2f} ms (target ≤ {TARGET_304_MS:.0f}) — {'ok' if ok else 'MISSED'}"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
