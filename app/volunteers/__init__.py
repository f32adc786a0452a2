"""Volunteers: a community's ranking of its members by service done and evaluations, and the
"five-good volunteer" (五好志愿者) selection its managers record."""

from flask import Blueprint

bp = Blueprint("volunteers", __name__, url_prefix="/volunteers")

from app.volunteers import views  # noqa: E402,F401
