"""Sign-in throttling: failed attempts counted per account and per address."""

from __future__ import annotations

from flask import Response, current_app, request
from flask_limiter.util import get_remote_address

from app.domain.errors import DomainError
from app.domain.logins import parse_login
from app.extensions import limiter


def _submitted_login() -> str:
    raw = request.form.get("login")
    if raw is None:
        body = request.get_json(silent=True)
        raw = body.get("login", "") if isinstance(body, dict) else ""
    raw = str(raw)
    try:
        return parse_login(raw).value
    except DomainError:
        return raw.strip().lower()[:254]


def account_key() -> str:
    return "signin-account:" + _submitted_login()


def address_key() -> str:
    return "signin-address:" + get_remote_address()


def _failed(response: Response) -> bool:
    # A successful sign-in redirects (pages) or answers 200 with a token (API);
    # anything else was a failed attempt and counts.
    if request.blueprint == "api":
        return response.status_code != 200
    return response.status_code != 302


def _per_account() -> str:
    return current_app.config["SIGNIN_LIMIT_PER_ACCOUNT"]


def _per_address() -> str:
    return current_app.config["SIGNIN_LIMIT_PER_ADDRESS"]


signin_per_account = limiter.limit(_per_account, key_func=account_key, methods=["POST"], deduct_when=_failed)
signin_per_address = limiter.limit(_per_address, key_func=address_key, methods=["POST"], deduct_when=_failed)
