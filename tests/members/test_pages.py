"""The registration pages (双报到): a resident registers by the QR link and moves house, a unit's manager
applies, the community's manager acknowledges (one, chosen, all shown) or declines with a reason,
the registrant withdraws; receipts; every refusal."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.organisations.models import Registration
from app.organisations.services import register_resident, register_unit
from tests.factories import PASSWORD, make_admin, make_membership, make_org, make_user


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def registrations(**where) -> list[Registration]:
    query = select(Registration).order_by(Registration.id)
    for name, value in where.items():
        query = query.where(getattr(Registration, name) == value)
    return list(db.session.scalars(query))


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Registration))


def sign_in(auth, user) -> None:
    assert auth.sign_in(user.phone, PASSWORD).status_code == 302


# --- a resident -------------------------------------------------------------------


def test_the_qr_link_sends_visitors_to_sign_in_and_back(english, city):
    response = english.get("/organisations/T-S-01/join")
    assert response.status_code == 302
    assert "/accounts/sign-in" in response.headers["Location"] and "join" in response.headers["Location"]


def test_a_resident_registers_as_party_member_by_the_qr_link(english, auth, city, people):
    sign_in(auth, people["plain"])
    page = english.get("/organisations/T-S-01/join")
    assert page.status_code == 200 and "Register at 一号社区" in text_of(page)
    response = english.post_form("/organisations/T-S-01/join", {"party_member": "y", "work_unit": "U-T"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/organisations/registrations/mine")
    [registration] = registrations(user_id=people["plain"].id)
    assert (registration.status, registration.party_member, registration.work_unit.code) == ("pending", True, "U-T")
    assert people["plain"].party_member is True
    mine = text_of(english.get("/organisations/registrations/mine"))
    assert "一号社区" in mine and "Pending" in mine


def test_registering_again_at_the_same_community_says_so_beside_the_button(english, auth, city, people):
    sign_in(auth, people["plain"])
    english.post_form("/organisations/T-S-01/join", {})
    page = english.get("/organisations/T-S-01/join")
    assert "You are registered here." in text_of(page)
    twice = english.post_form("/organisations/T-S-01/join", {})
    assert twice.status_code == 400 and "This registration already exists." in text_of(twice)
    assert count() == 2


def test_moving_house_transfers_the_registration(english, auth, city, people):
    user = people["plain"]
    sign_in(auth, user)
    english.post_form("/organisations/T-S-01/join", {})
    page = text_of(english.get("/organisations/T-S-02/join"))
    assert "You are registered at 一号社区" in page
    english.post_form("/organisations/T-S-02/join", {})
    old, new = registrations(user_id=user.id)
    assert (old.community.code, old.status) == ("T-S-01", "withdrawn")
    assert (new.community.code, new.status, new.transferred_from_id) == ("T-S-02", "pending", old.id)


def test_a_work_unit_that_is_not_a_unit_is_refused_beside_the_field(english, auth, city, people):
    sign_in(auth, people["plain"])
    response = english.post_form("/organisations/T-S-01/join", {"work_unit": "T-S-02"})
    assert response.status_code == 400
    assert re.search(r'id="work_unit-error"[^>]*>.*Choose a unit\.', text_of(response), re.S)
    assert count() == 1


@pytest.mark.parametrize("code", ["U-T", "T-S", "NOPE"], ids=["a unit", "a street", "unknown"])
def test_only_communities_take_residents(english, auth, city, people, code):
    sign_in(auth, people["plain"])
    assert english.get(f"/organisations/{code}/join").status_code == 404
    assert english.post_form(f"/organisations/{code}/join", {}).status_code == 404


# --- a unit ----------------------------------------------------------------------------


def test_a_unit_manager_applies_to_two_communities_at_once(english, auth, city, people):
    sign_in(auth, people["unit_manager"])
    page = text_of(english.get("/organisations/registrations/apply"))
    assert "新单位 (U-N)" in page and "二号社区 (T-S-02)" in page
    response = english.post_form(
        "/organisations/registrations/apply", {"unit": "U-N", "communities": ["T-S-01", "T-S-02"]}
    )
    assert response.status_code == 302
    assert {(r.community.code, r.status) for r in registrations(unit_id=people["unit"].id)} == {
        ("T-S-01", "pending"),
        ("T-S-02", "pending"),
    }
    mine = text_of(english.get("/organisations/registrations/mine"))
    assert mine.count("新单位") >= 2


def test_applying_where_the_unit_is_already_registered_writes_nothing(english, auth, city, people):
    register_unit(people["unit"], city["c1"], applicant=None)
    db.session.commit()
    sign_in(auth, people["unit_manager"])
    response = english.post_form(
        "/organisations/registrations/apply", {"unit": "U-N", "communities": ["T-S-02", "T-S-01"]}
    )
    assert response.status_code == 400 and "This registration already exists." in text_of(response)
    assert [r.community.code for r in registrations(unit_id=people["unit"].id)] == ["T-S-01"]


def test_applying_without_a_community_is_refused_beside_the_field(english, auth, city, people):
    sign_in(auth, people["unit_manager"])
    response = english.post_form("/organisations/registrations/apply", {"unit": "U-N"})
    assert response.status_code == 400
    assert 'id="communities-error"' in text_of(response)


def test_acting_for_a_unit_one_does_not_manage_is_forbidden(english, auth, city, people):
    make_membership(people["plain"], people["unit"])  # staff, not manager
    sign_in(auth, people["plain"])
    assert "You do not manage a unit." in text_of(english.get("/organisations/registrations/apply"))
    response = english.post_form("/organisations/registrations/apply", {"unit": "U-N", "communities": ["T-S-01"]})
    assert response.status_code == 403
    assert registrations(unit_id=people["unit"].id) == []


# --- the community's manager ----------------------------------------------------------------


@pytest.fixture
def queue(city, people):
    """Three pending registrations at c1: U-N, and two residents."""
    unit = register_unit(people["unit"], city["c1"], applicant=people["unit_manager"])
    first = register_resident(make_user(name="甲"), city["c1"], party_member=True)
    second = register_resident(make_user(name="乙"), city["c1"])
    db.session.commit()
    return [unit, first, second]


def test_the_manager_sees_the_pending_queue_oldest_first_and_filters_it(english, auth, people, queue):
    sign_in(auth, people["community_manager"])
    page = text_of(english.get("/organisations/T-S-01/roster"))
    assert page.index("新单位") < page.index("甲") < page.index("乙")
    assert "测试中学" not in page, "acknowledged ones are not in the queue"
    everyone = text_of(english.get("/organisations/T-S-01/roster?status=all"))
    assert "测试中学" in everyone
    party = text_of(english.get("/organisations/T-S-01/roster?status=all&party=1"))
    assert "甲" in party and "乙" not in party and "新单位" not in party
    units = text_of(english.get("/organisations/T-S-01/roster?status=all&kind=unit"))
    assert "新单位" in units and "甲" not in units
    found = text_of(english.get("/organisations/T-S-01/roster?status=all&q=U-N"))
    assert "新单位" in found and "测试中学" not in found


def test_the_manager_acknowledges_one_and_its_receipt_can_be_printed(english, auth, people, queue):
    sign_in(auth, people["community_manager"])
    response = english.post_form("/organisations/T-S-01/roster/acknowledge", {"registration": queue[1].id})
    assert response.status_code == 302
    db.session.refresh(queue[1])
    assert queue[1].status == "acknowledged" and queue[1].receipt
    assert [r.status for r in (queue[0], queue[2])] == ["pending", "pending"]
    receipt = text_of(english.get(f"/organisations/registrations/{queue[1].id}/receipt"))
    assert queue[1].receipt in receipt and "Registration receipt" in receipt


def test_the_manager_acknowledges_the_chosen_or_all_shown(english, auth, people, queue):
    sign_in(auth, people["community_manager"])
    english.post_form("/organisations/T-S-01/roster/acknowledge", {"registration": [queue[0].id, queue[2].id]})
    assert [r.status for r in registrations(community_id=queue[0].community_id)][1:] == [
        "acknowledged",
        "pending",
        "acknowledged",
    ]
    response = english.post_form(
        "/organisations/T-S-01/roster/acknowledge",
        {"scope": "all", "shown": [queue[0].id, queue[1].id, queue[2].id], "registration": []},
    )
    assert response.status_code == 302
    assert {r.status for r in registrations(community_id=queue[0].community_id)} == {"acknowledged"}
    assert len({r.receipt for r in registrations()}) == 4


def test_acknowledging_none_chosen_says_so(english, auth, people, queue):
    sign_in(auth, people["community_manager"])
    response = english.post_form("/organisations/T-S-01/roster/acknowledge", {}, follow_redirects=True)
    assert "Choose at least one registration." in text_of(response)
    assert len(registrations(status="pending")) == 3


def test_another_communitys_registration_in_the_bulk_refuses_the_lot(english, auth, city, people, queue):
    elsewhere = register_resident(make_user(name="丙"), city["c2"])
    db.session.commit()
    sign_in(auth, people["community_manager"])
    response = english.post_form(
        "/organisations/T-S-01/roster/acknowledge", {"registration": [queue[1].id, elsewhere.id]}
    )
    assert response.status_code == 404
    assert len(registrations(status="pending")) == 4


def test_declining_needs_a_reason_shown_beside_the_field(english, auth, people, queue):
    sign_in(auth, people["community_manager"])
    url = f"/organisations/T-S-01/roster/{queue[0].id}/decline"
    empty = english.post_form(url, {"reason": " "})
    assert empty.status_code == 400
    assert re.search(rf'id="reason-{queue[0].id}-error"[^>]*>.*Give a reason', text_of(empty), re.S)
    assert registrations(id=queue[0].id)[0].status == "pending"
    assert english.post_form(url, {"reason": "不在本辖区"}).status_code == 302
    declined = registrations(id=queue[0].id)[0]
    assert (declined.status, declined.reason, declined.receipt) == ("declined", "不在本辖区", None)
    again = english.post_form(url, {"reason": "再次"}, follow_redirects=True)
    assert "no longer waiting for a decision" in text_of(again)
    assert registrations(id=queue[0].id)[0].reason == "不在本辖区"


def test_a_manager_of_another_community_is_refused_its_roster_and_decisions(english, auth, city, people, queue):
    other = make_user(name="二号社区管理员")
    make_membership(other, city["c2"], "manager")
    sign_in(auth, other)
    assert english.get("/organisations/T-S-01/roster").status_code == 403
    assert (
        english.post_form("/organisations/T-S-01/roster/acknowledge", {"registration": queue[0].id}).status_code == 403
    )
    assert english.post_form(f"/organisations/T-S-01/roster/{queue[0].id}/decline", {"reason": "x"}).status_code == 403
    # Through its own roster, a registration of T-S-01 is not found.
    assert (
        english.post_form("/organisations/T-S-02/roster/acknowledge", {"registration": queue[0].id}).status_code == 404
    )
    assert english.post_form(f"/organisations/T-S-02/roster/{queue[0].id}/decline", {"reason": "x"}).status_code == 404
    assert len(registrations(status="pending")) == 3


def test_admins_may_work_any_roster(english, auth, people, queue):
    sign_in(auth, make_admin(phone="13800000009"))
    assert english.get("/organisations/T-S-01/roster").status_code == 200
    english.post_form("/organisations/T-S-01/roster/acknowledge", {"registration": queue[0].id})
    assert registrations(id=queue[0].id)[0].status == "acknowledged"


# --- withdrawing -----------------------------------------------------------------------------


def test_the_unit_manager_withdraws_and_the_community_manager_may_not(english, auth, people, queue):
    url = f"/organisations/registrations/{queue[0].id}/withdraw"
    sign_in(auth, people["community_manager"])
    assert english.post_form(url).status_code == 403
    auth.sign_out()
    sign_in(auth, people["unit_manager"])
    assert english.post_form(url).status_code == 302
    assert registrations(id=queue[0].id)[0].status == "withdrawn"
    again = english.post_form(url, follow_redirects=True)
    assert "This registration has already ended." in text_of(again)


def test_a_resident_withdraws_their_own(english, auth, city, people):
    registration = register_resident(people["plain"], city["c1"])
    db.session.commit()
    sign_in(auth, people["plain"])
    english.post_form(f"/organisations/registrations/{registration.id}/withdraw")
    assert registrations(id=registration.id)[0].status == "withdrawn"


def test_strangers_see_no_receipt(english, auth, people, queue):
    sign_in(auth, people["plain"])
    assert english.get(f"/organisations/registrations/{queue[0].id}/receipt").status_code == 403
    assert english.get("/organisations/registrations/999/receipt").status_code == 404


# --- the poster -------------------------------------------------------------------------------


def test_the_communitys_poster_carries_a_qr_code_of_its_join_page(english, city):
    poster = text_of(english.get("/organisations/T-S-01/poster"))
    assert "http://localhost/organisations/T-S-01/join" in poster
    svg = english.get("/organisations/T-S-01/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert english.get("/organisations/U-T/poster").status_code == 404


def test_the_menu_leads_signed_in_people_to_registration(english, auth, people):
    sign_in(auth, people["plain"])
    assert 'href="/organisations/registrations/mine"' in text_of(english.get("/"))


def test_the_manager_sees_the_queue_count_on_the_registration_page(english, auth, people, queue):
    sign_in(auth, people["community_manager"])
    page = text_of(english.get("/organisations/registrations/mine"))
    assert "3 waiting" in page and "/organisations/T-S-01/roster" in page


def test_a_unit_of_another_town_is_not_a_unit_the_manager_can_pick(english, auth, city, people):
    make_org("U-X", kind="unit", name="别的单位")
    sign_in(auth, people["unit_manager"])
    response = english.post_form("/organisations/registrations/apply", {"unit": "U-X", "communities": ["T-S-01"]})
    assert response.status_code == 403
