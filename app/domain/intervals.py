"""Half-open time intervals [start, end) and the few operations the rules need."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, order=True)
class Interval:
    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def overlaps(a: Interval, b: Interval) -> bool:
    """Whether two half-open intervals share an instant (touching ends do not)."""
    return a.start < b.end and b.start < a.end


def covers(outer: Interval, inner: Interval) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """The union as sorted, disjoint intervals; touching intervals join."""
    merged: list[Interval] = []
    for interval in sorted(i for i in intervals if i.start < i.end):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def union_covers(union: list[Interval], inner: Interval) -> bool:
    """Whether merged (disjoint, sorted) intervals cover `inner` entirely."""
    return any(covers(part, inner) for part in union)
