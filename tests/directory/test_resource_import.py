"""Resources in the directory import file (API.md): checked by path, written through the service, idempotent."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.access.models import Closure, Window
from app.access.services import add_closure, get_window, list_closures, list_windows
from app.audit.models import AuditEntry
from app.db import utcnow
from app.directory.models import Resource
from app.directory.services import get_resource, search_resources
from app.extensions import db
from app.importer import check_document
from app.organisations.services import get_organisation
from tests.factories import make_city, make_resource, refused, run_import

ORGANISATIONS = [
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
]
# The resource of API.md's example; its windows and closures are in the tests that need them.
PARKING: dict[str, Any] = {
    "code": "LZ-DB-01-P1",
    "name": "东坝社区公共停车场",
    "kind": "parking",
    "owner": "LZ-DB-01",
    "capacity": 40,
    "unit_label": "车位",
    "address": "东坝路 1 号",
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
}
STADIUM: dict[str, Any] = {
    "code": "U-GYYZ-S1",
    "name": "一中体育馆",
    "kind": "sports_venue",
    "owner": "U-GYYZ",
    "capacity": 4,
    "unit_label": "场地",
    "address": "南河路 2 号",
    "timezone": "Asia/Shanghai",
    "latitude": 32.43,
    "longitude": 105.84,
    "description": "周末向居民开放",
    "amenities": ["灯光", "更衣室"],
    "active": True,
    "policy": {"slot_minutes": 60, "min_minutes": 60, "max_minutes": 120, "release_time": "17:30"},
    "windows": [],
    "closures": [],
}


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """Commands speak the shell's language; these tests read English."""
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LANGUAGE", raising=False)


def document() -> dict[str, Any]:
    return copy.deepcopy({"organisations": ORGANISATIONS, "resources": [PARKING, STADIUM]})


def count(model: type) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def resource(code: str) -> Resource:
    db.session.expire_all()
    return get_resource(code)


# --- creating, and importing again -------------------------------------------


def test_resources_of_the_file_are_created_with_their_policy(app):
    report = run_import(document())

    assert report.created["resources"] == 2
    parking = resource("LZ-DB-01-P1")
    assert (parking.name, parking.kind, parking.owner.code, parking.capacity, parking.unit_label) == (
        "东坝社区公共停车场",
        "parking",
        "LZ-DB-01",
        40,
        "车位",
    )
    assert (parking.max_minutes, parking.book_ahead_days, parking.release_time) == (600, 30, time(0, 0))
    stadium = resource("U-GYYZ-S1")
    assert (stadium.latitude, stadium.longitude, stadium.amenities) == (32.43, 105.84, ["灯光", "更衣室"])
    assert (stadium.slot_minutes, stadium.release_time, stadium.owner.kind) == (60, time(17, 30), "unit")


def test_policy_keys_left_out_get_the_policy_defaults(app):
    doc = document()
    doc["resources"][0]["policy"] = {"max_minutes": 90}
    del doc["resources"][1]["policy"]

    run_import(doc)

    parking, stadium = resource("LZ-DB-01-P1"), resource("U-GYYZ-S1")
    assert (parking.slot_minutes, parking.min_minutes, parking.max_minutes) == (30, 30, 90)
    assert (parking.book_ahead_days, parking.checkin_grace_minutes, parking.cancel_before_minutes) == (14, 15, 60)
    assert (stadium.max_minutes, stadium.requires_approval, stadium.release_time) == (240, False, time(0, 0))


def test_optional_fields_left_out_get_defaults(app):
    minimal = {
        "code": "LZ-DB-01-A1",
        "name": "东坝活动中心",
        "kind": "activity_centre",
        "owner": "LZ-DB-01",
        "capacity": 2,
    }

    run_import({"organisations": ORGANISATIONS, "resources": [minimal]})

    centre = resource("LZ-DB-01-A1")
    assert (centre.timezone, centre.unit_label, centre.active, centre.latitude, centre.amenities) == (
        "Asia/Shanghai",
        "间",
        True,
        None,
        [],
    )


def test_imported_resources_are_audited_and_found_by_search(app):
    run_import(document())

    parking = resource("LZ-DB-01-P1")
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.subject_id == parking.id)))
    assert [(e.subject_type, e.action, e.actor_id) for e in entries] == [("resource", "created", None)]
    assert [r.code for r in search_resources(q="东坝 停车").items] == ["LZ-DB-01-P1"]


def test_importing_resources_twice_changes_nothing_the_second_time(app):
    run_import(document())
    entries = count(AuditEntry)
    stamps = {r.code: r.updated_at for r in db.session.scalars(select(Resource))}

    report = run_import(document())

    assert not report.changed
    assert report.unchanged["resources"] == 2
    assert count(AuditEntry) == entries
    assert {r.code: r.updated_at for r in db.session.scalars(select(Resource))} == stamps


def test_resource_is_matched_by_code_so_a_change_updates_it(app):
    run_import(document())
    first = resource("LZ-DB-01-P1")
    first_id, created_at = first.id, first.created_at
    doc = document()
    doc["resources"][0]["capacity"] = 45
    doc["resources"][0]["policy"]["requires_approval"] = True

    report = run_import(doc)

    parking = resource("LZ-DB-01-P1")
    assert (report.updated["resources"], report.unchanged["resources"]) == (1, 1)
    assert (parking.id, parking.created_at, parking.capacity, parking.requires_approval) == (
        first_id,
        created_at,
        45,
        True,
    )
    last = db.session.scalars(
        select(AuditEntry).where(AuditEntry.subject_id == first_id).order_by(AuditEntry.id.desc())
    ).first()
    assert (last.action, last.changes) == ("updated", {"capacity": [40, 45], "requires_approval": [False, True]})


def test_resource_may_belong_to_an_organisation_already_in_the_database(app):
    city = make_city()
    doc = {"resources": [dict(PARKING, code="T-S-P1", owner=city["street"].code)]}

    run_import(doc)

    assert resource("T-S-P1").owner.code == "T-S"


def test_file_may_take_over_a_resource_a_manager_created(app):
    city = make_city()
    make_resource("T-S-01-P1", city["c1"], name="旧名字", kind="parking", capacity=10)

    report = run_import({"resources": [dict(PARKING, code="T-S-01-P1", owner="T-S-01")]})

    assert report.updated["resources"] == 1
    assert (resource("T-S-01-P1").name, resource("T-S-01-P1").capacity) == ("东坝社区公共停车场", 40)


def test_empty_windows_and_closures_are_accepted(app):
    doc = document()
    doc["resources"][0].update(windows=[], closures=None)

    assert check_document(doc) == []


# --- a bad file --------------------------------------------------------------


def _set(path: str, value: Any):
    """A change to the first resource at a dotted path, e.g. "policy.min_minutes"."""

    def change(doc: dict[str, Any]) -> None:
        target = doc["resources"][0]
        *parents, key = path.split(".")
        for parent in parents:
            target = target[parent]
        target[key] = value

    return change


def _drop(key: str):
    return lambda doc: doc["resources"][0].pop(key)


@pytest.mark.parametrize(
    ("change", "path"),
    [
        pytest.param(_set("code", "东坝P1"), "resources[0].code", id="code-must-be-ascii"),
        pytest.param(_set("code", "import"), "resources[0].code", id="code-names-a-directory-page"),
        pytest.param(_set("code", 17), "resources[0].code", id="code-must-be-text"),
        pytest.param(
            lambda d: d["resources"].append(dict(d["resources"][0])), "resources[2].code", id="code-twice-in-the-file"
        ),
        pytest.param(_drop("name"), "resources[0].name", id="name-is-required"),
        pytest.param(_set("name", "   "), "resources[0].name", id="name-of-spaces-is-no-name"),
        pytest.param(_set("name", "场" * 201), "resources[0].name", id="name-too-long"),
        pytest.param(_set("kind", "swimming_pool"), "resources[0].kind", id="kind-not-one-of-the-six"),
        pytest.param(_set("kind", "停车场"), "resources[0].kind", id="kind-in-the-file-is-the-english-value"),
        pytest.param(_drop("owner"), "resources[0].owner", id="owner-is-required"),
        pytest.param(_set("owner", "NOWHERE"), "resources[0].owner", id="owner-unknown"),
        pytest.param(_set("owner", "LZ"), "resources[0].owner", id="a-district-owns-no-resources"),
        pytest.param(_drop("capacity"), "resources[0].capacity", id="capacity-is-required"),
        pytest.param(_set("capacity", 0), "resources[0].capacity", id="capacity-at-least-one"),
        pytest.param(_set("capacity", "40"), "resources[0].capacity", id="capacity-is-a-number-not-text"),
        pytest.param(_set("capacity", True), "resources[0].capacity", id="capacity-is-not-a-flag"),
        pytest.param(_set("capacity", 2.5), "resources[0].capacity", id="capacity-is-whole"),
        pytest.param(_set("unit_label", "车" * 21), "resources[0].unit_label", id="unit-label-too-long"),
        pytest.param(_set("timezone", "Beijing"), "resources[0].timezone", id="timezone-unknown"),
        pytest.param(_set("latitude", 32.4), "resources[0].latitude", id="latitude-without-longitude"),
        pytest.param(_set("latitude", "32.4"), "resources[0].latitude", id="latitude-is-a-number-not-text"),
        pytest.param(
            lambda d: d["resources"][0].update(latitude=10**400, longitude=105),
            "resources[0].latitude",
            id="latitude-too-large-for-any-number",
        ),
        pytest.param(
            lambda d: d["resources"][0].update(latitude=91, longitude=105),
            "resources[0].latitude",
            id="latitude-beyond-the-pole",
        ),
        pytest.param(_set("amenities", "灯光、更衣室"), "resources[0].amenities", id="amenities-are-a-list"),
        pytest.param(_set("amenities", ["灯光", 3]), "resources[0].amenities", id="amenities-are-text"),
        pytest.param(_set("active", "yes"), "resources[0].active", id="active-is-true-or-false"),
        pytest.param(_set("colour", "red"), "resources[0].colour", id="unknown-field"),
        pytest.param(_set("policy", [30]), "resources[0].policy", id="policy-is-an-object"),
        pytest.param(_set("policy.colour", "red"), "resources[0].policy.colour", id="unknown-policy-field"),
        pytest.param(
            _set("policy.slot_minutes", 7), "resources[0].policy.slot_minutes", id="slot-does-not-divide-a-day"
        ),
        pytest.param(_set("policy.min_minutes", 45), "resources[0].policy.min_minutes", id="shortest-not-whole-slots"),
        pytest.param(_set("policy.max_minutes", 0), "resources[0].policy.max_minutes", id="longest-below-the-shortest"),
        pytest.param(
            _set("policy.book_ahead_days", 400), "resources[0].policy.book_ahead_days", id="book-ahead-over-a-year"
        ),
        pytest.param(_set("policy.buffer_minutes", -5), "resources[0].policy.buffer_minutes", id="negative-buffer"),
        pytest.param(
            _set("policy.max_minutes", "600"), "resources[0].policy.max_minutes", id="minutes-are-numbers-not-text"
        ),
        pytest.param(
            _set("policy.release_time", "25:00"), "resources[0].policy.release_time", id="release-time-not-a-time"
        ),
        pytest.param(
            _set("policy.release_time", 1050),
            "resources[0].policy.release_time",
            id="release-time-read-as-base-60-number",
        ),
        pytest.param(
            _set("policy.requires_approval", "否"),
            "resources[0].policy.requires_approval",
            id="approval-is-true-or-false",
        ),
        pytest.param(_set("windows", "all day"), "resources[0].windows", id="windows-are-a-list"),
        pytest.param(_set("closures", "路面维修"), "resources[0].closures", id="closures-are-a-list"),
        pytest.param(lambda d: d["resources"].insert(0, "P1"), "resources[0]", id="resource-is-an-object"),
        pytest.param(lambda d: d.update(resources={"P1": {}}), "resources", id="section-is-a-list"),
    ],
)
def test_each_resource_rule_is_reported_by_its_path(app, change, path):
    doc = document()
    change(doc)

    problems = check_document(doc)

    assert path in [problem.split(": ", 1)[0] for problem in problems], problems
    assert refused(doc) == problems
    assert count(Resource) == 0


def test_domain_rules_speak_the_domain_messages(app):
    doc = document()
    doc["resources"][0]["policy"]["min_minutes"] = 45
    doc["resources"][1]["capacity"] = 0

    assert check_document(doc) == [
        "resources[0].policy.min_minutes: Use a whole number of slots, at least one.",
        "resources[1].capacity: Capacity must be between 1 and 100000.",
    ]


# --- windows and closures ----------------------------------------------------

UNITS_ON_WORKDAYS = {
    "audience": "registered_units",
    "days": "workday",
    "start": "08:30",
    "end": "17:30",
    "price": 0,
    "max_quantity": 3,
}
RESIDENTS_AT_NIGHT = {"audience": "residents", "days": "all", "start": "17:30", "end": "24:00", "max_quantity": 1}
STADIUM_EVENINGS = {
    "audience": "residents",
    "days": ["mon", "tue", "wed", "thu", "fri"],
    "start": "18:00",
    "end": "21:30",
}
REPAIRS = {"start": "2026-12-05T00:00:00+08:00", "end": "2026-12-06T00:00:00+08:00", "reason": "路面维修"}


def with_rules() -> dict[str, Any]:
    doc = document()
    doc["resources"][0].update(windows=[UNITS_ON_WORKDAYS, RESIDENTS_AT_NIGHT], closures=[REPAIRS])
    doc["resources"][1].update(windows=[STADIUM_EVENINGS])
    return copy.deepcopy(doc)


def windows_of(code: str) -> list[tuple[str, str | list[str], str, str]]:
    db.session.expire_all()
    views = [w.audit_view() for w in list_windows(get_resource(code))]
    return [(v["audience"], v["days"], v["start"], v["end"]) for v in views]


def closures_of(code: str) -> list[tuple[datetime, datetime, str]]:
    db.session.expire_all()
    return [(c.start, c.end, c.reason) for c in list_closures(get_resource(code))]


def window(**changes: Any):
    """A change to the parking lot's first window."""
    return lambda doc: doc["resources"][0]["windows"][0].update(changes)


def closure(**changes: Any):
    return lambda doc: doc["resources"][0]["closures"][0].update(changes)


def test_windows_and_closures_of_the_file_are_written(app):
    report = run_import(with_rules())

    assert (report.created["windows"], report.created["closures"]) == (3, 1)
    assert windows_of("LZ-DB-01-P1") == [
        ("residents", "all", "17:30", "24:00"),
        ("registered_units", "workday", "08:30", "17:30"),
    ]
    assert windows_of("U-GYYZ-S1") == [("residents", ["mon", "tue", "wed", "thu", "fri"], "18:00", "21:30")]
    stadium = get_window(get_resource("U-GYYZ-S1"), list_windows(get_resource("U-GYYZ-S1"))[0].id)
    assert stadium.to_domain().days.weekdays == frozenset(range(5))
    assert closures_of("LZ-DB-01-P1") == [
        (datetime(2026, 12, 4, 16, tzinfo=UTC), datetime(2026, 12, 5, 16, tzinfo=UTC), "路面维修")
    ]
    assert closures_of("U-GYYZ-S1") == []


def test_importing_windows_twice_adds_nothing_and_audits_nothing(app):
    run_import(with_rules())
    ids = sorted(db.session.scalars(select(Window.id)))
    entries = count(AuditEntry)

    report = run_import(with_rules())

    assert not report.changed
    assert (report.unchanged["windows"], report.unchanged["closures"]) == (3, 1)
    assert sorted(db.session.scalars(select(Window.id))) == ids
    assert count(AuditEntry) == entries


def test_window_taken_out_of_the_file_is_removed(app):
    run_import(with_rules())
    doc = with_rules()
    doc["resources"][0]["windows"] = [UNITS_ON_WORKDAYS]

    report = run_import(doc)

    assert (report.removed["windows"], report.unchanged["windows"], report.created["windows"]) == (1, 2, 0)
    assert report.changed
    assert windows_of("LZ-DB-01-P1") == [("registered_units", "workday", "08:30", "17:30")]
    removed = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "window_removed")).all()
    assert [(e.subject_type, e.changes["start"]) for e in removed] == [("resource", ["17:30", None])]


def test_changed_window_replaces_the_old_one(app):
    run_import(with_rules())
    doc = with_rules()
    doc["resources"][0]["windows"][0]["end"] = "18:00"

    report = run_import(doc)

    assert (report.created["windows"], report.removed["windows"]) == (1, 1)
    assert ("registered_units", "workday", "08:30", "18:00") in windows_of("LZ-DB-01-P1")
    assert ("registered_units", "workday", "08:30", "17:30") not in windows_of("LZ-DB-01-P1")


def test_empty_list_removes_every_window_and_closure(app):
    run_import(with_rules())
    doc = with_rules()
    doc["resources"][0].update(windows=[], closures=[])

    report = run_import(doc)

    assert (report.removed["windows"], report.removed["closures"]) == (2, 1)
    assert windows_of("LZ-DB-01-P1") == [] and closures_of("LZ-DB-01-P1") == []


def test_resource_without_the_keys_keeps_its_windows_and_closures(app):
    run_import(with_rules())
    doc = with_rules()
    del doc["resources"][0]["windows"]
    del doc["resources"][0]["closures"]

    report = run_import(doc)

    assert not report.changed
    assert len(windows_of("LZ-DB-01-P1")) == 2 and len(closures_of("LZ-DB-01-P1")) == 1


def test_closures_of_the_owner_organisation_are_left_alone(app):
    run_import(with_rules())
    community = get_organisation("LZ-DB-01")
    start = datetime(2027, 1, 1, tzinfo=UTC)
    add_closure(
        organisation=community, start=start, end=start + timedelta(days=1), reason="元旦", actor=None, now=utcnow()
    )
    db.session.commit()
    doc = with_rules()
    doc["resources"][0]["closures"] = []

    run_import(doc)

    assert [reason for _, _, reason in closures_of("LZ-DB-01-P1")] == ["元旦"]


def test_capacity_cut_below_a_kept_windows_limit_is_refused(app):
    run_import(with_rules())
    doc = with_rules()
    del doc["resources"][0]["windows"]
    doc["resources"][0]["capacity"] = 2

    assert [p.split(": ", 1)[0] for p in refused(doc)] == ["resources[0].capacity"]


@pytest.mark.parametrize(
    ("change", "path", "says"),
    [
        pytest.param(window(audience="everyone"), "resources[0].windows[0].audience", '"everyone" is not one of'),
        pytest.param(window(audience=None), "resources[0].windows[0].audience", "is required", id="no-audience"),
        pytest.param(window(days=["mon", "funday"]), "resources[0].windows[0].days", '["mon", "funday"]: Use all'),
        pytest.param(window(days="weekends"), "resources[0].windows[0].days", '"weekends": Use all'),
        pytest.param(window(days=[]), "resources[0].windows[0].days", "[]: Use all", id="no-days-listed"),
        pytest.param(window(start="25:00"), "resources[0].windows[0].start", '"25:00" is not a time'),
        pytest.param(window(start="8.30"), "resources[0].windows[0].start", '"8.30" is not a time'),
        pytest.param(window(end=1050), "resources[0].windows[0].end", '"1050" is not a time', id="base-60-number"),
        pytest.param(window(end="08:00"), "resources[0].windows[0].end", "must end after it starts", id="end<start"),
        pytest.param(window(start="24:00", end="24:00"), "resources[0].windows[0].end", "must end after it starts"),
        pytest.param(window(max_quantity=41), "resources[0].windows[0].max_quantity", "more than the capacity"),
        pytest.param(window(max_quantity=0), "resources[0].windows[0].max_quantity", "out of range"),
        pytest.param(window(max_quantity="3"), "resources[0].windows[0].max_quantity", "must be a whole number"),
        pytest.param(window(price=-100), "resources[0].windows[0].price", "out of range", id="negative-price"),
        pytest.param(window(price=1.5), "resources[0].windows[0].price", "must be a whole number", id="price-in-fen"),
        pytest.param(window(price=10**400), "resources[0].windows[0].price", "too large", id="price-huge"),
        pytest.param(window(max_minutes_per_week=10081), "resources[0].windows[0].max_minutes_per_week", "range"),
        pytest.param(window(requires_approval="是"), "resources[0].windows[0].requires_approval", "true or false"),
        pytest.param(window(colour="red"), "resources[0].windows[0].colour", "is not a known field"),
        pytest.param(lambda d: d["resources"][0]["windows"].append("all day"), "resources[0].windows[2]", "object"),
        pytest.param(
            closure(end="2026-12-04T00:00:00+08:00"), "resources[0].closures[0].end", "must be after the start"
        ),
        pytest.param(
            closure(start="2026-12-05T00:00:00"), "resources[0].closures[0].start", "no UTC offset", id="naive-start"
        ),
        pytest.param(closure(end="2026-12-06"), "resources[0].closures[0].end", "is not a date and time", id="date"),
        pytest.param(closure(end="tomorrow"), "resources[0].closures[0].end", "is not a date and time"),
        pytest.param(
            closure(end="2028-12-06T00:00:00+08:00"), "resources[0].closures[0].end", "at most 366 days", id="2-years"
        ),
        pytest.param(closure(reason=" "), "resources[0].closures[0].reason", "is required", id="no-reason"),
        pytest.param(closure(reason="修" * 201), "resources[0].closures[0].reason", "longer than 200"),
        pytest.param(closure(why="修"), "resources[0].closures[0].why", "is not a known field"),
    ],
)
def test_each_window_and_closure_rule_is_reported_by_its_path_and_nothing_is_written(app, change, path, says):
    doc = with_rules()
    change(doc)

    problems = refused(doc)

    assert [p for p in problems if p.startswith(f"{path}: ")] == [p for p in problems], problems
    assert says in problems[0]
    assert count(Resource) == count(Window) == count(Closure) == 0


def test_every_bad_window_field_is_listed_at_once(app):
    doc = with_rules()
    doc["resources"][0]["windows"][0].update(audience="everyone", days=["mon", "funday"], start="25:00")
    doc["resources"][0]["windows"][1].update(max_quantity=41, price=-1)
    doc["resources"][0]["closures"][0].update(start="2026-12-05T00:00:00")

    assert [p.split(": ", 1)[0] for p in refused(doc)] == [
        "resources[0].windows[0].audience",
        "resources[0].windows[0].days",
        "resources[0].windows[0].start",
        "resources[0].windows[1].price",
        "resources[0].windows[1].max_quantity",
        "resources[0].closures[0].start",
    ]


def test_window_problem_after_an_import_leaves_the_old_windows(app):
    run_import(with_rules())
    doc = with_rules()
    doc["resources"][0]["windows"] = [dict(UNITS_ON_WORKDAYS, start="25:00")]

    assert refused(doc) == ['resources[0].windows[0].start: "25:00" is not a time (HH:MM)']
    assert len(windows_of("LZ-DB-01-P1")) == 2


def test_one_digit_hours_and_utc_times_are_read(app):
    doc = with_rules()
    doc["resources"][0]["windows"] = [dict(UNITS_ON_WORKDAYS, start="8:30")]
    doc["resources"][0]["closures"] = [dict(REPAIRS, start="2026-12-04T16:00:00Z")]

    run_import(doc)

    assert windows_of("LZ-DB-01-P1") == [("registered_units", "workday", "08:30", "17:30")]
    assert closures_of("LZ-DB-01-P1")[0][0] == datetime(2026, 12, 4, 16, tzinfo=UTC)


def test_every_problem_of_every_resource_is_listed_and_nothing_is_written(app):
    run_import({"organisations": ORGANISATIONS})
    doc = document()
    doc["organisations"].append({"code": "LZ-DB-02", "name": "电厂社区", "kind": "community", "parent": "LZ-DB"})
    doc["resources"][0].update(capacity=0, owner="NOWHERE")
    doc["resources"][1]["policy"]["max_minutes"] = 30
    doc["resources"].append(dict(PARKING, code="LZ-DB-02-P1", owner="LZ-DB-02"))

    problems = refused(doc)

    assert [p.split(": ", 1)[0] for p in problems] == [
        "resources[0].owner",
        "resources[0].capacity",
        "resources[1].policy.max_minutes",
    ]
    assert count(Resource) == 0
    assert db.session.scalar(select(func.count()).where(Resource.code == "LZ-DB-02-P1")) == 0


# --- YAML --------------------------------------------------------------------

YAML_FILE = """\
organisations:
  - {code: LZ, name: 利州区, kind: district}
  - {code: LZ-DB, name: 东坝街道, kind: street, parent: LZ}
  - {code: LZ-DB-01, name: 东坝社区, kind: community, parent: LZ-DB}
resources:
  - code: LZ-DB-01-P1
    name: 东坝社区公共停车场
    kind: parking
    owner: LZ-DB-01
    capacity: 40
    latitude: 32.43
    longitude: 105.84
    policy:
      release_time: {time}
      requires_approval: no
    windows: []
"""


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        pytest.param("17:30", time(17, 30), id="YAML-1.1-would-read-base-60-1050"),
        pytest.param("8:30", time(8, 30), id="one-digit-hour-would-be-base-60-too"),
        pytest.param("08:30", time(8, 30), id="leading-zero-was-always-text"),
        pytest.param("'17:30'", time(17, 30), id="quoted"),
    ],
)
def test_yaml_times_written_without_quotes_stay_times(runner, tmp_path, written, expected):
    path = tmp_path / "directory.yaml"
    path.write_text(YAML_FILE.replace("{time}", written), encoding="utf-8")

    result = runner.invoke(args=["directory", "import", str(path)])

    assert result.exit_code == 0, result.output
    parking = resource("LZ-DB-01-P1")
    assert parking.release_time == expected
    # Numbers and YAML's yes/no words are still read as before.
    assert (parking.capacity, parking.latitude, parking.requires_approval) == (40, 32.43, False)


# --- the command -------------------------------------------------------------


def write(tmp_path, doc: Any) -> str:
    path = tmp_path / "directory.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_command_imports_resources_and_counts_them(runner, tmp_path):
    path = write(tmp_path, document())

    first = runner.invoke(args=["directory", "import", path])
    second = runner.invoke(args=["directory", "import", path])

    assert first.exit_code == 0, first.output
    assert "resources: 2 created, 0 updated, 0 unchanged" in first.output
    assert "resources: 0 created, 0 updated, 2 unchanged" in second.output
    assert "Nothing changed." in second.output
    assert count(Resource) == 2


def test_command_refuses_resources_with_problems_by_path(runner, tmp_path):
    doc = document()
    doc["resources"][1]["policy"]["min_minutes"] = 45
    doc["resources"][0]["windows"] = [{"audience": "public", "days": "all", "start": "25:00", "end": "24:00"}]

    result = runner.invoke(args=["directory", "import", write(tmp_path, doc)])

    assert result.exit_code != 0
    assert '  resources[0].windows[0].start: "25:00" is not a time (HH:MM)' in result.output
    assert "  resources[1].policy.min_minutes: " in result.output
    assert count(Resource) == 0


def test_command_reads_windows_of_a_yaml_file(runner, tmp_path):
    path = tmp_path / "directory.yaml"
    rules = (
        "    windows:\n"
        "      - {audience: registered_units, days: workday, start: 8:30, end: 17:30, max_quantity: 3}\n"
        "      - {audience: residents, days: [sat, sun], start: 00:00, end: 24:00}\n"
        "    closures:\n"
        "      - {start: 2026-12-05T00:00:00+08:00, end: 2026-12-06T00:00:00+08:00, reason: 路面维修}\n"
    )
    path.write_text(YAML_FILE.replace("{time}", "00:00").replace("    windows: []\n", rules), encoding="utf-8")

    result = runner.invoke(args=["directory", "import", str(path)])

    assert result.exit_code == 0, result.output
    assert windows_of("LZ-DB-01-P1") == [
        ("residents", ["sat", "sun"], "00:00", "24:00"),
        ("registered_units", "workday", "08:30", "17:30"),
    ]
    assert len(closures_of("LZ-DB-01-P1")) == 1


def test_command_dry_run_reports_resources_and_writes_nothing(runner, tmp_path):
    result = runner.invoke(args=["directory", "import", write(tmp_path, document()), "--dry-run"])

    assert result.exit_code == 0, result.output
    assert "resources: 2 created, 0 updated, 0 unchanged" in result.output
    assert count(Resource) == 0
