"""Cross-appointed committee members (兼职委员): a unit's person on a community's committee, or the other way.

The receiving organisation's managers appoint and end; the two must be paired by an acknowledged
registration. Flush, never commit.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import case, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.audit.services import record
from app.domain.errors import DomainError
from app.domain.organisations import OrgKind, RegistrationKind, RegistrationStatus
from app.domain.pairing import TieStatus, check_role_title, check_term, check_tie_end
from app.extensions import db
from app.organisations.models import Membership, Organisation, Registration
from app.organisations.services import is_unit_registered_with
from app.pairing.models import CrossAppointment
from app.pairing.services import manages

AUDIT_SUBJECT = "pairing_cross_appointment"


def get_appointment(appointment_id: int) -> CrossAppointment | None:
    return db.session.get(CrossAppointment, appointment_id)


def list_appointments(org: Organisation) -> list[CrossAppointment]:
    """The organisation's committee members from its partners: active first, the latest terms first."""
    active_first = case((CrossAppointment.status == TieStatus.ACTIVE.value, 0), else_=1)
    return list(
        db.session.scalars(
            select(CrossAppointment)
            .where(CrossAppointment.to_org_id == org.id)
            .order_by(active_first, CrossAppointment.term_start.desc(), CrossAppointment.id.desc())
        )
    )


def list_lent(org: Organisation) -> list[CrossAppointment]:
    """The organisation's own people serving on its partners' committees (active ones)."""
    return list(
        db.session.scalars(
            select(CrossAppointment)
            .where(CrossAppointment.from_org_id == org.id, CrossAppointment.status == TieStatus.ACTIVE.value)
            .order_by(CrossAppointment.term_start.desc(), CrossAppointment.id.desc())
        )
    )


def belongs_to(person: User, org: Organisation) -> bool:
    """Whether the person is one of the organisation's people: a member of it; for a community also a
    registered resident, for a unit also someone registered where they live as working there."""
    if db.session.scalar(
        select(Membership.id).where(Membership.user_id == person.id, Membership.organisation_id == org.id)
    ):
        return True
    registered = select(Registration.id).where(
        Registration.user_id == person.id,
        Registration.kind == RegistrationKind.RESIDENT.value,
        Registration.status == RegistrationStatus.ACKNOWLEDGED.value,
    )
    if org.kind == OrgKind.COMMUNITY.value:
        registered = registered.where(Registration.community_id == org.id)
    else:
        registered = registered.where(Registration.work_unit_id == org.id)
    return db.session.scalar(registered.limit(1)) is not None


def appoint(
    receiving: Organisation,
    sending: Organisation,
    person: User,
    *,
    role_title: str,
    term_start: date | None,
    term_end: date | None,
    by: User,
    now: datetime,
) -> CrossAppointment:
    """`person`, one of `sending`'s people, joins `receiving`'s committee for a term; `by` manages `receiving`,
    and the two are paired (the unit registered with the community)."""
    if not manages(by, receiving):
        raise DomainError("forbidden")
    kinds = {receiving.kind, sending.kind}
    if kinds != {OrgKind.UNIT.value, OrgKind.COMMUNITY.value}:
        raise DomainError("unit_not_registered", field="from_org")
    unit, community = (receiving, sending) if receiving.kind == OrgKind.UNIT.value else (sending, receiving)
    if not is_unit_registered_with(unit, community):
        raise DomainError("unit_not_registered", field="from_org")
    role_title = check_role_title(role_title)
    term_start, term_end = check_term(term_start, term_end)
    if not belongs_to(person, sending):
        raise DomainError("not_a_member", field="person")
    appointment = CrossAppointment(
        person=person,
        from_org=sending,
        to_org=receiving,
        role_title=role_title,
        term_start=term_start,
        term_end=term_end,
        status=TieStatus.ACTIVE.value,
        appointed_by=by,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(appointment)
            db.session.flush()
    except IntegrityError as error:
        raise DomainError("already_appointed", field="person") from error
    view = appointment.audit_view()
    record(AUDIT_SUBJECT, appointment.id, "created", actor=by, changes={k: [None, v] for k, v in view.items()}, now=now)
    return appointment


def end_appointment(appointment: CrossAppointment, *, by: User, now: datetime) -> CrossAppointment:
    """The receiving organisation's managers end an appointment (before or at the end of its term)."""
    if not manages(by, appointment.to_org):
        raise DomainError("forbidden")
    check_tie_end(appointment.status)
    appointment.status = TieStatus.ENDED.value
    appointment.ended_at, appointment.ended_by = now, by
    db.session.flush()
    record(AUDIT_SUBJECT, appointment.id, "ended", actor=by, changes={"status": ["active", "ended"]}, now=now)
    return appointment
