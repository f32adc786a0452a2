"""Forms of the booking page, the approval queue, the console and a closure's bookings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import choices

REASON_MAX = 300


class CancelForm(FlaskForm):
    """The booker's reason is optional; a manager's is required (the view checks which)."""

    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=REASON_MAX)])
    next = HiddenField()


class ApproveForm(FlaskForm):
    next = HiddenField()


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(message=_l("Give a reason: the booker reads it.")), Length(max=REASON_MAX)],
    )
    next = HiddenField()


class CancelAffectedForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason the bookers are told"),
        validators=[DataRequired(message=_l("Give a reason: the bookers read it.")), Length(max=REASON_MAX)],
    )


class ConsoleFilterForm(FlaskForm):
    """Read from the query string: a filter changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    resource = SelectField(_l("Resource"), choices=[], default="")
    day = DateField(_l("Day"), validators=[Optional()])
    view = SelectField(_l("Show"), choices=choices([("day", _l("One day")), ("week", _l("The week"))]), default="day")
    status = SelectField(_l("Status"), choices=[], default="holding")
