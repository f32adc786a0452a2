"""Service items in words: kinds, statuses (a word and a symbol, never colour alone), claimants' names."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.service_items.models import ServiceClaim

KIND_LABELS = {
    "need": _l("Community service need"),
    "support": _l("Unit support item"),
    "activity_day": _l("Themed activity day"),
}
ITEM_STATUS_LABELS = {"open": _l("Open"), "closed": _l("Closed"), "cancelled": _l("Cancelled")}
CLAIM_STATUS_LABELS = {"claimed": _l("Claimed"), "completed": _l("Completed"), "withdrawn": _l("Withdrawn")}
# What the publisher's buttons say, by the status they move the item to.
MOVE_LABELS = {
    "closed": _l("Close to claims"),
    "open": _l("Open again for claims"),
    "cancelled": _l("Cancel the item"),
}
SYMBOLS = {
    "open": "○",
    "closed": "⊘",
    "cancelled": "✕",
    "claimed": "◷",
    "completed": "✔",
    "withdrawn": "–",
    "full": "●",
}
# The badge colours app.css has; the word and the symbol say the same.
BADGES = {
    "open": "status-acknowledged",
    "closed": "status-withdrawn",
    "cancelled": "status-declined",
    "claimed": "status-pending",
    "completed": "status-acknowledged",
    "withdrawn": "status-withdrawn",
    "full": "status-pending",
}
# Who may claim each kind, said to those who may not.
WHO_CLAIMS = {
    "need": _l("Units registered with the community claim its needs, and its registered residents for themselves."),
    "support": _l("Communities the unit is registered with claim its support items, through their managers."),
    "activity_day": _l(
        "People sign up for themselves: registered residents of the organiser's community (or of the communities "
        "its unit is registered with), and members of the units concerned."
    ),
}


@dataclass(frozen=True)
class Badge:
    word: str
    symbol: str
    css: str


def badge(status: str) -> Badge:
    words = {**ITEM_STATUS_LABELS, **CLAIM_STATUS_LABELS, "full": _l("Full")}
    return Badge(str(words.get(status, status)), SYMBOLS.get(status, "·"), BADGES.get(status, "status-withdrawn"))


def masked(name: str) -> str:
    """A person's name as others see it: 张* (their organisation's name is shown in full)."""
    name = (name or "").strip()
    return f"{name[0]}*" if name else "*"


def claimant_name(claim: ServiceClaim, *, full: bool) -> str:
    """The organisation claimed for, or the person (masked unless `full`)."""
    if claim.on_behalf_of is not None:
        return claim.on_behalf_of.name
    return claim.user.name if full else masked(claim.user.name)
