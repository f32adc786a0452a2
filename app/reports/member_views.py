"""The members' figures page (双报到, 双结对, 双领办): per district, street or community and year, with its CSV."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.downloads import csv_response
from app.organisations.areas import Area, AreaTree, area_tree, areas_user_may_read, may_read_area
from app.organisations.labels import KIND_LABELS
from app.reports import bp
from app.reports.member_figures import FIGURE_NAMES, AreaFigures, area_figures
from app.years import chosen_year, offered_years

FIGURE_LABELS = {
    "units_registered": _l("Units registered"),
    "members_registered": _l("Members registered"),
    "party_members_registered": _l("of them party members"),
    "registrations_pending": _l("Registrations waiting"),
    "agreements_signed": _l("Agreements signed"),
    "agreement_items": _l("Agreement items"),
    "agreement_items_done": _l("Agreement items done"),
    "committee_members": _l("Cross-appointed committee members"),
    "help_pairs": _l("Help pairs"),
    "service_items": _l("Service items published"),
    "service_claims": _l("Service items claimed"),
    "service_completed": _l("Service items completed"),
    "service_hours": _l("Service hours"),
    "support_claimed": _l("Support items claimed from units"),
}


def _chosen_area(tree: AreaTree, tops: list[Area]) -> Area:
    code = request.args.get("area")
    if not code:
        return tops[0]
    area = tree.by_code.get(code)
    if area is None:
        abort(404)
    if not may_read_area(current_user, tree, area):
        abort(403)
    return area


def _csv(area: Area, year: int, total: AreaFigures, rows: list[AreaFigures]) -> Response:
    lines = [[f.area.code, f.area.name, f.area.kind, *(getattr(f, n) for n in FIGURE_NAMES)] for f in [*rows, total]]
    return csv_response(["code", "name", "kind", *FIGURE_NAMES], lines, f"linli-figures-{area.code}-{year}.csv")


@bp.route("/members")
@login_required
def members() -> str | Response:
    """Administrators see every area; a district's, street's or community's managers see theirs."""
    tree = area_tree()
    tops = areas_user_may_read(current_user, tree)
    if not tops:
        abort(403)
    area = _chosen_area(tree, tops)
    year = chosen_year(request.args.get("year"))
    total, rows = area_figures(tree, area, year)
    if request.args.get("format") == "csv":
        return _csv(area, year, total, rows)
    readable = {a.id for a in tops}
    trail = [a for a in tree.trail(area) if any(t.id in readable for t in tree.trail(a))]
    return render_template(
        "reports/members.html",
        area=area,
        year=year,
        years=offered_years(),
        tops=tops,
        trail=trail,
        total=total,
        rows=rows,
        names=FIGURE_NAMES,
        labels=FIGURE_LABELS,
        kind_labels=KIND_LABELS,
        has_children=bool(tree.children(area)),
        csv_link=url_for("reports.members", area=area.code, year=year, format="csv"),
    )
