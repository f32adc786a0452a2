"""Forms of the registration pages: a resident registering, a unit applying, a community deciding."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from app.domain.registrations import MAX_REASON_LENGTH

MAX_ROSTER_BYTES = 2 * 1024 * 1024


class ResidenceForm(FlaskForm):
    party_member = BooleanField(
        _l("I am an in-service party member (在职党员)"),
        description=_l("Party members also register with the community where they live (双报到)."),
    )
    work_unit = SelectField(
        _l("Where I work (optional)"),
        choices=[],
        validate_choice=False,
        description=_l("Your work unit, if it is in the list."),
    )
    submit = SubmitField(_l("Register here"))


class UnitApplicationForm(FlaskForm):
    unit = SelectField(_l("Unit"), choices=[], validate_choice=False)
    communities = SelectMultipleField(
        _l("Communities to register with"),
        choices=[],
        validate_choice=False,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        description=_l("Usually the community where the unit stands; choose one or more."),
    )
    submit = SubmitField(_l("Apply"))


class WithdrawForm(FlaskForm):
    submit = SubmitField(_l("Withdraw"))


class AcknowledgeForm(FlaskForm):
    """One registration (`registration`), the chosen ones, or every pending one on the page (`scope=all`)."""

    submit = SubmitField(_l("Acknowledge"))


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (shown to the registrant)"),
        validators=[
            DataRequired(_l("Give a reason for declining: the registrant is shown it.")),
            Length(max=MAX_REASON_LENGTH),
        ],
    )
    submit = SubmitField(_l("Decline"))


class RosterImportForm(FlaskForm):
    file = FileField(
        _l("Members (CSV file)"),
        validators=[
            FileRequired(_l("Choose the CSV file to import.")),
            FileAllowed(["csv"], _l("Choose a CSV file: in Excel or WPS, save the sheet as CSV first.")),
            FileSize(MAX_ROSTER_BYTES, message=_l("The file is larger than 2 MB; split it into several files.")),
        ],
        description=_l("CSV saved as UTF-8 or GBK, one row per member, with the column names in row 1."),
        render_kw={"accept": ".csv,text/csv"},
    )
    submit = SubmitField(_l("Check the file"))


class ConfirmRosterImportForm(FlaskForm):
    payload = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Import these members"))
