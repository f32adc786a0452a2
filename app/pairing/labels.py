"""Words for pairing's statuses, sides and audit actions, and the badge each status wears."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

AGREEMENT_STATUS_LABELS = {
    "draft": _l("Draft"),
    "proposed": _l("Signed by one side"),
    "signed": _l("Signed"),
    "withdrawn": _l("Withdrawn"),
    "ended": _l("Ended"),
}
ITEM_STATUS_LABELS = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "dropped": _l("Dropped"),
}
TIE_STATUS_LABELS = {"active": _l("Active"), "ended": _l("Ended")}
RESPONSIBLE_LABELS = {"unit": _l("The unit"), "community": _l("The community"), "both": _l("Both sides")}
SIDE_LABELS = {"unit": _l("Unit"), "community": _l("Community")}
AUDIT_ACTION_LABELS = {
    "created": _l("Drafted"),
    "updated": _l("Text changed"),
    "item_added": _l("Item added"),
    "item_updated": _l("Item changed"),
    "item_removed": _l("Item removed"),
    "signed": _l("Signed"),
    "sent_back": _l("Sent back for changes"),
    "withdrawn": _l("Withdrawn"),
    "ended": _l("Ended"),
    "item_progress": _l("Progress recorded"),
}
# The badge's colour only repeats the word beside it (app.css's status colours, and Bootstrap's).
BADGE_CLASSES = {
    "draft": "text-bg-secondary",
    "proposed": "status-pending",
    "signed": "status-acknowledged",
    "withdrawn": "status-withdrawn",
    "ended": "text-bg-dark",
    "planned": "text-bg-secondary",
    "in_progress": "status-pending",
    "done": "status-acknowledged",
    "dropped": "status-withdrawn",
    "active": "status-acknowledged",
}
