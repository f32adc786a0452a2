"""Every feature's models, imported so the metadata (and migrations) see all tables."""

from app.access.models import Closure, Window
from app.accounts.models import ApiToken, User
from app.audit.models import AuditEntry
from app.bookings.models import Booking, BookingEvent, BookingSeries, IdempotencyKey, Notification, WaitlistEntry
from app.directory.models import Resource, ResourcePhoto
from app.evaluations.models import Evaluation, EvaluationRound
from app.feeds.models import FeedToken
from app.notifications.models import NotificationKey, NotificationSettings, OutboxMessage
from app.organisations.models import Membership, Organisation, Registration
from app.pairing.models import Agreement, AgreementItem, CrossAppointment, HelpPair
from app.ratings.models import Rating
from app.reports.models import UsageSnapshot
from app.scheduler.models import JobRun, SchedulerBeat
from app.service_items.models import ServiceClaim, ServiceItem
from app.volunteers.models import VolunteerSelection
from app.workdays.models import CalendarDay

__all__ = [
    "Agreement",
    "AgreementItem",
    "ApiToken",
    "AuditEntry",
    "Booking",
    "BookingEvent",
    "BookingSeries",
    "CalendarDay",
    "Closure",
    "CrossAppointment",
    "Evaluation",
    "EvaluationRound",
    "FeedToken",
    "HelpPair",
    "IdempotencyKey",
    "JobRun",
    "Membership",
    "Notification",
    "NotificationKey",
    "NotificationSettings",
    "Organisation",
    "OutboxMessage",
    "Rating",
    "Registration",
    "Resource",
    "ResourcePhoto",
    "SchedulerBeat",
    "ServiceClaim",
    "ServiceItem",
    "UsageSnapshot",
    "User",
    "VolunteerSelection",
    "WaitlistEntry",
    "Window",
]
