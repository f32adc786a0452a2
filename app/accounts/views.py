"""Account pages: thin views over the accounts services."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from app.accounts import bp
from app.accounts.forms import ChangePasswordForm, RevokeTokenForm, SettingsForm, SignInForm, SignOutForm, SignUpForm
from app.accounts.models import ApiToken
from app.accounts.services import (
    authenticate,
    change_password,
    list_api_tokens,
    register_user,
    revoke_api_token,
    set_locale,
)
from app.accounts.throttle import signin_per_account, signin_per_address
from app.db import transaction, utcnow
from app.domain.errors import DomainError
from app.extensions import db
from app.forms import show_domain_error
from app.i18n import normalise_locale
from app.urls import safe_local_path


def _safe_next(target: str | None) -> str:
    return safe_local_path(target, url_for("main.index"))


@bp.route("/sign-up", methods=["GET", "POST"])
def sign_up() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            with transaction(db.session):
                user = register_user(
                    name=form.name.data or "",
                    login=form.login.data or "",
                    password=form.password.data or "",
                    locale=normalise_locale(session.get("locale")),
                )
        except DomainError as error:
            show_domain_error(form, error)
        else:
            login_user(user)
            flash(_("Welcome to Linli, %(name)s.", name=user.name), "success")
            return redirect(url_for("main.index"))
    return render_template("accounts/sign_up.html", form=form)


@bp.route("/sign-in", methods=["GET", "POST"])
@signin_per_account
@signin_per_address
def sign_in() -> str | Response:
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = SignInForm()
    if form.validate_on_submit():
        with transaction(db.session):
            user = authenticate(form.login.data or "", form.password.data or "", utcnow())
        if user is not None:
            login_user(user, remember=bool(form.remember.data))
            return redirect(_safe_next(request.args.get("next")))
        form.form_errors.append(_("The login or the password is not correct."))
    return render_template("accounts/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
def sign_out() -> Response:
    form = SignOutForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("You have signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> str | Response:
    form = SettingsForm(obj=current_user, locale=current_user.locale or "")
    if form.validate_on_submit():
        with transaction(db.session):
            current_user.name = (form.name.data or "").strip()
            set_locale(current_user, form.locale.data or None)
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("accounts.settings"))
    return render_template("accounts/settings.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            with transaction(db.session):
                change_password(current_user, form.current_password.data or "", form.new_password.data or "")
        except DomainError as error:
            show_domain_error(form, error)
        else:
            # The session version moved on: sign this device in again under it;
            # every other device and remember-me cookie is now signed out.
            login_user(current_user._get_current_object(), remember=False)
            flash(_("Your password is changed; other devices have been signed out."), "success")
            return redirect(url_for("accounts.settings"))
    return render_template("accounts/password.html", form=form)


@bp.route("/tokens")
@login_required
def tokens() -> str:
    return render_template(
        "accounts/tokens.html", tokens=list_api_tokens(current_user), form=RevokeTokenForm(), now=utcnow()
    )


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int) -> Response:
    form = RevokeTokenForm()
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if form.validate_on_submit():
        with transaction(db.session):
            revoke_api_token(token, now=utcnow())
        flash(_("The token is revoked."), "success")
    return redirect(url_for("accounts.tokens"))
