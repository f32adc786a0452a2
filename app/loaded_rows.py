"""Objects made from rows that plain (Core) statements read, joining the session as if the ORM had
loaded them.

The few statements every API booking runs (the token with its user, the resource with its owner)
cost the ORM's loading machinery more than they cost the database: a plain statement and these
helpers give the same persistent objects for about half the work. Anything not read (a deferred
column, a relationship) loads on first use as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Column, inspect
from sqlalchemy.orm import Session, make_transient_to_detached, scoped_session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

T = TypeVar("T")


@dataclass(frozen=True)
class ModelColumns(Generic[T]):
    """A model's loaded-by-default columns, in the order a statement selects them, with the
    attribute each fills."""

    model: type[T]
    columns: tuple[Column[Any], ...]
    keys: tuple[str, ...]
    primary_key: tuple[int, ...]  # positions of the primary key's columns

    @property
    def width(self) -> int:
        return len(self.columns)


def model_columns(model: type[T]) -> ModelColumns[T]:
    mapper = inspect(model)
    props = [prop for prop in mapper.column_attrs if not prop.deferred]
    columns = tuple(prop.columns[0] for prop in props)
    keys = tuple(prop.key for prop in props)
    primary_key = tuple(columns.index(column) for column in mapper.primary_key)
    return ModelColumns(model, columns, keys, primary_key)


def as_loaded(session: Session | scoped_session[Session], shape: ModelColumns[T], values: Sequence[Any]) -> T:
    """The object for these values (a row's slice in `shape`'s order), persistent in `session`.

    An object the session holds already for the same row is brought up to date with them, as a
    query with populate_existing would. Otherwise a new one is made as the ORM's loader makes
    one: without its constructor (a row read is not a new object), its values put straight into
    its dictionary (no attribute events, so no history to flush), then joined to the session.
    """
    ident = tuple(values[i] for i in shape.primary_key)
    held = session.identity_map.get(identity_key(shape.model, ident))
    if held is not None:
        for key, value in zip(shape.keys, values, strict=True):
            set_committed_value(held, key, value)
        return held
    made = shape.model.__mapper__.class_manager.new_instance()  # type: ignore[attr-defined]
    made.__dict__.update(zip(shape.keys, values, strict=True))
    make_transient_to_detached(made)
    session.add(made)
    return made


def as_loaded_with(
    session: Session | scoped_session[Session],
    row: Sequence[Any],
    shape: ModelColumns[T],
    related: ModelColumns[Any],
    relation: str,
) -> T:
    """The object of a joined row's first columns (in `shape`), its `relation` set to the object of
    the rest (in `related`): two objects from one read, as the ORM's joined loading would give."""
    width = shape.width
    made = as_loaded(session, shape, row[:width])
    set_committed_value(made, relation, as_loaded(session, related, row[width:]))
    return made
