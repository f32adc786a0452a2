"""The pure rules of service items (双领办), as tables with a reason on every row: publishing, who claims
what and in which order refusals come, the items' and claims' moves, hours of service."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.domain.errors import DomainError
from app.domain.service_items import (
    ClaimantKind,
    ClaimAttempt,
    ItemDraft,
    ItemStatus,
    check_claim,
    check_completion,
    check_item,
    check_item_move,
    check_withdrawal,
    claimant_kind,
    default_kind,
    kinds_for,
    parse_hours,
    places_left,
)

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
START = NOW + timedelta(days=2)
DRAFT = ItemDraft("need", "community", " 为独居老人代买药品 ", "", " 东坝社区 ", START, START + timedelta(hours=2), 3)


def code_of(call) -> str | None:
    try:
        call()
    except DomainError as error:
        return error.code
    return None


# --- publishing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({}, None),
        ({"kind": "support", "publisher_kind": "unit"}, None),
        ({"kind": "activity_day", "publisher_kind": "unit"}, None),
        ({"kind": "activity_day"}, None),
        ({"kind": "support"}, "invalid_kind"),
        ({"kind": "need", "publisher_kind": "unit"}, "invalid_kind"),
        ({"publisher_kind": "street"}, "invalid_kind"),
        ({"kind": "party"}, "invalid_kind"),
        ({"title": "   "}, "title_required"),
        ({"title": "长" * 201}, "value_too_long"),
        ({"description": "长" * 2001}, "value_too_long"),
        ({"place": "长" * 201}, "value_too_long"),
        ({"start": START.replace(tzinfo=None)}, "invalid_time"),
        ({"end": START}, "end_before_start"),
        ({"start": NOW - timedelta(hours=3), "end": NOW}, "in_past"),
        ({"start": NOW - timedelta(hours=3), "end": NOW + timedelta(minutes=1)}, None),
        ({"places": 0}, "places_out_of_range"),
        ({"places": 1001}, "places_out_of_range"),
        ({"places": True}, "places_out_of_range"),
        ({"places": 1000}, None),
    ],
    ids=[
        "a community publishes a need",
        "a unit publishes a support item",
        "a unit publishes an activity day",
        "a community publishes an activity day",
        "a community publishes no support item",
        "a unit publishes no need",
        "a street publishes nothing",
        "an unknown kind",
        "a title is required",
        "a title of at most 200 characters",
        "details of at most 2000 characters",
        "a place of at most 200 characters",
        "a time without its offset",
        "an end not after the start",
        "an item that is over already",
        "an item still running may be published",
        "no places",
        "more than 1000 places",
        "true is not a number of places",
        "1000 places",
    ],
)
def test_publishing_rules(changes, code):
    assert code_of(lambda: check_item(replace(DRAFT, **changes), NOW)) == code


def test_a_published_draft_is_stripped_of_spaces():
    cleaned = check_item(DRAFT, NOW)
    assert (cleaned.title, cleaned.place) == ("为独居老人代买药品", "东坝社区")


def test_each_organisation_publishes_its_usual_kind_first():
    assert [k.value for k in kinds_for("community")] == ["need", "activity_day"]
    assert [k.value for k in kinds_for("unit")] == ["support", "activity_day"]
    assert (default_kind("community"), default_kind("unit"), default_kind("street")) == ("need", "support", None)


@pytest.mark.parametrize(
    ("org_kind", "claimant"),
    [(None, "person"), ("unit", "unit"), ("community", "community"), ("street", "other"), ("district", "other")],
)
def test_what_a_claim_is_follows_whom_it_is_for(org_kind, claimant):
    assert claimant_kind(org_kind) == claimant


# --- claiming ---------------------------------------------------------------------------------

ATTEMPT = ClaimAttempt(
    kind="need",
    status="open",
    end=START,
    places=2,
    claimant=ClaimantKind.UNIT,
    acts_for=True,
    registered=True,
    already=False,
    live=1,
)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({}, None),
        ({"claimant": ClaimantKind.PERSON}, None),
        ({"kind": "support", "claimant": ClaimantKind.COMMUNITY}, None),
        ({"kind": "activity_day", "claimant": ClaimantKind.PERSON}, None),
        ({"acts_for": False}, "forbidden"),
        ({"claimant": ClaimantKind.COMMUNITY}, "invalid_claimant"),
        ({"claimant": ClaimantKind.OTHER}, "invalid_claimant"),
        ({"kind": "support", "claimant": ClaimantKind.UNIT}, "invalid_claimant"),
        ({"kind": "support", "claimant": ClaimantKind.PERSON}, "invalid_claimant"),
        ({"kind": "activity_day", "claimant": ClaimantKind.UNIT}, "invalid_claimant"),
        ({"status": "closed"}, "not_claimable"),
        ({"status": "cancelled"}, "not_claimable"),
        ({"end": NOW}, "not_claimable"),
        ({"registered": False}, "not_registered"),
        ({"already": True}, "already_claimed"),
        ({"live": 2}, "capacity_exceeded"),
        ({"live": 5}, "capacity_exceeded"),
        # When several apply, the first in ClaimAttempt's order answers.
        ({"acts_for": False, "claimant": ClaimantKind.OTHER, "status": "closed"}, "forbidden"),
        ({"claimant": ClaimantKind.COMMUNITY, "status": "closed", "registered": False}, "invalid_claimant"),
        ({"status": "closed", "registered": False, "already": True, "live": 2}, "not_claimable"),
        ({"registered": False, "already": True, "live": 2}, "not_registered"),
        ({"already": True, "live": 2}, "already_claimed"),
    ],
    ids=[
        "a registered unit claims a need with a place left",
        "a registered resident claims a need for themself",
        "a community claims a unit's support item",
        "a person signs up for an activity day",
        "acting for an organisation one does not manage",
        "a community claims no community's need",
        "a street claims nothing",
        "a unit claims no unit's support item",
        "a person claims no support item",
        "an activity day is signed up for by people, not units",
        "a closed item",
        "a cancelled item",
        "an item whose time is over",
        "a claimant not registered where the item asks",
        "a second live claim",
        "the last place taken",
        "more claims than places (places lowered)",
        "forbidden comes first",
        "then the kind of claimant",
        "then whether it takes claims",
        "then registration",
        "then one's own claim, before the others'",
    ],
)
def test_claiming_rules(changes, code):
    assert code_of(lambda: check_claim(replace(ATTEMPT, **changes), NOW)) == code


@pytest.mark.parametrize(("places", "live", "left"), [(3, 0, 3), (3, 2, 1), (3, 3, 0), (3, 4, 0)])
def test_places_left_never_go_below_none(places, live, left):
    assert places_left(places, live) == left


# --- moves ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "new", "code"),
    [
        ("open", ItemStatus.CLOSED, None),
        ("closed", ItemStatus.OPEN, None),
        ("open", ItemStatus.CANCELLED, None),
        ("closed", ItemStatus.CANCELLED, None),
        ("open", ItemStatus.OPEN, "item_not_movable"),
        ("cancelled", ItemStatus.OPEN, "item_not_movable"),
        ("cancelled", ItemStatus.CLOSED, "item_not_movable"),
        ("cancelled", ItemStatus.CANCELLED, "item_not_movable"),
        ("lost", ItemStatus.OPEN, "item_not_movable"),
    ],
    ids=[
        "close to claims",
        "open again",
        "cancel an open item",
        "cancel a closed item",
        "opening an open item is no move",
        "a cancelled item is not reopened",
        "nor closed",
        "nor cancelled twice",
        "an unknown status moves nowhere",
    ],
)
def test_item_moves(current, new, code):
    assert code_of(lambda: check_item_move(current, new)) == code


@pytest.mark.parametrize(
    ("status", "code"),
    [("claimed", None), ("completed", "claim_not_withdrawable"), ("withdrawn", "claim_not_withdrawable")],
    ids=["a held claim", "a completed claim stays on record", "withdrawn already"],
)
def test_withdrawing_a_claim(status, code):
    assert code_of(lambda: check_withdrawal(status)) == code


@pytest.mark.parametrize(
    ("value", "hours"),
    [
        (2, Decimal("2.0")),
        (2.5, Decimal("2.5")),
        ("1.5", Decimal("1.5")),
        (" 3 ", Decimal("3.0")),
        ("2.50", Decimal("2.5")),
        (Decimal("0.1"), Decimal("0.1")),
        (1000, Decimal("1000.0")),
    ],
    ids=["a whole number", "a decimal", "text", "text with spaces", "trailing zeros", "a tenth", "the most"],
)
def test_hours_are_taken_in_tenths(value, hours):
    assert parse_hours(value) == hours


@pytest.mark.parametrize(
    "value",
    [0, -1, "0", 1000.1, 2.25, "abc", "", None, True, float("nan"), float("inf"), "NaN", "Infinity", [2]],
    ids=[
        "none",
        "negative",
        "zero as text",
        "over 1000",
        "hundredths",
        "not a number",
        "empty",
        "missing",
        "a boolean",
        "NaN",
        "infinity",
        "NaN as text",
        "infinity as text",
        "a list",
    ],
)
def test_hours_that_are_refused(value):
    assert code_of(lambda: parse_hours(value)) == "invalid_hours"


@pytest.mark.parametrize(
    ("claim", "item", "hours", "note", "code"),
    [
        ("claimed", "open", 2, "送药上门两次", None),
        ("claimed", "closed", 2, "送药上门两次", None),
        ("completed", "open", 2, "送药上门两次", "not_completable"),
        ("withdrawn", "open", 2, "送药上门两次", "not_completable"),
        ("claimed", "cancelled", 2, "送药上门两次", "not_completable"),
        ("claimed", "open", 0, "送药上门两次", "invalid_hours"),
        ("claimed", "open", 2, "  ", "note_required"),
        ("claimed", "open", 2, "长" * 1001, "value_too_long"),
        ("completed", "open", 0, "", "not_completable"),
    ],
    ids=[
        "a held claim of an open item",
        "a closed item's claims are still completed",
        "completed twice",
        "a withdrawn claim",
        "a cancelled item",
        "hours above 0",
        "a note is required",
        "a note of at most 1000 characters",
        "the claim's state comes first",
    ],
)
def test_recording_completion(claim, item, hours, note, code):
    assert code_of(lambda: check_completion(claim, item, hours, note)) == code


def test_a_completion_note_is_stripped():
    assert check_completion("claimed", "open", "1.5", " 修好了水管 ") == (Decimal("1.5"), "修好了水管")
