"""The user's notification settings (a section of the account's settings page)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.db import transaction, utcnow
from app.extensions import db
from app.notifications import bp
from app.notifications.forms import ADMIN_ONLY, PreferencesForm, preferences_form
from app.notifications.preferences import get_preferences, save_preferences


@bp.route("/preferences", methods=["POST"])
@login_required
def preferences() -> Response:
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    before = get_preferences(user)
    form = preferences_form(user, before)
    if form.validate_on_submit():
        kinds = set(form.email_kinds.data or [])
        if not user.is_admin:
            kinds |= before.email_kinds & ADMIN_ONLY  # not shown to them: kept as it was
        with transaction(db.session):
            save_preferences(user, email_kinds=kinds, reminder_minutes=form.reminder_minutes.data or [], now=utcnow())
        flash(_("Your notification settings are saved."), "success")
    else:
        flash(_("The notification settings could not be saved: reload the page and try again."), "danger")
    return redirect(url_for("accounts.settings") + "#notifications")


def notification_section() -> dict[str, object]:
    """What the settings page's notification section shows, for the signed-in user."""
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    form: PreferencesForm = preferences_form(user, get_preferences(user), shown=True)
    return {"form": form, "email": user.email}


@bp.app_context_processor
def _section() -> dict[str, object]:
    # A function: only the settings page calls it.
    return {"notification_section": notification_section}
