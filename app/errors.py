"""Error pages in the user's language, and problem+json under /api/."""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.messages import message_for
from app.problems import problem

CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
    500: "server_error",
}


def _wants_problem() -> bool:
    return request.path.startswith("/api/")


def _render(status: int, code: str) -> tuple[str, int] | Response:
    if _wants_problem():
        return problem(status, code)
    template = f"errors/{status}.html" if status in (403, 404, 429, 500) else "errors/generic.html"
    return render_template(template, status=status, message=message_for(code)), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[str, int] | Response:
        return _render(400, "csrf_failed")

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int] | Response:
        status = error.code or 500
        return _render(status, CODES.get(status, "invalid"))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int] | Response:
        app.logger.exception("unhandled error", exc_info=error)
        db.session.rollback()
        return _render(500, "server_error")
