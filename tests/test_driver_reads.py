"""The booking's hot reads on the driver's cursor give what SQLAlchemy would: the same values
(aware UTC datetimes, floats), the engine's listeners told, and SQLAlchemy's errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import bindparam, create_engine, exc, select, text

from app.accounts.models import User
from app.directory.models import Resource
from app.driver_reads import DriverRead
from app.extensions import db
from app.loaded_rows import model_columns
from app.organisations.models import Organisation
from tests.conftest import postgresql_only
from tests.factories import make_city, make_resource, make_user
from tests.when import count_statements

RESOURCE = model_columns(Resource)
OWNER = model_columns(Organisation)
RESOURCE_WITH_OWNER = (
    select(*RESOURCE.columns, *OWNER.columns)
    .join_from(Resource.__table__, Organisation.__table__, Organisation.__table__.c.id == Resource.__table__.c.owner_id)
    .where(Resource.__table__.c.code == bindparam("code"))
)


def test_a_read_gives_the_values_sqlalchemy_gives(app: Flask):
    make_resource("U-T-SV1", make_city()["unit"], latitude=32.43, longitude=105.84, capacity=40)
    read = DriverRead(RESOURCE_WITH_OWNER)
    connection = db.session.connection()
    expected = tuple(connection.execute(RESOURCE_WITH_OWNER, {"code": "U-T-SV1"}).one())
    for _ in range(3):  # the first run learns the result's processors; later ones reuse them
        assert read.first(connection, {"code": "U-T-SV1"}) == expected
    row = read.first(connection, {"code": "U-T-SV1"})
    created = row[RESOURCE.keys.index("created_at")]
    assert isinstance(created, datetime) and created.tzinfo == UTC
    assert row[RESOURCE.keys.index("latitude")] == pytest.approx(32.43)
    assert read.first(connection, {"code": "NO-SUCH"}) is None


def test_aware_parameters_are_bound_as_sqlalchemy_binds_them(app: Flask):
    user = make_user(name="张三")
    db.session.commit()
    since = DriverRead(select(User.id).where(User.created_at >= bindparam("since", type_=User.created_at.type)))
    connection = db.session.connection()
    assert since.all(connection, {"since": datetime(2000, 1, 1, tzinfo=UTC)}) == [(user.id,)]
    assert since.all(connection, {"since": datetime(2999, 1, 1, tzinfo=UTC)}) == []
    with pytest.raises(exc.StatementError, match="naive datetime refused"):
        since.all(connection, {"since": datetime(2000, 1, 1)})


def test_the_engines_listeners_see_each_read(app: Flask):
    read = DriverRead(select(User.id).where(User.id == bindparam("id")))
    with count_statements() as statements:
        read.all(db.session.connection(), {"id": 1})
    reads = [sql for sql in statements if sql.startswith("SELECT")]  # SQLite's BEGIN is ours too
    assert len(reads) == 1 and "users" in reads[0]


@postgresql_only
def test_expanding_parameters_are_refused_where_the_driver_is_used(app: Flask):
    read = DriverRead(select(User.id).where(User.id.in_(bindparam("ids", expanding=True))))
    with pytest.raises(ValueError, match="expanding"):
        read.all(db.session.connection(), {"ids": [1, 2]})


@postgresql_only
def test_a_driver_error_is_raised_as_sqlalchemys(app: Flask):
    read = DriverRead(select(User.id).where(User.id == bindparam("id")))
    with pytest.raises(exc.DBAPIError) as raised:
        read.all(db.session.connection(), {"id": "not a number"})
    assert not raised.value.connection_invalidated
    db.session.rollback()


@postgresql_only
def test_a_lost_connection_is_invalidated_as_sqlalchemy_would(app: Flask):
    read = DriverRead(select(User.id).where(User.id == bindparam("id")))
    connection = db.session.connection()
    pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    killer = create_engine(db.engine.url)
    with killer.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()
    with pytest.raises(exc.OperationalError) as raised:
        read.all(connection, {"id": 1})
    assert raised.value.connection_invalidated
    assert connection.invalidated
    db.session.rollback()
    assert db.session.scalar(select(User.id).limit(1)) is None  # a fresh connection answers
