"""The service item workflow (双领办) through its services: publishing, who may claim which kind, every
refusal, withdrawing, recording completion with hours, a note and a photo, closing and cancelling, the
notices, the lists and the figures; one live claim per claimant held by the database itself."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEntry
from app.bookings.models import Notification
from app.db import transaction, utcnow
from app.directory.photos import process_upload
from app.domain.errors import DomainError
from app.domain.service_items import ItemStatus
from app.extensions import db
from app.organisations.services import find_live_unit_registration
from app.service_items.models import ServiceClaim, ServiceItem
from app.service_items.services import (
    ItemFields,
    claim_item,
    claim_options,
    complete_claim,
    count_live,
    list_item_claims,
    list_items,
    list_my_claims,
    list_related_orgs,
    move_item,
    publish_item,
    service_figures,
    withdraw_claim,
)
from tests.factories import (
    acknowledge,
    make_admin,
    make_membership,
    make_org,
    make_resident,
    make_service_claim,
    make_service_item,
    make_user,
)
from tests.service_items.conftest import jpeg

TOMORROW = utcnow().replace(microsecond=0) + timedelta(days=1)


def claim(item, user, on_behalf_of=None, *, now=None):
    with transaction(db.session, write_lock=True):
        return claim_item(item.id, user, on_behalf_of=on_behalf_of, now=now or utcnow())


def refused(call) -> str:
    with pytest.raises(DomainError) as error:
        call()
    db.session.rollback()
    return error.value.code


def claims(**where) -> list[ServiceClaim]:
    query = select(ServiceClaim).order_by(ServiceClaim.id)
    for name, value in where.items():
        query = query.where(getattr(ServiceClaim, name) == value)
    return list(db.session.scalars(query))


def notices(user) -> list[tuple[str, str]]:
    rows = db.session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))
    return [(n.kind, n.reason) for n in rows]


# --- publishing ---------------------------------------------------------------------------------


def test_a_communitys_manager_publishes_a_need_and_the_audit_trail_records_it(people):
    fields = ItemFields(title=" 为独居老人代买药品 ", start=TOMORROW, end=TOMORROW + timedelta(hours=2), places=3)
    with transaction(db.session):
        item = publish_item(people.c1, fields, by=people.community_manager, now=utcnow())
    assert (item.kind, item.status, item.title, item.places, item.created_by_id) == (
        "need",
        "open",
        "为独居老人代买药品",
        3,
        people.community_manager.id,
    )
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "service_item"))
    assert (entry.subject_id, entry.action, entry.changes["places"]) == (item.id, "published", [None, 3])


def test_a_units_manager_publishes_a_support_item_or_an_activity_day(people):
    base = {"start": TOMORROW, "end": TOMORROW + timedelta(hours=2), "places": 2}
    with transaction(db.session):
        support = publish_item(
            people.unit, ItemFields(title="开放实验室", **base), by=people.unit_manager, now=utcnow()
        )
        day = publish_item(
            people.unit, ItemFields(title="主题党日", kind="activity_day", **base), by=people.unit_manager, now=utcnow()
        )
    assert (support.kind, day.kind) == ("support", "activity_day")


@pytest.mark.parametrize(
    ("who", "org", "code"),
    [
        ("stranger", "c1", "forbidden"),
        ("unit_manager", "c1", "forbidden"),
        ("community_manager", "unit", "forbidden"),
        ("staff", "unit", "forbidden"),
    ],
    ids=["a stranger", "another organisation's manager", "the community's manager for a unit", "a unit's member"],
)
def test_only_an_organisations_managers_publish_for_it(people, who, org, code):
    fields = ItemFields(title="代买药品", start=TOMORROW, end=TOMORROW + timedelta(hours=2), places=1)
    assert refused(lambda: publish_item(getattr(people, org), fields, by=getattr(people, who), now=utcnow())) == code
    assert db.session.scalar(select(func.count()).select_from(ServiceItem)) == 0


def test_a_street_publishes_nothing_and_a_need_is_not_a_units(people, city):
    fields = ItemFields(title="代买药品", start=TOMORROW, end=TOMORROW + timedelta(hours=2), places=1)
    admin = make_admin()
    assert refused(lambda: publish_item(city["street"], fields, by=admin, now=utcnow())) == "invalid_owner"
    need = ItemFields(title="代买药品", start=TOMORROW, end=TOMORROW + timedelta(hours=2), places=1, kind="need")
    assert refused(lambda: publish_item(people.unit, need, by=people.unit_manager, now=utcnow())) == "invalid_kind"


# --- claiming a community's need ---------------------------------------------------------------------


def test_a_registered_unit_claims_a_need_through_its_manager_and_the_publisher_is_told(people):
    item = make_service_item(people.c1, places=2)
    made = claim(item, people.unit_manager, people.unit)
    assert (made.status, made.user_id, made.on_behalf_of_id) == ("claimed", people.unit_manager.id, people.unit.id)
    assert notices(people.community_manager) == [("service_item_claimed", "为独居老人代买药品")]
    assert notices(people.unit_manager) == []
    assert count_live([item.id]) == {item.id: 1}


def test_a_registered_resident_claims_a_need_for_themself(people):
    item = make_service_item(people.c1)
    made = claim(item, people.resident)
    assert (made.on_behalf_of_id, made.user_id) == (None, people.resident.id)


@pytest.mark.parametrize(
    ("who", "for_", "code"),
    [
        ("staff", "unit", "forbidden"),
        ("unit_manager", "pending_unit", "forbidden"),
        ("pending_unit_manager", "pending_unit", "not_registered"),
        ("neighbour", None, "not_registered"),
        ("stranger", None, "not_registered"),
        ("community_manager", "c1", "invalid_claimant"),
        ("c2_manager", "c2", "invalid_claimant"),
    ],
    ids=[
        "a unit's member is not its manager",
        "acting for a unit one does not manage",
        "a unit whose registration is not acknowledged yet",
        "a resident of another community",
        "someone registered nowhere",
        "the community claiming its own need",
        "another community",
    ],
)
def test_who_may_not_claim_a_communitys_need(people, who, for_, code):
    item = make_service_item(people.c1)
    org = getattr(people, for_) if for_ else None
    assert refused(lambda: claim(item, getattr(people, who), org)) == code
    assert claims() == []


def test_acting_for_a_street_is_not_a_claimant(people, city):
    item = make_service_item(people.c1)
    admin = make_admin()
    assert refused(lambda: claim(item, admin, city["street"])) == "invalid_claimant"


def test_a_unit_acknowledged_a_moment_ago_may_claim_at_once(people):
    item = make_service_item(people.c1)
    assert refused(lambda: claim(item, people.pending_unit_manager, people.pending_unit)) == "not_registered"
    acknowledge(find_live_unit_registration(people.pending_unit, people.c1))
    db.session.commit()
    assert claim(item, people.pending_unit_manager, people.pending_unit).status == "claimed"


def test_a_unit_cannot_claim_an_item_twice_whichever_of_its_managers_asks(people):
    item = make_service_item(people.c1, places=5)
    other_manager = make_admin()
    claim(item, people.unit_manager, people.unit)
    assert refused(lambda: claim(item, people.unit_manager, people.unit)) == "already_claimed"
    assert refused(lambda: claim(item, other_manager, people.unit)) == "already_claimed"
    assert len(claims()) == 1


def test_a_person_cannot_claim_twice_but_may_again_after_withdrawing(people):
    item = make_service_item(people.c1)
    first = claim(item, people.resident)
    assert refused(lambda: claim(item, people.resident)) == "already_claimed"
    with transaction(db.session, write_lock=True):
        withdraw_claim(first.id, by=people.resident, now=utcnow())
    again = claim(item, people.resident)
    assert [c.status for c in claims()] == ["withdrawn", "claimed"] and again.id != first.id


def test_a_unit_claim_and_its_managers_own_claim_are_different_claimants(people):
    item = make_service_item(people.c1, places=3)
    make_resident(people.unit_manager, people.c1)
    claim(item, people.unit_manager, people.unit)
    claim(item, people.unit_manager)
    assert count_live([item.id]) == {item.id: 2}


def test_a_full_item_refuses_the_next_claim_and_a_withdrawal_frees_a_place(people):
    item = make_service_item(people.c1, places=1)
    first = claim(item, people.resident)
    assert refused(lambda: claim(item, people.unit_manager, people.unit)) == "capacity_exceeded"
    with transaction(db.session, write_lock=True):
        withdraw_claim(first.id, by=people.resident, now=utcnow())
    assert claim(item, people.unit_manager, people.unit).status == "claimed"


def test_a_completed_claim_keeps_its_place(people):
    item = make_service_item(people.c1, places=1)
    make_service_claim(item, people.resident, status="completed", hours=Decimal(2), completed_at=utcnow())
    assert refused(lambda: claim(item, people.unit_manager, people.unit)) == "capacity_exceeded"


@pytest.mark.parametrize("status", ["closed", "cancelled"])
def test_a_closed_or_cancelled_item_is_not_claimable(people, status):
    item = make_service_item(people.c1, status=status)
    assert refused(lambda: claim(item, people.resident)) == "not_claimable"


def test_an_item_whose_time_is_over_is_not_claimable(people):
    item = make_service_item(people.c1)
    assert refused(lambda: claim(item, people.resident, now=item.end)) == "not_claimable"


def test_claiming_an_item_that_does_not_exist_is_not_found(people):
    with pytest.raises(DomainError) as error, transaction(db.session, write_lock=True):
        claim_item(999, people.resident, on_behalf_of=None, now=utcnow())
    assert error.value.code == "not_found"


# --- a unit's support item, activity days ---------------------------------------------------------------


def test_a_community_the_unit_is_registered_with_claims_its_support_item(people):
    item = make_service_item(people.unit, title="开放化学实验室")
    made = claim(item, people.community_manager, people.c1)
    assert made.on_behalf_of_id == people.c1.id
    assert notices(people.unit_manager) == [("service_item_claimed", "开放化学实验室")]


@pytest.mark.parametrize(
    ("who", "for_", "code"),
    [
        ("c2_manager", "c2", "not_registered"),
        ("stranger", "c1", "forbidden"),
        ("unit_manager", "unit", "invalid_claimant"),
        ("resident", None, "invalid_claimant"),
    ],
    ids=[
        "a community the unit is not registered with",
        "acting for a community one does not manage",
        "a unit claims no unit's support item",
        "a person claims no support item",
    ],
)
def test_who_may_not_claim_a_units_support_item(people, who, for_, code):
    item = make_service_item(people.unit)
    org = getattr(people, for_) if for_ else None
    assert refused(lambda: claim(item, getattr(people, who), org)) == code


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("resident", None),
        ("staff", None),
        ("community_manager", "not_registered"),
        ("neighbour", "not_registered"),
        ("stranger", "not_registered"),
    ],
    ids=[
        "a registered resident",
        "a member of a unit registered with the community",
        "a manager is not thereby a resident",
        "a resident of another community",
        "someone registered nowhere",
    ],
)
def test_who_signs_up_for_a_communitys_activity_day(people, who, code):
    item = make_service_item(people.c1, kind="activity_day", title="主题党日：河道清洁")
    if code is None:
        assert claim(item, getattr(people, who)).status == "claimed"
    else:
        assert refused(lambda: claim(item, getattr(people, who))) == code


def test_an_activity_day_is_signed_up_for_by_people_not_by_their_unit(people):
    item = make_service_item(people.c1, kind="activity_day")
    assert refused(lambda: claim(item, people.unit_manager, people.unit)) == "invalid_claimant"


@pytest.mark.parametrize(
    ("who", "code"),
    [("staff", None), ("resident", None), ("neighbour", "not_registered"), ("stranger", "not_registered")],
    ids=[
        "a member of the unit",
        "a resident of a community the unit is registered with",
        "a resident of a community it is not registered with",
        "someone registered nowhere",
    ],
)
def test_who_signs_up_for_a_units_activity_day(people, who, code):
    item = make_service_item(people.unit, kind="activity_day", title="科普开放日")
    if code is None:
        assert claim(item, getattr(people, who)).status == "claimed"
    else:
        assert refused(lambda: claim(item, getattr(people, who))) == code


def test_the_claim_options_offer_what_the_user_may_claim_for(people):
    need = make_service_item(people.c1)
    support = make_service_item(people.unit)
    now = utcnow()
    assert claim_options(people.unit_manager, need, now=now) == [people.unit]
    assert claim_options(people.resident, need, now=now) == [None]
    assert claim_options(people.community_manager, support, now=now) == [people.c1]
    assert claim_options(people.stranger, need, now=now) == []
    closed = make_service_item(people.c1, status="closed")
    assert claim_options(people.resident, closed, now=now) == []


# --- withdrawing ---------------------------------------------------------------------------------------


def test_another_manager_of_the_unit_may_withdraw_its_claim_and_others_may_not(people):
    item = make_service_item(people.c1)
    made = claim(item, people.unit_manager, people.unit)
    colleague = make_user(name="另一位管理员")
    make_membership(colleague, people.unit, "manager")
    for outsider in (people.staff, people.community_manager, people.stranger):
        with pytest.raises(DomainError) as error, transaction(db.session, write_lock=True):
            withdraw_claim(made.id, by=outsider, now=utcnow())
        assert error.value.code == "forbidden"
    with transaction(db.session, write_lock=True):
        withdraw_claim(made.id, by=colleague, now=utcnow())
    [row] = claims()
    assert (row.status, row.withdrawn_by_id) == ("withdrawn", colleague.id)


def test_a_completed_or_withdrawn_claim_is_not_withdrawn_again(people):
    item = make_service_item(people.c1, places=3)
    done = make_service_claim(item, people.resident, status="completed", hours=Decimal(1), completed_at=utcnow())
    gone = make_service_claim(item, people.unit_manager, on_behalf_of=people.unit, status="withdrawn")
    for row, user in ((done, people.resident), (gone, people.unit_manager)):
        with pytest.raises(DomainError) as error, transaction(db.session, write_lock=True):
            withdraw_claim(row.id, by=user, now=utcnow())
        assert error.value.code == "claim_not_withdrawable"


# --- recording completion ---------------------------------------------------------------------------------


def complete(item, made, by, **fields):
    """As the boundary does: the photo decoded first, then the completion under the item's lock."""
    fields.setdefault("hours", "2.5")
    fields.setdefault("note", "送药上门两次")
    if fields.get("photo") is not None:
        fields["photo"] = process_upload(fields["photo"])
    with transaction(db.session, write_lock=True):
        return complete_claim(item.id, made.id, by=by, now=utcnow(), **fields)


def test_the_publisher_records_completion_with_hours_a_note_and_a_photo_and_the_claimant_is_told(people):
    item = make_service_item(people.c1)
    made = claim(item, people.unit_manager, people.unit)
    done = complete(item, made, people.community_manager, photo=jpeg((3000, 2000)))
    assert (done.status, done.hours, done.note, done.completed_by_id, done.has_photo) == (
        "completed",
        Decimal("2.5"),
        "送药上门两次",
        people.community_manager.id,
        True,
    )
    assert done.photo[:2] == b"\xff\xd8" and len(done.photo_thumbnail) < len(done.photo)
    assert notices(people.unit_manager) == [("service_item_completed", "为独居老人代买药品")]
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == item.id)).all()
    assert "claim_completed" in actions


def test_a_closed_items_claims_are_still_completed(people):
    item = make_service_item(people.c1)
    made = claim(item, people.resident)
    with transaction(db.session, write_lock=True):
        move_item(item.id, ItemStatus.CLOSED, by=people.community_manager, now=utcnow())
    assert complete(item, made, people.community_manager).status == "completed"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"hours": "0"}, "invalid_hours"),
        ({"hours": "2.25"}, "invalid_hours"),
        ({"note": " "}, "note_required"),
        ({"photo": b"not a photo"}, "unsupported_image"),
    ],
    ids=["hours above 0", "hours in tenths", "a note is required", "a photo must be a photo"],
)
def test_a_refused_completion_writes_nothing(people, fields, code):
    item = make_service_item(people.c1)
    made = claim(item, people.resident)
    assert refused(lambda: complete(item, made, people.community_manager, **fields)) == code
    [row] = claims()
    assert (row.status, row.hours, row.has_photo) == ("claimed", None, False)


def test_only_the_publishers_managers_record_completion(people):
    item = make_service_item(people.c1)
    made = claim(item, people.unit_manager, people.unit)
    for who in (people.unit_manager, people.resident, people.c2_manager):
        assert refused(lambda who=who: complete(item, made, who)) == "forbidden"
    assert claims()[0].status == "claimed"


def test_a_claim_is_completed_once_and_a_withdrawn_one_never(people):
    item = make_service_item(people.c1, places=3)
    made = claim(item, people.resident)
    complete(item, made, people.community_manager)
    assert refused(lambda: complete(item, made, people.community_manager)) == "not_completable"
    gone = make_service_claim(item, people.unit_manager, on_behalf_of=people.unit, status="withdrawn")
    assert refused(lambda: complete(item, gone, people.community_manager)) == "not_completable"


def test_a_claim_of_another_item_is_not_found_here(people):
    item, other = make_service_item(people.c1), make_service_item(people.c1, title="另一件")
    made = claim(other, people.resident)
    assert refused(lambda: complete(item, made, people.community_manager)) == "not_found"


# --- closing and cancelling -----------------------------------------------------------------------------


def test_closing_stops_claims_and_reopening_lets_them_in_again(people):
    item = make_service_item(people.c1)
    with transaction(db.session, write_lock=True):
        move_item(item.id, ItemStatus.CLOSED, by=people.community_manager, now=utcnow())
    assert refused(lambda: claim(item, people.resident)) == "not_claimable"
    with transaction(db.session, write_lock=True):
        move_item(item.id, ItemStatus.OPEN, by=people.community_manager, now=utcnow())
    assert claim(item, people.resident).status == "claimed"


def test_cancelling_withdraws_the_held_claims_tells_their_claimants_and_keeps_the_completed(people):
    item = make_service_item(people.c1, places=3)
    held = claim(item, people.resident)
    done = claim(item, people.unit_manager, people.unit)
    complete(item, done, people.community_manager)
    with transaction(db.session, write_lock=True):
        move_item(item.id, ItemStatus.CANCELLED, by=people.community_manager, now=utcnow())
    assert {c.id: c.status for c in claims()} == {held.id: "withdrawn", done.id: "completed"}
    assert ("service_item_cancelled", "为独居老人代买药品") in notices(people.resident)
    assert ("service_item_cancelled", "为独居老人代买药品") not in notices(people.unit_manager)
    assert refused(lambda: move_item(item.id, ItemStatus.OPEN, by=people.community_manager, now=utcnow())) == (
        "item_not_movable"
    )


def test_only_the_publishers_managers_close_an_item(people):
    item = make_service_item(people.c1)
    assert refused(lambda: move_item(item.id, ItemStatus.CLOSED, by=people.unit_manager, now=utcnow())) == ("forbidden")
    assert refused(lambda: move_item(999, ItemStatus.CLOSED, by=people.unit_manager, now=utcnow())) == "not_found"


# --- the database holds one live claim per claimant ---------------------------------------------------------


def test_the_database_refuses_a_second_live_claim_of_a_person_or_an_organisation(people):
    item = make_service_item(people.c1, places=5)
    make_service_claim(item, people.resident)
    with pytest.raises(IntegrityError):
        make_service_claim(item, people.resident)
    db.session.rollback()
    make_service_claim(item, people.unit_manager, on_behalf_of=people.unit)
    with pytest.raises(IntegrityError):
        make_service_claim(item, people.staff, on_behalf_of=people.unit)
    db.session.rollback()
    # Withdrawn claims do not count: any number of them may stand beside a live one.
    make_service_claim(item, people.resident, status="withdrawn")
    make_service_claim(item, people.resident, status="withdrawn")
    assert len(claims(user_id=people.resident.id)) == 3


# --- lists ---------------------------------------------------------------------------------------------------


def test_a_communitys_list_has_its_own_items_and_its_registered_units_but_no_one_elses(people, city):
    own = make_service_item(people.c1, title="社区需求", start=TOMORROW + timedelta(hours=1))
    registered = make_service_item(people.unit, title="单位支持", start=TOMORROW)
    make_service_item(people.pending_unit, title="未报到单位")
    make_service_item(people.c2, title="别的社区")
    make_service_item(make_org("U-X", kind="unit", unit_type="organ"), title="无关单位")
    closed = make_service_item(people.c1, title="已截止", status="closed")
    page = list_items(community=people.c1, status="open")
    assert [i.id for i in page.items] == [registered.id, own.id], "soonest first"
    assert {i.id for i in list_items(community=people.c1).items} == {own.id, registered.id, closed.id}
    assert [i.id for i in list_items(community=people.c1, kind="support").items] == [registered.id]
    assert [i.id for i in list_items(org=people.unit).items] == [registered.id]


def test_the_publisher_sees_every_claim_and_others_their_own(people):
    item = make_service_item(people.c1, places=3)
    mine = claim(item, people.resident)
    theirs = claim(item, people.unit_manager, people.unit)
    assert [c.id for c in list_item_claims(item, people.community_manager)] == [mine.id, theirs.id]
    assert [c.id for c in list_item_claims(item, people.resident)] == [mine.id]
    assert [c.id for c in list_item_claims(item, people.unit_manager)] == [theirs.id]
    assert list_item_claims(item, people.staff) == []


def test_my_claims_are_mine_and_my_organisations(people):
    need, support = make_service_item(people.c1), make_service_item(people.unit)
    claim(need, people.resident)
    for_unit = claim(need, people.unit_manager, people.unit)
    for_community = claim(support, people.community_manager, people.c1)
    assert [c.id for c in list_my_claims(people.unit_manager).items] == [for_unit.id]
    assert [c.id for c in list_my_claims(people.community_manager).items] == [for_community.id]
    assert list_my_claims(people.staff).items == []
    assert list_my_claims(people.resident, status="completed").items == []


def test_the_organisations_that_concern_a_user(people):
    assert [o.code for o in list_related_orgs(people.resident)] == ["T-S-01"]
    assert [o.code for o in list_related_orgs(people.staff)] == ["T-S-01", "U-T"]
    assert [o.code for o in list_related_orgs(people.c2_manager)] == ["T-S-02"]
    assert list_related_orgs(people.stranger) == []


# --- figures -----------------------------------------------------------------------------------------------------


def test_service_figures_count_each_side_of_the_claims_within_the_span(people):
    now = utcnow()
    need = make_service_item(people.c1, places=5, created_at=now)
    make_service_item(people.c1, status="cancelled", created_at=now)
    make_service_item(people.c1, created_at=now - timedelta(days=40))  # before the span
    support = make_service_item(people.unit, created_at=now)
    make_service_claim(
        need,
        people.unit_manager,
        on_behalf_of=people.unit,
        status="completed",
        hours=Decimal("2.5"),
        completed_at=now,
        created_at=now,
    )
    make_service_claim(need, people.resident, status="completed", hours=Decimal(1), completed_at=now, created_at=now)
    make_service_claim(need, people.staff, status="withdrawn", created_at=now)
    make_service_claim(support, people.community_manager, on_behalf_of=people.c1, created_at=now)
    figures = service_figures(
        [people.c1.id, people.unit.id, people.c2.id], now - timedelta(days=30), now + timedelta(1)
    )
    c1, unit, c2 = figures[people.c1.id], figures[people.unit.id], figures[people.c2.id]
    assert (c1.published, c1.claims, c1.completed, c1.hours) == (1, 2, 2, Decimal("3.5"))
    assert (c1.claims_made, c1.completed_made, c1.hours_made) == (1, 0, Decimal(0))
    assert (unit.published, unit.claims, unit.completed) == (1, 1, 0)
    assert (unit.claims_made, unit.completed_made, unit.hours_made) == (1, 1, Decimal("2.5"))
    assert (c2.published, c2.claims, c2.claims_made) == (0, 0, 0)
    assert service_figures([], now, now) == {}
