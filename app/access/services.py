"""Access windows, closures, requesters' audiences, and a resource's rules as the engine reads them.

Flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import CompoundSelect, Select, and_, bindparam, literal, null, or_, select, union_all

from app.access.models import Closure, Window
from app.accounts.models import User
from app.audit.services import diff, record
from app.db import reading_connection
from app.directory.models import Resource
from app.directory.services import can_manage
from app.domain.audiences import Requester, audiences_for
from app.domain.errors import DomainError
from app.domain.intervals import Interval
from app.domain.organisations import OrgKind, RegistrationKind, RegistrationStatus, Role
from app.domain.rules import ResourceRules
from app.domain.windows import AccessWindow, Audience
from app.domain.windows_templates import TEMPLATES
from app.extensions import db
from app.organisations.models import Membership, Organisation, Registration
from app.organisations.services import note_manages_any
from app.workdays.services import calendar_between

# Rule changes are recorded on the resource's own trail, beside its other changes.
AUDIT_SUBJECT = "resource"
ORGANISATION_AUDIT_SUBJECT = "organisation"
MAX_CLOSURE_DAYS = 366
ACKNOWLEDGED = RegistrationStatus.ACKNOWLEDGED.value

AUDIENCE_ORDER = {audience: n for n, audience in enumerate(Audience)}


# --- windows -----------------------------------------------------------------


def list_windows(resource: Resource) -> list[Window]:
    rows = db.session.scalars(select(Window).where(Window.resource_id == resource.id))
    return sorted(rows, key=lambda w: (AUDIENCE_ORDER[Audience(w.audience)], w.start_minute, w.end_minute, w.id))


def get_window(resource: Resource, window_id: int) -> Window | None:
    return db.session.scalar(select(Window).where(Window.id == window_id, Window.resource_id == resource.id))


def check_window(resource: Resource, window: AccessWindow) -> None:
    """A window's limits must fit the resource: at most its capacity per booking."""
    if window.max_quantity is not None and window.max_quantity > resource.capacity:
        raise DomainError("max_quantity_above_capacity", field="max_quantity")
    if window.max_minutes_per_week is not None and window.max_minutes_per_week > 7 * 24 * 60:
        raise DomainError("out_of_range", field="max_minutes_per_week")


def add_window(resource: Resource, window: AccessWindow, *, actor: User | None, now: datetime) -> Window:
    check_window(resource, window)
    row = Window(resource_id=resource.id, created_at=now, updated_at=now)
    row.set_from(window)
    db.session.add(row)
    db.session.flush()
    record(AUDIT_SUBJECT, resource.id, "window_added", actor=actor, changes=_whole(row.audit_view()), now=now)
    return row


def update_window(row: Window, window: AccessWindow, *, actor: User | None, now: datetime) -> Window:
    check_window(row.resource, window)
    before = row.audit_view()
    row.set_from(window)
    changes = diff(before, row.audit_view())
    if changes:
        row.updated_at = now
    db.session.flush()
    record(AUDIT_SUBJECT, row.resource_id, "window_changed", actor=actor, changes=changes, now=now)
    return row


def delete_window(row: Window, *, actor: User | None, now: datetime) -> None:
    view = row.audit_view()
    resource_id = row.resource_id
    db.session.delete(row)
    db.session.flush()
    record(AUDIT_SUBJECT, resource_id, "window_removed", actor=actor, changes=_gone(view), now=now)


def apply_template(resource: Resource, name: str, *, actor: User | None, now: datetime) -> list[Window]:
    """Add a template's windows (the article's two cases); windows already there are not doubled."""
    template = TEMPLATES.get(name)
    if template is None:
        raise DomainError("unknown_template", field="template")
    present = {replace(row.to_domain(), id=None) for row in list_windows(resource)}
    added = []
    for window in template.windows(resource.capacity):
        if window not in present:
            added.append(add_window(resource, window, actor=actor, now=now))
    return added


def replace_windows(
    resource: Resource, windows: Sequence[AccessWindow], *, actor: User | None, now: datetime
) -> tuple[int, int]:
    """Make the resource's windows exactly these (the import file's way). Returns (added, removed)."""
    wanted = list(windows)
    kept: list[AccessWindow] = []
    removed = 0
    for row in list_windows(resource):
        plain = replace(row.to_domain(), id=None)
        if plain in wanted and wanted.count(plain) > kept.count(plain):
            kept.append(plain)
        else:
            delete_window(row, actor=actor, now=now)
            removed += 1
    added = 0
    for window in wanted:
        if window in kept:
            kept.remove(window)
            continue
        add_window(resource, window, actor=actor, now=now)
        added += 1
    return added, removed


def _whole(view: dict[str, object]) -> dict[str, list[object]]:
    return {key: [None, value] for key, value in view.items()}


def _gone(view: dict[str, object]) -> dict[str, list[object]]:
    return {key: [value, None] for key, value in view.items()}


# --- closures ----------------------------------------------------------------


def check_closure(start: datetime, end: datetime, reason: str) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise DomainError("invalid_time", field="start")
    if end <= start:
        raise DomainError("end_before_start", field="end")
    if end - start > timedelta(days=MAX_CLOSURE_DAYS):
        raise DomainError("closure_too_long", field="end")
    if not reason.strip():
        raise DomainError("reason_required", field="reason")
    if len(reason) > 200:
        raise DomainError("value_too_long", field="reason")


def add_closure(
    *,
    resource: Resource | None = None,
    organisation: Organisation | None = None,
    start: datetime,
    end: datetime,
    reason: str,
    actor: User | None,
    now: datetime,
) -> Closure:
    """Close one resource, or every resource of an organisation, over [start, end)."""
    if (resource is None) == (organisation is None):
        raise ValueError("a closure is for a resource or for an organisation")
    check_closure(start, end, reason)
    closure = Closure(
        resource_id=resource.id if resource else None,
        organisation_id=organisation.id if organisation else None,
        start=start,
        end=end,
        reason=reason.strip(),
        created_at=now,
        created_by_id=actor.id if actor is not None and actor.is_authenticated else None,
    )
    db.session.add(closure)
    db.session.flush()
    subject, subject_id = _closure_subject(closure)
    record(subject, subject_id, "closure_added", actor=actor, changes=_whole(closure.audit_view()), now=now)
    return closure


def delete_closure(closure: Closure, *, actor: User | None, now: datetime) -> None:
    subject, subject_id = _closure_subject(closure)
    view = closure.audit_view()
    db.session.delete(closure)
    db.session.flush()
    record(subject, subject_id, "closure_removed", actor=actor, changes=_gone(view), now=now)


def _closure_subject(closure: Closure) -> tuple[str, int]:
    if closure.resource_id is not None:
        return AUDIT_SUBJECT, closure.resource_id
    assert closure.organisation_id is not None
    return ORGANISATION_AUDIT_SUBJECT, closure.organisation_id


def get_closure(closure_id: int) -> Closure | None:
    return db.session.get(Closure, closure_id)


def list_closures(resource: Resource, *, ending_after: datetime | None = None) -> list[Closure]:
    """The resource's own closures and its owner's, soonest first."""
    query = select(Closure).where(or_(Closure.resource_id == resource.id, Closure.organisation_id == resource.owner_id))
    if ending_after is not None:
        query = query.where(Closure.end > ending_after)
    return list(db.session.scalars(query.order_by(Closure.start, Closure.id)))


def list_organisation_closures(organisation: Organisation, *, ending_after: datetime | None = None) -> list[Closure]:
    query = select(Closure).where(Closure.organisation_id == organisation.id)
    if ending_after is not None:
        query = query.where(Closure.end > ending_after)
    return list(db.session.scalars(query.order_by(Closure.start, Closure.id)))


def replace_closures(
    resource: Resource, closures: Iterable[tuple[datetime, datetime, str]], *, actor: User | None, now: datetime
) -> tuple[int, int]:
    """Make the resource's own closures exactly these (the import file's way). Returns (added, removed)."""
    wanted = list(closures)
    rows = db.session.scalars(select(Closure).where(Closure.resource_id == resource.id)).all()
    removed = 0
    for row in rows:
        key = (row.start, row.end, row.reason)
        if key in wanted:
            wanted.remove(key)
        else:
            delete_closure(row, actor=actor, now=now)
            removed += 1
    for start, end, reason in wanted:
        add_closure(resource=resource, start=start, end=end, reason=reason, actor=actor, now=now)
    return len(wanted), removed


# --- a resource's rules ------------------------------------------------------


def rules_for(resource: Resource, first_day: date, last_day: date) -> ResourceRules:
    """Everything the engine needs to decide bookings on these local days (and the edges around them)."""
    return rules_for_many([resource], first_day, last_day)[resource.id]


def rules_for_many(resources: Sequence[Resource], first_day: date, last_day: date) -> dict[int, ResourceRules]:
    """Rules of many resources in three queries: windows, closures, and one calendar."""
    if not resources:
        return {}
    ids = [r.id for r in resources]
    owner_ids = {r.owner_id for r in resources}
    windows: dict[int, list[AccessWindow]] = {i: [] for i in ids}
    for row in db.session.scalars(select(Window).where(Window.resource_id.in_(ids)).order_by(Window.id)):
        windows[row.resource_id].append(row.to_domain())
    # A day's margin either side: windows of the day before reach past midnight in other zones.
    span_start = datetime.combine(first_day - timedelta(days=2), datetime.min.time(), tzinfo=ZoneInfo("UTC"))
    span_end = datetime.combine(last_day + timedelta(days=3), datetime.min.time(), tzinfo=ZoneInfo("UTC"))
    by_resource: dict[int, list[Interval]] = {i: [] for i in ids}
    by_owner: dict[int, list[Interval]] = {}
    closures = db.session.scalars(
        select(Closure).where(
            or_(Closure.resource_id.in_(ids), Closure.organisation_id.in_(owner_ids)),
            Closure.start < span_end,
            Closure.end > span_start,
        )
    )
    for closure in closures:
        interval = Interval(closure.start, closure.end)
        if closure.resource_id is not None:
            by_resource[closure.resource_id].append(interval)
        elif closure.organisation_id is not None:
            by_owner.setdefault(closure.organisation_id, []).append(interval)
    calendar = calendar_between(first_day - timedelta(days=1), last_day + timedelta(days=1))
    return {
        r.id: ResourceRules(
            capacity=r.capacity,
            policy=r.policy,
            zone=ZoneInfo(r.timezone),
            windows=tuple(windows[r.id]),
            closures=tuple(by_resource[r.id] + by_owner.get(r.owner_id, [])),
            calendar=calendar,
        )
        for r in resources
    }


# --- requesters --------------------------------------------------------------


_RESIDENCE, _MEMBERSHIP, _UNIT_REGISTRATION = 0, 1, 2


@dataclass(frozen=True)
class UnitChoice:
    """A unit the user may book for, as a picker shows it."""

    id: int
    code: str
    name: str


@dataclass
class _Standing:
    resident: set[int] = field(default_factory=set)
    party: set[int] = field(default_factory=set)
    member_of: set[int] = field(default_factory=set)
    registered_with: set[int] = field(default_factory=set)
    units: list[UnitChoice] = field(default_factory=list)
    manages_any: bool = False


def _residences_and_memberships(user_id: Any, *, with_units: bool) -> list[Select[Any]]:
    """The acknowledged residences and the memberships with their roles, as parts of one UNION ALL.

    With `with_units`, a membership row also says whether its organisation is an active unit, and its code and name.
    """
    residences = select(
        literal(_RESIDENCE), Registration.community_id, Registration.party_member, null(), null(), null()
    ).where(
        Registration.user_id == user_id,
        Registration.kind == RegistrationKind.RESIDENT.value,
        Registration.status == ACKNOWLEDGED,
    )
    if not with_units:
        memberships = select(
            literal(_MEMBERSHIP), Membership.organisation_id, null(), Membership.role, null(), null()
        ).where(Membership.user_id == user_id)
    else:
        is_unit = and_(Organisation.kind == OrgKind.UNIT.value, Organisation.active.is_(True))
        memberships = (
            select(
                literal(_MEMBERSHIP),
                Membership.organisation_id,
                is_unit,
                Membership.role,
                Organisation.code,
                Organisation.name,
            )
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.user_id == user_id)
        )
    return [residences, memberships]


def _unit_registrations(unit_id: Any) -> Select[Any]:
    return select(literal(_UNIT_REGISTRATION), Registration.community_id, null(), null(), null(), null()).where(
        Registration.unit_id == unit_id,
        Registration.kind == RegistrationKind.UNIT.value,
        Registration.status == ACKNOWLEDGED,
    )


# requester_for's statements, built once: every booking and every signed-in page runs one, and
# building a UNION anew each time cost more than running it.
_STANDING = union_all(*_residences_and_memberships(bindparam("user_id"), with_units=False))
_STANDING_ACTING = union_all(
    *_residences_and_memberships(bindparam("user_id"), with_units=False), _unit_registrations(bindparam("unit_id"))
)


def standing_statement(*, acting: bool) -> CompoundSelect:
    """requester_for's statement, with the parameters `user_id` (and `unit_id` when acting for a
    unit): rows of (part, organisation id, flag, role, code, name) for requester_from_rows."""
    return _STANDING_ACTING if acting else _STANDING


def _read_standing(user: User, rows: Iterable[Sequence[Any]]) -> _Standing:
    found = _Standing()
    for part, org_id, flag, role, *named in rows:
        if part == _MEMBERSHIP:
            found.member_of.add(org_id)
            found.manages_any = found.manages_any or role == Role.MANAGER.value
            if flag:
                found.units.append(UnitChoice(org_id, *named))
        elif part == _RESIDENCE:
            found.resident.add(org_id)
            if flag:
                found.party.add(org_id)
        else:
            found.registered_with.add(org_id)
    note_manages_any(user, found.manages_any)  # the menu asks next: it need not look again
    found.units.sort(key=lambda u: u.code)
    return found


def requester_for(user: User | None, *, acting_for: Organisation | None = None) -> Requester:
    """The requester's standing as ids, in one query; `acting_for` is a unit booked for."""
    if user is None or not user.is_authenticated:
        return Requester(user_id=None)
    # One statement for all of it (every booking and every signed-in page asks), each part marked:
    # the acknowledged residences, the memberships with their roles, and the communities the unit
    # acted for is acknowledged by.
    params = {"user_id": user.id} if acting_for is None else {"user_id": user.id, "unit_id": acting_for.id}
    rows = reading_connection(db.session).execute(standing_statement(acting=acting_for is not None), params)
    return requester_from_rows(user, acting_for, rows)


def requester_from_rows(user: User, acting_for: Organisation | None, rows: Iterable[Sequence[Any]]) -> Requester:
    """The requester that standing_statement's rows (the first four columns are enough) make."""
    found = _read_standing(user, rows)
    plain = Requester(user.id, frozenset(found.resident), frozenset(found.party), frozenset(found.member_of))
    if acting_for is None:
        return plain
    may_act = acting_for.id in found.member_of and acting_for.kind == OrgKind.UNIT.value and acting_for.active
    return replace(
        plain,
        acting_for=acting_for.id,
        acting_for_registered_with=frozenset(found.registered_with),
        may_act=may_act,
    )


def requester_with_units(
    user: User, *, acting_code: str | None
) -> tuple[Requester, list[UnitChoice], UnitChoice | None]:
    """The requester's standing, the units they may book for, and the one acted for (by code) when it is
    one of them: one statement, where a page showing a unit picker would otherwise make two or three.

    A code that is none of the user's units gives no unit acted for: the caller decides what that means.
    """
    parts = _residences_and_memberships(user.id, with_units=True)
    if acting_code:
        # The unit's communities only when it is one the user may book for, so nothing is read for others.
        mine = (
            select(Organisation.id)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(
                Membership.user_id == user.id,
                Organisation.code == acting_code,
                Organisation.kind == OrgKind.UNIT.value,
                Organisation.active.is_(True),
            )
            .scalar_subquery()
        )
        parts.append(_unit_registrations(mine))
    found = _read_standing(user, reading_connection(db.session).execute(union_all(*parts)))
    acting = next((u for u in found.units if u.code == acting_code), None) if acting_code else None
    requester = Requester(user.id, frozenset(found.resident), frozenset(found.party), frozenset(found.member_of))
    if acting is not None:
        requester = replace(
            requester, acting_for=acting.id, acting_for_registered_with=frozenset(found.registered_with)
        )
    return requester, found.units, acting


def resource_communities(resources: Sequence[Resource]) -> dict[int, frozenset[int]]:
    """Each resource's communities: its community owner; a unit's acknowledged communities;
    a street's communities."""
    owners = {r.owner_id: r.owner for r in resources}
    unit_ids = [o.id for o in owners.values() if o.kind == OrgKind.UNIT.value]
    street_ids = [o.id for o in owners.values() if o.kind == OrgKind.STREET.value]
    of_owner: dict[int, set[int]] = {o.id: {o.id} for o in owners.values() if o.kind == OrgKind.COMMUNITY.value}
    if unit_ids:
        for unit_id, community_id in db.session.execute(
            select(Registration.unit_id, Registration.community_id).where(
                Registration.unit_id.in_(unit_ids),
                Registration.kind == RegistrationKind.UNIT.value,
                Registration.status == ACKNOWLEDGED,
            )
        ):
            of_owner.setdefault(unit_id, set()).add(community_id)
    if street_ids:
        for parent_id, community_id in db.session.execute(
            select(Organisation.parent_id, Organisation.id).where(
                Organisation.parent_id.in_(street_ids), Organisation.kind == OrgKind.COMMUNITY.value
            )
        ):
            assert parent_id is not None
            of_owner.setdefault(parent_id, set()).add(community_id)
    return {r.id: frozenset(of_owner.get(r.owner_id, set())) for r in resources}


def audiences_of(requester: Requester, resource: Resource) -> frozenset[Audience]:
    return audiences_for(requester, resource.owner_id, resource_communities([resource])[resource.id])


def can_manage_rules(user: User, resource: Resource) -> bool:
    """Admins and the owner's managers set a resource's rules."""
    if not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    return (
        db.session.scalar(
            select(Membership.id).where(
                Membership.user_id == user.id,
                Membership.organisation_id == resource.owner_id,
                Membership.role == Role.MANAGER.value,
            )
        )
        is not None
    )


def can_manage_closure(user: User, closure: Closure) -> bool:
    """A closure's managers: those who set the resource's rules, or the organisation's managers (admins too)."""
    if closure.resource is not None:
        return can_manage_rules(user, closure.resource)
    assert closure.organisation is not None
    return can_manage(user, closure.organisation)
