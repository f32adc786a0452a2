"""API bearer tokens: sign in, use, revoke, expire; errors as problem+json."""

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import ApiToken
from app.accounts.services import issue_api_token
from app.db import utcnow
from app.extensions import db
from tests.factories import PASSWORD, make_city, make_membership, make_resident, make_user


def get_token(client, login="13800000002", password=PASSWORD):
    return client.post("/api/v1/auth/token", json={"login": login, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_token_is_issued_for_the_right_password_and_stored_only_hashed(client):
    make_user(name="李四", phone="13800000002")
    response = get_token(client)
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["name"] == "李四"
    assert body["expires_at"].endswith("+08:00")
    stored = db.session.scalars(select(ApiToken)).one()
    assert body["token"] not in (stored.token_hash, stored.label)
    assert len(body["token"]) >= 40


def test_wrong_password_is_a_401_problem_that_does_not_say_which_part_was_wrong(client):
    make_user(phone="13800000002")
    for login, password in (("13800000002", "wrong-password"), ("13900000000", PASSWORD)):
        response = get_token(client, login, password)
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        problem = response.get_json()
        assert problem["code"] == "bad_credentials" and problem["status"] == 401
        assert set(problem) >= {"type", "title", "status", "detail", "code"}


def test_problem_detail_follows_the_request_language(client):
    response = client.post(
        "/api/v1/auth/token", json={"login": "x", "password": "y"}, headers={"Accept-Language": "en"}
    )
    assert response.get_json()["detail"] == "The login or the password is not correct."
    response = client.post(
        "/api/v1/auth/token", json={"login": "x", "password": "y"}, headers={"Accept-Language": "zh-CN,zh;q=0.9"}
    )
    assert "不正确" in response.get_json()["detail"]


def test_a_body_that_is_not_json_is_a_400_problem(client):
    response = client.post("/api/v1/auth/token", data="login=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.get_json()["code"] == "invalid_json"


def test_missing_fields_are_a_422_problem(client):
    response = client.post("/api/v1/auth/token", json={"login": "13800000002"})
    assert response.status_code == 422


def test_token_endpoint_is_throttled_after_repeated_failures(client):
    make_user(phone="13800000002")
    statuses = [get_token(client, password="wrong-password").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    assert get_token(client).status_code == 429
    assert get_token(client).get_json()["code"] == "rate_limited"


def test_me_needs_a_valid_bearer_token(client):
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=bearer("made-up")).status_code == 401
    response = client.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_session_cookie_does_not_authenticate_the_api(client, auth):
    make_user(phone="13800000002")
    auth.sign_in("13800000002", PASSWORD)
    assert client.get("/api/v1/me").status_code == 401


def test_an_api_call_neither_reads_nor_sets_the_pages_session_cookie(client, auth):
    make_user(phone="13800000002", locale="en")
    auth.sign_in("13800000002", PASSWORD)  # the pages' session: signed in, English
    answer = client.get("/api/v1/me", headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == 401 and "Set-Cookie" not in answer.headers
    assert "请" in answer.get_json()["detail"]  # the request's language, not the signed-in user's
    assert client.get("/accounts/settings").status_code == 200  # the pages' session is as it was


def test_me_lists_memberships_residence_and_registrations(client):
    city = make_city()
    user = make_user(name="张三", phone="13800000002")
    user.party_member = True
    db.session.commit()
    make_membership(user, city["unit"], "manager")
    make_resident(user, city["c1"], party_member=True)
    token = get_token(client).get_json()["token"]
    me = client.get("/api/v1/me", headers=bearer(token)).get_json()
    assert me["name"] == "张三" and me["phone"] == "13800000002" and me["party_member"] is True
    assert me["residence"] == {"community": "T-S-01", "status": "acknowledged"}
    assert me["memberships"] == [{"org": "U-T", "role": "manager"}]
    kinds = sorted((r["kind"], r["community"], r["status"]) for r in me["registrations"])
    assert kinds == [("resident", "T-S-01", "acknowledged"), ("unit", "T-S-01", "acknowledged")]
    assert all(r["receipt"] for r in me["registrations"])


def test_revoked_token_stops_working(client):
    make_user(phone="13800000002")
    token = get_token(client).get_json()["token"]
    assert client.delete("/api/v1/auth/token", headers=bearer(token)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_expired_token_stops_working(client):
    user = make_user(phone="13800000002")
    raw, _ = issue_api_token(user, now=utcnow() - timedelta(days=31), ttl=timedelta(days=30))
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 401


def test_token_of_a_deactivated_user_stops_working(client):
    user = make_user(phone="13800000002")
    token = get_token(client).get_json()["token"]
    user.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_unknown_api_path_is_a_404_problem(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "not_found"


def test_wrong_method_is_a_405_problem(client):
    response = client.put("/api/v1/me")
    assert response.status_code == 405 and response.get_json()["code"] == "method_not_allowed"


def test_a_read_only_call_keeps_the_note_of_the_tokens_use_and_writes_it_once_a_minute(client):
    from tests.when import count_statements

    user = make_user(phone="13800000002")
    raw, token = issue_api_token(user, now=utcnow(), ttl=timedelta(days=1))
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 200
    db.session.refresh(token)
    first_use = token.last_used_at
    assert first_use is not None  # committed, though the call only read
    with count_statements() as statements:
        client.get("/api/v1/me", headers=bearer(raw))
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE API_TOKENS")]
    db.session.refresh(token)
    assert token.last_used_at == first_use
