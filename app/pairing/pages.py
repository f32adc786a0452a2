"""What both kinds of pairing page need: the signed-in user, today in the city, the organisation asked for."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import abort
from flask_login import current_user

from app.accounts.models import User
from app.domain.resources import DEFAULT_TIMEZONE
from app.organisations.models import Organisation
from app.organisations.services import get_organisation
from app.pairing.services import PAIRED_KINDS, manages, may_read_org


def signed_in_user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def local_today() -> date:
    return datetime.now(ZoneInfo(DEFAULT_TIMEZONE)).date()


def paired_org_or_404(code: str) -> Organisation:
    """A unit or a community: the organisations that pair."""
    org = get_organisation(code)
    if org is None or org.kind not in PAIRED_KINDS:
        abort(404)
    return org


def readable_org(code: str) -> Organisation:
    """An organisation's pairing pages are read by its managers, and by admins (who oversee)."""
    org = paired_org_or_404(code)
    if not may_read_org(signed_in_user(), org):
        abort(403)
    return org


def managed_org(code: str) -> Organisation:
    """What changes an organisation's pairing: its managers only."""
    org = paired_org_or_404(code)
    if not manages(signed_in_user(), org):
        abort(403)
    return org
