"""The appraisal report (双评价) over the Guangyuan-scale city: 1,375 units and 337 communities, a year of bookings.

    python -m bench.appraisal_report [--engines sqlite,postgresql] [--runs 7] [--pg-url URL]

For each engine it builds the city with its year of bookings (`bench.city`) in a throwaway database
(a temporary SQLite file; a PostgreSQL database created and dropped here) and adds what the generator
lacks, here rather than in the generator:

- the nightly usage snapshots of 2026, every resource every day (1,711 × 365 rows): minutes offered
  to each audience from the resource's access windows on the official calendar (closures, twenty
  in the city, left out); the booked figures stay zero, the report counts bookings from the
  bookings table;
- an open round of 2026 covering every kind, with the article's dimensions, in which four in five
  acknowledged unit registrations have an evaluation each way and four in five of each community's
  registered party members theirs (scores drawn 2–5, weighted as the service weighs them).

Then, after an untimed warm-up, each pass with a fresh session as a request has:

- **build**: `build_report()` of the round, both sides: the tree, the evaluations received, every
  source of figures (usage snapshots, bookings, service items, pairing, ratings), the scores and ranks;
  `now` is the city's anchor;
- **page**: `GET /evaluations/report` as the city's administrator, units (1,375 rows rendered), through
  Flask's test client in-process;
- **csv**, **xlsx**: the units' downloads, the same way.

Each figure is the median of --runs passes, wall-clock, beside the CPU time of this process (all the
work on SQLite, which runs inside it; the Python side only on PostgreSQL). Target: the report (build,
and the page) ≤ 1 s. Run it on an otherwise idle machine: two cores shared with a test suite double it.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench.city import ADMIN_PHONE, PASSWORD, City, _workdays, generate_city, load_city, settle
from bench.directory import DEFAULT_PG_URL, postgresql_database

TARGET_SECONDS = 1.0
YEAR = 2026
EVALUATED_SHARE = 0.8
CHUNK = 10_000


@contextmanager
def database(engine: str, pg_url: str, workdir: Path) -> Iterator[str]:
    if engine == "sqlite":
        yield f"sqlite:///{workdir / 'appraisal.sqlite3'}"
    elif engine == "postgresql":
        with postgresql_database(pg_url) as url:
            yield url
    else:
        raise SystemExit(f"unknown engine {engine!r}: sqlite or postgresql")


# --- what the generator lacks ------------------------------------------------------------------


def _merged_minutes(spans: list[tuple[int, int]]) -> int:
    total, end = 0, -1
    for start, stop in sorted(spans):
        if start > end:
            total += stop - start
            end = stop
        elif stop > end:
            total += stop - end
            end = stop
    return total


def snapshot_rows(city: City, resource_ids: dict[str, int]) -> Iterator[dict[str, Any]]:
    """A usage snapshot per resource and day of YEAR: minutes open to each audience, and to anyone."""
    workdays = _workdays(date(YEAR, 1, 1), date(YEAR, 12, 31))
    windows: dict[int, list[Any]] = defaultdict(list)
    for window in city.windows:
        windows[window.resource_id].append(window)
    computed = datetime(YEAR + 1, 1, 1, 1, 10, tzinfo=UTC)
    for resource in city.resources:
        rid = resource_ids[resource.code]
        for day, workday in workdays.items():
            by_audience: dict[str, list[tuple[int, int]]] = defaultdict(list)
            for w in windows[resource.id]:
                if w.days == "all" or (w.days == "workday") == workday:
                    by_audience[w.audience].append((w.start_minute, w.end_minute))
            every = [span for spans in by_audience.values() for span in spans]
            yield {
                "resource_id": rid,
                "day": day,
                "capacity": resource.capacity,
                "offered_minutes_by_audience": {a: _merged_minutes(s) for a, s in by_audience.items()},
                "offered_minutes": _merged_minutes(every),
                "booked_unit_minutes": 0,
                "bookings": 0,
                "no_show_unit_minutes": 0,
                "utilisation": 0.0 if every else None,
                "computed_at": computed,
            }


def add_snapshots(city: City) -> int:
    from app.directory.models import Resource
    from app.extensions import db
    from app.reports.models import UsageSnapshot

    ids = dict(db.session.execute(select(Resource.code, Resource.id)).all())
    table = UsageSnapshot.__table__
    count = 0
    chunk: list[dict[str, Any]] = []
    for row in snapshot_rows(city, ids):
        chunk.append(row)
        if len(chunk) == CHUNK:
            db.session.execute(insert(table), chunk)
            count += len(chunk)
            chunk = []
    if chunk:
        db.session.execute(insert(table), chunk)
        count += len(chunk)
    return count


def add_round(city: City, seed: int) -> tuple[int, int]:
    """The round of YEAR and its evaluations; returns the round's id and how many evaluations."""
    from app.accounts.models import User
    from app.domain.evaluations import DEFAULT_DIMENSIONS, weighted_score
    from app.evaluations.models import Evaluation
    from app.evaluations.services import create_round, open_round
    from app.extensions import db
    from app.organisations.models import Organisation

    rng = random.Random(seed)
    anchor = city.anchor
    admin = db.session.scalar(select(User).where(User.phone == ADMIN_PHONE))
    evaluation_round = create_round(
        year=YEAR,
        title=f"{YEAR}年度双评价",
        kinds=["community_unit", "unit_community", "community_member"],
        dimensions=DEFAULT_DIMENSIONS,
        deadline=datetime(YEAR, 12, 31, 18, 0, tzinfo=anchor.tzinfo),
        actor=admin,
        now=anchor,
    )
    open_round(evaluation_round, actor=admin, now=anchor)
    org_ids = dict(db.session.execute(select(Organisation.code, Organisation.id)).all())
    user_ids = dict(db.session.execute(select(User.code, User.id)).all())
    codes = {o.id: o.code for o in city.organisations}
    people = {p.id: p.code for p in city.users}
    dimensions = DEFAULT_DIMENSIONS
    stamp = anchor.astimezone(UTC)

    def row(kind: str, evaluator: int, subject_org: int | None, subject_user: int | None) -> dict[str, Any]:
        scores = {d.key: rng.choice((2, 3, 4, 4, 5, 5)) for d in dimensions}
        return {
            "round_id": evaluation_round.id,
            "kind": kind,
            "evaluator_id": evaluator,
            "subject_org_id": subject_org,
            "subject_user_id": subject_user,
            "scores": scores,
            "score": weighted_score(dimensions, scores),
            "comment": "",
            "submitted_by_id": None,
            "submitted_at": stamp,
            "updated_at": stamp,
        }

    rows = []
    for report in city.registrations:
        if report.status != "acknowledged":
            continue
        community = org_ids[codes[report.community_id]]
        if report.kind == "unit" and report.unit_id is not None:
            unit = org_ids[codes[report.unit_id]]
            if rng.random() < EVALUATED_SHARE:
                rows.append(row("community_unit", community, unit, None))
            if rng.random() < EVALUATED_SHARE:
                rows.append(row("unit_community", unit, community, None))
        elif report.party_member and report.user_id is not None and rng.random() < EVALUATED_SHARE:
            rows.append(row("community_member", community, None, user_ids[people[report.user_id]]))
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(Evaluation.__table__), rows[start : start + CHUNK])
    return evaluation_round.id, len(rows)


def build(url: str, city: City, seed: int) -> tuple[Any, int, dict[str, int], float]:
    """The app on `url` with the city, the snapshots and the round loaded and settled."""
    from app import create_app
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_STORAGE_URI": "memory://", "WTF_CSRF_ENABLED": False})
    started = time.perf_counter()
    with app.app_context():
        db.create_all()
        counts = load_city(db.session, city)
        counts["usage_snapshots"] = add_snapshots(city)
        round_id, counts["evaluations"] = add_round(city, seed)
        db.session.commit()
        db.session.remove()
        settle(db.engine)
    return app, round_id, counts, time.perf_counter() - started


# --- measuring --------------------------------------------------------------------------------


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def cpu_timed(call: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall-clock and this process's CPU seconds (SQLite works inside the process; PostgreSQL does not)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = call()
    return time.perf_counter() - start, time.process_time() - cpu, result


def measure(app: Any, round_id: int, anchor: datetime, runs: int) -> dict[str, Any]:
    from app.evaluations.models import EvaluationRound
    from app.evaluations.report import build_report
    from app.extensions import db

    figures: dict[str, Any] = {}

    def one_build() -> Any:
        with app.app_context():
            db.session.remove()
            evaluation_round = db.session.get(EvaluationRound, round_id)
            seconds, cpu, report = cpu_timed(lambda: build_report(evaluation_round, now=anchor))
            db.session.remove()
            return seconds, cpu, report

    *_, report = one_build()  # warm-up
    figures["rows"] = {side: len(rows) for side, rows in report.sides.items()}
    figures["ranked"] = {side: sum(r.rank is not None for r in rows) for side, rows in report.sides.items()}
    builds = [one_build() for _ in range(runs)]
    figures["build"] = [b[0] for b in builds]
    figures["build_cpu"] = [b[1] for b in builds]

    client = app.test_client()
    signed = client.post("/accounts/sign-in", data={"login": ADMIN_PHONE, "password": PASSWORD})
    assert signed.status_code == 302, signed.status_code
    for name, path in (
        ("page", f"/evaluations/report?round={round_id}&side=units"),
        ("csv", f"/evaluations/report.csv?round={round_id}&side=units"),
        ("xlsx", f"/evaluations/report.xlsx?round={round_id}&side=units"),
    ):
        response = client.get(path)  # warm-up
        assert response.status_code == 200, (name, response.status_code)
        figures[f"{name}_bytes"] = len(response.data)
        times, cpus = [], []
        for _ in range(runs):
            seconds, cpu, response = cpu_timed(lambda path=path: client.get(path))
            assert response.status_code == 200
            times.append(seconds)
            cpus.append(cpu)
        figures[name] = times
        figures[f"{name}_cpu"] = cpus
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.appraisal_report", description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--pg-url", default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    city = generate_city(args.seed)
    print(f"city generated in {time.perf_counter() - started:.1f} s: {len(city.bookings):,d} bookings")
    failed = False
    print("| engine | measured | runs | median (ms) | fastest (ms) | slowest (ms) | CPU of this process (ms) | size |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    notes = []
    for engine in args.engines.split(","):
        with tempfile.TemporaryDirectory() as workdir, database(engine, args.pg_url, Path(workdir)) as url:
            app, round_id, counts, load_seconds = build(url, city, args.seed)
            figures = measure(app, round_id, city.anchor, args.runs)
            with app.app_context():
                from app.extensions import db

                db.session.remove()
                for each in db.engines.values():
                    each.dispose()
        for name in ("build", "page", "csv", "xlsx"):
            times = [t * 1000 for t in figures[name]]
            size = f"{figures[name + '_bytes'] / 1e3:.0f} kB" if name != "build" else "–"
            cpu = statistics.median(figures[name + "_cpu"]) * 1000
            print(
                f"| {engine} | {name} | {len(times)} | {statistics.median(times):.0f} | {min(times):.0f} "
                f"| {max(times):.0f} | {cpu:.0f} | {size} |"
            )
        ok = (
            statistics.median(figures["build"]) <= TARGET_SECONDS
            and statistics.median(figures["page"]) <= TARGET_SECONDS
        )
        failed = failed or not ok
        notes.append(
            f"{engine}: loaded in {load_seconds:.0f} s ({counts['bookings']:,d} bookings, "
            f"{counts['usage_snapshots']:,d} usage snapshots, {counts['evaluations']:,d} evaluations); "
            f"rows {figures['rows']}, ranked {figures['ranked']}; target ≤ {TARGET_SECONDS:.0f} s: "
            f"{'ok' if ok else 'MISSED'}"
        )
    for note in notes:
        print(note)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
