"""Domain errors carry a stable machine-readable code; the boundary translates them."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken. `code` is stable; `field` names the input at fault, if any."""

    code: str = "invalid"

    def __init__(self, code: str | None = None, *, field: str | None = None, detail: str = "") -> None:
        self.code = code or self.code
        self.field = field
        self.detail = detail
        super().__init__(detail or self.code)
