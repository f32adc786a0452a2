"""Forms of the service item pages: publishing, claiming, withdrawing, recording completion, closing."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import DateTimeLocalField, HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.directory.media_forms import PHOTO_EXTENSIONS
from app.domain.service_items import MAX_DESCRIPTION, MAX_NOTE, MAX_PLACE, MAX_PLACES, MAX_TITLE

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


class PublishForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[], validate_choice=False)
    title = StringField(
        _l("What is needed"),
        validators=[DataRequired(_l("Enter a title.")), Length(max=MAX_TITLE)],
        description=_l("For example: 为独居老人代买药品, 周末少儿书法课, 主题党日：河道清洁."),
    )
    description = TextAreaField(
        _l("Details"),
        validators=[Optional(), Length(max=MAX_DESCRIPTION)],
        description=_l("Optional. What the people who claim it will do, and whom to ask."),
    )
    place = StringField(_l("Where"), validators=[Optional(), Length(max=MAX_PLACE)])
    start = DateTimeLocalField(_l("From"), format=LOCAL_MINUTE, validators=[DataRequired(_l("Enter when it starts."))])
    end = DateTimeLocalField(_l("To"), format=LOCAL_MINUTE, validators=[DataRequired(_l("Enter when it ends."))])
    places = IntegerField(
        _l("How many people or claims"),
        default=1,
        validators=[
            InputRequired(_l("Enter a whole number from 1 to %(max)s.", max=MAX_PLACES)),
            NumberRange(min=1, max=MAX_PLACES, message=_l("Enter a whole number from 1 to %(max)s.", max=MAX_PLACES)),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": MAX_PLACES},
    )
    submit = SubmitField(_l("Publish"))


class ClaimForm(FlaskForm):
    on_behalf_of = SelectField(_l("Claim for"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Claim"))


class WithdrawClaimForm(FlaskForm):
    submit = SubmitField(_l("Withdraw my claim"))


class ItemStatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired()])


class CompleteForm(FlaskForm):
    """One claim's completion; each claim's form has its own prefix, so every field keeps its own label."""

    hours = StringField(
        _l("Hours served"),
        description=_l("Above 0, in tenths of an hour at most, e.g. 2.5."),
        render_kw={"inputmode": "decimal"},
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Length(max=MAX_NOTE)],
        description=_l("What was done; the claimant reads it."),
    )
    photo = FileField(
        _l("Photo (optional)"),
        validators=[FileAllowed(PHOTO_EXTENSIONS, _l("Choose a JPEG, PNG or WebP photo."))],
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    submit = SubmitField(_l("Record as completed"))
