"""Organisations: the district > street > community tree, units, memberships, registrations."""

from flask import Blueprint

bp = Blueprint("organisations", __name__, url_prefix="/organisations")

from app.organisations import registration_views, views  # noqa: E402,F401
