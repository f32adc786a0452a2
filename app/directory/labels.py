"""Words for resource kinds: labels in both languages, icons, and the words search should know."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "activity_centre": _l("Activity centre"),
    "plaza": _l("Leisure plaza"),
    "theatre": _l("Theatre"),
    "sports_venue": _l("Sports venue"),
    "meeting_room": _l("Meeting room"),
    "parking": _l("Parking"),
}

# Bootstrap Icons (served locally by Bootstrap-Flask).
KIND_ICONS = {
    "activity_centre": "people",
    "plaza": "tree",
    "theatre": "film",
    "sports_venue": "dribbble",
    "meeting_room": "easel",
    "parking": "p-square",
}

# Indexed with each resource so people find it by what it is, in either language.
KIND_SEARCH_WORDS = {
    "activity_centre": "活动中心 活动室 党群服务中心 activity centre",
    "plaza": "休闲广场 广场 公园 plaza square",
    "theatre": "剧院 剧场 礼堂 影剧院 theatre theater auditorium",
    "sports_venue": "体育场馆 体育场 运动场 球场 体育馆 sports venue stadium court gym",
    "meeting_room": "会议室 视频会议室 办公室 meeting room video conference office",
    "parking": "停车场 车位 停车 parking car park",
}

DEFAULT_UNIT_LABELS = {
    "activity_centre": "间",
    "plaza": "处",
    "theatre": "座位",
    "sports_venue": "场地",
    "meeting_room": "间",
    "parking": "车位",
}

AUDIT_ACTION_LABELS = {
    "created": _l("Created"),
    "updated": _l("Changed"),
    "activated": _l("Listed again"),
    "deactivated": _l("Hidden from the directory"),
    "photo_added": _l("Photo added"),
    "photo_removed": _l("Photo removed"),
    "window_added": _l("Booking window added"),
    "window_changed": _l("Booking window changed"),
    "window_removed": _l("Booking window removed"),
    "closure_added": _l("Closure added"),
    "closure_removed": _l("Closure removed"),
}

FIELD_LABELS = {
    "code": _l("Code"),
    "owner": _l("Owner"),
    "name": _l("Name"),
    "kind": _l("Kind"),
    "address": _l("Address"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "capacity": _l("Capacity"),
    "unit_label": _l("Counted in"),
    "description": _l("Description"),
    "amenities": _l("Amenities"),
    "timezone": _l("Time zone"),
    "active": _l("Listed"),
    "slot_minutes": _l("Slot length (minutes)"),
    "min_minutes": _l("Shortest booking (minutes)"),
    "max_minutes": _l("Longest booking (minutes)"),
    "book_ahead_days": _l("Bookable this many days ahead"),
    "release_time": _l("New days open at"),
    "buffer_minutes": _l("Gap between bookings (minutes)"),
    "requires_approval": _l("Bookings need a manager's approval"),
    "checkin_required": _l("People must check in on arrival"),
    "checkin_grace_minutes": _l("Check-in grace (minutes)"),
    "cancel_before_minutes": _l("Cancel at the latest (minutes before the start)"),
    "photo": _l("Photo"),
    # An access window's fields (app.access.models.Window.audit_view) and a closure's.
    "audience": _l("Who may book"),
    "days": _l("Days"),
    "start": _l("From"),
    "end": _l("Until"),
    "price": _l("Price (fen per hour)"),
    "max_quantity": _l("At most per booking"),
    "max_minutes_per_week": _l("Weekly quota (minutes)"),
    "reason": _l("Reason for closing"),
}
