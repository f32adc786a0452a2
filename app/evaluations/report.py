"""The appraisal report of a round: per unit and per community, the evaluations received, the system's
figures and the combined appraisal score with its rank; filtered, sorted, and written as CSV or XLSX.

Everything is read with grouped queries over the whole city (the organisations, the evaluations, each
source of figures): the report of 1,375 units and 337 communities costs the same handful of queries
as the report of a town. Scores and ranks are computed over every peer of the round, city-wide; the
filters then only choose the rows shown.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts.models import User
from app.domain.evaluations import EvaluationKind, appraisal_score, competition_ranks, figures_scores
from app.domain.organisations import OrgKind, Role
from app.downloads import guard
from app.evaluations.figures import Figures, figures_for
from app.evaluations.models import Evaluation, EvaluationRound
from app.extensions import db
from app.organisations.models import Membership, Organisation

# Which evaluations a side of the report receives.
SIDES: dict[str, tuple[str, EvaluationKind]] = {
    "units": (OrgKind.UNIT.value, EvaluationKind.COMMUNITY_UNIT),
    "communities": (OrgKind.COMMUNITY.value, EvaluationKind.UNIT_COMMUNITY),
}
SIDE_LABELS = {"units": _l("Units"), "communities": _l("Communities")}


@dataclass(frozen=True)
class Place:
    district_id: int | None = None
    district: str = ""
    street_id: int | None = None
    street: str = ""


@dataclass(frozen=True)
class Row:
    org_id: int
    code: str
    name: str
    kind: str
    place: Place
    evaluations: int
    evaluation_score: float | None  # the average weighted score received, 0–100
    figures: Figures
    figures_score: float | None  # 0–100, app.domain.evaluations.figures_scores
    combined: float | None
    rank: int | None


@dataclass(frozen=True)
class AppraisalReport:
    round: EvaluationRound
    sides: dict[str, list[Row]]


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # a lazy string
    value: Callable[[Row], object]
    numeric: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("rank", _l("Rank"), lambda r: r.rank),
    Column("code", _l("Code"), lambda r: r.code, numeric=False),
    Column("name", _l("Name"), lambda r: r.name, numeric=False),
    Column("district", _l("District"), lambda r: r.place.district, numeric=False),
    Column("street", _l("Street"), lambda r: r.place.street, numeric=False),
    Column("evaluations", _l("Evaluations received"), lambda r: r.evaluations),
    Column("evaluation_score", _l("Evaluation score"), lambda r: r.evaluation_score),
    Column("hours_shared", _l("Hours shared"), lambda r: r.figures.hours_shared),
    Column("bookings_served", _l("Bookings served"), lambda r: r.figures.bookings_served),
    Column("service_items", _l("Service items completed"), lambda r: r.figures.service_items_completed),
    Column("agreement_items", _l("Agreement items done"), lambda r: r.figures.agreement_items_done),
    Column("rating", _l("Average rating"), lambda r: r.figures.rating_average),
    Column("figures_score", _l("Figures score"), lambda r: r.figures_score),
    Column("combined", _l("Appraisal score"), lambda r: r.combined),
)
COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}


# --- building it ---------------------------------------------------------------------------------


def _places(rows: Sequence[Any]) -> dict[int, Place]:
    """Each organisation's district and street, from one read of the tree. A unit placed under a
    community has that community's street; one placed under a district has no street."""
    by_id = {r.id: r for r in rows}
    places: dict[int, Place] = {}
    for r in rows:
        district = street = None
        node = r
        while node is not None:
            if node.kind == OrgKind.STREET.value and street is None:
                street = node
            if node.kind == OrgKind.DISTRICT.value:
                district = node
                break
            node = by_id.get(node.parent_id) if node.parent_id else None
        places[r.id] = Place(
            district.id if district else None,
            district.name if district else "",
            street.id if street else None,
            street.name if street else "",
        )
    return places


def list_places() -> tuple[list[tuple[int, str]], list[tuple[int, int | None, str]]]:
    """The districts (id, name) and streets (id, district id, name) for the report's filters."""
    districts = db.session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.kind == OrgKind.DISTRICT.value)
        .order_by(Organisation.code)
    ).all()
    streets = db.session.execute(
        select(Organisation.id, Organisation.parent_id, Organisation.name)
        .where(Organisation.kind == OrgKind.STREET.value)
        .order_by(Organisation.code)
    ).all()
    return [tuple(d) for d in districts], [tuple(s) for s in streets]  # type: ignore[misc]


def build_report(
    evaluation_round: EvaluationRound, *, now: datetime, sides: Iterable[str] | None = None
) -> AppraisalReport:
    """The round's report with scores and ranks over every peer: the sides asked (units, communities),
    or both. A side's scores depend only on its own peers, so a page reads only the side it shows."""
    asked = set(SIDES) if sides is None else set(sides) & set(SIDES)
    covered = set(evaluation_round.kind_list)
    wanted_sides = {side: SIDES[side] for side in SIDES if side in asked and SIDES[side][1] in covered}
    tree = db.session.execute(
        select(Organisation.id, Organisation.code, Organisation.name, Organisation.kind, Organisation.parent_id).where(
            Organisation.active.is_(True)
        )
    ).all()
    places = _places(tree)
    if not wanted_sides:
        return AppraisalReport(evaluation_round, {})
    received = {
        subject: (int(n), float(avg) if avg is not None else None)
        for subject, n, avg in db.session.execute(
            select(Evaluation.subject_org_id, func.count(), func.avg(Evaluation.score))
            .where(
                Evaluation.round_id == evaluation_round.id,
                Evaluation.kind.in_([kind.value for _, kind in wanted_sides.values()]),
            )
            .group_by(Evaluation.subject_org_id)
        )
    }
    wanted_kinds = {kind for kind, _ in wanted_sides.values()}
    members = [r for r in tree if r.kind in wanted_kinds]
    figures = figures_for(((r.id, r.kind) for r in members), evaluation_round.year, now=now)
    built: dict[str, list[Row]] = {}
    for side, (org_kind, _) in wanted_sides.items():
        peers = [r for r in members if r.kind == org_kind]
        figure_score = figures_scores({r.id: figures[r.id].appraisal_values() for r in peers})
        combined = {r.id: appraisal_score(received.get(r.id, (0, None))[1], figure_score[r.id]) for r in peers}
        ranks = competition_ranks(combined)
        built[side] = [
            Row(
                org_id=r.id,
                code=r.code,
                name=r.name,
                kind=r.kind,
                place=places[r.id],
                evaluations=received.get(r.id, (0, None))[0],
                evaluation_score=_round(received.get(r.id, (0, None))[1]),
                figures=figures[r.id],
                figures_score=figure_score[r.id],
                combined=combined[r.id],
                rank=ranks[r.id],
            )
            for r in peers
        ]
    return AppraisalReport(evaluation_round, built)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# --- who sees which rows ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The rows a reader may see: everything (administrators), or the districts and streets they manage."""

    everything: bool
    districts: frozenset[int] = frozenset()
    streets: frozenset[int] = frozenset()

    def admits(self, place: Place) -> bool:
        if self.everything:
            return True
        return place.district_id in self.districts or place.street_id in self.streets

    @property
    def any(self) -> bool:
        return self.everything or bool(self.districts or self.streets)


def report_scope(user: User) -> Scope:
    """Administrators see the whole city; a district's or a street's managers their own subtree."""
    if not user.is_authenticated:
        return Scope(False)
    if user.is_admin:
        return Scope(True)
    rows = db.session.execute(
        select(Organisation.id, Organisation.kind)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(
            Membership.user_id == user.id,
            Membership.role == Role.MANAGER.value,
            Organisation.kind.in_([OrgKind.DISTRICT.value, OrgKind.STREET.value]),
        )
    ).all()
    return Scope(
        False,
        frozenset(i for i, kind in rows if kind == OrgKind.DISTRICT.value),
        frozenset(i for i, kind in rows if kind == OrgKind.STREET.value),
    )


def list_report_rounds() -> list[EvaluationRound]:
    """Rounds with a report: opened (or locked) ones that evaluate units or communities, newest first."""
    rounds = db.session.scalars(
        select(EvaluationRound)
        .where(EvaluationRound.status != "draft")
        .order_by(EvaluationRound.year.desc(), EvaluationRound.id.desc())
    )
    org_kinds = {kind for _, kind in SIDES.values()}
    return [r for r in rounds if org_kinds & set(r.kind_list)]


# --- filtering, sorting -----------------------------------------------------------------------


def select_rows(
    rows: Iterable[Row], scope: Scope, *, district: int | None = None, street: int | None = None
) -> list[Row]:
    return [
        r
        for r in rows
        if scope.admits(r.place)
        and (district is None or r.place.district_id == district)
        and (street is None or r.place.street_id == street)
    ]


def sort_rows(rows: Sequence[Row], key: str, *, descending: bool) -> list[Row]:
    """Rows by one column; rows without a value (no score, no rating) last either way, then by code."""
    column = COLUMNS_BY_KEY.get(key, COLUMNS_BY_KEY["rank"])
    present = [r for r in rows if column.value(r) not in (None, "")]
    absent = sorted((r for r in rows if column.value(r) in (None, "")), key=lambda r: r.code)
    present.sort(key=lambda r: r.code)
    present.sort(key=lambda r: column.value(r), reverse=descending)  # type: ignore[arg-type,return-value]
    return present + absent


# --- downloads --------------------------------------------------------------------------------


def cell(row: Row, column: Column) -> object:
    value = column.value(row)
    if isinstance(value, float):
        return round(value, 2)
    return value


def csv_table(rows: Sequence[Row]) -> tuple[list[str], list[list[object]]]:
    """The rows for a CSV download, with the page's columns and headers (in the reader's language)."""
    return [str(c.label) for c in COLUMNS], [
        ["" if (v := cell(row, c)) is None else v for c in COLUMNS] for row in rows
    ]


def rows_as_xlsx(rows: Sequence[Row], *, title: str) -> bytes:
    """The rows as an XLSX workbook: one sheet, the page's columns, numbers as numbers."""
    # Imported here: openpyxl takes a noticeable while to import, and only the download needs it.
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.append([str(c.label) for c in COLUMNS])
    for row in rows:
        sheet.append([guard(cell(row, c)) for c in COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet's name."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return (cleaned or "report")[:31]
