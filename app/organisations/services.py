"""Organisations, memberships and registrations: the queries every other feature asks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from blinker import Namespace
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.domain.errors import DomainError
from app.domain.organisations import (
    LIVE_REGISTRATION_STATUSES,
    RESERVED_ORG_CODES,
    OrgKind,
    RegistrationKind,
    RegistrationStatus,
    Role,
    UnitType,
    check_code,
    check_placement,
)
from app.extensions import db
from app.organisations.models import Membership, Organisation, Registration
from app.queries import Page, contains_pattern, paginate

ACKNOWLEDGED = RegistrationStatus.ACKNOWLEDGED.value

# Sent after an organisation is saved (within the transaction), so the floors
# above can follow a rename without this one knowing them.
organisation_saved = Namespace().signal("organisation-saved")


# --- organisations -----------------------------------------------------------


def get_organisation(code: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.code == code))


def list_organisations(
    *, kind: str | None = None, parent: Organisation | None = None, q: str = "", page: int = 1, per_page: int = 50
) -> Page[Organisation]:
    query = select(Organisation)
    if kind:
        query = query.where(Organisation.kind == kind)
    if parent is not None:
        query = query.where(Organisation.parent_id == parent.id)
    if q.strip():
        pattern = contains_pattern(q)
        # ilike: LIKE ignores ASCII case on SQLite but not on PostgreSQL.
        query = query.where(
            or_(Organisation.name.ilike(pattern, escape="\\"), Organisation.code.ilike(pattern, escape="\\"))
        )
    return paginate(db.session, query.order_by(Organisation.code), page=page, per_page=per_page)


def save_organisation(
    org: Organisation | None,
    *,
    code: str,
    name: str,
    kind: str,
    unit_type: str | None,
    parent: Organisation | None,
    address: str = "",
    contact_phone: str = "",
    active: bool = True,
) -> Organisation:
    """Create (org is None) or update an organisation, checking the tree's rules."""
    check_code(code, reserved=RESERVED_ORG_CODES)
    name = name.strip()
    if not name:
        raise DomainError("name_required", field="name")
    try:
        org_kind = OrgKind(kind)
        org_unit_type = UnitType(unit_type) if unit_type else None
    except ValueError as exc:
        raise DomainError("invalid_kind", field="kind") from exc
    check_placement(org_kind, org_unit_type, parent.org_kind if parent else None)
    other = get_organisation(code)
    if other is not None and other is not org:
        raise DomainError("code_taken", field="code")
    if org is not None:
        if org.kind != org_kind.value and org.children:
            raise DomainError("kind_has_children", field="kind")
        ancestor = parent
        while ancestor is not None:
            if ancestor is org:
                raise DomainError("invalid_parent", field="parent")
            ancestor = ancestor.parent
    else:
        org = Organisation()
        db.session.add(org)
    org.code = code
    org.name = name
    org.kind = org_kind.value
    org.unit_type = org_unit_type.value if org_unit_type else None
    org.parent = parent
    org.address = address.strip()
    org.contact_phone = contact_phone.strip()
    org.active = active
    db.session.flush()
    organisation_saved.send(org)
    return org


# --- memberships -------------------------------------------------------------


def get_membership(user: User, org: Organisation) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.organisation_id == org.id)
    )


def set_membership(user: User, org: Organisation, role: str) -> Membership:
    """Give the user this role in the organisation (adding the membership if needed)."""
    try:
        role = Role(role).value
    except ValueError as exc:
        raise DomainError("invalid_role", field="role") from exc
    membership = get_membership(user, org)
    if membership is None:
        membership = Membership(user=user, organisation=org, role=role)
        db.session.add(membership)
    else:
        membership.role = role
    db.session.flush()
    return membership


def remove_membership(membership: Membership) -> None:
    db.session.delete(membership)
    db.session.flush()


def list_memberships(user: User) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .join(Membership.organisation)
            .where(Membership.user_id == user.id)
            .order_by(Organisation.code)
        )
    )


def list_members(org: Organisation) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership).join(Membership.user).where(Membership.organisation_id == org.id).order_by(User.name)
        )
    )


def is_manager(user: User, org: Organisation) -> bool:
    if not user.is_authenticated:
        return False
    membership = get_membership(user, org)
    return membership is not None and membership.role == Role.MANAGER.value


def list_managers(org: Organisation) -> list[User]:
    """Who manages an organisation (its managers; admins are not listed)."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == org.id, Membership.role == Role.MANAGER.value, User.active.is_(True))
            .order_by(User.name)
        )
    )


def list_managed_organisations(user: User) -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(Membership.user_id == user.id, Membership.role == Role.MANAGER.value)
            .order_by(Organisation.code)
        )
    )


_MANAGES_ANY = "linli.manages_any"


def note_manages_any(user: User, manages: bool) -> None:
    """Remember for this request's session what a read of the user's memberships has just shown
    (any flush forgets it: see forget_noted)."""
    db.session().info[_MANAGES_ANY] = (user.id, manages)


def forget_noted(session: Session, _context: object) -> None:
    session.info.pop(_MANAGES_ANY, None)


# Once per process: every session forgets what it noted when it writes anything.
if not event.contains(Session, "after_flush", forget_noted):
    event.listen(Session, "after_flush", forget_noted)


def manages_any_organisation(user: User) -> bool:
    """Whether the user manages some organisation (every page's menu asks): what this request has
    already read, else one indexed look-up."""
    noted = db.session().info.get(_MANAGES_ANY)
    if noted is not None and noted[0] == user.id:
        return bool(noted[1])
    return bool(
        db.session.scalar(
            select(Membership.id).where(Membership.user_id == user.id, Membership.role == Role.MANAGER.value).limit(1)
        )
    )


def list_units_user_may_act_for(user: User) -> list[Organisation]:
    """Units the user belongs to (member or manager): whom they may book on behalf of."""
    return list(
        db.session.scalars(
            select(Organisation)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(
                Membership.user_id == user.id,
                Organisation.kind == OrgKind.UNIT.value,
                Organisation.active.is_(True),
            )
            .order_by(Organisation.code)
        )
    )


# --- registrations -----------------------------------------------------------


def list_resident_communities(user: User) -> list[Organisation]:
    """Communities where the user is an acknowledged registered resident."""
    return _communities_of(user, party_only=False)


def list_party_member_communities(user: User) -> list[Organisation]:
    """Communities where the user is an acknowledged in-service party member."""
    return _communities_of(user, party_only=True)


def _communities_of(user: User, *, party_only: bool) -> list[Organisation]:
    query = (
        select(Organisation)
        .join(Registration, Registration.community_id == Organisation.id)
        .where(
            Registration.user_id == user.id,
            Registration.kind == RegistrationKind.RESIDENT.value,
            Registration.status == ACKNOWLEDGED,
        )
    )
    if party_only:
        query = query.where(Registration.party_member.is_(True))
    return list(db.session.scalars(query.order_by(Organisation.code)))


def list_unit_communities(unit: Organisation) -> list[Organisation]:
    """Communities the unit is registered with (acknowledged)."""
    return list(
        db.session.scalars(
            select(Organisation)
            .join(Registration, Registration.community_id == Organisation.id)
            .where(
                Registration.unit_id == unit.id,
                Registration.kind == RegistrationKind.UNIT.value,
                Registration.status == ACKNOWLEDGED,
            )
            .order_by(Organisation.code)
        )
    )


def is_unit_registered_with(unit: Organisation, community: Organisation) -> bool:
    return (
        db.session.scalar(
            select(Registration.id).where(
                Registration.unit_id == unit.id,
                Registration.community_id == community.id,
                Registration.kind == RegistrationKind.UNIT.value,
                Registration.status == ACKNOWLEDGED,
            )
        )
        is not None
    )


def get_registration(registration_id: int) -> Registration | None:
    return db.session.get(Registration, registration_id)


def list_registrations(
    *,
    community: Organisation | None = None,
    unit: Organisation | None = None,
    status: str | None = None,
    user: User | None = None,
    page: int = 1,
    per_page: int = 1000,
) -> Page[Registration]:
    query = select(Registration)
    if community is not None:
        query = query.where(Registration.community_id == community.id)
    if unit is not None:
        query = query.where(Registration.unit_id == unit.id)
    if status:
        query = query.where(Registration.status == status)
    if user is not None:
        query = query.where(Registration.user_id == user.id)
    query = query.order_by(Registration.created_at.desc(), Registration.id.desc())
    return paginate(db.session, query, page=page, per_page=per_page)


def list_user_registrations(user: User) -> Sequence[Registration]:
    """The user's own registrations and those of the units they manage."""
    managed_units = [o.id for o in list_managed_organisations(user) if o.kind == OrgKind.UNIT.value]
    return list(
        db.session.scalars(
            select(Registration)
            .where(or_(Registration.user_id == user.id, Registration.unit_id.in_(managed_units)))
            .order_by(Registration.created_at.desc(), Registration.id.desc())
        )
    )


def current_residence(user: User) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(
            Registration.user_id == user.id,
            Registration.kind == RegistrationKind.RESIDENT.value,
            Registration.status.in_([RegistrationStatus.PENDING.value, ACKNOWLEDGED]),
        )
    )


def find_live_unit_registration(unit: Organisation, community: Organisation) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(
            Registration.unit_id == unit.id,
            Registration.community_id == community.id,
            Registration.kind == RegistrationKind.UNIT.value,
            Registration.status.in_([RegistrationStatus.PENDING.value, ACKNOWLEDGED]),
        )
    )


def register_unit(unit: Organisation, community: Organisation, *, applicant: User | None) -> Registration:
    """A pending registration of a unit with a community (one live one per pair)."""
    if unit.kind != OrgKind.UNIT.value:
        raise DomainError("not_a_unit", field="unit")
    if community.kind != OrgKind.COMMUNITY.value:
        raise DomainError("not_a_community", field="community")
    if find_live_unit_registration(unit, community) is not None:
        raise DomainError("already_registered", field="community")
    registration = Registration(
        kind=RegistrationKind.UNIT.value, community=community, unit=unit, user=applicant, status="pending"
    )
    db.session.add(registration)
    db.session.flush()
    return registration


def register_resident(
    user: User, community: Organisation, *, party_member: bool = False, work_unit: Organisation | None = None
) -> Registration:
    """A pending residence registration (a person has one live residence)."""
    if community.kind != OrgKind.COMMUNITY.value:
        raise DomainError("not_a_community", field="community")
    if work_unit is not None and work_unit.kind != OrgKind.UNIT.value:
        raise DomainError("not_a_unit", field="work_unit")
    if current_residence(user) is not None:
        raise DomainError("already_registered", field="community")
    registration = Registration(
        kind=RegistrationKind.RESIDENT.value,
        community=community,
        user=user,
        party_member=party_member,
        work_unit=work_unit,
        status="pending",
    )
    db.session.add(registration)
    db.session.flush()
    return registration


def receipt_number(registration: Registration, when: datetime) -> str:
    """回执 number: community code, year and the registration's own number."""
    return f"{registration.community.code}-{when.year}-{registration.id:06d}"


def decide_registration(
    registration: Registration, status: str, *, by: User | None, now: datetime, reason: str = ""
) -> Registration:
    """Move a registration to a new status, stamping who decided when."""
    try:
        new_status = RegistrationStatus(status)
    except ValueError as exc:
        raise DomainError("invalid_status", field="status") from exc
    if new_status is RegistrationStatus.PENDING:
        raise DomainError("invalid_status", field="status")
    if registration.status == new_status.value:
        return registration
    if new_status in LIVE_REGISTRATION_STATUSES and registration.status not in LIVE_REGISTRATION_STATUSES:
        # Reviving an ended registration: the person or the unit may have a live one by now.
        if registration.kind == RegistrationKind.RESIDENT.value:
            live = current_residence(registration.user) if registration.user is not None else None
        else:
            live = find_live_unit_registration(registration.unit, registration.community) if registration.unit else None
        if live is not None and live is not registration:
            raise DomainError("already_registered", field="status")
    if new_status is RegistrationStatus.ACKNOWLEDGED and registration.receipt is None:
        db.session.flush()
        registration.receipt = receipt_number(registration, now)
    registration.status = new_status.value
    registration.decided_at = now
    registration.decided_by = by
    registration.reason = reason.strip()
    db.session.flush()
    return registration
