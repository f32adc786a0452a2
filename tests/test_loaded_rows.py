"""Objects made from plain rows behave as the ORM's own loads: persistent, clean, up to date."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import inspect, select, text

from app.accounts.models import User
from app.db import reading_connection
from app.directory.models import Resource
from app.extensions import db
from app.loaded_rows import as_loaded, as_loaded_with, model_columns
from app.organisations.models import Organisation
from tests.factories import make_org, make_resource, make_user
from tests.when import count_statements

USER = model_columns(User)


def _user_row(user_id: int) -> tuple:
    return tuple(db.session.connection().execute(select(*USER.columns).where(User.id == user_id)).one())


def test_a_row_made_an_object_is_persistent_and_clean_and_flushes_nothing(app: Flask):
    user_id = make_user(name="张三").id
    db.session.commit()
    db.session.remove()
    made = as_loaded(db.session, USER, _user_row(user_id))
    state = inspect(made)
    assert state.persistent and not db.session.dirty and not db.session.new
    assert (made.id, made.name) == (user_id, "张三")
    assert db.session.get(User, user_id) is made  # the identity map knows it: no second read
    made.name = "李四"  # a change after it is written as any other
    db.session.commit()
    assert db.session.scalar(text("SELECT name FROM users WHERE id = :id"), {"id": user_id}) == "李四"


def test_a_row_for_an_object_already_held_brings_it_up_to_date(app: Flask):
    user = make_user(name="张三")
    db.session.commit()
    db.session.execute(text("UPDATE users SET name = '王五' WHERE id = :id"), {"id": user.id})
    again = as_loaded(db.session, USER, _user_row(user.id))
    assert again is user and user.name == "王五" and not db.session.dirty


def test_columns_not_read_by_default_load_when_asked_for(app: Flask):
    shape = model_columns(Resource)
    assert "capacity" in shape.keys
    resource_id = make_resource("R-1", make_org("C-1"), capacity=40).id
    db.session.commit()
    db.session.remove()
    row = db.session.connection().execute(select(*shape.columns).where(Resource.id == resource_id)).one()
    resource = as_loaded(db.session, shape, tuple(row))
    assert resource.capacity == 40
    assert resource.owner.id is not None  # a relationship not read loads on first use


def test_a_plain_read_sees_what_the_session_has_not_flushed_yet(app: Flask):
    user = make_user(name="张三")
    db.session.commit()
    user.name = "赵六"  # pending
    assert reading_connection(db.session).execute(select(User.name).where(User.id == user.id)).scalar() == "赵六"
    db.session.rollback()


def test_a_plain_read_under_no_autoflush_leaves_pending_changes_alone(app: Flask):
    user = make_user(name="张三")
    db.session.commit()
    user.name = "赵六"
    with db.session.no_autoflush:
        read = reading_connection(db.session).execute(select(User.name).where(User.id == user.id)).scalar()
    assert read == "张三" and user in db.session.dirty
    db.session.rollback()


def test_a_joined_row_gives_the_object_with_its_related_one_and_no_further_read(app: Flask):
    owner = make_org("T-C", name="一号社区")
    resource_id = make_resource("T-C-P1", owner).id
    db.session.commit()
    db.session.remove()
    shape, related = model_columns(Resource), model_columns(Organisation)
    row = (
        db.session.connection()
        .execute(
            select(*shape.columns, *related.columns)
            .join_from(Resource.__table__, Organisation.__table__, Organisation.id == Resource.owner_id)
            .where(Resource.id == resource_id)
        )
        .one()
    )
    made = as_loaded_with(db.session, row, shape, related, "owner")
    with count_statements() as statements:
        assert (made.code, made.owner.name) == ("T-C-P1", "一号社区")
    assert statements == []
    assert db.session.get(Organisation, made.owner_id) is made.owner and not db.session.dirty
