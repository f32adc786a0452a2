"""Organisation services: the queries other features ask, the tree's rules, registrations and constraints."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from app.db import utcnow
from app.domain.errors import DomainError
from app.extensions import db
from app.organisations.models import Membership, Organisation, Registration
from app.organisations.services import (
    current_residence,
    decide_registration,
    is_manager,
    is_unit_registered_with,
    list_managers,
    list_party_member_communities,
    list_registrations,
    list_resident_communities,
    list_unit_communities,
    list_units_user_may_act_for,
    register_resident,
    register_unit,
    save_organisation,
    set_membership,
)
from tests.factories import acknowledge, make_city, make_membership, make_org, make_resident, make_user


@pytest.fixture
def city(app):
    return make_city()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- residents and party members ---------------------------------------------


def test_acknowledged_resident_registration_makes_the_user_a_resident(city):
    user = make_user()
    make_resident(user, city["c1"])

    assert list_resident_communities(user) == [city["c1"]]


@pytest.mark.parametrize(
    "final_status",
    [
        pytest.param(None, id="pending-until-the-community-acknowledges"),
        pytest.param("declined", id="declined-by-the-community"),
        pytest.param("withdrawn", id="withdrawn-after-moving-away"),
    ],
)
def test_resident_registration_that_is_not_acknowledged_does_not_count(city, final_status):
    user = make_user()
    registration = register_resident(user, city["c1"])
    if final_status:
        decide_registration(registration, final_status, by=None, now=utcnow())
    db.session.commit()

    assert list_resident_communities(user) == []
    assert list_party_member_communities(user) == []


def test_withdrawn_acknowledged_residence_stops_counting(city):
    user = make_user()
    registration = make_resident(user, city["c1"])
    decide_registration(registration, "withdrawn", by=None, now=utcnow())
    db.session.commit()

    assert list_resident_communities(user) == []


def test_party_member_communities_are_only_those_registered_as_party_member(city):
    member = make_user()
    plain = make_user()
    make_resident(member, city["c1"], party_member=True)
    make_resident(plain, city["c2"], party_member=False)

    assert list_party_member_communities(member) == [city["c1"]]
    assert list_party_member_communities(plain) == []
    assert list_resident_communities(plain) == [city["c2"]]


def test_pending_party_member_registration_does_not_count(city):
    user = make_user()
    register_resident(user, city["c1"], party_member=True)
    db.session.commit()

    assert list_party_member_communities(user) == []


# --- units the user may act for ----------------------------------------------


@pytest.mark.parametrize("role", ["member", "manager"])
def test_member_or_manager_of_a_unit_may_act_for_it(city, role):
    user = make_user()
    make_membership(user, city["unit"], role)

    assert list_units_user_may_act_for(user) == [city["unit"]]


def test_membership_of_a_community_or_street_is_not_a_unit_to_act_for(city):
    user = make_user()
    make_membership(user, city["c1"], "manager")
    make_membership(user, city["street"], "member")

    assert list_units_user_may_act_for(user) == []


def test_inactive_unit_is_not_a_unit_to_act_for(city):
    user = make_user()
    make_membership(user, city["unit"], "manager")
    city["unit"].active = False
    db.session.commit()

    assert list_units_user_may_act_for(user) == []


def test_user_without_memberships_acts_for_no_unit(city):
    assert list_units_user_may_act_for(make_user()) == []


# --- unit registrations ------------------------------------------------------


def test_unit_registered_with_a_community_counts_once_acknowledged(city):
    unit = make_org("U-NEW", kind="unit", unit_type="hospital", parent=city["street"])
    registration = register_unit(unit, city["c2"], applicant=None)
    db.session.commit()

    assert not is_unit_registered_with(unit, city["c2"])
    assert list_unit_communities(unit) == []

    acknowledge(registration)
    db.session.commit()

    assert is_unit_registered_with(unit, city["c2"])
    assert list_unit_communities(unit) == [city["c2"]]


def test_unit_registration_is_per_community(city):
    assert is_unit_registered_with(city["unit"], city["c1"])
    assert not is_unit_registered_with(city["unit"], city["c2"])
    assert list_unit_communities(city["unit"]) == [city["c1"]]


@pytest.mark.parametrize("status", ["declined", "withdrawn"])
def test_unit_registration_that_ended_does_not_count(city, status):
    registration = db.session.scalar(select(Registration).where(Registration.unit_id == city["unit"].id))
    decide_registration(registration, status, by=None, now=utcnow())
    db.session.commit()

    assert not is_unit_registered_with(city["unit"], city["c1"])
    assert list_unit_communities(city["unit"]) == []


def test_unit_communities_are_listed_in_code_order(city):
    acknowledge(register_unit(city["unit"], city["c2"], applicant=None))
    db.session.commit()

    assert [c.code for c in list_unit_communities(city["unit"])] == ["T-S-01", "T-S-02"]


# --- managers ----------------------------------------------------------------


def test_managers_are_listed_and_members_are_not(city):
    manager = make_user(name="甲")
    member = make_user(name="乙")
    make_membership(manager, city["c1"], "manager")
    make_membership(member, city["c1"], "member")

    assert list_managers(city["c1"]) == [manager]
    assert is_manager(manager, city["c1"])
    assert not is_manager(member, city["c1"])
    assert not is_manager(manager, city["c2"])


def test_admin_without_membership_is_not_listed_as_manager(city):
    admin = make_user(is_admin=True)

    assert list_managers(city["c1"]) == []
    assert not is_manager(admin, city["c1"])


def test_inactive_manager_is_not_listed(city):
    manager = make_user(active=False)
    make_membership(manager, city["c1"], "manager")

    assert list_managers(city["c1"]) == []


def test_changing_a_role_keeps_one_membership(city):
    user = make_user()
    make_membership(user, city["c1"], "member")
    make_membership(user, city["c1"], "manager")

    assert _count(Membership) == 1
    assert is_manager(user, city["c1"])


def test_unknown_role_is_refused(city):
    with pytest.raises(DomainError) as error:
        set_membership(make_user(), city["c1"], "owner")
    assert error.value.code == "invalid_role"


# --- saving organisations ----------------------------------------------------


def _save(org=None, **overrides):
    values = {"code": "NEW", "name": "新组织", "kind": "district", "unit_type": None, "parent": None}
    values.update(overrides)
    return save_organisation(org, **values)


@pytest.mark.parametrize(
    ("kind", "unit_type", "parent_key"),
    [
        pytest.param("district", None, None, id="district-at-the-top"),
        pytest.param("street", None, "district", id="street-under-a-district"),
        pytest.param("community", None, "street", id="community-under-a-street"),
        pytest.param("unit", "school", None, id="unit-not-yet-placed"),
        pytest.param("unit", "hospital", "district", id="unit-under-a-district"),
        pytest.param("unit", "organ", "street", id="unit-under-a-street"),
        pytest.param("unit", "social_org", "c1", id="unit-under-a-community"),
    ],
)
def test_valid_placement_is_saved(city, kind, unit_type, parent_key):
    parent = city[parent_key] if parent_key else None
    org = _save(kind=kind, unit_type=unit_type, parent=parent)
    db.session.commit()

    saved = db.session.scalar(select(Organisation).where(Organisation.code == "NEW"))
    assert saved is org
    assert saved.kind == kind
    assert saved.unit_type == unit_type
    assert saved.parent is parent


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        pytest.param(
            {"kind": "community", "parent": "district"}, "invalid_parent", id="community-directly-under-district"
        ),
        pytest.param({"kind": "community", "parent": None}, "invalid_parent", id="community-without-a-street"),
        pytest.param({"kind": "street", "parent": "street"}, "invalid_parent", id="street-under-a-street"),
        pytest.param({"kind": "street", "parent": None}, "invalid_parent", id="street-without-a-district"),
        pytest.param({"kind": "district", "parent": "district"}, "invalid_parent", id="district-under-anything"),
        pytest.param({"kind": "street", "parent": "unit"}, "invalid_parent", id="nothing-sits-under-a-unit"),
        pytest.param(
            {"kind": "unit", "parent": "c1", "unit_type": "school", "code": "T-S-01"},
            "code_taken",
            id="code-of-another-organisation",
        ),
        pytest.param({"kind": "unit", "unit_type": None}, "unit_type_required", id="unit-without-unit-type"),
        pytest.param(
            {"kind": "district", "unit_type": "school"}, "unit_type_only_for_units", id="unit-type-on-a-district"
        ),
        pytest.param({"code": "a b"}, "invalid_code", id="code-with-a-space"),
        pytest.param({"code": ""}, "invalid_code", id="empty-code"),
        pytest.param({"code": "-LZ"}, "invalid_code", id="code-starting-with-a-dash"),
        pytest.param({"code": "社区"}, "invalid_code", id="code-not-ascii"),
        pytest.param({"name": "   "}, "name_required", id="blank-name"),
        pytest.param({"kind": "village"}, "invalid_kind", id="unknown-kind"),
        pytest.param({"kind": "unit", "unit_type": "bank"}, "invalid_kind", id="unknown-unit-type"),
    ],
)
def test_invalid_organisation_is_refused_and_nothing_is_added(city, overrides, code):
    if isinstance(overrides.get("parent"), str):
        overrides = {**overrides, "parent": city[overrides["parent"]]}
    before = _count(Organisation)

    with pytest.raises(DomainError) as error:
        _save(**overrides)
    db.session.rollback()

    assert error.value.code == code
    assert _count(Organisation) == before


def test_organisation_keeps_its_own_code_when_edited(city):
    save_organisation(
        city["c1"], code="T-S-01", name="改名社区", kind="community", unit_type=None, parent=city["street"]
    )
    db.session.commit()
    db.session.expire_all()

    assert db.session.scalar(select(Organisation.name).where(Organisation.code == "T-S-01")) == "改名社区"


def test_organisation_cannot_be_its_own_parent(city):
    with pytest.raises(DomainError) as error:
        save_organisation(
            city["street"], code="T-S", name="测试街道", kind="street", unit_type=None, parent=city["street"]
        )
    assert error.value.code == "invalid_parent"


def test_organisation_cannot_move_under_its_own_descendant(city):
    # The only way a district could sit under its own street is to become a
    # community there, which a district with organisations under it may not.
    with pytest.raises(DomainError) as error:
        save_organisation(
            city["district"], code="T", name="测试区", kind="community", unit_type=None, parent=city["street"]
        )
    db.session.rollback()

    assert error.value.code in {"invalid_parent", "kind_has_children"}
    db.session.expire_all()
    district = db.session.scalar(select(Organisation).where(Organisation.code == "T"))
    assert district.kind == "district"
    assert district.parent is None


def test_organisation_with_children_cannot_change_kind(city):
    with pytest.raises(DomainError) as error:
        save_organisation(city["street"], code="T-S", name="测试街道", kind="unit", unit_type="organ", parent=None)
    assert error.value.code == "kind_has_children"


def test_organisation_without_children_may_change_kind(city):
    save_organisation(city["c2"], code="T-S-02", name="二号单位", kind="unit", unit_type="soe", parent=city["street"])
    db.session.commit()

    assert city["c2"].kind == "unit"
    assert city["c2"].unit_type == "soe"


def test_saving_trims_name_address_and_phone(app):
    org = _save(name="  利州区 ", address=" 东坝路 ", contact_phone=" 0839-1234567 ")

    assert (org.name, org.address, org.contact_phone) == ("利州区", "东坝路", "0839-1234567")


# --- registering -------------------------------------------------------------


def test_register_unit_creates_a_pending_registration(city):
    applicant = make_user()
    registration = register_unit(city["unit"], city["c2"], applicant=applicant)
    db.session.commit()

    assert registration.status == "pending"
    assert registration.kind == "unit"
    assert registration.user is applicant
    assert registration.receipt is None
    assert registration.decided_at is None


@pytest.mark.parametrize(
    "first_status",
    [
        pytest.param("pending", id="while-the-first-is-pending"),
        pytest.param("acknowledged", id="while-the-first-is-acknowledged"),
    ],
)
def test_second_live_unit_registration_with_the_same_community_is_refused(city, first_status):
    registration = register_unit(city["unit"], city["c2"], applicant=None)
    if first_status == "acknowledged":
        acknowledge(registration)
    db.session.commit()

    with pytest.raises(DomainError) as error:
        register_unit(city["unit"], city["c2"], applicant=None)
    assert error.value.code == "already_registered"


def test_unit_may_register_again_after_its_registration_was_declined(city):
    first = register_unit(city["unit"], city["c2"], applicant=None)
    decide_registration(first, "declined", by=None, now=utcnow())
    second = register_unit(city["unit"], city["c2"], applicant=None)
    db.session.commit()

    assert second.id != first.id
    assert second.status == "pending"


@pytest.mark.parametrize(
    ("unit_key", "community_key", "code"),
    [
        pytest.param("unit", "street", "not_a_community", id="a-unit-registers-with-communities-only"),
        pytest.param("unit", "district", "not_a_community", id="not-with-a-district"),
        pytest.param("c2", "c1", "not_a_unit", id="a-community-is-not-a-unit"),
    ],
)
def test_unit_registration_with_wrong_kinds_is_refused(city, unit_key, community_key, code):
    with pytest.raises(DomainError) as error:
        register_unit(city[unit_key], city[community_key], applicant=None)
    assert error.value.code == code


def test_resident_registration_outside_a_community_is_refused(city):
    with pytest.raises(DomainError) as error:
        register_resident(make_user(), city["street"])
    assert error.value.code == "not_a_community"


def test_resident_work_unit_must_be_a_unit(city):
    with pytest.raises(DomainError) as error:
        register_resident(make_user(), city["c1"], work_unit=city["c2"])
    assert error.value.code == "not_a_unit"


@pytest.mark.parametrize(
    "first_status",
    [
        pytest.param("pending", id="while-the-first-is-pending"),
        pytest.param("acknowledged", id="while-the-first-is-acknowledged"),
    ],
)
def test_second_live_residence_is_refused_even_in_another_community(city, first_status):
    user = make_user()
    registration = register_resident(user, city["c1"])
    if first_status == "acknowledged":
        acknowledge(registration)
    db.session.commit()

    with pytest.raises(DomainError) as error:
        register_resident(user, city["c2"])
    assert error.value.code == "already_registered"


def test_resident_may_register_elsewhere_after_withdrawing(city):
    user = make_user()
    old = make_resident(user, city["c1"])
    decide_registration(old, "withdrawn", by=None, now=utcnow())
    new = register_resident(user, city["c2"])
    db.session.commit()

    assert current_residence(user) is new


# --- deciding ----------------------------------------------------------------


def test_acknowledging_gives_a_receipt_and_records_who_and_when(city):
    admin = make_user(is_admin=True)
    registration = register_unit(city["unit"], city["c2"], applicant=None)
    now = utcnow()
    decide_registration(registration, "acknowledged", by=admin, now=now, reason="  欢迎 ")
    db.session.commit()
    db.session.expire_all()

    stored = db.session.get(Registration, registration.id)
    assert stored.status == "acknowledged"
    assert stored.receipt == f"T-S-02-{now.year}-{stored.id:06d}"
    assert abs(stored.decided_at - now) < timedelta(seconds=1)
    assert stored.decided_by_id == admin.id
    assert stored.reason == "欢迎"


def test_receipts_are_unique_per_registration(city):
    users = [make_user(), make_user()]
    receipts = {make_resident(user, city["c1"]).receipt for user in users}

    assert len(receipts) == 2


def test_declining_gives_no_receipt_but_records_the_decision(city):
    admin = make_user(is_admin=True)
    registration = register_resident(make_user(), city["c1"])
    now = utcnow()
    decide_registration(registration, "declined", by=admin, now=now, reason="不在本社区")
    db.session.commit()

    assert registration.status == "declined"
    assert registration.receipt is None
    assert registration.decided_at == now
    assert registration.decided_by is admin


def test_withdrawing_an_acknowledged_registration_keeps_its_receipt(city):
    registration = make_resident(make_user(), city["c1"])
    receipt = registration.receipt
    decide_registration(registration, "withdrawn", by=None, now=utcnow())
    db.session.commit()

    assert registration.receipt == receipt


def test_deciding_the_same_status_again_changes_nothing(city):
    registration = make_resident(make_user(), city["c1"])
    decided_at = registration.decided_at

    decide_registration(registration, "acknowledged", by=make_user(is_admin=True), now=utcnow() + timedelta(days=1))

    assert registration.decided_at == decided_at
    assert registration.decided_by is None


@pytest.mark.parametrize(
    "status",
    [pytest.param("pending", id="back-to-pending"), pytest.param("approved", id="unknown-status")],
)
def test_invalid_decision_is_refused(city, status):
    registration = register_resident(make_user(), city["c1"])

    with pytest.raises(DomainError) as error:
        decide_registration(registration, status, by=None, now=utcnow())
    assert error.value.code == "invalid_status"


@pytest.mark.parametrize(
    "kind",
    [pytest.param("resident", id="a-second-residence"), pytest.param("unit", id="a-second-unit-registration")],
)
def test_reviving_an_ended_registration_while_another_is_live_is_refused(city, kind):
    user = make_user()
    if kind == "resident":
        old = make_resident(user, city["c1"])
        decide_registration(old, "withdrawn", by=None, now=utcnow())
        live = register_resident(user, city["c2"])
    else:
        old = register_unit(city["unit"], city["c2"], applicant=None)
        decide_registration(old, "declined", by=None, now=utcnow())
        live = register_unit(city["unit"], city["c2"], applicant=None)
    db.session.commit()

    with pytest.raises(DomainError) as error:
        decide_registration(old, "acknowledged", by=None, now=utcnow())
    db.session.rollback()

    assert error.value.code == "already_registered"
    assert db.session.get(Registration, old.id).status in {"withdrawn", "declined"}
    assert db.session.get(Registration, live.id).status == "pending"


def test_list_registrations_filters_by_community_status_and_unit(city):
    resident = make_user()
    pending = register_resident(resident, city["c2"])
    db.session.commit()

    assert list_registrations(community=city["c2"]).items == [pending]
    assert list_registrations(status="pending").items == [pending]
    assert [r.unit for r in list_registrations(unit=city["unit"]).items] == [city["unit"]]
    assert list_registrations(user=resident).items == [pending]


# --- database constraints ----------------------------------------------------


def test_database_refuses_a_second_live_residence(city):
    user = make_user()
    make_resident(user, city["c1"])

    with pytest.raises(IntegrityError):
        db.session.execute(
            insert(Registration).values(kind="resident", community_id=city["c2"].id, user_id=user.id, status="pending")
        )
        db.session.flush()
    db.session.rollback()


def test_database_allows_a_new_residence_beside_ended_ones(city):
    user = make_user()
    for status in ("withdrawn", "declined"):
        db.session.add(Registration(kind="resident", community=city["c1"], user=user, status=status))
    db.session.add(Registration(kind="resident", community=city["c2"], user=user, status="pending"))
    db.session.commit()

    assert _count(Registration) == 4  # three here and the unit's from make_city


def test_database_refuses_a_second_live_registration_of_a_unit_with_a_community(city):
    with pytest.raises(IntegrityError):
        db.session.execute(
            insert(Registration).values(
                kind="unit", community_id=city["c1"].id, unit_id=city["unit"].id, status="pending"
            )
        )
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({"kind": "unit", "unit_type": None}, id="unit-without-unit-type"),
        pytest.param({"kind": "unit", "unit_type": "bank"}, id="unit-with-unknown-unit-type"),
        pytest.param({"kind": "community", "unit_type": "school"}, id="unit-type-on-a-community"),
        pytest.param({"kind": "village", "unit_type": None}, id="unknown-kind"),
    ],
)
def test_database_refuses_an_inconsistent_organisation(app, values):
    with pytest.raises(IntegrityError):
        db.session.execute(insert(Organisation).values(code="BAD", name="坏", address="", contact_phone="", **values))
        db.session.flush()
    db.session.rollback()


def test_database_refuses_a_duplicate_organisation_code(city):
    with pytest.raises(IntegrityError):
        db.session.execute(insert(Organisation).values(code="T-S-01", name="重复", kind="district"))
        db.session.flush()
    db.session.rollback()


def test_database_refuses_an_acknowledged_registration_without_receipt(city):
    with pytest.raises(IntegrityError):
        db.session.execute(
            insert(Registration).values(
                kind="resident", community_id=city["c2"].id, user_id=make_user().id, status="acknowledged", receipt=None
            )
        )
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({"kind": "resident", "user_id": None, "unit_id": None}, id="resident-without-a-person"),
        pytest.param({"kind": "unit", "user_id": None, "unit_id": None}, id="unit-registration-without-a-unit"),
        pytest.param({"kind": "resident", "status": "approved"}, id="unknown-status"),
    ],
)
def test_database_refuses_an_inconsistent_registration(city, values):
    row = {"kind": "resident", "community_id": city["c2"].id, "user_id": make_user().id, "status": "pending"}
    row.update(values)
    with pytest.raises(IntegrityError):
        db.session.execute(insert(Registration).values(**row))
        db.session.flush()
    db.session.rollback()


def test_database_refuses_two_memberships_of_one_user_in_one_organisation(city):
    user = make_user()
    make_membership(user, city["c1"])

    with pytest.raises(IntegrityError):
        db.session.execute(insert(Membership).values(user_id=user.id, organisation_id=city["c1"].id, role="manager"))
        db.session.flush()
    db.session.rollback()


def test_database_refuses_an_unknown_role(city):
    with pytest.raises(IntegrityError):
        db.session.execute(
            insert(Membership).values(user_id=make_user().id, organisation_id=city["c1"].id, role="owner")
        )
        db.session.flush()
    db.session.rollback()
