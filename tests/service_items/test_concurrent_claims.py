"""Claims sent at the same moment, each on its own connection: the last place of an item goes to exactly one
claimant, and a unit whose managers all claim at once holds one claim, on every engine."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.db import transaction, utcnow
from app.domain.errors import DomainError
from app.extensions import db
from app.service_items.models import ServiceClaim
from app.service_items.services import claim_item
from tests.conftest import make_app
from tests.factories import (
    make_city,
    make_local_resident,
    make_membership,
    make_service_claim,
    make_service_item,
    make_user,
)

ATTEMPTS = 16
ROUNDS = 5


@pytest.fixture
def busy_app(engine_name, tmp_path, request):
    """An app whose pool gives each thread a connection of its own."""
    options = {"pool_size": ATTEMPTS, "max_overflow": 0} if engine_name == "postgresql" else {}
    app = make_app(engine_name, tmp_path, request, SQLALCHEMY_ENGINE_OPTIONS=options)
    with app.app_context():
        yield app
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def storm(app: Flask, item_id: int, attempts: list[tuple[int, int | None]]) -> tuple[int, Counter[str]]:
    """Every (user id, organisation id or None) claims the item at once: how many claims were written, and the
    refusals by code."""
    from app.accounts.models import User
    from app.organisations.models import Organisation

    barrier = threading.Barrier(len(attempts))
    written = [0]
    refusals: Counter[str] = Counter()
    lock = threading.Lock()
    errors: list[BaseException] = []

    def attempt(user_id: int, org_id: int | None) -> None:
        try:
            with app.app_context():
                user = db.session.get(User, user_id)
                org = db.session.get(Organisation, org_id) if org_id is not None else None
                db.session.commit()  # each starts from a fresh transaction, as a request does
                barrier.wait(timeout=60)
                try:
                    with transaction(db.session, write_lock=True):
                        claim_item(item_id, user, on_behalf_of=org, now=utcnow())
                    with lock:
                        written[0] += 1
                except DomainError as refused:
                    with lock:
                        refusals[refused.code] += 1
                finally:
                    db.session.remove()
        except Exception as error:  # noqa: BLE001 (a thread's failure is reported in the test's thread)
            errors.append(error)

    threads = [threading.Thread(target=attempt, args=pair) for pair in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    return written[0], refusals


def live_claims(item_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(ServiceClaim.item_id == item_id, ServiceClaim.status.in_(["claimed", "completed"]))
    )


def test_the_last_place_of_an_item_goes_to_exactly_one_of_many_claimants(busy_app):
    city = make_city()
    residents = [make_local_resident(city["c1"]).id for _ in range(ATTEMPTS)]
    holder = make_local_resident(city["c1"])
    for round_ in range(ROUNDS):
        item = make_service_item(city["c1"], title=f"第{round_}件", places=3)
        make_service_claim(item, holder)
        make_service_claim(item, make_local_resident(city["c1"]))
        written, refusals = storm(busy_app, item.id, [(r, None) for r in residents])
        db.session.commit()
        assert written == 1, f"round {round_}: {written} written, {dict(refusals)}"
        assert refusals == Counter({"capacity_exceeded": ATTEMPTS - 1}), round_
        assert live_claims(item.id) == 3


def test_a_unit_whose_managers_all_claim_at_once_holds_one_claim(busy_app):
    city = make_city()
    managers = [make_user() for _ in range(ATTEMPTS)]
    for manager in managers:
        make_membership(manager, city["unit"], "manager")
    item = make_service_item(city["c1"], places=ATTEMPTS)
    written, refusals = storm(busy_app, item.id, [(m.id, city["unit"].id) for m in managers])
    db.session.commit()
    assert written == 1, dict(refusals)
    assert refusals == Counter({"already_claimed": ATTEMPTS - 1})
    assert live_claims(item.id) == 1
