"""Help pairs (帮扶对子): a community's managers pair a registered party member with one of its residents.

The member is a party member registered where they live (acknowledged), or one of the people of a
unit registered with the community; the resident is an acknowledged resident. Flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.audit.services import record
from app.domain.errors import DomainError
from app.domain.organisations import OrgKind, RegistrationKind, RegistrationStatus
from app.domain.pairing import TieStatus, check_note, check_tie_end
from app.extensions import db
from app.organisations.models import Membership, Organisation, Registration
from app.organisations.services import get_membership, is_unit_registered_with
from app.pairing.models import HelpPair
from app.pairing.services import manages

AUDIT_SUBJECT = "pairing_help_pair"
ACKNOWLEDGED = RegistrationStatus.ACKNOWLEDGED.value


@dataclass(frozen=True)
class Candidate:
    """A party member who may be paired, and the registered unit they stand for (none: where they live)."""

    user: User
    via_unit: Organisation | None

    @property
    def key(self) -> str:
        """The value a form sends back: the user's code, and the unit's after a bar."""
        return f"{self.user.code}|{self.via_unit.code if self.via_unit else ''}"


def get_pair(pair_id: int) -> HelpPair | None:
    return db.session.get(HelpPair, pair_id)


def list_pairs(community: Organisation) -> list[HelpPair]:
    active_first = case((HelpPair.status == TieStatus.ACTIVE.value, 0), else_=1)
    return list(
        db.session.scalars(
            select(HelpPair)
            .where(HelpPair.community_id == community.id)
            .order_by(active_first, HelpPair.created_at.desc(), HelpPair.id.desc())
        )
    )


def list_candidates(community: Organisation) -> list[Candidate]:
    """Who may be paired as the party member: the community's registered party members, then the people
    of its registered units, by unit."""
    residents = db.session.scalars(
        select(User)
        .join(Registration, Registration.user_id == User.id)
        .where(
            Registration.community_id == community.id,
            Registration.kind == RegistrationKind.RESIDENT.value,
            Registration.status == ACKNOWLEDGED,
            Registration.party_member.is_(True),
            User.active.is_(True),
        )
        .order_by(User.name, User.id)
    ).all()
    unit = Organisation
    unit_people = db.session.execute(
        select(User, unit)
        .join(Membership, Membership.user_id == User.id)
        .join(unit, unit.id == Membership.organisation_id)
        .join(Registration, Registration.unit_id == unit.id)
        .where(
            Registration.community_id == community.id,
            Registration.kind == RegistrationKind.UNIT.value,
            Registration.status == ACKNOWLEDGED,
            User.active.is_(True),
        )
        .order_by(unit.name, User.name, User.id)
    ).all()
    return [Candidate(user, None) for user in residents] + [Candidate(user, org) for user, org in unit_people]


def is_registered_resident(user: User, community: Organisation, *, party_member: bool = False) -> bool:
    query = select(Registration.id).where(
        Registration.user_id == user.id,
        Registration.community_id == community.id,
        Registration.kind == RegistrationKind.RESIDENT.value,
        Registration.status == ACKNOWLEDGED,
    )
    if party_member:
        query = query.where(Registration.party_member.is_(True))
    return db.session.scalar(query.limit(1)) is not None


def pair_up(
    community: Organisation,
    member: User,
    resident: User,
    *,
    via_unit: Organisation | None,
    note: str,
    by: User,
    now: datetime,
) -> HelpPair:
    """A new help pair in the community, made by its manager `by`."""
    if community.kind != OrgKind.COMMUNITY.value or not manages(by, community):
        raise DomainError("forbidden")
    if via_unit is None:
        eligible = is_registered_resident(member, community, party_member=True)
    else:
        eligible = (
            via_unit.kind == OrgKind.UNIT.value
            and is_unit_registered_with(via_unit, community)
            and get_membership(member, via_unit) is not None
        )
    if not eligible:
        raise DomainError("not_a_party_member", field="member")
    if member.id == resident.id:
        raise DomainError("same_person", field="resident")
    if not is_registered_resident(resident, community):
        raise DomainError("not_a_resident", field="resident")
    note = check_note(note)
    pair = HelpPair(
        community=community,
        member=member,
        resident=resident,
        via_unit=via_unit,
        note=note,
        status=TieStatus.ACTIVE.value,
        created_by=by,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(pair)
            db.session.flush()
    except IntegrityError as error:
        raise DomainError("already_paired", field="resident") from error
    record(
        AUDIT_SUBJECT,
        pair.id,
        "created",
        actor=by,
        changes={k: [None, v] for k, v in pair.audit_view().items()},
        now=now,
    )
    return pair


def end_pair(pair: HelpPair, *, by: User, now: datetime) -> HelpPair:
    if not manages(by, pair.community):
        raise DomainError("forbidden")
    check_tie_end(pair.status)
    pair.status = TieStatus.ENDED.value
    pair.ended_at, pair.ended_by = now, by
    db.session.flush()
    record(AUDIT_SUBJECT, pair.id, "ended", actor=by, changes={"status": ["active", "ended"]}, now=now)
    return pair
