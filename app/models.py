"""Every feature's models, imported so the metadata (and migrations) see all tables."""

from app.access.models import Closure, Window
from app.accounts.models import ApiToken, User
from app.audit.models import AuditEntry
from app.bookings.models import Booking, BookingEvent, BookingSeries, IdempotencyKey, Notification, WaitlistEntry
from app.directory.models import Resource, ResourcePhoto
from app.feeds.models import FeedToken
from app.notifications.models import NotificationKey, NotificationSettings, OutboxMessage
from app.organisations.models import Membership, Organisation, Registration
from app.reports.models import UsageSnapshot
from app.scheduler.models import JobRun, SchedulerBeat
from app.workdays.models import CalendarDay

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Booking",
    "BookingEvent",
    "BookingSeries",
    "CalendarDay",
    "Closure",
    "FeedToken",
    "IdempotencyKey",
    "JobRun",
    "Membership",
    "Notification",
    "NotificationKey",
    "NotificationSettings",
    "Organisation",
    "OutboxMessage",
    "Registration",
    "Resource",
    "ResourcePhoto",
    "SchedulerBeat",
    "UsageSnapshot",
    "User",
    "WaitlistEntry",
    "Window",
]
