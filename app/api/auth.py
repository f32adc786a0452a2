"""Bearer-token authentication for the API; cookies are never accepted here."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from app.accounts.models import ApiToken, User
from app.accounts.services import get_api_token, touch_api_token
from app.db import utcnow
from app.extensions import db
from app.problems import problem

F = TypeVar("F", bound=Callable[..., Any])


def bearer_value() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def token_required(view: F) -> F:
    """Answer 401 problem+json unless a live bearer token is sent; sets g.api_user."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        now = utcnow()
        token = get_api_token(bearer_value(), now=now)
        if token is None:
            return problem(401, "unauthorized")
        if touch_api_token(token, now=now):
            # Its own short transaction: a read-only call would otherwise roll the note back, and
            # write it again on every call.
            db.session.commit()
        g.api_token = token
        g.api_user = token.user
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def api_user() -> User:
    return g.api_user


def api_token() -> ApiToken:
    return g.api_token
