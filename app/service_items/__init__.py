"""Service items (双领办): communities' needs and units' support items claimed by each other, activity days."""

from flask import Blueprint

bp = Blueprint("service_items", __name__, url_prefix="/service-items")

from app.service_items import views  # noqa: E402,F401
