"""The pairing (双结对) rules: co-building agreements and their items, who signs, what may change when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.domain.errors import DomainError


class AgreementStatus(StrEnum):
    DRAFT = "draft"  # being written; either side edits it
    PROPOSED = "proposed"  # one side has signed; waits for the other
    SIGNED = "signed"  # both sides have signed: the content is frozen
    WITHDRAWN = "withdrawn"  # given up before both signed
    ENDED = "ended"  # a signed agreement ended early (a new version replaces it)


# One of these per unit, community and year (a partial unique index says so too).
LIVE_AGREEMENT_STATUSES = (AgreementStatus.DRAFT, AgreementStatus.PROPOSED, AgreementStatus.SIGNED)
# Agreements that were in force: what the year's figures count.
IN_FORCE_STATUSES = (AgreementStatus.SIGNED, AgreementStatus.ENDED)


class Side(StrEnum):
    """The two parties of an agreement, each signing through its managers."""

    UNIT = "unit"
    COMMUNITY = "community"


class Responsible(StrEnum):
    UNIT = "unit"
    COMMUNITY = "community"
    BOTH = "both"


class ItemStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


# Items still to be done: the ones a due date is a reminder for.
OPEN_ITEM_STATUSES = (ItemStatus.PLANNED, ItemStatus.IN_PROGRESS)


class TieStatus(StrEnum):
    """A cross-appointment (兼职委员) or a help pair (帮扶对子): in force, or ended."""

    ACTIVE = "active"
    ENDED = "ended"


MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_TITLE_LENGTH = 200
MAX_BODY_LENGTH = 20_000
MAX_WHAT_LENGTH = 300
MAX_PERSON_LENGTH = 100
MAX_NOTE_LENGTH = 1000
MAX_ROLE_LENGTH = 100
# An open item is announced to the responsible side this many days before it is due.
DUE_NOTICE_DAYS = 7


# Moves other than signing, each open to either side's managers. Anything else is refused.
MOVES: dict[tuple[AgreementStatus, AgreementStatus], str] = {
    (AgreementStatus.DRAFT, AgreementStatus.WITHDRAWN): "given up before anyone signed",
    (AgreementStatus.PROPOSED, AgreementStatus.WITHDRAWN): "given up before the other side signed",
    (AgreementStatus.PROPOSED, AgreementStatus.DRAFT): "sent back for changes: the signature given is cleared",
    (AgreementStatus.SIGNED, AgreementStatus.ENDED): "ended early; a new version may then be drafted",
}

# How an item's progress may move once the agreement is signed.
ITEM_MOVES: dict[tuple[ItemStatus, ItemStatus], str] = {
    (ItemStatus.PLANNED, ItemStatus.IN_PROGRESS): "work starts",
    (ItemStatus.PLANNED, ItemStatus.DONE): "done in one go",
    (ItemStatus.PLANNED, ItemStatus.DROPPED): "agreed not to do it",
    (ItemStatus.IN_PROGRESS, ItemStatus.DONE): "finished",
    (ItemStatus.IN_PROGRESS, ItemStatus.DROPPED): "abandoned",
    (ItemStatus.DONE, ItemStatus.IN_PROGRESS): "reopened: it was not finished after all",
    (ItemStatus.DROPPED, ItemStatus.PLANNED): "taken up again",
}


@dataclass(frozen=True)
class Signatures:
    unit: bool
    community: bool

    def has(self, side: Side) -> bool:
        return self.unit if side is Side.UNIT else self.community


@dataclass(frozen=True)
class ItemFields:
    what: str
    responsible: Responsible
    person: str
    due_on: date


def other_side(side: Side) -> Side:
    return Side.COMMUNITY if side is Side.UNIT else Side.UNIT


def responsible_sides(responsible: Responsible) -> tuple[Side, ...]:
    """The sides that answer for an item."""
    if responsible is Responsible.BOTH:
        return (Side.UNIT, Side.COMMUNITY)
    return (Side(responsible.value),)


def _status(value: str) -> AgreementStatus:
    try:
        return AgreementStatus(value)
    except ValueError:
        raise DomainError("invalid_status", field="status") from None


def check_year(year: int | None) -> int:
    """An agreement is for one calendar year."""
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError("invalid_year", field="year")
    return year


def check_agreement_text(title: str, body: str) -> tuple[str, str]:
    """The title is required; both are kept within bounds. Returns them trimmed."""
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise DomainError("agreement_title_required", field="title")
    if len(title) > MAX_TITLE_LENGTH:
        raise DomainError("value_too_long", field="title")
    if len(body) > MAX_BODY_LENGTH:
        raise DomainError("value_too_long", field="body")
    return title, body


def check_content_editable(status: str) -> None:
    """Title, text and items change only while a draft: a signature is given to fixed content."""
    if _status(status) is not AgreementStatus.DRAFT:
        raise DomainError("not_editable", field="status")


def check_sign(status: str, side: Side, signed: Signatures, *, items: int) -> AgreementStatus:
    """The status after `side` signs: proposed when it is the first signature, signed with both.

    `invalid_transition` for an agreement withdrawn or ended, `already_signed` when this side
    (or both) signed already, `no_items` for an agreement with nothing agreed in it.
    """
    current = _status(status)
    if current in (AgreementStatus.WITHDRAWN, AgreementStatus.ENDED):
        raise DomainError("invalid_transition", field="status")
    if current is AgreementStatus.SIGNED or signed.has(side):
        raise DomainError("already_signed", field="side")
    if items < 1:
        raise DomainError("no_items", field="items")
    return AgreementStatus.SIGNED if signed.has(other_side(side)) else AgreementStatus.PROPOSED


def check_move(current: str, new: AgreementStatus) -> None:
    """Raise `invalid_transition` unless MOVES has the move from `current` to `new`."""
    if (_status(current), new) not in MOVES:
        raise DomainError("invalid_transition", field="status")


def check_item(what: str, responsible: str, person: str, due_on: date | None, *, year: int) -> ItemFields:
    """An item of the agreement: what is to be done, which side answers for it (and the person),
    due within the agreement's year."""
    what, person = (what or "").strip(), (person or "").strip()
    if not what:
        raise DomainError("what_required", field="what")
    if len(what) > MAX_WHAT_LENGTH:
        raise DomainError("value_too_long", field="what")
    try:
        side = Responsible(responsible)
    except ValueError:
        raise DomainError("invalid_responsible", field="responsible") from None
    if len(person) > MAX_PERSON_LENGTH:
        raise DomainError("value_too_long", field="person")
    if due_on is None:
        raise DomainError("due_required", field="due_on")
    if due_on.year != year:
        raise DomainError("due_outside_year", field="due_on")
    return ItemFields(what=what, responsible=side, person=person, due_on=due_on)


def check_item_progress(agreement_status: str, current: str, new: str, note: str) -> tuple[ItemStatus, str]:
    """An item's progress (status and note) is recorded once the agreement is signed, along ITEM_MOVES;
    keeping the status and changing only the note is always allowed then."""
    if _status(agreement_status) is not AgreementStatus.SIGNED:
        raise DomainError("not_signed", field="status")
    try:
        before, after = ItemStatus(current), ItemStatus(new)
    except ValueError:
        raise DomainError("invalid_status", field="status") from None
    if before is not after and (before, after) not in ITEM_MOVES:
        raise DomainError("invalid_transition", field="status")
    return after, check_note(note)


def check_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise DomainError("value_too_long", field="note")
    return note


def agreement_number(year: int, agreement_id: int) -> str:
    """The readable number a signed agreement carries (共建-2026-0042): unique by its id, so two
    agreements signed at the same moment never race for one."""
    return f"共建-{year}-{agreement_id:04d}"


def is_due_soon(status: str, due_on: date, today: date) -> bool:
    """An open item due within DUE_NOTICE_DAYS (or already overdue)."""
    return ItemStatus(status) in OPEN_ITEM_STATUSES and (due_on - today).days <= DUE_NOTICE_DAYS


def check_term(start: date | None, end: date | None) -> tuple[date, date]:
    """A committee term has a first and a last day, the last not before the first."""
    if start is None:
        raise DomainError("term_required", field="term_start")
    if end is None:
        raise DomainError("term_required", field="term_end")
    if end < start:
        raise DomainError("end_before_start", field="term_end")
    return start, end


def check_role_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise DomainError("role_required", field="role_title")
    if len(title) > MAX_ROLE_LENGTH:
        raise DomainError("value_too_long", field="role_title")
    return title


def check_tie_end(status: str) -> None:
    """A cross-appointment or a help pair ends once."""
    if status != TieStatus.ACTIVE.value:
        raise DomainError("already_ended", field="status")
