"""The ratings pages: the booker rates a completed booking from its page and from "my bookings" and
changes it for a week; the resource's page, the directory and the ratings page show the average and
count (with masked names); managers reply; administrators hide. Every refusal, and who may do what."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db import utcnow
from app.directory.models import Resource
from app.extensions import db
from app.ratings.models import Rating
from app.ratings.services import hide_rating
from tests.factories import PASSWORD, make_completed_booking, make_rating, make_resource, make_user
from tests.when import count_statements

SCORES = {"cleanliness": "5", "equipment": "4", "service": "4"}


@pytest.fixture
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def sign_in(client, user) -> None:
    client.post_form("/accounts/sign-out")
    assert client.post_form("/accounts/sign-in", {"login": user.phone, "password": PASSWORD}).status_code == 302


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def ratings() -> list[Rating]:
    db.session.expire_all()
    return list(db.session.scalars(select(Rating).order_by(Rating.id)))


def counters(resource) -> tuple[int, int]:
    db.session.expire_all()
    row = db.session.get(Resource, resource.id)
    return row.rating_count, row.rating_total


# --- rating ----------------------------------------------------------------------------


def test_the_booker_rates_a_completed_booking_from_its_page(english, town):
    booking = make_completed_booking(town.court, town.booker)
    sign_in(english, town.booker)
    page = text_of(english.get(f"/bookings/{booking.id}"))
    assert "How was it?" in page and f'href="/ratings/bookings/{booking.id}"' in page and "Rate this" in page
    form = text_of(english.get(f"/ratings/bookings/{booking.id}"))
    assert "Rate 一号球场" in form
    # Three radio groups, each a fieldset with its legend, every choice labelled in words.
    assert len(re.findall(r"<fieldset[^>]*>\s*<legend", form)) == 3
    for name in ("Cleanliness", "Equipment", "Service"):
        assert re.search(rf"<legend[^>]*>{name} ", form)
    assert form.count('type="radio"') == 15 and "5 – excellent" in form and "1 – very poor" in form
    assert '<label class="form-label" for="comment">' in form
    response = english.post_form(f"/ratings/bookings/{booking.id}", {**SCORES, "comment": "很干净"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/bookings/{booking.id}")
    [rating] = ratings()
    assert (rating.scores.as_dict(), rating.comment, rating.user_id) == (
        {"cleanliness": 5, "equipment": 4, "service": 4},
        "很干净",
        town.booker.id,
    )
    assert counters(town.court) == (1, 13)
    page = text_of(english.get(f"/bookings/{booking.id}"))
    assert "Thank you: your rating of 一号球场 is saved." in page
    assert "Your rating" in page and "4 / 5" in page and "很干净" in page and "Change my rating" in page


def test_the_booker_changes_the_rating_within_the_week(english, town):
    booking = make_completed_booking(town.court, town.booker)
    make_rating(booking, (5, 4, 4), "很干净")
    sign_in(english, town.booker)
    form = text_of(english.get(f"/ratings/bookings/{booking.id}"))
    assert "Your rating of 一号球场" in form and "You can change your rating until" in form
    assert re.search(r'<input checked[^>]*id="cleanliness-0"[^>]*value="5"', form), "the rating's scores are chosen"
    assert "很干净</textarea>" in form
    response = english.post_form(f"/ratings/bookings/{booking.id}", {**SCORES, "service": "1", "comment": "服务差"})
    assert response.status_code == 302
    [rating] = ratings()
    assert (rating.service, rating.comment) == (1, "服务差")
    assert counters(town.court) == (1, 10)


def test_a_missing_score_is_refused_beside_its_group_and_nothing_is_written(english, town):
    booking = make_completed_booking(town.court, town.booker)
    sign_in(english, town.booker)
    response = english.post_form(f"/ratings/bookings/{booking.id}", {"cleanliness": "5", "equipment": "9"})
    assert response.status_code == 400
    page = text_of(response)
    assert re.search(r'<fieldset class="mb-3" aria-describedby="equipment-error">', page)
    assert re.search(r'id="equipment-error"[^>]*>.*Choose a score from 1 to 5\.', page)
    assert ratings() == []


def test_a_comment_too_long_is_refused_beside_it(english, town):
    booking = make_completed_booking(town.court, town.booker)
    sign_in(english, town.booker)
    response = english.post_form(f"/ratings/bookings/{booking.id}", {**SCORES, "comment": "长" * 1001})
    assert response.status_code == 400
    assert re.search(r'id="comment-error"[^>]*>.*This text is too long\.', text_of(response))
    assert ratings() == []


def test_a_booking_not_completed_cannot_be_rated_from_the_page(english, town):
    booking = make_completed_booking(town.court, town.booker, status="confirmed")
    sign_in(english, town.booker)
    page = text_of(english.get(f"/ratings/bookings/{booking.id}"))
    assert "You can rate this booking once it is completed" in page and 'name="cleanliness"' not in page
    assert "Rate this" not in text_of(english.get(f"/bookings/{booking.id}"))
    response = english.post_form(f"/ratings/bookings/{booking.id}", SCORES)
    assert response.status_code == 409
    assert "You can rate a booking once it is completed" in text_of(response)
    assert ratings() == []


def test_a_rating_cannot_change_after_seven_days(english, town):
    booking = make_completed_booking(town.court, town.booker, days_ago=10)
    make_rating(booking, (5, 4, 4), now=utcnow() - timedelta(days=8))
    sign_in(english, town.booker)
    page = text_of(english.get(f"/ratings/bookings/{booking.id}"))
    assert "this one no longer can" in page and 'name="cleanliness"' not in page
    assert "Change my rating" not in text_of(english.get(f"/bookings/{booking.id}"))
    response = english.post_form(f"/ratings/bookings/{booking.id}", {**SCORES, "service": "1"})
    assert response.status_code == 409 and "this one no longer can" in text_of(response)
    assert ratings()[0].service == 4


def test_others_cannot_rate_a_booking(english, town):
    booking = make_completed_booking(town.court, town.staff, on_behalf_of=town.unit)
    # Those who may not see it are told nothing (404), as on the booking's own page.
    sign_in(english, town.stranger)
    assert english.get(f"/ratings/bookings/{booking.id}").status_code == 404
    assert english.post_form(f"/ratings/bookings/{booking.id}", SCORES).status_code == 404
    assert english.get("/ratings/bookings/999999").status_code == 404
    # Those who see it (the unit's and the owner's managers, admins) did not book it (403).
    for user in (town.unit_manager, town.manager, town.admin):
        sign_in(english, user)
        assert english.get(f"/ratings/bookings/{booking.id}").status_code == 403
        assert english.post_form(f"/ratings/bookings/{booking.id}", SCORES).status_code == 403
    assert ratings() == []


def test_anonymous_visitors_are_sent_to_sign_in(english, town):
    booking = make_completed_booking(town.court, town.booker)
    rating = make_rating(booking)
    for url in (f"/ratings/bookings/{booking.id}", "/ratings/moderate"):
        response = english.get(url)
        assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"], url
    for url in (
        f"/ratings/bookings/{booking.id}",
        f"/ratings/resources/T-S-01-C1/{rating.id}/reply",
        f"/ratings/{rating.id}/hide",
        f"/ratings/{rating.id}/unhide",
    ):
        response = english.post_form(url, {**SCORES, "reply": "x", "reason": "x"})
        assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"], url
    assert (ratings()[0].reply, ratings()[0].hidden, counters(town.court)) == ("", False, (1, 13))


def test_my_past_bookings_offer_to_rate_and_then_show_my_rating(english, town):
    rated = make_completed_booking(town.court, town.booker, days_ago=2)
    unrated = make_completed_booking(town.hall, town.booker, days_ago=1)
    make_completed_booking(town.court, town.booker, status="cancelled")
    make_rating(rated, (5, 4, 4))
    sign_in(english, town.booker)
    page = text_of(english.get("/bookings/mine?show=past"))
    assert page.count("Rate this") == 1 and f'href="/ratings/bookings/{unrated.id}">Rate this' in page
    assert "My rating: 4 / 5" in page and f'href="/ratings/bookings/{rated.id}"' in page


def test_the_owners_manager_sees_the_bookers_rating_on_the_booking_page(english, town):
    booking = make_completed_booking(town.court, town.booker)
    make_rating(booking, (5, 4, 4), "很干净")
    sign_in(english, town.manager)
    page = text_of(english.get(f"/bookings/{booking.id}"))
    assert "The booker's rating" in page and "很干净" in page and "Change my rating" not in page


# --- where the average shows -------------------------------------------------------------


def test_the_resource_page_and_the_directory_show_the_average_and_count(english, town):
    make_rating(make_completed_booking(town.court, town.booker), (5, 4, 4), "场地很干净")
    make_rating(make_completed_booking(town.court, town.other), (4, 4, 4), "不错")
    page = text_of(english.get("/directory/T-S-01-C1"))
    assert "★</span> 4.2 / 5 (2 ratings)" in page
    assert 'id="ratings-heading"' in page and "场地很干净" in page and "See all 2 ratings" in page
    assert "张*" in page and "欧*" in page and "张三" not in page and "欧阳娜娜" not in page
    listing = text_of(english.get("/directory/"))
    assert "4.2 / 5 (2 ratings)" in listing
    unrated = text_of(english.get("/directory/T-S-02-H1"))
    assert "No ratings yet" in unrated


def test_the_directory_reads_the_averages_without_a_query_per_row(english, city):
    booker = make_user(name="张三")

    def rated_resources(first: int, last: int) -> None:
        for n in range(first, last):
            resource = make_resource(f"T-S-01-R{n:02d}", city["c1"], name=f"球场{n:02d}")
            make_rating(make_completed_booking(resource, booker), (4, 4, 4))

    rated_resources(0, 2)
    english.get("/directory/")
    with count_statements() as few:
        assert "(1 rating)" in text_of(english.get("/directory/"))
    rated_resources(2, 15)
    with count_statements() as many:
        assert text_of(english.get("/directory/")).count("(1 rating)") == 15
    assert len(many) == len(few)
    assert not [s for s in many if "FROM ratings" in s]


def test_the_page_of_a_resource_without_ratings_does_not_look_for_them(english, town):
    with count_statements() as statements:
        assert "No ratings yet" in text_of(english.get("/directory/T-S-02-H1"))
    assert not [s for s in statements if "FROM ratings" in s]


def test_the_ratings_page_shows_the_figures_masked_names_and_replies(english, town):
    first = make_rating(make_completed_booking(town.court, town.booker), (5, 5, 5), "非常好")
    make_rating(make_completed_booking(town.court, town.other), (3, 2, 1), "器材旧了")
    first.reply, first.replied_by_id, first.replied_at = "谢谢", town.manager.id, utcnow()
    db.session.commit()
    page = text_of(english.get("/ratings/resources/T-S-01-C1"))
    assert "<h1" in page and page.count("<h1") == 1
    assert "★</span> 3.5 / 5" in page and "2 ratings" in page
    assert re.search(r"Cleanliness</dt><dd[^>]*>4\.0 / 5", page)
    assert re.search(r"Service</dt><dd[^>]*>3\.0 / 5", page)
    assert re.search(r"5 / 5</th><td[^>]*>1</td>", page) and re.search(r"2 / 5</th><td[^>]*>1</td>", page)
    assert "张*" in page and "欧*" in page and "张三" not in page and "欧阳娜娜" not in page
    assert "Reply from 一号社区" in page and "谢谢" in page and "器材旧了" in page
    assert "Hide this rating" not in page and 'name="reply"' not in page


def test_an_unknown_or_unlisted_resource_has_no_ratings_page(english, town):
    assert english.get("/ratings/resources/NOPE").status_code == 404
    town.court.active = False
    db.session.commit()
    assert english.get("/ratings/resources/T-S-01-C1").status_code == 404
    sign_in(english, town.manager)
    assert english.get("/ratings/resources/T-S-01-C1").status_code == 200


# --- replies -----------------------------------------------------------------------------


def test_the_owners_manager_replies_on_the_ratings_page(english, town):
    rating = make_rating(make_completed_booking(town.court, town.booker), (2, 2, 2), "灯坏了")
    sign_in(english, town.manager)
    page = text_of(english.get("/ratings/resources/T-S-01-C1"))
    assert f'<label class="form-label" for="reply-{rating.id}">' in page
    response = english.post_form(f"/ratings/resources/T-S-01-C1/{rating.id}/reply", {"reply": "已修好，谢谢"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#rating-{rating.id}")
    assert ratings()[0].reply == "已修好，谢谢"
    page = text_of(english.get("/ratings/resources/T-S-01-C1"))
    assert "Your reply is shown with the rating." in page and "已修好，谢谢" in page
    assert "已修好，谢谢" in text_of(english.get("/directory/T-S-01-C1"))


@pytest.mark.parametrize("who", ["other_manager", "booker", "stranger"])
def test_others_cannot_reply(english, town, who):
    rating = make_rating(make_completed_booking(town.court, town.booker))
    sign_in(english, getattr(town, who))
    response = english.post_form(f"/ratings/resources/T-S-01-C1/{rating.id}/reply", {"reply": "谢谢"})
    assert response.status_code == 403
    assert ratings()[0].reply == ""


def test_a_reply_goes_only_to_a_rating_of_that_resource(english, town):
    hall_rating = make_rating(make_completed_booking(town.hall, town.booker))
    sign_in(english, town.manager)
    response = english.post_form(f"/ratings/resources/T-S-01-C1/{hall_rating.id}/reply", {"reply": "谢谢"})
    assert response.status_code == 404
    assert english.post_form("/ratings/resources/T-S-01-C1/999999/reply", {"reply": "谢谢"}).status_code == 404
    assert ratings()[0].reply == ""


def test_a_reply_too_long_is_refused(english, town):
    rating = make_rating(make_completed_booking(town.court, town.booker))
    sign_in(english, town.manager)
    response = english.post_form(f"/ratings/resources/T-S-01-C1/{rating.id}/reply", {"reply": "谢" * 1001})
    assert response.status_code == 302
    assert "This text is too long." in text_of(english.get("/ratings/resources/T-S-01-C1"))
    assert ratings()[0].reply == ""


# --- hiding ------------------------------------------------------------------------------


def test_an_admin_hides_an_abusive_rating_with_a_reason(english, town):
    kept = make_rating(make_completed_booking(town.court, town.other), (4, 4, 4), "挺好")
    abusive = make_rating(make_completed_booking(town.court, town.booker), (1, 1, 1), "骂人的话")
    sign_in(english, town.admin)
    page = text_of(english.get("/ratings/resources/T-S-01-C1"))
    assert f'<label class="form-label" for="hide-reason-{abusive.id}">' in page
    response = english.post_form(
        f"/ratings/{abusive.id}/hide", {"reason": "辱骂他人", "next": "/ratings/resources/T-S-01-C1"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/ratings/resources/T-S-01-C1")
    hidden = db.session.get(Rating, abusive.id)
    assert (hidden.hidden, hidden.hidden_by_id, hidden.hidden_reason) == (True, town.admin.id, "辱骂他人")
    assert counters(town.court) == (1, 12)
    # Administrators still see it, marked, with who hid it and why; everyone else does not.
    page = text_of(english.get("/ratings/resources/T-S-01-C1"))
    assert "The rating is hidden" in page and "骂人的话" in page and "Why: 辱骂他人" in page and "Show it again" in page
    assert "骂人的话" in text_of(english.get("/ratings/moderate?show=hidden"))
    english.post_form("/accounts/sign-out")
    public = text_of(english.get("/ratings/resources/T-S-01-C1"))
    assert "骂人的话" not in public and "挺好" in public and "1 rating" in public
    assert "4.0 / 5 (1 rating)" in text_of(english.get("/directory/T-S-01-C1"))
    assert [r.id for r in ratings() if not r.hidden] == [kept.id]
    # Its booker is told.
    sign_in(english, town.booker)
    assert "An administrator has hidden this rating" in text_of(english.get(f"/ratings/bookings/{abusive.booking_id}"))
    assert "Hidden by an administrator" in text_of(english.get(f"/bookings/{abusive.booking_id}"))


def test_an_admin_shows_a_hidden_rating_again(english, town):
    rating = make_rating(make_completed_booking(town.court, town.booker), (1, 1, 1), "骂人的话")
    hide_rating(rating, town.admin, reason="辱骂", now=utcnow())
    db.session.commit()
    sign_in(english, town.admin)
    response = english.post_form(f"/ratings/{rating.id}/unhide", {"next": "/ratings/moderate?show=hidden"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/ratings/moderate?show=hidden")
    assert not ratings()[0].hidden and counters(town.court) == (1, 3)


def test_hiding_without_a_reason_is_refused(english, town):
    rating = make_rating(make_completed_booking(town.court, town.booker))
    sign_in(english, town.admin)
    response = english.post_form(f"/ratings/{rating.id}/hide", {"reason": " "})
    assert response.status_code == 302 and response.headers["Location"].endswith("/ratings/moderate")
    assert "Give a reason for hiding it" in text_of(english.get("/ratings/moderate"))
    assert not ratings()[0].hidden


@pytest.mark.parametrize("who", ["manager", "booker"])
def test_only_admins_hide_ratings_and_see_the_moderation_list(english, town, who):
    rating = make_rating(make_completed_booking(town.court, town.booker))
    sign_in(english, getattr(town, who))
    assert english.post_form(f"/ratings/{rating.id}/hide", {"reason": "不喜欢"}).status_code == 403
    assert english.post_form(f"/ratings/{rating.id}/unhide").status_code == 403
    assert english.get("/ratings/moderate").status_code == 403
    assert "Hide this rating" not in text_of(english.get("/ratings/resources/T-S-01-C1"))
    assert not ratings()[0].hidden


def test_hiding_an_unknown_rating_is_not_found(english, town):
    sign_in(english, town.admin)
    assert english.post_form("/ratings/999999/hide", {"reason": "辱骂"}).status_code == 404


def test_the_moderation_list_shows_the_latest_ratings_of_every_place(english, town):
    make_rating(make_completed_booking(town.court, town.booker), comment="球场评价")
    make_rating(make_completed_booking(town.hall, town.other), comment="活动室评价")
    sign_in(english, town.admin)
    page = text_of(english.get("/ratings/moderate"))
    assert "一号球场" in page and "二号活动室" in page and "球场评价" in page and "活动室评价" in page
    assert "2 ratings" in page and page.count("Hide this rating") == 2
    assert "No ratings here." in text_of(english.get("/ratings/moderate?show=hidden"))
    assert 'href="/ratings/moderate"' in text_of(english.get("/admin/"))


def test_nothing_is_counted_twice_when_rated_pages_are_posted_twice(english, town):
    booking = make_completed_booking(town.court, town.booker)
    sign_in(english, town.booker)
    english.post_form(f"/ratings/bookings/{booking.id}", SCORES)
    english.post_form(f"/ratings/bookings/{booking.id}", SCORES)  # the same rating, sent again: a change of nothing
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 1
    assert counters(town.court) == (1, 13)
