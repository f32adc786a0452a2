"""Forms of the evaluation pages: a round with its dimensions, opening and closing it, and an evaluation."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.domain.evaluations import (
    DEFAULT_DIMENSIONS,
    MAX_COMMENT_LENGTH,
    MAX_DIMENSIONS,
    MAX_LABEL_LENGTH,
    MAX_TITLE_LENGTH,
    SCORE_MAX,
    SCORE_MIN,
    Dimension,
    EvaluationKind,
)
from app.forms import choices

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"
DIMENSION_ROWS = 7  # the article's five and room for two more; up to MAX_DIMENSIONS may be sent

KIND_LABELS = {
    EvaluationKind.COMMUNITY_UNIT.value: _l("Communities evaluate the units registered with them"),
    EvaluationKind.UNIT_COMMUNITY.value: _l("Units evaluate the communities they are registered with"),
    EvaluationKind.COMMUNITY_MEMBER.value: _l("Communities evaluate their registered party members (民主评议)"),
}
KIND_SHORT_LABELS = {
    EvaluationKind.COMMUNITY_UNIT.value: _l("Community evaluates unit"),
    EvaluationKind.UNIT_COMMUNITY.value: _l("Unit evaluates community"),
    EvaluationKind.COMMUNITY_MEMBER.value: _l("Community evaluates member"),
}
ROUND_STATUS_LABELS = {
    "draft": _l("Draft"),
    "open": _l("Open"),
    "locked": _l("Locked"),
}
SCORE_LABELS = {
    1: _l("Poor"),
    2: _l("Below expectations"),
    3: _l("Satisfactory"),
    4: _l("Good"),
    5: _l("Excellent"),
}


class DimensionForm(Form):
    """One row of the dimensions editor (a subform: the round's form carries the CSRF token)."""

    key = HiddenField()
    label_zh = StringField(_l("Name in Chinese"), validators=[Optional(), Length(max=MAX_LABEL_LENGTH)])
    label_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=MAX_LABEL_LENGTH)])
    weight = StringField(_l("Weight"), validators=[Optional(), Length(max=12)])


class RoundForm(FlaskForm):
    year = IntegerField(_l("Year evaluated"), validators=[InputRequired(_l("Enter the year."))])
    title = StringField(_l("Title"), validators=[InputRequired(_l("Enter a title.")), Length(max=MAX_TITLE_LENGTH)])
    kinds = SelectMultipleField(
        _l("Who evaluates whom"),
        choices=choices(KIND_LABELS.items()),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    deadline = DateTimeLocalField(
        _l("Deadline"),
        format=LOCAL_MINUTE,
        validators=[InputRequired(_l("Enter the deadline."))],
        description=_l("Beijing time. Evaluations are taken until then; the results lock at the deadline."),
    )
    dimensions = FieldList(FormField(DimensionForm), min_entries=DIMENSION_ROWS, max_entries=MAX_DIMENSIONS)
    submit = SubmitField(_l("Save the round"))


def fill_dimensions(form: RoundForm, dimensions: Sequence[Dimension]) -> None:
    """Put the dimensions into the editor's rows (weights as percentages), the rest blank."""
    while len(form.dimensions) > 0:
        form.dimensions.pop_entry()
    for dimension in dimensions:
        form.dimensions.append_entry(
            {
                "key": dimension.key,
                "label_zh": dimension.label_zh,
                "label_en": dimension.label_en,
                "weight": f"{dimension.weight * 100:g}",
            }
        )
    while len(form.dimensions) < DIMENSION_ROWS:
        form.dimensions.append_entry({})


def default_round_form(year: int) -> RoundForm:
    form = RoundForm(formdata=None, year=year, kinds=[k.value for k in EvaluationKind])
    fill_dimensions(form, DEFAULT_DIMENSIONS)
    return form


class ActionForm(FlaskForm):
    """Open or close a round (the button is the whole form)."""

    submit = SubmitField(_l("Confirm"))


def score_field_name(key: str) -> str:
    return f"score_{key}"


def evaluation_form(dimensions: Sequence[Dimension], *, chinese: bool, **kwargs: object) -> FlaskForm:
    """The evaluation form of a round: a radio group (1–5) per dimension and a comment."""

    class EvaluationForm(FlaskForm):
        comment = TextAreaField(
            _l("Comment (optional)"),
            validators=[Optional(), Length(max=MAX_COMMENT_LENGTH)],
            description=_l(
                "What went well, what could be better. The evaluated side reads it once the round is locked."
            ),
        )
        submit = SubmitField(_l("Submit the evaluation"))

    for dimension in dimensions:
        setattr(
            EvaluationForm,
            score_field_name(dimension.key),
            RadioField(
                dimension.label(chinese),
                choices=choices((str(n), f"{n} – {SCORE_LABELS[n]}") for n in range(SCORE_MIN, SCORE_MAX + 1)),
                # The rules (app.domain.evaluations.check_scores) say what is wrong, in their words.
                validate_choice=False,
            ),
        )
    return EvaluationForm(**kwargs)
