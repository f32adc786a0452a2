"""The booking form: a day and times, how many, for whom, and how it repeats."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms import choices

WEEKDAYS = [
    ("MO", _l("Mon")),
    ("TU", _l("Tue")),
    ("WE", _l("Wed")),
    ("TH", _l("Thu")),
    ("FR", _l("Fri")),
    ("SA", _l("Sat")),
    ("SU", _l("Sun")),
]
REPEATS = [
    ("none", _l("Does not repeat")),
    ("workdays", _l("Every working day (official calendar)")),
    ("daily", _l("Every day")),
    ("weekly", _l("Every week on the days below")),
]


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes, each with its own label."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BookingForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired(message=_l("Enter a date."))])
    start = TimeField(_l("From"), validators=[DataRequired(message=_l("Enter a start time."))])
    end = TimeField(_l("To"), validators=[DataRequired(message=_l("Enter an end time."))])
    quantity = IntegerField(
        _l("How many"),
        default=1,
        validators=[DataRequired(message=_l("Enter a whole number of at least 1.")), NumberRange(min=1, max=100000)],
        render_kw={"inputmode": "numeric", "min": 1},
    )
    on_behalf_of = SelectField(_l("Book for"), choices=[], default="")
    purpose = StringField(
        _l("Purpose"),
        validators=[Optional(), Length(max=300)],
        description=_l("Optional. Managers see it, for example when they approve."),
    )
    repeat = RadioField(_l("Repeat"), choices=choices(REPEATS), default="none")
    weekdays = CheckboxesField(_l("On these days"), choices=choices(WEEKDAYS), default=[])
    until = DateField(
        _l("Last day"),
        validators=[Optional()],
        description=_l("The last day of the series (at most 366 bookings)."),
    )
    on_conflict = RadioField(
        _l("When a time cannot be booked"),
        choices=choices([("skip", _l("Book the others and skip it")), ("fail", _l("Book none of them"))]),
        default="skip",
    )
    preview = SubmitField(_l("Preview the series"))
    submit = SubmitField(_l("Book"))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.start.data is not None and self.end.data is not None and self.end.data <= self.start.data:
            self.end.errors = [*self.end.errors, _l("The end must be after the start.")]
            valid = False
        if self.repeat.data != "none":
            if self.until.data is None and not self.until.errors:
                self.until.errors = [*self.until.errors, _l("Enter the last day of the series.")]
                valid = False
            elif self.day.data is not None and self.until.data is not None and self.until.data < self.day.data:
                self.until.errors = [*self.until.errors, _l("The last day must not be before the first.")]
                valid = False
        if self.repeat.data == "weekly" and not self.weekdays.data:
            self.weekdays.errors = [*self.weekdays.errors, _l("Choose at least one day of the week.")]
            valid = False
        return valid
