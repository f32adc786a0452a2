"""Under load a resource is never oversold: 64 concurrent attempts, each on its own connection,
at the last 3 spaces of a lot and at the last slot of a court, 20 rounds, on every engine.
Rounds alternate between the booking service called directly and POST /api/v1/bookings, whose
path to the lock differs (on PostgreSQL it locks the row as it reads the resource)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.bookings.models import Booking
from app.bookings.placing import BookingRefusedError, Placement, place_booking
from app.db import transaction, utcnow
from app.domain.bookings import HOLDING
from app.domain.resources import Policy
from app.extensions import db
from tests.conftest import make_app
from tests.factories import make_bearer, make_booking, make_city, make_resource, make_user, make_window
from tests.when import at, next_monday

ATTEMPTS = 64
ROUNDS = 20
POLICY = Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=30)


@pytest.fixture
def busy_app(engine_name, tmp_path, request):
    """An app whose pool gives each of the 64 threads a connection of its own."""
    options = {"pool_size": ATTEMPTS, "max_overflow": 0} if engine_name == "postgresql" else {}
    app = make_app(engine_name, tmp_path, request, SQLALCHEMY_ENGINE_OPTIONS=options)
    with app.app_context():
        yield app
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def storm(app: Flask, resource_id: int, user_ids: list[int], start, end) -> tuple[int, dict[str, int]]:
    """Every user tries at once for one unit of [start, end) through the booking service; the
    number placed and the refusals by code."""
    from app.accounts.models import User

    def attempt(user_id: int, barrier: threading.Barrier) -> str:
        with app.app_context():
            user = db.session.get(User, user_id)
            db.session.commit()  # each starts from a fresh transaction, as a request does
            barrier.wait(timeout=60)
            try:
                with transaction(db.session, write_lock=True):
                    place_booking(user, Placement(resource_id, start, end, 1), now=utcnow())
                return "placed"
            except BookingRefusedError as refused:
                return refused.code
            finally:
                db.session.remove()

    return _all_at_once(attempt, user_ids)


def storm_through_the_api(
    app: Flask, code: str, headers: list[dict[str, str]], start, end
) -> tuple[int, dict[str, int]]:
    """The same through POST /api/v1/bookings, one client per user."""
    body = {"resource": code, "start": start.isoformat(), "end": end.isoformat(), "quantity": 1}

    def attempt(n: int, barrier: threading.Barrier) -> str:
        client = app.test_client()
        barrier.wait(timeout=60)
        answer = client.post("/api/v1/bookings", json=body, headers=headers[n])
        return "placed" if answer.status_code == 201 else answer.get_json()["code"]

    return _all_at_once(attempt, list(range(len(headers))))


def _all_at_once(attempt, args: list[int]) -> tuple[int, dict[str, int]]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(len(args))
    outcomes: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def run(arg: int) -> None:
        try:
            outcome = attempt(arg, barrier)
            with lock:
                outcomes.append(outcome)
        except Exception as error:  # noqa: BLE001 (a thread's failure is reported in the test's thread)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(arg,)) for arg in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    refusals: dict[str, int] = {}
    for outcome in outcomes:
        if outcome != "placed":
            refusals[outcome] = refusals.get(outcome, 0) + 1
    return outcomes.count("placed"), refusals


def peak_held(resource_id: int, start, end) -> int:
    held = db.session.scalar(
        select(func.coalesce(func.sum(Booking.quantity), 0)).where(
            Booking.resource_id == resource_id,
            Booking.status.in_([s.value for s in HOLDING]),
            Booking.start < end,
            Booking.end > start,
        )
    )
    return int(held)


@pytest.mark.parametrize(
    ("capacity", "taken", "label"),
    [(40, 37, "the last 3 spaces of a 40-space lot"), (1, 0, "the last slot of a one-court ground")],
    ids=["lot", "court"],
)
def test_concurrent_attempts_get_exactly_the_free_capacity(busy_app, capacity, taken, label):
    city = make_city()
    place = make_resource("T-S-01-X1", city["c1"], kind="parking", capacity=capacity, policy=POLICY)
    make_window(place, audience="public", days="all", start="00:00", end="24:00")
    users = [make_user() for _ in range(ATTEMPTS)]
    holder = make_user()
    user_ids = [u.id for u in users]
    headers = [make_bearer(u) for u in users]
    day = next_monday() + timedelta(days=1)
    db.session.commit()
    for round_ in range(ROUNDS):
        start = at(day, "00:00") + timedelta(minutes=30 * round_)
        end = start + timedelta(minutes=30)
        if taken:
            make_booking(place, holder, start, end, quantity=taken)
        if round_ % 2:
            placed, refusals = storm_through_the_api(busy_app, place.code, headers, start, end)
        else:
            placed, refusals = storm(busy_app, place.id, user_ids, start, end)
        db.session.commit()
        free = capacity - taken
        assert placed == free, f"{label}, round {round_}: {placed} placed, {refusals}"
        assert refusals == {"capacity_exceeded": ATTEMPTS - free}, (label, round_)
        # DESIGN.md's invariant, read back from the database after every round.
        assert peak_held(place.id, start, end) == capacity
