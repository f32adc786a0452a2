"""The language switch shown on every page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SubmitField

from app.forms import choices
from app.i18n import CHINESE, ENGLISH


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=choices([(CHINESE, "简体中文"), (ENGLISH, "English")]))
    next = HiddenField()
    submit = SubmitField(_l("Switch"))
