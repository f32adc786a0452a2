"""The system's own figures of an organisation in a round's year, beside each evaluation and in the report.

Booking figures come from here: the hours an organisation's facilities were open to the other side of
the pairing (a unit's to residents, a community's to registered units; either's to the public), from the
nightly usage snapshots, and the bookings its facilities served. Service items (双领办), pairing (双结对)
and ratings come from their own features, one function each. Every function answers many organisations
with a few grouped queries, never a query per organisation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from app.bookings.models import Booking
from app.directory.models import Resource
from app.domain.organisations import OrgKind
from app.domain.resources import DEFAULT_TIMEZONE
from app.domain.windows import Audience
from app.extensions import db
from app.organisations.models import Organisation
from app.pairing.figures import PairingFigures, pairing_figures
from app.ratings.services import RatingSummary, average_ratings
from app.reports.models import UsageSnapshot
from app.reports.services import BOOKED
from app.service_items.services import ServiceFigures, service_figures

# Whom each kind of organisation shares with (双统筹): units open their grounds to residents, communities
# their parking and rooms to registered units; what is open to the public is open to both.
# Up to this many organisations (or resources), their ids are named in the queries; more, and all are read.
FEW = 50
SHARED_WITH: dict[str, tuple[Audience, ...]] = {
    OrgKind.UNIT.value: (Audience.RESIDENTS, Audience.PUBLIC),
    OrgKind.COMMUNITY.value: (Audience.REGISTERED_UNITS, Audience.PUBLIC),
}


@dataclass(frozen=True)
class Figures:
    """What the system recorded of one organisation in a year."""

    hours_shared: float = 0.0
    bookings_served: int = 0
    # 双领办: as publisher (items, claims on them, completed) and as claimant (claims made, completed).
    service_published: int = 0
    service_claims_received: int = 0
    service_completed: int = 0
    service_claims_made: int = 0
    service_completed_made: int = 0
    service_hours: float = 0.0
    # 双结对: the year's agreements signed, their items and how many are done.
    agreements_signed: int = 0
    agreement_items_total: int = 0
    agreement_items_done: int = 0
    # Ratings of its facilities by the people who used them (1–5), when there are any.
    rating_average: float | None = None
    rating_count: int = 0

    @property
    def service_items_completed(self) -> int:
        """Service items completed that it took part in, as publisher or as claimant."""
        return self.service_completed + self.service_completed_made

    def appraisal_values(self) -> tuple[float | None, ...]:
        """The figures the appraisal ranks peers on (app.domain.evaluations.figures_scores)."""
        return (
            self.hours_shared,
            float(self.bookings_served),
            float(self.service_items_completed),
            float(self.agreement_items_done),
            self.rating_average,
        )


def year_span(year: int) -> tuple[datetime, datetime]:
    """[1 January, next 1 January) of the round's year in the city's zone."""
    zone = ZoneInfo(DEFAULT_TIMEZONE)
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


class least(FunctionElement[int]):  # noqa: N801 - named as the SQL function it renders
    """The smaller of two integers: LEAST on PostgreSQL, the two-argument MIN on SQLite."""

    type = Integer()
    inherit_cache = True


@compiles(least)
def _least(element: least, compiler: Any, **kw: Any) -> str:
    return f"LEAST({compiler.process(element.clauses, **kw)})"


@compiles(least, "sqlite")
def _least_sqlite(element: least, compiler: Any, **kw: Any) -> str:
    return f"MIN({compiler.process(element.clauses, **kw)})"


def owned_resources(org_ids: Iterable[int] | None = None) -> dict[int, tuple[int, str]]:
    """The resources of units and communities (of those asked, or of all): id -> (owner id, owner kind)."""
    query = (
        select(Resource.id, Resource.owner_id, Organisation.kind)
        .join(Organisation, Organisation.id == Resource.owner_id)
        .where(Organisation.kind.in_(list(SHARED_WITH)))
    )
    if org_ids is not None:
        query = query.where(Resource.owner_id.in_(list(org_ids)))
    return {rid: (owner, kind) for rid, owner, kind in db.session.execute(query)}


def shared_hours(year: int, resources: Mapping[int, tuple[int, str]]) -> dict[int, float]:
    """Hours per owner organisation that its facilities were open to the side it shares with, summed
    over the year's usage snapshots. An audience's window may overlap the public's on a day: their
    sum is capped at the minutes open to anyone that day, so no minute counts twice.

    One query per kind of owner, each naming its resources: the snapshots are then read along their
    (resource, day) key rather than the whole year's day index with a visit to every row."""
    minutes = UsageSnapshot.offered_minutes_by_audience
    hours: dict[int, float] = {}
    for kind, audiences in SHARED_WITH.items():
        ids = [rid for rid, (_, owner_kind) in resources.items() if owner_kind == kind]
        if not ids:
            continue
        opened = sum((func.coalesce(minutes[a.value].as_integer(), 0) for a in audiences), literal(0))
        rows = db.session.execute(
            select(UsageSnapshot.resource_id, func.sum(least(opened, UsageSnapshot.offered_minutes)))
            .where(
                UsageSnapshot.resource_id.in_(ids),
                UsageSnapshot.day >= date(year, 1, 1),
                UsageSnapshot.day <= date(year, 12, 31),
            )
            .group_by(UsageSnapshot.resource_id)
        )
        for rid, total in rows:
            owner = resources[rid][0]
            hours[owner] = hours.get(owner, 0.0) + float(total or 0) / 60
    return {owner: round(total, 1) for owner, total in hours.items()}


def bookings_served(since: datetime, until: datetime, resources: Mapping[int, tuple[int, str]]) -> dict[int, int]:
    """Bookings per owner organisation that its facilities held for people, starting in [since, until):
    used, held, or missed by the booker (as the usage snapshot counts them); not cancelled or refused.

    Counted per resource, the statuses inside the count: filtering on them would draw SQLite to the
    (status, start) index and a visit to each of the year's rows, where ix_bookings_reports (resource,
    start, status, ...: app/reports/models.py) answers from the index alone."""
    served = func.sum(case((Booking.status.in_(BOOKED), 1), else_=0))
    query = (
        select(Booking.resource_id, served)
        .where(Booking.start >= since, Booking.start < until)
        .group_by(Booking.resource_id)
    )
    if len(resources) <= FEW:
        query = query.where(Booking.resource_id.in_(list(resources)))
    counts: dict[int, int] = {}
    for rid, n in db.session.execute(query):
        if rid in resources and n:
            owner = resources[rid][0]
            counts[owner] = counts.get(owner, 0) + int(n)
    return counts


def pair_bookings(community_id: int, unit_id: int, since: datetime, until: datetime) -> int:
    """Bookings the unit made at the community's facilities (on its behalf, e.g. parking) in the span."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Booking)
            .join(Resource, Resource.id == Booking.resource_id)
            .where(
                Resource.owner_id == community_id,
                Booking.on_behalf_of_id == unit_id,
                Booking.status.in_(BOOKED),
                Booking.start >= since,
                Booking.start < until,
            )
        )
        or 0
    )


# --- the other features' figures: one function per source ----------------------------------


def service_source(org_ids: list[int], since: datetime, until: datetime) -> dict[int, ServiceFigures]:
    """双领办 figures per organisation (app.service_items)."""
    return service_figures(org_ids, since, until)


def pairing_source(org_ids: list[int], year: int) -> dict[int, PairingFigures]:
    """双结对 figures per organisation for the year (app.pairing)."""
    return pairing_figures(org_ids, year)


def ratings_source(org_ids: list[int]) -> dict[int, RatingSummary]:
    """Average rating of each owner organisation's facilities (app.ratings)."""
    return average_ratings(org_ids)


def _float(value: Decimal | float | int | None) -> float:
    return float(value or 0)


def figures_for(orgs: Iterable[tuple[int, str]], year: int, *, now: datetime) -> dict[int, Figures]:
    """The Figures of each (organisation id, kind) asked, over the round's year up to `now`.

    `orgs` may be every unit and community of the city (the report) or a pair (an evaluation's page):
    the resources of all owners are read when many are asked (cheaper than a long IN list), of the
    ones asked otherwise."""
    kinds = dict(orgs)
    ids = sorted(kinds)
    if not ids:
        return {}
    since, end = year_span(year)
    until = min(end, now)
    resources = owned_resources(ids if len(ids) <= FEW else None)
    hours = shared_hours(year, resources)
    served = bookings_served(since, until, resources) if since < until else {}
    services = service_source(ids, since, end)
    pairing = pairing_source(ids, year)
    ratings = ratings_source(ids)
    out: dict[int, Figures] = {}
    for org_id in ids:
        service = services.get(org_id)
        pair = pairing.get(org_id)
        rating = ratings.get(org_id)
        out[org_id] = Figures(
            hours_shared=hours.get(org_id, 0.0),
            bookings_served=served.get(org_id, 0),
            service_published=service.published if service else 0,
            service_claims_received=service.claims if service else 0,
            service_completed=service.completed if service else 0,
            service_claims_made=service.claims_made if service else 0,
            service_completed_made=service.completed_made if service else 0,
            service_hours=(_float(service.hours) + _float(service.hours_made)) if service else 0.0,
            agreements_signed=pair.agreements_signed if pair else 0,
            agreement_items_total=pair.items_total if pair else 0,
            agreement_items_done=pair.items_done if pair else 0,
            rating_average=float(rating.average) if rating and rating.average is not None else None,
            rating_count=rating.count if rating else 0,
        )
    return out
