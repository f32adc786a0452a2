"""Availability pages: a resource's week, its summary on the resource page, and finding what is free for me."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask import abort, current_app, make_response, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from app.access.services import UnitChoice, requester_for, requester_with_units
from app.bookings import bp
from app.bookings.availability import (
    NOT_FOR_YOU,
    SIGN_IN,
    Cell,
    CellStatus,
    DayColumn,
    Run,
    Week,
    get_week,
    list_bookable,
    list_open_to,
    next_open_day,
    summarise,
)
from app.bookings.forms import FindForm
from app.bookings.services import get_resource_with_owner, get_resources, list_candidates
from app.bookings.week_cache import week_cache, week_key
from app.db import utcnow
from app.directory.models import Resource
from app.directory.services import can_manage, list_areas
from app.domain.audiences import Requester
from app.domain.windows import Audience
from app.organisations.models import Organisation
from app.organisations.services import get_organisation, list_units_user_may_act_for
from app.read_only import reads_only

WEEK_DAYS = 7
MAX_RESULTS = 50
SUMMARY_RUNS = 6  # lines per day on the resource's page
# Weeks people may page to: far enough for any booking horizon, near enough to stay sensible.
FURTHEST_WEEK = timedelta(days=400)

STATUS_WORDS = {
    CellStatus.FREE: _l("Free"),
    CellStatus.PARTLY: _l("Partly free"),
    CellStatus.FULL: _l("Full"),
    CellStatus.CLOSED: _l("Closed"),
    CellStatus.NOT_OPEN: _l("Not open"),
    CellStatus.UNAVAILABLE: _l("Not bookable"),
    CellStatus.PAST: _l("Past"),
}
# Status is never shown by colour alone: each has a symbol and its word.
STATUS_SYMBOLS = {
    CellStatus.FREE: "✓",
    CellStatus.PARTLY: "◐",
    CellStatus.FULL: "●",
    CellStatus.CLOSED: "✕",
    CellStatus.NOT_OPEN: "–",
    CellStatus.UNAVAILABLE: "⊘",
    CellStatus.PAST: "·",
}
WHOLE_DAY_WORDS = {
    CellStatus.CLOSED: _l("Closed all day"),
    CellStatus.NOT_OPEN: _l("Not open this day"),
    CellStatus.PAST: _l("Over"),
}
# Reasons that mean "open, but to others": the cell says so in its word.

AUDIENCE_WORDS = {
    Audience.PUBLIC: _l("every signed-in user"),
    Audience.RESIDENTS: _l("registered residents of its communities"),
    Audience.REGISTERED_UNITS: _l("units registered with its community"),
    Audience.OWNER_MEMBERS: _l("members of its owner"),
    Audience.PARTY_MEMBERS: _l("registered party members of its communities"),
}


def reason_text(code: str | None, resource: Resource, audiences: tuple[Audience, ...]) -> str:
    """Why a slot cannot be booked, in words."""
    if code == SIGN_IN:
        return _("Sign in to book.")
    if code == "forbidden":
        return _("You are not a member of this unit, so you cannot book for it.")
    if code == "not_eligible":
        if not audiences:
            return _("Nobody can book this place yet.")
        return _(
            "Only %(audiences)s may book this place.", audiences=_(", ").join(str(AUDIENCE_WORDS[a]) for a in audiences)
        )
    if code == "outside_window":
        return _("At this time it is open to others, not to you.")
    if code == "too_far_ahead":
        return _("Bookable at most %(days)s days ahead.", days=resource.book_ahead_days)
    if code == "not_yet_released":
        return _("Bookings for this day open at %(time)s.", time=resource.release_time.strftime("%H:%M"))
    if code == "quota_exceeded":
        return _("You have used up this week's booking time here.")
    if code == "capacity_exceeded":
        return _("Not enough is free for the shortest booking (%(minutes)s minutes).", minutes=resource.min_minutes)
    if code == "quantity_exceeded":
        return _("You cannot book that many at once.")
    if code == "closed":
        return _("Closed.")
    if code == "in_past":
        return _("This time has passed.")
    return _("This time cannot be booked.")


CLOCKS = [f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60)]


def _clock(moment: datetime, day: date) -> str:
    """Local "HH:MM"; the midnight that ends the day is 24:00."""
    hour, minute = moment.hour, moment.minute
    if hour == 0 and minute == 0 and moment.date() > day:
        return "24:00"
    return f"{hour:02d}:{minute:02d}"


def day_label(day: date, *, short: bool = False) -> str:
    """ "12月1日周二" / "Tue, Dec 1" (short: "12/1周二" / "Tue, 12/1")."""
    return _day_label(day, str(get_locale()), short)


@lru_cache(maxsize=4096)
def _day_label(day: date, locale: str, short: bool) -> str:
    return format_skeleton("MEd" if short else "MMMEd", day, locale=locale)


class CellWriter:
    """Writes the week's cells as HTML: hundreds a page, so in plain Python with each distinct
    text escaped once, rather than a template loop escaping every piece of every cell."""

    def __init__(self, resource: Resource, audiences: tuple[Audience, ...], book_link: str | None = None) -> None:
        self.resource = resource
        self.audiences = audiences
        self.slot = timedelta(minutes=resource.slot_minutes)
        self.words = {key: str(escape(word)) for key, word in _words().items()}
        self.free_pattern = _("%(free)s/%(capacity)s free")
        self.reasons: dict[str | None, str] = {}
        self.separator = "；" if str(get_locale()).startswith("zh") else "; "
        # The common cells, free or partly free, as one pattern each: time, free, capacity.
        # Signed in, a bookable cell links to the booking form at its time (the last %s).
        self.linked = book_link is not None
        opening, closing = "", ""
        if book_link is not None:
            opening, closing = f'<a class="slot-link" href="{escape(book_link).replace("%", "%%")}%s">', "</a>"
        self.counted = {
            status: f'<li class="slot s-{status.value}">{opening}<span class="slot-time">%s</span> '
            f'<span aria-hidden="true">{STATUS_SYMBOLS[status]}</span> {self.words[status.value].replace("%", "%%")} '
            f'<span class="slot-count">%d/%d</span>{closing}</li>'
            for status in (CellStatus.FREE, CellStatus.PARTLY)
        }

    def reason(self, code: str | None) -> str:
        text = self.reasons.get(code)
        if text is None:
            text = self.reasons[code] = reason_text(code, self.resource, self.audiences)
        return text

    def cell(self, cell: Cell, day: date) -> str:
        status = cell.status
        start = cell.start
        time_text = CLOCKS[start.hour * 60 + start.minute]
        if cell.end - start > self.slot:  # a run of slots
            time_text += "–" + _clock(cell.end, day)
        if status is CellStatus.FREE or status is CellStatus.PARTLY:
            if self.linked:
                moment = f"{day.isoformat()}T{CLOCKS[start.hour * 60 + start.minute]}"
                return self.counted[status] % (moment, time_text, cell.free, cell.capacity)
            return self.counted[status] % (time_text, cell.free, cell.capacity)
        word = self.words[status.value]
        detail = ""
        if status is CellStatus.UNAVAILABLE:
            if cell.reason in NOT_FOR_YOU:
                # What is free does not matter to whom it is not open (and varies along a run).
                word = self.words["not_for_you"]
                detail = self.reason(cell.reason)
            else:
                counts = self.free_pattern % {"free": cell.free, "capacity": cell.capacity}
                detail = f"{self.reason(cell.reason)} {counts}"
        elif status is CellStatus.CLOSED and cell.notes:
            detail = self.separator.join(cell.notes)
        symbol = STATUS_SYMBOLS[status]
        body = f'<span class="slot-time">{time_text}</span> <span aria-hidden="true">{symbol}</span> {word}'
        if detail:
            body = f'<details><summary>{body}</summary><p class="slot-detail">{escape(detail)}</p></details>'
        return f'<li class="slot s-{status.value}">{body}</li>'

    def column(self, column: DayColumn) -> Markup:
        return Markup(
            '<ul class="slots list-unstyled mb-0">' + "".join(self.cell(c, column.day) for c in column.cells) + "</ul>"
        )


@dataclass(frozen=True)
class ColumnView:
    day: date
    iso: str
    label: str
    short_label: str
    note: str  # today / tomorrow, a holiday's name, a weekend workday
    whole: str  # the whole day's words when it is one status nobody can book
    whole_status: str
    cells: Markup  # the day's cells, written by CellWriter


def _words() -> dict[str, str]:
    words = {status.value: str(word) for status, word in STATUS_WORDS.items()}
    words["not_for_you"] = _("Not open to you")
    return words


def column_views(week: Week, today: date, book_link: str | None = None) -> list[ColumnView]:
    writer = CellWriter(week.resource, week.window_audiences, book_link)
    views = []
    for column in week.columns:
        whole = column.whole
        notes = []
        if column.day == today:
            notes.append(_("Today"))
        elif column.day == today + timedelta(days=1):
            notes.append(_("Tomorrow"))
        if column.name:
            notes.append(column.name)
        if column.workday != (column.day.weekday() < 5):
            notes.append(_("workday") if column.workday else _("rest day"))
        whole_text = ""
        if whole is not None:
            whole_text = str(WHOLE_DAY_WORDS[whole])
            closed_notes = [n for c in column.cells for n in c.notes]
            if closed_notes:
                whole_text += _(": ") + _(", ").join(dict.fromkeys(closed_notes))
        views.append(
            ColumnView(
                column.day,
                column.day.isoformat(),
                day_label(column.day),
                day_label(column.day, short=True),
                " · ".join(notes),
                whole_text,
                whole.value if whole else "",
                Markup("") if whole else writer.column(column),
            )
        )
    return views


def _parse_day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw and len(raw) == 10 else None
    except ValueError:
        return None


def _user() -> object | None:
    return current_user._get_current_object() if current_user.is_authenticated else None  # type: ignore[attr-defined]


def _private(response: Response) -> Response:
    # What a page shows depends on who asks and on the minute: never share it, always revalidate.
    response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
    response.vary.add("Cookie")
    return response


@bp.route("/resources/<code>/week")
@reads_only  # the busiest page there is
def week(code: str) -> Response:
    resource = get_resource_with_owner(code)
    if resource is None or (not resource.active and not can_manage(current_user, resource.owner)):
        abort(404)
    zone = ZoneInfo(resource.timezone)
    now = utcnow()
    today = now.astimezone(zone).date()
    first_day = _parse_day(request.args.get("start")) or today
    if abs(first_day - today) > FURTHEST_WEEK:
        first_day = today
    user = _user()
    units: list[UnitChoice] = []
    acting: UnitChoice | Organisation | None = None
    requester = requester_for(None)
    if user is not None:
        asked = request.args.get("on_behalf_of") or None
        requester, units, acting = requester_with_units(user, acting_code=asked)  # type: ignore[arg-type]
        if asked and acting is None:
            # Not one of the user's units: shown as such, and booking for it is forbidden.
            acting = get_organisation(asked)
            if acting is None:
                abort(404)
            requester = requester_for(user, acting_for=acting)  # type: ignore[arg-type]
    key = week_key(resource.id, resource.revision, first_day, now, str(get_locale()), requester)
    book_link = None
    if user is not None:
        # The standing in the key names the unit acted for, so the cached cells' links stay right.
        params = {"resource": resource.code, **({"on_behalf_of": acting.code} if acting is not None else {})}
        book_link = f"{url_for('bookings.new')}?{urlencode(params)}&start="

    def draw() -> tuple[date, list[ColumnView]]:
        week_ = get_week(resource, requester, first_day, WEEK_DAYS, now)
        return week_.last_day, column_views(week_, today, book_link)

    last_day, columns = week_cache().get_or_make(key, draw)
    shown = _parse_day(request.args.get("day"))
    if shown is None or not first_day <= shown <= last_day:
        shown = today if first_day <= today <= last_day else first_day
    keep = {"on_behalf_of": acting.code} if acting is not None else {}
    base = url_for("bookings.week", code=resource.code)

    def link(**params: str) -> str:
        return f"{base}?{urlencode({**params, **keep})}"

    html = render_template(
        "bookings/week.html",
        day_links={c.iso: f"{link(start=first_day.isoformat(), day=c.iso)}#d-{c.iso}" for c in columns},
        prev_link=link(start=(first_day - timedelta(days=WEEK_DAYS)).isoformat()),
        next_link=link(start=(first_day + timedelta(days=WEEK_DAYS)).isoformat()),
        this_week_link=f"{base}?{urlencode(keep)}" if keep else base,
        resource=resource,
        columns=columns,
        shown=shown.isoformat(),
        first_day=first_day,
        this_week=first_day <= today <= last_day,
        units=units,
        acting=acting,
        signed_in=user is not None,
        legend=[(STATUS_SYMBOLS[s], STATUS_WORDS[s]) for s in CellStatus],
        symbols={s.value: symbol for s, symbol in STATUS_SYMBOLS.items()},
        range_label=_("%(first)s to %(last)s", first=day_label(first_day), last=day_label(last_day)),
    )
    return _private(make_response(html))


# --- the section on the resource's page ----------------------------------------


@dataclass(frozen=True)
class RunView:
    time: str
    status: str
    symbol: str
    text: str


def run_view(
    run: Run, day: date, resource: Resource, audiences: tuple[Audience, ...], words: dict[str, str]
) -> RunView:
    time_text = f"{_clock(run.start, day)}–{_clock(run.end, day)}"
    text = words[run.status.value]
    if run.status is CellStatus.FREE:
        text += f" {run.free}/{run.capacity}"
    elif run.status is CellStatus.PARTLY:
        text += " · " + _("at least %(free)s/%(capacity)s free", free=run.free, capacity=run.capacity)
    elif run.status is CellStatus.UNAVAILABLE:
        text = (words["not_for_you"] if run.reason in NOT_FOR_YOU else text) + " · "
        text += reason_text(run.reason, resource, audiences)
    return RunView(time_text, run.status.value, STATUS_SYMBOLS[run.status], text)


def render_week_section(resource: Resource) -> Markup | str | None:
    """Today and tomorrow at a glance (or the next day it opens), with a link to the week."""
    now = utcnow()
    today = now.astimezone(ZoneInfo(resource.timezone)).date()
    requester: Requester = requester_for(_user())  # type: ignore[arg-type]
    week_ = get_week(resource, requester, today, 2, now)
    words = _words()
    days = []
    for column, label in zip(week_.columns, (_("Today"), _("Tomorrow")), strict=True):
        runs = [run_view(r, column.day, resource, week_.window_audiences, words) for r in summarise(column)]
        whole = column.whole if column.whole is not None else (None if runs else CellStatus.PAST)
        days.append(
            {
                "label": label,
                "date": day_label(column.day),
                "iso": column.day.isoformat(),
                "whole": str(WHOLE_DAY_WORDS[whole]) if whole else "",
                "whole_status": whole.value if whole else "",
                "whole_symbol": STATUS_SYMBOLS[whole] if whole else "",
                "runs": runs[:SUMMARY_RUNS],
                "more": len(runs) > SUMMARY_RUNS,
            }
        )
    following = None
    if not any(column.has_open for column in week_.columns):
        found = next_open_day(resource, today + timedelta(days=1))
        if found is not None:
            following = {"label": day_label(found), "iso": found.isoformat()}
    return render_template(
        "bookings/_week_section.html",
        resource=resource,
        days=days,
        following=following,
        today=today.isoformat(),
        signed_in=requester.user_id is not None,
    )


# --- what's free for me --------------------------------------------------------


def _area_label(org: Organisation) -> str:
    depth = (
        ["district", "street", "community"].index(org.kind) if org.kind in ("district", "street", "community") else 0
    )
    return "　" * depth + org.name


@bp.route("/find")
def find() -> Response:
    form = FindForm(formdata=request.args if request.args else None)
    form.area.choices = [("", _("Everywhere")), *((o.code, _area_label(o)) for o in list_areas())]
    user = _user()
    units = list_units_user_may_act_for(current_user) if user is not None else []
    form.on_behalf_of.choices = [("", _("Myself")), *((u.code, u.name) for u in units)]
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    now = utcnow()
    asked = any(name in request.args for name in ("day", "start", "end", "open_now"))
    if not asked:
        form.day.data = now.astimezone(zone).date()
    results = None
    total = 0
    day = None
    acting = None
    if asked and form.validate() and user is not None:
        # The form only accepts the user's own units.
        acting = next((u for u in units if u.code == form.on_behalf_of.data), None)
        requester = requester_for(user, acting_for=acting)  # type: ignore[arg-type]
        area = get_organisation(form.area.data) if form.area.data else None
        candidates = list_candidates(q=form.q.data or "", kind=form.kind.data or None, area=area)
        if form.open_now.data:
            candidates = list_open_to(requester, now, candidates)
        day = form.day.data
        if day is not None and form.start.data is not None and form.end.data is not None:
            start = datetime.combine(day, form.start.data, tzinfo=zone)
            end = datetime.combine(day, form.end.data, tzinfo=zone)
            candidates = list_bookable(requester, start, end, form.quantity.data or 1, now, candidates=candidates)
        total = len(candidates)
        results = get_resources([c.id for c in candidates[:MAX_RESULTS]])
    keep = {"on_behalf_of": acting.code} if acting is not None else {}
    html = render_template(
        "bookings/find.html",
        form=form,
        asked=asked,
        results=results,
        total=total,
        shown=MAX_RESULTS,
        day=(day or now.astimezone(zone).date()).isoformat(),
        keep=keep,
        units=units,
        signed_in=user is not None,
        sign_in_url=url_for("accounts.sign_in", next=request.full_path if request.query_string else request.path),
    )
    return _private(make_response(html))
