"""RFC 9457 problem+json responses with a stable `code`."""

from __future__ import annotations

import json
from typing import Any

from flask import Response

from app.messages import message_for

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


def problem(status: int, code: str, detail: str | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {
        "type": f"https://linli.invalid/problems/{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail if detail is not None else message_for(code),
        "code": code,
    }
    body.update(extra)
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="linli"'
    return response
