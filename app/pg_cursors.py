"""PostgreSQL cursors that describe their columns only when the description is read.

psycopg makes `cursor.description` afresh each time it is asked for: a Column object per column,
each decoding the name and looking up the type. SQLAlchemy asks after every statement, but a
statement it has run before brings its result layout from its cache, and then only needs to
know whether there is a description at all. So each statement paid for describing every column
again: for the thirty-odd columns of a resource with its owner, about as much CPU as psycopg
spent on the rest of the statement. Here the description is a sequence of the right length
whose columns are made the first time one is looked at.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import psycopg
from psycopg.pq import ExecStatus
from sqlalchemy import Engine, event

# The statuses psycopg describes even without columns (`SELECT;`), as its own property does.
_DESCRIBED = frozenset({ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK})


class ColumnsOnDemand(Sequence[psycopg.Column]):
    """The description of one result, its columns made on first look."""

    __slots__ = ("_columns", "_cursor", "_result")

    def __init__(self, cursor: DescribedOnDemandCursor, result: Any) -> None:
        self._cursor = cursor
        self._result = result
        self._columns: list[psycopg.Column] | None = None

    def __len__(self) -> int:
        return int(self._result.nfields)

    @overload
    def __getitem__(self, index: int) -> psycopg.Column: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[psycopg.Column]: ...

    def __getitem__(self, index: int | slice) -> psycopg.Column | Sequence[psycopg.Column]:
        if self._columns is None:
            if self._cursor.pgresult is not self._result:
                # psycopg's columns read the cursor's current result: made now, they would
                # describe a later statement's.
                raise RuntimeError("the cursor has moved on to another result since this description")
            self._columns = psycopg.Cursor.description.fget(self._cursor) or []  # type: ignore[attr-defined]
        return self._columns[index]


class DescribedOnDemandCursor(psycopg.Cursor[Any]):
    @property
    def description(self) -> Sequence[psycopg.Column] | None:  # type: ignore[override]
        result = self.pgresult
        if result is None or not (result.nfields or result.status in _DESCRIBED):
            return None
        return ColumnsOnDemand(self, result)


def describe_on_demand(engine: Engine) -> None:
    """Every connection of this (psycopg) engine makes its cursors as DescribedOnDemandCursor."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: psycopg.Connection[Any], _record: Any) -> None:
        dbapi_connection.cursor_factory = DescribedOnDemandCursor
