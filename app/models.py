"""Every feature's models, imported so the metadata (and migrations) see all tables."""

from app.accounts.models import ApiToken, User
from app.audit.models import AuditEntry
from app.directory.models import Resource, ResourcePhoto
from app.organisations.models import Membership, Organisation, Registration
from app.workdays.models import CalendarDay

__all__ = [
    "ApiToken",
    "AuditEntry",
    "CalendarDay",
    "Membership",
    "Organisation",
    "Registration",
    "Resource",
    "ResourcePhoto",
    "User",
]
