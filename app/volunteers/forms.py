"""Forms of the volunteer pages: select a member as five-good volunteer, or withdraw the selection."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

MAX_NOTE_LENGTH = 500


class SelectForm(FlaskForm):
    user = IntegerField(_l("Member"), validators=[DataRequired()])
    year = IntegerField(_l("Year"), validators=[DataRequired()])
    note = StringField(_l("Why (optional)"), validators=[Length(max=MAX_NOTE_LENGTH)])
    submit = SubmitField(_l("Select as five-good volunteer"))


class WithdrawForm(FlaskForm):
    user = IntegerField(_l("Member"), validators=[DataRequired()])
    year = IntegerField(_l("Year"), validators=[DataRequired()])
    confirm = HiddenField(default="1")
    submit = SubmitField(_l("Withdraw the selection"))
