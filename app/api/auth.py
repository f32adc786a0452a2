"""Bearer-token authentication for the API; cookies are never accepted here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from app.accounts.models import ApiToken, User
from app.accounts.services import get_api_token, token_use_to_note, touch_api_token
from app.db import begin_with_write_lock, commit_keeping_loaded, utcnow
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
        note_token_use(token, now=now)
        g.api_token = token
        g.api_user = token.user
        g.api_locale = token.user.locale  # the language of the answer (app.i18n)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def note_token_use(token: ApiToken, *, now: datetime) -> None:
    """Note the token's use (at most once a minute) in its own short transaction: a read-only
    call would otherwise roll the note back, and write it again on every call. The write lock is
    taken first, as SQLite needs: a read turned write fails at once ("database is locked") when
    another write came in between, where a write that asks first waits its turn."""
    if token_use_to_note(token, now=now):
        begin_with_write_lock(db.session)
        touch_api_token(token, now=now)
        commit_keeping_loaded(db.session)


def api_user() -> User:
    return g.api_user


def api_token() -> ApiToken:
    return g.api_token
