"""The shared resource directory: save, find and manage resources. Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from sqlalchemy import Select, case, select, text
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.audit.services import diff, record
from app.directory.labels import KIND_SEARCH_WORDS
from app.directory.models import Resource
from app.domain.errors import DomainError
from app.domain.organisations import OrgKind, RegistrationKind, RegistrationStatus, check_code
from app.domain.resources import (
    RESERVED_RESOURCE_CODES,
    Policy,
    ResourceKind,
    check_capacity,
    check_coordinates,
    check_policy,
    check_timezone,
    normalise_tags,
)
from app.domain.search import index_text, parse_query
from app.extensions import db
from app.organisations.models import Organisation, Registration
from app.organisations.services import is_manager, list_managed_organisations, organisation_saved
from app.queries import Page, paginate

AUDIT_SUBJECT = "resource"


def get_resource(code: str) -> Resource | None:
    return db.session.scalar(select(Resource).where(Resource.code == code))


def can_manage(user: User, owner: Organisation) -> bool:
    """Admins, and managers of the owning organisation."""
    if not user.is_authenticated:
        return False
    return bool(user.is_admin) or is_manager(user, owner)


def list_possible_owners(user: User) -> list[Organisation]:
    """The organisations whose resources the user may create."""
    if user.is_admin:
        return list(
            db.session.scalars(
                select(Organisation)
                .where(Organisation.kind.in_([OrgKind.COMMUNITY.value, OrgKind.UNIT.value]))
                .order_by(Organisation.code)
            )
        )
    return list_managed_organisations(user)


def list_owned_resources(owners: list[Organisation]) -> list[Resource]:
    if not owners:
        return []
    return list(
        db.session.scalars(
            select(Resource).where(Resource.owner_id.in_([o.id for o in owners])).order_by(Resource.code)
        )
    )


@dataclass(frozen=True)
class ResourceFields:
    """What a manager (or an import) sets on a resource."""

    code: str
    owner: Organisation
    name: str
    kind: str
    capacity: int
    unit_label: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    description: str = ""
    amenities: tuple[str, ...] = ()
    timezone: str = "Asia/Shanghai"
    active: bool = True
    policy: Policy = field(default_factory=Policy)


def check_fields(fields: ResourceFields) -> None:
    check_code(fields.code, reserved=RESERVED_RESOURCE_CODES)
    if not fields.name.strip():
        raise DomainError("name_required", field="name")
    if fields.kind not in {k.value for k in ResourceKind}:
        raise DomainError("invalid_kind", field="kind")
    if fields.owner.kind not in (OrgKind.COMMUNITY.value, OrgKind.UNIT.value, OrgKind.STREET.value):
        raise DomainError("invalid_owner", field="owner")
    check_capacity(fields.capacity)
    check_coordinates(fields.latitude, fields.longitude)
    check_timezone(fields.timezone)
    check_policy(fields.policy)


def search_document(resource: Resource) -> str:
    """The text a resource is found by: its names, place, owner and what it is."""
    owner = resource.owner
    places = []
    ancestor = owner
    while ancestor is not None:
        places.append(ancestor.name)
        ancestor = ancestor.parent
    return index_text(
        resource.name,
        resource.code,
        resource.address,
        " ".join(places),
        owner.code,
        KIND_SEARCH_WORDS.get(resource.kind, ""),
        resource.unit_label,
        " ".join(resource.amenities or []),
        resource.description[:2000],
    )


def save_resource(resource: Resource | None, fields: ResourceFields, *, actor: User | None, now: datetime) -> Resource:
    """Create (resource is None) or update a resource; every change goes into the audit trail."""
    check_fields(fields)
    other = get_resource(fields.code)
    if other is not None and other is not resource:
        raise DomainError("code_taken", field="code")
    created = resource is None
    before: dict[str, Any] = {} if resource is None else resource.audit_view()
    if resource is None:
        resource = Resource(created_at=now)
        db.session.add(resource)
    policy = fields.policy
    resource.code = fields.code
    resource.owner = fields.owner
    resource.name = fields.name.strip()
    resource.kind = fields.kind
    resource.capacity = fields.capacity
    resource.unit_label = fields.unit_label.strip()
    resource.address = fields.address.strip()
    resource.latitude = fields.latitude
    resource.longitude = fields.longitude
    resource.description = fields.description.strip()
    resource.amenities = normalise_tags(list(fields.amenities))
    resource.timezone = fields.timezone
    resource.active = fields.active
    resource.slot_minutes = policy.slot_minutes
    resource.min_minutes = policy.min_minutes
    resource.max_minutes = policy.max_minutes
    resource.book_ahead_days = policy.book_ahead_days
    resource.release_time = policy.release_time
    resource.buffer_minutes = policy.buffer_minutes
    resource.requires_approval = policy.requires_approval
    resource.checkin_required = policy.checkin_required
    resource.checkin_grace_minutes = policy.checkin_grace_minutes
    resource.cancel_before_minutes = policy.cancel_before_minutes
    changes = diff(before, resource.audit_view())
    if changes or created:
        resource.updated_at = now
        resource.search_tokens = search_document(resource)
    db.session.flush()
    record(AUDIT_SUBJECT, resource.id, "created" if created else "updated", actor=actor, changes=changes, now=now)
    return resource


def set_active(resource: Resource, active: bool, *, actor: User | None, now: datetime) -> None:
    if resource.active == active:
        return
    resource.active = active
    resource.updated_at = now
    db.session.flush()
    record(
        AUDIT_SUBJECT,
        resource.id,
        "activated" if active else "deactivated",
        actor=actor,
        changes={"active": [not active, active]},
        now=now,
    )


def reindex_area(org: Organisation) -> None:
    """An organisation was renamed or moved: the search text of the resources below it follows."""
    for resource in db.session.scalars(select(Resource).where(Resource.owner_id.in_(area_owner_ids(org)))):
        tokens = search_document(resource)
        if resource.search_tokens != tokens:
            resource.search_tokens = tokens
    db.session.flush()


@organisation_saved.connect
def _follow_organisation(org: Organisation, **_: object) -> None:
    reindex_area(org)


# --- finding -----------------------------------------------------------------


def area_owner_ids(area: Organisation) -> list[int]:
    """Organisations whose resources count as in an area: the area's subtree, and
    units registered with a community of it (a school serves the communities it
    registered with, wherever it stands)."""
    rows = db.session.execute(select(Organisation.id, Organisation.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for org_id, parent_id in rows:
        children.setdefault(parent_id, []).append(org_id)
    subtree, frontier = {area.id}, [area.id]
    while frontier:
        frontier = [child for org_id in frontier for child in children.get(org_id, [])]
        subtree.update(frontier)
    registered_units = db.session.scalars(
        select(Registration.unit_id).where(
            Registration.kind == RegistrationKind.UNIT.value,
            Registration.status == RegistrationStatus.ACKNOWLEDGED.value,
            Registration.community_id.in_(subtree),
        )
    )
    subtree.update(unit_id for unit_id in registered_units if unit_id is not None)
    return sorted(subtree)


def _text_filter(query: Select[Any], q: str) -> Select[Any]:
    parsed = parse_query(q)
    if not parsed:
        return query
    if db.session.get_bind().dialect.name == "postgresql":
        return query.where(
            text("to_tsvector('simple', resources.search_tokens) @@ to_tsquery('simple', :tsq)").bindparams(
                tsq=parsed.tsquery()
            )
        )
    matching = (
        select(text("rowid"))
        .select_from(text("resources_fts"))
        .where(text("resources_fts MATCH :fts").bindparams(fts=parsed.fts5()))
    )
    return query.where(Resource.id.in_(matching))


def search_resources(
    *,
    q: str = "",
    kind: str | None = None,
    area: Organisation | None = None,
    owner_ids: list[int] | None = None,
    include_inactive: bool = False,
    page: int = 1,
    per_page: int = 20,
) -> Page[Resource]:
    """The directory: active resources matching text, kind and area, best matches first."""
    query = select(Resource)
    if not include_inactive:
        query = query.where(Resource.active.is_(True))
    if kind:
        query = query.where(Resource.kind == kind)
    if area is not None:
        query = query.where(Resource.owner_id.in_(area_owner_ids(area)))
    if owner_ids is not None:
        query = query.where(Resource.owner_id.in_(owner_ids))
    query = _text_filter(query, q)
    words = q.strip()
    ordering = [Resource.name, Resource.code]
    if words:
        # Names that contain the words as typed come before matches elsewhere.
        ordering.insert(0, case((Resource.name.contains(words, autoescape=True), 0), else_=1))
    # Lists show each owner's name: load them with the page, not one query each.
    query = query.options(selectinload(Resource.owner))
    return paginate(db.session, query.order_by(*ordering), page=page, per_page=per_page)


def list_areas() -> list[Organisation]:
    """District, street and community choices for the area filter, in tree order."""
    return list(
        db.session.scalars(
            select(Organisation)
            .where(
                Organisation.kind.in_([OrgKind.DISTRICT.value, OrgKind.STREET.value, OrgKind.COMMUNITY.value]),
                Organisation.active.is_(True),
            )
            .order_by(Organisation.code)
        )
    )


def parse_release_time(value: str) -> time:
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise DomainError("invalid_time", field="release_time") from exc
