"""What one API booking costs the web worker, in CPU instructions: a figure that does not drift.

    python -m bench.booking_instructions [--pg-url URL] [--pairs 50]

Throughput on a shared machine moves with whatever else runs on it (bench.booking's ceiling has
been seen anywhere from 400 to 1,250 pgbench tps within half an hour), so comparing two versions
of the booking path by requests per second needs many interleaved runs. Instructions counted by
valgrind's callgrind hardly move with it: the same code has given counts within about 5 % of
each other (what varies is mostly how often the driver polls for an answer), where throughput
moved by half.

It builds bench.booking's directory in a throwaway PostgreSQL database, then runs, each under
callgrind in its own process, a short and a long series of POST /api/v1/bookings pairs through
Flask's test client (one placed, one refused with capacity_exceeded, as in bench.booking). The
difference between the two counts over the difference in requests is the cost of one request,
start-up and warm-up excluded. Needs valgrind.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.booking import LOTS, QUANTITY, SLOTS, build, slot
from bench.directory import DEFAULT_PG_URL, PROJECT_DIR, database

SHORT = 10


def serve_pairs(url: str, tokens: list[str], lot: str, pairs: int) -> None:
    """`pairs` slots of `lot`, each asked for by two clients: one placed, one refused."""
    os.environ.update(DATABASE_URL=url, LINLI_ENV="production", SECRET_KEY="bench-instructions-" + "k" * 16)
    from wsgi import app

    client = app.test_client()
    for k in range(pairs):
        start, end = slot(k)
        for token in tokens[:2]:
            answer = client.post(
                "/api/v1/bookings",
                json={"resource": lot, "start": start, "end": end, "quantity": QUANTITY},
                headers={"Authorization": f"Bearer {token}"},
            )
            if answer.status_code not in (201, 409):
                raise RuntimeError(f"{answer.status_code}: {answer.get_data(as_text=True)}")


def count(url: str, tokens_file: Path, lot: str, pairs: int, workdir: Path) -> int:
    """Instructions the whole process took for `pairs` pairs, as callgrind counts them."""
    out = workdir / f"callgrind.{lot}.out"
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-m", __spec__.name]
    command += ["--serve", url, str(tokens_file), lot, str(pairs)]
    done = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError("callgrind gave no count:\n" + done.stderr[-2000:])
    return int(found.group(1))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--pairs", type=int, default=50, help="pairs in the long series (the short one has 10)")
    parser.add_argument("--serve", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        url, tokens_file, lot, pairs = args.serve
        serve_pairs(url, json.loads(Path(tokens_file).read_text()), lot, int(pairs))
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is needed (Debian: apt-get install valgrind)")
    if args.pairs <= SHORT or args.pairs > SLOTS - 48:
        sys.exit(f"--pairs: more than {SHORT} and at most {SLOTS - 48} (the lots' slots in the booking horizon)")
    with tempfile.TemporaryDirectory(prefix="linli-instructions-") as tmp:
        workdir = Path(tmp)
        with database("postgresql", argparse.Namespace(pg_url=args.pg_url), workdir) as url:
            tokens_file = workdir / "tokens.json"
            tokens_file.write_text(json.dumps(build(url)))
            # Each series on a lot of its own, so both start from empty slots.
            short = count(url, tokens_file, "B-S-01-P0", SHORT, workdir)
            long = count(url, tokens_file, f"B-S-01-P{LOTS - 1}", args.pairs, workdir)
    per_request = (long - short) / (2 * (args.pairs - SHORT))
    print(f"postgresql: {per_request / 1e6:.2f} million instructions per booking request (201 or 409)")


if __name__ == "__main__":
    main()
