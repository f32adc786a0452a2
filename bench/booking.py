"""Booking throughput through HTTP, against the database's own ceiling on the same machine.

    python -m bench.booking [--engines sqlite,postgresql] [--runs 5] [--seconds 10] [--workers 4]

For each engine it builds, in a throwaway database, 8 parking lots of 40 spaces open to
everyone at all hours and 16 users with API tokens (through the directory import file),
serves the app as the README's production command does (`gunicorn --workers 4 wsgi:app`,
production config), and lets 16 clients (wrk's connections, or Python threads without wrk)
post `POST /api/v1/bookings` for --seconds a pass. Two clients share each lot
and ask for the same 30-minute slots, one after the other, 25 spaces each: of each pair
one is placed and the other refused with `capacity_exceeded` (25 + 25 > 40), so every
request takes the lot's lock and decides against a booking just made. Throughput counts
every answered request (201 or 409); anything else is an error. After the passes the
capacity invariant is checked over every slot: nothing may be oversold.

The ceiling is the database's own, measured in the same run, a pass of it after each
pass of the load: PostgreSQL's pgbench (tpcb-like, 16 clients, 2 threads, --seconds,
scale 1, on a throwaway database) in transactions per second; SQLite's single-row
inserts committed one by one (WAL, synchronous=NORMAL, as the app runs it) per second.
The ratio is the median bookings per second over the median ceiling, of --runs passes
each. Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from bench.directory import DEFAULT_PG_URL, REQUEST_TIMEOUT, database, gunicorn

ZONE = ZoneInfo("Asia/Shanghai")
LOTS = 8
CLIENTS = 16
QUANTITY = 25
CAPACITY = 40
TARGET_RATIO = 0.25
# The README's production command. Two sync workers left a quarter of the machine idle while each
# waited on its statements' round trips; four keep both cores busy (docs/benchmarks.md).
WORKERS = 4
PASSWORD = "bench-booking-1"
# Days ahead the lots take bookings: room for every pass's slots. At 650 requests a second each lot
# uses about 400 half-hour slots a pass, so 30 days (1,440 slots) ran out in the fourth pass.
HORIZON_DAYS = 180
SLOTS = HORIZON_DAYS * 48


def directory() -> dict[str, Any]:
    """The import file: a community, its 8 lots open to everyone, and the clients' accounts."""
    return {
        "organisations": [
            {"code": "B", "name": "基准区", "kind": "district"},
            {"code": "B-S", "name": "基准街道", "kind": "street", "parent": "B"},
            {"code": "B-S-01", "name": "基准社区", "kind": "community", "parent": "B-S"},
        ],
        "users": [
            {"code": f"c{n}", "name": f"客户{n}", "phone": f"1370000{n:04d}", "password": PASSWORD}
            for n in range(CLIENTS)
        ],
        "resources": [
            {
                "code": f"B-S-01-P{n}",
                "name": f"基准停车场{n}",
                "kind": "parking",
                "owner": "B-S-01",
                "capacity": CAPACITY,
                "unit_label": "车位",
                "policy": {"slot_minutes": 30, "min_minutes": 30, "max_minutes": 600, "book_ahead_days": HORIZON_DAYS},
                "windows": [{"audience": "public", "days": "all", "start": "00:00", "end": "24:00", "price": 0}],
            }
            for n in range(LOTS)
        ],
    }


def build(url: str) -> list[str]:
    """The directory loaded into an empty database; a bearer token for each client."""
    from sqlalchemy import select

    from app import create_app
    from app.accounts.models import User
    from app.accounts.services import issue_api_token
    from app.extensions import db
    from app.importer import import_directory

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        db.create_all()
        now = datetime.now(UTC)
        import_directory(directory(), now=now)
        tokens = []
        for n in range(CLIENTS):
            user = db.session.scalar(select(User).where(User.code == f"c{n}"))
            raw, _ = issue_api_token(user, now=now, ttl=timedelta(days=1))
            tokens.append(raw)
        db.session.commit()
        for engine in db.engines.values():
            engine.dispose()
    return tokens


def slot(k: int) -> tuple[str, str]:
    """The k-th 30-minute slot from tomorrow's midnight, local time."""
    start = datetime.combine(datetime.now(ZONE).date() + timedelta(days=1), datetime.min.time(), ZONE)
    start += timedelta(minutes=30 * k)
    return start.isoformat(), (start + timedelta(minutes=30)).isoformat()


def post(port: int, token: str, body: dict[str, Any]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        conn.request("POST", "/api/v1/bookings", body=json.dumps(body), headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        conn.close()


class Slots:
    """Hands out slot numbers per lot so both clients of a lot ask for the same ones in turn."""

    def __init__(self) -> None:
        self.next = [0] * LOTS
        self.lock = threading.Lock()

    def take(self, lot: int, turn: dict[int, int]) -> int:
        with self.lock:
            k = turn.get(lot)
            if k is None:
                k = self.next[lot]
                self.next[lot] += 1
            return k


def hammer(port: int, tokens: list[str], seconds: float, slots_taken: list[int]) -> tuple[int, int, int, float]:
    """Clients post for `seconds`; (placed, refused, errors, wall seconds). Client n works lot n // 2
    and asks for the same slots as its twin; slots_taken[lot] is where the lot's next pass starts."""
    counts = {"placed": 0, "refused": 0, "errors": 0}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(n: int) -> None:
        lot, k = n // 2, slots_taken[n // 2]
        while time.perf_counter() < deadline and k < SLOTS - 48:
            start, end = slot(k)
            body = {"resource": f"B-S-01-P{lot}", "start": start, "end": end, "quantity": QUANTITY}
            status = post(port, tokens[n], body)
            with lock:
                key = "placed" if status == 201 else "refused" if status == 409 else "errors"
                counts[key] += 1
            k += 1
        with lock:
            slots_taken[lot] = max(slots_taken[lot], k)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(len(tokens))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts["placed"], counts["refused"], counts["errors"], time.perf_counter() - started


LUA = Path(__file__).with_name("booking.lua")


def wrk_hammer(port: int, tokens: list[str], seconds: float, slots_taken: list[int]) -> tuple[int, int, int, float]:
    """The same load from wrk (bench/booking.lua), a client in C that leaves the cores to the server:
    (placed, refused, errors, wall seconds); slots_taken moves past the slots asked for."""
    midnight = datetime.combine(datetime.now(ZONE).date() + timedelta(days=1), datetime.min.time(), ZONE)
    offset = int(midnight.utcoffset().total_seconds())  # type: ignore[union-attr]
    # An answer that is slow is still an answer: wrk's own 2 s timeout would count it as an error.
    command = ["wrk", "-t", "2", "-c", str(len(tokens)), "-d", f"{seconds:.0f}s", "-s", str(LUA)]
    command += ["--timeout", f"{REQUEST_TIMEOUT:.0f}s"]
    command += [f"http://127.0.0.1:{port}", "--", ",".join(tokens), str(int(midnight.timestamp())), str(offset)]
    command += [str(k) for k in slots_taken]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    placed = refused = errors = 0
    for line in out.splitlines():
        parts = line.split()
        if parts[:1] == ["COUNTS"]:
            placed, refused, errors = placed + int(parts[1]), refused + int(parts[2]), errors + int(parts[3])
        elif parts[:1] == ["SLOTS"]:
            slots_taken[int(parts[1])] = max(slots_taken[int(parts[1])], int(parts[2]))
    wall = re.search(r"requests in ([\d.]+)(ms|s|m)", out)
    if wall is None:
        raise RuntimeError(f"no duration in wrk's output:\n{out}")
    elapsed = float(wall.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[wall.group(2)]
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        errors += sum(
            int(n) for n in socket_errors.groups()[2:]
        )  # connect/read: the server closing, as sync workers do
    return placed, refused, errors, elapsed


def oversold(url: str) -> int:
    """Slots where the holding bookings of a lot add up to more than its capacity."""
    from sqlalchemy import func, select, text

    from app import create_app
    from app.bookings.models import HOLDING_SQL, Booking
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        rows = db.session.execute(
            select(Booking.resource_id, Booking.start, func.sum(Booking.quantity))
            .where(text(HOLDING_SQL))
            .group_by(Booking.resource_id, Booking.start)
            .having(func.sum(Booking.quantity) > CAPACITY)
        ).all()
        for engine in db.engines.values():
            engine.dispose()
    return len(rows)


def pgbench_ceiling(base_url: str, seconds: int) -> float:
    """pgbench tpcb-like transactions per second on a throwaway database."""
    from bench.directory import postgresql_database

    with postgresql_database(base_url) as url:
        parts = urlparse(url.replace("postgresql+psycopg://", "postgresql://"))
        env = {**os.environ}
        if parts.password:
            env["PGPASSWORD"] = parts.password
        common = [
            "-h",
            parts.hostname or "127.0.0.1",
            "-p",
            str(parts.port or 5432),
            "-U",
            parts.username or "postgres",
        ]
        name = parts.path.lstrip("/")
        subprocess.run(["pgbench", "-i", "-s", "1", "-q", *common, name], env=env, check=True, capture_output=True)
        out = subprocess.run(
            ["pgbench", "-c", str(CLIENTS), "-j", "2", "-T", str(seconds), "-b", "tpcb-like", *common, name],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    match = re.search(r"tps = ([\d.]+)", out)
    if not match:
        raise RuntimeError(f"no tps in pgbench's output:\n{out}")
    return float(match.group(1))


def sqlite_ceiling(workdir: Path, seconds: float) -> float:
    """Single-row inserts, each committed, per second (WAL, synchronous=NORMAL)."""
    path = workdir / "ceiling.sqlite3"
    for leftover in workdir.glob("ceiling.sqlite3*"):
        leftover.unlink()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, resource_id INTEGER, start TEXT, quantity INTEGER)")
    done = 0
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (resource_id, start, quantity) VALUES (?, ?, ?)", (done % 8, str(done), 1))
        conn.execute("COMMIT")
        done += 1
    elapsed = time.perf_counter() - started
    conn.close()
    return done / elapsed


def run_engine(engine: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Each run is a pass of the load and then one of the ceiling, so the two medians come from the
    same minutes: this machine's speed drifts by half between quarters of an hour."""
    if engine == "postgresql":
        ceiling_name = "pgbench tpcb-like, tps"

        def ceiling() -> float:
            return pgbench_ceiling(args.pg_url, int(args.seconds))
    else:
        ceiling_name = "single-row commits/s"

        def ceiling() -> float:
            return sqlite_ceiling(workdir, args.seconds)

    with database(engine, args, workdir) as url:
        tokens = build(url)
        slots_taken = [0] * LOTS
        rates, ceilings, refusals, errors = [], [], 0, 0
        load = wrk_hammer if args.client == "wrk" else hammer
        with gunicorn(url, workdir / f"gunicorn-{engine}.log", workers=args.workers, threads=args.threads) as port:
            load(port, tokens, 2, slots_taken)  # warm-up
            for _ in range(args.runs):
                placed, refused, failed, wall = load(port, tokens, args.seconds, slots_taken)
                rates.append((placed + refused) / wall)
                refusals += refused
                errors += failed
                ceilings.append(ceiling())  # the server idles meanwhile
                print(
                    f"{engine}: {placed} placed, {refused} refused, {failed} errors in {wall:.1f} s;"
                    f" ceiling {ceilings[-1]:.0f}",
                    file=sys.stderr,
                )
        bad = oversold(url)
    rate, ceiling_rate = statistics.median(rates), statistics.median(ceilings)
    return {
        "engine": engine,
        "rate": rate,
        "ceiling": ceiling_rate,
        "ceiling_name": ceiling_name,
        "ratio": rate / ceiling_rate,
        "oversold": bad,
        "errors": errors,
        "refusals": refusals,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.booking", description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread when more than 1)")
    parser.add_argument(
        "--client",
        choices=["wrk", "python"],
        default="wrk" if shutil.which("wrk") else "python",
        help="the load: wrk (Debian's package; the default when installed) or Python threads",
    )
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as workdir:
        for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
            results.append(run_engine(engine, args, Path(workdir)))
    print("| engine | bookings/s (201 + 409) | ceiling | ceiling measure | ratio | oversold slots | errors |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r['engine']} | {r['rate']:.0f} | {r['ceiling']:.0f} | {r['ceiling_name']} | {r['ratio']:.1%} "
            f"| {r['oversold']} | {r['errors']} |"
        )
    for r in results:
        if r["engine"] == "postgresql":
            met = r["ratio"] >= TARGET_RATIO and r["oversold"] == 0 and r["errors"] == 0
            print(
                f"postgresql: {r['ratio']:.0%} of the ceiling, {r['oversold']} oversold, {r['errors']} errors;"
                f" target ≥ 25% with nothing oversold and every request answered: {'met' if met else 'MISSED'}"
            )


if __name__ == "__main__":
    main()
