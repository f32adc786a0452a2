"""JSON API v1 (API.md): bearer tokens, problem+json errors, an OpenAPI document."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import (  # noqa: E402,F401
    bookings,
    feeds,
    members,
    ratings,
    service_items,
    views,
    waitlist,
)
