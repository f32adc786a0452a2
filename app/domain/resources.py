"""Resources and their booking policy: kinds, and the rules a policy must keep."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from zoneinfo import ZoneInfo, available_timezones

from app.domain.errors import DomainError

DEFAULT_TIMEZONE = "Asia/Shanghai"
# Words that name the directory's own pages (/directory/new, ...), never a resource.
RESERVED_RESOURCE_CODES = frozenset({"new", "mine", "import", "export.csv", "photos"})
MINUTES_PER_DAY = 24 * 60


class ResourceKind(StrEnum):
    ACTIVITY_CENTRE = "activity_centre"  # 活动中心
    PLAZA = "plaza"  # 休闲广场
    THEATRE = "theatre"  # 剧院
    SPORTS_VENUE = "sports_venue"  # 体育场馆
    MEETING_ROOM = "meeting_room"  # 会议室 / 视频会议室
    PARKING = "parking"  # 停车场


@dataclass(frozen=True)
class Policy:
    """How a resource may be booked. Times are minutes; release_time is local wall-clock."""

    slot_minutes: int = 30
    min_minutes: int = 30
    max_minutes: int = 240
    book_ahead_days: int = 14
    release_time: time = time(0, 0)
    buffer_minutes: int = 0
    requires_approval: bool = False
    checkin_required: bool = False
    checkin_grace_minutes: int = 15
    cancel_before_minutes: int = 60


def check_policy(policy: Policy) -> None:
    """Raise a DomainError naming the first field that breaks a rule."""
    if not 5 <= policy.slot_minutes <= MINUTES_PER_DAY or MINUTES_PER_DAY % policy.slot_minutes:
        raise DomainError("slot_not_dividing_day", field="slot_minutes")
    if policy.min_minutes < policy.slot_minutes or policy.min_minutes % policy.slot_minutes:
        raise DomainError("not_multiple_of_slot", field="min_minutes")
    if policy.max_minutes % policy.slot_minutes:
        raise DomainError("not_multiple_of_slot", field="max_minutes")
    if policy.max_minutes < policy.min_minutes:
        raise DomainError("max_below_min", field="max_minutes")
    if policy.max_minutes > 31 * MINUTES_PER_DAY:
        raise DomainError("value_too_large", field="max_minutes")
    if not 0 <= policy.book_ahead_days <= 366:
        raise DomainError("out_of_range", field="book_ahead_days")
    if not 0 <= policy.buffer_minutes <= MINUTES_PER_DAY:
        raise DomainError("out_of_range", field="buffer_minutes")
    if not 0 <= policy.checkin_grace_minutes <= 240:
        raise DomainError("out_of_range", field="checkin_grace_minutes")
    if not 0 <= policy.cancel_before_minutes <= 30 * MINUTES_PER_DAY:
        raise DomainError("out_of_range", field="cancel_before_minutes")


def check_capacity(capacity: int) -> None:
    if not 1 <= capacity <= 100_000:
        raise DomainError("capacity_out_of_range", field="capacity")


def check_timezone(name: str) -> ZoneInfo:
    if name not in _zones():
        raise DomainError("unknown_timezone", field="timezone")
    return ZoneInfo(name)


def check_coordinates(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        raise DomainError("coordinates_incomplete", field="latitude")
    if latitude is not None and not -90 <= latitude <= 90:
        raise DomainError("out_of_range", field="latitude")
    if longitude is not None and not -180 <= longitude <= 180:
        raise DomainError("out_of_range", field="longitude")


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def normalise_tags(raw: str | list[str]) -> list[str]:
    """Amenity tags from a list or a comma/、/；-separated text: trimmed, unique, in order."""
    parts = raw if isinstance(raw, list) else re.split(r"[,，、;；\n]", raw)
    tags: list[str] = []
    for part in parts:
        tag = str(part).strip()[:30]
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:20]
