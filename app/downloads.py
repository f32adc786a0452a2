"""CSV downloads as spreadsheet programs want them: UTF-8 with a BOM (Excel and WPS then read it as
such), CRLF lines, and text that would run as a formula written with a leading apostrophe."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from werkzeug.wrappers import Response

from app.directory.spreadsheet import FORMULA_STARTS


def guard(value: object) -> object:
    """Text a spreadsheet program would run as a formula is written with a leading apostrophe."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def csv_response(header: Sequence[object], rows: Iterable[Sequence[object]], filename: str) -> Response:
    """The table as a private download: figures and names are nobody else's to keep."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([guard(value) for value in row] for row in rows)
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "private, no-store"},
    )
