"""Time helpers for tests: Shanghai wall-clock times, next Monday, and counting SQL statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event

from app.db import utcnow
from app.extensions import db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def next_monday() -> date:
    """The Monday after today in Shanghai (a week ahead when today is a Monday)."""
    today = utcnow().astimezone(SHANGHAI).date()
    return today + timedelta(days=7 - today.weekday())


def at(day: date, clock: str) -> datetime:
    """`clock` ("HH:MM") on `day` in Shanghai, as an aware datetime."""
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=SHANGHAI)


@contextmanager
def count_statements() -> Iterator[list[str]]:
    """Record the SQL statements the engine executes inside the block."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
