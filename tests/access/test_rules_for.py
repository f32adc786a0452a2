"""A resource's rules as the engine reads them: windows, closures of the resource and its owner,
the official calendar, and the requester's standing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.access.services import (
    add_closure,
    add_window,
    apply_template,
    audiences_of,
    delete_window,
    replace_windows,
    requester_for,
    resource_communities,
    rules_for,
    update_window,
)
from app.audit.services import list_entries
from app.db import utcnow
from app.domain.errors import DomainError
from app.domain.resources import Policy
from app.domain.rules import Request, check_booking
from app.domain.windows import AccessWindow, Audience, DayRule, Days
from app.extensions import db
from app.organisations.services import register_unit
from app.workdays.models import CalendarDay
from tests.factories import acknowledge, make_city, make_membership, make_resident, make_resource, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
WORKDAYS = Days(DayRule.WORKDAY)


@pytest.fixture
def city(app):
    return make_city()


@pytest.fixture
def parking(city):
    policy = Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=60)
    return make_resource("T-S-01-P1", city["c1"], kind="parking", capacity=40, unit_label="车位", policy=policy)


def test_units_window_template_reads_as_the_article_says(parking):
    added = apply_template(parking, "units_on_workdays", actor=None, now=utcnow())
    db.session.commit()
    assert [w.to_domain() for w in added] == [
        AccessWindow(Audience.REGISTERED_UNITS, WORKDAYS, 510, 1050, max_quantity=3, id=added[0].id)
    ]
    assert apply_template(parking, "units_on_workdays", actor=None, now=utcnow()) == []


def test_unknown_template_is_refused(parking):
    with pytest.raises(DomainError) as caught:
        apply_template(parking, "everything", actor=None, now=utcnow())
    assert caught.value.code == "unknown_template"


def test_window_limits_must_fit_the_resource(parking):
    with pytest.raises(DomainError) as caught:
        add_window(parking, AccessWindow(Audience.PUBLIC, WORKDAYS, 0, 60, max_quantity=41), actor=None, now=utcnow())
    assert caught.value.field == "max_quantity"


def test_every_rule_change_is_on_the_resources_audit_trail(parking):
    admin = make_user(name="管理员", is_admin=True)
    row = add_window(parking, AccessWindow(Audience.PUBLIC, WORKDAYS, 480, 600), actor=admin, now=utcnow())
    update_window(row, AccessWindow(Audience.PUBLIC, WORKDAYS, 480, 660), actor=admin, now=utcnow())
    delete_window(row, actor=admin, now=utcnow())
    db.session.commit()
    actions = [e.action for e in list_entries("resource", parking.id)]
    assert actions[:3] == ["window_removed", "window_changed", "window_added"]
    changed = list_entries("resource", parking.id)[1]
    assert changed.changes == {"end": ["10:00", "11:00"]} and changed.actor == admin


def test_replacing_windows_with_the_same_set_changes_nothing(parking):
    windows = [
        AccessWindow(Audience.REGISTERED_UNITS, WORKDAYS, 510, 1050, max_quantity=3),
        AccessWindow(Audience.RESIDENTS, Days(DayRule.ALL), 0, 1440),
    ]
    assert replace_windows(parking, windows, actor=None, now=utcnow()) == (2, 0)
    before = len(list_entries("resource", parking.id))
    assert replace_windows(parking, windows, actor=None, now=utcnow()) == (0, 0)
    assert len(list_entries("resource", parking.id)) == before
    assert replace_windows(parking, windows[:1], actor=None, now=utcnow()) == (0, 1)


def test_rules_hold_the_resources_and_its_owners_closures_and_the_official_calendar(city, parking):
    apply_template(parking, "units_on_workdays", actor=None, now=utcnow())
    day = date(2026, 12, 7)
    own = add_closure(
        resource=parking,
        start=datetime(2026, 12, 8, tzinfo=SHANGHAI),
        end=datetime(2026, 12, 9, tzinfo=SHANGHAI),
        reason="路面维修",
        actor=None,
        now=utcnow(),
    )
    add_closure(
        organisation=city["c1"],
        start=datetime(2026, 12, 10, tzinfo=SHANGHAI),
        end=datetime(2026, 12, 11, tzinfo=SHANGHAI),
        reason="社区活动",
        actor=None,
        now=utcnow(),
    )
    add_closure(
        organisation=city["c2"],
        start=datetime(2026, 12, 9, tzinfo=SHANGHAI),
        end=datetime(2026, 12, 10, tzinfo=SHANGHAI),
        reason="别的社区",
        actor=None,
        now=utcnow(),
    )
    db.session.add(CalendarDay(day=day, workday=False, name="测试假日", source="manual"))
    db.session.commit()
    rules = rules_for(parking, date(2026, 12, 7), date(2026, 12, 13))
    assert rules.capacity == 40 and rules.zone == SHANGHAI
    assert sorted((c.start, c.end) for c in rules.closures) == [
        (own.start, own.end),
        (datetime(2026, 12, 10, tzinfo=SHANGHAI), datetime(2026, 12, 11, tzinfo=SHANGHAI)),
    ]
    assert rules.calendar[day].workday is False


def test_a_unit_staff_member_is_eligible_only_when_the_unit_is_acknowledged(city, parking):
    apply_template(parking, "units_on_workdays", actor=None, now=utcnow())
    other_unit = city["unit"].__class__(code="U-X", name="未报到单位", kind="unit", unit_type="organ")
    db.session.add(other_unit)
    staff = make_user(name="单位职工")
    make_membership(staff, city["unit"])
    make_membership(staff, other_unit)
    registration = register_unit(other_unit, city["c1"], applicant=None)
    db.session.commit()
    monday_morning = datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI)
    rules = rules_for(parking, date(2026, 12, 7), date(2026, 12, 7))
    now = datetime(2026, 12, 1, tzinfo=SHANGHAI)

    def decide(requester):
        request = Request(
            monday_morning,
            monday_morning + timedelta(hours=1),
            1,
            audiences_of(requester, parking),
            requester.may_act,
            requester.quota_key,
        )
        return check_booking(request, rules, [], now).code

    assert decide(requester_for(staff, acting_for=city["unit"])) is None
    assert decide(requester_for(staff, acting_for=other_unit)) == "not_eligible"  # still pending
    acknowledge(registration)
    db.session.commit()
    assert decide(requester_for(staff, acting_for=other_unit)) is None
    assert decide(requester_for(staff)) == "not_eligible"  # for oneself, a staff member is no unit
    stranger = make_user(name="路人")
    assert decide(requester_for(stranger, acting_for=city["unit"])) == "forbidden"


def test_residents_of_the_communities_a_unit_registered_with_are_its_residents(city):
    stadium = make_resource("U-T-S1", city["unit"], capacity=4)
    resident = make_user(name="居民")
    make_resident(resident, city["c1"])
    elsewhere = make_user(name="外社区居民")
    make_resident(elsewhere, city["c2"])
    assert resource_communities([stadium]) == {stadium.id: frozenset({city["c1"].id})}
    assert Audience.RESIDENTS in audiences_of(requester_for(resident), stadium)
    assert Audience.RESIDENTS not in audiences_of(requester_for(elsewhere), stadium)
