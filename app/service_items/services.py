"""Service items (双领办): publishing, claiming under the item's lock, withdrawing, recording completion,
and the figures. Flush, never commit.

Who may act is decided here from the actor passed in, so the pages and the API refuse alike. The
boundary opens the transaction with the write lock (`transaction(..., write_lock=True)`: BEGIN
IMMEDIATE on SQLite); here the item's row is locked (SELECT ... FOR UPDATE on PostgreSQL) before
its claims are counted, so two claims for its last place cannot both be written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.audit.services import record
from app.bookings.models import Notification
from app.directory.photos import ProcessedPhoto
from app.domain.errors import DomainError
from app.domain.organisations import OrgKind, RegistrationKind, RegistrationStatus
from app.domain.service_items import (
    LIVE_CLAIM_STATUSES,
    ClaimAttempt,
    ClaimStatus,
    ItemDraft,
    ItemKind,
    ItemStatus,
    check_claim,
    check_completion,
    check_item,
    check_item_move,
    check_withdrawal,
    claimant_kind,
    kinds_for,
)
from app.extensions import db
from app.organisations.models import Organisation, Registration
from app.organisations.services import (
    is_manager,
    is_unit_registered_with,
    list_managed_organisations,
    list_managers,
    list_resident_communities,
    list_unit_communities,
    list_units_user_may_act_for,
)
from app.queries import Page, paginate
from app.service_items.models import ServiceClaim, ServiceItem

AUDIT_SUBJECT = "service_item"
LIVE_VALUES = [s.value for s in LIVE_CLAIM_STATUSES]
PUBLISHING_KINDS = (OrgKind.COMMUNITY.value, OrgKind.UNIT.value)


# --- who may do what ------------------------------------------------------------------


def may_publish_for(user: User, org: Organisation) -> bool:
    """A community's or a unit's managers (and admins) publish its items and record their completion."""
    return org.kind in PUBLISHING_KINDS and (user.is_admin or is_manager(user, org))


def may_manage_item(user: User, item: ServiceItem) -> bool:
    return may_publish_for(user, item.org)


def is_claimant(user: User, claim: ServiceClaim) -> bool:
    """The person who claimed, or a manager of the organisation claimed for (admins stand for anyone)."""
    if user.is_admin or claim.user_id == user.id:
        return True
    return claim.on_behalf_of is not None and is_manager(user, claim.on_behalf_of)


def list_publishing_orgs(user: User) -> list[Organisation]:
    """The communities and units the user manages: where they may publish."""
    return [o for o in list_managed_organisations(user) if o.kind in PUBLISHING_KINDS and o.active]


def is_registered_for(user: User, item: ServiceItem, org: Organisation | None) -> bool:
    """Whether the claimant stands where the item asks (see ClaimAttempt): a unit registered with the
    publishing community, the community a publishing unit is registered with; for a person, a residence
    acknowledged by the publishing community, and for an activity day also a unit of theirs registered
    with it, or (a unit's day) membership of the unit or a residence in one of its communities."""
    publisher = item.org
    if org is not None:
        if org.kind == OrgKind.UNIT.value and publisher.kind == OrgKind.COMMUNITY.value:
            return is_unit_registered_with(org, publisher)
        if org.kind == OrgKind.COMMUNITY.value and publisher.kind == OrgKind.UNIT.value:
            return is_unit_registered_with(publisher, org)
        return False
    residences = {c.id for c in list_resident_communities(user)}
    activity_day = item.kind == ItemKind.ACTIVITY_DAY.value
    if publisher.kind == OrgKind.COMMUNITY.value:
        if publisher.id in residences:
            return True
        return activity_day and any(is_unit_registered_with(u, publisher) for u in list_units_user_may_act_for(user))
    if not activity_day:
        return False
    if any(u.id == publisher.id for u in list_units_user_may_act_for(user)):
        return True
    return any(c.id in residences for c in list_unit_communities(publisher))


# --- reading ----------------------------------------------------------------------------


def get_item(item_id: int) -> ServiceItem | None:
    return db.session.get(ServiceItem, item_id)


def get_claim(claim_id: int) -> ServiceClaim | None:
    return db.session.get(ServiceClaim, claim_id)


def lock_item(item_id: int) -> ServiceItem | None:
    """The item read afresh, its row locked on PostgreSQL until the transaction ends."""
    return db.session.scalar(
        select(ServiceItem).where(ServiceItem.id == item_id).with_for_update().execution_options(populate_existing=True)
    )


def count_live(item_ids: Iterable[int]) -> dict[int, int]:
    """Live claims (claimed or completed) per item: what fills its places."""
    ids = sorted(set(item_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(ServiceClaim.item_id, func.count())
        .where(ServiceClaim.item_id.in_(ids), ServiceClaim.status.in_(LIVE_VALUES))
        .group_by(ServiceClaim.item_id)
    )
    found = {item_id: 0 for item_id in ids}
    found.update({item_id: n for item_id, n in rows})
    return found


def _registered_units(community: Organisation) -> Select[tuple[int | None]]:
    return select(Registration.unit_id).where(
        Registration.community_id == community.id,
        Registration.kind == RegistrationKind.UNIT.value,
        Registration.status == RegistrationStatus.ACKNOWLEDGED.value,
    )


def list_items(
    *,
    community: Organisation | None = None,
    org: Organisation | None = None,
    status: str | None = None,
    kind: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page[ServiceItem]:
    """Items by start, soonest first while open (latest first otherwise). `community`: its own items and
    those of the units registered with it (what its people and managers may claim); `org`: one
    organisation's own."""
    query = select(ServiceItem).options(joinedload(ServiceItem.org))
    if community is not None:
        query = query.where(
            or_(ServiceItem.org_id == community.id, ServiceItem.org_id.in_(_registered_units(community)))
        )
    if org is not None:
        query = query.where(ServiceItem.org_id == org.id)
    if status:
        query = query.where(ServiceItem.status == status)
    if kind:
        query = query.where(ServiceItem.kind == kind)
    if status == ItemStatus.OPEN.value:
        query = query.order_by(ServiceItem.start, ServiceItem.id)
    else:
        query = query.order_by(ServiceItem.start.desc(), ServiceItem.id.desc())
    return paginate(db.session, query, page=page, per_page=per_page)


def item_claims_query(item: ServiceItem, user: User) -> Select[tuple[ServiceClaim]]:
    """The item's claims its publisher's managers see (all), or the user's own and their organisations';
    oldest first."""
    query = (
        select(ServiceClaim)
        .options(joinedload(ServiceClaim.user), joinedload(ServiceClaim.on_behalf_of))
        .where(ServiceClaim.item_id == item.id)
        .order_by(ServiceClaim.created_at, ServiceClaim.id)
    )
    return query if may_manage_item(user, item) else query.where(_claimed_by(user))


def list_item_claims(item: ServiceItem, user: User) -> list[ServiceClaim]:
    return list(db.session.scalars(item_claims_query(item, user)))


def list_live_claims(item: ServiceItem) -> list[ServiceClaim]:
    """Who holds the item's places: everyone may see which units and communities (and how many people) took part."""
    return list(
        db.session.scalars(
            select(ServiceClaim)
            .options(joinedload(ServiceClaim.user), joinedload(ServiceClaim.on_behalf_of))
            .where(ServiceClaim.item_id == item.id, ServiceClaim.status.in_(LIVE_VALUES))
            .order_by(ServiceClaim.created_at, ServiceClaim.id)
        )
    )


def _claimed_by(user: User) -> object:
    """Claims the user made for themself or that are of an organisation they manage."""
    managed = [o.id for o in list_managed_organisations(user)]
    return or_(
        and_(ServiceClaim.user_id == user.id, ServiceClaim.on_behalf_of_id.is_(None)),
        ServiceClaim.on_behalf_of_id.in_(managed),
    )


def list_my_claims(user: User, *, status: str | None = None, page: int = 1, per_page: int = 30) -> Page[ServiceClaim]:
    """The user's own claims and those of the organisations they manage, newest first."""
    query = (
        select(ServiceClaim)
        .options(joinedload(ServiceClaim.item).joinedload(ServiceItem.org), joinedload(ServiceClaim.on_behalf_of))
        .where(_claimed_by(user))
        .order_by(ServiceClaim.created_at.desc(), ServiceClaim.id.desc())
    )
    if status:
        query = query.where(ServiceClaim.status == status)
    return paginate(db.session, query, page=page, per_page=per_page)


def claim_options(user: User, item: ServiceItem, *, now: datetime) -> list[Organisation | None]:
    """For whom the user may claim the open item now (None: themself), as far as who they are goes: empty
    when it takes claims from nobody they stand for. Being full, or claimed already, is told on claiming."""
    candidates: list[Organisation | None] = [None, *list_managed_organisations(user)]
    allowed = []
    for org in candidates:
        attempt = ClaimAttempt(
            kind=item.kind,
            status=item.status,
            end=item.end,
            places=item.places,
            claimant=claimant_kind(org.kind if org is not None else None),
            acts_for=True,
            registered=is_registered_for(user, item, org),
            already=False,
            live=0,
        )
        try:
            check_claim(attempt, now)
        except DomainError:
            continue
        allowed.append(org)
    return allowed


def live_claims_of(user: User, item: ServiceItem) -> list[ServiceClaim]:
    """The user's live claims on the item (for themself and for the organisations they manage)."""
    return list(
        db.session.scalars(
            select(ServiceClaim)
            .where(ServiceClaim.item_id == item.id, ServiceClaim.status.in_(LIVE_VALUES), _claimed_by(user))
            .order_by(ServiceClaim.id)
        )
    )


# --- publishing -------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFields:
    title: str
    start: datetime
    end: datetime
    places: int
    description: str = ""
    place: str = ""
    kind: str | None = None  # the publisher's usual kind when not given


def publish_item(org: Organisation, fields: ItemFields, *, by: User, now: datetime) -> ServiceItem:
    """A new open item of `org`'s; `forbidden` unless `by` manages it, else the first rule the fields break."""
    if org.kind not in PUBLISHING_KINDS:
        raise DomainError("invalid_owner", field="org")
    if not may_publish_for(by, org):
        raise DomainError("forbidden", field="org")
    kind = fields.kind or kinds_for(org.kind)[0].value
    draft = check_item(
        ItemDraft(
            kind, org.kind, fields.title, fields.description, fields.place, fields.start, fields.end, fields.places
        ),
        now,
    )
    item = ServiceItem(
        org=org,
        kind=draft.kind,
        title=draft.title,
        description=draft.description,
        place=draft.place,
        start=draft.start,
        end=draft.end,
        places=draft.places,
        status=ItemStatus.OPEN.value,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    db.session.add(item)
    db.session.flush()
    record(AUDIT_SUBJECT, item.id, "published", actor=by, changes=_audit_view(item), now=now)
    return item


def _audit_view(item: ServiceItem) -> dict[str, list[object]]:
    shown = {
        "kind": item.kind,
        "title": item.title,
        "place": item.place,
        "start": item.start.isoformat(),
        "end": item.end.isoformat(),
        "places": item.places,
    }
    return {key: [None, value] for key, value in shown.items()}


def move_item(item_id: int, new: ItemStatus, *, by: User, now: datetime) -> ServiceItem:
    """Close, reopen or cancel an item (its publisher's managers). Cancelling withdraws the claims still
    held, and their claimants are told; completed ones stay as they were recorded."""
    item = lock_item(item_id)
    if item is None:
        raise DomainError("not_found")
    if not may_manage_item(by, item):
        raise DomainError("forbidden")
    before = item.status
    check_item_move(before, new)
    item.status = new.value
    item.updated_at = now
    if new is ItemStatus.CANCELLED:
        held = db.session.scalars(
            select(ServiceClaim).where(
                ServiceClaim.item_id == item.id, ServiceClaim.status == ClaimStatus.CLAIMED.value
            )
        ).all()
        for claim in held:
            _withdraw(claim, by=by, now=now)
            _notify(claim.user_id, "service_item_cancelled", item, now)
    db.session.flush()
    record(AUDIT_SUBJECT, item.id, new.value, actor=by, changes={"status": [before, new.value]}, now=now)
    return item


# --- claiming ----------------------------------------------------------------------------


def claim_item(item_id: int, user: User, *, on_behalf_of: Organisation | None, now: datetime) -> ServiceClaim:
    """Claim the item for the user or for an organisation they act for, holding the item's lock while the
    claims are counted; DomainError with the reason (ClaimAttempt's order) otherwise, having written nothing.
    The publisher's managers are told."""
    item = lock_item(item_id)
    if item is None:
        raise DomainError("not_found")
    claimant = claimant_kind(on_behalf_of.kind if on_behalf_of is not None else None)
    acts_for = on_behalf_of is None or user.is_admin or is_manager(user, on_behalf_of)
    mine = (
        ServiceClaim.on_behalf_of_id == on_behalf_of.id
        if on_behalf_of is not None
        else and_(ServiceClaim.user_id == user.id, ServiceClaim.on_behalf_of_id.is_(None))
    )
    live = count_live([item.id])[item.id]
    already = bool(
        db.session.scalar(
            select(exists().where(ServiceClaim.item_id == item.id, ServiceClaim.status.in_(LIVE_VALUES), mine))
        )
    )
    attempt = ClaimAttempt(
        kind=item.kind,
        status=item.status,
        end=item.end,
        places=item.places,
        claimant=claimant,
        acts_for=acts_for,
        registered=acts_for and is_registered_for(user, item, on_behalf_of),
        already=already,
        live=live,
    )
    check_claim(attempt, now)
    claim = ServiceClaim(
        item=item, user=user, on_behalf_of=on_behalf_of, status=ClaimStatus.CLAIMED.value, created_at=now
    )
    db.session.add(claim)
    db.session.flush()
    for manager in list_managers(item.org):
        if manager.id != user.id:
            _notify(manager.id, "service_item_claimed", item, now)
    return claim


def withdraw_claim(claim_id: int, *, by: User, now: datetime) -> ServiceClaim:
    """The claimant (or a manager of the organisation claimed for) withdraws a claim not yet completed:
    its place is free again."""
    claim = get_claim(claim_id)
    if claim is None:
        raise DomainError("not_found")
    lock_item(claim.item_id)
    db.session.refresh(claim)
    if not is_claimant(by, claim):
        raise DomainError("forbidden")
    check_withdrawal(claim.status)
    _withdraw(claim, by=by, now=now)
    db.session.flush()
    return claim


def _withdraw(claim: ServiceClaim, *, by: User, now: datetime) -> None:
    claim.status = ClaimStatus.WITHDRAWN.value
    claim.withdrawn_at = now
    claim.withdrawn_by = by


def complete_claim(
    item_id: int,
    claim_id: int,
    *,
    by: User,
    hours: object,
    note: str,
    photo: ProcessedPhoto | None = None,
    now: datetime,
) -> ServiceClaim:
    """The publisher's managers record a claim as completed, with the hours served, a note and an optional
    photo (checked and re-encoded by app.directory.photos.process_upload before the transaction: the slow
    part holds no lock). The claimant is told."""
    item = lock_item(item_id)
    if item is None:
        raise DomainError("not_found")
    if not may_manage_item(by, item):
        raise DomainError("forbidden")
    claim = db.session.scalar(
        select(ServiceClaim)
        .where(ServiceClaim.id == claim_id, ServiceClaim.item_id == item.id)
        .execution_options(populate_existing=True)
    )
    if claim is None:
        raise DomainError("not_found", field="claim")
    parsed, clean_note = check_completion(claim.status, item.status, hours, note)
    claim.status = ClaimStatus.COMPLETED.value
    claim.hours = parsed
    claim.note = clean_note
    claim.completed_at = now
    claim.completed_by = by
    if photo is not None:
        claim.photo = photo.image
        claim.photo_thumbnail = photo.thumbnail
        claim.has_photo = True
    db.session.flush()
    _notify(claim.user_id, "service_item_completed", item, now)
    record(
        AUDIT_SUBJECT,
        item.id,
        "claim_completed",
        actor=by,
        changes={"claim": [None, claim.id], "hours": [None, str(parsed)], "photo": [None, photo is not None]},
        now=now,
    )
    return claim


def _notify(user_id: int, kind: str, item: ServiceItem, now: datetime) -> None:
    """An in-app notice (its email rides along where email is set up); its one value is the item's title."""
    db.session.add(Notification(user_id=user_id, kind=kind, booking_id=None, reason=item.title[:300], created_at=now))


# --- around the lists -----------------------------------------------------------------------


def list_related_orgs(user: User) -> list[Organisation]:
    """The communities and units whose items concern the user: where they live, the communities their units
    are registered with, their units, and what they manage; by code."""
    found: dict[int, Organisation] = {}
    for community in list_resident_communities(user):
        found[community.id] = community
    for unit in list_units_user_may_act_for(user):
        found[unit.id] = unit
        for community in list_unit_communities(unit):
            found[community.id] = community
    for org in list_publishing_orgs(user):
        found[org.id] = org
    return sorted(found.values(), key=lambda o: o.code)


# --- figures ----------------------------------------------------------------------------


@dataclass
class ServiceFigures:
    """One organisation's 双领办 over a span.

    As publisher: `published` items (not cancelled), the `claims` made on them (not withdrawn), how many
    of those were `completed` and their `hours`. As claimant (a unit claiming needs, a community claiming
    support items): `claims_made`, `completed_made`, `hours_made`.
    """

    published: int = 0
    claims: int = 0
    completed: int = 0
    hours: Decimal = Decimal(0)
    claims_made: int = 0
    completed_made: int = 0
    hours_made: Decimal = Decimal(0)


def service_figures(org_ids: Sequence[int], since: datetime, until: datetime) -> dict[int, ServiceFigures]:
    """Figures per organisation id over [since, until): items by when they were published, claims by when
    they were made, completions by when they were recorded."""
    figures = {org_id: ServiceFigures() for org_id in org_ids}
    if not figures:
        return figures
    ids = list(figures)
    published = db.session.execute(
        select(ServiceItem.org_id, func.count())
        .where(
            ServiceItem.org_id.in_(ids),
            ServiceItem.status != ItemStatus.CANCELLED.value,
            ServiceItem.created_at >= since,
            ServiceItem.created_at < until,
        )
        .group_by(ServiceItem.org_id)
    )
    for org_id, n in published:
        figures[org_id].published = n
    claimed_in_span = and_(
        ServiceClaim.status.in_(LIVE_VALUES), ServiceClaim.created_at >= since, ServiceClaim.created_at < until
    )
    completed_in_span = and_(
        ServiceClaim.status == ClaimStatus.COMPLETED.value,
        ServiceClaim.completed_at >= since,
        ServiceClaim.completed_at < until,
    )
    publisher = ServiceItem.org_id
    received = db.session.execute(
        select(publisher, func.count())
        .select_from(ServiceClaim)
        .join(ServiceItem, ServiceItem.id == ServiceClaim.item_id)
        .where(publisher.in_(ids), claimed_in_span)
        .group_by(publisher)
    )
    for org_id, n in received:
        figures[org_id].claims = n
    done = db.session.execute(
        select(publisher, func.count(), func.sum(ServiceClaim.hours))
        .select_from(ServiceClaim)
        .join(ServiceItem, ServiceItem.id == ServiceClaim.item_id)
        .where(publisher.in_(ids), completed_in_span)
        .group_by(publisher)
    )
    for org_id, n, hours in done:
        figures[org_id].completed, figures[org_id].hours = n, _hours(hours)
    made = db.session.execute(
        select(ServiceClaim.on_behalf_of_id, func.count())
        .where(ServiceClaim.on_behalf_of_id.in_(ids), claimed_in_span)
        .group_by(ServiceClaim.on_behalf_of_id)
    )
    for org_id, n in made:
        figures[org_id].claims_made = n
    made_done = db.session.execute(
        select(ServiceClaim.on_behalf_of_id, func.count(), func.sum(ServiceClaim.hours))
        .where(ServiceClaim.on_behalf_of_id.in_(ids), completed_in_span)
        .group_by(ServiceClaim.on_behalf_of_id)
    )
    for org_id, n, hours in made_done:
        figures[org_id].completed_made, figures[org_id].hours_made = n, _hours(hours)
    return figures


def _hours(value: object) -> Decimal:
    """A sum of hours as the engine gives it (SQLite: through a float), in tenths."""
    return Decimal(str(value or 0)).quantize(Decimal("0.1"))
