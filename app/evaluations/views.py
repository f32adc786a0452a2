"""Evaluation pages: the organisation department's rounds, a manager's evaluations to give and the pair's
page (the form beside the system's figures, or the result), and the appraisal report with its downloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.accounts.auth import admin_required
from app.accounts.models import User
from app.accounts.services import get_user_by_code
from app.db import transaction, utcnow
from app.domain.errors import DomainError
from app.domain.evaluations import (
    EVALUATION_SHARE,
    FIGURES_SHARE,
    PAIRINGS,
    SCORE_MAX,
    SCORE_MIN,
    DimensionInput,
    EvaluationKind,
    RoundStatus,
    SubjectKind,
    check_dimensions,
)
from app.domain.organisations import RegistrationKind
from app.domain.resources import DEFAULT_TIMEZONE
from app.downloads import csv_response
from app.evaluations import bp
from app.evaluations.figures import figures_for, pair_bookings, year_span
from app.evaluations.forms import (
    KIND_LABELS,
    KIND_SHORT_LABELS,
    ROUND_STATUS_LABELS,
    SCORE_LABELS,
    ActionForm,
    RoundForm,
    default_round_form,
    evaluation_form,
    fill_dimensions,
    score_field_name,
)
from app.evaluations.models import EvaluationRound
from app.evaluations.report import (
    COLUMNS,
    SIDE_LABELS,
    SIDES,
    build_report,
    csv_table,
    list_places,
    list_report_rounds,
    report_scope,
    rows_as_xlsx,
    select_rows,
    sort_rows,
)
from app.evaluations.services import (
    Subject,
    close_round,
    count_evaluations,
    create_round,
    get_evaluation,
    get_round,
    get_round_locked,
    is_registered_pair,
    is_subject_side,
    list_given_in_locked,
    list_managed,
    list_open_rounds,
    list_pairs,
    list_received,
    list_rounds,
    may_evaluate,
    may_see_pair,
    open_round,
    submit_evaluation,
    update_round,
)
from app.extensions import db
from app.messages import message_for
from app.organisations.models import Organisation, Registration
from app.organisations.services import get_organisation

ZONE = ZoneInfo(DEFAULT_TIMEZONE)
# How the pair's page answers each refusal of an evaluation.
REFUSAL_STATUS = {
    "round_locked": 409,
    "round_not_open": 409,
    "kind_not_in_round": 404,
    "forbidden": 403,
    "not_registered": 403,
}


# Codes whose shared words speak of another feature (not_registered is claiming's too): ours instead.
OWN_WORDS = {"not_registered": "evaluation_not_registered"}


def _words(code: str) -> str:
    return message_for(OWN_WORDS.get(code, code))


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _chinese() -> bool:
    return str(get_locale()).startswith("zh")


@bp.app_context_processor
def _evaluation_labels() -> dict[str, object]:
    return {
        "evaluation_kind_labels": KIND_SHORT_LABELS,
        "round_status_labels": ROUND_STATUS_LABELS,
    }


def _round_or_404(round_id: int) -> EvaluationRound:
    evaluation_round = get_round(round_id)
    if evaluation_round is None:
        abort(404)
    return evaluation_round


# --- the organisation department: rounds --------------------------------------------------------


@bp.route("/rounds")
@admin_required
def rounds() -> str:
    now = utcnow()
    listed = list_rounds()
    return render_template(
        "evaluations/rounds.html",
        rounds=listed,
        states={r.id: r.state(now) for r in listed},
        counts={r.id: sum(count_evaluations(r).values()) for r in listed},
    )


def _dimension_inputs(form: RoundForm) -> list[DimensionInput]:
    return [
        DimensionInput(
            key=entry.form.key.data or "",
            label_zh=entry.form.label_zh.data or "",
            label_en=entry.form.label_en.data or "",
            weight=entry.form.weight.data or "",
        )
        for entry in form.dimensions
    ]


def _show_round_error(form: RoundForm, error: DomainError) -> None:
    field = error.field or ""
    message = message_for(error.code)
    if field.startswith("dimensions-"):
        _, index, name = field.split("-", 2)
        entry = form.dimensions.entries[int(index)]
        target = getattr(entry.form, name, None)
        if target is not None:
            target.errors = [*target.errors, message]
            return
    if field in ("year", "title", "kinds", "deadline"):
        target = getattr(form, field)
        target.errors = [*target.errors, message] if isinstance(target.errors, list) else [message]
        return
    form.form_errors.append(message)


def _deadline(form: RoundForm) -> datetime | None:
    value = form.deadline.data
    return value.replace(tzinfo=ZONE) if value is not None else None


def _save_round(form: RoundForm, evaluation_round: EvaluationRound | None) -> EvaluationRound | None:
    """Check and save the round from its form; None (with the errors on the form) when refused."""
    if not form.validate_on_submit():
        return None
    now = utcnow()
    deadline = _deadline(form)
    assert deadline is not None and form.year.data is not None
    try:
        dimensions = check_dimensions(_dimension_inputs(form))
        with transaction(db.session, write_lock=True):
            fields: dict[str, Any] = {
                "year": form.year.data,
                "title": form.title.data or "",
                "kinds": form.kinds.data or [],
                "dimensions": dimensions,
                "deadline": deadline,
                "actor": _user(),
                "now": now,
            }
            if evaluation_round is None:
                return create_round(**fields)
            locked = get_round_locked(evaluation_round.id)
            assert locked is not None
            return update_round(locked, **fields)
    except DomainError as error:
        _show_round_error(form, error)
        return None


@bp.route("/rounds/new", methods=["GET", "POST"])
@admin_required
def new_round() -> str | Response | tuple[str, int]:
    """Prepare a round: year, who evaluates whom, the dimensions (the article's five by default) and
    the deadline. It is saved as a draft, to be opened from its page."""
    form = RoundForm() if request.method == "POST" else default_round_form(utcnow().astimezone(ZONE).year)
    if request.method == "POST":
        saved = _save_round(form, None)
        if saved is not None:
            flash(_("The round is saved as a draft. Open it when it is ready."), "success")
            return redirect(url_for("evaluations.round_page", round_id=saved.id))
    status = 400 if request.method == "POST" else 200
    return render_template("evaluations/round_form.html", form=form, evaluation_round=None), status


@bp.route("/rounds/<int:round_id>", methods=["GET", "POST"])
@admin_required
def round_page(round_id: int) -> str | Response | tuple[str, int]:
    """A round: its state, its dimensions, how many evaluations it has; edited while a draft."""
    evaluation_round = _round_or_404(round_id)
    now = utcnow()
    state = evaluation_round.state(now)
    form = None
    status = 200
    if state is RoundStatus.DRAFT:
        if request.method == "POST":
            form = RoundForm()
            saved = _save_round(form, evaluation_round)
            if saved is not None:
                flash(_("The round is saved."), "success")
                return redirect(url_for("evaluations.round_page", round_id=round_id))
            status = 400
        else:
            form = RoundForm(
                formdata=None,
                year=evaluation_round.year,
                title=evaluation_round.title,
                kinds=[k.value for k in evaluation_round.kind_list],
                deadline=evaluation_round.deadline.astimezone(ZONE).replace(tzinfo=None),
            )
            fill_dimensions(form, evaluation_round.dimension_list)
    elif request.method == "POST":
        flash(message_for("round_locked" if state is RoundStatus.LOCKED else "round_not_draft"), "danger")
        status = 409
    return (
        render_template(
            "evaluations/round.html",
            evaluation_round=evaluation_round,
            state=state,
            form=form,
            action_form=ActionForm(formdata=None),
            counts=count_evaluations(evaluation_round),
            kind_labels=KIND_LABELS,
            chinese=_chinese(),
        ),
        status,
    )


def _round_action(round_id: int, act: Any, done: str) -> Response | tuple[str, int]:
    _round_or_404(round_id)
    if not ActionForm().validate_on_submit():
        flash(message_for("csrf_failed"), "danger")
        return redirect(url_for("evaluations.round_page", round_id=round_id))
    try:
        with transaction(db.session, write_lock=True):
            locked = get_round_locked(round_id)
            assert locked is not None
            act(locked, actor=_user(), now=utcnow())
    except DomainError as error:
        flash(message_for(error.code), "danger")
    else:
        flash(done, "success")
    return redirect(url_for("evaluations.round_page", round_id=round_id))


@bp.route("/rounds/<int:round_id>/open", methods=["POST"])
@admin_required
def open_round_view(round_id: int) -> Response | tuple[str, int]:
    return _round_action(round_id, open_round, _("The round is open: managers can now give their evaluations."))


@bp.route("/rounds/<int:round_id>/close", methods=["POST"])
@admin_required
def close_round_view(round_id: int) -> Response | tuple[str, int]:
    return _round_action(round_id, close_round, _("The round is locked: its evaluations are final."))


# --- managers: evaluations to give, and those received -------------------------------------------


@bp.route("/")
@login_required
def mine() -> str:
    """The evaluations a manager's organisations have to give in the open rounds, and the results of
    locked rounds of their organisations (or of themselves, as a member)."""
    user = _user()
    now = utcnow()
    managed = list_managed(user)
    open_rounds = [(r, list_pairs(r, managed)) for r in list_open_rounds(now)] if managed else []
    return render_template(
        "evaluations/mine.html",
        open_rounds=[(r, pairs) for r, pairs in open_rounds if pairs],
        received=list_received(user),
        given=list_given_in_locked(user),
        managed=managed,
        reads_report=report_scope(user).any,
    )


def _subject_or_404(kind: EvaluationKind, code: str) -> Subject:
    if PAIRINGS[kind].subject is SubjectKind.MEMBER:
        person = get_user_by_code(code)
        if person is None:
            abort(404)
        return person
    org = get_organisation(code)
    if org is None:
        abort(404)
    return org


def _pair_url(
    evaluation_round: EvaluationRound, kind: EvaluationKind, evaluator: Organisation, subject: Subject
) -> str:
    return url_for(
        "evaluations.pair",
        round_id=evaluation_round.id,
        evaluation_kind=kind.value,
        evaluator=evaluator.code,
        subject=subject.code,
    )


def _pair_figures(
    evaluation_round: EvaluationRound, kind: EvaluationKind, evaluator: Organisation, subject: Subject
) -> dict[str, Any]:
    now = utcnow()
    orgs = [(evaluator.id, evaluator.kind)]
    if isinstance(subject, Organisation):
        orgs.append((subject.id, subject.kind))
    figures = figures_for(orgs, evaluation_round.year, now=now)
    between = None
    if kind is not EvaluationKind.COMMUNITY_MEMBER:
        community, unit = (evaluator, subject) if kind is EvaluationKind.COMMUNITY_UNIT else (subject, evaluator)
        since, end = year_span(evaluation_round.year)
        between = pair_bookings(community.id, unit.id, since, min(end, now)) if since < now else 0
    registration = None
    if isinstance(subject, User):
        # The member's residence here (民主评议 is of the community's registered party members).
        registration = db.session.scalar(
            select(Registration)
            .where(
                Registration.community_id == evaluator.id,
                Registration.user_id == subject.id,
                Registration.kind == RegistrationKind.RESIDENT.value,
            )
            .order_by(Registration.id.desc())
            .limit(1)
        )
    return {
        "evaluator_figures": figures.get(evaluator.id),
        "subject_figures": figures.get(subject.id) if isinstance(subject, Organisation) else None,
        "pair_bookings": between,
        "registration": registration,
    }


@bp.route("/rounds/<int:round_id>/<evaluation_kind>/<evaluator>/<subject>", methods=["GET", "POST"])
@login_required
def pair(round_id: int, evaluation_kind: str, evaluator: str, subject: str) -> str | Response | tuple[str, int]:
    """One pair's evaluation: the evaluator's managers give it while the round is open (the form beside
    the system's figures for the pair); the pair and administrators read it. Nobody else learns of it."""
    evaluation_round = _round_or_404(round_id)
    try:
        kind = EvaluationKind(evaluation_kind)
    except ValueError:
        abort(404)
    if kind not in evaluation_round.kind_list:
        abort(404)
    evaluator_org = get_organisation(evaluator)
    if evaluator_org is None:
        abort(404)
    subject_obj = _subject_or_404(kind, subject)
    user = _user()
    if not may_see_pair(user, evaluator_org, subject_obj):
        abort(404)
    now = utcnow()
    state = evaluation_round.state(now)
    evaluation = get_evaluation(evaluation_round, evaluator_org, subject_obj)
    evaluating = may_evaluate(user, evaluator_org)
    registered = is_registered_pair(kind, evaluator_org, subject_obj)
    if evaluation is None and not registered:
        if not evaluating:
            abort(404)
        return _refused(evaluation_round, kind, evaluator_org, subject_obj, "not_registered")
    dimensions = evaluation_round.dimension_list
    form = None
    status = 200
    if evaluating and state is RoundStatus.OPEN:
        initial = {score_field_name(k): str(v) for k, v in (evaluation.scores if evaluation else {}).items()}
        form = evaluation_form(
            dimensions,
            chinese=_chinese(),
            data={**initial, "comment": evaluation.comment if evaluation else ""},
        )
    if request.method == "POST":
        if form is None:
            if not evaluating:
                abort(403)
            code = "round_locked" if state is RoundStatus.LOCKED else "round_not_open"
            return _refused(evaluation_round, kind, evaluator_org, subject_obj, code)
        form = evaluation_form(dimensions, chinese=_chinese())
        if form.validate_on_submit():
            scores = {d.key: getattr(form, score_field_name(d.key)).data for d in dimensions}
            try:
                with transaction(db.session, write_lock=True):
                    locked = get_round_locked(round_id)
                    assert locked is not None
                    submit_evaluation(
                        locked,
                        kind,
                        evaluator_org,
                        subject_obj,
                        {k: v for k, v in scores.items() if v not in (None, "", "None")},
                        form.comment.data or "",
                        actor=user,
                        now=utcnow(),
                    )
            except DomainError as error:
                if error.code in REFUSAL_STATUS:
                    if REFUSAL_STATUS[error.code] == 404:
                        abort(404)
                    return _refused(evaluation_round, kind, evaluator_org, subject_obj, error.code)
                _show_score_error(form, error)
                status = 422
            else:
                flash(_("Your evaluation is saved. You may change it until the deadline."), "success")
                return redirect(_pair_url(evaluation_round, kind, evaluator_org, subject_obj))
        elif form.errors.get("csrf_token"):
            form.form_errors.append(message_for("csrf_failed"))
            status = 400
        else:
            status = 422
    # The evaluated side reads the result once the round is locked (it is final then).
    shows_result = user.is_admin or evaluating or (state is RoundStatus.LOCKED and is_subject_side(user, subject_obj))
    return (
        render_template(
            "evaluations/pair.html",
            evaluation_round=evaluation_round,
            state=state,
            kind=kind,
            evaluator=evaluator_org,
            subject=subject_obj,
            subject_is_member=isinstance(subject_obj, User),
            evaluation=evaluation,
            shows_result=shows_result,
            form=form,
            dimensions=dimensions,
            chinese=_chinese(),
            score_field_name=score_field_name,
            score_labels=SCORE_LABELS,
            score_range=range(SCORE_MIN, SCORE_MAX + 1),
            **_pair_figures(evaluation_round, kind, evaluator_org, subject_obj),
        ),
        status,
    )


def _show_score_error(form: Any, error: DomainError) -> None:
    field = error.field or ""
    message = message_for(error.code)
    if field.startswith("scores."):
        target = getattr(form, score_field_name(field.removeprefix("scores.")), None)
        if target is not None:
            target.errors = [*target.errors, message]
            return
    if field == "comment":
        form.comment.errors = [*form.comment.errors, message]
        return
    form.form_errors.append(message)


def _refused(
    evaluation_round: EvaluationRound, kind: EvaluationKind, evaluator: Organisation, subject: Subject, code: str
) -> tuple[str, int]:
    return (
        render_template(
            "evaluations/refused.html",
            evaluation_round=evaluation_round,
            kind=kind,
            evaluator=evaluator,
            subject=subject,
            message=_words(code),
        ),
        REFUSAL_STATUS.get(code, 403),
    )


# --- the appraisal report ------------------------------------------------------------------------


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


def _report_request() -> dict[str, Any]:
    """What the report's query asks, checked: the round, the side, the filters within the reader's
    scope, the sort. Refuses readers without a scope (403)."""
    scope = report_scope(_user())
    if not scope.any:
        abort(403)
    rounds = list_report_rounds()
    wanted = _int_arg("round")
    chosen = next((r for r in rounds if r.id == wanted), rounds[0] if rounds and wanted is None else None)
    if wanted is not None and chosen is None:
        abort(404)
    sides = [s for s in SIDE_LABELS if chosen is not None and _side_covered(chosen, s)]
    side = request.args.get("side", "")
    side = side if side in sides else (sides[0] if sides else "units")
    districts, streets = list_places()
    if not scope.everything:
        streets = [s for s in streets if s[0] in scope.streets or s[1] in scope.districts]
        districts = [d for d in districts if d[0] in scope.districts or d[0] in {s[1] for s in streets}]
    district = _int_arg("district")
    district = district if district in {d[0] for d in districts} else None
    street = _int_arg("street")
    street = street if street in {s[0] for s in streets} else None
    sort = request.args.get("sort", "rank")
    sort = sort if sort in {c.key for c in COLUMNS} else "rank"
    direction = request.args.get("dir", "")
    descending = (
        direction == "desc"
        if direction in ("asc", "desc")
        else sort not in ("rank", "code", "name", "district", "street")
    )
    return {
        "scope": scope,
        "rounds": rounds,
        "chosen": chosen,
        "sides": sides,
        "side": side,
        "districts": districts,
        "streets": streets,
        "district": district,
        "street": street,
        "sort": sort,
        "descending": descending,
    }


def _side_covered(evaluation_round: EvaluationRound, side: str) -> bool:
    return SIDES[side][1] in evaluation_round.kind_list


def _report_rows(asked: dict[str, Any]) -> list[Any]:
    chosen = asked["chosen"]
    if chosen is None or not asked["sides"]:
        return []
    report = build_report(chosen, now=utcnow(), sides=[asked["side"]])
    rows = select_rows(
        report.sides.get(asked["side"], []), asked["scope"], district=asked["district"], street=asked["street"]
    )
    return sort_rows(rows, asked["sort"], descending=asked["descending"])


@bp.route("/report")
@login_required
def report() -> str:
    """The appraisal report: a row per unit (or community), its evaluations received, the system's
    figures, the combined score and its rank; sortable, filtered by district and street, printable."""
    asked = _report_request()
    rows = _report_rows(asked)
    return render_template(
        "evaluations/report.html",
        rows=rows,
        columns=COLUMNS,
        side_labels=SIDE_LABELS,
        evaluation_share=round(EVALUATION_SHARE * 100),
        figures_share=round(FIGURES_SHARE * 100),
        **asked,
    )


def _download_name(asked: dict[str, Any], extension: str) -> str:
    chosen = asked["chosen"]
    year = chosen.year if chosen is not None else "none"
    return f"linli-appraisal-{year}-{asked['side']}.{extension}"


@bp.route("/report.csv")
@login_required
def report_csv() -> Response:
    asked = _report_request()
    header, lines = csv_table(_report_rows(asked))
    return csv_response(header, lines, _download_name(asked, "csv"))


@bp.route("/report.xlsx")
@login_required
def report_xlsx() -> Response:
    asked = _report_request()
    chosen = asked["chosen"]
    title = f"{chosen.year} {SIDE_LABELS[asked['side']]}" if chosen is not None else "report"
    return Response(
        rows_as_xlsx(_report_rows(asked), title=title),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f"attachment; filename={_download_name(asked, 'xlsx')}",
            "Cache-Control": "private, no-store",
        },
    )
