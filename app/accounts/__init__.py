"""Accounts: sign up, sign in and out, settings, passwords and API tokens."""

from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

from app.accounts import views  # noqa: E402,F401  (routes register on the blueprint)
