"""Who a login names, and whether a password is good enough."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from app.domain.errors import DomainError

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Deliberately simple: one @, a dot in the domain, no spaces. Deliverability is
# proven by use, not by a regular expression.
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


@dataclass(frozen=True)
class Login:
    kind: Literal["phone", "email"]
    value: str


def parse_login(raw: str) -> Login:
    """A mainland mobile number (11 digits, 1[3-9]…) or an email address, normalised.

    Spaces, dashes and a +86 / 0086 prefix are accepted around a phone number;
    emails are lower-cased.
    """
    text = (raw or "").strip()
    if "@" in text:
        email = text.lower()
        if len(email) > 254 or not EMAIL_RE.match(email):
            raise DomainError("invalid_email", field="login")
        return Login("email", email)
    digits = re.sub(r"[\s\-()]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not MOBILE_RE.match(digits):
        raise DomainError("invalid_phone", field="login")
    return Login("phone", digits)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def check_password(password: str, *, login: str = "", name: str = "") -> None:
    """Raise a DomainError naming the first reason the password is refused."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError("password_too_short", field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise DomainError("password_too_long", field="password")
    lowered = password.lower()
    if lowered in common_passwords():
        raise DomainError("password_too_common", field="password")
    if len(set(password)) <= 2:
        raise DomainError("password_too_common", field="password")
    personal = {p.lower() for p in (login, name) if p}
    if lowered in personal or any(p and p in lowered and len(p) >= 6 for p in personal):
        raise DomainError("password_like_login", field="password")
