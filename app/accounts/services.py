"""Accounts: sign-up, sign-in checks, passwords, admins and API tokens. Flush, never commit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.models import ApiToken, User
from app.domain.errors import DomainError
from app.domain.logins import Login, check_password, parse_login
from app.driver_reads import DriverRead
from app.extensions import db
from app.loaded_rows import as_loaded_with, model_columns

# Compared against when no user matches, so a wrong login costs as much time
# as a wrong password and the two cannot be told apart.
_DUMMY_HASH = generate_password_hash("linli-no-such-user")


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def password_matches(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


def new_user_code() -> str:
    return "u-" + secrets.token_hex(5)


def get_user_by_login(login: Login) -> User | None:
    column = User.phone if login.kind == "phone" else User.email
    return db.session.scalar(select(User).where(column == login.value))


def get_user_by_code(code: str) -> User | None:
    return db.session.scalar(select(User).where(User.code == code))


def register_user(*, name: str, login: str, password: str, locale: str | None = None) -> User:
    """Create a user from a phone number or email; raises DomainError on any refusal."""
    name = (name or "").strip()
    if not name:
        raise DomainError("name_required", field="name")
    parsed = parse_login(login)
    check_password(password, login=parsed.value, name=name)
    if get_user_by_login(parsed) is not None:
        raise DomainError("login_taken", field="login")
    user = User(
        code=new_user_code(),
        name=name,
        phone=parsed.value if parsed.kind == "phone" else None,
        email=parsed.value if parsed.kind == "email" else None,
        password_hash=hash_password(password),
        locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(login: str, password: str, now: datetime) -> User | None:
    """The active user with this login and password, or None — never saying which was wrong."""
    try:
        parsed = parse_login(login)
    except DomainError:
        check_password_hash(_DUMMY_HASH, password)
        return None
    user = get_user_by_login(parsed)
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not password_matches(user, password):
        return None
    user.last_sign_in_at = now
    db.session.flush()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not password_matches(user, current):
        raise DomainError("wrong_password", field="current_password")
    check_password(new, login=user.login, name=user.name)
    if password_matches(user, new):
        raise DomainError("password_unchanged", field="new_password")
    user.password_hash = hash_password(new)
    user.session_version += 1
    db.session.flush()


def set_locale(user: User, locale: str | None) -> None:
    user.locale = locale
    db.session.flush()


def create_admin(*, login: str, name: str, password: str) -> User:
    """Make an admin: promote the user with this login, or create one."""
    parsed = parse_login(login)
    user = get_user_by_login(parsed)
    if user is None:
        user = register_user(name=name, login=login, password=password)
    else:
        check_password(password, login=parsed.value, name=user.name)
        user.password_hash = hash_password(password)
        user.session_version += 1
    user.is_admin = True
    db.session.flush()
    return user


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_api_token(user: User, *, now: datetime, ttl: timedelta, label: str = "") -> tuple[str, ApiToken]:
    """A new random bearer token; the caller gets the raw value once, we keep its hash."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken(user=user, token_hash=_token_digest(raw), label=label[:100], created_at=now, expires_at=now + ttl)
    db.session.add(token)
    db.session.flush()
    return raw, token


# The user comes in the same statement: every API call needs both. Built once, as every call runs
# it, and plain: the ORM's loading of two objects cost more than the read (app.loaded_rows).
_TOKEN_COLUMNS = model_columns(ApiToken)
_USER_COLUMNS = model_columns(User)
_TOKEN_WITH_USER = DriverRead(
    select(*_TOKEN_COLUMNS.columns, *_USER_COLUMNS.columns)
    .join_from(ApiToken.__table__, User.__table__, User.__table__.c.id == ApiToken.__table__.c.user_id)
    .where(ApiToken.__table__.c.token_hash == bindparam("digest"))
)


def get_api_token(raw: str, *, now: datetime) -> ApiToken | None:
    """The live token with this value (not revoked, not expired, its user active)."""
    if not raw:
        return None
    session = db.session()
    row = _TOKEN_WITH_USER.first(session.connection(), {"digest": _token_digest(raw)})
    if row is None:
        return None
    token = as_loaded_with(session, row, _TOKEN_COLUMNS, _USER_COLUMNS, "user")
    user = token.user
    if token.revoked_at is not None or token.expires_at <= now or not user.active:
        return None
    return token


def token_use_to_note(token: ApiToken, *, now: datetime) -> bool:
    """Whether this use of the token is to be noted: at most once a minute, so reads do not turn
    every API call into a write."""
    return token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1)


def touch_api_token(token: ApiToken, *, now: datetime) -> None:
    """Note the token's use (the caller commits it)."""
    token.last_used_at = now
    db.session.flush()


def revoke_api_token(token: ApiToken, *, now: datetime) -> None:
    token.revoked_at = now
    db.session.flush()


def list_api_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc()))
    )
