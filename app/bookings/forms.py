"""The "what's free for me" search: a day, a time span, how many, and the directory's filters."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TimeField
from wtforms.validators import Length, NumberRange, Optional

from app.directory.labels import KIND_LABELS
from app.forms import choices


class FindForm(FlaskForm):
    """Read from the query string: a search changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    day = DateField(_l("Date"), validators=[Optional()])
    start = TimeField(_l("From"), validators=[Optional()])
    end = TimeField(_l("To"), validators=[Optional()])
    quantity = IntegerField(
        _l("How many"),
        default=1,
        validators=[Optional(), NumberRange(min=1, max=100000, message=_l("Enter a whole number of at least 1."))],
        description=_l("Spaces, courts, seats or rooms."),
        render_kw={"inputmode": "numeric", "min": 1},
    )
    open_now = BooleanField(_l("Open to me now"))
    kind = SelectField(_l("Kind"), choices=choices([("", _l("All kinds")), *KIND_LABELS.items()]), default="")
    area = SelectField(_l("Area"), choices=[], default="")
    q = StringField(_l("Words"), validators=[Optional(), Length(max=100)], render_kw={"type": "search"})
    on_behalf_of = SelectField(_l("Book for"), choices=[], default="")

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not self.open_now.data:
            # Without "open now", the span is what is searched: all three parts are needed.
            for part, message in (
                (self.day, _l("Enter a date.")),
                (self.start, _l("Enter a start time.")),
                (self.end, _l("Enter an end time.")),
            ):
                if part.data is None and not part.errors:
                    part.errors = [*part.errors, message]
                    valid = False
        if self.start.data is not None and self.end.data is not None and self.end.data <= self.start.data:
            self.end.errors = [*self.end.errors, _l("The end must be after the start.")]
            valid = False
        return valid
