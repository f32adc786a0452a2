"""The OpenAPI 3 document of API v1; a test keeps it in step with the routes."""

from __future__ import annotations

from typing import Any

from app.api.openapi_members import MEMBER_PATHS, MEMBER_SCHEMAS
from app.api.openapi_ratings import RATING_PATHS, RATING_SCHEMAS


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


# A list's query parameters and answer (API.md: {"items", "total", "page", "per_page"}).
PAGING = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
]


def _page_of(description: str, item: str) -> dict[str, Any]:
    number = {"type": "integer"}
    items = {"type": "array", "items": _ref(item)}
    return _json(
        description,
        {"type": "object", "properties": {"items": items, "total": number, "page": number, "per_page": number}},
    )


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {"schema": _ref("Problem")}}}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


SCHEMAS: dict[str, Any] = {
    "Policy": {
        "type": "object",
        "properties": {
            "slot_minutes": {"type": "integer"},
            "min_minutes": {"type": "integer"},
            "max_minutes": {"type": "integer"},
            "book_ahead_days": {"type": "integer"},
            "release_time": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
            "buffer_minutes": {"type": "integer"},
            "requires_approval": {"type": "boolean"},
            "checkin_required": {"type": "boolean"},
            "checkin_grace_minutes": {"type": "integer"},
            "cancel_before_minutes": {"type": "integer"},
        },
    },
    "Resource": {
        "type": "object",
        "required": ["code", "name", "kind", "owner", "capacity", "policy"],
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "kind": {
                "type": "string",
                "enum": ["activity_centre", "plaza", "theatre", "sports_venue", "meeting_room", "parking"],
            },
            "owner": {
                "type": "object",
                "properties": {"code": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"}},
            },
            "address": {"type": "string"},
            "latitude": {"type": ["number", "null"]},
            "longitude": {"type": ["number", "null"]},
            "capacity": {"type": "integer", "minimum": 1},
            "unit_label": {"type": "string", "description": "What the capacity counts: 车位, 场地, 座位, 间…"},
            "description": {"type": "string"},
            "amenities": {"type": "array", "items": {"type": "string"}},
            "timezone": {"type": "string"},
            "active": {"type": "boolean"},
            "policy": _ref("Policy"),
            "windows": {
                "type": "array",
                "items": _ref("Window"),
                "description": "Who may book when: the access windows, in the import file's shape.",
            },
            "closures": {
                "type": "array",
                "items": _ref("Closure"),
                "description": "Closures of the resource or its owner that have not ended and start within 62 days.",
            },
            "links": {
                "type": "object",
                "properties": {
                    "page": {"type": "string", "format": "uri"},
                    "poster": {"type": "string", "format": "uri"},
                    "qr": {"type": "string", "format": "uri"},
                },
            },
            "feeds": {
                "type": "object",
                "properties": {"ical": {"type": "string", "format": "uri", "description": "Public availability feed."}},
            },
            "updated_at": {"type": "string", "format": "date-time"},
            "rating": _ref("RatingSummary"),
        },
    },
    "Window": {
        "type": "object",
        "required": ["audience", "days", "start", "end"],
        "properties": {
            "audience": {
                "type": "string",
                "enum": ["public", "residents", "registered_units", "owner_members", "party_members"],
            },
            "days": {
                "description": "`all`, `workday` or `restday` (the official calendar), or a list of weekdays.",
                "oneOf": [
                    {"type": "string", "enum": ["all", "workday", "restday"]},
                    {
                        "type": "array",
                        "items": {"type": "string", "enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
                    },
                ],
            },
            "start": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "description": "Local time."},
            "end": {
                "type": "string",
                "pattern": "^[0-2][0-9]:[0-5][0-9]$",
                "description": "Local time; 24:00 allowed.",
            },
            "price": {"type": "integer", "minimum": 0, "description": "In fen; 0 is free."},
            "max_quantity": {"type": ["integer", "null"], "minimum": 1},
            "max_minutes_per_week": {"type": ["integer", "null"], "minimum": 1},
            "requires_approval": {"type": ["boolean", "null"], "description": "null: the policy decides."},
        },
    },
    "Closure": {
        "type": "object",
        "properties": {
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "reason": {"type": "string"},
        },
    },
    "Slot": {
        "type": "object",
        "required": ["start", "end", "capacity", "free", "bookable", "reason"],
        "properties": {
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "capacity": {"type": "integer"},
            "free": {"type": "integer", "description": "Units not held by bookings over the whole slot."},
            "bookable": {
                "type": "boolean",
                "description": "Whether a booking of quantity 1 and the minimum length starting here would be "
                "accepted for the caller now.",
            },
            "reason": {
                "type": ["string", "null"],
                "description": "Why not: the error code that booking would get (`unauthorized` without a token).",
            },
        },
    },
    "Availability": {
        "type": "object",
        "required": ["resource", "slots"],
        "properties": {
            "resource": {"type": "string"},
            "timezone": {"type": "string"},
            "slots": {"type": "array", "items": _ref("Slot")},
        },
    },
    "ResourcePage": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": _ref("Resource")},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
        },
    },
    "Booking": {
        "type": "object",
        "required": ["id", "resource", "start", "end", "quantity", "status"],
        "properties": {
            "id": {"type": "integer"},
            "resource": {"type": "string", "description": "The resource's code."},
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "quantity": {"type": "integer", "minimum": 1},
            "status": {
                "type": "string",
                "enum": [
                    "pending",
                    "confirmed",
                    "rejected",
                    "cancelled",
                    "checked_in",
                    "no_show",
                    "completed",
                    "expired",
                ],
            },
            "on_behalf_of": {"type": ["string", "null"], "description": "The unit's code, when booked for one."},
            "purpose": {"type": "string"},
            "series": {"type": ["integer", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "BookingRequest": {
        "type": "object",
        "required": ["resource", "start", "end"],
        "properties": {
            "resource": {"type": "string"},
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "quantity": {"type": "integer", "minimum": 1, "default": 1},
            "on_behalf_of": {"type": ["string", "null"], "description": "A unit the caller belongs to."},
            "purpose": {"type": "string", "maxLength": 300},
            "recurrence": {
                "type": "object",
                "description": "A series: an RRULE (FREQ DAILY or WEEKLY, optional INTERVAL and BYDAY, and COUNT "
                'or UNTIL; at most 366 occurrences), or `"every": "workday"` with `until` (a date) or `count`, '
                "which follows the official workday calendar (holidays skipped, make-up workdays included). "
                "Every occurrence keeps the first one's local times.",
                "properties": {
                    "rrule": {"type": "string", "example": "FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20270131"},
                    "every": {"type": "string", "enum": ["workday"]},
                    "until": {"type": "string", "format": "date"},
                    "count": {"type": "integer", "minimum": 1, "maximum": 366},
                    "on_conflict": {"type": "string", "enum": ["fail", "skip"], "default": "fail"},
                },
            },
        },
    },
    "Occurrence": {
        "type": "object",
        "properties": {
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "code": {"type": ["string", "null"], "description": "Why it cannot be booked; null when it can."},
        },
    },
    "Series": {
        "type": "object",
        "properties": {
            "series": {"type": "integer"},
            "bookings": {"type": "array", "items": {"$ref": "#/components/schemas/Booking"}},
            "skipped": {"type": "array", "items": {"$ref": "#/components/schemas/Occurrence"}},
        },
    },
    "WaitlistEntry": {
        "type": "object",
        "required": ["id", "resource", "start", "end", "quantity", "status"],
        "properties": {
            "id": {"type": "integer"},
            "resource": {"type": "string", "description": "The resource's code."},
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "quantity": {"type": "integer", "minimum": 1},
            "on_behalf_of": {"type": ["string", "null"]},
            "purpose": {"type": "string"},
            "status": {
                "type": "string",
                "enum": ["waiting", "promoted", "left", "lapsed"],
                "description": "`promoted`: capacity freed and it became `booking`; `lapsed`: its start passed.",
            },
            "booking": {"type": ["integer", "null"], "description": "The booking it became, once promoted."},
            "created_at": {"type": "string", "format": "date-time"},
            "decided_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details with a stable machine-readable code.",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string", "description": "Human text in the request's language."},
            "code": {"type": "string"},
        },
    },
    "TokenRequest": {
        "type": "object",
        "required": ["login", "password"],
        "properties": {
            "login": {"type": "string", "description": "Mainland mobile number or email."},
            "password": {"type": "string", "format": "password"},
            "label": {"type": "string", "description": "Optional name of the device."},
        },
    },
    "UserSummary": {
        "type": "object",
        "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
    },
    "TokenResponse": {
        "type": "object",
        "required": ["token", "user"],
        "properties": {
            "token": {"type": "string"},
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_at": {"type": "string", "format": "date-time"},
            "user": _ref("UserSummary"),
        },
    },
    "Registration": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": ["resident", "unit"]},
            "community": {"type": "string"},
            "unit": {"type": ["string", "null"]},
            "user": {"type": ["string", "null"]},
            "party_member": {"type": "boolean"},
            "work_unit": {"type": ["string", "null"]},
            "status": {"type": "string", "enum": ["pending", "acknowledged", "declined", "withdrawn"]},
            "receipt": {"type": ["string", "null"]},
            "reason": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "decided_at": {"type": ["string", "null"], "format": "date-time"},
            "transferred_from": {
                "type": ["integer", "null"],
                "description": "A residence moved from another community: the registration it replaced.",
            },
        },
    },
    "Me": {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "phone": {"type": ["string", "null"]},
            "email": {"type": ["string", "null"]},
            "party_member": {"type": "boolean"},
            "is_admin": {"type": "boolean"},
            "residence": {
                "type": ["object", "null"],
                "properties": {"community": {"type": "string"}, "status": {"type": "string"}},
            },
            "memberships": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "org": {"type": "string"},
                        "role": {"type": "string", "enum": ["member", "manager"]},
                    },
                },
            },
            "registrations": {"type": "array", "items": _ref("Registration")},
        },
    },
}

PATHS: dict[str, Any] = {
    "/auth/token": {
        "post": {
            "summary": "Sign in and get a bearer token",
            "security": [],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("TokenRequest")}}},
            "responses": {
                "200": _json("A new token; keep it secret.", _ref("TokenResponse")),
                "400": _problem("The body is not a JSON object (`invalid_json`)."),
                "401": _problem("Wrong login or password (`bad_credentials`); which one is never said."),
                "422": _problem("Login or password missing."),
                "429": _problem("Too many failed attempts for this account or address (`rate_limited`)."),
            },
        },
        "delete": {
            "summary": "Revoke the token used for this request",
            "responses": {"204": {"description": "Revoked."}, "401": _problem("No valid token.")},
        },
    },
    "/me": {
        "get": {
            "summary": "The signed-in user, their organisations and registrations",
            "responses": {"200": _json("The user.", _ref("Me")), "401": _problem("No valid token.")},
        }
    },
    "/me/feeds": {
        "get": {
            "summary": "The caller's secret iCal feed URLs: personal, and of each organisation they manage",
            "description": "Each URL holds a secret token (made on first use); anyone with it can read the feed. "
            "A new one is made on the account's calendar feeds page, and the old URL then answers 404.",
            "responses": {
                "200": _json(
                    "The feed URLs.",
                    {
                        "type": "object",
                        "required": ["personal", "organisations"],
                        "properties": {
                            "personal": {"type": "string", "format": "uri"},
                            "organisations": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "org": {"type": "string"},
                                        "url": {"type": "string", "format": "uri"},
                                    },
                                },
                            },
                        },
                    },
                ),
                "401": _problem("No valid token."),
            },
        }
    },
    "/resources": {
        "get": {
            "summary": "Search the shared directory (Chinese text works: 停车, 体育); what is open or free to me",
            "description": "Public; the personal filters (open_to_me, free_from/free_to, on_behalf_of) need a token.",
            "security": [{}, {"bearer": []}],
            "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Words to find."},
                {"name": "kind", "in": "query", "schema": {"type": "string"}},
                {
                    "name": "community",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "An area's code: a community, street or district.",
                },
                {
                    "name": "open_to_me",
                    "in": "query",
                    "schema": {"type": "integer", "enum": [0, 1]},
                    "description": "1: only what has a window open to the caller now, without a closure (token).",
                },
                {
                    "name": "free_from",
                    "in": "query",
                    "schema": {"type": "string", "format": "date-time"},
                    "description": "With free_to: only what the caller may book over [free_from, free_to) (token).",
                },
                {"name": "free_to", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                {
                    "name": "quantity",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "default": 1},
                    "description": "How many units must be bookable at once (with free_from and free_to).",
                },
                {
                    "name": "on_behalf_of",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "A unit's code: decide as booking for it (token).",
                },
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
                {
                    "name": "per_page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                },
            ],
            "responses": {
                "200": _json("Active resources, best matches first.", _ref("ResourcePage")),
                "401": _problem("A personal filter without a valid token, or a bad token (`unauthorized`)."),
                "422": _problem(
                    "A filter is not valid (`invalid_filter`), or free_from to free_to is over 31 days "
                    "(`range_too_long`)."
                ),
            },
        }
    },
    "/resources/{code}": {
        "get": {
            "summary": "One resource with its booking policy, access windows and closures to come",
            "security": [],
            "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "200": _json("The resource.", _ref("Resource")),
                "404": _problem("No active resource has this code (`not_found`)."),
            },
        }
    },
    "/resources/{code}/availability": {
        "get": {
            "summary": "The slot grid of some days: how many units are free, and whether the caller may book",
            "description": "Public; with a token each slot says whether the caller may book it.",
            "security": [{}, {"bearer": []}],
            "parameters": [
                {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}},
                {
                    "name": "from",
                    "in": "query",
                    "schema": {"type": "string", "format": "date"},
                    "description": "First local day (default: today in the resource's zone).",
                },
                {
                    "name": "to",
                    "in": "query",
                    "schema": {"type": "string", "format": "date"},
                    "description": "Last local day, inclusive (default: from); at most 62 days in all.",
                },
                {
                    "name": "on_behalf_of",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "A unit's code: as booking for it (`forbidden` slots if not its member).",
                },
            ],
            "responses": {
                "200": _json("Slots in time order, times in the resource's zone.", _ref("Availability")),
                "401": _problem("A bad token, or on_behalf_of without a token (`unauthorized`)."),
                "404": _problem("No active resource has this code (`not_found`)."),
                "422": _problem(
                    "A bad date, to before from or an unknown on_behalf_of (`invalid_filter`); "
                    "more than 62 days (`range_too_long`)."
                ),
            },
        }
    },
    "/bookings": {
        "post": {
            "summary": "Place a booking",
            "description": "The engine decides under the resource's lock; nothing is written on refusal. "
            "Pending when the resource (or the window) requires approval, else confirmed. "
            "With `recurrence`, the whole series is decided in one locked transaction: `on_conflict: fail` books "
            "nothing when any occurrence cannot be booked (409 `conflict` listing `clashes`), `skip` books the "
            "rest and lists the `skipped` with their codes.",
            "parameters": [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "schema": {"type": "string", "maxLength": 200},
                    "description": "The same key and body get the first answer again (and no second booking), "
                    "with the header Idempotent-Replayed: true; the same key with another body is "
                    "`idempotency_key_reused`. Refusals are not kept: a refused request may be retried.",
                }
            ],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("BookingRequest")}}},
            "responses": {
                "201": _json(
                    "The booking; with `recurrence`, the series and its occurrences.",
                    {"oneOf": [_ref("Booking"), _ref("Series")]},
                ),
                "400": _problem("The body is not a JSON object (`invalid_json`)."),
                "401": _problem("No valid bearer token (`unauthorized`)."),
                "403": _problem(
                    "`forbidden` (acting for a unit one is not a member of), `not_eligible`, `outside_window`."
                ),
                "404": _problem("No active resource has this code (`not_found`)."),
                "409": _problem(
                    "`closed`, `quota_exceeded`, `capacity_exceeded`; for a series, `conflict` with `clashes` "
                    "(a list of Occurrence)."
                ),
                "422": _problem(
                    "`invalid_time`, `in_past`, `not_yet_released`, `too_far_ahead`, `too_short`, "
                    "`too_long`, `misaligned`, `quantity_exceeded`, `invalid_recurrence`, `too_many_occurrences`, "
                    "`idempotency_key_reused`, `invalid_idempotency_key`."
                ),
            },
        },
        "get": {
            "summary": "The caller's bookings (with on_behalf_of: a unit's, all of them for its managers)",
            "parameters": [
                {"name": "status", "in": "query", "schema": {"type": "string"}, "description": "Comma-separated."},
                {"name": "from", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                {"name": "to", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                {"name": "on_behalf_of", "in": "query", "schema": {"type": "string"}},
                *PAGING,
            ],
            "responses": {
                "200": _page_of("A page of bookings, latest start first.", "Booking"),
                "401": _problem("No valid bearer token (`unauthorized`)."),
                "422": _problem("A bad filter or page (`invalid_filter`)."),
            },
        },
    },
    "/bookings/{booking_id}": {
        "get": {
            "summary": "One booking the caller may see (theirs, their unit's as its manager, or their resource's)",
            "parameters": [{"name": "booking_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {
                "200": _json("The booking.", _ref("Booking")),
                "401": _problem("No valid bearer token (`unauthorized`)."),
                "404": _problem("No such booking, or not one the caller may see (`not_found`)."),
            },
        }
    },
    "/bookings/{booking_id}/cancel": {
        "post": {
            "summary": "Cancel: the booker until the resource's deadline; managers at any time, with a reason",
            "parameters": [{"name": "booking_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "reason": {"type": "string"},
                                "rest_of_series": {
                                    "type": "boolean",
                                    "description": "Cancel this occurrence and every later one of its series.",
                                },
                            },
                        }
                    }
                }
            },
            "responses": {
                "200": _json(
                    "The cancelled booking; with rest_of_series, the series and the bookings cancelled.",
                    {"oneOf": [_ref("Booking"), _ref("Series")]},
                ),
                "401": _problem("No valid bearer token (`unauthorized`)."),
                "404": _problem("No such booking, or not one the caller may see (`not_found`)."),
                "409": _problem(
                    "Already over or cancelled (`not_cancellable`); past the deadline (`too_late_to_cancel`); "
                    "rest_of_series on a single booking (`not_in_series`)."
                ),
                "422": _problem("A manager must give a reason (`reason_required`); too long (`value_too_long`)."),
            },
        }
    },
    "/bookings/{booking_id}/approve": {
        "post": {
            "summary": "Approve a pending booking (the owner's managers); the booker is notified",
            "parameters": [{"name": "booking_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {
                "200": _json("The confirmed booking.", _ref("Booking")),
                "401": _problem("No valid bearer token (`unauthorized`)."),
                "403": _problem("Not a manager of the resource's owner (`forbidden`)."),
                "404": _problem("No such booking, or not one the caller may see (`not_found`)."),
                "409": _problem("Not pending any more (`not_pending`)."),
                "422": _problem("Its start has passed (`in_past`)."),
            },
        }
    },
    "/bookings/{booking_id}/reject": {
        "post": {
            "summary": "Reject a pending booking with a reason (the owner's managers); the booker is notified",
            "parameters": [{"name": "booking_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["reason"],
                            "properties": {"reason": {"type": "string"}},
                        }
                    }
                },
            },
            "responses": {
                "200": _json("The rejected booking.", _ref("Booking")),
                "401": _problem("No valid bearer token (`unauthorized`)."),
                "403": _problem("Not a manager of the resource's owner (`forbidden`)."),
                "404": _problem("No such booking, or not one the caller may see (`not_found`)."),
                "409": _problem("Not pending any more (`not_pending`)."),
                "422": _problem("No reason (`reason_required`), or its start has passed (`in_past`)."),
            },
        }
    },
    "/bookings/{booking_id}/check-in": {
        "post": {
            "summary": "Check in inside the check-in window (the booker, the unit's or the owner's managers)",
            "description": "Where the resource asks for check-in: from 15 minutes before the start to its "
            "`checkin_grace_minutes` after (at the booking's end at the latest). A confirmed booking not checked "
            "in by then becomes `no_show` and its capacity goes back (to the waitlist first).",
            "parameters": [{"name": "booking_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {
                "200": _json("The booking, now `checked_in`.", _ref("Booking")),
                "401": _problem("No valid bearer token (`unauthorized`)."),
                "404": _problem("No such booking, or not one the caller may see (`not_found`)."),
                "409": _problem(
                    "The resource does not ask for check-in (`checkin_not_required`); too early "
                    "(`checkin_not_open`); too late (`checkin_closed`); not confirmed (`not_checkable`)."
                ),
            },
        }
    },
    "/waitlist": {
        "post": {
            "summary": "Wait for a full time: booked automatically, with a notification, when capacity frees",
            "description": "Only a request refused for capacity alone may wait (`not_full` when it could be booked "
            "now; any other reason is refused as POST /bookings refuses it). When a booking is cancelled, rejected "
            "or a no-show, those waiting are decided again in line order, and the first allowed gets the booking.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("BookingRequest")}}},
            "responses": {
                "201": _json("The place in line, `waiting`.", _ref("WaitlistEntry")),
                "400": _problem("The body is not a JSON object (`invalid_json`)."),
                "401": _problem("No valid bearer token (`unauthorized`)."),
                "403": _problem("`forbidden`, `not_eligible`, `outside_window`."),
                "404": _problem("No active resource has this code (`not_found`)."),
                "409": _problem(
                    "Room is free: book instead (`not_full`); already waiting for this time (`already_waiting`); "
                    "`closed`, `quota_exceeded`."
                ),
                "422": _problem(
                    "`invalid_time`, `in_past`, `not_yet_released`, `too_far_ahead`, `too_short`, `too_long`, "
                    "`misaligned`, `quantity_exceeded`, `value_too_long`; a `recurrence` (`invalid_recurrence`)."
                ),
            },
        },
        "get": {
            "summary": "The caller's places in line, soonest first",
            "parameters": [
                {
                    "name": "status",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["waiting", "promoted", "left", "lapsed"]},
                    "description": "Default: waiting.",
                },
                *PAGING,
            ],
            "responses": {
                "200": _page_of("A page of places in line.", "WaitlistEntry"),
                "401": _problem("No valid bearer token (`unauthorized`)."),
                "422": _problem("A bad filter or page (`invalid_filter`)."),
            },
        },
    },
    "/waitlist/{entry_id}/leave": {
        "post": {
            "summary": "Leave the line (its user, the managers of the unit it was for)",
            "parameters": [{"name": "entry_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {
                "200": _json("The place in line, now `left`.", _ref("WaitlistEntry")),
                "401": _problem("No valid bearer token (`unauthorized`)."),
                "404": _problem("No such place in line, or not one the caller may see (`not_found`)."),
                "409": _problem("Not waiting any more: promoted, lapsed or left (`not_waiting`)."),
            },
        }
    },
    "/openapi.json": {
        "get": {
            "summary": "This document",
            "security": [],
            "responses": {"200": {"description": "OpenAPI 3 document.", "content": {"application/json": {}}}},
        }
    },
}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Linli API",
            "version": "1.0.0",
            "description": "Facility and resource sharing for city communities. Errors are problem+json "
            "with a stable `code`; times are RFC 3339 with an offset.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {**SCHEMAS, **MEMBER_SCHEMAS, **RATING_SCHEMAS},
        },
        "paths": {**PATHS, **MEMBER_PATHS, **RATING_PATHS},
    }
