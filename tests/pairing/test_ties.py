"""Cross-appointed committee members (兼职委员) and help pairs (帮扶对子) through their pages; every refusal."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.organisations.services import register_resident
from app.pairing.models import CrossAppointment, HelpPair
from tests.factories import acknowledge, make_admin, make_membership, make_resident, make_user
from tests.pairing.conftest import sign_in, text_of

TERM = {"role_title": "兼职委员", "term_start": "2026-01-01", "term_end": "2028-12-31"}


def appointments() -> list[CrossAppointment]:
    db.session.expire_all()
    return list(db.session.scalars(select(CrossAppointment).order_by(CrossAppointment.id)))


def pairs() -> list[HelpPair]:
    db.session.expire_all()
    return list(db.session.scalars(select(HelpPair).order_by(HelpPair.id)))


def audited(subject: str) -> list[str]:
    query = select(AuditEntry.action).where(AuditEntry.subject_type == subject).order_by(AuditEntry.id)
    return list(db.session.scalars(query))


@pytest.fixture
def teacher(sides):
    """A member of the unit, with an account."""
    user = make_user(name="李老师", phone="13800000011")
    make_membership(user, sides["unit"])
    return user


# --- committee members -------------------------------------------------------------------------------


def appoint(english, org_code: str, **fields):
    data = {"from_org": "U-T", "person": "13800000011", **TERM, **fields}
    return english.post_form(f"/pairing/{org_code}/committee", data)


def test_the_community_appoints_a_unit_member_to_its_committee_and_ends_it(english, auth, sides, teacher):
    sign_in(auth, sides["community_manager"])
    page = text_of(english.get("/pairing/T-S-01/committee"))
    assert "测试中学 (U-T)" in page and "Nobody is appointed yet." in page
    response = appoint(english, "T-S-01")
    assert response.status_code == 302
    [appointment] = appointments()
    assert (appointment.person_id, appointment.from_org.code, appointment.to_org.code, appointment.status) == (
        teacher.id,
        "U-T",
        "T-S-01",
        "active",
    )
    assert (appointment.term_start, appointment.term_end, appointment.appointed_by_id) == (
        date(2026, 1, 1),
        date(2028, 12, 31),
        sides["community_manager"].id,
    )
    assert "李老师" in text_of(english.get("/pairing/T-S-01/committee"))
    sign_in(auth, sides["unit_manager"])
    lent = text_of(english.get("/pairing/U-T/committee"))
    assert "People of 测试中学 on other committees" in lent and "李老师" in lent
    assert english.post_form(f"/pairing/U-T/committee/{appointment.id}/end").status_code == 404, "not its committee"
    sign_in(auth, sides["community_manager"])
    assert english.post_form(f"/pairing/T-S-01/committee/{appointment.id}/end").status_code == 302
    assert appointments()[0].status == "ended" and appointments()[0].ended_by_id == sides["community_manager"].id
    again = english.post_form(f"/pairing/T-S-01/committee/{appointment.id}/end", follow_redirects=True)
    assert "This has already ended." in text_of(again)
    assert audited("pairing_cross_appointment") == ["created", "ended"]


def test_the_unit_appoints_a_community_resident_to_its_committee(english, auth, sides):
    resident = make_user(name="社区党员", phone="13800000012")
    make_resident(resident, sides["community"], party_member=True)
    sign_in(auth, sides["unit_manager"])
    assert appoint(english, "U-T", from_org="T-S-01", person="13800000012").status_code == 302
    assert [(a.from_org.code, a.to_org.code) for a in appointments()] == [("T-S-01", "U-T")]


def test_someone_registered_as_working_at_the_unit_counts_as_its_person(english, auth, sides):
    worker = make_user(name="在职党员", phone="13800000013")
    acknowledge(register_resident(worker, sides["community"], party_member=True, work_unit=sides["unit"]))
    db.session.commit()
    sign_in(auth, sides["community_manager"])
    assert appoint(english, "T-S-01", person="13800000013").status_code == 302


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param({"person": "13800000099"}, "person", "No user has this phone number or email.", id="unknown"),
        pytest.param({"person": "12"}, "person", "Enter an 11-digit mainland mobile number", id="not a login"),
        pytest.param({"person": "13800000005"}, "person", "does not belong to that organisation", id="not theirs"),
        pytest.param({"role_title": ""}, "role_title", "Enter the role on the committee", id="no role"),
        pytest.param({"term_end": ""}, "term_end", "Enter the first and the last day of the term.", id="no end"),
        pytest.param({"term_end": "2025-12-31"}, "term_end", "The end must be after the start.", id="ends first"),
        pytest.param({"from_org": "U-N"}, "from_org", "The unit is not registered with this community", id="unpaired"),
        pytest.param({"from_org": "T-S-02"}, "from_org", "The unit is not registered with this community", id="peer"),
        pytest.param({"from_org": "NOPE"}, "from_org", "The unit is not registered with this community", id="unknown"),
    ],
)
def test_refused_appointments_are_shown_beside_their_field(english, auth, sides, teacher, fields, field, message):
    sign_in(auth, sides["community_manager"])
    response = appoint(english, "T-S-01", **fields)
    assert response.status_code == 400
    page = text_of(response)
    assert f'id="{field}-error"' in page and message in page
    assert appointments() == []


def test_a_person_serves_once_on_a_committee_at_a_time(english, auth, sides, teacher):
    sign_in(auth, sides["community_manager"])
    appoint(english, "T-S-01")
    twice = appoint(english, "T-S-01", role_title="副书记")
    assert twice.status_code == 400 and "This person already serves on this committee." in text_of(twice)
    english.post_form(f"/pairing/T-S-01/committee/{appointments()[0].id}/end")
    assert appoint(english, "T-S-01", role_title="副书记").status_code == 302
    assert [a.status for a in appointments()] == ["ended", "active"]


def test_only_the_receiving_organisations_managers_appoint_and_end(english, auth, sides, teacher):
    sign_in(auth, sides["community_manager"])
    appoint(english, "T-S-01")
    [appointment] = appointments()
    for who in ("plain", "unit_manager", "other_community_manager"):
        sign_in(auth, sides[who])
        assert appoint(english, "T-S-01").status_code == 403, who
        assert english.post_form(f"/pairing/T-S-01/committee/{appointment.id}/end").status_code == 403, who
    assert english.get("/pairing/T-S-01/committee").status_code == 403
    sign_in(auth, make_admin(phone="13800000009"))
    assert english.get("/pairing/T-S-01/committee").status_code == 200, "admins read"
    assert appoint(english, "T-S-01").status_code == 403, "admins do not appoint"
    assert [a.status for a in appointments()] == ["active"]


def test_an_organisation_without_partners_is_told_why_it_cannot_appoint(english, auth, sides):
    sign_in(auth, sides["stranger_unit_manager"])
    assert "There is none yet." in text_of(english.get("/pairing/U-N/committee"))


# --- help pairs -----------------------------------------------------------------------------------------


@pytest.fixture
def people(sides, teacher):
    """A party member living in c1, two residents of c1, and the unit's teacher (the unit is registered)."""
    party_member = make_user(name="党员甲", phone="13800000021")
    make_resident(party_member, sides["community"], party_member=True)
    resident = make_user(name="独居老人", phone="13800000022")
    make_resident(resident, sides["community"])
    neighbour = make_user(name="邻居", phone="13800000023")
    make_resident(neighbour, sides["community"])
    return {"party_member": party_member, "resident": resident, "neighbour": neighbour, "teacher": teacher}


def pair(english, member: str, resident: str = "13800000022", **fields):
    return english.post_form("/pairing/T-S-01/help-pairs", {"member": member, "resident": resident, **fields})


def test_the_community_pairs_a_party_member_with_a_resident_and_ends_it(english, auth, sides, people):
    sign_in(auth, sides["community_manager"])
    page = text_of(english.get("/pairing/T-S-01/help-pairs"))
    assert "党员甲 · party member living here" in page and "李老师 · 测试中学" in page
    assert "独居老人" not in page, "residents who are not party members are not offered as the member"
    response = pair(english, f"{people['party_member'].code}|", note="每周探望一次")
    assert response.status_code == 302
    [made] = pairs()
    assert (made.member_id, made.resident_id, made.via_unit_id, made.note, made.status) == (
        people["party_member"].id,
        people["resident"].id,
        None,
        "每周探望一次",
        "active",
    )
    assert pair(english, f"{people['teacher'].code}|U-T", "13800000023").status_code == 302
    assert pairs()[1].via_unit.code == "U-T"
    listed = text_of(english.get("/pairing/T-S-01/help-pairs"))
    assert "党员甲 → 独居老人" in listed and "李老师 → 邻居" in listed and "for 测试中学" in listed
    assert english.post_form(f"/pairing/T-S-01/help-pairs/{made.id}/end").status_code == 302
    assert [p.status for p in pairs()] == ["ended", "active"]
    again = english.post_form(f"/pairing/T-S-01/help-pairs/{made.id}/end", follow_redirects=True)
    assert "This has already ended." in text_of(again)
    assert audited("pairing_help_pair") == ["created", "created", "ended"]


@pytest.mark.parametrize(
    ("member", "resident", "field", "message"),
    [
        pytest.param("resident|", "13800000023", "member", "Choose a party member registered", id="not a party member"),
        pytest.param(
            "teacher|U-N", "13800000022", "member", "Choose a party member registered", id="unregistered unit"
        ),
        pytest.param("teacher|NOPE", "13800000022", "member", "Choose a party member registered", id="unknown unit"),
        pytest.param("nobody|", "13800000022", "member", "Choose a party member registered", id="unknown member"),
        pytest.param("party_member|", "13800000021", "resident", "cannot be paired with themselves", id="oneself"),
        pytest.param("party_member|", "13800000005", "resident", "not a registered (acknowledged) resident", id="n/a"),
        pytest.param("party_member|", "13800000099", "resident", "No user has this phone number", id="unknown"),
        pytest.param("party_member|", "x@", "resident", "This email address is not valid.", id="bad login"),
    ],
)
def test_refused_pairs_are_shown_beside_their_field(english, auth, sides, people, member, resident, field, message):
    code, _, unit = member.partition("|")
    user = people.get(code)
    sign_in(auth, sides["community_manager"])
    response = pair(english, f"{user.code if user else code}|{unit}", resident)
    assert response.status_code == 400
    page = text_of(response)
    assert f'id="{field}-error"' in page and message in page
    assert pairs() == []


def test_a_pending_resident_is_not_yet_a_resident_to_pair(english, auth, sides, people):
    newcomer = make_user(name="新搬来的", phone="13800000031")
    register_resident(newcomer, sides["community"])
    db.session.commit()
    sign_in(auth, sides["community_manager"])
    response = pair(english, f"{people['party_member'].code}|", "13800000031")
    assert response.status_code == 400 and "not a registered (acknowledged) resident" in text_of(response)


def test_two_people_are_paired_once_at_a_time(english, auth, sides, people):
    sign_in(auth, sides["community_manager"])
    pair(english, f"{people['party_member'].code}|")
    twice = pair(english, f"{people['party_member'].code}|")
    assert twice.status_code == 400 and "These two are already paired." in text_of(twice)
    english.post_form(f"/pairing/T-S-01/help-pairs/{pairs()[0].id}/end")
    assert pair(english, f"{people['party_member'].code}|").status_code == 302


def test_only_the_communitys_managers_pair_people(english, auth, sides, people):
    sign_in(auth, sides["community_manager"])
    pair(english, f"{people['party_member'].code}|")
    [made] = pairs()
    for who in ("plain", "unit_manager", "other_community_manager"):
        sign_in(auth, sides[who])
        assert english.get("/pairing/T-S-01/help-pairs").status_code == 403, who
        assert pair(english, f"{people['party_member'].code}|", "13800000023").status_code == 403, who
        assert english.post_form(f"/pairing/T-S-01/help-pairs/{made.id}/end").status_code == 403, who
    sign_in(auth, sides["other_community_manager"])
    assert english.post_form(f"/pairing/T-S-02/help-pairs/{made.id}/end").status_code == 404, "not its pair"
    sign_in(auth, make_admin(phone="13800000009"))
    assert english.get("/pairing/T-S-01/help-pairs").status_code == 200, "admins read"
    assert pair(english, f"{people['party_member'].code}|", "13800000023").status_code == 403
    assert [p.status for p in pairs()] == ["active"]


def test_a_unit_has_no_help_pairs_page(english, auth, sides):
    sign_in(auth, sides["unit_manager"])
    assert english.get("/pairing/U-T/help-pairs").status_code == 404
    assert 'href="/pairing/U-T/help-pairs"' not in text_of(english.get("/pairing/U-T"))


def test_anonymous_visitors_are_sent_to_sign_in_from_the_ties_pages(english, sides):
    for method, url in [
        ("GET", "/pairing/T-S-01/committee"),
        ("POST", "/pairing/T-S-01/committee"),
        ("POST", "/pairing/T-S-01/committee/1/end"),
        ("GET", "/pairing/T-S-01/help-pairs"),
        ("POST", "/pairing/T-S-01/help-pairs"),
        ("POST", "/pairing/T-S-01/help-pairs/1/end"),
    ]:
        response = english.get(url) if method == "GET" else english.post_form(url, {})
        assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"], (method, url)
