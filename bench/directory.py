"""Directory search benchmark: 200 mixed queries on the Guangyuan-scale city, in-process and through HTTP.

    python -m bench.directory [--engines sqlite,postgresql] [--runs 5] [--pg-url URL]

For each engine it builds the city in a throwaway database (a temporary SQLite
file; a PostgreSQL database created and dropped here), then times
`search_resources()` inside an app context and `GET --http-path` against the app
served by gunicorn (two workers, one client thread). Every pass is preceded by
an untimed warm-up pass; each figure is the median over --runs passes of that
pass's median or 95th percentile. Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import gc
import http.client
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.city import City, generate_city, load_city, settle

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
QUERIES = 200
PER_PAGE = 20
TARGET_P95_MS = 30.0
SERVER_START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 15.0

SHORT_WORDS = ["停车", "体育", "会议", "活动", "广场", "剧院", "礼堂", "球场", "办公", "文化"]
LONG_WORDS = ["停车场", "体育场", "党群服务中心", "视频会议室", "篮球场", "休闲广场", "老年活动中心", "羽毛球馆"]
OWNER_WORDS = ["第一中学", "人民医院", "供电公司", "社区", "街道", "实验小学", "中国移动", "教育局", "卫生院"]
LATIN_WORDS = ["parking", "meeting room", "stadium", "plaza", "GY-LZ", "gy-cx", "GY-LZ-DB", "U-000", "u-01"]
MISSING_WORDS = ["滑雪场", "机场", "高尔夫", "游泳馆", "GY-XX", "zzz", "码头", "U-99999"]
# Words that name each kind, for text + kind queries (some deliberately the wrong kind).
KIND_WORDS = {
    "parking": ["停车", "停车场", "车位", "嘉陵"],
    "sports_venue": ["体育", "体育场", "篮球场", "中学", "羽毛球"],
    "meeting_room": ["会议", "视频会议室", "办公", "教育局", "示教室"],
    "activity_centre": ["活动", "党群服务中心", "活动室", "老年"],
    "plaza": ["广场", "文化广场", "健身", "滨河"],
    "theatre": ["剧院", "礼堂", "报告厅", "座位", "停车"],
}


@dataclass(frozen=True)
class Query:
    label: str
    q: str = ""
    kind: str | None = None
    area: str | None = None

    def params(self, area_param: str, per_page: int) -> dict[str, str]:
        params = {"q": self.q, "kind": self.kind or "", area_param: self.area or "", "per_page": str(per_page)}
        return {key: value for key, value in params.items() if value}


def make_queries(city: City, count: int = QUERIES, seed: int = 2018) -> list[Query]:
    """A fixed mix: text alone, text + kind, text + area, kind + area, all three."""
    rng = random.Random(seed)
    kinds = sorted(KIND_WORDS)
    communities = [o.code for o in city.of_kind("community")]
    streets = [o.code for o in city.of_kind("street")]
    districts = [o.code for o in city.of_kind("district")]
    place_words = sorted({o.name[:2] for o in city.of_kind("community")} | {o.name[:2] for o in city.of_kind("street")})
    codes = [r.code for r in city.resources]

    def area() -> str:
        roll = rng.random()
        return rng.choice(communities if roll < 0.5 else streets if roll < 0.85 else districts)

    def word() -> str:
        pool = rng.choices(
            [SHORT_WORDS, LONG_WORDS, OWNER_WORDS, LATIN_WORDS, MISSING_WORDS, place_words, codes],
            weights=[30, 20, 12, 10, 8, 15, 5],
        )[0]
        return rng.choice(pool)

    plan: list[tuple[str, int]] = [("text", 30), ("text+kind", 25), ("text+area", 20), ("kind+area", 20)]
    plan.append(("text+kind+area", 5))
    queries: list[Query] = []
    for label, share in plan:
        for _ in range(round(count * share / 100)):
            kind = rng.choice(kinds)
            if label == "text":
                queries.append(Query(label, q=word()))
            elif label == "text+kind":
                queries.append(Query(label, q=rng.choice(KIND_WORDS[kind]), kind=kind))
            elif label == "text+area":
                queries.append(Query(label, q=rng.choice(SHORT_WORDS + LONG_WORDS), area=area()))
            elif label == "kind+area":
                queries.append(Query(label, kind=kind, area=area()))
            else:
                queries.append(Query(label, q=rng.choice(KIND_WORDS[kind]), kind=kind, area=area()))
    rng.shuffle(queries)
    return queries[:count]


# --- statistics ----------------------------------------------------------------


def p95(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


@dataclass
class Result:
    engine: str
    where: str
    medians: list[float] = field(default_factory=list)
    p95s: list[float] = field(default_factory=list)
    maxima: list[float] = field(default_factory=list)
    slowest: list[tuple[float, Query]] = field(default_factory=list)
    errors: int = 0
    note: str = ""

    def add_pass(self, seconds: Sequence[float], queries: Sequence[Query]) -> None:
        ms = [s * 1000 for s in seconds]
        self.medians.append(statistics.median(ms))
        self.p95s.append(p95(ms))
        self.maxima.append(max(ms))
        self.slowest = sorted(zip(ms, queries, strict=True), key=lambda pair: -pair[0])[:3]

    @property
    def median(self) -> float:
        return statistics.median(self.medians)

    @property
    def p95(self) -> float:
        return statistics.median(self.p95s)


# --- databases -------------------------------------------------------------------


def _admin_engine(base_url: str) -> Any:
    return create_engine(base_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


@contextmanager
def postgresql_database(base_url: str) -> Iterator[str]:
    """A throwaway database next to `base_url`, dropped on the way out."""
    from app.config import normalise_database_url

    base = make_url(normalise_database_url(base_url))
    if base.host not in LOOPBACK:
        raise SystemExit(f"refusing a PostgreSQL server that is not on this machine: {base.host}")
    name = f"linli_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = _admin_engine(base)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def build(url: str, city: City, *, vacuum: bool = True, sqlite_analyze: bool = False) -> tuple[Any, float]:
    """The app on `url` with the city loaded and settled; returns it and the load time in seconds."""
    from app import create_app
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_STORAGE_URI": "memory://"})
    started = time.perf_counter()
    with app.app_context():
        db.create_all()
        load_city(db.session, city, bookings=False)
        db.session.commit()
        db.session.remove()
        if vacuum:
            settle(db.engine, sqlite_analyze=sqlite_analyze)
    return app, time.perf_counter() - started


# --- in-process -------------------------------------------------------------------


def measure_in_process(
    engine: str, app: Any, queries: list[Query], runs: int, per_page: int
) -> tuple[Result, list[int]]:
    """Time search_resources() for each query, a fresh session each time as in a request."""
    from app.directory.services import search_resources
    from app.extensions import db
    from app.organisations.services import get_organisation

    result = Result(engine, "in-process")
    totals: list[int] = []
    # The benchmark holds the whole city in memory, which a web worker never
    # does: keep the collector from walking it in the middle of a timed query.
    gc.collect()
    gc.freeze()
    with app.app_context():

        def one(query: Query) -> tuple[float, int]:
            db.session.remove()
            area = get_organisation(query.area) if query.area else None
            started = time.perf_counter()
            page = search_resources(q=query.q, kind=query.kind, area=area, per_page=per_page)
            return time.perf_counter() - started, page.total

        totals = [one(query)[1] for query in queries]  # warm-up
        for _ in range(runs):
            result.add_pass([one(query)[0] for query in queries], queries)
        db.session.remove()
    return result, totals


# --- through HTTP -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, log_path: Path, workers: int = 2, threads: int = 1) -> Iterator[int]:
    """The app served by gunicorn on a free loopback port; always stopped on the way out.

    `workers` processes, each a sync worker, or with `threads` > 1 gunicorn's threaded worker
    (gthread), which also keeps client connections alive."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(16), "LINLI_ENV": "production"}
    command = [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    if threads > 1:
        command += ["--threads", str(threads)]
    command += ["--timeout", "60", "--graceful-timeout", "5", "wsgi:app"]
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while True:
                if server.poll() is not None:
                    tail = log_path.read_text(errors="replace").splitlines()[-20:]
                    raise RuntimeError(f"gunicorn exited with {server.returncode}:\n" + "\n".join(tail))
                with suppress(OSError, http.client.HTTPException):
                    if get(port, "/healthz")[0] == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not answer /healthz in {SERVER_START_TIMEOUT:.0f} s")
                time.sleep(0.2)
            yield port
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=5)


def get(port: int, path: str, connection: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request("GET", path, headers={"Accept": "application/json", "Accept-Language": "zh-CN"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if connection is None:
            conn.close()


def choose_endpoint(port: int, wanted: str) -> tuple[str, str, str]:
    """The path to measure, its area parameter and a note: the API if it answers, else the directory page."""
    candidates = [wanted] + [p for p in ("/api/v1/resources", "/directory/") if p != wanted]
    for path in candidates:
        status, _ = get(port, f"{path}?{urlencode({'per_page': 1})}")
        if status == 200:
            area_param = "community" if path.startswith("/api/") else "area"
            note = "" if path == wanted else f"{wanted} answered 404; measured {path} instead"
            return path, area_param, note
    raise RuntimeError(f"none of {candidates} answers 200: nothing to measure through HTTP")


def measure_http(
    engine: str, port: int, queries: list[Query], runs: int, per_page: int, wanted_path: str, totals: list[int]
) -> Result:
    path, area_param, note = choose_endpoint(port, wanted_path)
    result = Result(engine, f"HTTP {path}", note=note)
    # gunicorn's sync workers close the connection after each response; http.client reopens it.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    urls = [f"{path}?{urlencode(query.params(area_param, per_page))}" for query in queries]
    mismatches = 0

    def one(url: str) -> tuple[float, int, bytes]:
        started = time.perf_counter()
        status, body = get(port, url, connection)
        return time.perf_counter() - started, status, body

    for url, expected in zip(urls, totals, strict=True):  # warm-up, and a check that HTTP finds the same
        _, status, body = one(url)
        if status != 200:
            result.errors += 1
        elif path.startswith("/api/") and json.loads(body)["total"] != expected:
            mismatches += 1
    for _ in range(runs):
        timings = []
        for url in urls:
            elapsed, status, _ = one(url)
            timings.append(elapsed)
            result.errors += status != 200
        result.add_pass(timings, queries)
    connection.close()
    if mismatches:
        result.note = (result.note + "; " if result.note else "") + f"{mismatches} totals differ from in-process"
    return result


# --- the run ------------------------------------------------------------------------


def describe_queries(queries: list[Query], totals: list[int]) -> str:
    labels = dict.fromkeys(q.label for q in sorted(queries, key=lambda q: len(q.label)))
    mix = ", ".join(f"{label} {sum(q.label == label for q in queries)}" for label in labels)
    hits = sorted(totals)
    return (
        f"{len(queries)} queries ({mix}); hits per query: median {statistics.median(hits):.0f}, "
        f"max {hits[-1]}, {sum(t == 0 for t in hits)} with none"
    )


def table(results: list[Result], queries: int, runs: int) -> str:
    lines = [
        "| engine | measured | queries | median (ms) | p95 (ms) | p95 range over runs (ms) | slowest (ms) | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r.engine} | {r.where} | {queries} × {runs} | {r.median:.1f} | {r.p95:.1f} "
            f"| {min(r.p95s):.1f}–{max(r.p95s):.1f} | {statistics.median(r.maxima):.0f} | {r.errors} |"
        )
    return "\n".join(lines)


def run_engine(
    engine: str, city: City, queries: list[Query], args: argparse.Namespace, workdir: Path, say: Callable[[str], None]
) -> list[Result]:
    with database(engine, args, workdir) as url:
        app, load_seconds = build(url, city, vacuum=not args.no_vacuum, sqlite_analyze=args.sqlite_analyze)
        say(f"{engine}: city loaded in {load_seconds:.1f} s")
        in_process, totals = measure_in_process(engine, app, queries, args.runs, args.per_page)
        say(f"{engine}: {describe_queries(queries, totals)}")
        say(f"{engine}: in-process median {in_process.median:.1f} ms, p95 {in_process.p95:.1f} ms; slowest:")
        for elapsed, query in in_process.slowest:
            say(f"    {elapsed:6.1f} ms  {query}")
        with app.app_context():
            from app.extensions import db

            for bind in db.engines.values():
                bind.dispose()
        results = [in_process]
        if not args.no_http:
            with gunicorn(url, workdir / f"gunicorn-{engine}.log") as port:
                over_http = measure_http(engine, port, queries, args.runs, args.per_page, args.http_path, totals)
            say(f"{engine}: {over_http.where} median {over_http.median:.1f} ms, p95 {over_http.p95:.1f} ms; slowest:")
            for elapsed, query in over_http.slowest:
                say(f"    {elapsed:6.1f} ms  {query}")
            if over_http.note:
                say(f"{engine}: NOTE {over_http.note}")
            results.append(over_http)
        return results


@contextmanager
def database(engine: str, args: argparse.Namespace, workdir: Path) -> Iterator[str]:
    if engine == "sqlite":
        yield f"sqlite:///{workdir / 'guangyuan.sqlite3'}"
    elif engine == "postgresql":
        with postgresql_database(args.pg_url) as url:
            yield url
    else:
        raise SystemExit(f"unknown engine {engine!r}: sqlite or postgresql")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.directory", description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--runs", type=int, default=5, help="timed passes over the queries (default 5)")
    parser.add_argument("--queries", type=int, default=QUERIES)
    parser.add_argument("--per-page", type=int, default=PER_PAGE)
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL,
        help="PostgreSQL server to create the throwaway database on (default TEST_DATABASE_URL, else local)",
    )
    parser.add_argument("--http-path", default="/api/v1/resources", help="endpoint measured through HTTP")
    parser.add_argument("--no-http", action="store_true", help="in-process only")
    parser.add_argument(
        "--no-vacuum", action="store_true", help="PostgreSQL: measure straight after the bulk load, before VACUUM"
    )
    parser.add_argument(
        "--sqlite-analyze", action="store_true", help="SQLite: ANALYZE after the load (Linli itself never does)"
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.queries < 20:
        parser.error("--runs must be at least 1 and --queries at least 20")

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    city = generate_city(args.seed, bookings=False)
    queries = make_queries(city, args.queries, args.seed)
    say(
        f"city: {len(city.of_kind('community'))} communities, {len(city.of_kind('unit'))} units, "
        f"{len(city.resources)} resources, {len(city.members)} members"
    )
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as tmp:
        for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
            results += run_engine(engine, city, queries, args, Path(tmp), say)
    print(table(results, len(queries), args.runs))
    for r in results:
        if r.where == "in-process":
            verdict = "met" if r.p95 <= TARGET_P95_MS else "MISSED"
            print(f"\n{r.engine}: in-process p95 {r.p95:.1f} ms, target ≤ {TARGET_P95_MS:.0f} ms: {verdict}")
        if r.note:
            print(f"\n{r.engine}: {r.note}")


if __name__ == "__main__":
    main()
