"""Forms for the district's spreadsheet: upload it, then confirm the preview."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired

from app.directory.spreadsheet import MAX_BYTES


class ImportForm(FlaskForm):
    file = FileField(
        _l("Spreadsheet (CSV file)"),
        validators=[
            FileRequired(_l("Choose the CSV file to import.")),
            FileAllowed(["csv"], _l("Choose a CSV file: in Excel or WPS, save the sheet as CSV first.")),
            FileSize(MAX_BYTES, message=_l("The file is larger than 2 MB; split it into several files.")),
        ],
        description=_l("CSV saved as UTF-8 or GBK, one row per resource, with the column names in row 1."),
        render_kw={"accept": ".csv,text/csv"},
    )
    submit = SubmitField(_l("Check the file"))


class ConfirmImportForm(FlaskForm):
    """Carries the checked file, signed, from the preview back to the server.

    The preview posts it URL-encoded, never as multipart: Flask's per-field limit
    (MAX_FORM_MEMORY_SIZE, 500 kB) applies only to multipart, and a district's
    file, signed, can be larger than that.
    """

    payload = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Import these rows"))
