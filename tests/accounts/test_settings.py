"""Account settings, password change and app tokens."""

from datetime import timedelta

from flask import Flask

from app.accounts.services import issue_api_token
from app.db import utcnow
from app.extensions import db
from tests.conftest import AuthActions, Client
from tests.factories import PASSWORD, make_user


def test_changing_the_password_signs_out_other_devices_but_not_this_one(app: Flask, client, auth):
    user = make_user(phone="13800000002")
    other_device = app.test_client()
    AuthActions(other_device).sign_in("13800000002", PASSWORD)
    assert other_device.get("/accounts/settings").status_code == 200

    auth.sign_in("13800000002", PASSWORD)
    response = client.post_form(
        "/accounts/password",
        {"current_password": PASSWORD, "new_password": "a-new-secret-7", "confirm": "a-new-secret-7"},
    )
    assert response.status_code == 302
    assert client.get("/accounts/settings").status_code == 200
    assert other_device.get("/accounts/settings").status_code == 302
    db.session.refresh(user)
    auth.sign_out()
    assert auth.sign_in("13800000002", "a-new-secret-7").status_code == 302


def test_wrong_current_password_is_shown_beside_its_field(client, auth):
    make_user(phone="13800000002")
    auth.sign_in("13800000002", PASSWORD)
    client.post_form("/language", {"locale": "en"})
    response = client.post_form(
        "/accounts/password",
        {"current_password": "not-it-at-all", "new_password": "a-new-secret-7", "confirm": "a-new-secret-7"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="current_password-error"' in html and "current password is not correct" in html


def test_settings_save_name_and_language(client: Client, auth):
    user = make_user(phone="13800000002")
    auth.sign_in("13800000002", PASSWORD)
    response = client.post_form("/accounts/settings", {"name": "王小二", "locale": "en"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.locale) == ("王小二", "en")
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)


def test_user_sees_and_revokes_their_app_tokens_but_not_others(client, auth):
    user = make_user(phone="13800000002")
    other = make_user(phone="13800000003")
    _, mine = issue_api_token(user, now=utcnow(), ttl=timedelta(days=1), label="我的手机")
    _, theirs = issue_api_token(other, now=utcnow(), ttl=timedelta(days=1), label="别人的")
    db.session.commit()
    auth.sign_in("13800000002", PASSWORD)
    html = client.get("/accounts/tokens").get_data(as_text=True)
    assert "我的手机" in html and "别人的" not in html
    assert client.post_form(f"/accounts/tokens/{theirs.id}/revoke").status_code == 404
    assert client.post_form(f"/accounts/tokens/{mine.id}/revoke").status_code == 302
    db.session.refresh(mine)
    db.session.refresh(theirs)
    assert mine.revoked_at is not None and theirs.revoked_at is None


def test_create_admin_command_makes_an_administrator(runner, auth):
    result = runner.invoke(
        args=["users", "create-admin", "--login", "13800000009", "--name", "周敏", "--password", "an-admin-pass-9"]
    )
    assert result.exit_code == 0, result.output
    assert auth.sign_in("13800000009", "an-admin-pass-9").status_code == 302
    assert auth.client.get("/admin/").status_code == 200


def test_create_admin_command_refuses_a_weak_password(runner):
    result = runner.invoke(args=["users", "create-admin", "--login", "13800000009", "--password", "12345678"])
    assert result.exit_code != 0
    assert "12345678" not in result.output
