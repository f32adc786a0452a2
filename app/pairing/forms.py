"""Forms of the pairing pages: an agreement and its items, progress, committee members, help pairs."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Optional

from app.domain.pairing import MAX_BODY_LENGTH, MAX_NOTE_LENGTH, MAX_PERSON_LENGTH, MAX_ROLE_LENGTH, MAX_WHAT_LENGTH
from app.forms import choices
from app.pairing.labels import ITEM_STATUS_LABELS, RESPONSIBLE_LABELS

# The rules (required, lengths, years, dates) are the domain's; the forms only read the input, so a
# refusal reads the same on every page and in every language.


class AgreementForm(FlaskForm):
    year = IntegerField(
        _l("Year"),
        validators=[InputRequired(_l("Enter the year the agreement is for."))],
        description=_l("The calendar year the agreement covers (年度共建协议)."),
        render_kw={"inputmode": "numeric"},
    )
    title = StringField(_l("Title"), render_kw={"maxlength": 200})
    body = TextAreaField(
        _l("Text of the agreement"),
        description=_l("What both sides agree on, in general; the items below say who does what by when."),
        render_kw={"rows": 8, "maxlength": MAX_BODY_LENGTH},
    )
    submit = SubmitField(_l("Save the draft"))


class NewAgreementForm(AgreementForm):
    partner = SelectField(
        _l("With"),
        choices=[],
        validate_choice=False,
        description=_l("Only a unit registered with the community (acknowledged) can make an agreement with it."),
    )


class ItemForm(FlaskForm):
    what = StringField(_l("What is to be done"), render_kw={"maxlength": MAX_WHAT_LENGTH})
    responsible = SelectField(
        _l("Responsible side"), choices=choices(RESPONSIBLE_LABELS.items()), validate_choice=False
    )
    person = StringField(
        _l("Person responsible (optional)"),
        render_kw={"maxlength": MAX_PERSON_LENGTH},
    )
    due_on = DateField(_l("Due date"), validators=[Optional()], description=_l("Within the agreement's year."))
    submit = SubmitField(_l("Add the item"))


class ProgressForm(FlaskForm):
    """Drawn by hand on the agreement's page (one per item, with ids of its own)."""

    status = SelectField(_l("Status"), choices=choices(ITEM_STATUS_LABELS.items()), validate_choice=False)
    note = TextAreaField(_l("Note"), render_kw={"maxlength": MAX_NOTE_LENGTH})
    submit = SubmitField(_l("Save progress"))


class ActionForm(FlaskForm):
    """A button that changes something (sign, send back, withdraw, end, remove): its CSRF token only."""

    submit = SubmitField(_l("Confirm"))


class AppointmentForm(FlaskForm):
    from_org = SelectField(_l("From"), choices=[], validate_choice=False)
    person = StringField(
        _l("Person's phone number or email"),
        description=_l("A member of that organisation, who has a Linli account."),
        render_kw={"autocomplete": "off", "maxlength": 254},
    )
    role_title = StringField(
        _l("Role on the committee"),
        description=_l("For example 兼职委员."),
        render_kw={"maxlength": MAX_ROLE_LENGTH},
    )
    term_start = DateField(_l("Term starts"), validators=[Optional()])
    term_end = DateField(_l("Term ends"), validators=[Optional()])
    submit = SubmitField(_l("Appoint"))


class HelpPairForm(FlaskForm):
    member = SelectField(
        _l("Party member"),
        choices=[],
        validate_choice=False,
        description=_l("A party member registered here, or someone from a unit registered here."),
    )
    resident = StringField(
        _l("Resident's phone number or email"),
        description=_l("A resident registered with this community (acknowledged)."),
        render_kw={"autocomplete": "off", "maxlength": 254},
    )
    note = TextAreaField(_l("Note (optional)"), render_kw={"rows": 3, "maxlength": MAX_NOTE_LENGTH})
    submit = SubmitField(_l("Pair them"))
