"""Co-building agreements (共建协议) through their pages: drafting with items, each side signing once, the
frozen content after signing, the items' progress, sending back, withdrawing and ending; every refusal."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.bookings.models import Notification
from app.db import utcnow
from app.extensions import db
from app.organisations.models import Registration
from app.organisations.services import decide_registration, register_unit
from app.pairing.models import Agreement, AgreementItem
from tests.factories import make_admin, make_agreement, make_membership, make_user
from tests.pairing.conftest import YEAR, sign_in, text_of

ITEM = {"what": "共建社区图书角", "responsible": "unit", "person": "王老师", "due_on": f"{YEAR}-06-30"}


def agreements() -> list[Agreement]:
    db.session.expire_all()
    return list(db.session.scalars(select(Agreement).order_by(Agreement.id)))


def notices(user, kind: str | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def actions(agreement: Agreement) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.subject_type == "pairing_agreement", AuditEntry.subject_id == agreement.id)
            .order_by(AuditEntry.id)
        )
    )


def draft(english, org_code: str, partner: str, **fields) -> object:
    data = {"partner": partner, "year": YEAR, "title": f"{YEAR}年度共建协议", "body": "共驻共建，资源共享。", **fields}
    return english.post_form(f"/pairing/{org_code}/agreements/new", data)


def sign(english, agreement_id: int, side: str, **kwargs):
    return english.post_form(f"/pairing/agreements/{agreement_id}/sign", {"side": side}, **kwargs)


# --- drafting ---------------------------------------------------------------------------------


def test_the_units_manager_drafts_an_agreement_with_its_community(english, auth, sides):
    sign_in(auth, sides["unit_manager"])
    page = text_of(english.get("/pairing/U-T/agreements/new"))
    assert "一号社区 (T-S-01)" in page and "二号社区" not in page, "only communities it is registered with"
    response = draft(english, "U-T", "T-S-01")
    [agreement] = agreements()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/pairing/agreements/{agreement.id}")
    assert (agreement.unit.code, agreement.community.code, agreement.year, agreement.status) == (
        "U-T",
        "T-S-01",
        YEAR,
        "draft",
    )
    assert (agreement.created_by_id, agreement.number) == (sides["unit_manager"].id, None)
    assert actions(agreement) == ["created"]
    listed = text_of(english.get(f"/pairing/U-T?year={YEAR}"))
    assert f"{YEAR}年度共建协议" in listed and "with 一号社区" in listed and "Draft" in listed


def test_the_communitys_manager_drafts_one_with_a_registered_unit(english, auth, sides):
    sign_in(auth, sides["community_manager"])
    page = text_of(english.get("/pairing/T-S-01/agreements/new"))
    assert "测试中学 (U-T)" in page and "新单位" not in page
    assert draft(english, "T-S-01", "U-T").status_code == 302
    assert [(a.unit.code, a.community.code) for a in agreements()] == [("U-T", "T-S-01")]


def test_a_unit_not_registered_with_the_community_cannot_get_an_agreement(english, auth, sides):
    # Pending is not enough: the community has not acknowledged the unit.
    register_unit(sides["stranger_unit"], sides["community"], applicant=None)
    db.session.commit()
    sign_in(auth, sides["stranger_unit_manager"])
    page = text_of(english.get("/pairing/U-N/agreements/new"))
    assert "not registered with any community yet" in page
    response = draft(english, "U-N", "T-S-01")
    assert response.status_code == 400 and "The unit is not registered with this community" in text_of(response)
    sign_in(auth, sides["community_manager"])
    response = draft(english, "T-S-01", "U-N")
    assert response.status_code == 400 and "The unit is not registered with this community" in text_of(response)
    assert agreements() == []


@pytest.mark.parametrize("partner", ["T-S-02", "T-S", "U-N", "NOPE"], ids=["elsewhere", "a street", "unit", "unknown"])
def test_only_a_community_the_unit_is_registered_with_is_a_partner(english, auth, sides, partner):
    sign_in(auth, sides["unit_manager"])
    response = draft(english, "U-T", partner)
    assert response.status_code == 400 and "The unit is not registered with this community" in text_of(response)
    assert agreements() == []


def test_a_second_live_agreement_for_the_year_is_refused_until_the_first_is_withdrawn(english, auth, sides):
    first = make_agreement(sides["unit"], sides["community"], year=YEAR)
    sign_in(auth, sides["community_manager"])
    twice = draft(english, "T-S-01", "U-T")
    assert twice.status_code == 400 and "already have an agreement for this year" in text_of(twice)
    assert draft(english, "T-S-01", "U-T", year=YEAR + 1).status_code == 302, "another year is another agreement"
    english.post_form(f"/pairing/agreements/{first.id}/withdraw")
    assert draft(english, "T-S-01", "U-T").status_code == 302
    assert [(a.year, a.status) for a in agreements()] == [(YEAR, "withdrawn"), (YEAR + 1, "draft"), (YEAR, "draft")]


def test_an_ended_agreement_leaves_room_for_a_new_version(english, auth, sides):
    make_agreement(sides["unit"], sides["community"], year=YEAR, status="ended")
    sign_in(auth, sides["unit_manager"])
    assert draft(english, "U-T", "T-S-01").status_code == 302


def test_the_database_holds_one_live_agreement_per_pair_and_year(app, sides):
    from sqlalchemy.exc import IntegrityError

    make_agreement(sides["unit"], sides["community"], year=YEAR, status="signed")
    with pytest.raises(IntegrityError):
        make_agreement(sides["unit"], sides["community"], year=YEAR)
    db.session.rollback()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"title": " "}, "Enter a title for the agreement.", id="no title"),
        pytest.param({"year": "1999"}, "Enter a year between 2000 and 2100.", id="a year out of range"),
        pytest.param({"year": ""}, "Enter the year the agreement is for.", id="no year"),
    ],
)
def test_a_draft_needs_a_title_and_a_year(english, auth, sides, fields, message):
    sign_in(auth, sides["unit_manager"])
    response = draft(english, "U-T", "T-S-01", **fields)
    assert response.status_code == 400 and message in text_of(response)
    assert agreements() == []


def test_the_text_and_items_of_a_draft_change_freely(english, auth, sides):
    agreement = make_agreement(sides["unit"], sides["community"], items=0)
    sign_in(auth, sides["community_manager"])
    url = f"/pairing/agreements/{agreement.id}"
    assert english.post_form(f"{url}/items", ITEM).status_code == 302
    [item] = agreements()[0].items
    assert (item.what, item.responsible, item.person, item.due_on, item.status) == (
        "共建社区图书角",
        "unit",
        "王老师",
        date(YEAR, 6, 30),
        "planned",
    )
    assert english.get(f"{url}/items/{item.id}/edit").status_code == 200
    changed = {**ITEM, "what": "共建图书角和阅览室", "responsible": "both", "due_on": f"{YEAR}-09-30"}
    assert english.post_form(f"{url}/items/{item.id}/edit", changed).status_code == 302
    db.session.refresh(item)
    assert (item.what, item.responsible, item.due_on) == ("共建图书角和阅览室", "both", date(YEAR, 9, 30))
    assert english.post_form(f"{url}/edit", {"year": YEAR, "title": "新标题", "body": "新的正文"}).status_code == 302
    assert (agreements()[0].title, agreements()[0].body) == ("新标题", "新的正文")
    english.post_form(f"{url}/items", {**ITEM, "what": "第二项"})
    assert english.post_form(f"{url}/items/{item.id}/remove").status_code == 302
    assert [i.what for i in agreements()[0].items] == ["第二项"]
    assert actions(agreement) == ["item_added", "item_updated", "updated", "item_added", "item_removed"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param({"what": ""}, "what", "Say what is to be done.", id="nothing to do"),
        pytest.param({"due_on": f"{YEAR + 1}-01-01"}, "due_on", "must fall in the agreement's year", id="next year"),
        pytest.param({"due_on": ""}, "due_on", "Enter the date it is due.", id="no due date"),
        pytest.param({"responsible": "street"}, "responsible", "Choose the unit, the community", id="no such side"),
    ],
)
def test_refused_items_are_shown_beside_their_field(english, auth, sides, fields, field, message):
    agreement = make_agreement(sides["unit"], sides["community"], items=0)
    sign_in(auth, sides["unit_manager"])
    response = english.post_form(f"/pairing/agreements/{agreement.id}/items", {**ITEM, **fields})
    assert response.status_code == 400
    page = text_of(response)
    assert f'id="{field}-error"' in page and message in page
    assert agreements()[0].items == []


def test_moving_a_draft_to_a_year_its_items_are_not_due_in_is_refused(english, auth, sides):
    agreement = make_agreement(sides["unit"], sides["community"], items=1)
    sign_in(auth, sides["unit_manager"])
    data = {"year": YEAR + 1, "title": "协议", "body": ""}
    response = english.post_form(f"/pairing/agreements/{agreement.id}/edit", data)
    assert response.status_code == 400 and "must fall in the agreement's year" in text_of(response)
    assert agreements()[0].year == YEAR


# --- signing ---------------------------------------------------------------------------------------


def test_both_sides_sign_once_and_the_agreement_is_numbered_and_in_force(english, auth, sides):
    agreement = make_agreement(sides["unit"], sides["community"], items=2)
    second_manager = make_user(name="另一位社区管理员")
    make_membership(second_manager, sides["community"], "manager")

    sign_in(auth, sides["unit_manager"])
    page = text_of(english.get(f"/pairing/agreements/{agreement.id}"))
    assert "Sign for 测试中学" in page and "Sign for 一号社区" not in page
    response = sign(english, agreement.id, "unit", follow_redirects=True)
    assert "The other side's managers are asked to sign it." in text_of(response)
    [proposed] = agreements()
    assert (proposed.status, proposed.unit_signed_by_id, proposed.community_signed_at, proposed.number) == (
        "proposed",
        sides["unit_manager"].id,
        None,
        None,
    )
    assert len(notices(sides["community_manager"], "agreement_to_sign")) == 1
    assert len(notices(second_manager, "agreement_to_sign")) == 1
    assert notices(sides["unit_manager"]) == [], "the signer is not told of their own signature"

    sign_in(auth, sides["community_manager"])
    waiting = text_of(english.get("/pairing/"))
    assert "Waiting for your signature" in waiting and agreement.title in waiting
    response = sign(english, agreement.id, "community", follow_redirects=True)
    assert "Both sides have signed" in text_of(response)
    [signed] = agreements()
    assert signed.status == "signed" and signed.community_signed_by_id == sides["community_manager"].id
    assert signed.number == f"共建-{YEAR}-{signed.id:04d}"
    assert [n.reason for n in notices(sides["unit_manager"], "agreement_signed")] == [
        f"{YEAR}年度共建协议 (测试中学 / 一号社区)"
    ]
    assert actions(agreement) == ["signed", "signed"]
    inbox = text_of(english.get("/bookings/inbox"))
    assert f"The other side has signed the co-building agreement {YEAR}年度共建协议" in inbox
    sign_in(auth, sides["unit_manager"])
    inbox = text_of(english.get("/bookings/inbox"))
    assert f"Both sides have signed the co-building agreement {YEAR}年度共建协议" in inbox


def test_the_signed_agreement_prints_with_its_number_items_and_signatures(english, auth, sides):
    agreement = make_agreement(
        sides["unit"], sides["community"], status="signed", signers=(sides["unit_manager"], sides["community_manager"])
    )
    sign_in(auth, sides["community_manager"])
    page = text_of(english.get(f"/pairing/agreements/{agreement.id}"))
    assert agreement.number in page and "共建事项1" in page
    assert "Signed by 单位管理员" in page and "Signed by 社区管理员" in page
    assert "Print this page" in page and "css/poster.css" in page
    assert "the content is frozen" in page


def test_a_unit_manager_cannot_sign_for_the_community(english, auth, sides):
    agreement = make_agreement(
        sides["unit"], sides["community"], status="proposed", signers=(sides["unit_manager"], None)
    )
    sign_in(auth, sides["unit_manager"])
    assert sign(english, agreement.id, "community").status_code == 403
    assert agreements()[0].status == "proposed" and agreements()[0].community_signed_at is None


def test_a_community_manager_cannot_sign_for_the_unit(english, auth, sides):
    agreement = make_agreement(sides["unit"], sides["community"])
    sign_in(auth, sides["community_manager"])
    assert sign(english, agreement.id, "unit").status_code == 403
    assert agreements()[0].status == "draft"


def test_signing_twice_is_refused_and_changes_nothing(english, auth, sides):
    agreement = make_agreement(sides["unit"], sides["community"])
    sign_in(auth, sides["unit_manager"])
    sign(english, agreement.id, "unit")
    signed_at = agreements()[0].unit_signed_at
    again = sign(english, agreement.id, "unit", follow_redirects=True)
    assert "This side has already signed this agreement." in text_of(again)
    assert (agreements()[0].status, agreements()[0].unit_signed_at) == ("proposed", signed_at)
    assert actions(agreement) == ["signed"]


def test_a_signed_agreement_is_not_signed_again(english, auth, sides):
    agreement = make_agreement(sides["unit"], sides["community"], status="signed")
    sign_in(auth, sides["community_manager"])
    response = sign(english, agreement.id, "community", follow_redirects=True)
    assert "This side has already signed this agreement." in text_of(response)


def test_an_agreement_without_items_cannot_be_signed(english, auth, sides):
    agreement = make_agreement(sides["unit"], sides["community"], items=0)
    sign_in(auth, sides["unit_manager"])
    response = sign(english, agreement.id, "unit", follow_redirects=True)
    assert "Add at least one item before signing" in text_of(response)
    assert agreements()[0].status == "draft"


def test_a_unit_whose_registration_ended_cannot_sign(english, auth, sides):
    agreement = make_agreement(sides["unit"], sides["community"], status="proposed")
    registration = db.session.scalar(select(Registration).where(Registration.unit_id == sides["unit"].id))
    decide_registration(registration, "withdrawn", by=None, now=utcnow())
    db.session.commit()
    sign_in(auth, sides["community_manager"])
    response = sign(english, agreement.id, "community", follow_redirects=True)
    assert "The unit is not registered with this community" in text_of(response)
    assert agreements()[0].status == "proposed"


def test_an_unknown_side_is_a_bad_request(english, auth, sides):
    agreement = make_agreement(sides["unit"], sides["community"])
    sign_in(auth, sides["unit_manager"])
    assert sign(english, agreement.id, "street").status_code == 400


def test_someone_managing_both_sides_signs_for_each_in_turn(english, auth, sides):
    make_membership(sides["unit_manager"], sides["community"], "manager")
    agreement = make_agreement(sides["unit"], sides["community"])
    sign_in(auth, sides["unit_manager"])
    page = text_of(english.get(f"/pairing/agreements/{agreement.id}"))
    assert "Sign for 测试中学" in page and "Sign for 一号社区" in page
    sign(english, agreement.id, "unit")
    sign(english, agreement.id, "community")
    assert agreements()[0].status == "signed"


# --- frozen after signing ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["proposed", "signed"])
def test_the_content_is_frozen_once_a_side_has_signed(english, auth, sides, status):
    agreement = make_agreement(sides["unit"], sides["community"], status=status)
    [item] = agreement.items
    url = f"/pairing/agreements/{agreement.id}"
    sign_in(auth, sides["unit_manager"])
    for response in (
        english.post_form(f"{url}/items", ITEM, follow_redirects=True),
        english.post_form(f"{url}/items/{item.id}/edit", ITEM, follow_redirects=True),
        english.post_form(f"{url}/items/{item.id}/remove", follow_redirects=True),
        english.post_form(f"{url}/edit", {"year": YEAR, "title": "改", "body": ""}, follow_redirects=True),
        english.get(f"{url}/edit", follow_redirects=True),
        english.get(f"{url}/items/{item.id}/edit", follow_redirects=True),
    ):
        assert response.status_code == 200
        assert "Only a draft can be changed: once signed, the content is frozen." in text_of(response)
    [after] = agreements()
    assert (after.title, [(i.what, i.due_on) for i in after.items]) == (
        f"{YEAR}年度共建协议",
        [("共建事项1", date(YEAR, 6, 1))],
    )
    assert actions(agreement) == []


# --- sending back, withdrawing, ending -------------------------------------------------------------------


def test_the_other_side_sends_a_proposed_agreement_back_and_the_signature_is_cleared(english, auth, sides):
    agreement = make_agreement(
        sides["unit"], sides["community"], status="proposed", signers=(sides["unit_manager"], None)
    )
    sign_in(auth, sides["community_manager"])
    response = english.post_form(f"/pairing/agreements/{agreement.id}/send-back", follow_redirects=True)
    assert "The agreement is a draft again" in text_of(response)
    [back] = agreements()
    assert (back.status, back.unit_signed_at, back.unit_signed_by_id) == ("draft", None, None)
    assert english.post_form(f"/pairing/agreements/{agreement.id}/items", ITEM).status_code == 302


@pytest.mark.parametrize("status", ["draft", "proposed"])
def test_either_side_withdraws_an_agreement_not_yet_in_force(english, auth, sides, status):
    agreement = make_agreement(sides["unit"], sides["community"], status=status)
    sign_in(auth, sides["community_manager"])
    english.post_form(f"/pairing/agreements/{agreement.id}/withdraw")
    [withdrawn] = agreements()
    assert (withdrawn.status, withdrawn.closed_by_id) == ("withdrawn", sides["community_manager"].id)
    assert withdrawn.closed_at is not None
    assert actions(agreement) == ["withdrawn"]


def test_a_signed_agreement_is_ended_not_withdrawn(english, auth, sides):
    agreement = make_agreement(sides["unit"], sides["community"], status="signed")
    sign_in(auth, sides["unit_manager"])
    refused = english.post_form(f"/pairing/agreements/{agreement.id}/withdraw", follow_redirects=True)
    assert "This change is not possible" in text_of(refused) and agreements()[0].status == "signed"
    english.post_form(f"/pairing/agreements/{agreement.id}/end")
    assert agreements()[0].status == "ended"
    again = english.post_form(f"/pairing/agreements/{agreement.id}/end", follow_redirects=True)
    assert "This change is not possible" in text_of(again)
    assert actions(agreement) == ["ended"]


@pytest.mark.parametrize(
    ("status", "move"),
    [
        ("draft", "end"),
        ("draft", "send-back"),
        ("signed", "send-back"),
        ("withdrawn", "withdraw"),
        ("withdrawn", "end"),
    ],
)
def test_moves_the_workflow_has_not_are_refused(english, auth, sides, status, move):
    agreement = make_agreement(sides["unit"], sides["community"], status=status)
    sign_in(auth, sides["unit_manager"])
    response = english.post_form(f"/pairing/agreements/{agreement.id}/{move}", follow_redirects=True)
    assert "This change is not possible" in text_of(response)
    assert agreements()[0].status == status


def test_a_withdrawn_agreement_cannot_be_signed(english, auth, sides):
    agreement = make_agreement(sides["unit"], sides["community"], status="withdrawn")
    sign_in(auth, sides["unit_manager"])
    response = sign(english, agreement.id, "unit", follow_redirects=True)
    assert "This change is not possible" in text_of(response)
    assert agreements()[0].status == "withdrawn"


# --- the items' progress ---------------------------------------------------------------------------------


def progress(english, agreement: Agreement, item: AgreementItem, status: str, note: str = "", **kwargs):
    url = f"/pairing/agreements/{agreement.id}/items/{item.id}/progress"
    return english.post_form(url, {"status": status, "note": note}, **kwargs)


def test_each_side_records_progress_and_the_other_side_hears_an_item_is_done(english, auth, sides):
    agreement = make_agreement(sides["unit"], sides["community"], status="signed")
    [item] = agreement.items
    sign_in(auth, sides["unit_manager"])
    assert progress(english, agreement, item, "in_progress", "已购书架").status_code == 302
    sign_in(auth, sides["community_manager"])
    progress(english, agreement, item, "done", "已开放")
    db.session.expire_all()
    item = db.session.get(AgreementItem, item.id)
    assert (item.status, item.note) == ("done", "已开放") and item.done_at is not None
    assert [n.reason for n in notices(sides["unit_manager"], "agreement_item_done")] == [
        f"共建事项1 · {YEAR}-06-01 · {YEAR}年度共建协议 (测试中学 / 一号社区)"
    ]
    assert notices(sides["community_manager"], "agreement_item_done") == []
    done_at = item.done_at
    progress(english, agreement, item, "done", "已开放，每周三下午")
    db.session.expire_all()
    item = db.session.get(AgreementItem, item.id)
    assert (item.note, item.done_at) == ("已开放，每周三下午", done_at), "a note alone keeps the day it was done"
    assert len(notices(sides["unit_manager"], "agreement_item_done")) == 1
    progress(english, agreement, item, "in_progress")
    db.session.expire_all()
    assert db.session.get(AgreementItem, item.id).done_at is None
    assert actions(agreement) == ["item_progress"] * 4


def test_progress_before_signing_is_refused(english, auth, sides):
    agreement = make_agreement(sides["unit"], sides["community"], status="proposed")
    sign_in(auth, sides["unit_manager"])
    response = progress(english, agreement, agreement.items[0], "done", follow_redirects=True)
    assert "Progress is recorded once both sides have signed the agreement." in text_of(response)
    assert agreements()[0].items[0].status == "planned"


def test_a_progress_move_the_rules_do_not_have_is_refused(english, auth, sides):
    agreement = make_agreement(sides["unit"], sides["community"], status="signed")
    [item] = agreement.items
    sign_in(auth, sides["unit_manager"])
    progress(english, agreement, item, "dropped")
    response = progress(english, agreement, item, "done", follow_redirects=True)
    assert "This change is not possible" in text_of(response)
    assert agreements()[0].items[0].status == "dropped"
    too_long = progress(english, agreement, item, "dropped", "x" * 1001, follow_redirects=True)
    assert "This text is too long." in text_of(too_long)


# --- who may -------------------------------------------------------------------------------------------------


def agreement_routes(agreement: Agreement) -> list[tuple[str, str]]:
    url = f"/pairing/agreements/{agreement.id}"
    item = agreement.items[0].id
    return [
        ("GET", url),
        ("GET", f"{url}/edit"),
        ("POST", f"{url}/edit"),
        ("POST", f"{url}/items"),
        ("GET", f"{url}/items/{item}/edit"),
        ("POST", f"{url}/items/{item}/edit"),
        ("POST", f"{url}/items/{item}/remove"),
        ("POST", f"{url}/items/{item}/progress"),
        ("POST", f"{url}/sign"),
        ("POST", f"{url}/send-back"),
        ("POST", f"{url}/withdraw"),
        ("POST", f"{url}/end"),
    ]


def _call(english, method: str, url: str):
    return english.get(url) if method == "GET" else english.post_form(url, {"side": "unit", "status": "done"})


@pytest.mark.parametrize("who", ["plain", "stranger_unit_manager", "other_community_manager"])
def test_someone_who_manages_neither_side_is_refused_every_agreement_page(english, auth, sides, who):
    agreement = make_agreement(sides["unit"], sides["community"])
    staff = make_user(name="单位职工")
    make_membership(staff, sides["unit"])  # a member, not a manager: no more than a stranger here
    for user in (sides[who], staff):
        sign_in(auth, user)
        for method, url in agreement_routes(agreement):
            assert _call(english, method, url).status_code == 403, (who, method, url)
    assert agreements()[0].status == "draft" and len(agreements()[0].items) == 1


def test_anonymous_visitors_are_sent_to_sign_in(english, sides):
    agreement = make_agreement(sides["unit"], sides["community"])
    routes = [
        *agreement_routes(agreement),
        ("GET", "/pairing/"),
        ("GET", "/pairing/T-S-01"),
        ("GET", "/pairing/T-S-01/agreements/new"),
        ("POST", "/pairing/T-S-01/agreements/new"),
    ]
    for method, url in routes:
        response = _call(english, method, url)
        assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"], (method, url)


def test_admins_read_every_agreement_but_sign_for_nobody(english, auth, sides):
    agreement = make_agreement(sides["unit"], sides["community"])
    sign_in(auth, make_admin(phone="13800000009"))
    assert english.get(f"/pairing/agreements/{agreement.id}").status_code == 200
    assert english.get("/pairing/T-S-01").status_code == 200
    assert sign(english, agreement.id, "unit").status_code == 403
    assert english.post_form(f"/pairing/agreements/{agreement.id}/items", ITEM).status_code == 403
    assert english.get("/pairing/T-S-01/agreements/new").status_code == 403


def test_a_manager_of_another_organisation_is_refused_its_pairing_pages(english, auth, sides):
    sign_in(auth, sides["other_community_manager"])
    assert english.get("/pairing/T-S-01").status_code == 403
    assert english.get("/pairing/T-S-01/agreements/new").status_code == 403
    assert draft(english, "T-S-01", "U-T").status_code == 403
    assert english.get("/pairing/T-S-02").status_code == 200
    assert agreements() == []


def test_what_is_not_there_is_not_found(english, auth, sides):
    agreement = make_agreement(sides["unit"], sides["community"])
    other = make_agreement(sides["unit"], sides["community"], year=YEAR + 1)
    sign_in(auth, sides["unit_manager"])
    assert english.get("/pairing/agreements/999").status_code == 404
    assert english.get(f"/pairing/agreements/{agreement.id}/items/{other.items[0].id}/edit").status_code == 404
    assert english.post_form(f"/pairing/agreements/{agreement.id}/items/999/remove").status_code == 404
    assert english.get("/pairing/NOPE").status_code == 404
    assert english.get("/pairing/T-S").status_code == 404, "a street does not pair"
    assert db.session.scalar(select(func.count()).select_from(AgreementItem)) == 2


def test_the_list_filters_by_year_and_status(english, auth, sides):
    make_agreement(sides["unit"], sides["community"], year=YEAR, title="今年的协议", status="signed")
    make_agreement(sides["unit"], sides["community"], year=YEAR - 1, title="去年的协议", status="ended")
    sign_in(auth, sides["community_manager"])
    this_year = text_of(english.get(f"/pairing/T-S-01?year={YEAR}"))
    assert "今年的协议" in this_year and "去年的协议" not in this_year
    assert "去年的协议" in text_of(english.get(f"/pairing/T-S-01?year={YEAR - 1}"))
    every = text_of(english.get("/pairing/T-S-01?year=all&status=ended"))
    assert "去年的协议" in every and "今年的协议" not in every
    assert english.get("/pairing/T-S-01?year=nonsense&status=nonsense").status_code == 200


def test_the_registration_page_leads_managers_to_pairing(english, auth, sides):
    sign_in(auth, sides["community_manager"])
    assert 'href="/pairing/T-S-01"' in text_of(english.get("/organisations/registrations/mine"))
    sign_in(auth, sides["unit_manager"])
    assert 'href="/pairing/U-T"' in text_of(english.get("/organisations/registrations/mine"))


def test_two_managers_drafting_the_same_year_at_once_meet_the_index_and_one_is_told(app, sides, monkeypatch):
    from app.domain.errors import DomainError
    from app.pairing import services

    make_agreement(sides["unit"], sides["community"], year=YEAR)
    # As if the other draft was committed between this one's check and its insert.
    monkeypatch.setattr(services, "_live_exists", lambda *args, **kwargs: False)
    with pytest.raises(DomainError) as refused:
        services.draft_agreement(
            sides["community"],
            sides["unit"],
            year=YEAR,
            title="协议",
            body="",
            by=sides["community_manager"],
            now=utcnow(),
        )
    assert refused.value.code == "agreement_exists"
    db.session.rollback()
    assert len(agreements()) == 1


def test_the_admins_organisation_page_leads_to_its_pairing(english, auth, sides):
    sign_in(auth, make_admin(phone="13800000009"))
    assert 'href="/pairing/T-S-01"' in text_of(english.get("/organisations/T-S-01"))
