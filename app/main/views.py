"""Home, language switch and /healthz."""

from __future__ import annotations

from flask import jsonify, redirect, render_template, session, url_for
from flask_login import current_user
from sqlalchemy import text
from werkzeug.wrappers import Response

from app.accounts.services import set_locale
from app.db import transaction, utcnow
from app.extensions import db
from app.main import bp
from app.main.forms import LanguageForm
from app.urls import safe_local_path


@bp.route("/")
def index() -> str:
    return render_template("main/index.html")


@bp.route("/language", methods=["POST"])
def switch_language() -> Response:
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            with transaction(db.session):
                set_locale(current_user, form.locale.data)
    return redirect(safe_local_path(form.next.data, url_for("main.index")))


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception:  # noqa: BLE001 - any failure means the database does not answer
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    # The scheduler's health is reported, not judged: the web app answers whether or not it runs.
    return jsonify(status="ok", database="ok", scheduler=_scheduler_health()), 200


def _scheduler_health() -> dict[str, object]:
    from app.scheduler.health import scheduler_health

    try:
        report = scheduler_health(now=utcnow()).as_json()
    except Exception:  # noqa: BLE001 - e.g. its tables not migrated yet: the app itself is healthy
        report = {"status": "unknown"}
    db.session.rollback()
    return report
