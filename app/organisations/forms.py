"""Admin forms for organisations, memberships and registrations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import choices
from app.organisations.labels import KIND_LABELS, ROLE_LABELS, STATUS_LABELS, UNIT_TYPE_LABELS


class OrganisationForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=64)],
        description=_l("A stable identifier used in files and links, e.g. LZ-DB-01."),
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS.items()))
    unit_type = SelectField(
        _l("Unit type"),
        choices=choices([("", _l("— not a unit —")), *UNIT_TYPE_LABELS.items()]),
        validators=[Optional()],
        description=_l("Only for units."),
    )
    parent = SelectField(_l("Belongs to"), choices=[], validate_choice=False)
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=32)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class MembershipForm(FlaskForm):
    login = StringField(_l("Member's mobile number or email"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=choices(ROLE_LABELS.items()))
    submit = SubmitField(_l("Add or change"))


class RemoveMembershipForm(FlaskForm):
    submit = SubmitField(_l("Remove"))


class RegistrationDecisionForm(FlaskForm):
    status = SelectField(_l("New status"), choices=choices((k, v) for k, v in STATUS_LABELS.items() if k != "pending"))
    reason = TextAreaField(_l("Reason (shown to the registrant)"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Save decision"))


class UnitRegistrationForm(FlaskForm):
    community = SelectField(_l("Community"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Register with this community"))
