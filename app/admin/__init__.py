"""The organisation department's dashboard, user administration and the workday calendar."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import calendar_views, views  # noqa: E402,F401
