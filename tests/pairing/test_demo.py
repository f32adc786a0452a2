"""The demo city comes with this year's signed co-building agreement and a cross-appointed committee member."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.pairing.models import Agreement, CrossAppointment


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """The command's report in English, as tests/test_demo.py reads it."""
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LANGUAGE", raising=False)


def load(runner) -> str:
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_demo_has_a_signed_agreement_of_the_school_and_its_community(runner, client):
    load(runner)
    [agreement] = db.session.scalars(select(Agreement)).all()
    assert (agreement.unit.code, agreement.community.code, agreement.status) == ("U-GYYZ", "LZ-DB-01", "signed")
    assert agreement.number == f"共建-{agreement.year}-{agreement.id:04d}"
    assert [i.status for i in agreement.items] == ["done", "in_progress", "planned", "planned"]
    assert (agreement.unit_signed_by.name, agreement.community_signed_by.name) == ("李四", "赵六")
    [appointment] = db.session.scalars(select(CrossAppointment)).all()
    assert (appointment.person.name, appointment.to_org.code, appointment.status) == ("李四", "LZ-DB-01", "active")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post_form("/accounts/sign-in", {"login": "13800000004", "password": "demo-pass-4"})
    page = client.get(f"/pairing/agreements/{agreement.id}").get_data(as_text=True)
    assert agreement.number in page and "Signed by 李四" in page


def test_loading_the_demo_again_adds_no_agreement(runner):
    load(runner)
    output = load(runner)
    assert "pairing agreements: 0 created, 0 updated, 1 unchanged" in output
    assert "committee members: 0 created, 0 updated, 1 unchanged" in output
    assert db.session.scalar(select(func.count()).select_from(Agreement)) == 1
    assert db.session.scalar(select(func.count()).select_from(CrossAppointment)) == 1
