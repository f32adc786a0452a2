"""The manager's resource form; the rules live in app.domain.resources."""

from __future__ import annotations

from datetime import time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.directory.labels import KIND_LABELS
from app.domain.resources import DEFAULT_TIMEZONE
from app.forms import choices


def _minutes(label: object, default: int, description: object = None) -> IntegerField:
    return IntegerField(
        label,
        default=default,
        validators=[InputRequired(), NumberRange(min=0, max=44640)],
        description=description,
        render_kw={"inputmode": "numeric"},
    )


class ResourceForm(FlaskForm):
    owner = SelectField(_l("Owner"), choices=[], validate_choice=False)
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=64)],
        description=_l("A stable identifier for posters and files, e.g. LZ-DB-01-P1."),
    )
    name = StringField(_l("Name of the place"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS.items()))
    capacity = IntegerField(
        _l("Capacity"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=100000)],
        description=_l("How many can be booked at once: spaces, courts, seats, rooms."),
        render_kw={"inputmode": "numeric"},
    )
    unit_label = StringField(
        _l("Counted in"), validators=[Optional(), Length(max=20)], description=_l("e.g. 车位, 场地, 座位, 间")
    )
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    latitude = FloatField(_l("Latitude"), validators=[Optional()], render_kw={"inputmode": "decimal"})
    longitude = FloatField(_l("Longitude"), validators=[Optional()], render_kw={"inputmode": "decimal"})
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    amenities = StringField(
        _l("Amenities"),
        validators=[Optional(), Length(max=600)],
        description=_l("Separate with commas, e.g. 灯光, 更衣室, 无障碍通道"),
    )
    timezone = StringField(_l("Time zone"), default=DEFAULT_TIMEZONE, validators=[DataRequired(), Length(max=64)])
    active = BooleanField(_l("Listed and bookable"), default=True)

    slot_minutes = _minutes(_l("Slot length (minutes)"), 30, _l("Bookings start and end on this grid."))
    min_minutes = _minutes(_l("Shortest booking (minutes)"), 30)
    max_minutes = _minutes(_l("Longest booking (minutes)"), 240)
    book_ahead_days = IntegerField(
        _l("Bookable this many days ahead"), default=14, validators=[InputRequired(), NumberRange(min=0, max=366)]
    )
    release_time = TimeField(
        _l("New days open at"),
        default=time(0, 0),
        validators=[InputRequired()],
        description=_l("Each day's slots open for booking at this time, so popular places are released fairly."),
    )
    buffer_minutes = _minutes(_l("Gap between bookings (minutes)"), 0)
    requires_approval = BooleanField(_l("Bookings need a manager's approval"))
    checkin_required = BooleanField(_l("People must check in on arrival"))
    checkin_grace_minutes = _minutes(_l("Check-in grace (minutes)"), 15)
    cancel_before_minutes = _minutes(_l("Cancel at the latest (minutes before the start)"), 60)
    submit = SubmitField(_l("Save"))


class ActiveForm(FlaskForm):
    submit = SubmitField(_l("Change"))
