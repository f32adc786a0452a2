"""Admin pages under /organisations/: lists, forms, members, registrations, and who may open them."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.messages import message_for
from app.organisations.models import Membership, Organisation, Registration
from app.organisations.services import register_resident, register_unit
from tests.factories import PASSWORD, make_admin, make_city, make_membership, make_org, make_user


@pytest.fixture
def english(client):
    """Pages in English, so assertions read like the page."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def city(app):
    return make_city()


@pytest.fixture
def admin(app):
    return make_admin()


@pytest.fixture
def signed_in_admin(english, auth, admin, city):
    assert auth.sign_in(admin.phone, PASSWORD).status_code == 302
    return english


def field_error(page: str, field_id: str) -> str | None:
    """The error text shown under a form field (without the screen reader's "Error:"), or None."""
    match = re.search(rf'<div id="{re.escape(field_id)}-error"[^>]*>(.*?)</div>', page, re.S)
    if match is None:
        return None
    shown = re.sub(r'<span class="visually-hidden">.*?</span>', "", match.group(1), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", shown)).strip()


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def org_form(**overrides: str) -> dict[str, str]:
    data = {
        "code": "T-S-03",
        "name": "三号社区",
        "kind": "community",
        "unit_type": "",
        "parent": "T-S",
        "address": "测试路 3 号",
        "contact_phone": "0839-3333333",
        "active": "y",
    }
    data.update(overrides)
    return data


# --- the list ----------------------------------------------------------------


def test_list_shows_every_organisation(signed_in_admin):
    page = text_of(signed_in_admin.get("/organisations/"))

    for name in ("测试区", "测试街道", "一号社区", "二号社区", "测试中学"):
        assert name in page
    assert "5 organisations" in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        pytest.param("kind=community", {"一号社区", "二号社区"}, {"测试中学", "测试区"}, id="by-kind"),
        pytest.param("kind=unit", {"测试中学"}, {"一号社区", "测试区"}, id="units-only"),
        pytest.param("q=一号", {"一号社区"}, {"二号社区", "测试中学"}, id="by-part-of-the-name"),
        pytest.param("q=T-S-02", {"二号社区"}, {"一号社区", "测试中学"}, id="by-code"),
        pytest.param("q=u-t", {"测试中学"}, {"一号社区"}, id="code-in-any-case-on-every-engine"),
        pytest.param("kind=community&q=二号", {"二号社区"}, {"一号社区"}, id="kind-and-text-together"),
        pytest.param("kind=planet", {"一号社区", "测试中学"}, set(), id="unknown-kind-shows-all"),
    ],
)
def test_list_filters(signed_in_admin, query, shown, hidden):
    page = text_of(signed_in_admin.get(f"/organisations/?{query}"))

    assert {name for name in shown if name not in page} == set()
    assert {name for name in hidden if name in page} == set()


def test_list_says_when_nothing_matches(signed_in_admin):
    page = text_of(signed_in_admin.get("/organisations/?q=nothing-like-this"))

    assert "No organisation matches." in page


# --- creating ----------------------------------------------------------------


def test_valid_organisation_is_created_and_shown(signed_in_admin):
    response = signed_in_admin.post_form("/organisations/new", org_form())

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/organisations/T-S-03")
    db.session.expire_all()
    org = db.session.scalar(select(Organisation).where(Organisation.code == "T-S-03"))
    assert (org.name, org.kind, org.parent.code, org.unit_type) == ("三号社区", "community", "T-S", None)
    assert (org.address, org.contact_phone, org.active) == ("测试路 3 号", "0839-3333333", True)
    shown = text_of(signed_in_admin.get(response.headers["Location"]))
    assert "三号社区 is created." in shown


def test_unit_is_created_with_its_type(signed_in_admin):
    response = signed_in_admin.post_form(
        "/organisations/new", org_form(code="U-NEW", name="新医院", kind="unit", unit_type="hospital", parent="")
    )

    assert response.status_code == 302
    org = db.session.scalar(select(Organisation).where(Organisation.code == "U-NEW"))
    assert (org.kind, org.unit_type, org.parent) == ("unit", "hospital", None)


def test_new_form_takes_kind_and_parent_from_the_link(signed_in_admin):
    page = signed_in_admin.get("/organisations/new?parent=T-S&kind=community").get_data(as_text=True)

    assert re.search(r'<option selected value="T-S">|<option value="T-S" selected>', page)


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        pytest.param({"code": "a b"}, "code", "invalid_code", id="code-with-a-space"),
        pytest.param({"code": "T-S-01"}, "code", "code_taken", id="code-of-another-organisation"),
        pytest.param({"parent": ""}, "parent", "invalid_parent", id="community-without-a-street"),
        pytest.param({"parent": "T"}, "parent", "invalid_parent", id="community-directly-under-a-district"),
        pytest.param({"kind": "unit", "unit_type": ""}, "unit_type", "unit_type_required", id="unit-without-type"),
        pytest.param({"unit_type": "school"}, "unit_type", "unit_type_only_for_units", id="type-on-a-community"),
    ],
)
def test_bad_organisation_is_shown_beside_its_field_and_nothing_is_written(signed_in_admin, overrides, field, code):
    before = count(Organisation)

    response = signed_in_admin.post_form("/organisations/new", org_form(**overrides))

    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), field) == message_for(code)
    db.session.expire_all()
    assert count(Organisation) == before
    assert db.session.scalar(select(Organisation).where(Organisation.name == "三号社区")) is None


def test_parent_that_does_not_exist_is_refused(signed_in_admin):
    before = count(Organisation)

    response = signed_in_admin.post_form("/organisations/new", org_form(parent="NOPE"))

    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "parent") == "Choose an organisation from the list."
    assert count(Organisation) == before


def test_missing_name_is_refused_by_the_form(signed_in_admin):
    before = count(Organisation)

    response = signed_in_admin.post_form("/organisations/new", org_form(name=""))

    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "name")
    assert count(Organisation) == before


def test_bad_input_is_kept_in_the_form(signed_in_admin):
    response = signed_in_admin.post_form("/organisations/new", org_form(code="a b"))

    assert 'value="三号社区"' in response.get_data(as_text=True)


# --- editing -----------------------------------------------------------------


def test_edit_form_shows_the_current_values(signed_in_admin):
    page = signed_in_admin.get("/organisations/U-T/edit").get_data(as_text=True)

    assert 'value="U-T"' in page
    assert 'value="测试中学"' in page
    assert re.search(r'<option selected value="school">|<option value="school" selected>', page)


def test_edit_saves_and_redirects(signed_in_admin, city):
    response = signed_in_admin.post_form(
        "/organisations/T-S-01/edit", org_form(code="T-S-01", name="改名社区", parent="T-S", address="新地址")
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/organisations/T-S-01")
    db.session.expire_all()
    org = db.session.get(Organisation, city["c1"].id)
    assert (org.name, org.address) == ("改名社区", "新地址")


def test_edit_may_change_the_code(signed_in_admin, city):
    response = signed_in_admin.post_form("/organisations/T-S-02/edit", org_form(code="T-S-22", name="二号社区"))

    assert response.headers["Location"].endswith("/organisations/T-S-22")
    db.session.expire_all()
    assert db.session.get(Organisation, city["c2"].id).code == "T-S-22"


def test_edit_may_deactivate(signed_in_admin, city):
    data = org_form(code="T-S-02", name="二号社区")
    del data["active"]

    signed_in_admin.post_form("/organisations/T-S-02/edit", data)

    db.session.expire_all()
    assert db.session.get(Organisation, city["c2"].id).active is False


@pytest.mark.parametrize(
    ("url", "overrides", "field", "code"),
    [
        pytest.param(
            "/organisations/T-S-02/edit",
            {"code": "T-S-01", "name": "改名"},
            "code",
            "code_taken",
            id="taking-another-organisation-s-code",
        ),
        pytest.param(
            "/organisations/T-S/edit",
            {"code": "T-S", "name": "改名", "kind": "street", "parent": "T-S"},
            "parent",
            "invalid_parent",
            id="its-own-parent",
        ),
        pytest.param(
            "/organisations/T-S/edit",
            {"code": "T-S", "name": "改名", "kind": "unit", "unit_type": "organ", "parent": ""},
            "kind",
            "kind_has_children",
            id="changing-kind-with-organisations-under-it",
        ),
    ],
)
def test_bad_edit_is_shown_beside_its_field_and_nothing_changes(signed_in_admin, url, overrides, field, code):
    before = {o.code: (o.name, o.kind, o.parent_id) for o in db.session.scalars(select(Organisation))}

    response = signed_in_admin.post_form(url, org_form(**overrides))

    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), field) == message_for(code)
    db.session.expire_all()
    assert {o.code: (o.name, o.kind, o.parent_id) for o in db.session.scalars(select(Organisation))} == before


@pytest.mark.parametrize("url", ["/organisations/NOPE", "/organisations/NOPE/edit"])
def test_unknown_organisation_is_not_found(signed_in_admin, url):
    assert signed_in_admin.get(url).status_code == 404


# --- the organisation's page -------------------------------------------------


def test_community_page_shows_members_children_and_registrations(signed_in_admin, city):
    manager = make_user(name="王经理")
    make_membership(manager, city["c1"], "manager")

    page = text_of(signed_in_admin.get("/organisations/T-S-01"))

    assert "一号社区" in page
    assert "王经理" in page
    assert "Manager" in page
    assert "测试中学" in page  # the unit registered here


def test_unit_page_lists_only_its_own_registrations(signed_in_admin, city):
    other = Organisation(code="U-O", name="别的单位", kind="unit", unit_type="soe", parent=city["street"])
    db.session.add(other)
    register_unit(other, city["c2"], applicant=None)
    db.session.commit()

    page = text_of(signed_in_admin.get("/organisations/U-T"))

    assert "一号社区" in page
    assert "别的单位" not in page


# --- members -----------------------------------------------------------------


def test_admin_adds_a_member_by_phone(signed_in_admin, city):
    user = make_user(name="新成员", phone="13912345678")

    response = signed_in_admin.post_form("/organisations/T-S-01/members", {"login": "139 1234 5678", "role": "manager"})

    assert response.status_code == 302
    db.session.expire_all()
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert (membership.organisation_id, membership.role) == (city["c1"].id, "manager")
    assert "新成员 is now Manager of 一号社区." in text_of(signed_in_admin.get(response.headers["Location"]))


def test_adding_an_existing_member_again_changes_the_role(signed_in_admin, city):
    user = make_user(phone="13912345678")
    make_membership(user, city["c1"], "member")

    signed_in_admin.post_form("/organisations/T-S-01/members", {"login": "13912345678", "role": "manager"})

    db.session.expire_all()
    assert count(Membership) == 1
    assert db.session.scalar(select(Membership.role)) == "manager"


@pytest.mark.parametrize(
    ("login", "code"),
    [
        pytest.param("13900000099", "user_not_found", id="nobody-has-this-phone"),
        pytest.param("nobody@example.com", "user_not_found", id="nobody-has-this-email"),
        pytest.param("12345", "invalid_phone", id="not-a-phone-number"),
    ],
)
def test_member_with_unknown_login_is_not_added(signed_in_admin, login, code):
    response = signed_in_admin.post_form("/organisations/T-S-01/members", {"login": login, "role": "member"})

    assert response.status_code == 302
    page = text_of(signed_in_admin.get(response.headers["Location"]))
    assert "The member was not added" in page
    assert message_for(code) in page
    assert count(Membership) == 0


def test_member_with_unknown_role_is_not_added(signed_in_admin):
    make_user(phone="13912345678")

    signed_in_admin.post_form("/organisations/T-S-01/members", {"login": "13912345678", "role": "owner"})

    assert count(Membership) == 0


def test_admin_removes_a_member(signed_in_admin, city):
    membership = make_membership(make_user(), city["c1"], "member")

    response = signed_in_admin.post_form(f"/organisations/T-S-01/members/{membership.id}/remove")

    assert response.status_code == 302
    db.session.expire_all()
    assert count(Membership) == 0
    assert "The membership is removed." in text_of(signed_in_admin.get(response.headers["Location"]))


def test_membership_of_another_organisation_cannot_be_removed_through_this_one(signed_in_admin, city):
    membership = make_membership(make_user(), city["c2"], "member")

    response = signed_in_admin.post_form(f"/organisations/T-S-01/members/{membership.id}/remove")

    assert response.status_code == 404
    assert count(Membership) == 1


# --- registrations -----------------------------------------------------------


def test_admin_registers_a_unit_with_a_community_as_pending(signed_in_admin, city, admin):
    response = signed_in_admin.post_form("/organisations/U-T/register", {"community": "T-S-02"})

    assert response.status_code == 302
    db.session.expire_all()
    registration = db.session.scalar(select(Registration).where(Registration.community_id == city["c2"].id))
    assert (registration.kind, registration.unit_id, registration.status) == ("unit", city["unit"].id, "pending")
    assert registration.user_id == admin.id
    assert "The registration is recorded as pending." in text_of(signed_in_admin.get(response.headers["Location"]))


@pytest.mark.parametrize(
    ("community", "message"),
    [
        pytest.param("T-S-01", message_for("already_registered"), id="already-registered-there"),
        pytest.param("T-S", message_for("not_a_community"), id="a-street-is-not-a-community"),
        pytest.param("NOPE", "Choose a community.", id="no-such-community"),
    ],
)
def test_refused_unit_registration_is_flashed_and_nothing_written(signed_in_admin, community, message):
    before = count(Registration)

    response = signed_in_admin.post_form("/organisations/U-T/register", {"community": community})

    assert response.status_code == 302
    assert message in text_of(signed_in_admin.get(response.headers["Location"]))
    assert count(Registration) == before


def test_acknowledging_a_registration_shows_its_receipt(signed_in_admin, city, admin):
    registration = register_unit(city["unit"], city["c2"], applicant=None)
    db.session.commit()

    response = signed_in_admin.post_form(
        f"/organisations/registrations/{registration.id}/decide", {"status": "acknowledged", "reason": "欢迎"}
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/organisations/T-S-02")
    db.session.expire_all()
    decided = db.session.get(Registration, registration.id)
    assert decided.status == "acknowledged"
    assert decided.receipt
    assert decided.decided_by_id == admin.id
    assert decided.decided_at is not None
    page = text_of(signed_in_admin.get(response.headers["Location"]))
    assert "The registration is now Acknowledged." in page
    assert f"receipt {decided.receipt}" in page


def test_decision_returns_to_the_page_it_was_made_on(signed_in_admin, city):
    registration = register_resident(make_user(), city["c1"])
    db.session.commit()

    response = signed_in_admin.post_form(
        f"/organisations/registrations/{registration.id}/decide",
        {"status": "declined", "next": "/organisations/registrations?status=pending"},
    )

    assert response.headers["Location"].endswith("/organisations/registrations?status=pending")


def test_decision_does_not_redirect_off_site(signed_in_admin, city):
    registration = register_resident(make_user(), city["c1"])
    db.session.commit()

    response = signed_in_admin.post_form(
        f"/organisations/registrations/{registration.id}/decide", {"status": "declined", "next": "//evil.example/"}
    )

    assert response.headers["Location"].endswith("/organisations/T-S-01")


@pytest.mark.parametrize(
    "status",
    [pytest.param("pending", id="back-to-pending"), pytest.param("approved", id="unknown-status")],
)
def test_invalid_decision_is_refused(signed_in_admin, city, status):
    registration = register_resident(make_user(), city["c1"])
    db.session.commit()

    response = signed_in_admin.post_form(f"/organisations/registrations/{registration.id}/decide", {"status": status})

    assert "Choose a valid status." in text_of(signed_in_admin.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == "pending"


def test_reviving_a_withdrawn_residence_while_another_is_live_is_refused(signed_in_admin, city):
    user = make_user()
    old = register_resident(user, city["c1"])
    db.session.commit()
    signed_in_admin.post_form(f"/organisations/registrations/{old.id}/decide", {"status": "withdrawn"})
    new = register_resident(user, city["c2"])
    db.session.commit()

    response = signed_in_admin.post_form(f"/organisations/registrations/{old.id}/decide", {"status": "acknowledged"})

    assert response.status_code == 302
    assert message_for("already_registered") in text_of(signed_in_admin.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(Registration, old.id).status == "withdrawn"
    assert db.session.get(Registration, new.id).status == "pending"


def test_deciding_an_unknown_registration_is_not_found(signed_in_admin):
    assert (
        signed_in_admin.post_form("/organisations/registrations/999/decide", {"status": "declined"}).status_code == 404
    )


def test_registrations_list_filters_by_status(signed_in_admin, city):
    pending_user = make_user(name="待定居民")
    register_resident(pending_user, city["c2"])
    db.session.commit()

    everything = text_of(signed_in_admin.get("/organisations/registrations"))
    pending = text_of(signed_in_admin.get("/organisations/registrations?status=pending"))
    acknowledged = text_of(signed_in_admin.get("/organisations/registrations?status=acknowledged"))

    assert "待定居民" in everything and "测试中学" in everything
    assert "待定居民" in pending and "测试中学" not in pending
    assert "测试中学" in acknowledged and "待定居民" not in acknowledged


def test_registrations_list_filters_by_community(signed_in_admin, city):
    register_resident(make_user(name="二号居民"), city["c2"])
    db.session.commit()

    page = text_of(signed_in_admin.get("/organisations/registrations?community=T-S-02"))

    assert "二号居民" in page
    assert "测试中学" not in page


# --- who may open these pages ------------------------------------------------


def _routes(city, membership, registration):
    """Every route of the blueprint, with data an admin's request would write."""
    return {
        "organisations.index": ("GET", "/organisations/", None),
        "organisations.create": ("POST", "/organisations/new", org_form()),
        "organisations.edit": ("POST", "/organisations/T-S-02/edit", org_form(code="T-S-02", name="被改名")),
        "organisations.show": ("GET", "/organisations/T-S-01", None),
        "organisations.set_member": (
            "POST",
            "/organisations/T-S-01/members",
            {"login": "13999999999", "role": "manager"},
        ),
        "organisations.remove_member": ("POST", f"/organisations/T-S-01/members/{membership.id}/remove", {}),
        "organisations.register": ("POST", "/organisations/U-T/register", {"community": "T-S-02"}),
        "organisations.registrations": ("GET", "/organisations/registrations", None),
        "organisations.decide": (
            "POST",
            f"/organisations/registrations/{registration.id}/decide",
            {"status": "acknowledged"},
        ),
    }


GET_ALSO = {"organisations.create": "/organisations/new", "organisations.edit": "/organisations/T-S-02/edit"}
ENDPOINTS = [
    "organisations.index",
    "organisations.create",
    "organisations.edit",
    "organisations.show",
    "organisations.set_member",
    "organisations.remove_member",
    "organisations.register",
    "organisations.registrations",
    "organisations.decide",
]


@pytest.fixture
def world(city):
    """Rows an admin request on each route would change: a member, a pending registration."""
    member = make_user(phone="13999999999")
    membership = make_membership(member, city["c1"], "member")
    registration = register_resident(make_user(), city["c1"])
    db.session.commit()
    return _routes(city, membership, registration)


def snapshot():
    db.session.expire_all()
    return {
        "organisations": sorted((o.code, o.name, o.active) for o in db.session.scalars(select(Organisation))),
        "memberships": sorted((m.user_id, m.organisation_id, m.role) for m in db.session.scalars(select(Membership))),
        "registrations": sorted((r.id, r.status) for r in db.session.scalars(select(Registration))),
    }


def test_the_table_below_covers_every_route_of_the_blueprint(app):
    # The admin pages (app.organisations.views); the registration pages for everyone are tests/members'.
    endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("organisations.")
        and app.view_functions[rule.endpoint].__module__ == "app.organisations.views"
    }

    assert endpoints == set(ENDPOINTS)


def _request(client, method, url, data):
    if method == "GET":
        return client.get(url)
    return client.post_form(url, data)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_visitor_is_sent_to_sign_in(client, world, endpoint):
    method, url, data = world[endpoint]
    before = snapshot()

    response = _request(client, method, url, data)

    assert response.status_code == 302
    assert "/accounts/sign-in" in response.headers["Location"]
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", list(GET_ALSO))
def test_anonymous_visitor_is_sent_to_sign_in_from_forms(client, world, endpoint):
    response = client.get(GET_ALSO[endpoint])

    assert response.status_code == 302
    assert "/accounts/sign-in" in response.headers["Location"]


@pytest.mark.parametrize(
    "role",
    [
        pytest.param(None, id="plain-user"),
        pytest.param("manager", id="community-manager"),
        pytest.param("member", id="community-member"),
    ],
)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_signed_in_non_admin_is_refused_and_nothing_is_written(client, auth, city, world, endpoint, role):
    user = make_user()
    if role:
        make_membership(user, city["c1"], role)
    assert auth.sign_in(user.phone, PASSWORD).status_code == 302
    method, url, data = world[endpoint]
    before = snapshot()

    response = _request(client, method, url, data)

    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", list(GET_ALSO))
def test_signed_in_non_admin_cannot_open_the_forms(client, auth, city, world, endpoint):
    manager = make_user()
    make_membership(manager, city["c1"], "manager")
    auth.sign_in(manager.phone, PASSWORD)

    assert client.get(GET_ALSO[endpoint]).status_code == 403


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_the_same_request_by_an_admin_is_accepted(client, auth, admin, world, endpoint):
    """The control for the refusals above: each request does work when an admin sends it."""
    auth.sign_in(admin.phone, PASSWORD)
    method, url, data = world[endpoint]
    before = snapshot()

    response = _request(client, method, url, data)

    assert response.status_code in (200, 302)
    if method == "POST":
        assert snapshot() != before


def test_registrations_list_is_paginated_and_filters_by_unit(client, auth):
    from app.organisations.services import register_unit

    make_user(name="管理员", phone="13800000099", is_admin=True, code="pager-admin")
    auth.sign_in("13800000099", PASSWORD)
    community = make_org("PG-C", kind="community", parent=make_org("PG-S", kind="street", parent=make_org("PG")))
    for n in range(60):
        register_unit(make_org(f"PG-U{n:02d}", kind="unit"), community, applicant=None)
    db.session.commit()
    first = client.get("/organisations/registrations?community=PG-C").get_data(as_text=True)
    assert first.count("保存处理结果") == 50
    assert (
        client.get("/organisations/registrations?community=PG-C&page=2").get_data(as_text=True).count("保存处理结果")
        == 10
    )
    only = client.get("/organisations/registrations?unit=PG-U07").get_data(as_text=True)
    assert only.count("保存处理结果") == 1
    page = client.get("/organisations/PG-C").get_data(as_text=True)
    assert page.count("保存处理结果") == 20 and "/organisations/registrations?community=PG-C" in page
