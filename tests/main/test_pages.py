"""Language choice, security headers, error pages and the health check."""

import pytest
from flask import Flask

from tests.factories import PASSWORD, make_user


@pytest.mark.parametrize(
    ("accept_language", "lang"),
    [
        pytest.param("zh-CN,zh;q=0.9,en;q=0.8", "zh-Hans", id="a Chinese phone browser"),
        pytest.param("zh-TW,zh;q=0.9", "zh-Hans", id="any Chinese maps to the Simplified catalog"),
        pytest.param("zh", "zh-Hans", id="bare zh"),
        pytest.param("en-US,en;q=0.9", "en", id="an English browser"),
        pytest.param("fr-FR,fr;q=0.9", "zh-Hans", id="a language we lack falls back to Chinese"),
        pytest.param("", "zh-Hans", id="no header at all"),
    ],
)
def test_language_follows_accept_language(client, accept_language, lang):
    html = client.get("/", headers={"Accept-Language": accept_language}).get_data(as_text=True)
    assert f'lang="{lang}"' in html


def test_chinese_pages_are_translated(client):
    html = client.get("/accounts/sign-in", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "登录" in html and "Sign in" not in html


def test_the_page_switch_beats_the_browser(client):
    response = client.post_form("/language", {"locale": "en", "next": "/accounts/sign-in"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/accounts/sign-in")
    html = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'lang="en"' in html and "Sign in" in html


def test_the_switch_never_redirects_to_another_site(client):
    response = client.post_form("/language", {"locale": "en", "next": "https://evil.example/"})
    assert "evil" not in response.headers["Location"]


def test_the_signed_in_users_setting_beats_the_switch_and_the_browser(client, auth):
    make_user(phone="13800000002", locale="en")
    auth.sign_in("13800000002", PASSWORD)
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)


def test_language_switch_without_csrf_token_is_refused(client):
    assert client.post("/language", data={"locale": "en"}).status_code == 400


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script(client):
    html = client.get("/").get_data(as_text=True)
    for chunk in html.split("<script")[1:]:
        assert chunk.lstrip().startswith("src="), "inline <script> would be blocked by the CSP"


@pytest.mark.parametrize(
    ("lang", "heading"), [("zh-CN", "页面不存在"), ("en", "Page not found")], ids=["chinese", "english"]
)
def test_friendly_404_page_in_both_languages(client, lang, heading):
    response = client.get("/no/such/page", headers={"Accept-Language": lang})
    assert response.status_code == 404
    assert heading in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "text"), [("zh-CN", "无权"), ("en", "You may not open this page")], ids=["chinese", "english"]
)
def test_friendly_403_page_in_both_languages(client, auth, lang, text):
    make_user(phone="13800000002")
    auth.sign_in("13800000002", PASSWORD)
    response = client.get("/admin/", headers={"Accept-Language": lang})
    assert response.status_code == 403
    assert text in response.get_data(as_text=True)


def test_an_unexpected_error_is_a_friendly_500_page(app: Flask, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html and "RuntimeError" not in html


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["database"] == "ok"


def test_production_config_marks_cookies_secure():
    from app.config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE and ProductionConfig.REMEMBER_COOKIE_SECURE
