"""The figures and pictures page on the Guangyuan-scale city with its million bookings.

    python -m bench.report_pictures [--engines sqlite,postgresql] [--runs 5] [--pg-url URL]

For each engine it builds the city with its year of bookings (`bench.city`) in a throwaway
database (a temporary SQLite file; a PostgreSQL database created and dropped here), gives a
district (利州区) and a street (东坝街道) a manager, and then requests `GET /reports/figures`
in-process through Flask's test client (the whole request: session, access check, scope, the
figures' queries, the SVG pictures, the template), signed in as:

- the admin, for the whole city (the default scope, every one of the 1,711 resources);
- the district's manager (利州区: 543 organisations' resources, the 18 parking lots among them);
- the street's manager (东坝街道);
- a community's manager (东坝社区, with the units registered with it).

The page's "today" is pinned to 2026-12-02, a month after the city's anchor, so its default
periods (the last 12 full weeks for the heat maps and the units, the last 12 full months for the
months) fall on the city's bookings whatever the real date. One more row asks the whole city for
a custom year (2025-12-01 to 2026-11-30): 366 days of heat maps, the worst case a page allows.

Each row is timed twice. **Cold**: every figure is computed, as on a worker's first view of that
area after any booking in it changed (the figures each process keeps are dropped before each
request). **Warm**: the figures are kept (nothing changed), as on every later view. Each figure
is the median over --runs requests after one untimed warm-up. Targets: cold under 1 s for every
area (the whole city's custom year is reported, not judged: it is the worst case by design).
"""

from __future__ import annotations

import argparse
import gc
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bench.access import build
from bench.city import ADMIN_PHONE, PASSWORD, City, generate_city
from bench.directory import DEFAULT_PG_URL, database

TODAY = date(2026, 12, 2)
TARGET_COLD_MS = 1000.0
DISTRICT, STREET, COMMUNITY = "GY-LZ", "GY-LZ-DB", "GY-LZ-DB-01"
A_YEAR = "first=2025-12-01&last=2026-11-30"


@dataclass(frozen=True)
class Case:
    who: str
    phone: str
    query: str


@dataclass
class Row:
    engine: str
    case: Case
    cold: list[float]
    warm: list[float]
    size: int

    def line(self) -> str:
        return (
            f"| {self.engine} | {self.case.who} | {len(self.cold)} | {statistics.median(self.cold):.0f} "
            f"| {max(self.cold):.0f} | {statistics.median(self.warm):.0f} | {self.size / 1024:.0f} |"
        )


HEADER = (
    "| engine | page | requests | cold median (ms) | cold slowest (ms) | warm median (ms) | page (kB) |\n"
    "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
)


def managers(app: Any, city: City) -> dict[str, str]:
    """Phones of a manager of the district, of the street and of the community (the first two are
    given their roles here: the city has one manager per community and unit only)."""
    from app.accounts.models import User
    from app.extensions import db
    from app.organisations.services import get_organisation, set_membership

    orgs = {o.id: o for o in city.organisations}
    community = next(o for o in city.organisations if o.code == COMMUNITY)
    member = next(m for m in city.memberships if m.organisation_id == community.id and m.role == "manager")
    community_phone = next(p.phone for p in city.users if p.id == member.user_id)
    others = [p for p in city.users if not p.is_admin and p.phone != community_phone][:2]
    with app.app_context():
        for person, code in zip(others, (DISTRICT, STREET), strict=True):
            user = db.session.scalar(db.select(User).where(User.phone == person.phone))
            set_membership(user, get_organisation(code), "manager")
        db.session.commit()
    assert orgs[community.id].kind == "community"
    return {DISTRICT: others[0].phone, STREET: others[1].phone, COMMUNITY: community_phone}


def signed_in(app: Any, phone: str) -> Any:
    client = app.test_client()
    response = client.post("/accounts/sign-in", data={"login": phone, "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"signing in as {phone} answered {response.status_code}")
    return client


def measure(app: Any, case: Case, runs: int, engine: str) -> Row:
    from app.reports.figures import forget_figures

    client = signed_in(app, case.phone)
    url = f"/reports/figures?{case.query}" if case.query else "/reports/figures"

    def get() -> tuple[float, Any]:
        started = time.perf_counter()
        response = client.get(url, headers={"Accept-Language": "zh-CN"})
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return elapsed, response

    forget_figures()
    get()  # warm-up: the process's first request of this page
    cold = []
    for _ in range(runs):
        forget_figures()
        cold.append(get()[0])
    warm, size = [], 0
    for _ in range(runs):
        elapsed, response = get()
        warm.append(elapsed)
        size = len(response.data)
    pictures = len(re.findall(rb"<svg ", response.data))
    if pictures < 4:
        raise RuntimeError(f"{url}: only {pictures} pictures")
    return Row(engine, case, cold, warm, size)


def run_engine(engine: str, city: City, args: argparse.Namespace, workdir: Path) -> list[Row]:
    import app.reports.views as views

    views._today = lambda: TODAY  # the default periods fall on the city's year of bookings
    with database(engine, args, workdir) as url:
        app, seconds = build(url, city)
        app.config["WTF_CSRF_ENABLED"] = False  # signing in by a plain POST; the page is a GET
        print(f"{engine}: city and {len(city.bookings.start):,} bookings loaded in {seconds:.1f} s", file=sys.stderr)
        phones = managers(app, city)
        gc.collect()
        gc.freeze()  # as the served process does (wsgi.py); the benchmark also holds the city in memory
        cases = [
            Case("admin, the whole city", ADMIN_PHONE, ""),
            Case("district manager, 利州区", phones[DISTRICT], ""),
            Case("street manager, 东坝街道", phones[STREET], ""),
            Case("community manager, 东坝社区", phones[COMMUNITY], ""),
            Case("admin, the whole city, a custom year", ADMIN_PHONE, A_YEAR),
        ]
        rows = []
        for case in cases:
            row = measure(app, case, args.runs, engine)
            print(row.line(), file=sys.stderr, flush=True)
            rows.append(row)
        with app.app_context():
            from app.extensions import db

            db.session.remove()
            for bind in db.engines.values():
                bind.dispose()
        return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.report_pictures", description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server for the throwaway database")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    started = time.perf_counter()
    city = generate_city(args.seed)
    print(f"city generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as workdir:
        for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
            rows += run_engine(engine, city, args, Path(workdir))
    print(HEADER)
    for row in rows:
        print(row.line())
    print()
    failed = False
    for row in rows:
        cold, warm = statistics.median(row.cold), statistics.median(row.warm)
        if row.case.query == A_YEAR:
            verdict = "the worst case, reported"
        else:
            ok = cold <= TARGET_COLD_MS
            failed = failed or not ok
            verdict = f"target cold ≤ {TARGET_COLD_MS:.0f} ms: {'met' if ok else 'MISSED'}"
        print(f"{row.engine} {row.case.who}: cold {cold:.0f} ms, warm {warm:.0f} ms; {verdict}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
