"""The volunteer ranking and the five-good volunteer selection: order, figures, decisions and who may make them."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.db import utcnow
from app.extensions import db
from app.volunteers.models import VolunteerSelection
from tests.factories import (
    PASSWORD,
    give_evaluation,
    make_admin,
    make_evaluation_round,
    make_membership,
    make_resident,
    make_service_claim,
    make_service_item,
    make_user,
)


def this_year() -> int:
    return utcnow().astimezone(ZoneInfo("Asia/Shanghai")).year


@pytest.fixture
def members(city):
    """c1's manager and three registered members: 张 completed two items (5 h), 李 one (8 h) and was
    evaluated 100, 王 nothing; 赵 lives in c2. One of 张's items was done for a unit: it does not count."""
    c1 = city["c1"]
    manager = make_user(name="社区书记")
    make_membership(manager, c1, "manager")
    zhang, li, wang = make_user(name="张三"), make_user(name="李四"), make_user(name="王五")
    for person in (zhang, li, wang):
        make_resident(person, c1, party_member=person is li)
    zhao = make_user(name="赵六")
    make_resident(zhao, city["c2"])
    item = make_service_item(c1, places=10)
    done = {"status": "completed", "completed_at": utcnow()}
    make_service_claim(item, zhang, hours=Decimal(2), **done)
    make_service_claim(make_service_item(c1, title="清扫楼道"), zhang, hours=Decimal(3), **done)
    make_service_claim(item, li, hours=Decimal(8), **done)
    make_service_claim(
        make_service_item(c1, title="为单位代办"), zhang, on_behalf_of=city["unit"], hours=Decimal(9), **done
    )
    round_ = make_evaluation_round(kinds=("community_member",))
    give_evaluation(round_, "community_member", c1, li, 5, by=manager)
    return {"c1": c1, "manager": manager, "zhang": zhang, "li": li, "wang": wang, "zhao": zhao}


def ranking_csv(client, code="T-S-01", year=None):
    response = client.get(f"/volunteers/{code}?format=csv&year={year or this_year()}")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))


def select_member(client, user, year=None, note=""):
    return client.post_form("/volunteers/T-S-01/select", {"user": user.id, "year": year or this_year(), "note": note})


def test_members_are_ranked_by_items_completed_then_hours_then_evaluation(client, auth, members):
    auth.sign_in(members["manager"].phone, PASSWORD)
    rows = ranking_csv(client)
    assert [r["name"] for r in rows] == ["张三", "李四", "王五"]
    zhang, li, wang = rows
    assert (zhang["completed"], Decimal(zhang["hours"]), zhang["evaluation"]) == ("2", Decimal(5), "")
    assert (li["completed"], Decimal(li["hours"]), li["evaluation"], li["party_member"]) == (
        "1",
        Decimal(8),
        "100.0",
        "1",
    )
    assert (wang["completed"], wang["rank"]) == ("0", "3")


def test_a_manager_selects_a_five_good_volunteer_and_it_is_recorded(client, auth, members):
    auth.sign_in(members["manager"].phone, PASSWORD)
    response = select_member(client, members["li"], note="常年服务孤寡老人")
    assert response.status_code == 302
    selection = db.session.scalar(select(VolunteerSelection))
    assert (selection.user_id, selection.year, selection.title, selection.note) == (
        members["li"].id,
        this_year(),
        "五好志愿者",
        "常年服务孤寡老人",
    )
    assert selection.decided_by_id == members["manager"].id
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.subject_type == "volunteer_selection"))
    assert [r["selected"] for r in ranking_csv(client)] == ["0", "1", "0"]
    assert "★" in client.get("/volunteers/T-S-01").get_data(as_text=True)


def test_selecting_the_same_member_twice_is_refused(client, auth, members):
    auth.sign_in(members["manager"].phone, PASSWORD)
    select_member(client, members["li"])
    page = client.get(select_member(client, members["li"]).headers["Location"]).get_data(as_text=True)
    assert db.session.query(VolunteerSelection).count() == 1
    assert "already selected" in page or "已" in page


def test_a_member_of_another_community_cannot_be_selected(client, auth, members):
    auth.sign_in(members["manager"].phone, PASSWORD)
    select_member(client, members["zhao"])
    assert db.session.query(VolunteerSelection).count() == 0


def test_a_selection_can_be_withdrawn_and_the_trail_keeps_both(client, auth, members):
    auth.sign_in(members["manager"].phone, PASSWORD)
    select_member(client, members["li"])
    client.post_form("/volunteers/T-S-01/withdraw", {"user": members["li"].id, "year": this_year()})
    assert db.session.query(VolunteerSelection).count() == 0
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.subject_type == "volunteer_selection").order_by(AuditEntry.id)
    ).all()
    assert actions == ["created", "deleted"]


def test_withdrawing_what_was_never_selected_changes_nothing(client, auth, members):
    auth.sign_in(members["manager"].phone, PASSWORD)
    response = client.post_form("/volunteers/T-S-01/withdraw", {"user": members["li"].id, "year": this_year()})
    assert response.status_code == 302
    assert db.session.query(AuditEntry).filter_by(subject_type="volunteer_selection").count() == 0


def test_a_street_manager_reads_the_ranking_but_cannot_decide(client, auth, members, city):
    reader = make_user()
    make_membership(reader, city["street"], "manager")
    auth.sign_in(reader.phone, PASSWORD)
    assert client.get("/volunteers/T-S-01").status_code == 200
    assert 'action="/volunteers/T-S-01/select"' not in client.get("/volunteers/T-S-01").get_data(as_text=True)
    assert select_member(client, members["li"]).status_code == 403
    assert db.session.query(VolunteerSelection).count() == 0


def test_an_administrator_may_decide(client, auth, members):
    auth.sign_in(make_admin().phone, PASSWORD)
    assert select_member(client, members["li"]).status_code == 302
    assert db.session.query(VolunteerSelection).count() == 1


def test_another_communitys_manager_and_plain_members_are_refused(client, auth, members, city):
    other = make_user()
    make_membership(other, city["c2"], "manager")
    auth.sign_in(other.phone, PASSWORD)
    assert client.get("/volunteers/T-S-01").status_code == 403
    assert select_member(client, members["li"]).status_code == 403
    auth.sign_out()
    auth.sign_in(members["zhang"].phone, PASSWORD)
    assert client.get("/volunteers/T-S-01").status_code == 403
    assert client.post_form("/volunteers/T-S-01/withdraw", {"user": 1, "year": this_year()}).status_code == 403


def test_a_unit_or_unknown_code_is_not_found(client, auth, members):
    auth.sign_in(make_admin().phone, PASSWORD)
    assert client.get("/volunteers/U-T").status_code == 404
    assert client.get("/volunteers/NOPE").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, members):
    response = client.get("/volunteers/T-S-01")
    assert response.status_code == 302
    assert "/accounts/sign-in" in response.headers["Location"]
