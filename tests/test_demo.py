"""`flask demo load`: the demo city, its logins, and a second run that changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.demo import DEMO_LOGINS
from app.extensions import db
from app.models import CalendarDay, Membership, Organisation, Registration
from app.organisations.services import (
    get_organisation,
    is_manager,
    list_resident_communities,
    list_unit_communities,
    list_units_user_may_act_for,
)
from tests.factories import make_user

LOGIN_LINE = re.compile(r"^\s+(?P<role>.+?): (?P<name>\S+)\s+(?P<login>\S+) / (?P<password>\S+)$", re.M)


@pytest.fixture(autouse=True)
def english(monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LANGUAGE", raising=False)


def load(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return result


def counts() -> dict[str, int]:
    db.session.expire_all()
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (CalendarDay, Organisation, User, Membership, Registration)
    }


def printed_logins(output: str) -> dict[str, tuple[str, str]]:
    """role → (login, password), as the command printed them."""
    return {m["role"]: (m["login"], m["password"]) for m in LOGIN_LINE.finditer(output)}


def kinds() -> dict[str, int]:
    rows = db.session.execute(select(Organisation.kind, func.count()).group_by(Organisation.kind))
    return dict(rows.all())


def test_demo_builds_the_city(runner):
    load(runner)

    assert kinds() == {"district": 1, "street": 2, "community": 4, "unit": 6}
    for street in ("LZ-DB", "LZ-JL"):
        assert get_organisation(street).parent.code == "LZ"
        assert [c.kind for c in get_organisation(street).children].count("community") == 2
    units = db.session.scalars(select(Organisation).where(Organisation.kind == "unit"))
    assert {u.unit_type for u in units} == {"organ", "school", "hospital", "soe", "social_org"}


def test_demo_units_are_registered_with_communities(runner):
    load(runner)

    assert [c.code for c in list_unit_communities(get_organisation("U-GYYZ"))] == ["LZ-DB-01", "LZ-DB-02"]
    assert list_unit_communities(get_organisation("U-GYYG")) == []


def test_demo_prints_a_login_for_each_role(runner):
    output = load(runner).output

    assert "Demo logins:" in output
    printed = printed_logins(output)
    assert len(printed) == len(DEMO_LOGINS) == 5
    for demo in DEMO_LOGINS:
        assert printed[demo.role] == (demo.login, demo.password)
    roles = " ".join(printed)
    for role in ("admin", "resident", "unit manager", "unit staff", "community manager"):
        assert role in roles


def test_demo_logins_have_the_roles_they_are_printed_for(runner):
    load(runner)

    def by_phone(phone: str) -> User:
        return db.session.scalar(select(User).where(User.phone == phone))

    admin, resident, unit_manager, unit_staff, community_manager = (by_phone(d.login) for d in DEMO_LOGINS)
    assert admin.is_admin
    assert not any(u.is_admin for u in (resident, unit_manager, unit_staff, community_manager))
    assert list_resident_communities(resident) == [get_organisation("LZ-DB-01")]
    assert is_manager(unit_manager, get_organisation("U-GYYZ"))
    assert list_units_user_may_act_for(unit_staff) == [get_organisation("U-LZJG")]
    assert not is_manager(unit_staff, get_organisation("U-LZJG"))
    assert is_manager(community_manager, get_organisation("LZ-DB-01"))


@pytest.mark.parametrize("demo", DEMO_LOGINS, ids=[d.login for d in DEMO_LOGINS])
def test_each_demo_login_signs_in_with_the_printed_password(runner, auth, demo):
    printed = printed_logins(load(runner).output)
    login, password = printed[demo.role]

    response = auth.sign_in(login, password)

    assert response.status_code == 302


def test_admin_demo_login_opens_the_admin_pages(runner, client, auth):
    load(runner)
    admin = DEMO_LOGINS[0]
    auth.sign_in(admin.login, admin.password)

    assert client.get("/organisations/").status_code == 200


def test_passwords_are_stored_hashed(runner):
    load(runner)

    stored = set(db.session.scalars(select(User.password_hash)))
    assert not stored & {d.password for d in DEMO_LOGINS}


def test_second_run_changes_nothing(runner):
    load(runner)
    before = counts()
    hashes = dict(db.session.execute(select(User.code, User.password_hash)).all())

    output = load(runner).output

    assert "Nothing changed." in output
    assert " created" in output and not re.search(r"[1-9]\d* created|[1-9]\d* updated", output)
    assert counts() == before
    assert dict(db.session.execute(select(User.code, User.password_hash)).all()) == hashes


def test_demo_refuses_to_take_a_login_someone_already_has(runner):
    make_user(phone=DEMO_LOGINS[1].login, code="someone-real")

    result = runner.invoke(args=["demo", "load"])

    assert result.exit_code != 0
    assert "users[1].phone" in result.output
    assert counts()["organisations"] == 0
