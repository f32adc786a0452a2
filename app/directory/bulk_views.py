"""Admins' bulk pages: import the district's spreadsheet (preview, then all or nothing) and export the directory."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from app.accounts.auth import admin_required
from app.db import transaction, utcnow
from app.directory import bp
from app.directory.bulk import list_all_resources
from app.directory.bulk_forms import ConfirmImportForm, ImportForm
from app.directory.labels import FIELD_LABELS
from app.directory.spreadsheet import COLUMNS, Sheet, SheetRefused, decode, export_csv, parse_sheet, save_sheet
from app.domain.errors import DomainError
from app.domain.resources import DEFAULT_TIMEZONE
from app.extensions import db
from app.messages import message_for

SIGNING_SALT = "directory-import"


class _Refused(Exception):  # noqa: N818 - not an error: carries the sheet out of the rolled-back transaction
    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SIGNING_SALT)


def _import_page(form: ImportForm, *, refusal: str | None = None, status: int = 200) -> tuple[str, int]:
    return (
        render_template(
            "directory/import.html", form=form, columns=COLUMNS, field_labels=FIELD_LABELS, refusal=refusal
        ),
        status,
    )


def _preview(sheet: Sheet, filename: str, confirm_form: ConfirmImportForm | None, *, status: int = 200) -> Any:
    return (
        render_template(
            "directory/import_preview.html",
            sheet=sheet,
            filename=filename,
            confirm_form=confirm_form,
            field_labels=FIELD_LABELS,
        ),
        status,
    )


@bp.route("/import", methods=["GET", "POST"])
@admin_required
def bulk_import() -> Any:
    if request.method == "POST" and "payload" in request.form:
        return _confirm()
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(form, status=400 if request.method == "POST" else 200)
    upload = form.file.data
    filename = upload.filename or "import.csv"
    try:
        text = decode(upload.read())
    except SheetRefused as refused:
        form.file.errors = [refused.message]
        return _import_page(form, status=400)
    sheet = parse_sheet(text)
    confirm_form = None
    if sheet.ok:
        payload = {"file": filename, "text": text, "by": current_user.id}
        confirm_form = ConfirmImportForm(formdata=None, payload=_signer().dumps(payload))
    return _preview(sheet, filename, confirm_form)


def _confirm() -> Any:
    form = ConfirmImportForm()
    try:
        payload = _signer().loads(form.payload.data or "") if form.validate_on_submit() else None
    except BadSignature:
        payload = None
    if (
        not isinstance(payload, dict)
        or payload.get("by") != current_user.id
        or not isinstance(payload.get("text"), str)
    ):
        message = _("The confirmation was not accepted: its data was changed after the preview. Nothing was written.")
        return _import_page(ImportForm(formdata=None), refusal=message, status=400)
    filename = str(payload.get("file") or "")
    try:
        with transaction(db.session):
            # Checked again: the directory may have changed since the preview.
            sheet = parse_sheet(payload["text"])
            if not sheet.ok:
                raise _Refused(sheet)
            counts = save_sheet(sheet, actor=current_user._get_current_object(), now=utcnow())
    except _Refused as refused:
        flash(_("The directory changed since the preview; nothing was written. See the problems below."), "danger")
        return _preview(refused.sheet, filename, None, status=409)
    except DomainError as error:
        flash(_("Nothing was written: %(problem)s", problem=message_for(error.code)), "danger")
        return redirect(url_for("directory.bulk_import"))
    flash(
        _(
            "%(file)s is imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.",
            file=filename,
            created=counts["created"],
            updated=counts["updated"],
            unchanged=counts["unchanged"],
        ),
        "success",
    )
    return redirect(url_for("directory.bulk_import"))


def export_filename(now: datetime) -> str:
    return f"linli-directory-{now.astimezone(ZoneInfo(DEFAULT_TIMEZONE)):%Y%m%d}.csv"


@bp.route("/export.csv")
@admin_required
def export_resources() -> Response:
    body = export_csv(list_all_resources())
    return Response(
        body.encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename={export_filename(utcnow())}",
            # Inactive resources are in it: not for shared caches.
            "Cache-Control": "private, no-store",
        },
    )
