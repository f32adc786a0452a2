"""Admin forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField


class UserFlagsForm(FlaskForm):
    is_admin = BooleanField(_l("Administrator"))
    active = BooleanField(_l("Account active"))
    submit = SubmitField(_l("Save"))
