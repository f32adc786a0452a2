"""The figures and pictures page of an area (or of the whole city, for admins): utilisation by resource
kind and hour of the week, hours shared per unit, bookings per month and ratings, each drawn as an SVG
picture followed by its numbers in a table, and each table as CSV."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import abort, make_response, render_template, request, url_for
from flask_babel import format_date, format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from app.db import utcnow
from app.directory.labels import KIND_LABELS
from app.domain.charts import Bar, ChartText, bar_chart, column_chart, distribution_chart, heat_map, percent_text
from app.domain.errors import DomainError
from app.domain.resources import DEFAULT_TIMEZONE
from app.downloads import csv_response
from app.forms import choices, show_domain_error
from app.organisations.areas import area_tree
from app.ratings.services import rating_distribution
from app.reports import bp
from app.reports.figures import (
    KindUtilisation,
    MonthCount,
    Period,
    UnitHours,
    bookings_per_month,
    hours_shared_per_unit,
    last_full_months,
    last_full_weeks,
    make_period,
    ratings_distribution,
    utilisation_by_hour,
)
from app.reports.forms import FiguresForm
from app.reports.scopes import CITY, Scope, find_scope, list_scope_choices

TABLES = ("utilisation", "units", "months", "ratings")
TOP_UNITS = 20  # the picture and the page's table; the CSV has every unit
A_MONDAY = date(2024, 1, 1)


def rating_counts(owner_ids: Sequence[int] | None, period: Period) -> Mapping[int, int]:
    """How many visible ratings of the scope's resources given in the period have each overall score 1..5."""
    since, until = period.utc_span(ZoneInfo(DEFAULT_TIMEZONE))
    return rating_distribution(owner_ids=owner_ids, since=since, until=until)


# --- the request ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Periods:
    hours: Period  # the heat map and the hours shared per unit
    months: Period  # bookings per month and the ratings


def _today() -> date:
    return utcnow().astimezone(ZoneInfo(DEFAULT_TIMEZONE)).date()


def _read_request() -> tuple[FiguresForm, Scope, Periods | None]:
    """The filter, the scope (403/404 when it is not the user's or does not exist) and the periods
    (None when the days asked for are refused: the form then says why)."""
    tree = area_tree()
    offered = list_scope_choices(current_user, tree)
    if not offered:
        abort(403)
    form = FiguresForm(formdata=request.args if request.args else None)
    form.scope.choices = choices((c.code, "\u00a0\u00a0" * c.depth + (c.name or _("The whole city"))) for c in offered)
    code = request.args.get("scope")
    if code is None or (code == CITY and not current_user.is_admin):
        code = offered[0].code
    try:
        scope = find_scope(current_user, code, tree)
    except DomainError as error:
        abort(404 if error.code == "not_found" else 403)
    form.scope.data = scope.code
    if not form.validate():  # a day that is not a date
        return form, scope, None
    today = _today()
    try:
        asked = make_period(form.first.data, form.last.data, today=today)
    except DomainError as error:
        show_domain_error(form, error)
        return form, scope, None
    if asked is not None:
        return form, scope, Periods(asked, asked)
    return form, scope, Periods(last_full_weeks(today), last_full_months(today))


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the page ---------------------------------------------------------------------------------------


def _members_link(code: str, kind: str) -> str | None:
    """The same area's registrations, pairing and service items (a unit has no such page)."""
    if kind == "city":
        return url_for("reports.members")
    return url_for("reports.members", area=code) if kind in ("district", "street", "community") else None


@bp.route("/figures")
@login_required
def figures() -> Response:
    form, scope, periods = _read_request()
    scope_name = scope.name or _("The whole city")
    if periods is None:
        html = render_template("reports/figures.html", form=form, scope_name=scope_name, shown=False)
        return _no_store(make_response(html, 400))
    owners = scope.owner_ids
    counts = ratings_distribution(rating_counts(owners, periods.months))
    csv_args = {"scope": scope.code, "first": request.args.get("first", ""), "last": request.args.get("last", "")}
    csv_args = {k: v for k, v in csv_args.items() if v}
    html = render_template(
        "reports/figures.html",
        form=form,
        scope_name=scope_name,
        shown=True,
        members_link=_members_link(scope.code, scope.kind),
        hours_period=_period_words(periods.hours),
        months_period=_period_words(periods.months),
        heats=[_heat_view(k, periods.hours) for k in utilisation_by_hour(owners, periods.hours)],
        units=_units_view(hours_shared_per_unit(owners, periods.hours), periods.hours),
        months=_months_view(bookings_per_month(owners, periods.months), periods.months),
        ratings=_ratings_view(counts, periods.months),
        csv_url=lambda table: url_for("reports.figures_csv", table=table, **csv_args),
    )
    return _no_store(make_response(html))


def _period_words(period: Period) -> str:
    return _("%(first)s to %(last)s", first=format_date(period.first, "long"), last=format_date(period.last, "long"))


def _weekdays(width: str) -> list[str]:
    return [format_date(A_MONDAY + timedelta(days=n), width) for n in range(7)]


def _share_words(share: float | None) -> str:
    return "–" if share is None else percent_text(share) + "%"


@dataclass(frozen=True)
class HeatView:
    kind: str
    label: str
    resources: int
    capacity: int
    svg: Markup
    days: list[str]
    rows: list[tuple[str, list[str]]]  # hour, and the share of each day


def _heat_view(kind: KindUtilisation, period: Period) -> HeatView:
    label = str(KIND_LABELS.get(kind.kind, kind.kind))
    hours = [f"{hour:02d}:00" for hour in range(24)]
    grid = kind.grid()
    text = ChartText(
        title=_("%(kind)s: use by hour of the week", kind=label),
        description=_(
            "Share of the capacity of %(count)s %(kind)s resources that was booked in each hour of the week, "
            "%(period)s: one row for each hour, one column for each day, darker when busier, with each "
            "cell's percentage printed.",
            count=kind.resources,
            kind=label,
            period=_period_words(period),
        ),
        no_data=_("Nothing was open in this period."),
    )
    svg = heat_map(
        chart_id=f"heat-{kind.kind.replace('_', '-')}",
        text=text,
        row_labels=hours,
        column_labels=_weekdays("EEE"),
        values=grid,
        legend_title=_("Share of the capacity booked"),
        none_label=_("not in the period"),
    )
    rows = [(hours[h], [_share_words(share) for share in grid[h]]) for h in range(24)]
    return HeatView(kind.kind, label, kind.resources, kind.capacity, Markup(svg), _weekdays("EEEE"), rows)


@dataclass(frozen=True)
class UnitsView:
    svg: Markup
    rows: list[UnitHours]
    total: int  # units of the scope with a resource
    hidden: int  # of them, not in the picture and the table


def _hours_words(hours: float) -> str:
    return _("%(hours)s h", hours=format_decimal(hours, "#,##0.#"))


def _units_view(units: list[UnitHours], period: Period) -> UnitsView:
    shown = [u for u in units if u.bookings][:TOP_UNITS]
    text = ChartText(
        title=_("Hours shared per unit"),
        description=_(
            "Hours that others used the resources of each unit, %(period)s, the %(count)s units with the most "
            "first: bookings made neither for the unit nor by its own people, counted as quantity × length.",
            period=_period_words(period),
            count=len(shown),
        ),
        no_data=_("No unit's resources were used by others in this period."),
    )
    svg = bar_chart(
        chart_id="units",
        text=text,
        bars=[Bar(u.name, u.hours, _hours_words(u.hours)) for u in shown],
    )
    # Units left out are worth a word only beside the ones shown.
    return UnitsView(Markup(svg), shown, len(units), len(units) - len(shown) if shown else 0)


@dataclass(frozen=True)
class MonthsView:
    svg: Markup
    rows: list[tuple[str, int]]


def _months_view(months: list[MonthCount], period: Period) -> MonthsView:
    text = ChartText(
        title=_("Bookings per month"),
        description=_(
            "Bookings starting in each month, %(period)s: confirmed, checked in, completed or missed "
            "(not pending, cancelled, rejected or expired).",
            period=_period_words(period),
        ),
        no_data=_("No bookings in this period."),
    )
    columns = [Bar(format_date(m.month, "MMM"), m.bookings, format_decimal(m.bookings)) for m in months]
    svg = column_chart(chart_id="months", text=text, columns=columns)
    return MonthsView(Markup(svg), [(format_date(m.month, "yyyy-MM"), m.bookings) for m in months])


@dataclass(frozen=True)
class RatingsView:
    svg: Markup
    rows: list[tuple[str, int, str]] | None  # score, ratings, share; None: ratings not available


def _score_label(score: int) -> str:
    return ngettext("%(num)d star", "%(num)d stars", score)


def _ratings_view(counts: dict[int, int] | None, period: Period) -> RatingsView:
    total = sum(counts.values()) if counts else 0
    text = ChartText(
        title=_("Ratings"),
        description=_(
            "How many ratings of the resources, %(period)s, gave each score from 1 to 5 stars.",
            period=_period_words(period),
        ),
        no_data=_("No ratings in this period."),
    )
    svg = distribution_chart(
        chart_id="ratings", text=text, counts=counts or {}, score_labels={s: _score_label(s) for s in range(1, 6)}
    )
    rows = None
    if counts is not None:
        rows = [(_score_label(s), n, _share_words(n / total if total else 0)) for s, n in counts.items()]
    return RatingsView(Markup(svg), rows)


# --- the numbers as CSV -----------------------------------------------------------------------------


@bp.route("/figures/<table>.csv")
@login_required
def figures_csv(table: str) -> Response:
    if table not in TABLES:
        abort(404)
    _form, scope, periods = _read_request()
    if periods is None:
        abort(400)
    owners = scope.owner_ids
    writers: dict[str, Callable[[], tuple[list[str], list[list[object]]]]] = {
        "utilisation": lambda: _utilisation_csv(utilisation_by_hour(owners, periods.hours)),
        "units": lambda: _units_csv(hours_shared_per_unit(owners, periods.hours)),
        "months": lambda: _months_csv(bookings_per_month(owners, periods.months)),
        "ratings": lambda: _ratings_csv(ratings_distribution(rating_counts(owners, periods.months))),
    }
    header, rows = writers[table]()
    period = periods.hours if table in ("utilisation", "units") else periods.months
    name = f"linli-{table}-{scope.code or 'city'}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.csv"
    return _no_store(csv_response(header, rows, name))


def _utilisation_csv(kinds: list[KindUtilisation]) -> tuple[list[str], list[list[object]]]:
    header = [_("Kind"), _("Day"), _("Hour"), _("Booked unit-hours"), _("Capacity hours"), _("Share booked (%)")]
    days = _weekdays("EEEE")
    rows: list[list[object]] = []
    for kind in kinds:
        label = str(KIND_LABELS.get(kind.kind, kind.kind))
        for day in range(7):
            for hour in range(24):
                booked, offered = kind.booked[day * 24 + hour], kind.offered[day * 24 + hour]
                share = kind.share(day, hour)
                rows.append(
                    [
                        label,
                        days[day],
                        f"{hour:02d}:00",
                        f"{booked / 60:.2f}",
                        f"{offered / 60:.2f}",
                        "" if share is None else f"{100 * share:.1f}",
                    ]
                )
    return header, rows


def _units_csv(units: list[UnitHours]) -> tuple[list[str], list[list[object]]]:
    header = [_("Unit code"), _("Unit"), _("Bookings by others"), _("Hours shared")]
    return header, [[u.code, u.name, u.bookings, f"{u.hours:.2f}"] for u in units]


def _months_csv(months: list[MonthCount]) -> tuple[list[str], list[list[object]]]:
    return [_("Month"), _("Bookings")], [[f"{m.month:%Y-%m}", m.bookings] for m in months]


def _ratings_csv(counts: dict[int, int] | None) -> tuple[list[str], list[list[object]]]:
    if counts is None:
        abort(404)
    return [_("Score"), _("Ratings")], [[score, n] for score, n in counts.items()]
