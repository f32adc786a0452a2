"""Signing in and out, remember me, and the throttle on failed attempts."""

import pytest
from flask import Flask

from app.extensions import db
from tests.conftest import make_app
from tests.factories import PASSWORD, make_user


def test_user_signs_in_with_phone_and_out_again(client, auth):
    make_user(name="李四", phone="13800000002")
    response = auth.sign_in("13800000002", PASSWORD)
    assert response.status_code == 302
    assert "李四" in client.get("/").get_data(as_text=True)
    assert auth.sign_out().status_code == 302
    assert "李四" not in client.get("/").get_data(as_text=True)


def test_user_signs_in_with_email_in_any_case(client, auth):
    make_user(email="lisi@example.com")
    assert auth.sign_in("LiSi@Example.com", PASSWORD).status_code == 302


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(client, auth):
    make_user(phone="13800000002", is_admin=True)
    data = {"login": "13800000002", "password": PASSWORD}
    response = client.post_form("/accounts/sign-in?next=/admin/", data)
    assert response.headers["Location"].endswith("/admin/")
    auth.sign_out()
    response = client.post_form("/accounts/sign-in?next=https://evil.example/", data)
    assert "evil" not in response.headers["Location"]
    auth.sign_out()
    response = client.post_form("/accounts/sign-in?next=//evil.example/", data)
    assert "evil" not in response.headers["Location"]


@pytest.mark.parametrize(
    ("login", "password"),
    [
        pytest.param("13800000002", "wrong-password-1", id="wrong password"),
        pytest.param("13900000009", PASSWORD, id="unknown login"),
        pytest.param("nonsense", PASSWORD, id="not even a login"),
    ],
)
def test_failed_sign_in_never_says_which_part_was_wrong(client, auth, login, password):
    make_user(phone="13800000002")
    client.post_form("/language", {"locale": "en"})
    response = auth.sign_in(login, password)
    assert response.status_code == 200
    assert "The login or the password is not correct." in response.get_data(as_text=True)


def test_deactivated_user_cannot_sign_in(client, auth):
    make_user(phone="13800000002", active=False)
    assert auth.sign_in("13800000002", PASSWORD).status_code == 200


def test_remember_me_sets_an_http_only_cookie(client, auth):
    make_user(phone="13800000002")
    response = auth.sign_in("13800000002", PASSWORD, remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "SameSite=Lax" in remember[0]


def test_session_cookie_is_http_only_and_same_site(client):
    client.get("/")
    response = client.post_form("/language", {"locale": "en"})
    session_cookie = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert session_cookie and "HttpOnly" in session_cookie[0] and "SameSite=Lax" in session_cookie[0]


def test_too_many_failures_for_one_account_are_refused_even_with_the_right_password(client, auth):
    make_user(phone="13800000002")
    for _ in range(5):
        assert auth.sign_in("13800000002", "wrong-password-1").status_code == 200
    assert auth.sign_in("13800000002", PASSWORD).status_code == 429


def test_another_account_is_not_throttled_by_failures_on_the_first(client, auth):
    make_user(phone="13800000002")
    make_user(phone="13800000003")
    for _ in range(5):
        auth.sign_in("13800000002", "wrong-password-1")
    assert auth.sign_in("13800000003", PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_count_towards_the_throttle(client, auth):
    make_user(phone="13800000002")
    for _ in range(8):
        assert auth.sign_in("13800000002", PASSWORD).status_code == 302
        auth.sign_out()


def test_failures_from_one_address_across_accounts_are_throttled(engine_name, tmp_path, request):
    app: Flask = make_app(engine_name, tmp_path, request, SIGNIN_LIMIT_PER_ADDRESS="3 per 15 minutes")
    with app.app_context():
        from tests.conftest import AuthActions, Client

        app.test_client_class = Client
        auth = AuthActions(app.test_client())
        statuses = [auth.sign_in(f"1380000000{i}", "wrong-password-1").status_code for i in range(4)]
        assert statuses == [200, 200, 200, 429]
        db.session.remove()
