"""The database itself refuses resources that break the policy rules, whatever writes them."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from app.db import utcnow
from app.directory.models import Resource
from app.extensions import db
from tests.factories import make_org

GOOD = {
    "code": "R1",
    "name": "停车场",
    "kind": "parking",
    "address": "",
    "capacity": 40,
    "unit_label": "车位",
    "description": "",
    "amenities": [],
    "timezone": "Asia/Shanghai",
    "active": True,
    "slot_minutes": 30,
    "min_minutes": 30,
    "max_minutes": 600,
    "book_ahead_days": 30,
    "release_time": time(0, 0),
    "buffer_minutes": 0,
    "requires_approval": False,
    "checkin_required": False,
    "checkin_grace_minutes": 15,
    "cancel_before_minutes": 60,
    "search_tokens": "",
}


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"capacity": 0}, id="capacity below one"),
        pytest.param({"kind": "spaceship"}, id="unknown kind"),
        pytest.param({"slot_minutes": 7}, id="slot not dividing the day"),
        pytest.param({"min_minutes": 45}, id="shortest booking off the slot grid"),
        pytest.param({"min_minutes": 120, "max_minutes": 60}, id="longest below shortest"),
        pytest.param({"max_minutes": 610}, id="longest booking off the slot grid"),
        pytest.param({"buffer_minutes": -1}, id="negative buffer"),
        pytest.param({"latitude": 32.4}, id="latitude without longitude"),
    ],
)
def test_the_database_refuses_a_resource_breaking_a_rule(app, changes):
    owner = make_org("C1")
    now = utcnow()
    db.session.execute(insert(Resource).values(**GOOD, owner_id=owner.id, created_at=now, updated_at=now))
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            insert(Resource).values(
                **{**GOOD, "code": "R2", **changes}, owner_id=owner.id, created_at=now, updated_at=now
            )
        )
        db.session.flush()
    db.session.rollback()
