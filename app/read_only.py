"""`@reads_only`: views that write nothing run outside a transaction (see `begin_reading_only`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from app.db import begin_reading_only
from app.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


def reads_only(view: F) -> F:
    """Mark a view that only reads: no BEGIN or ROLLBACK around it, its statements stay prepared,
    and a flush inside it is refused."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        begin_reading_only(db.session)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
