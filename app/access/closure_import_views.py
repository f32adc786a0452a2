"""Importing closures from an .ics file: upload, a preview of each closure and the bookings it covers, then all or none.

Open to whoever may close the resource (or every resource of the organisation)
on the closures pages. The preview signs what it shows, so the confirmation
needs no second upload and creates exactly what was previewed, in one
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from app.access import bp
from app.access.closure_import_forms import ClosureImportForm, ConfirmClosureImportForm
from app.access.models import Closure
from app.access.services import add_closure
from app.access.views import _managed_organisation, _managed_resource, _organisation_zone
from app.access.wording import describe_span
from app.db import transaction, utcnow
from app.directory.models import Resource
from app.domain.closure_files import HORIZON, MAX_CLOSURES, REASON_MAX, ClosureFileError, ClosureSpan, parse_closure_ics
from app.domain.errors import DomainError
from app.domain.ics_uploads import FileProblem
from app.extensions import db
from app.messages import message_for
from app.organisations.models import Organisation

SIGNING_SALT = "closure-import"
# The preview's confirmation is good for an hour; after that the file is read again.
CONFIRM_MAX_AGE = 3600

# The file's problems, by the codes app.domain.closure_files raises.
FILE_MESSAGES = {
    "not_a_calendar": _l("This file is not an iCalendar (.ics) file."),
    "incomplete_calendar": _l("The calendar file stops before its end (END:VCALENDAR): export it again."),
    "file_too_big": _l("The file is larger than 1 MB."),
    "empty_file": _l("The file has no events."),
    "too_many_closures": _l(
        "The file would create more than %(max)s closures: import a shorter time, or fewer events."
    ),
    "file_has_problems": _l("The file has problems; nothing was imported. Correct them and upload it again."),
}
PROBLEM_MESSAGES = {
    "missing_start": _l("the event “%(value)s” has no start (DTSTART)"),
    "missing_end": _l("the event “%(value)s” has a start time but no end (DTEND or DURATION)"),
    "missing_summary": _l("the event has no title (SUMMARY) to show as the reason for closing"),
    "invalid_date": _l("“%(value)s” is not a date or time"),
    "invalid_duration": _l("the duration “%(value)s” cannot be read"),
    "end_before_start": _l("the event “%(value)s” does not end after it starts"),
    "event_too_long": _l("the event “%(value)s” is longer than 366 days, the longest a closure may be"),
    "invalid_rule": _l("the repeat rule (RRULE) “%(value)s” cannot be read"),
    "too_many_occurrences": _l("the event “%(value)s” repeats too many times to import"),
    "too_complex": _l("the repeating event “%(value)s” and those after it take too long to work out: split the file"),
    "unknown_timezone": _l("the time zone “%(value)s” is not known (use a name such as Asia/Shanghai)"),
}


@dataclass(frozen=True)
class Subject:
    """What an import closes: one resource, or every resource of an organisation (in the zone its closures use)."""

    resource: Resource | None
    organisation: Organisation | None
    zone: ZoneInfo

    @property
    def key(self) -> list[Any]:
        """How the signed payload names the subject, so that it cannot be confirmed for another."""
        if self.resource is not None:
            return ["resource", self.resource.id]
        return ["organisation", self._organisation.id]

    @property
    def name(self) -> str:
        return self.resource.name if self.resource is not None else self._organisation.name

    @property
    def import_url(self) -> str:
        if self.resource is not None:
            return url_for("access.import_closures", code=self.resource.code)
        return url_for("access.import_org_closures", org_code=self._organisation.code)

    @property
    def closures_url(self) -> str:
        if self.resource is not None:
            return url_for("access.closures", code=self.resource.code)
        return url_for("access.org_closures", org_code=self._organisation.code)

    def closure(self, start: datetime, end: datetime) -> Closure:
        """A closure of this subject that is never stored, to count the bookings it would fall on."""
        if self.resource is not None:
            return Closure(resource_id=self.resource.id, start=start, end=end)
        return Closure(organisation_id=self._organisation.id, start=start, end=end)

    def owns(self) -> Any:
        """The condition on closures that are this subject's own."""
        if self.resource is not None:
            return Closure.resource_id == self.resource.id
        return Closure.organisation_id == self._organisation.id

    @property
    def _organisation(self) -> Organisation:
        assert self.organisation is not None
        return self.organisation


@bp.route("/<code>/closures/import", methods=["GET", "POST"])
@login_required
def import_closures(code: str) -> Any:
    resource = _managed_resource(code)
    return _import(Subject(resource, None, ZoneInfo(resource.timezone)))


@bp.route("/org/<org_code>/closures/import", methods=["GET", "POST"])
@login_required
def import_org_closures(org_code: str) -> Any:
    organisation = _managed_organisation(org_code)
    return _import(Subject(None, organisation, ZoneInfo(_organisation_zone(organisation))))


def _import(subject: Subject) -> Any:
    if request.method == "POST" and "payload" in request.form:
        return _confirm(subject)
    form = ClosureImportForm()
    if not form.validate_on_submit():
        return _upload_page(subject, form, status=400 if request.method == "POST" else 200)
    upload = form.file.data
    filename = upload.filename or "calendar.ics"
    now = utcnow()
    try:
        found = parse_closure_ics(upload.read(), zone=subject.zone, now=now)
    except ClosureFileError as error:
        form.file.errors = [_file_message(error.code, subject, now)]
        return _upload_page(subject, form, problems=[problem_message(p) for p in error.problems], status=400)
    existing = _existing(subject, found.spans)
    rows = [
        {
            "when": describe_span(span.start, span.end, subject.zone),
            "reason": span.reason,
            "line": span.line,
            "all_day": span.all_day,
            "bookings": covered,
            "exists": (span.start, span.end, span.reason) in existing,
        }
        for span, covered in zip(found.spans, _bookings_covered(subject, found.spans), strict=True)
    ]
    confirm_form = ConfirmClosureImportForm(
        formdata=None, payload=_signer().dumps(_payload(subject, filename, found.spans))
    )
    return render_template(
        "access/closure_import_preview.html",
        subject=subject,
        filename=filename,
        rows=rows,
        new=sum(1 for row in rows if not row["exists"]),
        covering=sum(1 for row in rows if row["bookings"] and not row["exists"]),
        range_end=format_date(found.stop, "long"),
        left_out=found.left_out,
        confirm_form=confirm_form,
    )


def _upload_page(
    subject: Subject,
    form: ClosureImportForm,
    *,
    problems: list[str] | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    page = render_template(
        "access/closure_import.html",
        subject=subject,
        form=form,
        problems=problems or [],
        refusal=refusal,
        range_years=HORIZON.days // 365,
    )
    return page, status


def _file_message(code: str, subject: Subject, now: datetime) -> str:
    if code == "nothing_in_range":
        return _(
            "The file has no events between now and %(end)s (in %(zone)s): nothing to import.",
            end=format_date((now + HORIZON).astimezone(subject.zone), "long"),
            zone=subject.zone.key,
        )
    message = FILE_MESSAGES.get(code)
    return str(message) % {"max": MAX_CLOSURES} if message is not None else message_for(code)


def problem_message(problem: FileProblem) -> str:
    template = PROBLEM_MESSAGES.get(problem.code)
    text = str(template) % {"value": problem.value or _("(blank)")} if template else message_for(problem.code)
    if problem.line is None:
        return text
    return _("Line %(line)s: %(problem)s", line=problem.line, problem=text)


# --- what the closures would meet ----------------------------------------------


def _bookings_covered(subject: Subject, spans: Sequence[ClosureSpan]) -> list[int]:
    """How many bookings holding capacity each span falls on, counted as a closure's own page counts them."""
    # Bookings sit a floor above access rules: asked when a preview is drawn, as closure_impact asks from above.
    from app.bookings.affected import count_affected_bookings

    return [count_affected_bookings(subject.closure(span.start, span.end)) for span in spans]


def _existing(subject: Subject, spans: Sequence[ClosureSpan]) -> set[tuple[datetime, datetime, str]]:
    """The spans this subject is closed for already, with the same reason (importing a file twice adds nothing)."""
    if not spans:
        return set()
    rows = db.session.execute(
        select(Closure.start, Closure.end, Closure.reason).where(
            subject.owns(),
            Closure.start < max(span.end for span in spans),
            Closure.end > min(span.start for span in spans),
        )
    )
    return {(start, end, reason) for start, end, reason in rows}


# --- confirming ----------------------------------------------------------------


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SIGNING_SALT)


def _payload(subject: Subject, filename: str, spans: Sequence[ClosureSpan]) -> dict[str, Any]:
    # Reasons repeat in a file (every occurrence of a series): each is sent once, the spans point to it.
    reasons = list(dict.fromkeys(span.reason for span in spans))
    index = {reason: n for n, reason in enumerate(reasons)}
    return {
        "by": current_user.id,
        "subject": subject.key,
        "file": filename,
        "reasons": reasons,
        "spans": [[int(s.start.timestamp()), int(s.end.timestamp()), index[s.reason]] for s in spans],
    }


def _spans_from_payload(payload: Any, subject: Subject) -> list[tuple[datetime, datetime, str]] | None:
    """The previewed closures, if the payload is this user's, for this subject, and well formed."""
    if (
        not isinstance(payload, dict)
        or payload.get("by") != current_user.id
        or payload.get("subject") != subject.key
        or not isinstance(payload.get("reasons"), list)
        or not isinstance(payload.get("spans"), list)
        or not 0 < len(payload["spans"]) <= MAX_CLOSURES
    ):
        return None
    reasons = payload["reasons"]
    spans = []
    for item in payload["spans"]:
        if not (
            isinstance(item, list)
            and len(item) == 3
            and all(isinstance(n, int) for n in item)
            and 0 <= item[2] < len(reasons)
            and isinstance(reasons[item[2]], str)
        ):
            return None
        start, end = datetime.fromtimestamp(item[0], UTC), datetime.fromtimestamp(item[1], UTC)
        spans.append((start, end, reasons[item[2]][:REASON_MAX]))
    return spans


def _confirm(subject: Subject) -> Any:
    form = ConfirmClosureImportForm()
    try:
        payload = (
            _signer().loads(form.payload.data or "", max_age=CONFIRM_MAX_AGE) if form.validate_on_submit() else None
        )
    except (BadSignature, ValueError, OverflowError):
        payload = None
    spans = _spans_from_payload(payload, subject)
    if spans is None:
        message = _(
            "The confirmation was not accepted: it expired or its data was changed after the preview. "
            "Nothing was written; upload the file again."
        )
        return _upload_page(subject, ClosureImportForm(formdata=None), refusal=message, status=400)
    try:
        with transaction(db.session):
            created, skipped = _create(subject, spans)
    except DomainError as error:
        message = _("Nothing was imported: %(problem)s", problem=message_for(error.code))
        return _upload_page(subject, ClosureImportForm(formdata=None), refusal=message, status=400)
    created_words = ngettext("%(num)d closure created", "%(num)d closures created", created)
    if skipped:
        message = _(
            "%(file)s is imported: %(created)s; %(skipped)s.",
            file=str(payload.get("file") or ""),
            created=created_words,
            skipped=ngettext("%(num)d was there already", "%(num)d were there already", skipped),
        )
    else:
        message = _("%(file)s is imported: %(created)s.", file=str(payload.get("file") or ""), created=created_words)
    flash(message, "success")
    return redirect(subject.closures_url)


def _create(subject: Subject, spans: list[tuple[datetime, datetime, str]]) -> tuple[int, int]:
    """Every closure, each with its audit entry, or none (the caller's transaction); those already there are skipped."""
    existing = _existing(subject, [ClosureSpan(start, end, reason, None, False) for start, end, reason in spans])
    now, created, skipped = utcnow(), 0, 0
    for start, end, reason in spans:
        if (start, end, reason) in existing:
            skipped += 1
            continue
        add_closure(
            resource=subject.resource,
            organisation=subject.organisation,
            start=start,
            end=end,
            reason=reason,
            actor=current_user,
            now=now,
        )
        existing.add((start, end, reason))
        created += 1
    return created, skipped
