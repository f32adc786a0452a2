"""Feed tokens: issue, show again, find, regenerate. Flush, never commit.

A token is 32 random bytes (secrets), written base64url in the feed's URL. The database keeps
its SHA-256 (the only way a request finds it) and a sealed copy: the token XORed with
HMAC-SHA256(secret key, random nonce), so its owner can be shown the URL again while a copy of
the database alone reveals none. A sealed copy that no longer opens (the secret key changed)
is noticed by its hash and the token is replaced.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.domain.organisations import Role
from app.extensions import db
from app.feeds.models import ORGANISATION, PERSONAL, FeedToken
from app.organisations.models import Membership, Organisation
from app.organisations.services import list_managed_organisations

TOKEN_BYTES = 32
NONCE_BYTES = 16
# base64url of 32 bytes without padding: 43 characters. Anything else is not looked up at all.
TOKEN_LENGTH = 43
_PURPOSE = b"linli-feed-token:"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def _pad(secret: str, nonce: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), _PURPOSE + nonce, hashlib.sha256).digest()


def seal(token_bytes: bytes, secret: str) -> str:
    nonce = secrets.token_bytes(NONCE_BYTES)
    hidden = bytes(a ^ b for a, b in zip(token_bytes, _pad(secret, nonce), strict=True))
    return _b64(nonce + hidden)


def unseal(sealed: str, secret: str) -> str | None:
    """The token from its sealed copy; None when it does not open."""
    try:
        raw = _unb64(sealed)
    except ValueError:
        return None
    if len(raw) != NONCE_BYTES + TOKEN_BYTES:
        return None
    nonce, hidden = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    return _b64(bytes(a ^ b for a, b in zip(hidden, _pad(secret, nonce), strict=True)))


def live_feed_token(user: User, kind: str, organisation: Organisation | None = None) -> FeedToken | None:
    query = select(FeedToken).where(
        FeedToken.user_id == user.id, FeedToken.kind == kind, FeedToken.revoked_at.is_(None)
    )
    if organisation is None:
        query = query.where(FeedToken.organisation_id.is_(None))
    else:
        query = query.where(FeedToken.organisation_id == organisation.id)
    return db.session.scalars(query.order_by(FeedToken.id.desc())).first()


def issue_feed_token(
    user: User, kind: str, organisation: Organisation | None = None, *, secret: str, now: datetime
) -> str:
    """A new token for the user's feed of this kind, the old one revoked (its URL then answers 404)."""
    if (kind == ORGANISATION) != (organisation is not None):
        raise ValueError("an organisation feed needs its organisation, a personal one none")
    old = live_feed_token(user, kind, organisation)
    if old is not None:
        old.revoked_at = now
    token_bytes = secrets.token_bytes(TOKEN_BYTES)
    token = _b64(token_bytes)
    db.session.add(
        FeedToken(
            user_id=user.id,
            kind=kind,
            organisation_id=organisation.id if organisation is not None else None,
            token_hash=token_digest(token),
            sealed=seal(token_bytes, secret),
            created_at=now,
        )
    )
    db.session.flush()
    return token


def feed_token_value(
    user: User, kind: str, organisation: Organisation | None = None, *, secret: str, now: datetime
) -> str:
    """The user's live token of this feed, made on first use (or when its sealed copy no longer opens)."""
    current = live_feed_token(user, kind, organisation)
    if current is not None:
        token = unseal(current.sealed, secret)
        if token is not None and hmac.compare_digest(token_digest(token), current.token_hash):
            return token
    return issue_feed_token(user, kind, organisation, secret=secret, now=now)


def find_feed_token(token: str) -> FeedToken | None:
    """The live token with this value whose owner may still read its feed; None otherwise (404)."""
    if len(token) != TOKEN_LENGTH or not all(c.isalnum() or c in "-_" for c in token):
        return None
    # The owner's role in the feed's organisation comes in the same query: feeds are polled often.
    row = db.session.execute(
        select(FeedToken, Membership.role)
        .options(joinedload(FeedToken.user), joinedload(FeedToken.organisation))
        .outerjoin(
            Membership,
            and_(Membership.user_id == FeedToken.user_id, Membership.organisation_id == FeedToken.organisation_id),
        )
        .where(FeedToken.token_hash == token_digest(token))
    ).first()
    if row is None:
        return None
    found, role = row
    if found.revoked_at is not None or not found.user.active:
        return None
    # Managers who step down lose the organisation's feed with the role.
    if found.kind == ORGANISATION and (
        found.organisation is None or not (found.user.is_admin or role == Role.MANAGER.value)
    ):
        return None
    return found


def may_follow_organisation(user: User, organisation: Organisation) -> bool:
    if user.is_admin:
        return True
    # One small query, not the memberships service's loaded objects: feeds are polled often.
    role = db.session.scalar(
        select(Membership.role).where(Membership.user_id == user.id, Membership.organisation_id == organisation.id)
    )
    return role == Role.MANAGER.value


def list_feed_organisations(user: User) -> list[Organisation]:
    """The organisations whose bookings the user may follow by feed: those they manage."""
    return list_managed_organisations(user)


__all__ = [
    "ORGANISATION",
    "PERSONAL",
    "feed_token_value",
    "find_feed_token",
    "issue_feed_token",
    "list_feed_organisations",
    "live_feed_token",
    "may_follow_organisation",
    "seal",
    "token_digest",
    "unseal",
]
