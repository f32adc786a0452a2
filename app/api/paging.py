"""Paging parameters of API lists (API.md: `?page=&per_page=`)."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from app.problems import problem

MAX_PER_PAGE = 100


def page_args() -> tuple[int, int] | Response:
    """(page, per_page) from the query, or a 422 problem."""
    try:
        page = int(request.args.get("page", "1"))
        per_page = int(request.args.get("per_page", "20"))
    except ValueError:
        return problem(422, "invalid_filter", detail="page and per_page must be whole numbers")
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        return problem(422, "invalid_filter", detail=f"page >= 1 and 1 <= per_page <= {MAX_PER_PAGE}")
    return page, per_page
