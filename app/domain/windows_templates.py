"""One-click window sets for the two cases the scheme was made for (seed article, 2018)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.domain.windows import AccessWindow, Audience, DayRule, Days

WORKDAYS = Days(DayRule.WORKDAY)
RESTDAYS = Days(DayRule.RESTDAY)
UNITS_MAX_QUANTITY = 3


@dataclass(frozen=True)
class Template:
    name: str
    windows: Callable[[int], list[AccessWindow]]  # given the resource's capacity


def _units_on_workdays(capacity: int) -> list[AccessWindow]:
    """A community's parking lot: free to its registered units in working hours."""
    return [
        AccessWindow(
            Audience.REGISTERED_UNITS,
            WORKDAYS,
            8 * 60 + 30,
            17 * 60 + 30,
            max_quantity=min(UNITS_MAX_QUANTITY, capacity),
        )
    ]


def _residents_outside_working_hours(capacity: int) -> list[AccessWindow]:
    """A unit's stadium: free to the residents of its communities in the evenings and on rest days."""
    return [
        AccessWindow(Audience.RESIDENTS, WORKDAYS, 18 * 60, 21 * 60 + 30),
        AccessWindow(Audience.RESIDENTS, RESTDAYS, 8 * 60, 21 * 60 + 30),
    ]


TEMPLATES = {
    t.name: t
    for t in (
        Template("units_on_workdays", _units_on_workdays),
        Template("residents_outside_working_hours", _residents_outside_working_hours),
    )
}
