"""POST /api/v1/bookings and friends: a booking placed, read, listed and cancelled, every refusal
a problem+json with API.md's code and status and words in the caller's language."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from app.bookings.models import Booking, Notification
from app.directory.models import Resource
from app.domain.resources import Policy
from app.extensions import db
from tests.conftest import PG_BASE_URL, Client, make_app
from tests.factories import (
    make_article_parking,
    make_bearer,
    make_booking,
    make_city,
    make_local_resident,
    make_membership,
    make_resource,
    make_unit_staff,
    make_user,
    make_window,
)
from tests.when import at, count_statements, next_monday

POLICY = Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=30)
MONDAY = next_monday()


@pytest.fixture
def parking(city):
    return make_article_parking(city["c1"], POLICY)


def body(start="09:00", end="11:00", quantity=3, **fields):
    return {
        "resource": "T-S-01-P1",
        "start": at(MONDAY, start).isoformat(),
        "end": at(MONDAY, end).isoformat(),
        "quantity": quantity,
        "on_behalf_of": "U-T",
        **fields,
    }


def bookings_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Booking))


def test_unit_staff_book_three_spaces_and_read_them_back(client, parking, staff):
    headers = make_bearer(staff)
    response = client.post("/api/v1/bookings", json=body(purpose="来访车辆"), headers=headers)
    assert response.status_code == 201, response.get_json()
    booking = response.get_json()
    assert booking["start"] == at(MONDAY, "09:00").isoformat() and booking["start"].endswith("+08:00")
    assert (booking["resource"], booking["quantity"], booking["status"]) == ("T-S-01-P1", 3, "confirmed")
    assert (booking["on_behalf_of"], booking["purpose"], booking["series"]) == ("U-T", "来访车辆", None)
    assert client.get(f"/api/v1/bookings/{booking['id']}", headers=headers).get_json() == booking
    listed = client.get("/api/v1/bookings", headers=headers).get_json()
    assert (listed["total"], listed["items"]) == (1, [booking])


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"on_behalf_of": None}, 403, "not_eligible"),
        ({"start": "08:00", "end": "09:00"}, 403, "outside_window"),
        ({"quantity": 6}, 422, "quantity_exceeded"),
        ({"start": "09:10"}, 422, "misaligned"),
        ({"start": "not a time"}, 422, "invalid_time"),
        ({"resource": "NOPE"}, 404, "not_found"),
        ({"recurrence": {"rrule": "FREQ=MONTHLY;COUNT=2"}}, 422, "invalid_recurrence"),
    ],
    ids=["for oneself", "before hours", "too many", "misaligned", "bad time", "unknown resource", "series"],
)
def test_refusals_are_problems_with_their_code_and_nothing_is_written(client, parking, staff, fields, status, code):
    request = body(**{k: v for k, v in fields.items() if k not in ("start", "end")})
    if "start" in fields:
        request["start"] = fields["start"] if ":" not in fields["start"] else at(MONDAY, fields["start"]).isoformat()
    if "end" in fields:
        request["end"] = at(MONDAY, fields["end"]).isoformat()
    revision = parking.revision
    response = client.post("/api/v1/bookings", json=request, headers=make_bearer(staff))
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == code
    assert bookings_count() == 0
    assert db.session.scalar(select(Resource.revision).where(Resource.id == parking.id)) == revision


def test_a_full_lot_says_capacity_exceeded_in_chinese_by_default_and_in_english(client, parking, staff):
    make_booking(parking, make_user(), at(MONDAY, "09:00"), at(MONDAY, "12:00"), quantity=40)
    headers = make_bearer(staff)
    chinese = client.post("/api/v1/bookings", json=body(), headers=headers)
    assert (chinese.status_code, chinese.get_json()["code"]) == (409, "capacity_exceeded")
    assert chinese.get_json()["detail"] == "该时段剩余数量不足。"
    english = client.post("/api/v1/bookings", json=body(), headers={**headers, "Accept-Language": "en"})
    assert english.get_json()["detail"] == "Not enough is free at this time."


def test_without_accept_language_a_refusal_speaks_the_callers_language_setting(client, parking, staff):
    make_booking(parking, make_user(), at(MONDAY, "09:00"), at(MONDAY, "12:00"), quantity=40)
    staff.locale = "en"
    db.session.commit()
    headers = make_bearer(staff)
    english = client.post("/api/v1/bookings", json=body(), headers=headers)
    assert english.get_json()["detail"] == "Not enough is free at this time."
    asked = client.post("/api/v1/bookings", json=body(), headers={**headers, "Accept-Language": "zh-CN"})
    assert asked.get_json()["detail"] == "该时段剩余数量不足。"


def test_acting_for_a_unit_one_does_not_belong_to_is_forbidden(client, parking, city):
    resident = make_local_resident(city["c1"])
    response = client.post("/api/v1/bookings", json=body(quantity=1), headers=make_bearer(resident))
    assert (response.status_code, response.get_json()["code"]) == (403, "forbidden")


def test_others_cannot_see_or_cancel_a_booking(client, parking, staff):
    created = client.post("/api/v1/bookings", json=body(), headers=make_bearer(staff)).get_json()
    stranger = make_bearer(make_user())
    assert client.get(f"/api/v1/bookings/{created['id']}", headers=stranger).status_code == 404
    assert client.post(f"/api/v1/bookings/{created['id']}/cancel", json={}, headers=stranger).status_code == 404
    assert client.get("/api/v1/bookings", headers=stranger).get_json()["total"] == 0


def test_the_booker_cancels_and_the_spaces_are_free_again(client, parking, staff):
    headers = make_bearer(staff)
    created = client.post("/api/v1/bookings", json=body(quantity=5), headers=headers).get_json()
    cancelled = client.post(f"/api/v1/bookings/{created['id']}/cancel", json={"reason": "改期"}, headers=headers)
    assert (cancelled.status_code, cancelled.get_json()["status"]) == (200, "cancelled")
    again = client.post(f"/api/v1/bookings/{created['id']}/cancel", json={}, headers=headers)
    assert (again.status_code, again.get_json()["code"]) == (409, "not_cancellable")
    assert client.post("/api/v1/bookings", json=body(quantity=5), headers=headers).status_code == 201


def test_the_units_manager_sees_all_its_bookings_and_cancels_with_a_reason(client, parking, staff, city):
    client.post("/api/v1/bookings", json=body(), headers=make_bearer(staff))
    manager = make_user(name="单位管理员")
    make_membership(manager, city["unit"], "manager")
    headers = make_bearer(manager)
    listed = client.get("/api/v1/bookings", query_string={"on_behalf_of": "U-T"}, headers=headers).get_json()
    assert listed["total"] == 1
    booking_id = listed["items"][0]["id"]
    without = client.post(f"/api/v1/bookings/{booking_id}/cancel", json={}, headers=headers)
    assert (without.status_code, without.get_json()["code"]) == (422, "reason_required")
    done = client.post(f"/api/v1/bookings/{booking_id}/cancel", json={"reason": "车位维修"}, headers=headers)
    assert done.get_json()["status"] == "cancelled"


def test_listing_filters_by_status_and_time(client, parking, staff):
    headers = make_bearer(staff)
    first = client.post("/api/v1/bookings", json=body("09:00", "10:00"), headers=headers).get_json()
    client.post("/api/v1/bookings", json=body("13:00", "14:00"), headers=headers)
    client.post(f"/api/v1/bookings/{first['id']}/cancel", json={}, headers=headers)
    confirmed = client.get("/api/v1/bookings", query_string={"status": "confirmed"}, headers=headers).get_json()
    assert [b["start"] for b in confirmed["items"]] == [at(MONDAY, "13:00").isoformat()]
    late = {"from": at(MONDAY, "12:00").isoformat()}
    assert client.get("/api/v1/bookings", query_string=late, headers=headers).get_json()["total"] == 1
    bad = client.get("/api/v1/bookings", query_string={"status": "lost"}, headers=headers)
    assert (bad.status_code, bad.get_json()["code"]) == (422, "invalid_filter")


def test_a_body_that_is_not_json_is_refused(client, staff, parking):
    response = client.post("/api/v1/bookings", data="start=9", headers=make_bearer(staff))
    assert (response.status_code, response.get_json()["code"]) == (400, "invalid_json")


def test_the_same_idempotency_key_and_body_get_the_first_answer_and_no_second_booking(client, parking, staff):
    headers = {**make_bearer(staff), "Idempotency-Key": "phone-retry-7f3a"}
    first = client.post("/api/v1/bookings", json=body(), headers=headers)
    again = client.post("/api/v1/bookings", json=body(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert bookings_count() == 1


def test_the_same_idempotency_key_with_another_body_is_refused(client, parking, staff):
    headers = {**make_bearer(staff), "Idempotency-Key": "k-1"}
    client.post("/api/v1/bookings", json=body(), headers=headers)
    other = client.post("/api/v1/bookings", json=body(quantity=2), headers=headers)
    assert (other.status_code, other.get_json()["code"]) == (422, "idempotency_key_reused")
    assert bookings_count() == 1


def test_a_refused_request_keeps_no_key_and_can_be_retried_once_there_is_room(client, parking, staff):
    full = make_booking(parking, make_user(), at(MONDAY, "09:00"), at(MONDAY, "12:00"), quantity=40)
    headers = {**make_bearer(staff), "Idempotency-Key": "k-2"}
    assert client.post("/api/v1/bookings", json=body(), headers=headers).status_code == 409
    full.status = "cancelled"
    db.session.commit()
    assert client.post("/api/v1/bookings", json=body(), headers=headers).status_code == 201


@pytest.fixture
def meeting_room(city):
    room = make_resource(
        "T-S-01-M1", city["c1"], kind="meeting_room", capacity=1, policy=Policy(requires_approval=True)
    )
    make_window(room, audience="public", days="all", start="08:00", end="22:00")
    return room


def room_body(start="09:00", end="10:00"):
    return {"resource": "T-S-01-M1", "start": at(MONDAY, start).isoformat(), "end": at(MONDAY, end).isoformat()}


def test_a_manager_approves_a_pending_booking_and_the_booker_is_told(client, meeting_room, city):
    booker = make_user(name="居民甲")
    pending = client.post("/api/v1/bookings", json=room_body(), headers=make_bearer(booker)).get_json()
    assert pending["status"] == "pending"
    # Pending holds the room: a second request is refused while the first waits.
    second = client.post("/api/v1/bookings", json=room_body(), headers=make_bearer(make_user()))
    assert second.get_json()["code"] == "capacity_exceeded"
    manager = make_user(name="社区管理员")
    make_membership(manager, city["c1"], "manager")
    approved = client.post(f"/api/v1/bookings/{pending['id']}/approve", json={}, headers=make_bearer(manager))
    assert (approved.status_code, approved.get_json()["status"]) == (200, "confirmed")
    notes = db.session.scalars(select(Notification).where(Notification.user_id == booker.id)).all()
    assert [(n.kind, n.booking_id, n.read_at) for n in notes] == [("booking_approved", pending["id"], None)]
    again = client.post(f"/api/v1/bookings/{pending['id']}/approve", json={}, headers=make_bearer(manager))
    assert (again.status_code, again.get_json()["code"]) == (409, "not_pending")


def test_rejecting_needs_a_reason_frees_the_room_and_tells_the_booker(client, meeting_room, city):
    booker = make_user()
    pending = client.post("/api/v1/bookings", json=room_body(), headers=make_bearer(booker)).get_json()
    manager = make_user()
    make_membership(manager, city["c1"], "manager")
    headers = make_bearer(manager)
    url = f"/api/v1/bookings/{pending['id']}/reject"
    assert client.post(url, json={}, headers=headers).get_json()["code"] == "reason_required"
    rejected = client.post(url, json={"reason": "当天有社区活动"}, headers=headers)
    assert rejected.get_json()["status"] == "rejected"
    note = db.session.scalar(select(Notification).where(Notification.user_id == booker.id))
    assert (note.kind, note.reason) == ("booking_rejected", "当天有社区活动")
    assert client.post("/api/v1/bookings", json=room_body(), headers=make_bearer(make_user())).status_code == 201


def test_only_the_owners_managers_decide(client, meeting_room, city, staff):
    booker = make_user()
    pending = client.post("/api/v1/bookings", json=room_body(), headers=make_bearer(booker)).get_json()
    for who in (booker, staff):  # the booker may see it but not approve it; a stranger sees nothing
        response = client.post(f"/api/v1/bookings/{pending['id']}/approve", json={}, headers=make_bearer(who))
        assert response.status_code in (403, 404)
    other_manager = make_user()
    make_membership(other_manager, city["c2"], "manager")
    response = client.post(f"/api/v1/bookings/{pending['id']}/approve", json={}, headers=make_bearer(other_manager))
    assert response.status_code == 404
    assert db.session.get(Booking, pending["id"]).status == "pending"


@pytest.mark.skipif(not PG_BASE_URL, reason="prepared statements are psycopg's: needs TEST_DATABASE_URL")
def test_refusals_end_without_a_rollback_so_the_statements_stay_prepared(tmp_path, request):
    # One connection, so every request and the check below use the same one.
    app = make_app("postgresql", tmp_path, request, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0})
    app.test_client_class = Client
    with app.app_context():
        city = make_city()
        lot = make_article_parking(city["c1"], POLICY)
        make_booking(lot, make_user(), at(MONDAY, "09:00"), at(MONDAY, "12:00"), quantity=40)
        headers = make_bearer(make_unit_staff(city["unit"]))
        client = app.test_client()
        for _ in range(7):  # psycopg prepares a statement on its fifth use, and forgets all on a ROLLBACK
            response = client.post("/api/v1/bookings", json=body(), headers=headers)
            assert response.get_json()["code"] == "capacity_exceeded"
        prepared = db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    assert any("FOR UPDATE" in statement for statement in prepared), prepared
    assert any("FROM bookings" in statement for statement in prepared), prepared


def test_a_booking_locks_the_resource_once_and_on_postgresql_as_it_reads_it(client, parking, staff, engine_name):
    headers = make_bearer(staff)
    client.post(
        "/api/v1/bookings", json=body(start="13:00", end="14:00"), headers=headers
    )  # the token's first use noted
    with count_statements() as statements:
        response = client.post("/api/v1/bookings", json=body(), headers=headers)
    assert response.status_code == 201
    reads_of_the_resource = [s for s in statements if s.lstrip().startswith("SELECT") and "FROM resources" in s]
    if engine_name == "postgresql":
        # One transaction from the first read: the read of the resource is its lock.
        [read] = reads_of_the_resource
        assert read.rstrip().endswith("FOR UPDATE OF resources")
    else:
        # SQLite reads, then takes the write lock (BEGIN IMMEDIATE) and checks nothing changed.
        assert len(reads_of_the_resource) == 2 and "BEGIN IMMEDIATE" in statements
    assert sum("UPDATE resources" in s for s in statements) == 1  # the revision moves once
    writes = [s for s in statements if s.lstrip().startswith(("WITH", "INSERT", "UPDATE"))]
    # PostgreSQL writes the booking, its first history step and the revision in one statement.
    assert len(writes) == (1 if engine_name == "postgresql" else 3)


def test_a_booking_reads_the_requesters_standing_and_the_holdings_in_one_statement(client, parking, staff, engine_name):
    headers = make_bearer(staff)
    client.post("/api/v1/bookings", json=body(start="13:00", end="14:00"), headers=headers)  # token use noted
    with count_statements() as statements:
        response = client.post("/api/v1/bookings", json=body(), headers=headers)  # acting for the unit
    assert response.status_code == 201, response.get_json()
    reads = [s for s in statements if s.lstrip().startswith("SELECT")]
    [decision_read] = [s for s in reads if "FROM bookings" in s]
    assert "registrations" in decision_read and "memberships" in decision_read
    # The token with its user, the unit acted for, the resource (twice on SQLite: read, then
    # checked under the write lock) and the decision's read: nothing else is read.
    assert len(reads) == (4 if engine_name == "postgresql" else 5), [r[:60] for r in reads]
