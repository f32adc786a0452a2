"""Notifications beyond the in-app inbox: the email outbox, reminders, and what each user wants emailed."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from app.notifications import views  # noqa: E402,F401
