"""Session sign-in (Flask-Login) and the guards views use."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_required

from app.accounts.models import User

F = TypeVar("F", bound=Callable[..., Any])


def init_login(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    # Sessions are bound to the user's session_version; "strong" would also
    # sign people out whenever a phone changes network, which is too eager.
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        ident, _, version = user_id.partition(".")
        if not ident.isdigit() or not version.isdigit():
            return None
        # The menu's unread count comes in the same statement (every signed-in page shows both).
        from app.bookings.console import load_user_noting_unread

        user = load_user_noting_unread(int(ident))
        if user is None or user.session_version != int(version) or not user.active:
            return None
        return user


def admin_required(view: F) -> F:
    """Signed-in admins only: others are sent to sign in, or refused with 403."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
