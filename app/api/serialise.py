"""JSON shapes of API.md: users, memberships, registrations, resources with their rules, availability."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.access.models import clock, days_value
from app.accounts.models import User
from app.bookings.models import Booking
from app.directory.models import Resource
from app.domain.ratings import DIMENSIONS, average
from app.domain.rules import Slot
from app.domain.windows import AccessWindow
from app.organisations.models import Membership, Registration

DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")


def rfc3339(value: datetime | None, zone: ZoneInfo = DEFAULT_ZONE) -> str | None:
    return value.astimezone(zone).isoformat() if value else None


def user_summary(user: User) -> dict[str, Any]:
    return {"code": user.code, "name": user.name}


def registration_json(registration: Registration) -> dict[str, Any]:
    return {
        "id": registration.id,
        "kind": registration.kind,
        "community": registration.community.code,
        "unit": registration.unit.code if registration.unit else None,
        "user": registration.user.code if registration.user else None,
        "party_member": registration.party_member,
        "work_unit": registration.work_unit.code if registration.work_unit else None,
        "status": registration.status,
        "receipt": registration.receipt,
        "reason": registration.reason or None,
        "created_at": rfc3339(registration.created_at),
        "decided_at": rfc3339(registration.decided_at),
        "transferred_from": registration.transferred_from_id,
    }


def me_json(
    user: User, residence: Registration | None, memberships: list[Membership], registrations: list[Registration]
) -> dict[str, Any]:
    return {
        "code": user.code,
        "name": user.name,
        "phone": user.phone,
        "email": user.email,
        "party_member": user.party_member,
        "is_admin": user.is_admin,
        "residence": {"community": residence.community.code, "status": residence.status} if residence else None,
        "memberships": [{"org": m.organisation.code, "role": m.role} for m in memberships],
        "registrations": [registration_json(r) for r in registrations],
    }


def window_json(window: AccessWindow) -> dict[str, Any]:
    """An access window in the import file's shape (API.md): local "HH:MM" times, 24:00 the day's end."""
    return {
        "audience": window.audience.value,
        "days": days_value(window.days),
        "start": clock(window.start),
        "end": clock(window.end),
        "price": window.price,
        "max_quantity": window.max_quantity,
        "max_minutes_per_week": window.max_minutes_per_week,
        "requires_approval": window.requires_approval,
    }


def closure_json(start: datetime, end: datetime, reason: str, zone: ZoneInfo) -> dict[str, Any]:
    return {"start": rfc3339(start, zone), "end": rfc3339(end, zone), "reason": reason}


def resource_json(
    resource: Resource,
    *,
    external_url: Callable[..., str],
    windows: Sequence[AccessWindow],
    closures: Sequence[tuple[datetime, datetime, str]],
) -> dict[str, Any]:
    """A resource as API.md describes it, with its access windows and the closures to come; URLs are absolute."""
    policy = resource.policy
    owner = resource.owner
    zone = ZoneInfo(resource.timezone)
    return {
        "code": resource.code,
        "name": resource.name,
        "kind": resource.kind,
        "owner": {"code": owner.code, "name": owner.name, "kind": owner.kind},
        "address": resource.address,
        "latitude": resource.latitude,
        "longitude": resource.longitude,
        "capacity": resource.capacity,
        "unit_label": resource.unit_label,
        "description": resource.description,
        "amenities": list(resource.amenities or []),
        "timezone": resource.timezone,
        "active": resource.active,
        "policy": {
            "slot_minutes": policy.slot_minutes,
            "min_minutes": policy.min_minutes,
            "max_minutes": policy.max_minutes,
            "book_ahead_days": policy.book_ahead_days,
            "release_time": policy.release_time.strftime("%H:%M"),
            "buffer_minutes": policy.buffer_minutes,
            "requires_approval": policy.requires_approval,
            "checkin_required": policy.checkin_required,
            "checkin_grace_minutes": policy.checkin_grace_minutes,
            "cancel_before_minutes": policy.cancel_before_minutes,
        },
        "windows": [window_json(w) for w in windows],
        "closures": [closure_json(start, end, reason, zone) for start, end, reason in closures],
        "links": {
            "page": external_url("directory.show", code=resource.code),
            "poster": external_url("directory.poster", code=resource.code),
            "qr": external_url("directory.qr_svg", code=resource.code),
        },
        # The public availability feed (iCalendar); the secret personal feeds are GET /me/feeds.
        "feeds": {"ical": external_url("feeds.resource_feed", code=resource.code)},
        "updated_at": rfc3339(resource.updated_at, zone),
        # Its visible ratings, from the resource's own counters (no query): GET /resources/{code}/ratings lists them.
        "rating": rating_summary_json(resource),
    }


def rating_summary_json(resource: Resource) -> dict[str, Any]:
    mean = average(resource.rating_total, resource.rating_count, per_rating=len(DIMENSIONS), places=2)
    return {"average": float(mean) if mean is not None else None, "count": resource.rating_count}


def slot_json(slot: Slot, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "start": rfc3339(slot.start, zone),
        "end": rfc3339(slot.end, zone),
        "capacity": slot.capacity,
        "free": slot.free,
        "bookable": slot.bookable,
        "reason": slot.reason,
    }


def availability_json(resource: Resource, slots: Sequence[Slot]) -> dict[str, Any]:
    """The slot grid of API.md: times in the resource's zone."""
    zone = ZoneInfo(resource.timezone)
    return {"resource": resource.code, "timezone": resource.timezone, "slots": [slot_json(s, zone) for s in slots]}


def booking_json(booking: Booking) -> dict[str, Any]:
    """API.md's booking, its times in the resource's zone."""
    zone = ZoneInfo(booking.resource.timezone)
    return {
        "id": booking.id,
        "resource": booking.resource.code,
        "start": rfc3339(booking.start, zone),
        "end": rfc3339(booking.end, zone),
        "quantity": booking.quantity,
        "status": booking.status,
        "on_behalf_of": booking.on_behalf_of.code if booking.on_behalf_of is not None else None,
        "purpose": booking.purpose,
        "series": booking.series_id,
        "created_at": rfc3339(booking.created_at, zone),
    }
