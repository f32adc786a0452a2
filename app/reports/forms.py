"""The figures page's filter: whose figures, and which days (read from the query string)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional


class FiguresForm(FlaskForm):
    """A filter changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    scope = SelectField(_l("Figures of"), choices=[], default="", validate_choice=False)
    first = DateField(_l("From"), validators=[Optional()])
    last = DateField(
        _l("To"),
        validators=[Optional()],
        description=_l(
            "Leave both days empty for the last 12 full weeks (hours and units) and the last 12 full"
            " months (months and ratings); at most 366 days."
        ),
    )
