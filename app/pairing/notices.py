"""In-app notices of pairing (and their emails, which ride along): an agreement to sign, signed, items due or done.

A notice names no booking; its one value (the agreement or the item, in the words the managers wrote)
sits in `reason`, as the inbox's other notices about no booking do.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.accounts.models import User
from app.domain.pairing import (
    DUE_NOTICE_DAYS,
    OPEN_ITEM_STATUSES,
    AgreementStatus,
    Responsible,
    Side,
    responsible_sides,
)
from app.domain.resources import DEFAULT_TIMEZONE
from app.extensions import db
from app.organisations.models import Organisation
from app.organisations.services import list_managers
from app.pairing.models import Agreement, AgreementItem

REASON_LENGTH = 300


def agreement_value(agreement: Agreement) -> str:
    """ "2026年度共建协议 (测试中学 / 一号社区)": which agreement, whichever side reads it."""
    return f"{agreement.title} ({agreement.unit.name} / {agreement.community.name})"[:REASON_LENGTH]


def item_value(item: AgreementItem) -> str:
    agreement = item.agreement
    return f"{item.what} · {item.due_on.isoformat()} · {agreement_value(agreement)}"[:REASON_LENGTH]


def tell_managers(org: Organisation, kind: str, value: str, *, now: datetime, besides: User | None = None) -> int:
    """A notice to each active manager of the organisation (not to the one who acted). Flush, never commit."""
    # Imported here: the organisations' figures read app.pairing while app.organisations is still being
    # imported, and the bookings package (which the inbox lives in) imports the directory, which imports
    # app.organisations: at the top, this import would close that circle.
    from app.bookings.models import Notification

    told = 0
    for manager in list_managers(org):
        if besides is not None and manager.id == besides.id:
            continue
        db.session.add(Notification(user_id=manager.id, kind=kind, reason=value, created_at=now))
        told += 1
    db.session.flush()
    return told


def notify_items_due(*, today: date, now: datetime) -> int:
    """Tell the responsible side's managers, once per item, when an open item of a signed agreement comes
    within DUE_NOTICE_DAYS of its due date (or is overdue when first seen). Returns how many were told;
    a second run the same day tells nobody again."""
    from app.notifications.services import notify_once  # imported here: see tell_managers

    items = db.session.scalars(
        select(AgreementItem)
        .join(Agreement, Agreement.id == AgreementItem.agreement_id)
        .where(
            AgreementItem.status.in_([s.value for s in OPEN_ITEM_STATUSES]),
            AgreementItem.due_on <= today + timedelta(days=DUE_NOTICE_DAYS),
            Agreement.status == AgreementStatus.SIGNED.value,
        )
        .order_by(AgreementItem.due_on, AgreementItem.id)
    ).all()
    told = 0
    for item in items:
        agreement = item.agreement
        for side in responsible_sides(Responsible(item.responsible)):
            org = agreement.unit if side is Side.UNIT else agreement.community
            for manager in list_managers(org):
                notice = notify_once(
                    f"pairing_item_due:{item.id}:{item.due_on.isoformat()}:{manager.id}",
                    user_id=manager.id,
                    kind="agreement_item_due",
                    reason=item_value(item),
                    now=now,
                )
                told += notice is not None
    return told


def remind_items_due(*, now: datetime) -> int:
    """The daily job: items coming due by today's date in the city."""
    return notify_items_due(today=now.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).date(), now=now)
