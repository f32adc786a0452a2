"""The demo city has service items of the coming week, one of them claimed; loading it again adds none."""

from __future__ import annotations

from sqlalchemy import func, select

from app.db import utcnow
from app.extensions import db
from app.service_items.models import ServiceClaim, ServiceItem


def load(runner) -> str:
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_demo_publishes_each_kind_ahead_and_a_unit_has_claimed_a_need_once(runner):
    load(runner)
    items = list(db.session.scalars(select(ServiceItem).order_by(ServiceItem.id)))
    assert {i.kind for i in items} == {"need", "support", "activity_day"}
    assert all(i.start > utcnow() and i.status == "open" for i in items)
    [claim] = db.session.scalars(select(ServiceClaim))
    assert (claim.item.kind, claim.on_behalf_of.code, claim.user.code) == ("need", "U-GYYZ", "demo-unit-manager")

    load(runner)
    assert db.session.scalar(select(func.count()).select_from(ServiceItem)) == len(items)
    assert db.session.scalar(select(func.count()).select_from(ServiceClaim)) == 1
