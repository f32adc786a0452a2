"""Rating a completed booking (once, by its booker), changing it for seven days, the owner's reply,
hiding by administrators; the resource's counters stay equal to its visible ratings through all of it,
also when many rate at once; and the figures the reports use."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.db import transaction, utcnow
from app.directory.models import Resource
from app.domain.errors import DomainError
from app.extensions import db
from app.ratings.models import Rating
from app.ratings.services import (
    average_ratings,
    edit_rating,
    hide_rating,
    list_latest_ratings,
    list_ratings,
    rate_booking,
    rating_distribution,
    reply_to_rating,
    summarise_resource,
    unhide_rating,
)
from tests.conftest import make_app
from tests.factories import make_booking, make_completed_booking, make_rating, make_user

FIVE_FOUR_FOUR = {"cleanliness": 5, "equipment": 4, "service": 4}


def refused(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    db.session.rollback()
    return caught.value


def counters(resource: Resource) -> tuple[int, int]:
    db.session.expire_all()
    row = db.session.get(Resource, resource.id)
    return row.rating_count, row.rating_total


def recount(resource: Resource) -> tuple[int, int]:
    """What the counters must say: the visible ratings, counted afresh."""
    visible = (Rating.resource_id == resource.id, Rating.hidden.is_(False))
    count = db.session.scalar(select(func.count()).select_from(Rating).where(*visible))
    total = db.session.scalar(
        select(func.coalesce(func.sum(Rating.cleanliness + Rating.equipment + Rating.service), 0)).where(*visible)
    )
    return count, total


def audit(rating: Rating) -> list[tuple[str, dict]]:
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject_type == "rating", AuditEntry.subject_id == rating.id)
        .order_by(AuditEntry.id)
    )
    return [(e.action, e.changes) for e in entries]


# --- rating ----------------------------------------------------------------------------


def test_the_booker_rates_a_completed_booking_and_the_resource_counts_it(town):
    booking = make_completed_booking(town.court, town.booker)
    rating = rate_booking(booking, town.booker, scores=FIVE_FOUR_FOUR, comment="  场地干净 ", now=utcnow())
    db.session.commit()
    assert (rating.resource_id, rating.user_id, rating.scores.as_dict(), rating.comment) == (
        town.court.id,
        town.booker.id,
        FIVE_FOUR_FOUR,
        "场地干净",
    )
    assert counters(town.court) == (1, 13) == recount(town.court)
    court = db.session.get(Resource, town.court.id)
    assert court.rating_average == Decimal("4.3")
    assert audit(rating) == [
        (
            "created",
            {"cleanliness": [None, 5], "equipment": [None, 4], "service": [None, 4], "comment": [None, "场地干净"]},
        )
    ]


def test_rating_does_not_move_the_resources_availability_revision(town):
    """Ratings are not what availability is made of: cached weeks of the resource stay valid."""
    booking = make_completed_booking(town.court, town.booker)
    before = db.session.get(Resource, town.court.id)
    revisions = (before.revision, before.rules_revision)
    make_rating(booking)
    db.session.expire_all()
    after = db.session.get(Resource, town.court.id)
    assert (after.revision, after.rules_revision) == revisions


def test_a_booking_is_rated_once(town):
    booking = make_completed_booking(town.court, town.booker)
    make_rating(booking)
    error = refused(rate_booking, booking, town.booker, scores=FIVE_FOUR_FOUR, comment="", now=utcnow())
    assert error.code == "already_rated"
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 1
    assert counters(town.court) == (1, 13)


@pytest.mark.parametrize(
    "status", ["pending", "confirmed", "checked_in", "cancelled", "rejected", "no_show", "expired"]
)
def test_a_booking_not_completed_cannot_be_rated(town, status):
    booking = make_completed_booking(town.court, town.booker, status=status)
    error = refused(rate_booking, booking, town.booker, scores=FIVE_FOUR_FOUR, comment="", now=utcnow())
    assert error.code == "not_completed"
    assert counters(town.court) == (0, 0)


@pytest.mark.parametrize("who", ["manager", "admin", "unit_manager", "other"])
def test_only_the_booker_rates_a_booking(town, who):
    booking = make_completed_booking(town.court, town.staff, on_behalf_of=town.unit)
    error = refused(rate_booking, booking, getattr(town, who), scores=FIVE_FOUR_FOUR, comment="", now=utcnow())
    assert error.code == "forbidden"


def test_who_may_not_rate_is_told_so_before_anything_else(town):
    pending = make_completed_booking(town.court, town.booker, status="confirmed")
    error = refused(rate_booking, pending, town.other, scores={"cleanliness": 9}, comment="", now=utcnow())
    assert error.code == "forbidden"
    error = refused(rate_booking, pending, town.booker, scores={"cleanliness": 9}, comment="", now=utcnow())
    assert error.code == "not_completed"


@pytest.mark.parametrize(
    ("scores", "comment", "code", "field"),
    [
        ({"cleanliness": 6, "equipment": 4, "service": 4}, "", "invalid_score", "scores.cleanliness"),
        ({"cleanliness": 5, "equipment": 0, "service": 4}, "", "invalid_score", "scores.equipment"),
        ({"cleanliness": 5, "equipment": 4}, "", "invalid_score", "scores.service"),
        ("five", "", "invalid_score", "scores"),
        (FIVE_FOUR_FOUR, "好" * 1001, "value_too_long", "comment"),
    ],
    ids=["too high", "too low", "missing", "not an object", "comment too long"],
)
def test_bad_scores_and_comments_are_refused_and_nothing_is_written(town, scores, comment, code, field):
    booking = make_completed_booking(town.court, town.booker)
    error = refused(rate_booking, booking, town.booker, scores=scores, comment=comment, now=utcnow())
    assert (error.code, error.field) == (code, field)
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 0
    assert counters(town.court) == (0, 0)


# --- changing it -------------------------------------------------------------------------


def test_the_booker_changes_a_rating_within_seven_days_and_the_total_follows(town):
    given = utcnow() - timedelta(days=6, hours=23)
    rating = make_rating(make_completed_booking(town.court, town.booker, days_ago=8), (5, 4, 4), "好", now=given)
    now = utcnow()
    edit_rating(
        rating, town.booker, scores={"cleanliness": 2, "equipment": 3, "service": 1}, comment="其实一般", now=now
    )
    db.session.commit()
    assert counters(town.court) == (1, 6) == recount(town.court)
    assert (rating.comment, rating.updated_at, rating.created_at) == ("其实一般", now, given)
    assert audit(rating)[-1] == (
        "updated",
        {"cleanliness": [5, 2], "equipment": [4, 3], "service": [4, 1], "comment": ["好", "其实一般"]},
    )


def test_changing_nothing_records_nothing(town):
    rating = make_rating(make_completed_booking(town.court, town.booker), (5, 4, 4), "好")
    edit_rating(rating, town.booker, scores=FIVE_FOUR_FOUR, comment="好", now=utcnow())
    db.session.commit()
    assert [action for action, _ in audit(rating)] == ["created"]


def test_a_rating_cannot_change_after_seven_days(town):
    given = utcnow() - timedelta(days=7, seconds=1)
    rating = make_rating(make_completed_booking(town.court, town.booker, days_ago=9), now=given)
    error = refused(edit_rating, rating, town.booker, scores={**FIVE_FOUR_FOUR, "service": 1}, comment="", now=utcnow())
    assert error.code == "edit_window_closed"
    assert counters(town.court) == (1, 13)


def test_only_its_booker_changes_a_rating(town):
    rating = make_rating(make_completed_booking(town.court, town.booker))
    for who in (town.admin, town.manager, town.other):
        error = refused(edit_rating, rating, who, scores=FIVE_FOUR_FOUR, comment="改", now=utcnow())
        assert error.code == "forbidden"


def test_a_change_to_bad_scores_is_refused(town):
    rating = make_rating(make_completed_booking(town.court, town.booker))
    error = refused(
        edit_rating, rating, town.booker, scores={**FIVE_FOUR_FOUR, "equipment": 7}, comment="", now=utcnow()
    )
    assert (error.code, error.field) == ("invalid_score", "scores.equipment")
    assert db.session.get(Rating, rating.id).equipment == 4


# --- replies -----------------------------------------------------------------------------


def test_the_owners_manager_replies_and_can_take_the_reply_back(town):
    rating = make_rating(make_completed_booking(town.court, town.booker))
    now = utcnow()
    reply_to_rating(rating, town.manager, text=" 谢谢您的评价 ", now=now)
    db.session.commit()
    assert (rating.reply, rating.replied_by_id, rating.replied_at) == ("谢谢您的评价", town.manager.id, now)
    reply_to_rating(rating, town.manager, text="", now=utcnow())
    db.session.commit()
    assert (rating.reply, rating.replied_by_id, rating.replied_at) == ("", None, None)
    assert [(a, c) for a, c in audit(rating)][1:] == [
        ("replied", {"reply": [None, "谢谢您的评价"]}),
        ("replied", {"reply": ["谢谢您的评价", None]}),
    ]


@pytest.mark.parametrize("who", ["other_manager", "unit_manager", "booker", "stranger"])
def test_only_the_owners_managers_reply(town, who):
    rating = make_rating(make_completed_booking(town.court, town.booker))
    error = refused(reply_to_rating, rating, getattr(town, who), text="谢谢", now=utcnow())
    assert error.code == "forbidden"
    assert db.session.get(Rating, rating.id).reply == ""


def test_a_reply_too_long_is_refused(town):
    rating = make_rating(make_completed_booking(town.court, town.booker))
    error = refused(reply_to_rating, rating, town.manager, text="谢" * 1001, now=utcnow())
    assert (error.code, error.field) == ("value_too_long", "reply")


# --- hiding ------------------------------------------------------------------------------


def test_an_admin_hides_an_abusive_rating_it_is_kept_and_no_longer_counts(town):
    kept = make_rating(make_completed_booking(town.court, town.other), (3, 3, 3))
    abusive = make_rating(make_completed_booking(town.court, town.booker), (1, 1, 1), "骂人的话")
    assert counters(town.court) == (2, 12)
    now = utcnow()
    hide_rating(abusive, town.admin, reason="辱骂", now=now)
    db.session.commit()
    row = db.session.get(Rating, abusive.id)
    assert (row.hidden, row.hidden_by_id, row.hidden_at, row.hidden_reason, row.comment) == (
        True,
        town.admin.id,
        now,
        "辱骂",
        "骂人的话",
    )
    assert counters(town.court) == (1, 9) == recount(town.court)
    assert [r.id for r in list_ratings(town.court).items] == [kept.id]
    assert {r.id for r in list_ratings(town.court, include_hidden=True).items} == {kept.id, abusive.id}
    assert [r.id for r in list_latest_ratings(hidden_only=True).items] == [abusive.id]
    assert audit(abusive)[-1] == ("hidden", {"hidden": [False, True], "reason": [None, "辱骂"]})


def test_hiding_twice_changes_nothing_and_showing_again_counts_it_again(town):
    rating = make_rating(make_completed_booking(town.court, town.booker), (1, 1, 1))
    hide_rating(rating, town.admin, reason="辱骂", now=utcnow())
    hide_rating(rating, town.admin, reason="再次", now=utcnow())
    db.session.commit()
    assert (counters(town.court), db.session.get(Rating, rating.id).hidden_reason) == ((0, 0), "辱骂")
    unhide_rating(rating, town.admin, now=utcnow())
    unhide_rating(rating, town.admin, now=utcnow())
    db.session.commit()
    row = db.session.get(Rating, rating.id)
    assert (row.hidden, row.hidden_by_id, row.hidden_reason) == (False, None, "")
    assert counters(town.court) == (1, 3) == recount(town.court)
    assert [action for action, _ in audit(rating)] == ["created", "hidden", "unhidden"]


def test_changing_a_hidden_rating_leaves_the_counters_alone(town):
    rating = make_rating(make_completed_booking(town.court, town.booker), (1, 1, 1))
    hide_rating(rating, town.admin, reason="辱骂", now=utcnow())
    edit_rating(rating, town.booker, scores=FIVE_FOUR_FOUR, comment="", now=utcnow())
    db.session.commit()
    assert counters(town.court) == (0, 0) == recount(town.court)
    unhide_rating(rating, town.admin, now=utcnow())
    db.session.commit()
    assert counters(town.court) == (1, 13) == recount(town.court)


@pytest.mark.parametrize("who", ["manager", "booker"])
def test_only_admins_hide_and_show_ratings(town, who):
    rating = make_rating(make_completed_booking(town.court, town.booker))
    assert refused(hide_rating, rating, getattr(town, who), reason="不喜欢", now=utcnow()).code == "forbidden"
    hide_rating(rating, town.admin, reason="辱骂", now=utcnow())
    db.session.commit()
    assert refused(unhide_rating, rating, getattr(town, who), now=utcnow()).code == "forbidden"
    assert db.session.get(Rating, rating.id).hidden


def test_hiding_needs_a_reason(town):
    rating = make_rating(make_completed_booking(town.court, town.booker))
    error = refused(hide_rating, rating, town.admin, reason="  ", now=utcnow())
    assert (error.code, error.field) == ("hide_reason_required", "reason")
    assert not db.session.get(Rating, rating.id).hidden and counters(town.court) == (1, 13)


# --- lists and figures -------------------------------------------------------------------


def test_a_resources_ratings_come_newest_first_with_their_figures(town):
    now = utcnow()
    first = make_rating(
        make_completed_booking(town.court, town.booker, days_ago=3), (5, 5, 5), now=now - timedelta(days=2)
    )
    second = make_rating(
        make_completed_booking(town.court, town.other, days_ago=2), (4, 3, 2), now=now - timedelta(days=1)
    )
    hidden = make_rating(make_completed_booking(town.court, town.stranger), (1, 1, 1), now=now)
    hide_rating(hidden, town.admin, reason="辱骂", now=now)
    db.session.commit()
    assert [r.id for r in list_ratings(town.court).items] == [second.id, first.id]
    summary = summarise_resource(town.court)
    assert (summary.count, summary.average) == (2, Decimal("4.0"))
    assert summary.dimensions == {"cleanliness": Decimal("4.5"), "equipment": Decimal("4.0"), "service": Decimal("3.5")}
    assert summary.distribution == {5: 1, 4: 0, 3: 1, 2: 0, 1: 0}


def test_a_resource_without_ratings_has_no_average(town):
    summary = summarise_resource(town.court)
    assert (summary.count, summary.average, summary.dimensions["service"]) == (0, None, None)
    assert summary.distribution == {5: 0, 4: 0, 3: 0, 2: 0, 1: 0}


def test_the_reports_get_the_distribution_and_each_owners_average(town, city):
    make_rating(make_completed_booking(town.court, town.booker), (5, 5, 4))  # 4.67 -> 5
    make_rating(make_completed_booking(town.court, town.other), (3, 3, 4))  # 3.33 -> 3
    make_rating(make_completed_booking(town.hall, town.booker), (2, 2, 1))  # 1.67 -> 2
    hidden = make_rating(make_completed_booking(town.hall, town.other), (1, 1, 1))
    hide_rating(hidden, town.admin, reason="辱骂", now=utcnow())
    db.session.commit()
    assert rating_distribution() == {5: 1, 4: 0, 3: 1, 2: 1, 1: 0}
    assert rating_distribution([town.court.id]) == {5: 1, 4: 0, 3: 1, 2: 0, 1: 0}
    assert rating_distribution([]) == {5: 0, 4: 0, 3: 0, 2: 0, 1: 0}
    averages = average_ratings([city["c1"].id, city["c2"].id, town.unit.id])
    assert {org: (s.count, s.average) for org, s in averages.items()} == {
        city["c1"].id: (2, Decimal("4.0")),
        city["c2"].id: (1, Decimal("1.7")),
        town.unit.id: (0, None),
    }
    assert average_ratings([]) == {}


# --- at the same moment ----------------------------------------------------------------------


@pytest.fixture
def busy_app(engine_name, tmp_path, request):
    """An app whose pool gives each thread a connection of its own."""
    options = {"pool_size": 16, "max_overflow": 0} if engine_name == "postgresql" else {}
    app = make_app(engine_name, tmp_path, request, SQLALCHEMY_ENGINE_OPTIONS=options)
    with app.app_context():
        yield app
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def test_ratings_given_at_the_same_moment_all_count_and_a_booking_is_rated_once(busy_app):
    from app.accounts.models import User
    from app.bookings.models import Booking
    from tests.factories import make_city, make_resource

    city = make_city()
    court = make_resource("T-S-01-C1", city["c1"], capacity=8)
    start = utcnow() - timedelta(days=1)
    bookers = [make_user(name=f"用户{n}") for n in range(6)]
    own = [make_booking(court, u, start, start + timedelta(hours=1), status="completed").id for u in bookers]
    contested = own[0]
    # Each booker rates their own booking, and the first one's booking is rated by four more threads too.
    attempts = [(u.id, b) for u, b in zip(bookers, own, strict=True)] + [(bookers[0].id, contested)] * 4
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def attempt(user_id: int, booking_id: int) -> None:
        try:
            with busy_app.app_context():
                try:
                    db.session.commit()
                    barrier.wait(timeout=60)
                    with transaction(db.session, write_lock=True):
                        user, booking = db.session.get(User, user_id), db.session.get(Booking, booking_id)
                        rate_booking(booking, user, scores=FIVE_FOUR_FOUR, comment="", now=utcnow())
                    outcome = "rated"
                except DomainError as error:
                    outcome = error.code
                finally:
                    db.session.remove()
                with lock:
                    outcomes.append(outcome)
        except Exception as error:  # noqa: BLE001 (reported in the test's thread)
            errors.append(error)

    threads = [threading.Thread(target=attempt, args=pair) for pair in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    db.session.commit()  # the test's own snapshot ends: it reads what the threads wrote
    assert sorted(outcomes) == ["already_rated"] * 4 + ["rated"] * 6
    assert db.session.scalar(select(func.count()).select_from(Rating).where(Rating.booking_id == contested)) == 1
    assert counters(court) == (6, 78) == recount(court)
