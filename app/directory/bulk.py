"""Many resources at once (the import file, the district's spreadsheet): compare by code, save through the service."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.directory.models import Resource
from app.directory.services import ResourceFields, get_resource, save_resource
from app.domain.resources import Policy
from app.extensions import db

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
_POLICY_FIELDS = tuple(f.name for f in dataclass_fields(Policy))
_RESOURCE_FIELDS = tuple(f.name for f in dataclass_fields(ResourceFields) if f.name != "policy")


def current_fields(resource: Resource) -> ResourceFields:
    """What the resource holds now, in the shape a manager or an import sets it."""
    return ResourceFields(
        code=resource.code,
        owner=resource.owner,
        name=resource.name,
        kind=resource.kind,
        capacity=resource.capacity,
        unit_label=resource.unit_label,
        address=resource.address,
        latitude=resource.latitude,
        longitude=resource.longitude,
        description=resource.description,
        amenities=tuple(resource.amenities or ()),
        timezone=resource.timezone,
        active=resource.active,
        policy=resource.policy,
    )


def changed_fields(before: ResourceFields, after: ResourceFields) -> list[str]:
    """Names of the fields (policy fields by their own name) whose values differ."""
    names = [name for name in _RESOURCE_FIELDS if getattr(before, name) != getattr(after, name)]
    names += [name for name in _POLICY_FIELDS if getattr(before.policy, name) != getattr(after.policy, name)]
    return names


def planned_outcome(fields: ResourceFields, existing: Resource | None) -> str:
    """What saving `fields` would do to the resource of the same code: created, updated or unchanged."""
    if existing is None:
        return CREATED
    return UNCHANGED if current_fields(existing) == fields else UPDATED


def save_fields(fields: ResourceFields, *, actor: User | None, now: datetime) -> str:
    """Create or update the resource with `fields.code`; an unchanged one is not touched.

    Returns the outcome. Raises DomainError when the fields break a rule. Flushes only.
    """
    existing = get_resource(fields.code)
    if planned_outcome(fields, existing) == UNCHANGED:
        return UNCHANGED
    before = existing.audit_view() if existing is not None else None
    resource = save_resource(existing, fields, actor=actor, now=now)
    if before is None:
        return CREATED
    return UPDATED if resource.audit_view() != before else UNCHANGED


def list_all_resources() -> list[Resource]:
    """The whole directory, listed or not, by code (with owners loaded in one query)."""
    return list(db.session.scalars(select(Resource).options(selectinload(Resource.owner)).order_by(Resource.code)))
