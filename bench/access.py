"""Open-access benchmarks on the Guangyuan-scale city with its million bookings: "free for me" and the week page.

    python -m bench.access [--engines sqlite,postgresql] [--runs 5] [--no-http] [--pg-url URL]

For each engine it builds the city with its year of bookings (`bench.city`) in a
throwaway database (a temporary SQLite file; a PostgreSQL database created and
dropped here), then:

- **free for me** (in-process): what the API's `free_from`/`free_to`/`quantity`
  filter does, over all 1,711 resources: `list_candidates()` then
  `list_bookable()` for a requester, with a fresh session for each query as in a
  request. The requester's standing (`requester_for`) is looked up inside the
  clock too. The 60 queries mix residents, party members and unit staff acting
  for their unit, spans of one to three hours on workdays and rest days in the
  month after the city's anchor, and quantities of 1 to 3; `now` is the anchor.
- **week page** (HTTP): `GET /bookings/resources/<busiest lot>/week` (the week
  from tomorrow) served by `gunicorn -w 2 wsgi:app` (production config) to 8
  concurrent clients on loopback, anonymous and signed in as a unit's staff
  acting for their unit: with `wrk` (Debian's package) when it is installed,
  10 s a pass, its median and 99th-percentile latency; else 8 Python threads
  for 800 requests a pass. Throughput is requests per second of the pass.

Every figure is the median over --runs passes (after an untimed warm-up pass) of
that pass's median, 95th percentile or throughput. Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import gc
import http.client
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from bench.city import PASSWORD, City, generate_city, load_city, settle
from bench.directory import DEFAULT_PG_URL, REQUEST_TIMEOUT, database, gunicorn, p95

ZONE = ZoneInfo("Asia/Shanghai")
FREE_QUERIES = 60
FREE_TARGET_P95_MS = 50.0
WEEK_CLIENTS = 8
WEEK_REQUESTS = 800  # per pass, shared by the clients
WEEK_TARGET_RPS = 350.0
WEEK_TARGET_MEDIAN_MS = 20.0


@dataclass(frozen=True)
class FreeQuery:
    user_code: str
    acting_for: str | None
    start: datetime
    end: datetime
    quantity: int

    def __str__(self) -> str:
        who = f"{self.user_code} for {self.acting_for}" if self.acting_for else self.user_code
        return f"{who}: {self.start:%m-%d %a %H:%M}–{self.end:%H:%M} × {self.quantity}"


def make_free_queries(city: City, count: int = FREE_QUERIES, seed: int = 2018) -> list[FreeQuery]:
    """Residents, party members and unit staff asking for spans in the month after the anchor."""
    rng = random.Random(seed)
    users = {p.id: p for p in city.users}
    orgs = {o.id: o for o in city.organisations}
    residents = [r for r in city.members if r.user_id is not None and not r.party_member]
    party = [r for r in city.members if r.user_id is not None and r.party_member]
    staff = [m for m in city.memberships if orgs[m.organisation_id].kind == "unit"]
    anchor = city.anchor.astimezone(ZONE)
    queries = []
    for n in range(count):
        if n % 3 == 0:
            member = rng.choice(staff)
            user, acting = users[member.user_id].code, orgs[member.organisation_id].code
            hour = rng.randrange(8, 16)  # working hours, when units park
        else:
            report = rng.choice(residents if n % 3 == 1 else party)
            user, acting = users[report.user_id].code, None  # type: ignore[index]
            hour = rng.choice([8, 9, 10, 14, 15, 18, 19, 20])
        day = anchor.date() + timedelta(days=rng.randrange(1, 29))
        start = datetime.combine(day, clock(hour, rng.choice([0, 30])), tzinfo=ZONE)
        length = timedelta(minutes=rng.choice([60, 60, 90, 120, 180]))
        queries.append(FreeQuery(user, acting, start, start + length, rng.choice([1, 1, 1, 2, 3])))
    return queries


@dataclass
class Figures:
    """Per-pass figures in milliseconds (and requests per second for the week page)."""

    engine: str
    what: str
    medians: list[float] = field(default_factory=list)
    p95s: list[float] = field(default_factory=list)
    maxima: list[float] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)
    errors: int = 0
    note: str = ""

    def add(self, seconds: Sequence[float], wall: float | None = None) -> None:
        ms = [s * 1000 for s in seconds]
        self.medians.append(statistics.median(ms))
        self.p95s.append(p95(ms))
        self.maxima.append(max(ms))
        if wall:
            self.rates.append(len(seconds) / wall)

    def row(self) -> str:
        rate = f"{statistics.median(self.rates):.0f}" if self.rates else "–"
        return (
            f"| {self.engine} | {self.what} | {len(self.medians)} | {statistics.median(self.medians):.1f} "
            f"| {statistics.median(self.p95s):.1f} | {min(self.p95s):.1f}–{max(self.p95s):.1f} "
            f"| {statistics.median(self.maxima):.0f} | {rate} | {self.errors} |"
        )


HEADER = (
    "| engine | measured | passes | median (ms) | p95 (ms) | p95 range (ms) | slowest (ms) | requests/s | errors |\n"
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def build(url: str, city: City) -> tuple[Any, float]:
    """The app on `url` with the city and its bookings loaded and settled; the load time in seconds."""
    from app import create_app
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_STORAGE_URI": "memory://"})
    started = time.perf_counter()
    with app.app_context():
        db.create_all()
        load_city(db.session, city)
        db.session.commit()
        db.session.remove()
        settle(db.engine)
    return app, time.perf_counter() - started


def measure_free(engine: str, app: Any, queries: list[FreeQuery], runs: int) -> tuple[Figures, list[int]]:
    """Time "free for me" over every active resource for each query."""
    from sqlalchemy import select

    from app.access.services import requester_for
    from app.accounts.models import User
    from app.bookings.availability import list_bookable
    from app.bookings.services import list_candidates
    from app.extensions import db
    from app.organisations.services import get_organisation

    figures = Figures(engine, 'in-process "free for me", all resources')
    anchor = generate_anchor(queries)
    gc.collect()
    gc.freeze()  # the benchmark holds the city in memory, which a web worker never does
    with app.app_context():

        def one(query: FreeQuery) -> tuple[float, int]:
            db.session.remove()
            user = db.session.scalar(select(User).where(User.code == query.user_code))
            unit = get_organisation(query.acting_for) if query.acting_for else None
            started = time.perf_counter()
            requester = requester_for(user, acting_for=unit)
            found = list_bookable(
                requester, query.start, query.end, query.quantity, anchor, candidates=list_candidates()
            )
            return time.perf_counter() - started, len(found)

        counts = [one(q)[1] for q in queries]  # warm-up
        for _ in range(runs):
            figures.add([one(q)[0] for q in queries])
        db.session.remove()
    return figures, counts


def generate_anchor(queries: list[FreeQuery]) -> datetime:
    """`now` for the queries: the city's anchor (every query asks for a later day)."""
    from bench.city import ANCHOR

    assert all(q.start > ANCHOR for q in queries)
    return ANCHOR


# --- the week page through HTTP -----------------------------------------------------


def _request(
    port: int, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    conn.request(method, path, body=body, headers={"Accept-Language": "zh-CN", **(headers or {})})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def sign_in(port: int, phone: str) -> str:
    """A session cookie for `phone`, through the sign-in form (with its CSRF token)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    conn.request("GET", "/accounts/sign-in")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if not token:
        raise RuntimeError("no CSRF token on the sign-in page")
    form = urlencode({"csrf_token": token.group(1), "login": phone, "password": PASSWORD})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    conn.request("POST", "/accounts/sign-in", body=form, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    signed = response.getheader("Set-Cookie", "").split(";", 1)[0]
    if response.status != 302 or not signed:
        raise RuntimeError(f"signing in as {phone} answered {response.status}")
    return signed


def hammer(port: int, path: str, requests: int, clients: int, cookie: str | None) -> tuple[list[float], float, int]:
    """`requests` GETs of `path` by `clients` threads; latencies, wall-clock seconds and errors."""
    latencies: list[float] = []
    errors = [0]
    remaining = iter(range(requests))
    lock = threading.Lock()
    headers = {"Cookie": cookie} if cookie else {}

    def client() -> None:
        while True:
            with lock:
                if next(remaining, None) is None:
                    return
            started = time.perf_counter()
            try:
                status = _request(port, "GET", path, headers=headers).status
            except (OSError, http.client.HTTPException):
                status = 0
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors[0] += status != 200

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started, errors[0]


WRK_SECONDS = 10


def wrk(port: int, path: str, clients: int, cookie: str | None) -> tuple[float, float, float, int]:
    """wrk against `path` for WRK_SECONDS: requests/s, median and p99 latency (ms), errors."""
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(clients),
        "-d",
        f"{WRK_SECONDS}s",
        "--latency",
        "-H",
        "Accept-Language: zh-CN",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True, timeout=60
    ).stdout

    def ms(label: str) -> float:
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            raise RuntimeError(f"no {label} latency in wrk's output:\n{out}")
        return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return rate, ms("50%"), ms("99%"), errors


def measure_week(engine: str, url: str, city: City, runs: int, workdir: Path, workers: int = 2) -> list[Figures]:
    orgs = {o.id: o for o in city.organisations}
    lot = next(r for r in city.resources if r.code == city.busy_resource_code)
    owner = lot.owner_id
    unit_ids = {r.unit_id for r in city.registrations if r.kind == "unit" and r.community_id == owner}
    member = next(m for m in city.memberships if m.organisation_id in unit_ids)
    phone = next(p.phone for p in city.users if p.id == member.user_id)
    # The page always judges against the real clock: the week from tomorrow, which the
    # city's bookings (made up to 60 days past the anchor) still fill.
    tomorrow = datetime.now(ZONE).date() + timedelta(days=1)
    path = f"/bookings/resources/{lot.code}/week?start={tomorrow}"
    use_wrk = shutil.which("wrk") is not None
    results = []
    with gunicorn(url, workdir / f"gunicorn-{engine}.log", workers=workers) as port:
        for label, cookie in (("anonymous", None), ("unit staff", sign_in(port, phone))):
            acting = f"&on_behalf_of={orgs[member.organisation_id].code}" if cookie else ""
            client = "wrk" if use_wrk else "Python threads"
            figures = Figures(engine, f"HTTP week page, {label}, {WEEK_CLIENTS} clients ({client})")
            hammer(port, path + acting, WEEK_REQUESTS // 4, WEEK_CLIENTS, cookie)  # warm-up
            for _ in range(runs):
                if use_wrk:
                    rate, median, p99, errors = wrk(port, path + acting, WEEK_CLIENTS, cookie)
                    figures.medians.append(median)
                    figures.p95s.append(p99)  # wrk reports p99, not p95: the stricter figure
                    figures.maxima.append(p99)
                    figures.rates.append(rate)
                else:
                    latencies, wall, errors = hammer(port, path + acting, WEEK_REQUESTS, WEEK_CLIENTS, cookie)
                    figures.add(latencies, wall)
                figures.errors += errors
            results.append(figures)
    return results


def run_engine(
    engine: str, city: City, args: argparse.Namespace, workdir: Path, say: Callable[[str], None]
) -> list[Figures]:
    with database(engine, args, workdir) as url:
        app, seconds = build(url, city)
        say(f"{engine}: city and {len(city.bookings.start):,} bookings loaded in {seconds:.1f} s")
        queries = make_free_queries(city)
        free, counts = measure_free(engine, app, queries, args.runs)
        say(f"{engine}: free for me found {statistics.median(counts):.0f} resources at the median (max {max(counts)})")
        with app.app_context():
            from app.extensions import db

            for bind in db.engines.values():
                bind.dispose()
        results = [free]
        if not args.no_http:
            results += measure_week(engine, url, city, args.runs, workdir, args.workers)
        for figures in results:
            say(figures.row())
        return results


def verdicts(results: list[Figures]) -> Iterator[str]:
    for r in results:
        if r.what.startswith("in-process"):
            p = statistics.median(r.p95s)
            yield f"{r.engine} free for me: p95 {p:.1f} ms, target ≤ {FREE_TARGET_P95_MS:.0f} ms: " + (
                "met" if p <= FREE_TARGET_P95_MS else "MISSED"
            )
        else:
            rate, median = statistics.median(r.rates), statistics.median(r.medians)
            ok = rate >= WEEK_TARGET_RPS and median < WEEK_TARGET_MEDIAN_MS
            yield (
                f"{r.engine} {r.what}: {rate:.0f} requests/s, median {median:.1f} ms; target ≥ "
                f"{WEEK_TARGET_RPS:.0f}/s and < {WEEK_TARGET_MEDIAN_MS:.0f} ms: " + ("met" if ok else "MISSED")
            )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.access", description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server for the throwaway database")
    parser.add_argument("--no-http", action="store_true", help="skip the week page through gunicorn")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (the README shows 4)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    started = time.perf_counter()
    city = generate_city(args.seed)
    say(f"city generated in {time.perf_counter() - started:.1f} s")
    results: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as workdir:
        for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
            results += run_engine(engine, city, args, Path(workdir), say)
    print(HEADER)
    for figures in results:
        print(figures.row())
    print()
    for line in verdicts(results):
        print(line)


if __name__ == "__main__":
    main()
