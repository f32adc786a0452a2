"""The pairing rules (双结对): who signs when, what may move where, what is frozen once signed."""

from datetime import date

import pytest

from app.domain.errors import DomainError
from app.domain.pairing import (
    ITEM_MOVES,
    MOVES,
    AgreementStatus,
    ItemStatus,
    Responsible,
    Side,
    Signatures,
    agreement_number,
    check_agreement_text,
    check_content_editable,
    check_item,
    check_item_progress,
    check_move,
    check_note,
    check_role_title,
    check_sign,
    check_term,
    check_tie_end,
    check_year,
    is_due_soon,
    other_side,
    responsible_sides,
)

NONE = Signatures(unit=False, community=False)
UNIT_ONLY = Signatures(unit=True, community=False)
COMMUNITY_ONLY = Signatures(unit=False, community=True)
BOTH = Signatures(unit=True, community=True)
U, C = Side.UNIT, Side.COMMUNITY


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value.code


# --- signing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "side", "signed", "after"),
    [
        pytest.param("draft", U, NONE, AgreementStatus.PROPOSED, id="the unit signs first: proposed to the community"),
        pytest.param("draft", C, NONE, AgreementStatus.PROPOSED, id="the community signs first: proposed to the unit"),
        pytest.param("proposed", C, UNIT_ONLY, AgreementStatus.SIGNED, id="the community signs second: signed"),
        pytest.param("proposed", U, COMMUNITY_ONLY, AgreementStatus.SIGNED, id="the unit signs second: signed"),
    ],
)
def test_each_side_signs_once_and_the_second_signature_makes_it_signed(status, side, signed, after):
    assert check_sign(status, side, signed, items=1) is after


@pytest.mark.parametrize(
    ("status", "side", "signed", "items", "code"),
    [
        pytest.param("proposed", U, UNIT_ONLY, 1, "already_signed", id="the unit signs twice"),
        pytest.param("proposed", C, COMMUNITY_ONLY, 1, "already_signed", id="the community signs twice"),
        pytest.param("signed", U, BOTH, 1, "already_signed", id="a signed agreement is not signed again"),
        pytest.param("withdrawn", U, NONE, 1, "invalid_transition", id="a withdrawn agreement cannot be signed"),
        pytest.param("ended", C, BOTH, 1, "invalid_transition", id="an ended agreement cannot be signed"),
        pytest.param("draft", U, NONE, 0, "no_items", id="nothing agreed yet: nothing to sign"),
        pytest.param("unknown", U, NONE, 1, "invalid_status", id="a status the rules do not know"),
    ],
)
def test_refused_signatures(status, side, signed, items, code):
    assert refused(check_sign, status, side, signed, items=items) == code


def test_a_signature_already_given_is_refused_before_a_missing_item():
    # Signing twice is the more telling answer, whatever else is wrong.
    assert refused(check_sign, "proposed", U, UNIT_ONLY, items=0) == "already_signed"


# --- the other moves ---------------------------------------------------------------------------


@pytest.mark.parametrize(("current", "new"), list(MOVES), ids=list(MOVES.values()))
def test_the_moves_in_the_table_are_allowed(current, new):
    check_move(current.value, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        pytest.param("signed", AgreementStatus.WITHDRAWN, id="a signed agreement is ended, not withdrawn"),
        pytest.param("draft", AgreementStatus.ENDED, id="a draft is withdrawn, not ended"),
        pytest.param("proposed", AgreementStatus.ENDED, id="a proposed agreement is not yet in force to end"),
        pytest.param("signed", AgreementStatus.DRAFT, id="a signed agreement is not sent back"),
        pytest.param("withdrawn", AgreementStatus.DRAFT, id="a withdrawn agreement is not revived"),
        pytest.param("ended", AgreementStatus.ENDED, id="an ended agreement does not end twice"),
        pytest.param("withdrawn", AgreementStatus.WITHDRAWN, id="nor is it withdrawn twice"),
        pytest.param("draft", AgreementStatus.SIGNED, id="signing is not a plain move"),
    ],
)
def test_other_moves_are_refused(current, new):
    assert refused(check_move, current, new) == "invalid_transition"


@pytest.mark.parametrize("status", ["proposed", "signed", "withdrawn", "ended"])
def test_only_a_draft_has_editable_content(status):
    check_content_editable("draft")
    assert refused(check_content_editable, status) == "not_editable"


# --- items -------------------------------------------------------------------------------------


def test_an_item_is_trimmed_and_typed():
    fields = check_item("  共建图书角 ", "both", " 王老师 ", date(2026, 6, 1), year=2026)
    assert (fields.what, fields.responsible, fields.person, fields.due_on) == (
        "共建图书角",
        Responsible.BOTH,
        "王老师",
        date(2026, 6, 1),
    )


@pytest.mark.parametrize(
    ("what", "responsible", "person", "due_on", "code"),
    [
        pytest.param("  ", "unit", "", date(2026, 6, 1), "what_required", id="what is to be done is required"),
        pytest.param("x" * 301, "unit", "", date(2026, 6, 1), "value_too_long", id="what is kept short"),
        pytest.param("事项", "school", "", date(2026, 6, 1), "invalid_responsible", id="a side the rules do not know"),
        pytest.param("事项", "unit", "x" * 101, date(2026, 6, 1), "value_too_long", id="the person's name is short"),
        pytest.param("事项", "unit", "", None, "due_required", id="a due date is required"),
        pytest.param("事项", "unit", "", date(2027, 1, 1), "due_outside_year", id="due after the agreement's year"),
        pytest.param("事项", "unit", "", date(2025, 12, 31), "due_outside_year", id="due before the agreement's year"),
    ],
)
def test_refused_items(what, responsible, person, due_on, code):
    assert refused(check_item, what, responsible, person, due_on, year=2026) == code


@pytest.mark.parametrize(("current", "new"), list(ITEM_MOVES), ids=list(ITEM_MOVES.values()))
def test_an_items_progress_moves_along_the_table_once_signed(current, new):
    assert check_item_progress("signed", current.value, new.value, " 已完成 ") == (new, "已完成")


@pytest.mark.parametrize("status", list(ItemStatus))
def test_the_note_alone_may_change_whatever_the_status(status):
    assert check_item_progress("signed", status.value, status.value, "备注") == (status, "备注")


@pytest.mark.parametrize(
    ("agreement", "current", "new", "note", "code"),
    [
        pytest.param("draft", "planned", "done", "", "not_signed", id="a draft's items have no progress yet"),
        pytest.param("proposed", "planned", "done", "", "not_signed", id="nor do a half-signed agreement's"),
        pytest.param("ended", "planned", "done", "", "not_signed", id="nor do an ended agreement's"),
        pytest.param("signed", "done", "planned", "", "invalid_transition", id="done goes back to in progress only"),
        pytest.param("signed", "dropped", "done", "", "invalid_transition", id="a dropped item is taken up first"),
        pytest.param("signed", "in_progress", "planned", "", "invalid_transition", id="started work stays started"),
        pytest.param("signed", "planned", "finished", "", "invalid_status", id="a status the rules do not know"),
        pytest.param("signed", "planned", "done", "x" * 1001, "value_too_long", id="the note is kept short"),
    ],
)
def test_refused_progress(agreement, current, new, note, code):
    assert refused(check_item_progress, agreement, current, new, note) == code


@pytest.mark.parametrize(
    ("status", "due_on", "soon"),
    [
        pytest.param("planned", date(2026, 6, 8), True, id="planned, due in a week"),
        pytest.param("in_progress", date(2026, 5, 1), True, id="in progress and overdue"),
        pytest.param("planned", date(2026, 6, 9), False, id="due in eight days: not yet"),
        pytest.param("done", date(2026, 6, 2), False, id="done: nothing to remind of"),
        pytest.param("dropped", date(2026, 6, 2), False, id="dropped: nothing to remind of"),
    ],
)
def test_which_items_are_due_soon(status, due_on, soon):
    assert is_due_soon(status, due_on, date(2026, 6, 1)) is soon


# --- the rest ------------------------------------------------------------------------------------


def test_the_agreement_number_reads_as_a_co_building_number_of_its_year():
    assert agreement_number(2026, 1) == "共建-2026-0001"
    assert agreement_number(2026, 12345) == "共建-2026-12345"


@pytest.mark.parametrize("year", [None, 1999, 2101])
def test_years_outside_the_range_are_refused(year):
    assert refused(check_year, year) == "invalid_year"
    assert check_year(2026) == 2026


@pytest.mark.parametrize(
    ("title", "body", "code"),
    [
        pytest.param(" ", "", "agreement_title_required", id="a title is required"),
        pytest.param("x" * 201, "", "value_too_long", id="the title is kept short"),
        pytest.param("协议", "x" * 20_001, "value_too_long", id="the text has a bound"),
    ],
)
def test_refused_agreement_text(title, body, code):
    assert refused(check_agreement_text, title, body) == code


def test_sides_and_responsibility():
    assert other_side(U) is C and other_side(C) is U
    assert responsible_sides(Responsible.BOTH) == (U, C)
    assert responsible_sides(Responsible.UNIT) == (U,)
    assert responsible_sides(Responsible.COMMUNITY) == (C,)


@pytest.mark.parametrize(
    ("start", "end", "code", "field"),
    [
        pytest.param(None, date(2026, 1, 1), "term_required", "term_start", id="the first day is required"),
        pytest.param(date(2026, 1, 1), None, "term_required", "term_end", id="the last day is required"),
        pytest.param(date(2026, 1, 2), date(2026, 1, 1), "end_before_start", "term_end", id="it ends before it starts"),
    ],
)
def test_refused_terms(start, end, code, field):
    with pytest.raises(DomainError) as caught:
        check_term(start, end)
    assert (caught.value.code, caught.value.field) == (code, field)
    assert check_term(date(2026, 1, 1), date(2026, 1, 1)) == (date(2026, 1, 1), date(2026, 1, 1))


def test_role_titles_notes_and_endings():
    assert check_role_title(" 兼职委员 ") == "兼职委员"
    assert refused(check_role_title, "") == "role_required"
    assert refused(check_role_title, "x" * 101) == "value_too_long"
    assert check_note("  ") == ""
    check_tie_end("active")
    assert refused(check_tie_end, "ended") == "already_ended"
