"""The volunteer ranking of a community, its CSV, and its managers' five-good volunteer decisions."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.db import transaction, utcnow
from app.domain.errors import DomainError
from app.domain.organisations import OrgKind
from app.downloads import csv_response
from app.extensions import db
from app.messages import message_for
from app.organisations.areas import area_tree, may_read_area
from app.organisations.models import Organisation
from app.organisations.registrations import may_manage_community
from app.organisations.services import get_organisation
from app.volunteers import bp
from app.volunteers.forms import SelectForm, WithdrawForm
from app.volunteers.services import FIVE_GOOD, VolunteerRow, ranking, select_volunteer, withdraw_selection
from app.years import chosen_year, offered_years


def _community_for_readers(code: str) -> Organisation:
    """The community, for its managers, those of the areas above it, and administrators (403 for others)."""
    community = get_organisation(code)
    if community is None or community.kind != OrgKind.COMMUNITY.value:
        abort(404)
    tree = area_tree()
    area = tree.by_id.get(community.id)
    if area is None or not may_read_area(current_user, tree, area):
        abort(403)
    return community


def _score(evaluation: float | None) -> str:
    return "" if evaluation is None else f"{evaluation:.1f}"


def _csv(community: Organisation, year: int, rows: list[VolunteerRow]) -> Response:
    header = ["rank", "name", "party_member", "completed", "hours", "evaluation", "selected"]
    lines = [
        [r.rank, r.name, int(r.party_member), r.completed, r.hours, _score(r.evaluation), int(r.selected)] for r in rows
    ]
    return csv_response(header, lines, f"linli-volunteers-{community.code}-{year}.csv")


@bp.route("/<code>")
@login_required
def ranking_page(code: str) -> str | Response:
    community = _community_for_readers(code)
    year = chosen_year(request.args.get("year"))
    rows = ranking(community, year)
    if request.args.get("format") == "csv":
        return _csv(community, year, rows)
    may_decide = may_manage_community(current_user, community)
    return render_template(
        "volunteers/ranking.html",
        community=community,
        year=year,
        years=offered_years(),
        rows=rows,
        may_decide=may_decide,
        select_form=SelectForm(formdata=None, year=year),
        withdraw_form=WithdrawForm(formdata=None, year=year),
        honour=FIVE_GOOD,
    )


def _decide(code: str, form: SelectForm | WithdrawForm, done: str) -> Response:
    community = get_organisation(code)
    if community is None or community.kind != OrgKind.COMMUNITY.value:
        abort(404)
    if not may_manage_community(current_user, community):
        abort(403)
    year = chosen_year(request.form.get("year"))
    if not form.validate_on_submit() or form.year.data != year:
        flash(_("The request was not understood: reload the page and try again."), "danger")
        return redirect(url_for("volunteers.ranking_page", code=code, year=year))
    assert form.user.data is not None
    try:
        with transaction(db.session):
            if isinstance(form, SelectForm):
                select_volunteer(
                    community, form.user.data, year, note=form.note.data or "", actor=current_user, now=utcnow()
                )
            else:
                withdraw_selection(community, form.user.data, year, actor=current_user, now=utcnow())
    except DomainError as error:
        flash(message_for(error.code), "danger")
    else:
        flash(done, "success")
    return redirect(url_for("volunteers.ranking_page", code=code, year=year))


@bp.route("/<code>/select", methods=["POST"])
@login_required
def select(code: str) -> Response:
    return _decide(code, SelectForm(), _("The selection is recorded."))


@bp.route("/<code>/withdraw", methods=["POST"])
@login_required
def withdraw(code: str) -> Response:
    return _decide(code, WithdrawForm(), _("The selection is withdrawn."))
