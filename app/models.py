"""Every feature's models, imported so the metadata (and migrations) see all tables."""

from app.accounts.models import ApiToken, User
from app.organisations.models import Membership, Organisation, Registration
from app.workdays.models import CalendarDay

__all__ = ["ApiToken", "CalendarDay", "Membership", "Organisation", "Registration", "User"]
