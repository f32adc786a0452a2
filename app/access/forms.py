"""Managers' forms for access windows and closures; the rules live in app.domain.windows."""

from __future__ import annotations

from datetime import datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.access.models import Window, clock
from app.access.wording import AUDIENCE_CHOICES, AUDIENCE_HELP, weekday_name
from app.domain.errors import DomainError
from app.domain.windows import WEEKDAYS, AccessWindow, Audience, DayRule, Days, parse_clock, parse_days
from app.forms import choices

DAY_CHOICES = [
    (DayRule.ALL.value, _l("Every day")),
    (DayRule.WORKDAY.value, _l("Working days (the official calendar, make-up workdays included)")),
    (DayRule.RESTDAY.value, _l("Rest days (weekends and public holidays)")),
    (DayRule.WEEKDAYS.value, _l("Chosen days of the week")),
]
APPROVAL_CHOICES = [
    ("policy", _l("As the resource's booking rules say")),
    ("always", _l("Always: a manager approves each booking")),
    ("never", _l("Never: bookings are confirmed at once")),
]
APPROVAL_VALUES: dict[str, bool | None] = {"policy": None, "always": True, "never": False}
MAX_PRICE_YUAN = 100000
MAX_WEEKLY_HOURS = 168

# Domain errors name the window's fields; the form calls some of them differently.
WINDOW_FIELDS = {"max_minutes_per_week": "weekly_hours", "days": "weekdays"}
CLOSURE_FIELDS = {"start": "start_date", "end": "end_date"}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WindowForm(FlaskForm):
    audience = SelectField(_l("Who may book"), choices=choices(AUDIENCE_CHOICES.items()), description=AUDIENCE_HELP)
    days = RadioField(_l("On which days"), choices=choices(DAY_CHOICES), default=DayRule.WORKDAY.value)
    weekdays = MultiCheckboxField(_l("Days of the week"), choices=[], validate_choice=True)
    start = StringField(
        _l("From"),
        default="08:00",
        validators=[DataRequired()],
        description=_l("Local time as HH:MM, e.g. 08:30."),
        render_kw={"autocomplete": "off", "placeholder": "08:30"},
    )
    end = StringField(
        _l("Until"),
        default="18:00",
        validators=[DataRequired()],
        description=_l("HH:MM, later than the start; 24:00 is midnight at the end of the day."),
        render_kw={"autocomplete": "off", "placeholder": "17:30"},
    )
    price = DecimalField(
        _l("Price in yuan per hour"),
        default=Decimal(0),
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=MAX_PRICE_YUAN)],
        description=_l("0 means free."),
        render_kw={"inputmode": "decimal"},
    )
    max_quantity = IntegerField(
        _l("At most per booking"),
        validators=[Optional(), NumberRange(min=1)],
        description=_l("How many of the resource's units one booking may take; leave empty for up to the capacity."),
        render_kw={"inputmode": "numeric"},
    )
    weekly_hours = DecimalField(
        _l("Weekly quota in hours per booker"),
        places=2,
        validators=[Optional(), NumberRange(min=Decimal("0.01"), max=MAX_WEEKLY_HOURS)],
        description=_l(
            "Leave empty for no limit. A unit's quota is shared by all its staff: "
            "together they book at most this much a week."
        ),
        render_kw={"inputmode": "decimal"},
    )
    approval = SelectField(_l("Approval"), choices=choices(APPROVAL_CHOICES), default="policy")
    submit = SubmitField(_l("Add the window"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Day names come from the request's locale, so they are set per form.
        self.weekdays.choices = [(WEEKDAYS[n], weekday_name(n, short=False)) for n in range(7)]

    def fill_from(self, row: Window) -> None:
        days = row.day_rule
        self.audience.data = row.audience
        self.days.data = days.rule.value
        self.weekdays.data = [WEEKDAYS[n] for n in sorted(days.weekdays)]
        self.start.data, self.end.data = clock(row.start_minute), clock(row.end_minute)
        self.price.data = Decimal(row.price) / 100
        self.max_quantity.data = row.max_quantity
        self.weekly_hours.data = (
            None if row.max_minutes_per_week is None else (Decimal(row.max_minutes_per_week) / 60).normalize()
        )
        self.approval.data = next(k for k, v in APPROVAL_VALUES.items() if v is row.requires_approval)

    def to_window(self) -> AccessWindow:
        """The domain window; raises DomainError naming the field at fault."""
        rule = DayRule(self.days.data)
        if rule is DayRule.WEEKDAYS and not self.weekdays.data:
            raise DomainError("no_weekdays_chosen", field="weekdays")
        days = parse_days(list(self.weekdays.data)) if rule is DayRule.WEEKDAYS else Days(rule)
        start = parse_clock((self.start.data or "").strip(), field="start")
        end = parse_clock((self.end.data or "").strip(), field="end")
        price = Decimal(self.price.data or 0) * 100
        if price != price.to_integral_value():
            raise DomainError("price_in_fen", field="price")
        hours = self.weekly_hours.data
        minutes = None if hours is None else int((Decimal(hours) * 60).quantize(Decimal(1), ROUND_HALF_UP))
        return AccessWindow(
            audience=Audience(self.audience.data),
            days=days,
            start=start,
            end=end,
            price=int(price),
            max_quantity=self.max_quantity.data,
            max_minutes_per_week=minutes,
            requires_approval=APPROVAL_VALUES[self.approval.data or "policy"],
        )


class TemplateForm(FlaskForm):
    """One click adds a template's windows; the button carries the template's name."""


class DeleteForm(FlaskForm):
    """A delete button: CSRF only."""


class ClosureForm(FlaskForm):
    start_date = DateField(_l("From (date)"), validators=[InputRequired()])
    start_time = TimeField(_l("From (time)"), default=time(0, 0), validators=[InputRequired()])
    end_date = DateField(_l("Until (date)"), validators=[InputRequired()])
    end_time = TimeField(
        _l("Until (time)"),
        default=time(0, 0),
        validators=[InputRequired()],
        description=_l("To close whole days, end at 00:00 on the day after the last one."),
    )
    reason = StringField(
        _l("Reason for closing"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("People see it on the resource's page, e.g. 场地维修 or 社区活动."),
    )
    submit = SubmitField(_l("Close for this time"))

    def span(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes, from wall-clock times in the given zone."""
        assert self.start_date.data and self.start_time.data and self.end_date.data and self.end_time.data
        start = datetime.combine(self.start_date.data, self.start_time.data, tzinfo=zone)
        end = datetime.combine(self.end_date.data, self.end_time.data, tzinfo=zone)
        return start, end
