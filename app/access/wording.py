"""Access windows and closures in plain words, in the request's language."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, get_day_names
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.domain.windows import AccessWindow, Audience, DayRule, Days, parse_days

# Who, as the words fit into "open to …".
AUDIENCE_WORDS = {
    Audience.PUBLIC: _l("everyone signed in"),
    Audience.RESIDENTS: _l("residents"),
    Audience.REGISTERED_UNITS: _l("registered units"),
    Audience.OWNER_MEMBERS: _l("members of the owner"),
    Audience.PARTY_MEMBERS: _l("registered party members"),
}

# The manager's choice of audience, short enough for a phone's select; AUDIENCE_HELP says what each means.
AUDIENCE_CHOICES = {
    Audience.PUBLIC: _l("Everyone signed in"),
    Audience.RESIDENTS: _l("Residents"),
    Audience.REGISTERED_UNITS: _l("Registered units"),
    Audience.OWNER_MEMBERS: _l("Members of the owner"),
    Audience.PARTY_MEMBERS: _l("Party members"),
}
AUDIENCE_HELP = _l(
    "Everyone signed in: any user with an account. Residents: residents registered with the resource's "
    "communities. Registered units: staff booking for a unit registered with the owner community. Members of "
    "the owner: the owning community's or unit's own people. Party members: in-service party members "
    "registered with the resource's communities."
)

# The resource's counting word, after a number. Chinese counts nouns with a measure
# word (个车位) while 间 and 处 are measure words themselves, so the Chinese texts
# carry their own measure word.
UNIT_WORDS: dict[str, Callable[[int], str]] = {
    "车位": lambda n: ngettext("space", "spaces", n),
    "场地": lambda n: ngettext("court", "courts", n),
    "座位": lambda n: ngettext("seat", "seats", n),
    "间": lambda n: ngettext("room", "rooms", n),
    "处": lambda n: ngettext("place", "places", n),
}


def _chinese() -> bool:
    return str(get_locale()).startswith("zh")


def _locale() -> str:
    return str(get_locale() or "zh_Hans_CN")


def clock(minutes: int) -> str:
    """ "HH:MM" after local midnight; the end of the day stays "24:00"."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def hours_range(start: int, end: int) -> str:
    return f"{clock(start)}–{clock(end)}"


def plain_number(value: Decimal | float | int) -> str:
    """5, 2.5, 0.25: no trailing zeros."""
    text = f"{Decimal(str(value)).quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def yuan(fen: int) -> str:
    return plain_number(Decimal(fen) / 100)


def unit_words(unit_label: str, count: int) -> str:
    """The counting word for `count` of the resource's units (3 个车位, 3 spaces)."""
    known = UNIT_WORDS.get(unit_label.strip())
    if known is not None:
        return known(count)
    if not unit_label.strip():
        return ngettext("place", "places", count)
    if _chinese() and len(unit_label.strip()) > 1:
        return "个" + unit_label.strip()
    return unit_label.strip()


def weekday_name(day: int, *, short: bool = True) -> str:
    """Monday is 0: 周一 / Mon, or 星期一 / Monday."""
    return str(get_day_names("abbreviated" if short else "wide", locale=_locale())[day])


def _join(items: Iterable[str]) -> str:
    joined = ""
    for item in items:
        joined = _("%(list)s, %(item)s", list=joined, item=item) if joined else item
    return joined


def describe_days(days: Days) -> str:
    """每天 / 工作日 / 休息日 / 周一、周三、周五 (runs of three or more as 周一至周五)."""
    if days.rule is DayRule.ALL:
        return _("Every day")
    if days.rule is DayRule.WORKDAY:
        return _("Working days")
    if days.rule is DayRule.RESTDAY:
        return _("Rest days")
    chosen = sorted(days.weekdays)
    if len(chosen) == 7:
        return _("Every day")
    runs: list[list[int]] = []
    for day in chosen:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(_("%(first)s–%(last)s", first=weekday_name(run[0]), last=weekday_name(run[-1])))
        else:
            parts.extend(weekday_name(day) for day in run)
    return _join(parts)


def describe_price(fen: int) -> str:
    return _("free") if fen == 0 else _("%(amount)s yuan per hour", amount=yuan(fen))


def describe_quota(minutes: int, audience: Audience) -> str:
    hours = plain_number(Decimal(minutes) / 60)
    plural = 1 if minutes == 60 else 2
    if audience is Audience.REGISTERED_UNITS:
        return ngettext(
            "at most %(hours)s hour a week per unit, shared by its staff",
            "at most %(hours)s hours a week per unit, shared by its staff",
            plural,
            hours=hours,
        )
    return ngettext(
        "at most %(hours)s hour a week per person", "at most %(hours)s hours a week per person", plural, hours=hours
    )


def describe_approval(requires_approval: bool | None) -> str | None:
    if requires_approval is None:
        return None
    return _("needs a manager's approval") if requires_approval else _("no approval needed")


def describe_window(window: AccessWindow, unit_label: str) -> str:
    """The window as one sentence, e.g. 工作日 08:30–17:30 向报到单位免费开放，每次最多 3 个车位."""
    days, hours = describe_days(window.days), hours_range(window.start, window.end)
    audience = AUDIENCE_WORDS[window.audience]
    if window.price == 0:
        sentence = _("%(days)s %(hours)s: free for %(audience)s", days=days, hours=hours, audience=audience)
    else:
        sentence = _(
            "%(days)s %(hours)s: %(price)s for %(audience)s",
            days=days,
            hours=hours,
            price=describe_price(window.price),
            audience=audience,
        )
    extras = []
    if window.max_quantity is not None:
        extras.append(
            _(
                "at most %(count)s %(unit)s per booking",
                count=window.max_quantity,
                unit=unit_words(unit_label, window.max_quantity),
            )
        )
    if window.max_minutes_per_week is not None:
        extras.append(describe_quota(window.max_minutes_per_week, window.audience))
    approval = describe_approval(window.requires_approval)
    if approval is not None:
        extras.append(approval)
    for extra in extras:
        sentence = _("%(rule)s, %(extra)s", rule=sentence, extra=extra)
    return sentence


def describe_windows(windows: Iterable[AccessWindow], unit_label: str) -> str:
    """Several windows in one line, separated by semicolons."""
    joined = ""
    for window in windows:
        text = describe_window(window, unit_label)
        joined = _("%(list)s; %(item)s", list=joined, item=text) if joined else text
    return joined


def describe_span(start: datetime, end: datetime, zone: ZoneInfo | str) -> str:
    """A span in the resource's zone: one day with its hours, or from one moment to another.

    An end at local midnight reads as 24:00 of the day before, as people say it.
    """
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    end_day, end_minutes = local_end.date(), local_end.hour * 60 + local_end.minute
    if end_minutes == 0 and local_end.second == 0 and local_end > local_start:
        end_day, end_minutes = end_day - timedelta(days=1), 24 * 60
    start_minutes = local_start.hour * 60 + local_start.minute
    if end_day == local_start.date():
        return _("%(day)s %(hours)s", day=_day(local_start.date()), hours=hours_range(start_minutes, end_minutes))
    return _(
        "%(start_day)s %(start)s to %(end_day)s %(end)s",
        start_day=_day(local_start.date()),
        start=clock(start_minutes),
        end_day=_day(end_day),
        end=clock(end_minutes),
    )


def _day(day: date) -> str:
    """2026年12月5日周六 / Sat, Dec 5, 2026 (the locale's own pattern)."""
    return str(format_skeleton("yMMMEd", day, locale=_locale()))


def audit_value_formatters() -> dict[str, Callable[[object], str]]:
    """How the recorded values of a window read on the resource's change list."""

    def audience(value: object) -> str:
        return str(AUDIENCE_WORDS[Audience(str(value))])

    def days(value: object) -> str:
        return describe_days(parse_days(value))

    def price(value: object) -> str:
        return describe_price(int(str(value)))

    def quota(value: object) -> str:
        return _("%(hours)s hours a week", hours=plain_number(Decimal(int(str(value))) / 60))

    def approval(value: object) -> str:
        return describe_approval(value if isinstance(value, bool) else None) or _("as the resource's policy says")

    return {
        "audience": audience,
        "days": days,
        "price": price,
        "max_minutes_per_week": quota,
        "requires_approval": approval,
    }
