"""The admin's user list and rights."""

from app.accounts.models import User
from app.extensions import db
from tests.conftest import AuthActions
from tests.factories import PASSWORD, make_org, make_user


def sign_in_admin(auth) -> User:
    admin = make_user(name="管理员", phone="13800000009", is_admin=True, code="the-admin")
    auth.sign_in("13800000009", PASSWORD)
    return admin


def test_admin_finds_users_by_name_phone_email_or_code(client, auth):
    sign_in_admin(auth)
    make_user(name="张三", phone="13800000001", code="zhang")
    make_user(name="Li Si", email="LiSi@example.com", code="lisi")
    assert "张三" in client.get("/admin/users?q=0000001").get_data(as_text=True)
    html = client.get("/admin/users?q=lisi@EXAMPLE").get_data(as_text=True)
    assert "Li Si" in html and "张三" not in html


def test_search_wildcards_are_taken_literally(client, auth):
    sign_in_admin(auth)
    make_user(name="张三", phone="13800000001", code="zhang")
    for query in ("%", "_", "1380000000_"):
        assert "张三" not in client.get("/admin/users", query_string={"q": query}).get_data(as_text=True), query


def test_user_list_is_paginated(client, auth):
    sign_in_admin(auth)
    for n in range(55):
        make_user(name=f"居民{n:02d}", code=f"resident-{n:02d}")
    first = client.get("/admin/users").get_data(as_text=True)
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert "居民00" in first and "居民54" not in first
    assert "居民54" in second and "居民00" not in second


def test_admin_grants_admin_rights_and_deactivation_signs_the_user_out(app, client, auth):
    sign_in_admin(auth)
    person = make_user(name="王五", phone="13800000003", code="wangwu")
    their_phone = app.test_client()
    AuthActions(their_phone).sign_in("13800000003", PASSWORD)
    assert their_phone.get("/accounts/settings").status_code == 200

    client.post_form("/admin/users/wangwu", {"is_admin": "y", "active": "y"})
    db.session.refresh(person)
    assert person.is_admin
    client.post_form("/admin/users/wangwu", {})
    db.session.refresh(person)
    assert not person.is_admin and not person.active
    assert their_phone.get("/accounts/settings").status_code == 302


def test_admin_cannot_remove_their_own_rights(client, auth):
    admin = sign_in_admin(auth)
    response = client.post_form("/admin/users/the-admin", {"active": "y"})
    assert response.status_code == 200
    assert 'id="is_admin-error"' in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.is_admin


def test_dashboard_counts_organisations_by_kind(client, auth):
    sign_in_admin(auth)
    make_org("D1", kind="district")
    html = client.get("/admin/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "District" in html and "Pending registrations" in html
