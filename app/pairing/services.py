"""Co-building agreements (共建协议): a draft with its items, signed once by each side, then its items' progress.

Who may act is decided here from the actor passed in: a side's managers act for that side (admins
read, they do not sign for anyone). Flush, never commit; the boundary opens the transaction with
the write lock and reads the agreement through get_agreement_locked, so two managers acting on one
agreement at once are serialised.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.audit.services import diff, record
from app.domain.errors import DomainError
from app.domain.organisations import OrgKind, RegistrationKind, RegistrationStatus
from app.domain.pairing import (
    LIVE_AGREEMENT_STATUSES,
    AgreementStatus,
    ItemStatus,
    Side,
    Signatures,
    agreement_number,
    check_agreement_text,
    check_content_editable,
    check_item,
    check_item_progress,
    check_move,
    check_sign,
    check_year,
    other_side,
)
from app.extensions import db
from app.organisations.models import Organisation, Registration
from app.organisations.services import (
    is_manager,
    is_unit_registered_with,
    list_managed_organisations,
    list_unit_communities,
)
from app.pairing import notices
from app.pairing.models import Agreement, AgreementItem

AUDIT_SUBJECT = "pairing_agreement"
PAIRED_KINDS = (OrgKind.UNIT.value, OrgKind.COMMUNITY.value)


# --- who may do what -----------------------------------------------------------------


def manages(user: User, org: Organisation) -> bool:
    """A manager of the organisation itself (not an admin standing in)."""
    return bool(user.is_authenticated) and is_manager(user, org)


def may_read_org(user: User, org: Organisation) -> bool:
    """An organisation's pairing pages: its managers, and admins (who oversee, read only)."""
    return org.kind in PAIRED_KINDS and (bool(user.is_admin) or manages(user, org))


def side_org(agreement: Agreement, side: Side) -> Organisation:
    return agreement.unit if side is Side.UNIT else agreement.community


def sides_managed(user: User, agreement: Agreement) -> tuple[Side, ...]:
    """The sides of the agreement the user acts for (both, for someone managing the unit and the community)."""
    return tuple(side for side in Side if manages(user, side_org(agreement, side)))


def may_see_agreement(user: User, agreement: Agreement) -> bool:
    return bool(user.is_admin) or bool(sides_managed(user, agreement))


def _acting_sides(user: User, agreement: Agreement) -> tuple[Side, ...]:
    sides = sides_managed(user, agreement)
    if not sides:
        raise DomainError("forbidden")
    return sides


def partners_of(org: Organisation) -> list[Organisation]:
    """Whom the organisation may pair with: a community's acknowledged units, a unit's communities."""
    if org.kind == OrgKind.UNIT.value:
        return list_unit_communities(org)
    if org.kind != OrgKind.COMMUNITY.value:
        return []
    return list(
        db.session.scalars(
            select(Organisation)
            .join(Registration, Registration.unit_id == Organisation.id)
            .where(
                Registration.community_id == org.id,
                Registration.kind == RegistrationKind.UNIT.value,
                Registration.status == RegistrationStatus.ACKNOWLEDGED.value,
            )
            .order_by(Organisation.name, Organisation.code)
        )
    )


def _parties(org: Organisation, partner: Organisation) -> tuple[Organisation, Organisation]:
    """(unit, community) of the pair, whichever side `org` is; `unit_not_registered` for any other pair."""
    kinds = (org.kind, partner.kind)
    if kinds == (OrgKind.UNIT.value, OrgKind.COMMUNITY.value):
        return org, partner
    if kinds == (OrgKind.COMMUNITY.value, OrgKind.UNIT.value):
        return partner, org
    raise DomainError("unit_not_registered", field="partner")


# --- reading ---------------------------------------------------------------------------


def get_agreement(agreement_id: int) -> Agreement | None:
    return db.session.get(Agreement, agreement_id)


def get_agreement_locked(agreement_id: int) -> Agreement | None:
    """The agreement read afresh, its row locked on PostgreSQL until the transaction ends."""
    return db.session.scalar(
        select(Agreement)
        .where(Agreement.id == agreement_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def get_item(agreement: Agreement, item_id: int) -> AgreementItem | None:
    item = db.session.get(AgreementItem, item_id)
    return item if item is not None and item.agreement_id == agreement.id else None


def list_agreements(org: Organisation, *, year: int | None = None, status: str | None = None) -> list[Agreement]:
    """The organisation's agreements (as either side), newest year first, then by partner."""
    column = Agreement.unit_id if org.kind == OrgKind.UNIT.value else Agreement.community_id
    query = select(Agreement).where(column == org.id)
    if year is not None:
        query = query.where(Agreement.year == year)
    if status:
        query = query.where(Agreement.status == status)
    return list(db.session.scalars(query.order_by(Agreement.year.desc(), Agreement.created_at.desc(), Agreement.id)))


def list_agreement_years(org: Organisation) -> list[int]:
    column = Agreement.unit_id if org.kind == OrgKind.UNIT.value else Agreement.community_id
    return list(db.session.scalars(select(Agreement.year).where(column == org.id).distinct().order_by(Agreement.year)))


def item_counts(agreements: Sequence[Agreement]) -> dict[int, tuple[int, int]]:
    """(items, done) per agreement id, in one query."""
    if not agreements:
        return {}
    rows = db.session.execute(
        select(AgreementItem.agreement_id, AgreementItem.status, func.count())
        .where(AgreementItem.agreement_id.in_([a.id for a in agreements]))
        .group_by(AgreementItem.agreement_id, AgreementItem.status)
    )
    counts: dict[int, tuple[int, int]] = {}
    for agreement_id, status, n in rows:
        total, done = counts.get(agreement_id, (0, 0))
        counts[agreement_id] = (total + n, done + (n if status == ItemStatus.DONE.value else 0))
    return counts


def _live_exists(unit: Organisation, community: Organisation, year: int, *, besides: int | None = None) -> bool:
    query = select(Agreement.id).where(
        Agreement.unit_id == unit.id,
        Agreement.community_id == community.id,
        Agreement.year == year,
        Agreement.status.in_([s.value for s in LIVE_AGREEMENT_STATUSES]),
    )
    if besides is not None:
        query = query.where(Agreement.id != besides)
    return db.session.scalar(query.limit(1)) is not None


def _flush_guarding_the_live_index(*rows: object) -> None:
    """Flush in a savepoint: two managers drafting the same year at once meet the unique index, and the
    one who loses is told `agreement_exists` rather than shown an error page."""
    try:
        with db.session.begin_nested():
            db.session.add_all(rows)
            db.session.flush()
    except IntegrityError as error:
        raise DomainError("agreement_exists", field="year") from error


# --- drafting ----------------------------------------------------------------------------


def draft_agreement(
    org: Organisation, partner: Organisation, *, year: int | None, title: str, body: str, by: User, now: datetime
) -> Agreement:
    """A draft between `org` (which `by` manages) and `partner`: the unit must be registered with the
    community (acknowledged), and no other live agreement of theirs may cover the year."""
    if not manages(by, org):
        raise DomainError("forbidden")
    unit, community = _parties(org, partner)
    year = check_year(year)
    title, body = check_agreement_text(title, body)
    if not is_unit_registered_with(unit, community):
        raise DomainError("unit_not_registered", field="partner")
    if _live_exists(unit, community, year):
        raise DomainError("agreement_exists", field="year")
    agreement = Agreement(
        unit=unit,
        community=community,
        year=year,
        title=title,
        body=body,
        status=AgreementStatus.DRAFT.value,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    _flush_guarding_the_live_index(agreement)
    record(AUDIT_SUBJECT, agreement.id, "created", actor=by, changes=_whole(agreement.audit_view()), now=now)
    return agreement


def edit_agreement(
    agreement: Agreement, *, year: int | None, title: str, body: str, by: User, now: datetime
) -> Agreement:
    """A draft's year, title and text (either side's managers)."""
    _acting_sides(by, agreement)
    check_content_editable(agreement.status)
    year = check_year(year)
    title, body = check_agreement_text(title, body)
    if year != agreement.year and _live_exists(agreement.unit, agreement.community, year, besides=agreement.id):
        raise DomainError("agreement_exists", field="year")
    if year != agreement.year and any(item.due_on.year != year for item in agreement.items):
        raise DomainError("due_outside_year", field="year")
    before = agreement.audit_view()
    agreement.year, agreement.title, agreement.body = year, title, body
    agreement.updated_at = now
    _flush_guarding_the_live_index(agreement)
    record(AUDIT_SUBJECT, agreement.id, "updated", actor=by, changes=diff(before, agreement.audit_view()), now=now)
    return agreement


def add_item(
    agreement: Agreement,
    *,
    what: str,
    responsible: str,
    person: str,
    due_on: date | None,
    by: User,
    now: datetime,
) -> AgreementItem:
    """A new item of a draft (either side's managers), planned, due within the agreement's year."""
    _acting_sides(by, agreement)
    check_content_editable(agreement.status)
    fields = check_item(what, responsible, person, due_on, year=agreement.year)
    item = AgreementItem(
        agreement=agreement,
        what=fields.what,
        responsible=fields.responsible.value,
        person=fields.person,
        due_on=fields.due_on,
        status=ItemStatus.PLANNED.value,
        created_at=now,
        updated_at=now,
    )
    db.session.add(item)
    agreement.updated_at = now
    db.session.flush()
    record(AUDIT_SUBJECT, agreement.id, "item_added", actor=by, changes=_whole(item.audit_view()), now=now)
    return item


def edit_item(
    item: AgreementItem,
    *,
    what: str,
    responsible: str,
    person: str,
    due_on: date | None,
    by: User,
    now: datetime,
) -> AgreementItem:
    """What a draft's item says: what, who answers for it, by when."""
    agreement = item.agreement
    _acting_sides(by, agreement)
    check_content_editable(agreement.status)
    fields = check_item(what, responsible, person, due_on, year=agreement.year)
    before = item.audit_view()
    item.what, item.responsible, item.person, item.due_on = (
        fields.what,
        fields.responsible.value,
        fields.person,
        fields.due_on,
    )
    item.updated_at = agreement.updated_at = now
    db.session.flush()
    changes = diff(before, item.audit_view())
    if changes:
        changes["item"] = [item.id, item.id]
    record(AUDIT_SUBJECT, agreement.id, "item_updated", actor=by, changes=changes, now=now)
    return item


def remove_item(item: AgreementItem, *, by: User, now: datetime) -> None:
    """A draft's item is taken out (its audit entry keeps what it said)."""
    agreement = item.agreement
    _acting_sides(by, agreement)
    check_content_editable(agreement.status)
    view = item.audit_view()
    agreement.items.remove(item)
    agreement.updated_at = now
    db.session.flush()
    record(
        AUDIT_SUBJECT,
        agreement.id,
        "item_removed",
        actor=by,
        changes={k: [v, None] for k, v in view.items()},
        now=now,
    )


# --- signing and the moves after it -------------------------------------------------------


def signatures(agreement: Agreement) -> Signatures:
    """Which sides have signed, as the rules read it."""
    return Signatures(unit=agreement.unit_signed_at is not None, community=agreement.community_signed_at is not None)


def sign_agreement(agreement: Agreement, side: Side, *, by: User, now: datetime) -> Agreement:
    """`by` signs for `side`, which they must manage: the first signature proposes the agreement to the
    other side (whose managers are told), the second makes it signed, numbered and frozen. The unit must
    still be registered with the community."""
    if not manages(by, side_org(agreement, side)):
        raise DomainError("forbidden", field="side")
    new = check_sign(agreement.status, side, signatures(agreement), items=len(agreement.items))
    if not is_unit_registered_with(agreement.unit, agreement.community):
        raise DomainError("unit_not_registered", field="partner")
    if side is Side.UNIT:
        agreement.unit_signed_by, agreement.unit_signed_at = by, now
    else:
        agreement.community_signed_by, agreement.community_signed_at = by, now
    before = agreement.status
    agreement.status = new.value
    agreement.updated_at = now
    if new is AgreementStatus.SIGNED:
        agreement.number = agreement_number(agreement.year, agreement.id)
    db.session.flush()
    changes: dict[str, object] = {"status": [before, new.value], "side": [None, side.value]}
    if agreement.number:
        changes["number"] = [None, agreement.number]
    record(AUDIT_SUBJECT, agreement.id, "signed", actor=by, changes=changes, now=now)
    waiting = side_org(agreement, other_side(side))
    if new is AgreementStatus.PROPOSED:
        notices.tell_managers(waiting, "agreement_to_sign", notices.agreement_value(agreement), now=now, besides=by)
    else:
        notices.tell_managers(waiting, "agreement_signed", notices.agreement_value(agreement), now=now, besides=by)
    return agreement


def _move(agreement: Agreement, new: AgreementStatus, *, action: str, by: User, now: datetime) -> Agreement:
    _acting_sides(by, agreement)
    check_move(agreement.status, new)
    before = agreement.status
    agreement.status = new.value
    agreement.updated_at = now
    if new is AgreementStatus.DRAFT:
        # The content may change again: the signature given was to the old content.
        agreement.unit_signed_by = agreement.community_signed_by = None
        agreement.unit_signed_at = agreement.community_signed_at = None
    else:
        agreement.closed_at, agreement.closed_by = now, by
    db.session.flush()
    record(AUDIT_SUBJECT, agreement.id, action, actor=by, changes={"status": [before, new.value]}, now=now)
    return agreement


def send_back(agreement: Agreement, *, by: User, now: datetime) -> Agreement:
    """A proposed agreement goes back to draft for changes; the signature it had is cleared."""
    return _move(agreement, AgreementStatus.DRAFT, action="sent_back", by=by, now=now)


def withdraw_agreement(agreement: Agreement, *, by: User, now: datetime) -> Agreement:
    """Either side gives up an agreement not yet signed by both."""
    return _move(agreement, AgreementStatus.WITHDRAWN, action="withdrawn", by=by, now=now)


def end_agreement(agreement: Agreement, *, by: User, now: datetime) -> Agreement:
    """Either side ends a signed agreement early; a new version for the year may then be drafted."""
    return _move(agreement, AgreementStatus.ENDED, action="ended", by=by, now=now)


def record_progress(item: AgreementItem, *, status: str, note: str, by: User, now: datetime) -> AgreementItem:
    """An item's status and note, once the agreement is signed (either side's managers). When an item
    is done, the other side's managers are told."""
    agreement = item.agreement
    sides = _acting_sides(by, agreement)
    new, note = check_item_progress(agreement.status, item.status, status, note)
    before = {"status": item.status, "note": item.note}
    item.status, item.note = new.value, note
    if new is not ItemStatus.DONE:
        item.done_at = None
    elif before["status"] != ItemStatus.DONE.value:
        item.done_at = now
    item.updated_at = now
    db.session.flush()
    changes = diff(before, {"status": item.status, "note": item.note})
    if changes:
        changes["item"] = [item.id, item.id]
    record(AUDIT_SUBJECT, agreement.id, "item_progress", actor=by, changes=changes, now=now)
    if new is ItemStatus.DONE and before["status"] != ItemStatus.DONE.value:
        # Who acted for which side: someone managing both tells nobody but the admins' reports.
        for side in Side:
            if side not in sides:
                notices.tell_managers(
                    side_org(agreement, side), "agreement_item_done", notices.item_value(item), now=now, besides=by
                )
    return item


def _whole(view: dict[str, object]) -> dict[str, list[object]]:
    return {key: [None, value] for key, value in view.items()}


def list_pending_signatures(user: User) -> list[Agreement]:
    """Agreements proposed by the other side that wait for a side the user manages."""
    managed = [o.id for o in list_managed_organisations(user) if o.kind in PAIRED_KINDS]
    if not managed:
        return []
    return list(
        db.session.scalars(
            select(Agreement)
            .where(
                Agreement.status == AgreementStatus.PROPOSED.value,
                or_(
                    Agreement.unit_id.in_(managed) & Agreement.unit_signed_at.is_(None),
                    Agreement.community_id.in_(managed) & Agreement.community_signed_at.is_(None),
                ),
            )
            .order_by(Agreement.updated_at)
        )
    )
