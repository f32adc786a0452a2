"""Signing up with a mobile number or an email."""

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from app.accounts.models import User
from app.extensions import db
from tests.factories import make_user


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def sign_up(client, **fields):
    data = {"name": "张三", "login": "13800000001", "password": "绿色的山2026", "confirm": "绿色的山2026"}
    data.update(fields)
    return client.post_form("/accounts/sign-up", data)


def test_resident_signs_up_with_a_mobile_number_and_is_signed_in(client):
    response = sign_up(client)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.phone == "13800000001"))
    assert user is not None and user.name == "张三"
    assert user.password_hash != "绿色的山2026"
    assert check_password_hash(user.password_hash, "绿色的山2026")
    assert "张三" in client.get("/").get_data(as_text=True)


def test_signing_up_with_an_email_stores_it_lower_cased(client):
    assert sign_up(client, login="Li.Si@Example.com").status_code == 302
    assert db.session.scalar(select(User.email)) == "li.si@example.com"


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        pytest.param({"login": "12345"}, "login", "11-digit mainland mobile number", id="not a phone or email"),
        pytest.param({"login": "lisi@nowhere"}, "login", "email address is not valid", id="bad email"),
        pytest.param({"password": "short", "confirm": "short"}, "password", "at least 8", id="too short"),
        pytest.param({"password": "password1", "confirm": "password1"}, "password", "too common", id="common"),
        pytest.param({"confirm": "something-else"}, "confirm", "passwords differ", id="confirmation differs"),
        pytest.param({"name": ""}, "name", "required", id="no name"),
        pytest.param(
            {"password": "13800000001", "confirm": "13800000001"},
            "password",
            "must not contain",
            id="password is the phone number",
        ),
    ],
)
def test_bad_sign_up_shows_the_message_beside_the_field_and_writes_nothing(client, fields, field_id, message):
    client.post_form("/language", {"locale": "en"})
    response = sign_up(client, **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field_id}-error"' in html
    assert message.lower() in html.lower()
    assert f'aria-describedby="{field_id}-error"' in html or f'{field_id}-error"' in html
    assert user_count() == 0


def test_a_taken_login_is_refused_in_chinese_by_default(client):
    make_user(phone="13800000001")
    response = sign_up(client)
    assert response.status_code == 200
    assert 'id="login-error"' in response.get_data(as_text=True)
    assert "已" in response.get_data(as_text=True)
    assert user_count() == 1


def test_sign_up_form_without_csrf_token_is_refused(client):
    response = client.post("/accounts/sign-up", data={"name": "x", "login": "13800000001", "password": "a" * 10})
    assert response.status_code == 400
    assert user_count() == 0
