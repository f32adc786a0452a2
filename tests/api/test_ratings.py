"""API v1 ratings (API.md): POST /bookings/{id}/rating once the booking is completed, changed by PUT for
seven days; GET /resources/{code}/ratings with the average, the count and masked names. Every refusal
is a problem with its code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db import utcnow
from app.extensions import db
from app.ratings.models import Rating
from app.ratings.services import hide_rating
from tests.factories import make_bearer, make_completed_booking, make_rating
from tests.ratings.town import make_town

SCORES = {"cleanliness": 5, "equipment": 4, "service": 4}


@pytest.fixture
def town(city):
    return make_town(city)


def rate(client, booking, headers, **body):
    return client.post(f"/api/v1/bookings/{booking.id}/rating", json={"scores": SCORES, **body}, headers=headers)


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Rating))


def problem_of(response) -> tuple[int, str, str | None]:
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    return response.status_code, body["code"], body.get("field")


def test_the_booker_rates_a_completed_booking_and_the_resource_lists_it(client, town):
    booking = make_completed_booking(town.court, town.booker)
    response = rate(client, booking, make_bearer(town.booker), comment="场地干净")
    assert response.status_code == 201, response.get_json()
    rating = response.get_json()
    assert rating["scores"] == SCORES and rating["overall"] == 4 and rating["comment"] == "场地干净"
    assert (rating["by"], rating["reply"], rating["booking"], rating["resource"]) == (
        "张*",
        None,
        booking.id,
        "T-S-01-C1",
    )
    assert rating["created_at"].endswith("+08:00") and rating["editable_until"] > rating["created_at"]

    listed = client.get("/api/v1/resources/T-S-01-C1/ratings")
    assert listed.status_code == 200
    body = listed.get_json()
    assert (body["average"], body["count"], body["total"], body["page"], body["per_page"]) == (4.33, 1, 1, 1, 20)
    assert body["dimensions"] == {"cleanliness": 5.0, "equipment": 4.0, "service": 4.0}
    assert body["distribution"] == {"5": 0, "4": 1, "3": 0, "2": 0, "1": 0}
    [item] = body["items"]
    assert {k: item[k] for k in ("scores", "comment", "by", "reply")} == {
        "scores": SCORES,
        "comment": "场地干净",
        "by": "张*",
        "reply": None,
    }
    assert "booking" not in item and "hidden" not in item  # nothing of the booker beyond the masked name
    # The directory carries the figures too.
    resource = client.get("/api/v1/resources/T-S-01-C1").get_json()
    assert resource["rating"] == {"average": 4.33, "count": 1}


def test_a_booking_is_rated_once(client, town):
    booking = make_completed_booking(town.court, town.booker)
    headers = make_bearer(town.booker)
    assert rate(client, booking, headers).status_code == 201
    assert problem_of(rate(client, booking, headers, comment="again")) == (409, "already_rated", None)
    assert count() == 1


@pytest.mark.parametrize("status", ["confirmed", "checked_in", "pending", "cancelled", "no_show"])
def test_a_booking_not_completed_cannot_be_rated(client, town, status):
    booking = make_completed_booking(town.court, town.booker, status=status)
    assert problem_of(rate(client, booking, make_bearer(town.booker))) == (409, "not_completed", None)
    assert count() == 0


def test_someone_elses_booking_is_not_found_or_forbidden_as_get_bookings_answers(client, town):
    booking = make_completed_booking(town.court, town.staff, on_behalf_of=town.unit)
    stranger = make_bearer(town.stranger)
    assert client.get(f"/api/v1/bookings/{booking.id}", headers=stranger).status_code == 404
    assert problem_of(rate(client, booking, stranger)) == (404, "not_found", None)
    for who in (town.unit_manager, town.manager, town.admin):
        headers = make_bearer(who)
        assert client.get(f"/api/v1/bookings/{booking.id}", headers=headers).status_code == 200
        assert problem_of(rate(client, booking, headers)) == (403, "forbidden", None)
    missing = client.post("/api/v1/bookings/999999/rating", json={"scores": SCORES}, headers=stranger)
    assert problem_of(missing) == (404, "not_found", None)
    assert count() == 0


def test_without_a_token_nothing_is_rated(client, town):
    booking = make_completed_booking(town.court, town.booker)
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        assert problem_of(rate(client, booking, headers)) == (401, "unauthorized", None)
        put = client.put(f"/api/v1/bookings/{booking.id}/rating", json={"scores": SCORES}, headers=headers)
        assert put.status_code == 401
        assert client.get(f"/api/v1/bookings/{booking.id}/rating", headers=headers).status_code == 401
    bad = client.get("/api/v1/resources/T-S-01-C1/ratings", headers={"Authorization": "Bearer not-a-token"})
    assert problem_of(bad) == (401, "unauthorized", None)
    assert count() == 0


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"scores": {**SCORES, "service": 6}}, 422, "invalid_score", "scores.service"),
        ({"scores": {**SCORES, "cleanliness": 0}}, 422, "invalid_score", "scores.cleanliness"),
        ({"scores": {**SCORES, "equipment": 4.5}}, 422, "invalid_score", "scores.equipment"),
        ({"scores": {**SCORES, "equipment": "4"}}, 422, "invalid_score", "scores.equipment"),
        ({"scores": {"cleanliness": 5, "equipment": 4}}, 422, "invalid_score", "scores.service"),
        ({"scores": [5, 4, 4]}, 422, "invalid_score", "scores"),
        ({"comment": "好"}, 422, "invalid_score", "scores"),
        ({"scores": SCORES, "comment": "长" * 1001}, 422, "value_too_long", "comment"),
        ({"scores": SCORES, "comment": 5}, 422, "invalid", "comment"),
    ],
    ids=[
        "above five",
        "below one",
        "not whole",
        "text",
        "one missing",
        "a list",
        "no scores",
        "comment too long",
        "comment not text",
    ],
)
def test_bad_ratings_are_refused_naming_the_field(client, town, body, status, code, field):
    booking = make_completed_booking(town.court, town.booker)
    response = client.post(f"/api/v1/bookings/{booking.id}/rating", json=body, headers=make_bearer(town.booker))
    assert problem_of(response) == (status, code, field)
    assert count() == 0


def test_a_body_that_is_not_an_object_is_refused(client, town):
    booking = make_completed_booking(town.court, town.booker)
    headers = make_bearer(town.booker)
    for data in ("not json", "[1, 2]"):
        response = client.post(
            f"/api/v1/bookings/{booking.id}/rating", data=data, content_type="application/json", headers=headers
        )
        assert problem_of(response) == (400, "invalid_json", None)


def test_the_booker_changes_the_rating_for_seven_days(client, town):
    booking = make_completed_booking(town.court, town.booker)
    headers = make_bearer(town.booker)
    url = f"/api/v1/bookings/{booking.id}/rating"
    assert problem_of(client.put(url, json={"scores": SCORES}, headers=headers)) == (404, "not_found", None)
    make_rating(booking, (5, 4, 4), "好")
    changed = client.put(url, json={"scores": {**SCORES, "service": 1}, "comment": "服务差"}, headers=headers)
    assert changed.status_code == 200
    assert (changed.get_json()["scores"]["service"], changed.get_json()["comment"]) == (1, "服务差")
    assert client.get(url, headers=headers).get_json()["scores"]["service"] == 1
    assert client.get("/api/v1/resources/T-S-01-C1/ratings").get_json()["average"] == 3.33
    bad = client.put(url, json={"scores": {**SCORES, "service": 9}}, headers=headers)
    assert problem_of(bad) == (422, "invalid_score", "scores.service")
    assert problem_of(client.put(url, json={"scores": SCORES}, headers=make_bearer(town.manager)))[:2] == (
        403,
        "forbidden",
    )


def test_a_rating_cannot_change_after_seven_days(client, town):
    booking = make_completed_booking(town.court, town.booker, days_ago=10)
    make_rating(booking, (5, 4, 4), now=utcnow() - timedelta(days=7, minutes=1))
    response = client.put(
        f"/api/v1/bookings/{booking.id}/rating",
        json={"scores": {**SCORES, "service": 1}},
        headers=make_bearer(town.booker),
    )
    assert problem_of(response) == (409, "edit_window_closed", None)
    assert db.session.scalars(select(Rating.service)).one() == 4


def test_a_bookings_rating_is_read_by_whoever_sees_the_booking(client, town):
    booking = make_completed_booking(town.court, town.booker)
    url = f"/api/v1/bookings/{booking.id}/rating"
    assert problem_of(client.get(url, headers=make_bearer(town.booker))) == (404, "not_found", None)
    make_rating(booking, (5, 4, 4), "好")
    own = client.get(url, headers=make_bearer(town.booker)).get_json()
    assert (own["by"], own["booking"], own["hidden"]) == ("张*", booking.id, False)
    managers = client.get(url, headers=make_bearer(town.manager)).get_json()
    assert managers["scores"] == SCORES and "booking" not in managers
    assert problem_of(client.get(url, headers=make_bearer(town.stranger))) == (404, "not_found", None)


def test_hidden_ratings_are_left_out_and_do_not_count_but_administrators_see_them(client, town):
    make_rating(make_completed_booking(town.court, town.other), (4, 4, 4), "不错")
    abusive = make_rating(make_completed_booking(town.court, town.booker), (1, 1, 1), "骂人的话")
    hide_rating(abusive, town.admin, reason="辱骂", now=utcnow())
    db.session.commit()
    public = client.get("/api/v1/resources/T-S-01-C1/ratings").get_json()
    assert (public["average"], public["count"], public["total"]) == (4.0, 1, 1)
    assert [i["comment"] for i in public["items"]] == ["不错"]
    for headers in (make_bearer(town.manager), make_bearer(town.booker)):
        assert client.get("/api/v1/resources/T-S-01-C1/ratings", headers=headers).get_json()["total"] == 1
    moderated = client.get("/api/v1/resources/T-S-01-C1/ratings", headers=make_bearer(town.admin)).get_json()
    assert (moderated["count"], moderated["total"]) == (1, 2)  # the hidden one is listed, never counted
    hidden = next(i for i in moderated["items"] if i["comment"] == "骂人的话")
    assert (hidden["hidden"], hidden["hidden_reason"], hidden["by"]) == (True, "辱骂", "张*")


def test_replies_come_with_the_ratings_and_lists_are_paged(client, town):
    first = make_rating(make_completed_booking(town.court, town.booker, days_ago=3), now=utcnow() - timedelta(days=2))
    make_rating(make_completed_booking(town.court, town.other, days_ago=2), now=utcnow() - timedelta(days=1))
    first.reply, first.replied_by_id, first.replied_at = "谢谢", town.manager.id, utcnow()
    db.session.commit()
    page = client.get("/api/v1/resources/T-S-01-C1/ratings?per_page=1&page=2").get_json()
    assert (page["total"], page["page"], page["per_page"], page["count"]) == (2, 2, 1, 2)
    [oldest] = page["items"]
    assert oldest["by"] == "张*" and oldest["reply"]["text"] == "谢谢" and oldest["reply"]["at"].endswith("+08:00")


def test_a_resource_without_ratings_or_unknown(client, town):
    empty = client.get("/api/v1/resources/T-S-02-H1/ratings").get_json()
    assert (empty["average"], empty["count"], empty["items"]) == (None, 0, [])
    assert client.get("/api/v1/resources/T-S-02-H1").get_json()["rating"] == {"average": None, "count": 0}
    assert problem_of(client.get("/api/v1/resources/NOPE/ratings")) == (404, "not_found", None)
    assert problem_of(client.get("/api/v1/resources/T-S-01-C1/ratings?per_page=0")) == (422, "invalid_filter", None)
