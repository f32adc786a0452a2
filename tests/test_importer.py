"""The directory import file (API.md): checked as a whole, written by code, idempotent, passwords hashed."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from app.access.models import Window
from app.access.services import list_closures, list_windows
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.db import utcnow
from app.directory.services import get_resource
from app.extensions import db
from app.importer import check_document, import_directory
from app.models import ApiToken, CalendarDay, Membership, Organisation, Registration
from app.organisations.services import (
    current_residence,
    get_organisation,
    is_manager,
    is_unit_registered_with,
    list_party_member_communities,
    list_resident_communities,
    list_unit_communities,
)
from tests.factories import make_user, refused, run_import

# The example of API.md, without its `resources` section (tests/directory/test_resource_import.py has those).
API_EXAMPLE: dict[str, Any] = {
    "calendar": [
        {"date": "2026-12-31", "workday": False, "name": "元旦"},
        {"date": "2026-12-27", "workday": True, "name": "元旦调休"},
    ],
    "organisations": [
        {"code": "LZ", "name": "利州区", "kind": "district"},
        {"code": "LZ-DB", "name": "东坝街道", "kind": "street", "parent": "LZ"},
        {"code": "LZ-DB-01", "name": "东坝社区", "kind": "community", "parent": "LZ-DB"},
        {
            "code": "U-GYYZ",
            "name": "广元市第一中学",
            "kind": "unit",
            "unit_type": "school",
            "registered_with": ["LZ-DB-01"],
        },
    ],
    "users": [
        {
            "code": "r1",
            "name": "张三",
            "phone": "13800000001",
            "password": "demo-pass-1",
            "residence": "LZ-DB-01",
            "party_member": False,
            "memberships": [],
        },
        {
            "code": "m1",
            "name": "李四",
            "phone": "13800000002",
            "password": "demo-pass-2",
            "memberships": [{"org": "U-GYYZ", "role": "manager"}],
        },
    ],
}

API_RESOURCE = {
    "code": "LZ-DB-01-P1",
    "name": "东坝社区公共停车场",
    "kind": "parking",
    "owner": "LZ-DB-01",
    "capacity": 40,
    "unit_label": "车位",
    "address": "…",
    "timezone": "Asia/Shanghai",
    "policy": {
        "slot_minutes": 30,
        "min_minutes": 30,
        "max_minutes": 600,
        "book_ahead_days": 30,
        "release_time": "00:00",
        "buffer_minutes": 0,
        "requires_approval": False,
        "checkin_required": False,
    },
    "windows": [
        {
            "audience": "registered_units",
            "days": "workday",
            "start": "08:30",
            "end": "17:30",
            "price": 0,
            "max_quantity": 5,
        },
        {
            "audience": "residents",
            "days": "all",
            "start": "00:00",
            "end": "24:00",
            "price": 0,
            "max_quantity": 1,
            "max_minutes_per_week": 1200,
        },
    ],
    "closures": [{"start": "2026-12-05T00:00:00+08:00", "end": "2026-12-06T00:00:00+08:00", "reason": "路面维修"}],
}

TABLES = (CalendarDay, Organisation, User, Membership, Registration, ApiToken)
WEAK_PASSWORD = "12345678"


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """Commands speak the shell's language; these tests read English."""
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LANGUAGE", raising=False)


def example() -> dict[str, Any]:
    return copy.deepcopy(API_EXAMPLE)


def counts() -> dict[str, int]:
    db.session.expire_all()
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) for model in TABLES}


def user(code: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.code == code))


def write(tmp_path, doc: Any, name: str = "directory.json") -> str:
    path = tmp_path / name
    if name.endswith((".yaml", ".yml")):
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    else:
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return str(path)


# --- the API.md example ------------------------------------------------------


def test_api_example_without_resources_imports(app):
    report = run_import(example())

    assert dict(report.created) == {"calendar": 2, "organisations": 4, "users": 2}
    assert counts() == {
        "calendar_days": 2,
        "organisations": 4,
        "users": 2,
        "memberships": 1,
        "registrations": 2,
        "api_tokens": 0,
    }
    street = get_organisation("LZ-DB")
    assert street.parent.code == "LZ"
    assert [c.code for c in street.children] == ["LZ-DB-01"]
    unit = get_organisation("U-GYYZ")
    assert (unit.kind, unit.unit_type, unit.parent) == ("unit", "school", None)
    days = {d.day: (d.workday, d.name, d.source) for d in db.session.scalars(select(CalendarDay))}
    assert days == {
        date(2026, 12, 31): (False, "元旦", "import"),
        date(2026, 12, 27): (True, "元旦调休", "import"),
    }


def whole_example() -> dict[str, Any]:
    """API.md's example as it stands, resources, windows and closure included."""
    doc = example()
    doc["resources"] = [copy.deepcopy(API_RESOURCE)]
    return doc


def rules(code: str) -> tuple[list[dict[str, Any]], list[tuple[datetime, datetime, str]]]:
    """A resource's windows as the file writes them, and its own closures."""
    db.session.expire_all()
    resource = get_resource(code)
    closures = [(c.start, c.end, c.reason) for c in list_closures(resource)]
    return [w.audit_view() for w in list_windows(resource)], closures


def test_api_example_imports_with_its_windows_and_closure(app):
    report = run_import(whole_example())

    assert dict(report.created) == {
        "calendar": 2,
        "organisations": 4,
        "users": 2,
        "resources": 1,
        "windows": 2,
        "closures": 1,
    }
    windows, closures = rules("LZ-DB-01-P1")
    assert windows == [
        {
            "audience": "residents",
            "days": "all",
            "start": "00:00",
            "end": "24:00",
            "price": 0,
            "max_quantity": 1,
            "max_minutes_per_week": 1200,
            "requires_approval": None,
        },
        {
            "audience": "registered_units",
            "days": "workday",
            "start": "08:30",
            "end": "17:30",
            "price": 0,
            "max_quantity": 5,
            "max_minutes_per_week": None,
            "requires_approval": None,
        },
    ]
    assert closures == [(datetime(2026, 12, 4, 16, tzinfo=UTC), datetime(2026, 12, 5, 16, tzinfo=UTC), "路面维修")]


def test_api_example_imported_twice_changes_nothing_and_audits_nothing_the_second_time(app):
    run_import(whole_example())
    before = rules("LZ-DB-01-P1")
    window_ids = sorted(db.session.scalars(select(Window.id)))
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry))

    report = run_import(whole_example())

    assert not report.changed
    assert (report.unchanged["windows"], report.unchanged["closures"]) == (2, 1)
    assert rules("LZ-DB-01-P1") == before
    assert sorted(db.session.scalars(select(Window.id))) == window_ids
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries


def test_importing_twice_changes_nothing_the_second_time(app):
    run_import(example())
    after_first = counts()
    hashes = {u.code: (u.password_hash, u.session_version) for u in db.session.scalars(select(User))}
    receipts = sorted(db.session.scalars(select(Registration.receipt)))

    report = run_import(example())

    assert not report.changed
    assert dict(report.created) == {} and dict(report.updated) == {}
    assert dict(report.unchanged) == {"calendar": 2, "organisations": 4, "users": 2}
    assert counts() == after_first
    assert {u.code: (u.password_hash, u.session_version) for u in db.session.scalars(select(User))} == hashes
    assert sorted(db.session.scalars(select(Registration.receipt))) == receipts


def test_rows_are_matched_by_code_so_a_rename_updates_the_row(app):
    run_import(example())
    community_id = get_organisation("LZ-DB-01").id
    doc = example()
    doc["organisations"][2]["name"] = "东坝新社区"
    doc["users"][0]["name"] = "张三丰"
    doc["calendar"][0]["name"] = "元旦节"
    before = counts()

    report = run_import(doc)

    assert report.updated == {"organisations": 1, "users": 1, "calendar": 1}
    assert counts() == before
    assert get_organisation("LZ-DB-01").id == community_id
    assert get_organisation("LZ-DB-01").name == "东坝新社区"
    assert user("r1").name == "张三丰"


def test_organisations_may_refer_to_rows_further_down_the_file(app):
    doc = example()
    doc["organisations"].reverse()

    run_import(doc)

    assert get_organisation("LZ-DB-01").parent.code == "LZ-DB"
    assert is_unit_registered_with(get_organisation("U-GYYZ"), get_organisation("LZ-DB-01"))


def test_file_may_refer_to_organisations_already_in_the_database(app):
    run_import(example())
    doc = {
        "organisations": [{"code": "LZ-DB-02", "name": "电厂社区", "kind": "community", "parent": "LZ-DB"}],
        "users": [
            {
                "code": "r2",
                "name": "孙七",
                "email": "SunQi@Example.com",
                "password": "demo-pass-7",
                "residence": "LZ-DB-02",
            }
        ],
    }

    run_import(doc)

    assert get_organisation("LZ-DB-02").parent.code == "LZ-DB"
    assert user("r2").email == "sunqi@example.com"


def test_parent_change_in_the_file_moves_the_organisation(app):
    run_import(example())
    doc = example()
    doc["organisations"].insert(2, {"code": "LZ-JL", "name": "嘉陵街道", "kind": "street", "parent": "LZ"})
    doc["organisations"][3]["parent"] = "LZ-JL"

    run_import(doc)

    assert get_organisation("LZ-DB-01").parent.code == "LZ-JL"


# --- a bad file --------------------------------------------------------------


def bad_document() -> dict[str, Any]:
    """Good rows and bad rows mixed: the good ones must not be written either."""
    doc = example()
    doc["calendar"].append({"date": "2027-02-30", "workday": False, "name": "没有这一天"})
    doc["calendar"][1] = {"date": "2026/12/27", "workday": True}
    doc["organisations"].append({"code": "LZ-DB-09", "name": "新社区", "kind": "community"})
    doc["organisations"][3]["parent"] = "NOWHERE"
    doc["users"][0]["phone"] = "12345"
    doc["users"].append({"code": "n1", "name": "新人", "phone": "13800000009", "password": "demo-pass-9"})
    return doc


def test_bad_file_is_refused_with_every_problem_by_its_path(app):
    problems = refused(bad_document())

    paths = [problem.split(": ", 1)[0] for problem in problems]
    assert set(paths) == {
        "calendar[1].date",
        "calendar[2].date",
        "organisations[3].parent",
        "organisations[4].parent",
        "users[0].phone",
    }
    assert 'organisations[3].parent: "NOWHERE" is not an organisation in the file or the database' in problems
    assert "organisations[4].parent: is required for a community" in problems
    assert 'calendar[1].date: "2026/12/27" is not a date (YYYY-MM-DD)' in problems
    assert any(p.startswith('users[0].phone: "12345": ') for p in problems)


def test_bad_file_writes_nothing_not_even_its_good_rows(app):
    run_import(example())
    before = counts()

    refused(bad_document())

    assert counts() == before
    assert get_organisation("LZ-DB-09") is None
    assert user("n1") is None
    assert user("r1").phone == "13800000001"


def test_bad_file_on_an_empty_database_writes_nothing(app):
    refused(bad_document())

    assert set(counts().values()) == {0}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(lambda d: d.update(rooms=[]), "rooms: is not a known section", id="unknown-section"),
        pytest.param(
            lambda d: d["organisations"][0].update(colour="red"),
            "organisations[0].colour: is not a known field",
            id="unknown-organisation-field",
        ),
        pytest.param(
            lambda d: d["users"][1]["memberships"][0].update(since="2020"),
            "users[1].memberships[0].since: is not a known field",
            id="unknown-membership-field",
        ),
        pytest.param(
            lambda d: d["calendar"][0].update(holiday=True),
            "calendar[0].holiday: is not a known field",
            id="unknown-calendar-field",
        ),
        pytest.param(
            lambda d: d["users"][0].update(nickname="三"),
            "users[0].nickname: is not a known field",
            id="unknown-user-field",
        ),
    ],
)
def test_unknown_fields_and_sections_are_reported(app, change, expected):
    doc = example()
    change(doc)

    assert check_document(doc) == [expected]


def test_unknown_fields_of_a_yaml_file_may_mix_numbers_and_text(app):
    doc = example()
    doc["users"][0].update({7: "seven", "nickname": "三"})

    assert check_document(doc) == ["users[0].7: is not a known field", "users[0].nickname: is not a known field"]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        pytest.param(
            lambda d: d["organisations"].append(dict(d["organisations"][0])),
            "organisations[4].code",
            id="code-twice-in-the-file",
        ),
        pytest.param(lambda d: d["organisations"][0].update(code="利州"), "organisations[0].code", id="code-not-ascii"),
        pytest.param(lambda d: d["organisations"][0].update(code=["LZ"]), "organisations[0].code", id="code-is-a-list"),
        pytest.param(
            lambda d: d["organisations"].append({"code": "LZ", "name": "又一个", "kind": "planet"}),
            "organisations[4].code",
            id="code-twice-the-second-time-with-an-unknown-kind",
        ),
        pytest.param(
            lambda d: d["organisations"][0].update(kind="province"), "organisations[0].kind", id="unknown-kind"
        ),
        pytest.param(
            lambda d: d["organisations"][0].update(kind=["district"]), "organisations[0].kind", id="kind-is-a-list"
        ),
        pytest.param(
            lambda d: d["organisations"][3].update(unit_type="bank"),
            "organisations[3].unit_type",
            id="unknown-unit-type",
        ),
        pytest.param(
            lambda d: d["organisations"][3].update(unit_type={"school": 1}),
            "organisations[3].unit_type",
            id="unit-type-is-an-object",
        ),
        pytest.param(
            lambda d: d["organisations"][3].pop("unit_type"), "organisations[3].unit_type", id="unit-without-unit-type"
        ),
        pytest.param(
            lambda d: d["organisations"][0].update(unit_type="school"),
            "organisations[0].unit_type",
            id="unit-type-on-a-district",
        ),
        pytest.param(
            lambda d: d["organisations"][2].update(parent="LZ"),
            "organisations[2].parent",
            id="community-directly-under-a-district",
        ),
        pytest.param(
            lambda d: d["organisations"][1].update(parent="U-GYYZ"), "organisations[1].parent", id="street-under-a-unit"
        ),
        pytest.param(lambda d: d["organisations"][1].pop("name"), "organisations[1].name", id="missing-name"),
        pytest.param(
            lambda d: d["organisations"][1].update(name="街" * 201), "organisations[1].name", id="name-too-long"
        ),
        pytest.param(
            lambda d: d["organisations"][3].update(registered_with=["LZ-DB"]),
            "organisations[3].registered_with[0]",
            id="registered-with-a-street",
        ),
        pytest.param(
            lambda d: d["organisations"][3].update(registered_with="LZ-DB-01"),
            "organisations[3].registered_with",
            id="registered-with-not-a-list",
        ),
        pytest.param(
            lambda d: d["organisations"][2].update(registered_with=["LZ-DB-01"]),
            "organisations[2].registered_with",
            id="only-units-register",
        ),
        pytest.param(
            lambda d: d["calendar"][0].update(workday="no"), "calendar[0].workday", id="workday-not-a-boolean"
        ),
        pytest.param(
            lambda d: d["calendar"].append(dict(d["calendar"][0])), "calendar[2].date", id="day-twice-in-the-file"
        ),
        pytest.param(lambda d: d.update(calendar={"2026-12-31": False}), "calendar", id="section-not-a-list"),
        pytest.param(
            lambda d: d["users"][1].update(phone="13800000001"),
            "users[1].phone",
            id="phone-of-another-user-in-the-file",
        ),
        pytest.param(lambda d: d["users"][0].update(email="not-an-email"), "users[0].email", id="bad-email"),
        pytest.param(
            lambda d: d["users"][0].update(phone="zhang@example.com"), "users[0].phone", id="email-in-the-phone-field"
        ),
        pytest.param(lambda d: d["users"][0].pop("phone"), "users[0]", id="user-without-login"),
        pytest.param(lambda d: d["users"][0].pop("password"), "users[0].password", id="new-user-without-password"),
        pytest.param(lambda d: d["users"][0].update(password="short"), "users[0].password", id="password-too-short"),
        pytest.param(lambda d: d["users"][0].update(password=12345678), "users[0].password", id="password-not-text"),
        pytest.param(
            lambda d: d["users"][0].update(residence="LZ-DB"), "users[0].residence", id="residence-not-a-community"
        ),
        pytest.param(
            lambda d: d["users"][0].update(work_unit="LZ-DB-01"), "users[0].work_unit", id="work-unit-not-a-unit"
        ),
        pytest.param(
            lambda d: d["users"][0].update(party_member="yes"), "users[0].party_member", id="party-member-not-a-boolean"
        ),
        pytest.param(
            lambda d: d["users"][1]["memberships"][0].update(role="owner"),
            "users[1].memberships[0].role",
            id="unknown-role",
        ),
        pytest.param(
            lambda d: d["users"][1]["memberships"][0].update(role=["manager"]),
            "users[1].memberships[0].role",
            id="role-is-a-list",
        ),
        pytest.param(
            lambda d: d["users"][1]["memberships"][0].update(org="NOPE"),
            "users[1].memberships[0].org",
            id="membership-of-an-unknown-organisation",
        ),
        pytest.param(
            lambda d: d["users"][1].update(memberships={"org": "LZ"}),
            "users[1].memberships",
            id="memberships-not-a-list",
        ),
        pytest.param(
            lambda d: d["users"].append(dict(d["users"][0], phone="13800000005")), "users[2].code", id="user-code-twice"
        ),
    ],
)
def test_each_rule_is_reported_by_its_path(app, change, path):
    doc = example()
    change(doc)

    problems = check_document(doc)

    assert path in [problem.split(": ", 1)[0] for problem in problems], problems
    assert refused(doc) == problems
    assert set(counts().values()) == {0}


@pytest.mark.parametrize("doc", [[], "text", None, 42], ids=["a-list", "a-string", "null", "a-number"])
def test_file_that_is_not_an_object_is_refused(app, doc):
    assert len(refused(doc)) == 1


def test_existing_organisation_cannot_change_kind(app):
    run_import(example())
    doc = example()
    doc["organisations"][2]["kind"] = "unit"
    doc["organisations"][2]["unit_type"] = "school"

    assert "organisations[2].kind: LZ-DB-01 is already a community" in refused(doc)


def test_phone_of_a_user_not_in_the_file_is_refused(app):
    make_user(phone="13800000001", code="someone-else")

    assert any(p.startswith("users[0].phone: 13800000001 already belongs to another user") for p in refused(example()))


# --- passwords ---------------------------------------------------------------


def test_passwords_are_hashed(app):
    run_import(example())

    r1 = user("r1")
    assert r1.password_hash != "demo-pass-1"
    assert "demo-pass-1" not in r1.password_hash
    assert check_password_hash(r1.password_hash, "demo-pass-1")
    assert check_password_hash(user("m1").password_hash, "demo-pass-2")


def test_weak_password_is_refused_without_being_repeated(app):
    doc = example()
    doc["users"][0]["password"] = WEAK_PASSWORD

    problems = refused(doc)

    assert [p for p in problems if p.startswith("users[0].password: ")]
    assert WEAK_PASSWORD not in "\n".join(problems)


def test_password_like_the_phone_is_refused(app):
    doc = example()
    doc["users"][0]["password"] = "pw13800000001"

    problems = refused(doc)

    assert [p for p in problems if p.startswith("users[0].password: ")]
    assert "pw13800000001" not in "\n".join(problems)


def test_changed_password_is_hashed_again_and_signs_out_other_sessions(app):
    run_import(example())
    old = user("r1")
    old_hash, old_version = old.password_hash, old.session_version
    doc = example()
    doc["users"][0]["password"] = "new-secret-77"

    report = run_import(doc)

    r1 = user("r1")
    assert report.updated["users"] == 1
    assert r1.password_hash != old_hash
    assert check_password_hash(r1.password_hash, "new-secret-77")
    assert not check_password_hash(r1.password_hash, "demo-pass-1")
    assert r1.session_version == old_version + 1


def test_same_password_keeps_the_same_hash(app):
    run_import(example())
    old_hash = user("r1").password_hash

    run_import(example())

    assert user("r1").password_hash == old_hash


def test_existing_user_may_be_listed_without_a_password(app):
    run_import(example())
    old_hash = user("r1").password_hash
    doc = example()
    del doc["users"][0]["password"]

    run_import(doc)

    assert user("r1").password_hash == old_hash


# --- registrations and memberships -------------------------------------------


def test_residence_creates_an_acknowledged_resident_registration(app):
    now = utcnow()
    import_directory(example(), now=now)
    db.session.commit()

    r1 = user("r1")
    registration = current_residence(r1)
    assert (registration.kind, registration.status, registration.community.code) == (
        "resident",
        "acknowledged",
        "LZ-DB-01",
    )
    assert registration.receipt
    assert registration.decided_at == now
    assert list_resident_communities(r1) == [get_organisation("LZ-DB-01")]
    assert list_party_member_communities(r1) == []


def test_party_member_residence_counts_as_party_member(app):
    doc = example()
    doc["users"][0]["party_member"] = True
    doc["users"][0]["work_unit"] = "U-GYYZ"

    run_import(doc)

    r1 = user("r1")
    assert r1.party_member is True
    assert list_party_member_communities(r1) == [get_organisation("LZ-DB-01")]
    assert current_residence(r1).work_unit.code == "U-GYYZ"


def test_moving_residence_withdraws_the_old_registration(app):
    run_import(example())
    doc = example()
    doc["organisations"].append({"code": "LZ-DB-02", "name": "电厂社区", "kind": "community", "parent": "LZ-DB"})
    doc["users"][0]["residence"] = "LZ-DB-02"

    report = run_import(doc)

    r1 = user("r1")
    assert report.updated["users"] == 1
    statuses = {
        r.community.code: r.status
        for r in db.session.scalars(select(Registration).where(Registration.user_id == r1.id))
    }
    assert statuses == {"LZ-DB-01": "withdrawn", "LZ-DB-02": "acknowledged"}
    assert list_resident_communities(r1) == [get_organisation("LZ-DB-02")]


def test_pending_residence_in_the_same_community_is_acknowledged(app):
    from app.organisations.services import register_resident

    run_import({"organisations": example()["organisations"]})
    person = make_user(phone="13800000001", code="r1")
    pending = register_resident(person, get_organisation("LZ-DB-01"))
    db.session.commit()

    run_import(example())

    db.session.expire_all()
    assert db.session.get(Registration, pending.id).status == "acknowledged"
    assert counts()["registrations"] == 2  # that one and the unit's


def test_registered_with_creates_acknowledged_unit_registrations(app):
    doc = example()
    doc["organisations"].insert(3, {"code": "LZ-DB-02", "name": "电厂社区", "kind": "community", "parent": "LZ-DB"})
    doc["organisations"][4]["registered_with"] = ["LZ-DB-01", "LZ-DB-02"]

    run_import(doc)

    unit = get_organisation("U-GYYZ")
    assert [c.code for c in list_unit_communities(unit)] == ["LZ-DB-01", "LZ-DB-02"]
    registrations = list(db.session.scalars(select(Registration).where(Registration.unit_id == unit.id)))
    assert {(r.kind, r.status) for r in registrations} == {("unit", "acknowledged")}
    assert all(r.receipt for r in registrations)


def test_memberships_get_their_roles(app):
    doc = example()
    doc["users"][0]["memberships"] = [{"org": "LZ-DB-01"}, {"org": "U-GYYZ", "role": "member"}]

    run_import(doc)

    r1, m1 = user("r1"), user("m1")
    unit = get_organisation("U-GYYZ")
    assert is_manager(m1, unit)
    roles = {
        m.organisation.code: m.role for m in db.session.scalars(select(Membership).where(Membership.user_id == r1.id))
    }
    assert roles == {"LZ-DB-01": "member", "U-GYYZ": "member"}


def test_changed_role_in_the_file_updates_the_membership(app):
    run_import(example())
    doc = example()
    doc["users"][1]["memberships"][0]["role"] = "member"

    report = run_import(doc)

    assert report.updated["users"] == 1
    assert counts()["memberships"] == 1
    assert not is_manager(user("m1"), get_organisation("U-GYYZ"))


def test_admin_flag_is_imported(app):
    doc = example()
    doc["users"][1]["admin"] = True

    run_import(doc)

    assert user("m1").is_admin is True
    assert user("r1").is_admin is False


# --- the command -------------------------------------------------------------


def invoke(runner, *args: str):
    return runner.invoke(args=["directory", "import", *args])


def test_command_imports_a_json_file_and_reports(runner, tmp_path):
    result = invoke(runner, write(tmp_path, example()))

    assert result.exit_code == 0, result.output
    assert "organisations: 4 created, 0 updated, 0 unchanged" in result.output
    assert "users: 2 created, 0 updated, 0 unchanged" in result.output
    assert "calendar: 2 created, 0 updated, 0 unchanged" in result.output
    assert counts()["organisations"] == 4


def test_command_imports_a_yaml_file(runner, tmp_path):
    result = invoke(runner, write(tmp_path, example(), "directory.yaml"))

    assert result.exit_code == 0, result.output
    assert counts()["users"] == 2


def test_command_reads_yaml_dates_written_without_quotes(runner, tmp_path):
    path = tmp_path / "calendar.yml"
    path.write_text("calendar:\n  - date: 2026-12-31\n    workday: false\n    name: 元旦\n", encoding="utf-8")

    result = invoke(runner, str(path))

    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(CalendarDay.day)) == date(2026, 12, 31)


def test_command_run_twice_says_nothing_changed(runner, tmp_path):
    path = write(tmp_path, example())
    invoke(runner, path)
    before = counts()

    result = invoke(runner, path)

    assert result.exit_code == 0, result.output
    assert "Nothing changed." in result.output
    assert "organisations: 0 created, 0 updated, 4 unchanged" in result.output
    assert counts() == before


def test_command_never_prints_passwords(runner, tmp_path):
    result = invoke(runner, write(tmp_path, example()))

    assert "demo-pass-1" not in result.output
    assert "demo-pass-2" not in result.output


def test_command_refuses_a_bad_file_listing_every_problem_and_exits_non_zero(runner, tmp_path):
    doc = bad_document()
    doc["users"][1]["password"] = WEAK_PASSWORD

    result = invoke(runner, write(tmp_path, doc))

    assert result.exit_code != 0
    assert "The file was refused; nothing was written." in result.output
    for path in (
        "calendar[1].date",
        "calendar[2].date",
        "organisations[3].parent",
        "users[0].phone",
        "users[1].password",
    ):
        assert f"  {path}: " in result.output
    assert WEAK_PASSWORD not in result.output
    assert set(counts().values()) == {0}


def test_command_imports_the_whole_api_example_and_counts_windows_and_closures(runner, tmp_path):
    path = write(tmp_path, whole_example())

    first = invoke(runner, path)
    second = invoke(runner, path)

    assert first.exit_code == 0, first.output
    assert "windows: 2 created, 0 updated, 0 unchanged" in first.output
    assert "closures: 1 created, 0 updated, 0 unchanged" in first.output
    assert "windows: 0 created, 0 updated, 2 unchanged" in second.output
    assert "Nothing changed." in second.output


def test_command_dry_run_of_windows_and_closures_writes_nothing(runner, tmp_path):
    result = invoke(runner, write(tmp_path, whole_example()), "--dry-run")

    assert result.exit_code == 0, result.output
    assert "windows: 2 created, 0 updated, 0 unchanged" in result.output
    assert "Dry run: nothing was written." in result.output
    assert db.session.scalar(select(func.count()).select_from(Window)) == 0


def test_command_dry_run_writes_nothing(runner, tmp_path):
    result = invoke(runner, write(tmp_path, example()), "--dry-run")

    assert result.exit_code == 0, result.output
    assert "organisations: 4 created, 0 updated, 0 unchanged" in result.output
    assert "Dry run: nothing was written." in result.output
    assert set(counts().values()) == {0}


def test_command_dry_run_of_a_bad_file_is_refused(runner, tmp_path):
    result = invoke(runner, write(tmp_path, bad_document()), "--dry-run")

    assert result.exit_code != 0
    assert "organisations[3].parent" in result.output


def test_command_reports_the_line_of_a_json_syntax_error(runner, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "calendar": [\n    {"date": "2026-12-31", "workday": false,}\n  ]\n}\n', encoding="utf-8")

    result = invoke(runner, str(path))

    assert result.exit_code != 0
    assert "broken.json: line 3: not valid JSON" in result.output
    assert set(counts().values()) == {0}


def test_command_reports_the_line_of_a_yaml_syntax_error(runner, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("calendar:\n  - date: '2026-12-31'\n    workday: [false\n", encoding="utf-8")

    result = invoke(runner, str(path))

    assert result.exit_code != 0
    assert "broken.yaml: line" in result.output
    assert "not valid YAML" in result.output


def test_command_refuses_a_missing_file(runner, tmp_path):
    result = invoke(runner, str(tmp_path / "missing.json"))

    assert result.exit_code != 0
    assert "missing.json: cannot be read" in result.output


def test_command_speaks_chinese_by_default(runner, tmp_path, monkeypatch):
    monkeypatch.delenv("LANG", raising=False)
    path = write(tmp_path, example())
    invoke(runner, path)

    result = invoke(runner, path)

    assert "没有任何变化。" in result.output
