"""The OpenAPI paths of API v1's ratings (rating a completed booking, a resource's ratings); merged into
app.api.openapi."""

from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {"schema": _ref("Problem")}}}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


BOOKING_ID = [{"name": "booking_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
PAGING = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
]
UNAUTHORIZED = _problem("No valid bearer token (`unauthorized`).")
SCORE = {"type": "integer", "minimum": 1, "maximum": 5}
AVERAGE = {"type": ["number", "null"], "description": "Two decimals; null before the first rating."}

RATING_SCHEMAS: dict[str, Any] = {
    "Scores": {
        "type": "object",
        "required": ["cleanliness", "equipment", "service"],
        "properties": {"cleanliness": SCORE, "equipment": SCORE, "service": SCORE},
    },
    "RatingRequest": {
        "type": "object",
        "required": ["scores"],
        "properties": {
            "scores": _ref("Scores"),
            "comment": {"type": ["string", "null"], "maxLength": 1000, "description": "Optional."},
        },
    },
    "Rating": {
        "type": "object",
        "required": ["id", "scores", "overall", "comment", "by", "reply", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "scores": _ref("Scores"),
            "overall": {"type": "integer", "minimum": 1, "maximum": 5, "description": "The mean, rounded."},
            "comment": {"type": "string"},
            "by": {"type": "string", "description": "The rater's name masked to its first character: 张*."},
            "reply": {
                "type": ["object", "null"],
                "description": "The owner's managers' public answer.",
                "properties": {"text": {"type": "string"}, "at": {"type": "string", "format": "date-time"}},
            },
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "booking": {"type": "integer", "description": "Only to its booker."},
            "resource": {"type": "string", "description": "Only to its booker: the resource's code."},
            "editable_until": {
                "type": "string",
                "format": "date-time",
                "description": "Only to its booker: 7 days after it was given.",
            },
            "hidden": {"type": "boolean", "description": "Only to its booker and administrators."},
            "hidden_reason": {"type": ["string", "null"], "description": "Only to administrators."},
        },
    },
    "RatingSummary": {
        "type": "object",
        "description": "A resource's visible ratings: how many, and the mean of all their scores.",
        "properties": {"average": AVERAGE, "count": {"type": "integer"}},
    },
    "ResourceRatings": {
        "type": "object",
        "required": ["average", "count", "items", "total", "page", "per_page"],
        "properties": {
            "average": AVERAGE,
            "count": {"type": "integer", "description": "Visible ratings (hidden ones do not count)."},
            "dimensions": {
                "type": "object",
                "description": "Each score's average.",
                "properties": {"cleanliness": AVERAGE, "equipment": AVERAGE, "service": AVERAGE},
            },
            "distribution": {
                "type": "object",
                "description": 'How many ratings have each overall score: {"5": 3, "4": 1, ...}.',
                "additionalProperties": {"type": "integer"},
            },
            "items": {"type": "array", "items": _ref("Rating")},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
        },
    },
}

_NOT_YOURS = {
    "403": _problem("The caller may see the booking but did not book it (`forbidden`)."),
    "404": _problem("No such booking, or not one the caller may see (`not_found`)."),
}
_BAD_RATING = _problem(
    "A score that is not a whole number from 1 to 5 (`invalid_score`, `field` names it: `scores.service`), "
    "a comment too long (`value_too_long`) or not text (`invalid`)."
)

RATING_PATHS: dict[str, Any] = {
    "/bookings/{booking_id}/rating": {
        "post": {
            "summary": "Rate a completed booking, once: the booker",
            "description": "Scores of 1 to 5 on cleanliness, equipment and service, and an optional comment. "
            "The rating can be changed (PUT) for 7 days.",
            "parameters": BOOKING_ID,
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("RatingRequest")}}},
            "responses": {
                "201": _json("The rating.", _ref("Rating")),
                "400": _problem("The body is not a JSON object (`invalid_json`)."),
                "401": UNAUTHORIZED,
                **_NOT_YOURS,
                "409": _problem(
                    "The booking is not completed (`not_completed`), or is rated already (`already_rated`)."
                ),
                "422": _BAD_RATING,
            },
        },
        "put": {
            "summary": "Change my rating within 7 days of giving it: the booker",
            "parameters": BOOKING_ID,
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("RatingRequest")}}},
            "responses": {
                "200": _json("The rating as changed.", _ref("Rating")),
                "400": _problem("The body is not a JSON object (`invalid_json`)."),
                "401": UNAUTHORIZED,
                "403": _NOT_YOURS["403"],
                "404": _problem("No such booking, not one the caller may see, or not rated yet (`not_found`)."),
                "409": _problem("More than 7 days since it was given (`edit_window_closed`)."),
                "422": _BAD_RATING,
            },
        },
        "get": {
            "summary": "A booking's rating: whoever may see the booking",
            "parameters": BOOKING_ID,
            "responses": {
                "200": _json("The rating.", _ref("Rating")),
                "401": UNAUTHORIZED,
                "404": _problem("No such booking, not one the caller may see, or no rating (`not_found`)."),
            },
        },
    },
    "/resources/{code}/ratings": {
        "get": {
            "summary": "A resource's ratings, newest first, with their average and count",
            "description": "Public. Names are masked (张*). Hidden ratings are left out and do not count; an "
            "administrator's token lists them too, marked `hidden`.",
            "security": [],
            "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}, *PAGING],
            "responses": {
                "200": _json("The figures and a page of ratings.", _ref("ResourceRatings")),
                "401": _problem("A token was sent and is not valid (`unauthorized`)."),
                "404": _problem("No such resource (`not_found`)."),
                "422": _problem("A bad page (`invalid_filter`)."),
            },
        }
    },
}
