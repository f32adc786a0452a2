"""Admin forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import BooleanField, HiddenField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.forms import choices


class UserFlagsForm(FlaskForm):
    is_admin = BooleanField(_l("Administrator"))
    active = BooleanField(_l("Account active"))
    submit = SubmitField(_l("Save"))


# --- the workday calendar ----------------------------------------------------

CALENDAR_MAX_BYTES = 1024 * 1024


class CalendarDayForm(FlaskForm):
    """An administrator's word on one day: a workday or a rest day, with its name."""

    kind = RadioField(
        _l("This day is"),
        choices=choices([("workday", _l("A workday")), ("rest", _l("A rest day"))]),
        validators=[InputRequired(_l("Choose workday or rest day."))],
    )
    name = StringField(
        _l("Name"),
        validators=[Optional(), Length(max=100)],
        description=_l("For example 国庆节 or 国庆节调休; may be left blank."),
    )
    submit = SubmitField(_l("Save the override"))


class ClearCalendarDayForm(FlaskForm):
    remove = SubmitField(_l("Remove the override"))


class CalendarImportForm(FlaskForm):
    file = FileField(
        _l("Calendar file (.ics or .csv)"),
        validators=[
            FileRequired(_l("Choose the .ics or .csv file to import.")),
            FileAllowed(["ics", "csv"], _l("Choose an .ics calendar or a .csv file.")),
            FileSize(CALENDAR_MAX_BYTES, message=_l("The file is larger than 1 MB.")),
        ],
        description=_l(
            "An .ics calendar in the holiday-cn style, or a CSV file with the columns date, workday and name."
        ),
        render_kw={"accept": ".ics,.csv,text/calendar,text/csv"},
    )
    submit = SubmitField(_l("Check the file"))


class ConfirmCalendarImportForm(FlaskForm):
    """Carries the checked days, signed, from the preview back to the server (posted URL-encoded)."""

    payload = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Import these days"))
