"""Dashboard figures and the user list."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from app.accounts.auth import admin_required
from app.accounts.models import User
from app.accounts.services import get_user_by_code
from app.admin import bp
from app.admin.forms import UserFlagsForm
from app.db import transaction
from app.extensions import db
from app.organisations.models import Organisation, Registration
from app.organisations.services import list_memberships
from app.queries import contains_pattern, page_number, paginate
from app.workdays.services import days_without_official_data

PER_PAGE = 50


@bp.route("/")
@admin_required
def dashboard() -> str:
    by_kind = dict(db.session.execute(select(Organisation.kind, func.count()).group_by(Organisation.kind)).all())
    figures = {
        "users": db.session.scalar(select(func.count()).select_from(User)) or 0,
        "pending_registrations": db.session.scalar(
            select(func.count()).select_from(Registration).where(Registration.status == "pending")
        )
        or 0,
    }
    missing = days_without_official_data(datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date())
    return render_template("admin/dashboard.html", by_kind=by_kind, figures=figures, missing_calendar=missing)


@bp.route("/users")
@admin_required
def users() -> str:
    q = request.args.get("q", "").strip()[:100]
    query = select(User)
    if q:
        pattern = contains_pattern(q)
        query = query.where(
            or_(*(column.ilike(pattern, escape="\\") for column in (User.name, User.phone, User.email, User.code)))
        )
    page = paginate(db.session, query.order_by(User.id), page=page_number(request.args.get("page")), per_page=PER_PAGE)
    return render_template("admin/users.html", page=page, q=q)


@bp.route("/users/<code>", methods=["GET", "POST"])
@admin_required
def user(code: str) -> str | Response:
    person = get_user_by_code(code)
    if person is None:
        abort(404)
    form = UserFlagsForm(obj=person)
    if form.validate_on_submit():
        if person.id == current_user.id and (not form.is_admin.data or not form.active.data):
            form.is_admin.errors = [_("You cannot remove your own administrator rights or deactivate yourself.")]
        else:
            with transaction(db.session):
                person.is_admin = bool(form.is_admin.data)
                if person.active and not form.active.data:
                    person.session_version += 1  # sign a deactivated user out everywhere
                person.active = bool(form.active.data)
            flash(_("%(name)s is saved.", name=person.name), "success")
            return redirect(url_for("admin.user", code=person.code))
    return render_template("admin/user.html", person=person, form=form, memberships=list_memberships(person))
