"""The years a yearly figures page offers: from the first the system kept up to this one, in the city's zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from app.db import utcnow
from app.domain.resources import DEFAULT_TIMEZONE

FIRST_YEAR = 2018


def this_year() -> int:
    return utcnow().astimezone(ZoneInfo(DEFAULT_TIMEZONE)).year


def offered_years() -> list[int]:
    """Newest first, as a year picker lists them."""
    return list(range(this_year(), FIRST_YEAR - 1, -1))


def chosen_year(raw: str | None) -> int:
    """The year asked for, or this one when none, or one outside those offered, is asked."""
    current = this_year()
    try:
        year = int(raw or current)
    except ValueError:
        return current
    return year if FIRST_YEAR <= year <= current else current
