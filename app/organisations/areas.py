"""The city's areas (district → street → community) and which of them a user may read figures of.

The tree is small (a city has a few hundred communities), so it is read whole in one query and walked in
memory; what a page then asks of the database is grouped by community.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from app.accounts.models import User
from app.domain.organisations import OrgKind, Role
from app.extensions import db
from app.organisations.models import Membership, Organisation

AREA_KINDS = (OrgKind.DISTRICT.value, OrgKind.STREET.value, OrgKind.COMMUNITY.value)


@dataclass(frozen=True)
class Area:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None


class AreaTree:
    """The active areas, with each one's children and the communities under it."""

    def __init__(self, areas: Iterable[Area]) -> None:
        self.by_id = {a.id: a for a in areas}
        self.by_code = {a.code: a for a in self.by_id.values()}
        self._children: dict[int | None, list[Area]] = {}
        for area in sorted(self.by_id.values(), key=lambda a: a.code):
            # An area whose parent is not an active area stands at the top.
            parent = area.parent_id if area.parent_id in self.by_id else None
            self._children.setdefault(parent, []).append(area)

    def tops(self) -> list[Area]:
        return self._children.get(None, [])

    def children(self, area: Area) -> list[Area]:
        return self._children.get(area.id, [])

    def below(self, area: Area) -> list[Area]:
        """The area and every area under it."""
        found, todo = [], [area]
        while todo:
            current = todo.pop()
            found.append(current)
            todo.extend(self.children(current))
        return found

    def communities_under(self, area: Area) -> list[int]:
        return [a.id for a in self.below(area) if a.kind == OrgKind.COMMUNITY.value]

    def trail(self, area: Area) -> list[Area]:
        """The area's ancestors from the top, then the area."""
        trail = [area]
        while trail[0].parent_id in self.by_id:
            trail.insert(0, self.by_id[trail[0].parent_id])  # type: ignore[index]
        return trail


def area_tree() -> AreaTree:
    rows = db.session.execute(
        select(Organisation.id, Organisation.code, Organisation.name, Organisation.kind, Organisation.parent_id).where(
            Organisation.kind.in_(AREA_KINDS), Organisation.active.is_(True)
        )
    )
    return AreaTree(Area(*row) for row in rows)


def areas_user_may_read(user: User, tree: AreaTree) -> list[Area]:
    """The highest areas whose figures the user may read: every top area for an administrator; else the
    areas they manage (what lies under them comes with them)."""
    if not user.is_authenticated:
        return []
    if user.is_admin:
        return tree.tops()
    managed = set(
        db.session.scalars(
            select(Membership.organisation_id).where(
                Membership.user_id == user.id, Membership.role == Role.MANAGER.value
            )
        )
    )
    areas = [tree.by_id[i] for i in managed if i in tree.by_id]
    # An area under another one the user manages is reached from that one: list only the highest.
    highest = [a for a in areas if not any(t.id in managed for t in tree.trail(a)[:-1])]
    return sorted(highest, key=lambda a: a.code)


def may_read_area(user: User, tree: AreaTree, area: Area) -> bool:
    allowed = {a.id for a in areas_user_may_read(user, tree)}
    return any(a.id in allowed for a in tree.trail(area))
