"""Forms for importing closures from an .ics file: the upload, and the confirmation the preview carries."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired

from app.domain.closure_files import MAX_FILE_BYTES


class ClosureImportForm(FlaskForm):
    file = FileField(
        _l("Calendar file (.ics)"),
        validators=[
            FileRequired(_l("Choose the .ics file to import.")),
            FileAllowed(["ics"], _l("Choose an .ics calendar file.")),
            FileSize(MAX_FILE_BYTES, message=_l("The file is larger than 1 MB.")),
        ],
        description=_l("Exported from a calendar app (Google, Outlook, Apple, 钉钉, 企业微信) or written by hand."),
        render_kw={"accept": ".ics,text/calendar"},
    )
    submit = SubmitField(_l("Check the file"))


class ConfirmClosureImportForm(FlaskForm):
    """Carries the checked closures, signed, from the preview back to the server."""

    payload = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Create these closures"))
