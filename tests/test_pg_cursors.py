"""psycopg cursors that describe their columns when asked: the same description as psycopg's own,
made only when looked at, and never for a result the cursor has moved past."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import select, text

from app.accounts.models import User
from app.extensions import db
from app.pg_cursors import ColumnsOnDemand, DescribedOnDemandCursor
from tests.conftest import postgresql_only
from tests.factories import make_user

pytestmark = postgresql_only  # these are psycopg's cursors (SQLite's driver is another)


@pytest.fixture
def cursor(app) -> Iterator[Any]:
    connection = db.engine.raw_connection()
    try:
        yield connection.cursor()
    finally:
        connection.close()


def test_the_apps_postgresql_connections_make_cursors_that_describe_on_demand(cursor):
    assert isinstance(cursor, DescribedOnDemandCursor)


def test_a_description_has_psycopgs_columns_once_looked_at(cursor):
    cursor.execute("SELECT 1 AS one, 'two'::text AS two, now() AS three")
    described = cursor.description
    assert isinstance(described, ColumnsOnDemand)
    assert len(described) == 3
    own = psycopg.Cursor.description.fget(cursor)
    assert [(c.name, c.type_code) for c in described] == [(c.name, c.type_code) for c in own]
    assert [c.name for c in described[1:]] == ["two", "three"]
    assert described[-1].name == "three"


def test_a_statement_without_rows_has_no_description_and_an_empty_select_an_empty_one(cursor):
    cursor.execute("CREATE TEMPORARY TABLE scratch (n integer)")
    assert cursor.description is None
    cursor.execute("INSERT INTO scratch VALUES (1)")
    assert cursor.description is None
    cursor.execute("SELECT")
    assert cursor.description is not None
    assert list(cursor.description) == []


def test_a_description_not_looked_at_before_the_next_statement_refuses_rather_than_describe_that_one(cursor):
    cursor.execute("SELECT 1 AS first")
    earlier = cursor.description
    cursor.execute("SELECT 2 AS second")
    with pytest.raises(RuntimeError, match="moved on"):
        earlier[0]
    assert cursor.description[0].name == "second"


def test_sqlalchemy_reads_rows_by_name_through_them_first_time_and_from_its_cache(app):
    user = make_user(name="王芳")
    db.session.commit()
    statement = select(User.id, User.name).where(User.id == user.id)
    for _ in range(3):  # the first run describes the result; later ones take the layout from the cache
        row = db.session.execute(statement).one()
        assert (row.id, row.name) == (user.id, "王芳")
    assert db.session.execute(text("SELECT 7 AS seven")).mappings().one() == {"seven": 7}
