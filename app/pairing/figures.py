"""A year's pairing figures per organisation, for the figures page: agreements, items, committee members, help pairs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from app.domain.pairing import IN_FORCE_STATUSES, ItemStatus, TieStatus
from app.domain.resources import DEFAULT_TIMEZONE
from app.extensions import db
from app.pairing.models import Agreement, AgreementItem, CrossAppointment, HelpPair


@dataclass(frozen=True)
class PairingFigures:
    """What an organisation did in pairing in a year.

    - agreements_signed: the year's agreements signed by both sides (ended ones too: they were in force);
    - items_total, items_done: their items, less those dropped; and how many of them are done;
    - cross_appointments_active: committee members it received or lent whose term overlaps the year and
      who were not ended before it began;
    - help_pairs_active: the help pairs of a community (or standing for a unit) that existed in the year.
    """

    agreements_signed: int = 0
    items_total: int = 0
    items_done: int = 0
    cross_appointments_active: int = 0
    help_pairs_active: int = 0


def _year_span(year: int) -> tuple[datetime, datetime]:
    """The year's first and last instants' bounds [start, end), in the city's zone."""
    zone = ZoneInfo(DEFAULT_TIMEZONE)
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def pairing_figures(org_ids: Iterable[int], year: int) -> dict[int, PairingFigures]:
    """PairingFigures for each organisation id asked (zeros for those with nothing, and for districts
    and streets), in a handful of grouped queries whatever the number of organisations."""
    ids = sorted(set(org_ids))
    figures = {org_id: PairingFigures() for org_id in ids}
    if not ids:
        return figures
    in_force = [s.value for s in IN_FORCE_STATUSES]

    for column in (Agreement.unit_id, Agreement.community_id):
        agreements = db.session.execute(
            select(column, func.count())
            .where(column.in_(ids), Agreement.year == year, Agreement.status.in_(in_force))
            .group_by(column)
        )
        for org_id, n in agreements:
            figures[org_id] = replace(figures[org_id], agreements_signed=figures[org_id].agreements_signed + n)
        items = db.session.execute(
            select(column, AgreementItem.status, func.count())
            .join(AgreementItem, AgreementItem.agreement_id == Agreement.id)
            .where(
                column.in_(ids),
                Agreement.year == year,
                Agreement.status.in_(in_force),
                AgreementItem.status != ItemStatus.DROPPED.value,
            )
            .group_by(column, AgreementItem.status)
        )
        for org_id, status, n in items:
            f = figures[org_id]
            done = n if status == ItemStatus.DONE.value else 0
            figures[org_id] = replace(f, items_total=f.items_total + n, items_done=f.items_done + done)

    start, end = _year_span(year)
    lasted_into_year = or_(CrossAppointment.status == TieStatus.ACTIVE.value, CrossAppointment.ended_at >= start)
    for column in (CrossAppointment.to_org_id, CrossAppointment.from_org_id):
        rows = db.session.execute(
            select(column, func.count())
            .where(
                column.in_(ids),
                CrossAppointment.term_start <= date(year, 12, 31),
                CrossAppointment.term_end >= date(year, 1, 1),
                lasted_into_year,
            )
            .group_by(column)
        )
        for org_id, n in rows:
            f = figures[org_id]
            figures[org_id] = replace(f, cross_appointments_active=f.cross_appointments_active + n)

    pair_lasted = or_(HelpPair.status == TieStatus.ACTIVE.value, HelpPair.ended_at >= start)
    for column in (HelpPair.community_id, HelpPair.via_unit_id):
        rows = db.session.execute(
            select(column, func.count()).where(column.in_(ids), HelpPair.created_at < end, pair_lasted).group_by(column)
        )
        for org_id, n in rows:
            f = figures[org_id]
            figures[org_id] = replace(f, help_pairs_active=f.help_pairs_active + n)
    return figures
