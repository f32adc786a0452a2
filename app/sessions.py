"""The signed cookie session serves the pages only.

The API authenticates by bearer token alone and never accepts a cookie (API.md), so its calls
get an empty session that is never sent back: nothing to verify, sign or set on each call, and a
browser's page cookie cannot sign an API call in.
"""

from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin

API_PREFIX = "/api/"


class ApiCallSession(SecureCookieSession):
    """An API call's session: empty, and never saved."""


class PagesOnlySessionInterface(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(API_PREFIX):
            return ApiCallSession()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if isinstance(session, ApiCallSession):
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = PagesOnlySessionInterface()
