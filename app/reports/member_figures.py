"""The members module's figures per area and year, as the article reports them: who registered (双报到),
what was paired (双结对) and what was claimed and done (双领办).

Everything is read per community in a few grouped queries, then summed up the tree; units are counted
once per area even when registered with several of its communities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.domain.organisations import RegistrationKind, RegistrationStatus
from app.domain.resources import DEFAULT_TIMEZONE
from app.extensions import db
from app.organisations.areas import Area, AreaTree
from app.organisations.models import Registration
from app.pairing.figures import pairing_figures
from app.service_items.services import service_figures

ACKNOWLEDGED = RegistrationStatus.ACKNOWLEDGED.value
PENDING = RegistrationStatus.PENDING.value


@dataclass
class AreaFigures:
    """One area's figures for a year. Registrations are as they stand now; the rest is the year's."""

    area: Area
    units_registered: int = 0
    members_registered: int = 0
    party_members_registered: int = 0
    registrations_pending: int = 0
    agreements_signed: int = 0
    agreement_items: int = 0
    agreement_items_done: int = 0
    committee_members: int = 0
    help_pairs: int = 0
    service_items: int = 0
    service_claims: int = 0
    service_completed: int = 0
    service_hours: Decimal = Decimal(0)
    support_claimed: int = 0
    _units: set[int] = field(default_factory=set, repr=False)


# The figures' names in the order a table and its CSV show them.
FIGURE_NAMES = tuple(f.name for f in fields(AreaFigures) if f.name not in ("area", "_units"))


def _year_span(year: int) -> tuple[datetime, datetime]:
    zone = ZoneInfo(DEFAULT_TIMEZONE)
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def _per_community(community_ids: Sequence[int], year: int) -> dict[int, AreaFigures]:
    placeholder = Area(0, "", "", "", None)
    found = {c: AreaFigures(placeholder) for c in community_ids}
    if not found:
        return found
    ids = list(found)
    for community_id, unit_id in db.session.execute(
        select(Registration.community_id, Registration.unit_id).where(
            Registration.community_id.in_(ids),
            Registration.kind == RegistrationKind.UNIT.value,
            Registration.status == ACKNOWLEDGED,
        )
    ):
        found[community_id]._units.add(unit_id)
    for community_id, party_member, n in db.session.execute(
        select(Registration.community_id, Registration.party_member, func.count())
        .where(
            Registration.community_id.in_(ids),
            Registration.kind == RegistrationKind.RESIDENT.value,
            Registration.status == ACKNOWLEDGED,
        )
        .group_by(Registration.community_id, Registration.party_member)
    ):
        found[community_id].members_registered += n
        if party_member:
            found[community_id].party_members_registered += n
    for community_id, n in db.session.execute(
        select(Registration.community_id, func.count())
        .where(Registration.community_id.in_(ids), Registration.status == PENDING)
        .group_by(Registration.community_id)
    ):
        found[community_id].registrations_pending = n
    for community_id, pairing in pairing_figures(ids, year).items():
        figures = found[community_id]
        figures.agreements_signed = pairing.agreements_signed
        figures.agreement_items = pairing.items_total
        figures.agreement_items_done = pairing.items_done
        figures.committee_members = pairing.cross_appointments_active
        figures.help_pairs = pairing.help_pairs_active
    since, until = _year_span(year)
    for community_id, service in service_figures(ids, since, until).items():
        figures = found[community_id]
        figures.service_items = service.published
        figures.service_claims = service.claims
        figures.service_completed = service.completed
        figures.service_hours = service.hours
        figures.support_claimed = service.claims_made
    return found


def _sum(area: Area, parts: Sequence[AreaFigures]) -> AreaFigures:
    total = AreaFigures(area)
    for part in parts:
        for name in FIGURE_NAMES:
            setattr(total, name, getattr(total, name) + getattr(part, name))
        total._units |= part._units
    total.units_registered = len(total._units)
    return total


def area_figures(tree: AreaTree, area: Area, year: int) -> tuple[AreaFigures, list[AreaFigures]]:
    """The area's figures and those of each area directly under it (none under a community)."""
    communities = tree.communities_under(area)
    by_community = _per_community(communities, year)

    def of(an_area: Area) -> AreaFigures:
        return _sum(an_area, [by_community[c] for c in tree.communities_under(an_area)])

    return of(area), [of(child) for child in tree.children(area)]
