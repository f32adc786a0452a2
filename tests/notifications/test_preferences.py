"""The settings page's notification section: reminders and which events email the user."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.notifications.models import NotificationSettings
from app.notifications.preferences import DEFAULTS, get_preferences
from tests.factories import PASSWORD, make_user


def checked(page: str, value: str) -> bool:
    return re.search(rf'<input checked [^>]*value="{value}"', page) is not None


def test_the_settings_page_has_the_notification_section_with_the_defaults_chosen(client, auth):
    user = make_user(locale="en", email="me@example.test")
    auth.sign_in(user.email, PASSWORD)
    page = client.get("/accounts/settings").get_data(as_text=True)
    assert 'id="notifications"' in page
    assert "Emails go to me@example.test" in page
    assert checked(page, "1440") and checked(page, "60")
    assert not checked(page, "15")
    assert checked(page, "booking_approved")
    assert "calendar_missing" not in page  # for administrators only
    assert "<label" in page and 'for="notify-email_kinds-0"' in page


def test_choices_are_saved_and_shown_again(client, auth):
    user = make_user(locale="en")
    auth.sign_in(user.phone, PASSWORD)
    response = client.post_form(
        "/notifications/preferences",
        {"notify-reminder_minutes": ["15"], "notify-email_kinds": ["booking_reminder", "booking_rejected"]},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/accounts/settings#notifications")
    db.session.expire_all()
    preferences = get_preferences(user)
    assert preferences.reminder_minutes == (15,)
    # What the page does not show them (the admins' calendar warning) stays as it was.
    assert preferences.email_kinds == {"booking_reminder", "booking_rejected", "calendar_missing"}
    assert not preferences.wants_email("booking_approved")
    page = client.get("/accounts/settings").get_data(as_text=True)
    assert "Your notification settings are saved." in page
    assert checked(page, "15") and not checked(page, "1440")
    assert "has no email address" in page


def test_everything_can_be_turned_off_and_unknown_choices_are_refused(client, auth):
    user = make_user(locale="en")
    auth.sign_in(user.phone, PASSWORD)
    client.post_form("/notifications/preferences", {})
    db.session.expire_all()
    assert get_preferences(user).reminder_minutes == ()
    assert get_preferences(user).email_kinds == {"calendar_missing"}  # not shown to them: kept
    response = client.post_form("/notifications/preferences", {"notify-reminder_minutes": ["7"]})
    assert response.status_code == 302
    assert "could not be saved" in client.get("/accounts/settings").get_data(as_text=True)


def test_an_admin_chooses_the_calendar_warning_and_others_keep_theirs(client, auth):
    admin = make_user(locale="en", is_admin=True)
    auth.sign_in(admin.phone, PASSWORD)
    assert checked(client.get("/accounts/settings").get_data(as_text=True), "calendar_missing")
    client.post_form("/notifications/preferences", {"notify-email_kinds": ["booking_reminder"]})
    db.session.expire_all()
    assert not get_preferences(admin).wants_email("calendar_missing")


def test_a_user_who_never_chose_has_the_defaults_and_no_row(app):
    user = make_user()
    assert get_preferences(user) == DEFAULTS
    assert db.session.scalars(select(NotificationSettings)).all() == []
