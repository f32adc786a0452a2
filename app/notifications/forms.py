"""The settings page's notification section."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, SubmitField
from wtforms.widgets import CheckboxInput, ListWidget

from app.accounts.models import User
from app.notifications.preferences import EMAIL_KINDS, REMINDER_CHOICES, Preferences

ADMIN_ONLY = frozenset({"calendar_missing"})


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes, each with its own label."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PreferencesForm(FlaskForm):
    reminder_minutes = CheckboxesField(_l("Remind me before my bookings"), choices=[], coerce=int)
    email_kinds = CheckboxesField(_l("Email me when"), choices=[])
    submit = SubmitField(_l("Save notification settings"))


def preferences_form(user: User, preferences: Preferences, *, shown: bool = False) -> PreferencesForm:
    """The form for `user`: `shown` fills it with their preferences (to draw it), otherwise it reads the
    request's (to save it)."""
    form = PreferencesForm(prefix="notify", formdata=None) if shown else PreferencesForm(prefix="notify")
    form.reminder_minutes.choices = [(m, label) for m, label in REMINDER_CHOICES.items()]
    form.email_kinds.choices = [(k, label) for k, label in EMAIL_KINDS.items() if user.is_admin or k not in ADMIN_ONLY]
    if shown:
        form.reminder_minutes.data = list(preferences.reminder_minutes)
        form.email_kinds.data = sorted(preferences.email_kinds)
    return form
