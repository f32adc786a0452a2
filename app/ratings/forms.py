"""Forms of the ratings pages: rating a booking, a manager's reply, an administrator's hiding."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField

from app.domain.ratings import MAX_COMMENT_LENGTH, MAX_HIDE_REASON_LENGTH, MAX_REPLY_LENGTH
from app.forms import choices

# Each score's words: the number and what it means, so no score is told by colour or stars alone.
SCORE_CHOICES = choices(
    [
        ("5", _l("5 – excellent")),
        ("4", _l("4 – good")),
        ("3", _l("3 – fair")),
        ("2", _l("2 – poor")),
        ("1", _l("1 – very poor")),
    ]
)


def _whole(value: object) -> object:
    """A submitted score as a number when it is one; anything else is left for the rules to refuse
    (with their message beside the field), rather than WTForms' own."""
    if isinstance(value, str) and value.isdigit() and len(value) < 3:
        return int(value)
    return value


def _score(label: object) -> RadioField:
    return RadioField(label, choices=SCORE_CHOICES, coerce=_whole, validate_choice=False)


class RatingForm(FlaskForm):
    cleanliness = _score(_l("Cleanliness"))
    equipment = _score(_l("Equipment"))
    service = _score(_l("Service"))
    comment = TextAreaField(
        _l("Comment (optional)"),
        description=_l("Others see it with your name shortened to its first character (张*)."),
        render_kw={"maxlength": MAX_COMMENT_LENGTH, "rows": 4},
    )
    submit = SubmitField(_l("Save my rating"))


class ReplyForm(FlaskForm):
    """A manager's public answer (the page draws one per rating; the view reads `reply`)."""

    reply = TextAreaField(_l("Reply"), render_kw={"maxlength": MAX_REPLY_LENGTH})


class HideForm(FlaskForm):
    reason = TextAreaField(_l("Why hide it"), render_kw={"maxlength": MAX_HIDE_REASON_LENGTH})
    next = HiddenField()


class UnhideForm(FlaskForm):
    next = HiddenField()
