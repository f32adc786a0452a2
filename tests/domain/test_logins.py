"""Logins and passwords: pure rules, no app."""

import pytest

from app.domain.errors import DomainError
from app.domain.logins import check_password, parse_login


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        pytest.param("13800000001", "phone", "13800000001", id="plain mobile number"),
        pytest.param(" 138 0000 0001 ", "phone", "13800000001", id="spaces are ignored"),
        pytest.param("138-0000-0001", "phone", "13800000001", id="dashes are ignored"),
        pytest.param("+8613800000001", "phone", "13800000001", id="+86 prefix is dropped"),
        pytest.param("008619912345678", "phone", "19912345678", id="0086 prefix is dropped"),
        pytest.param("Li.Si@Example.COM", "email", "li.si@example.com", id="email is lower-cased"),
    ],
)
def test_login_is_normalised(raw, kind, value):
    login = parse_login(raw)
    assert (login.kind, login.value) == (kind, value)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param("12800000001", "invalid_phone", id="second digit must be 3-9"),
        pytest.param("1380000000", "invalid_phone", id="ten digits is too short"),
        pytest.param("138000000012", "invalid_phone", id="twelve digits is too long"),
        pytest.param("23800000001", "invalid_phone", id="must start with 1"),
        pytest.param("", "invalid_phone", id="empty"),
        pytest.param("lisi@", "invalid_email", id="email without domain"),
        pytest.param("li si@example.com", "invalid_email", id="email with a space"),
        pytest.param("a@b", "invalid_email", id="domain without a dot"),
    ],
)
def test_bad_logins_are_refused_with_a_code(raw, code):
    with pytest.raises(DomainError) as caught:
        parse_login(raw)
    assert caught.value.code == code
    assert caught.value.field == "login"


@pytest.mark.parametrize(
    ("password", "code"),
    [
        pytest.param("short7!", "password_too_short", id="seven characters"),
        pytest.param("x" * 129, "password_too_long", id="over 128 characters"),
        pytest.param("12345678", "password_too_common", id="commonest numeric"),
        pytest.param("PassWord1", "password_too_common", id="common, whatever the case"),
        pytest.param("woaini1314", "password_too_common", id="common Chinese-site password"),
        pytest.param("abababab", "password_too_common", id="two characters repeated"),
        pytest.param("13800000001", "password_like_login", id="the phone number itself"),
        pytest.param("my13800000001", "password_like_login", id="contains the phone number"),
    ],
)
def test_weak_passwords_are_refused(password, code):
    with pytest.raises(DomainError) as caught:
        check_password(password, login="13800000001", name="张三")
    assert caught.value.code == code


def test_a_reasonable_password_is_accepted():
    check_password("绿色的山2026", login="13800000001", name="张三")
    check_password("correct-horse-42", login="lisi@example.com")
