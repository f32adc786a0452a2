"""The official workday calendar: Mon–Fri, changed by holidays and make-up workdays (调休)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class DaySource(StrEnum):
    MANUAL = "manual"  # an administrator's override
    IMPORT = "import"  # an imported official arrangement (file or .ics)
    PACKAGE = "package"  # seeded from the chinesecalendar package

    @property
    def precedence(self) -> int:
        return {"manual": 0, "import": 1, "package": 2}[self.value]


@dataclass(frozen=True)
class DayEntry:
    day: date
    workday: bool
    name: str
    source: DaySource


def effective_days(entries: Iterable[DayEntry]) -> dict[date, DayEntry]:
    """For each day, the entry of the strongest source: manual beats import beats package."""
    chosen: dict[date, DayEntry] = {}
    for entry in entries:
        current = chosen.get(entry.day)
        if current is None or entry.source.precedence < current.source.precedence:
            chosen[entry.day] = entry
    return chosen


def is_workday(day: date, exceptions: Mapping[date, DayEntry]) -> bool:
    """An official workday: the calendar's word if it has one, else Monday to Friday."""
    entry = exceptions.get(day)
    if entry is not None:
        return entry.workday
    return day.weekday() < 5
