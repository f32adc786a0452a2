"""The week grid as drawn, kept in memory per process and keyed by the resource's revision.

A week is the same for every viewer in the same standing during the same minute until
something it is made of changes, and any such change bumps the resource's revision
(app.bookings.revisions). So a key of (resource, revision, week, minute, language,
standing) is never stale, across processes too, with no invalidation to send.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date, datetime
from typing import Any, TypeVar

from flask import current_app

from app.domain.audiences import Requester

# Each entry is a week's drawn cells (tens of kB): a few hundred stay within a few MB.
MAX_ENTRIES = 256
_EXTENSION = "linli.week_cache"
# Rules are small (a resource's windows, closures and the calendar of a few days).
MAX_RULES = 1024
_RULES_EXTENSION = "linli.rules_cache"

T = TypeVar("T")


class LruCache:
    """A small thread-safe least-recently-used map (the development server is threaded)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]  # type: ignore[no-any-return]
            self.misses += 1
        value = make()  # outside the lock: two misses of one key both compute, which is harmless
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value


def week_cache() -> LruCache:
    """This app's cache (each app, as each test makes one, has its own)."""
    cache = current_app.extensions.get(_EXTENSION)
    if cache is None:
        cache = current_app.extensions[_EXTENSION] = LruCache(MAX_ENTRIES)
    return cache  # type: ignore[no-any-return]


def rules_cache() -> LruCache:
    """This app's resource rules, keyed by (resource, rules revision, first day, last day)."""
    cache = current_app.extensions.get(_RULES_EXTENSION)
    if cache is None:
        cache = current_app.extensions[_RULES_EXTENSION] = LruCache(MAX_RULES)
    return cache  # type: ignore[no-any-return]


def standing(requester: Requester) -> Hashable:
    """What of the requester the week depends on. Acting for a unit, it is the unit's standing
    (its audiences and pooled quota), shared by all its staff; otherwise the person's own."""
    if requester.user_id is None:
        return ("anonymous",)
    if requester.acting_for is not None:
        return ("unit", requester.acting_for, requester.acting_for_registered_with, requester.may_act)
    return ("person", requester.user_id, requester.resident_of, requester.party_member_of, requester.member_of)


def week_key(
    resource_id: int, revision: int, first_day: date, now: datetime, locale: str, requester: Requester
) -> Hashable:
    # Slots turn past and days are released on whole minutes: within one minute nothing moves.
    minute = now.replace(second=0, microsecond=0)
    return (resource_id, revision, first_day, minute, locale, standing(requester))
