"""The service item pages (双领办): a community's list with its filters, publishing, an item with its claim
button, withdrawing, recording completion with a photo, closing and cancelling, my claims; the notices in
the inbox; every refusal as the page shows it."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.db import utcnow
from app.extensions import db
from app.service_items.models import ServiceClaim, ServiceItem
from tests.factories import PASSWORD, make_service_claim, make_service_item
from tests.service_items.conftest import jpeg
from tests.when import SHANGHAI


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def sign_in(auth, user) -> None:
    """Sign in as `user`, whoever was signed in before."""
    auth.sign_out()
    assert auth.sign_in(user.phone, PASSWORD).status_code == 302


def claims() -> list[ServiceClaim]:
    return list(db.session.scalars(select(ServiceClaim).order_by(ServiceClaim.id)))


def local(moment) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


# --- finding items ----------------------------------------------------------------------------------


def test_the_menu_and_the_communitys_pages_lead_to_its_service_items(english, auth, people):
    sign_in(auth, people.community_manager)
    assert 'href="/service-items/"' in english.get("/organisations/registrations/mine").get_data(as_text=True)
    mine = english.get("/organisations/registrations/mine").get_data(as_text=True)
    assert "/service-items/org/T-S-01" in mine
    assert "/service-items/org/T-S-01" in english.get("/organisations/T-S-01/join").get_data(as_text=True)


def test_the_index_lists_the_users_communities_and_where_they_publish(english, auth, people):
    sign_in(auth, people.staff)
    page = text_of(english.get("/service-items/"))
    assert "一号社区" in page and "测试中学" in page and "Publish for" not in page
    sign_in(auth, people.community_manager)
    page = text_of(english.get("/service-items/?q=二号"))
    assert "Publish for" in page and "/service-items/org/T-S-01/new" in page and "二号社区" in page


def test_a_communitys_list_shows_open_items_with_places_left_and_filters_by_status_and_kind(english, auth, people):
    make_service_item(people.c1, title="代买药品", places=2)
    full = make_service_item(people.c1, title="修水管", places=1)
    make_service_claim(full, people.resident)
    make_service_item(people.unit, title="开放实验室")
    make_service_item(people.c1, title="已截止的事", status="closed")
    sign_in(auth, people.resident)
    page = text_of(english.get("/service-items/org/T-S-01"))
    assert "代买药品" in page and "2 places left" in page
    assert "修水管" in page and "Full" in page and "no places left" in page
    assert "开放实验室" in page and "测试中学" in page, "the registered unit's support item"
    assert "已截止的事" not in page
    closed = text_of(english.get("/service-items/org/T-S-01?status=closed"))
    assert "已截止的事" in closed and "代买药品" not in closed
    support = text_of(english.get("/service-items/org/T-S-01?kind=support&status=all"))
    assert "开放实验室" in support and "代买药品" not in support


@pytest.mark.parametrize("code", ["T-S", "T", "NOPE"], ids=["a street", "a district", "unknown"])
def test_only_communities_and_units_have_item_lists(english, auth, people, code):
    sign_in(auth, people.resident)
    assert english.get(f"/service-items/org/{code}").status_code == 404
    assert english.get(f"/service-items/org/{code}/new").status_code == 404


def test_an_unknown_item_is_not_found(english, auth, people):
    sign_in(auth, people.resident)
    assert english.get("/service-items/999").status_code == 404
    assert english.post_form("/service-items/999/claim", {}).status_code == 404


# --- publishing ---------------------------------------------------------------------------------------


def test_a_communitys_manager_publishes_a_need_in_beijing_time(english, auth, people):
    sign_in(auth, people.community_manager)
    form = english.get("/service-items/org/T-S-01/new")
    assert form.status_code == 200 and 'for="title"' in form.get_data(as_text=True)
    start = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    response = english.post_form(
        "/service-items/org/T-S-01/new",
        {
            "kind": "need",
            "title": "为独居老人代买药品",
            "description": "每周二上午",
            "place": "东坝路 18 号",
            "start": local(start),
            "end": local(start + timedelta(hours=2)),
            "places": "3",
        },
    )
    assert response.status_code == 302
    item = db.session.scalars(select(ServiceItem)).one()
    assert response.headers["Location"].endswith(f"/service-items/{item.id}")
    assert (item.kind, item.start, item.end, item.places, item.place) == (
        "need",
        start,
        start + timedelta(hours=2),
        3,
        "东坝路 18 号",
    )
    assert "为独居老人代买药品" in text_of(english.get(f"/service-items/{item.id}"))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"end": "start"}, "end", "The end must be after the start."),
        ({"kind": "support"}, "kind", "Choose a valid kind."),
        ({"title": ""}, "title", "Enter a title."),
        ({"places": "0"}, "places", "Enter a whole number from 1 to 1000."),
        ({"start": "", "end": ""}, "start", "Enter when it starts."),
    ],
    ids=["an end not after the start", "a kind the community does not publish", "no title", "no places", "no time"],
)
def test_a_refused_item_is_shown_beside_its_field_and_not_written(english, auth, people, fields, field, message):
    sign_in(auth, people.community_manager)
    start = local(utcnow() + timedelta(days=2))
    data = {
        "kind": "need",
        "title": "代买药品",
        "start": start,
        "end": local(utcnow() + timedelta(days=3)),
        "places": "1",
    }
    data.update(fields)
    if data["end"] == "start":
        data["end"] = start
    response = english.post_form("/service-items/org/T-S-01/new", data)
    assert response.status_code == 400
    assert re.search(rf'id="{field}-error"[^>]*>.*{re.escape(message)}', text_of(response), re.S)
    assert db.session.scalars(select(ServiceItem)).all() == []


def test_an_item_already_over_is_refused(english, auth, people):
    sign_in(auth, people.community_manager)
    data = {
        "kind": "need",
        "title": "代买药品",
        "start": local(utcnow() - timedelta(days=2)),
        "end": local(utcnow() - timedelta(days=1)),
        "places": "1",
    }
    response = english.post_form("/service-items/org/T-S-01/new", data)
    assert response.status_code == 400 and "This time has already passed." in text_of(response)


@pytest.mark.parametrize("who", ["unit_manager", "staff", "resident"])
def test_only_its_managers_publish_for_an_organisation(english, auth, people, who):
    sign_in(auth, getattr(people, who))
    assert english.get("/service-items/org/T-S-01/new").status_code == 403
    assert english.post_form("/service-items/org/T-S-01/new", {"title": "x"}).status_code == 403


# --- claiming -----------------------------------------------------------------------------------------------


def test_a_unit_manager_claims_for_the_unit_and_then_may_withdraw(english, auth, people):
    item = make_service_item(people.c1, places=2)
    sign_in(auth, people.unit_manager)
    page = text_of(english.get(f"/service-items/{item.id}"))
    assert '<option value="U-T">测试中学</option>' in page and "Myself" not in page
    assert "0 of 2 taken" in page
    response = english.post_form(f"/service-items/{item.id}/claim", {"on_behalf_of": "U-T"}, follow_redirects=True)
    page = text_of(response)
    assert "测试中学 has claimed it. The publisher is told." in page
    assert "1 of 2 taken" in page and "Withdraw my claim" in page
    [made] = claims()
    assert (made.on_behalf_of_id, made.status) == (people.unit.id, "claimed")
    english.post_form(f"/service-items/claims/{made.id}/withdraw", {})
    assert claims()[0].status == "withdrawn"


def test_a_resident_claims_for_themself(english, auth, people):
    item = make_service_item(people.c1)
    sign_in(auth, people.resident)
    assert '<option value="">Myself</option>' in text_of(english.get(f"/service-items/{item.id}"))
    english.post_form(f"/service-items/{item.id}/claim", {"on_behalf_of": ""})
    assert [(c.user_id, c.on_behalf_of_id) for c in claims()] == [(people.resident.id, None)]


def test_someone_who_may_not_claim_is_told_who_may(english, auth, people):
    item = make_service_item(people.c1)
    sign_in(auth, people.stranger)
    page = text_of(english.get(f"/service-items/{item.id}"))
    assert "Units registered with the community claim its needs" in page
    assert f'action="/service-items/{item.id}/claim"' not in page


@pytest.mark.parametrize(
    ("who", "for_", "status", "message"),
    [
        ("stranger", "", 302, "Only those registered (and acknowledged)"),
        ("neighbour", "", 302, "Only those registered (and acknowledged)"),
        ("community_manager", "T-S-01", 302, "This item cannot be claimed for that"),
        ("resident", "NOPE", 302, "Choose an organisation you manage."),
        ("staff", "U-T", 403, None),
    ],
    ids=[
        "someone registered nowhere",
        "a resident of another community",
        "for the community, on its own need",
        "for an unknown organisation",
        "acting for a unit one does not manage",
    ],
)
def test_refused_claims_say_why_and_write_nothing(english, auth, people, who, for_, status, message):
    item = make_service_item(people.c1)
    sign_in(auth, getattr(people, who))
    response = english.post_form(f"/service-items/{item.id}/claim", {"on_behalf_of": for_})
    assert response.status_code == status
    if message:
        assert message in text_of(english.get(f"/service-items/{item.id}"))
    assert claims() == []


def test_claiming_twice_or_a_full_or_closed_item_is_refused_with_the_reason(english, auth, people):
    item = make_service_item(people.c1, places=1)
    sign_in(auth, people.resident)
    english.post_form(f"/service-items/{item.id}/claim", {"on_behalf_of": ""})
    again = english.post_form(f"/service-items/{item.id}/claim", {"on_behalf_of": ""}, follow_redirects=True)
    assert "You have already claimed this item." in text_of(again)
    sign_in(auth, people.unit_manager)
    page = text_of(english.get(f"/service-items/{item.id}"))
    assert "All places are taken." in page and "Full" in page
    full = english.post_form(f"/service-items/{item.id}/claim", {"on_behalf_of": "U-T"}, follow_redirects=True)
    assert "Not enough is free at this time." in text_of(full)
    closed = make_service_item(people.c1, status="closed")
    page = text_of(english.get(f"/service-items/{closed.id}"))
    assert "This item is no longer open for claims." in page
    refused = english.post_form(f"/service-items/{closed.id}/claim", {"on_behalf_of": "U-T"}, follow_redirects=True)
    assert "This item is no longer open for claims." in text_of(refused)
    assert len(claims()) == 1


def test_others_see_who_took_part_with_peoples_names_masked(english, auth, people):
    item = make_service_item(people.c1, places=3)
    make_service_claim(item, people.resident)
    make_service_claim(item, people.unit_manager, on_behalf_of=people.unit)
    sign_in(auth, people.staff)
    page = text_of(english.get(f"/service-items/{item.id}"))
    assert "张*" in page and "张居民" not in page and "测试中学" in page
    sign_in(auth, people.community_manager)
    page = text_of(english.get(f"/service-items/{item.id}"))
    assert "张居民" in page and "claimed by 单位管理员" in page


def test_a_claim_is_withdrawn_only_by_its_claimant(english, auth, people):
    item = make_service_item(people.c1)
    made = make_service_claim(item, people.resident)
    sign_in(auth, people.community_manager)
    assert english.post_form(f"/service-items/claims/{made.id}/withdraw", {}).status_code == 403
    assert english.post_form("/service-items/claims/999/withdraw", {}).status_code == 404
    sign_in(auth, people.resident)
    response = english.post_form(f"/service-items/claims/{made.id}/withdraw", {"next": "mine"})
    assert response.headers["Location"].endswith("/service-items/mine")
    again = english.post_form(f"/service-items/claims/{made.id}/withdraw", {}, follow_redirects=True)
    assert "This claim is completed or already withdrawn." in text_of(again)


# --- recording completion --------------------------------------------------------------------------------


def test_the_publisher_records_completion_with_a_photo_the_claimant_sees_it_and_others_do_not(english, auth, people):
    item = make_service_item(people.c1, title="代买药品")
    made = make_service_claim(item, people.resident)
    sign_in(auth, people.community_manager)
    page = text_of(english.get(f"/service-items/{item.id}"))
    assert f'for="claim-{made.id}-hours"' in page and f'for="claim-{made.id}-photo"' in page
    prefix = f"claim-{made.id}-"
    response = english.post_form(
        f"/service-items/{item.id}/claims/{made.id}/complete",
        {
            prefix + "hours": "2.5",
            prefix + "note": "送药上门两次",
            prefix + "photo": (io.BytesIO(jpeg()), "done.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    done = claims()[0]
    assert (done.status, done.hours, done.note, done.has_photo) == ("completed", Decimal("2.5"), "送药上门两次", True)
    assert english.get(f"/service-items/claims/{made.id}/photo.jpg").mimetype == "image/jpeg"
    sign_in(auth, people.resident)
    page = text_of(english.get(f"/service-items/{item.id}"))
    assert "送药上门两次" in page and "2.5 hours" in page and "Completed" in page
    assert english.get(f"/service-items/claims/{made.id}/thumb.jpg").status_code == 200
    inbox = text_of(english.get("/bookings/inbox"))
    assert "Your claim of “代买药品” is recorded as completed." in inbox and "Reason:" not in inbox
    sign_in(auth, people.staff)
    page = text_of(english.get(f"/service-items/{item.id}"))
    assert "2.5 hours" in page and "送药上门两次" not in page
    assert english.get(f"/service-items/claims/{made.id}/photo.jpg").status_code == 403
    assert english.get(f"/service-items/claims/{made.id}/thumb.jpg").status_code == 403


def test_a_claim_without_a_photo_has_none_to_show(english, auth, people):
    item = make_service_item(people.c1)
    made = make_service_claim(item, people.resident, status="completed", hours=Decimal(1), completed_at=utcnow())
    sign_in(auth, people.community_manager)
    assert english.get(f"/service-items/claims/{made.id}/photo.jpg").status_code == 404
    assert english.get("/service-items/claims/999/photo.jpg").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"hours": "0", "note": "好"}, "hours", "Give the hours as a number above 0"),
        ({"hours": "两小时", "note": "好"}, "hours", "Give the hours as a number above 0"),
        ({"hours": "2", "note": ""}, "note", "Write a note: what was done."),
        ({"hours": "2", "note": "好", "photo": (b"not a photo", "x.jpg")}, "photo", "not a photo Linli"),
        ({"hours": "2", "note": "好", "photo": (b"%PDF", "x.pdf")}, "photo", "Choose a JPEG, PNG or WebP"),
    ],
    ids=["hours above 0", "hours as a number", "a note is required", "a photo that is not one", "not a photo's name"],
)
def test_a_refused_completion_is_shown_beside_its_field(english, auth, people, fields, field, message):
    item = make_service_item(people.c1)
    made = make_service_claim(item, people.resident)
    prefix = f"claim-{made.id}-"
    sign_in(auth, people.community_manager)
    response = english.post_form(
        f"/service-items/{item.id}/claims/{made.id}/complete",
        {
            prefix + name: (io.BytesIO(value[0]), value[1]) if name == "photo" else value
            for name, value in fields.items()
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert re.search(rf'id="{prefix}{field}-error"[^>]*>.*{re.escape(message)}', text_of(response), re.S)
    assert claims()[0].status == "claimed"


def test_completion_is_recorded_by_the_publisher_only_and_once(english, auth, people):
    item = make_service_item(people.c1)
    made = make_service_claim(item, people.resident)
    url = f"/service-items/{item.id}/claims/{made.id}/complete"
    data = {f"claim-{made.id}-hours": "1", f"claim-{made.id}-note": "好"}
    sign_in(auth, people.resident)
    assert english.post_form(url, data).status_code == 403
    sign_in(auth, people.community_manager)
    other = make_service_item(people.c1, title="另一件")
    assert english.post_form(f"/service-items/{other.id}/claims/{made.id}/complete", data).status_code == 404
    assert english.post_form(url, data).status_code == 302
    again = english.post_form(url, data, follow_redirects=True)
    assert "This claim cannot be recorded as completed" in text_of(again)


# --- closing and cancelling -------------------------------------------------------------------------------


def test_the_publisher_closes_reopens_and_cancels_and_the_claimant_is_told(english, auth, people):
    item = make_service_item(people.c1, title="代买药品")
    make_service_claim(item, people.resident)
    sign_in(auth, people.community_manager)
    page = text_of(english.get(f"/service-items/{item.id}"))
    assert "Close to claims" in page and "Cancel the item" in page and "Open again" not in page
    english.post_form(f"/service-items/{item.id}/status", {"status": "closed"})
    assert "Open again for claims" in text_of(english.get(f"/service-items/{item.id}"))
    english.post_form(f"/service-items/{item.id}/status", {"status": "open"})
    english.post_form(f"/service-items/{item.id}/status", {"status": "cancelled"})
    db.session.refresh(item)
    assert item.status == "cancelled" and claims()[0].status == "withdrawn"
    page = text_of(english.get(f"/service-items/{item.id}"))
    assert "Cancelled" in page and "Manage the item" not in page
    again = english.post_form(f"/service-items/{item.id}/status", {"status": "open"}, follow_redirects=True)
    assert "a cancelled item stays cancelled" in text_of(again)
    assert english.post_form(f"/service-items/{item.id}/status", {"status": "lost"}).status_code == 400
    sign_in(auth, people.resident)
    assert "“代买药品” was cancelled by its publisher" in text_of(english.get("/bookings/inbox"))


def test_only_the_publisher_changes_an_items_status(english, auth, people):
    item = make_service_item(people.c1)
    sign_in(auth, people.unit_manager)
    assert english.post_form(f"/service-items/{item.id}/status", {"status": "closed"}).status_code == 403
    assert "Close to claims" not in text_of(english.get(f"/service-items/{item.id}"))


def test_the_publisher_is_told_of_a_claim_in_the_inbox(english, auth, people):
    item = make_service_item(people.c1, title="修水管")
    sign_in(auth, people.resident)
    english.post_form(f"/service-items/{item.id}/claim", {"on_behalf_of": ""})
    sign_in(auth, people.community_manager)
    assert "“修水管”, published by your organisation, has a new claim." in text_of(english.get("/bookings/inbox"))


# --- my claims ---------------------------------------------------------------------------------------------


def test_my_claims_lists_mine_and_my_units_with_their_state(english, auth, people):
    need = make_service_item(people.c1, title="代买药品")
    other = make_service_item(people.c1, title="修水管")
    make_service_claim(need, people.unit_manager, on_behalf_of=people.unit)
    make_service_claim(
        other,
        people.unit_manager,
        on_behalf_of=people.unit,
        status="completed",
        hours=Decimal(3),
        note="修好了",
        completed_at=utcnow(),
    )
    make_service_claim(need, people.resident)
    sign_in(auth, people.unit_manager)
    page = text_of(english.get("/service-items/mine"))
    assert "代买药品" in page and "修水管" in page and "for 测试中学" in page and "3.0 hours" in page
    assert "修好了" in page
    completed = text_of(english.get("/service-items/mine?status=completed"))
    assert "修水管" in completed and "代买药品" not in completed
    sign_in(auth, people.stranger)
    assert "No claims yet." in text_of(english.get("/service-items/mine"))
