"""What a booking's decision reads under the resource's lock, in one statement: the requester's
standing and the bookings that hold capacity (with what counts against a weekly quota).

Every booking asks both, one after the other; one statement instead of two saves a round trip
to the database on the hot path. The rows of both come back marked by their source, in one
column layout: (source, part, organisation, flag, role, start, end, quantity).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import CompoundSelect, Integer, Select, literal, null, select, union_all

from app.access.services import audiences_of, requester_for, requester_from_rows, standing_statement
from app.accounts.models import User
from app.bookings.services import HoldingRead, list_holding_and_quota
from app.db import reading_connection
from app.directory.models import Resource
from app.domain.audiences import Audience, Requester
from app.domain.rules import Held, ResourceRules
from app.driver_reads import DriverRead
from app.extensions import db
from app.organisations.models import Organisation

_HOLDINGS, _STANDING = 0, 1


@dataclass(frozen=True)
class DecisionReads:
    requester: Requester
    audiences: frozenset[Audience]
    held: list[Held]
    week_minutes_used: dict[date, int]


def _combined(holdings: Select[Any] | CompoundSelect[Any], standing: CompoundSelect[Any]) -> CompoundSelect[Any]:
    # The holdings come first: a UNION's columns take their types from its first part, and the
    # times need their DateTime type (SQLite gives text otherwise).
    held = holdings.subquery()
    mine = standing.subquery()
    h, s = list(held.c), list(mine.c)
    return union_all(
        select(literal(_HOLDINGS, Integer), h[0], null(), null(), null(), h[1], h[2], h[3]),
        select(literal(_STANDING, Integer), s[0], s[1], s[2], s[3], null(), null(), null()),
    )


_STATEMENTS: dict[tuple[int, bool], DriverRead] = {}


def _statement(holdings: Select[Any] | CompoundSelect[Any], *, acting: bool) -> DriverRead:
    """Built once for each of the few holdings statements (with or without a quota)."""
    key = (id(holdings), acting)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = DriverRead(_combined(holdings, standing_statement(acting=acting)))
    return _STATEMENTS[key]


def read_for_decision(
    resource: Resource,
    user: User,
    acting_for: Organisation | None,
    rules: ResourceRules,
    first_day: date,
    last_day: date,
) -> DecisionReads:
    """The requester, their audiences for the resource, the holdings of the days, and the week's
    minutes against the quota where a window the requester is in has one.

    Whether a quota applies depends on the audiences, which the standing gives: the quota's rows
    are read whenever any window of the resource has one, and counted only when it applies.
    """
    if not user.is_authenticated:
        requester = requester_for(None)
        audiences = audiences_of(requester, resource)
        held, used = list_holding_and_quota(resource, first_day, last_day, None)
        return DecisionReads(requester, audiences, held, used)
    acting = acting_for is not None
    quota_key = Requester(user.id, acting_for=acting_for.id if acting_for is not None else None).quota_key
    any_quota = any(w.max_minutes_per_week is not None for w in rules.windows)
    reading = HoldingRead(resource, first_day, last_day, quota_key if any_quota else None)
    params = reading.params | {"user_id": user.id}
    if acting_for is not None:
        params["unit_id"] = acting_for.id
    rows = _statement(reading.statement, acting=acting).all(reading_connection(db.session), params)
    holding_rows: list[tuple[int, datetime, datetime, int]] = []
    standing_rows: list[tuple[int, int, Any, Any]] = []
    for source, part, org_id, flag, role, start, end, quantity in rows:
        if source == _HOLDINGS:
            holding_rows.append((part, start, end, quantity))
        else:
            standing_rows.append((part, org_id, flag, role))
    requester = requester_from_rows(user, acting_for, standing_rows)
    audiences = audiences_of(requester, resource)
    quota_applies = any(w.max_minutes_per_week is not None for w in rules.windows if w.audience in audiences)
    held, used = reading.held_and_used(holding_rows, count_quota=quota_applies)
    return DecisionReads(requester, audiences, held, used)
