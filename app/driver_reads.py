"""The few reads every API booking makes, run on PostgreSQL straight on psycopg's cursor.

Through SQLAlchemy's Core a statement costs the web worker about twice what psycopg itself takes
(about 100 µs against 47 µs for the token with its user), and a booking makes three such reads.
Here the statement is still SQLAlchemy's: compiled once for the dialect, its parameters and
results converted by the column types' own processors (the UTC datetimes among them), the
engine's `before_cursor_execute` listeners told of it, and a driver error raised as SQLAlchemy
would raise it, invalidating the connection when it was lost. Only the per-statement machinery
in between is skipped. Elsewhere (SQLite) it is an ordinary `connection.execute`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import CompoundSelect, Select


@dataclass
class _Compiled:
    sql: str
    bind_processors: dict[str, Callable[[Any], Any]]
    # Made on the first run: some processors depend on the type the server describes (numeric).
    result_processors: tuple[Callable[[Any], Any] | None, ...] | None = None
    converts: bool = True  # any result processor at all

    def learn_results(self, statement: Any, dialect: Dialect, description: Sequence[Any]) -> None:
        self.result_processors = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, described[1])
            for column, described in zip(statement.selected_columns, description, strict=True)
        )
        self.converts = any(p is not None for p in self.result_processors)

    def parameters(self, compiled: Any, values: Mapping[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = compiled.construct_params(dict(values))
        for name, process in self.bind_processors.items():
            if name in params:
                params[name] = process(params[name])
        return params

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        if not self.converts or self.result_processors is None:
            return tuple(raw)
        return tuple(v if p is None else p(v) for p, v in zip(self.result_processors, raw, strict=True))


class DriverRead:
    """A SELECT built once at import, run as above."""

    def __init__(self, statement: Select[Any] | CompoundSelect[Any]) -> None:
        self.statement = statement
        self._by_dialect: dict[str, tuple[Any, _Compiled]] = {}

    def _compiled(self, dialect: Dialect) -> tuple[Any, _Compiled]:
        known = self._by_dialect.get(dialect.name)
        if known is not None:
            return known
        compiled = self.statement.compile(dialect=dialect)
        if "POSTCOMPILE" in compiled.string:
            # Expanding parameters (IN lists) are rendered at each execution: not one of these.
            raise ValueError("a DriverRead takes no expanding parameters")
        binds = {}
        for name, bind in compiled.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                binds[name] = process
        made = (compiled, _Compiled(compiled.string, binds))
        self._by_dialect[dialect.name] = made
        return made

    def all(self, connection: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        if connection.dialect.driver != "psycopg":
            return [tuple(row) for row in connection.execute(self.statement, dict(params)).all()]
        compiled, shape = self._compiled(connection.dialect)
        try:
            values = shape.parameters(compiled, params)
        except Exception as error:  # a type refusing a value, raised as SQLAlchemy raises it
            raise exc.StatementError(str(error), shape.sql, dict(params), error) from error
        fairy = connection.connection
        cursor = fairy.cursor()
        try:
            connection.dispatch.before_cursor_execute(connection, cursor, shape.sql, values, None, False)
            cursor.execute(shape.sql, values)
            rows = cursor.fetchall()
            if shape.result_processors is None:
                shape.learn_results(self.statement, connection.dialect, cursor.description)
        except connection.dialect.loaded_dbapi.Error as error:
            lost = connection.dialect.is_disconnect(error, fairy.dbapi_connection, cursor)
            if lost:
                connection.invalidate(error)
            raise exc.DBAPIError.instance(
                shape.sql,
                values,
                error,
                connection.dialect.loaded_dbapi.Error,
                dialect=connection.dialect,
                connection_invalidated=lost,
            ) from error
        finally:
            cursor.close()
        return [shape.row(row) for row in rows]

    def first(self, connection: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        rows = self.all(connection, params)
        return rows[0] if rows else None
