"""`flask demo load`: the demo city, its logins, and a second run that changes nothing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.access.services import audiences_of, list_closures, list_windows, requester_for
from app.accounts.models import User
from app.db import utcnow
from app.demo import CLOSED_RESOURCE, DEMO_LOGINS, RESOURCES, closure_day, load_demo
from app.directory.services import get_resource
from app.domain.windows import Audience
from app.extensions import db
from app.models import AuditEntry, CalendarDay, Closure, Membership, Organisation, Registration, Window
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
        for model in (CalendarDay, Organisation, User, Membership, Registration, Window, Closure, AuditEntry)
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


# --- who may book what, and when ---------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


def by_phone(phone: str) -> User:
    return db.session.scalar(select(User).where(User.phone == phone))


def windows(code: str) -> set[tuple[str, str, str, str]]:
    views = [w.audit_view() for w in list_windows(get_resource(code))]
    return {(v["audience"], v["days"], v["start"], v["end"]) for v in views}


def test_every_demo_resource_has_windows(runner):
    load(runner)

    assert all(windows(r["code"]) for r in RESOURCES)
    assert db.session.scalar(select(func.count()).select_from(Window)) >= len(RESOURCES)


def test_community_parking_is_for_registered_units_in_working_hours_and_residents_otherwise(runner):
    load(runner)

    assert windows("LZ-DB-01-P1") == {
        ("registered_units", "workday", "08:30", "17:30"),
        ("residents", "workday", "00:00", "08:30"),
        ("residents", "workday", "17:30", "24:00"),
        ("residents", "restday", "00:00", "24:00"),
    }
    units = [w for w in list_windows(get_resource("LZ-DB-01-P1")) if w.audience == "registered_units"]
    assert [(w.max_quantity, w.price) for w in units] == [(3, 0)]


def test_school_stadium_is_free_to_residents_outside_school_hours(runner):
    load(runner)

    assert windows("U-GYYZ-SV1") == {
        ("residents", "workday", "18:00", "21:30"),
        ("residents", "restday", "08:00", "21:30"),
    }
    assert {w.price for w in list_windows(get_resource("U-GYYZ-SV1"))} == {0}


def test_plaza_is_open_to_everyone_every_day(runner):
    load(runner)

    assert windows("LZ-DB-01-PL1") == {("public", "all", "06:00", "22:00")}


def test_demo_unit_staff_may_book_community_parking_for_the_unit(runner):
    load(runner)
    staff = by_phone(DEMO_LOGINS[3].login)
    unit = get_organisation("U-LZJG")

    as_unit = audiences_of(requester_for(staff, acting_for=unit), get_resource("LZ-DB-01-P1"))
    own_room = audiences_of(requester_for(staff), get_resource("U-LZJG-M1"))

    assert Audience.REGISTERED_UNITS in as_unit
    assert Audience.OWNER_MEMBERS in own_room
    assert ("owner_members", "workday", "08:30", "17:30") in windows("U-LZJG-M1")


def test_demo_resident_may_book_the_school_stadium_and_the_community_parking(runner):
    load(runner)
    resident = requester_for(by_phone(DEMO_LOGINS[1].login))

    assert Audience.RESIDENTS in audiences_of(resident, get_resource("U-GYYZ-SV1"))
    assert Audience.RESIDENTS in audiences_of(resident, get_resource("LZ-DB-01-P1"))
    assert Audience.RESIDENTS not in audiences_of(resident, get_resource("U-LZSY-SV1"))


def test_stadium_closes_one_day_in_the_coming_weeks_with_a_reason(runner):
    load(runner)
    today = utcnow().astimezone(SHANGHAI).date()

    closures = list_closures(get_resource(CLOSED_RESOURCE))

    assert len(closures) == 1
    start, end = (closures[0].start.astimezone(SHANGHAI), closures[0].end.astimezone(SHANGHAI))
    assert 6 <= (start.date() - today).days <= 12
    assert (start.time(), end - start) == (datetime.min.time(), timedelta(days=1))
    assert closures[0].reason


@pytest.mark.parametrize("today", [date(2026, 11, 30) + timedelta(days=n) for n in range(7)])
def test_closure_day_is_next_weeks_saturday_whichever_day_it_is_today(today):
    assert closure_day(today) == date(2026, 12, 12)


def test_second_load_in_the_same_week_keeps_the_windows_and_the_closure(app):
    monday = datetime(2026, 11, 30, 1, tzinfo=UTC)
    load_demo(now=monday)
    db.session.commit()
    before = counts()

    report = load_demo(now=monday + timedelta(days=4))
    db.session.commit()

    assert not report.changed
    assert counts() == before


def test_load_in_a_later_week_moves_the_closure_on(app):
    load_demo(now=datetime(2026, 11, 30, 1, tzinfo=UTC))
    db.session.commit()

    report = load_demo(now=datetime(2026, 12, 8, 1, tzinfo=UTC))
    db.session.commit()

    assert (report.created["closures"], report.removed["closures"]) == (1, 1)
    [closure] = list_closures(get_resource(CLOSED_RESOURCE))
    assert closure.start.astimezone(SHANGHAI).date() == date(2026, 12, 19)
