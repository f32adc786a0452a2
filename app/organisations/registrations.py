"""The registration workflow (双报到): units apply, residents register, communities acknowledge or decline.

Who may act is decided here, from the actor passed in, so the pages and the API refuse alike.
Flush, never commit; the boundary opens the transaction (with the write lock, so two managers
deciding the same registration at once are serialised).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.domain.errors import DomainError
from app.domain.organisations import OrgKind, RegistrationKind, RegistrationStatus
from app.domain.registrations import check_decline_reason, check_move
from app.extensions import db
from app.organisations.models import Organisation, Registration
from app.organisations.services import (
    current_residence,
    decide_registration,
    is_manager,
    list_managed_organisations,
    register_resident,
    register_unit,
)
from app.queries import Page, contains_pattern, paginate

PENDING = RegistrationStatus.PENDING.value
ACKNOWLEDGED = RegistrationStatus.ACKNOWLEDGED.value


# --- who may do what -----------------------------------------------------------


def may_manage_community(user: User, community: Organisation) -> bool:
    """A community's managers (and admins) decide its registrations and see its roster."""
    return community.kind == OrgKind.COMMUNITY.value and (user.is_admin or is_manager(user, community))


def may_act_for_unit(user: User, unit: Organisation) -> bool:
    """A unit's managers (and admins) apply for it and withdraw its registrations."""
    return unit.kind == OrgKind.UNIT.value and (user.is_admin or is_manager(user, unit))


def is_registrant(user: User, registration: Registration) -> bool:
    """The person registered, or a manager of the unit registered (admins stand for anyone)."""
    if user.is_admin:
        return True
    if registration.kind == RegistrationKind.UNIT.value:
        return registration.unit is not None and is_manager(user, registration.unit)
    return registration.user_id == user.id


def may_see_registration(user: User, registration: Registration) -> bool:
    return is_registrant(user, registration) or may_manage_community(user, registration.community)


def list_managed_communities(user: User) -> list[Organisation]:
    return [o for o in list_managed_organisations(user) if o.kind == OrgKind.COMMUNITY.value]


def list_managed_units(user: User) -> list[Organisation]:
    return [o for o in list_managed_organisations(user) if o.kind == OrgKind.UNIT.value and o.active]


# --- applying ----------------------------------------------------------------------


def apply_for_unit(unit: Organisation, communities: Sequence[Organisation], *, applicant: User) -> list[Registration]:
    """Pending registrations of a unit with each community (all or none: one refused refuses the rest)."""
    if unit.kind != OrgKind.UNIT.value:
        raise DomainError("not_a_unit", field="unit")
    if not may_act_for_unit(applicant, unit):
        raise DomainError("forbidden", field="unit")
    if not communities:
        raise DomainError("not_a_community", field="communities")
    return [register_unit(unit, community, applicant=applicant) for community in communities]


def register_residence(
    user: User,
    community: Organisation,
    *,
    party_member: bool = False,
    work_unit: Organisation | None = None,
    now: datetime,
) -> Registration:
    """A pending residence registration. Moving house transfers it: a live residence elsewhere
    ends (withdrawn) as the new one starts, and the new one remembers it; one at the same
    community already is `already_registered`."""
    if community.kind != OrgKind.COMMUNITY.value:
        raise DomainError("not_a_community", field="community")
    if work_unit is not None and work_unit.kind != OrgKind.UNIT.value:
        raise DomainError("not_a_unit", field="work_unit")
    previous = current_residence(user)
    if previous is not None:
        if previous.community_id == community.id:
            raise DomainError("already_registered", field="community")
        # The old community's residents' audience ends at once: the person lives elsewhere now.
        _move(previous, RegistrationStatus.WITHDRAWN, by=user, now=now, reason="")
    registration = register_resident(user, community, party_member=party_member, work_unit=work_unit)
    registration.transferred_from = previous
    if party_member:
        user.party_member = True
    db.session.flush()
    return registration


# --- deciding ------------------------------------------------------------------------


def get_registration_locked(registration_id: int) -> Registration | None:
    """The registration read afresh, its row locked on PostgreSQL until the transaction ends."""
    return db.session.scalar(
        select(Registration)
        .where(Registration.id == registration_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _move(registration: Registration, new: RegistrationStatus, *, by: User | None, now: datetime, reason: str) -> None:
    check_move(registration.status, new)
    decide_registration(registration, new.value, by=by, now=now, reason=reason)


def acknowledge_registration(registration: Registration, *, by: User, now: datetime) -> Registration:
    """The community's 回执: acknowledged, with its receipt number; from now on the registrant is in
    the community's audiences (residents, party members, registered units)."""
    if not may_manage_community(by, registration.community):
        raise DomainError("forbidden", field="community")
    _move(registration, RegistrationStatus.ACKNOWLEDGED, by=by, now=now, reason="")
    return registration


def decline_registration(registration: Registration, *, by: User, now: datetime, reason: str) -> Registration:
    """Declined, with the reason the registrant is shown."""
    if not may_manage_community(by, registration.community):
        raise DomainError("forbidden", field="community")
    reason = check_decline_reason(reason)
    _move(registration, RegistrationStatus.DECLINED, by=by, now=now, reason=reason)
    return registration


def withdraw_registration(registration: Registration, *, by: User, now: datetime) -> Registration:
    """The registrant (or the unit's manager) withdraws: the audiences it gave end at once."""
    if not is_registrant(by, registration):
        raise DomainError("forbidden")
    _move(registration, RegistrationStatus.WITHDRAWN, by=by, now=now, reason="")
    return registration


@dataclass(frozen=True)
class BulkOutcome:
    acknowledged: int
    skipped: int  # no longer pending: decided by someone else meanwhile, or withdrawn


def acknowledge_many(community: Organisation, ids: Iterable[int], *, by: User, now: datetime) -> BulkOutcome:
    """Acknowledge these pending registrations of the community in one go. An id that is not one of
    the community's registrations refuses the whole lot (`not_found`); ones already decided are skipped."""
    if not may_manage_community(by, community):
        raise DomainError("forbidden", field="community")
    wanted = sorted(set(ids))
    if not wanted:
        raise DomainError("nothing_chosen", field="registration")
    rows = list(
        db.session.scalars(
            select(Registration)
            .where(Registration.id.in_(wanted))
            .order_by(Registration.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    if len(rows) != len(wanted) or any(r.community_id != community.id for r in rows):
        raise DomainError("not_found", field="registration")
    done = 0
    for registration in rows:
        if registration.status != PENDING:
            continue
        _move(registration, RegistrationStatus.ACKNOWLEDGED, by=by, now=now, reason="")
        done += 1
    return BulkOutcome(acknowledged=done, skipped=len(rows) - done)


def list_registrations_for(
    user: User, *, community: Organisation | None = None, status: str | None = None, page: int = 1, per_page: int = 20
) -> Page[Registration]:
    """A community's registrations for its managers; for anyone else their own (and their units')."""
    query = select(Registration)
    if community is not None and may_manage_community(user, community):
        query = query.where(Registration.community_id == community.id)
    else:
        units = [u.id for u in list_managed_organisations(user) if u.kind == OrgKind.UNIT.value]
        query = query.where(or_(Registration.user_id == user.id, Registration.unit_id.in_(units)))
        if community is not None:
            query = query.where(Registration.community_id == community.id)
    if status:
        query = query.where(Registration.status == status)
    query = query.order_by(Registration.created_at.desc(), Registration.id.desc())
    return paginate(db.session, query, page=page, per_page=per_page)


# --- rosters -------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterFilters:
    status: str | None = None
    kind: str | None = None
    party_member: bool = False
    q: str = ""


def list_roster(
    community: Organisation, filters: RosterFilters, *, page: int = 1, per_page: int = 50
) -> Page[Registration]:
    """A community's registrations: pending ones oldest first (a queue), others newest first.
    `q` finds a person's name or phone, a unit's name or code, or a receipt number."""
    unit = aliased(Organisation)
    query = (
        select(Registration)
        .outerjoin(User, User.id == Registration.user_id)
        .outerjoin(unit, unit.id == Registration.unit_id)
        .where(Registration.community_id == community.id)
    )
    if filters.status:
        query = query.where(Registration.status == filters.status)
    if filters.kind:
        query = query.where(Registration.kind == filters.kind)
    if filters.party_member:
        query = query.where(Registration.party_member.is_(True))
    if filters.q.strip():
        pattern = contains_pattern(filters.q)
        query = query.where(
            or_(
                # A unit's registration names its applicant too: search the unit's side only.
                (Registration.kind == RegistrationKind.RESIDENT.value) & User.name.ilike(pattern, escape="\\"),
                (Registration.kind == RegistrationKind.RESIDENT.value) & User.phone.ilike(pattern, escape="\\"),
                unit.name.ilike(pattern, escape="\\"),
                unit.code.ilike(pattern, escape="\\"),
                Registration.receipt.ilike(pattern, escape="\\"),
            )
        )
    if filters.status == PENDING:
        query = query.order_by(Registration.created_at, Registration.id)
    else:
        query = query.order_by(Registration.created_at.desc(), Registration.id.desc())
    return paginate(db.session, query, page=page, per_page=per_page)


def roster_counts(community: Organisation) -> dict[str, int]:
    """How many registrations the community has: pending; acknowledged units, residents, party members."""
    rows = db.session.execute(
        select(Registration.status, Registration.kind, Registration.party_member, func.count())
        .where(Registration.community_id == community.id)
        .group_by(Registration.status, Registration.kind, Registration.party_member)
    )
    counts = {"pending": 0, "units": 0, "residents": 0, "party_members": 0}
    for status, kind, party, n in rows:
        if status == PENDING:
            counts["pending"] += n
        elif status == ACKNOWLEDGED and kind == RegistrationKind.UNIT.value:
            counts["units"] += n
        elif status == ACKNOWLEDGED:
            counts["residents"] += n
            if party:
                counts["party_members"] += n
    return counts


def count_pending(communities: Sequence[Organisation]) -> dict[int, int]:
    """Pending registrations per community id (for the managers' list of their communities)."""
    if not communities:
        return {}
    rows = db.session.execute(
        select(Registration.community_id, func.count())
        .where(Registration.community_id.in_([c.id for c in communities]), Registration.status == PENDING)
        .group_by(Registration.community_id)
    )
    return {community_id: n for community_id, n in rows}


def list_all_roster(community: Organisation) -> list[Registration]:
    """Every registration of the community, for the export: units first, then people, by name."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.community_id == community.id)
            .order_by(Registration.kind.desc(), Registration.created_at, Registration.id)
        )
    )


def find_communities(q: str, *, limit: int = 20) -> list[Organisation]:
    """Active communities whose name or code contains `q` (people looking for theirs)."""
    query = select(Organisation).where(Organisation.kind == OrgKind.COMMUNITY.value, Organisation.active.is_(True))
    if q.strip():
        pattern = contains_pattern(q)
        query = query.where(
            or_(Organisation.name.ilike(pattern, escape="\\"), Organisation.code.ilike(pattern, escape="\\"))
        )
    return list(db.session.scalars(query.order_by(Organisation.code).limit(limit)))


def list_active_units() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrgKind.UNIT.value, Organisation.active.is_(True))
            .order_by(Organisation.name)
        )
    )
