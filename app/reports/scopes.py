"""Whose figures a user may see: admins the whole city and every area in it; a manager the areas
they manage and every area under them (app/organisations/areas.py decides), and the units they manage.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.accounts.models import User
from app.directory.services import area_owner_ids
from app.domain.errors import DomainError
from app.domain.organisations import OrgKind
from app.extensions import db
from app.organisations.areas import Area, AreaTree, areas_user_may_read, may_read_area
from app.organisations.models import Organisation
from app.organisations.registrations import list_managed_units

CITY = ""  # the scope code of the whole city (admins only)


@dataclass(frozen=True)
class ScopeChoice:
    code: str  # CITY for the whole city
    name: str
    depth: int  # how far under the top of what the user may see: the picker indents by it


@dataclass(frozen=True)
class Scope:
    code: str  # CITY for the whole city
    name: str
    kind: str  # district, street, community, unit; "city"
    owner_ids: list[int] | None  # organisations whose resources count; None: every one


def list_scope_choices(user: User, tree: AreaTree) -> list[ScopeChoice]:
    """What the user may pick, in tree order; empty for someone who manages nothing."""
    choices = [ScopeChoice(CITY, "", 0)] if user.is_admin else []
    shift = 1 if user.is_admin else 0
    for top in areas_user_may_read(user, tree):
        choices += _walk(tree, top, shift)
    if not user.is_admin:
        choices += [ScopeChoice(unit.code, unit.name, 0) for unit in list_managed_units(user)]
    return choices


def _walk(tree: AreaTree, area: Area, depth: int) -> list[ScopeChoice]:
    found = [ScopeChoice(area.code, area.name, depth)]
    for child in tree.children(area):
        found += _walk(tree, child, depth + 1)
    return found


def find_scope(user: User, code: str, tree: AreaTree) -> Scope:
    """The scope of `code` for this user. Raises DomainError `not_found` (no such area or unit) or
    `forbidden` (not one of the user's)."""
    if code == CITY:
        if not user.is_admin:
            raise DomainError("forbidden", field="scope")
        return Scope(CITY, "", "city", None)
    area = tree.by_code.get(code)
    if area is not None:
        if not may_read_area(user, tree, area):
            raise DomainError("forbidden", field="scope")
        organisation = db.session.get(Organisation, area.id)
    else:
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.code == code, Organisation.kind == OrgKind.UNIT.value)
        )
        if organisation is None:
            raise DomainError("not_found", field="scope")
        if not _may_see_unit(user, organisation, tree):
            raise DomainError("forbidden", field="scope")
    assert organisation is not None
    return Scope(organisation.code, organisation.name, organisation.kind, area_owner_ids(organisation))


def _may_see_unit(user: User, unit: Organisation, tree: AreaTree) -> bool:
    """Admins, the unit's own managers, and the managers of the area it stands in."""
    if user.is_admin or any(u.id == unit.id for u in list_managed_units(user)):
        return True
    parent = tree.by_id.get(unit.parent_id) if unit.parent_id is not None else None
    return parent is not None and may_read_area(user, tree, parent)
