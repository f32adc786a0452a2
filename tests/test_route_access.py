"""Every route says who may use it, and the denials are proven for each."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask

from app.accounts.services import issue_api_token
from app.db import utcnow
from app.extensions import db
from tests.factories import (
    PASSWORD,
    make_city,
    make_closure,
    make_membership,
    make_photo,
    make_resource,
    make_user,
    make_window,
)

PUBLIC, USER, ADMIN, TOKEN = "public", "signed-in user", "admin", "bearer token"
# Managers of the owning organisation (and admins); others are refused with 403.
MANAGER = "manager of the owner"
# A booking's routes: its booker, the managers of its unit and of its resource's owner, admins; others get 404.
BOOKING = "who may see the booking"
# Secret calendar feeds: the token in the URL is the key; an unknown or revoked one is 404, whoever asks.
FEED = "secret feed token"
# A registration's pages: the person registered, its unit's managers, its community's managers, admins; others 403.
REGISTRATION = "who may see the registration"
# A service item's publisher side (recording completion, closing, cancelling): the managers of the organisation
# that published it, and admins; others 403.
PUBLISHER = "manager of the item's publisher"
# Withdrawing a claim: who made it, the managers of the organisation it is for, admins; others 403.
CLAIMANT = "who made the claim"

# Rating a booking: its booker; others who may see the booking 403, those who may not 404.
RATER = "the booking's booker"
# A co-building agreement's pages: the managers of its unit and of its community (admins read); others 403.
AGREEMENT = "manager of a side of the agreement"
# An evaluation round's admin pages (an existing round's): admins; others 403.
EVALUATION_ROUND = "admin, on an evaluation round"
# An evaluation's page: its pair (the evaluator's managers, the evaluated side) and admins; others 404.
EVALUATION_PAIR = "the pair of an evaluation"
# The appraisal report: admins and the managers of a district or a street (their subtree); others 403.
APPRAISAL = "admin, or a district's or street's manager"

# endpoint -> who may use it. A new route must be added here (a test fails otherwise).
ACCESS = {
    "static": PUBLIC,
    "bootstrap.static": PUBLIC,
    "main.index": PUBLIC,
    "main.switch_language": PUBLIC,
    "main.healthz": PUBLIC,
    "accounts.sign_up": PUBLIC,
    "accounts.sign_in": PUBLIC,
    "accounts.sign_out": PUBLIC,
    "accounts.settings": USER,
    "accounts.password": USER,
    "accounts.tokens": USER,
    "accounts.revoke_token": USER,
    "admin.dashboard": ADMIN,
    "admin.users": ADMIN,
    "admin.user": ADMIN,
    "admin.calendar": ADMIN,
    "admin.calendar_day": ADMIN,
    "admin.calendar_import": ADMIN,
    "scheduler.health": ADMIN,
    "notifications.preferences": USER,
    "organisations.index": ADMIN,
    "organisations.create": ADMIN,
    "organisations.show": ADMIN,
    "organisations.edit": ADMIN,
    "organisations.set_member": ADMIN,
    "organisations.remove_member": ADMIN,
    "organisations.register": ADMIN,
    "organisations.registrations": ADMIN,
    "organisations.decide": ADMIN,
    "organisations.my_registrations": USER,
    "organisations.join": USER,
    "organisations.apply_unit": USER,
    "organisations.receipt": REGISTRATION,
    "organisations.withdraw": REGISTRATION,
    "organisations.roster": MANAGER,
    "organisations.roster_acknowledge": MANAGER,
    "organisations.roster_decline": MANAGER,
    "organisations.roster_export": MANAGER,
    "organisations.roster_import": MANAGER,
    "organisations.registration_qr": PUBLIC,
    "organisations.registration_poster": PUBLIC,
    "reports.members": MANAGER,  # of an area: tests/reports/test_member_figures.py
    "volunteers.ranking_page": MANAGER,  # of the community or an area above it: tests/volunteers
    "volunteers.select": MANAGER,
    "volunteers.withdraw": MANAGER,
    "directory.index": PUBLIC,
    "directory.show": PUBLIC,
    "directory.mine": USER,
    "directory.create": MANAGER,
    "directory.edit": MANAGER,
    "directory.manage": MANAGER,
    "directory.toggle_active": MANAGER,
    "directory.upload_photo": MANAGER,
    "directory.remove_photo": MANAGER,
    "directory.photo": PUBLIC,
    "directory.photo_thumbnail": PUBLIC,
    "directory.qr_svg": PUBLIC,
    "directory.qr_png": PUBLIC,
    "directory.poster": PUBLIC,
    "directory.bulk_import": ADMIN,
    "directory.export_resources": ADMIN,
    "access.rules": MANAGER,
    "access.apply_rules_template": MANAGER,
    "access.edit_window": MANAGER,
    "access.remove_window": MANAGER,
    "access.closures": MANAGER,
    "access.org_closures": MANAGER,
    "access.remove_closure": MANAGER,
    "access.import_closures": MANAGER,
    "access.import_org_closures": MANAGER,
    "bookings.closure_impact": MANAGER,
    "bookings.week": PUBLIC,
    "bookings.find": PUBLIC,
    "bookings.detail": BOOKING,
    "bookings.cancel": BOOKING,
    "bookings.approve": BOOKING,
    "bookings.reject": BOOKING,
    "bookings.booking_ics": BOOKING,
    "bookings.console": MANAGER,
    "bookings.cancel_affected": MANAGER,
    "bookings.approvals": USER,
    "bookings.inbox": USER,
    "bookings.check_in": USER,
    "bookings.booking_qr": BOOKING,
    "bookings.join_waitlist": USER,
    "bookings.leave_waitlist": USER,
    "bookings.new": USER,
    "bookings.mine": USER,
    "bookings.series": BOOKING,
    "bookings.cancel_rest": BOOKING,
    "api.resources": PUBLIC,
    "api.resource": PUBLIC,
    "api.resource_availability": PUBLIC,
    "api.create_booking": TOKEN,
    "api.bookings": TOKEN,
    "api.booking": TOKEN,
    "api.cancel": TOKEN,
    "api.approve": TOKEN,
    "api.reject": TOKEN,
    "api.check_in": TOKEN,
    "api.join_waitlist": TOKEN,
    "api.waitlist": TOKEN,
    "api.leave_waitlist": TOKEN,
    "api.create_token": PUBLIC,
    "api.delete_token": TOKEN,
    "api.me": TOKEN,
    "api.my_feeds": TOKEN,
    "feeds.resource_feed": PUBLIC,
    "feeds.secret_feed": FEED,
    "feeds.settings": USER,
    "feeds.regenerate": USER,
    "api.create_registration": TOKEN,
    "api.registrations": TOKEN,
    "api.acknowledge": TOKEN,
    "api.decline": TOKEN,
    "api.withdraw": TOKEN,
    "api.openapi": PUBLIC,
    # The figures and pictures of an area: its managers (a manager of T-S-01 gets T-S-01's), admins; others 403.
    "reports.figures": MANAGER,
    "reports.figures_csv": MANAGER,
    "evaluations.rounds": ADMIN,
    "evaluations.new_round": ADMIN,
    "evaluations.round_page": EVALUATION_ROUND,
    "evaluations.open_round_view": EVALUATION_ROUND,
    "evaluations.close_round_view": EVALUATION_ROUND,
    "evaluations.mine": USER,
    "evaluations.pair": EVALUATION_PAIR,
    "evaluations.report": APPRAISAL,
    "evaluations.report_csv": APPRAISAL,
    "evaluations.report_xlsx": APPRAISAL,
    "pairing.index": USER,
    "pairing.agreements": MANAGER,
    "pairing.new_agreement": MANAGER,
    "pairing.appointments": MANAGER,
    "pairing.end_committee_appointment": MANAGER,
    "pairing.help_pairs": MANAGER,
    "pairing.end_help_pair": MANAGER,
    "pairing.agreement": AGREEMENT,
    "pairing.edit_agreement_text": AGREEMENT,
    "pairing.add_agreement_item": AGREEMENT,
    "pairing.edit_agreement_item": AGREEMENT,
    "pairing.remove_agreement_item": AGREEMENT,
    "pairing.item_progress": AGREEMENT,
    "pairing.sign": AGREEMENT,
    "pairing.send_back_agreement": AGREEMENT,
    "pairing.withdraw": AGREEMENT,
    "pairing.end": AGREEMENT,
    "ratings.rate": RATER,
    "ratings.resource_ratings": PUBLIC,
    "ratings.reply": MANAGER,
    "ratings.hide": ADMIN,
    "ratings.unhide": ADMIN,
    "ratings.moderate": ADMIN,
    "api.create_rating": TOKEN,
    "api.change_rating": TOKEN,
    "api.booking_rating": TOKEN,
    "api.resource_ratings": PUBLIC,
    "service_items.index": USER,
    "service_items.mine": USER,
    "service_items.listing": USER,
    "service_items.detail": USER,
    "service_items.claim": USER,
    "service_items.photo": USER,  # the publisher's managers and the claimant: tests/service_items
    "service_items.photo_thumbnail": USER,
    "service_items.publish": MANAGER,
    "service_items.complete": PUBLISHER,
    "service_items.change_status": PUBLISHER,
    "service_items.withdraw": CLAIMANT,
    "api.service_items": TOKEN,
    "api.publish_service_item": TOKEN,
    "api.service_item": TOKEN,
    "api.service_item_claims": TOKEN,
    "api.claim_service_item": TOKEN,
    "api.withdraw_service_claim": TOKEN,
    "api.complete_service_item": TOKEN,
    "api.service_item_status": TOKEN,
}

ARGUMENTS = {
    "code": "T-S-01",
    "membership_id": 1,
    "registration_id": 1,
    "token_id": 1,
    "photo_id": 1,
    "filename": "css/app.css",
    "day": "2026-10-01",
    "window_id": 1,
    "closure_id": 1,
    "org_code": "T-S-01",
    "booking_id": 1,
    "series_id": 1,
    "entry_id": 1,
    "token": "A" * 43,
    "table": "months",
    "round_id": 1,
    "evaluation_kind": "community_unit",
    "evaluator": "T-S-01",
    "subject": "U-T",
    "agreement_id": 1,
    "appointment_id": 1,
    "pair_id": 1,
    "rating_id": 1,
    "item_id": 1,
    "claim_id": 1,
}
ENDPOINT_ARGUMENTS = {
    ("admin.user", "code"): "plain",
    ("volunteers.ranking_page", "code"): "T-S-01",
    ("volunteers.select", "code"): "T-S-01",
    ("volunteers.withdraw", "code"): "T-S-01",
}
# Directory routes take a resource code: the community T-S-01's parking lot.
RESOURCE_CODE = "T-S-01-P1"


def routes(app: Flask, access: str) -> list[tuple[str, str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if ACCESS.get(rule.endpoint) != access:
            continue
        url = rule.rule
        for name in rule.arguments:
            value = ARGUMENTS[name]
            if name == "code" and not rule.endpoint.startswith("organisations."):
                value = RESOURCE_CODE
            value = ENDPOINT_ARGUMENTS.get((rule.endpoint, name), value)
            url = re.sub(rf"<(?:\w+:)?{name}>", str(value), url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    return found


def test_every_route_is_in_the_access_table(app: Flask):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ACCESS) == set(), "add the new routes to ACCESS"
    assert set(ACCESS) - endpoints == set(), "remove routes that no longer exist"


def _setup_city(app: Flask) -> None:
    city = make_city()
    manager = make_user(name="社区管理员", phone="13800000004", code="manager")
    make_membership(manager, city["c1"], "manager")  # membership 1
    make_user(name="普通用户", phone="13800000005", code="plain")
    parking = make_resource(RESOURCE_CODE, city["c1"], name="一号社区停车场", kind="parking", capacity=40)
    make_photo(parking)
    make_window(parking)  # window 1
    make_closure(utcnow() + timedelta(days=1), utcnow() + timedelta(days=2), resource=parking)  # closure 1
    db.session.commit()


def _call(client, method: str, url: str, **kwargs):
    if method == "GET":
        return client.get(url, **kwargs)
    if method == "POST":
        return client.post_form(url, {}, **kwargs)
    return client.open(url, method=method, **kwargs)


def test_anonymous_visitors_are_sent_to_sign_in_from_every_user_and_admin_route(app: Flask, client):
    _setup_city(app)
    every = routes(app, USER) + routes(app, ADMIN) + routes(app, MANAGER) + routes(app, BOOKING) + routes(app, RATER)
    for endpoint, method, url in every + routes(app, REGISTRATION) + routes(app, PUBLISHER) + routes(app, CLAIMANT):
        response = _call(client, method, url)
        assert response.status_code == 302, (endpoint, method, response.status_code)
        assert "/accounts/sign-in" in response.headers["Location"], (endpoint, method)


@pytest.mark.parametrize("login", ["13800000004", "13800000005"], ids=["community manager", "plain user"])
def test_users_who_are_not_admins_are_refused_every_admin_route(app: Flask, client, auth, login):
    _setup_city(app)
    auth.sign_in(login, PASSWORD)
    for endpoint, method, url in routes(app, ADMIN):
        response = _call(client, method, url)
        assert response.status_code == 403, (endpoint, method, response.status_code)


def test_users_who_do_not_manage_the_owner_are_refused_every_manager_route(app: Flask, client, auth):
    _setup_city(app)
    auth.sign_in("13800000005", PASSWORD)
    for endpoint, method, url in routes(app, MANAGER):
        response = _call(client, method, url)
        assert response.status_code == 403, (endpoint, method, response.status_code)


def test_managers_reach_the_pages_of_their_resources(app: Flask, client, auth):
    _setup_city(app)
    auth.sign_in("13800000004", PASSWORD)
    for endpoint, method, url in routes(app, MANAGER):
        if method == "GET":
            assert client.get(url).status_code == 200, endpoint


def test_users_who_may_not_see_a_registration_are_refused_every_registration_route(app: Flask, client, auth):
    _setup_city(app)  # registration 1: the town's unit with T-S-01
    auth.sign_in("13800000005", PASSWORD)
    for endpoint, method, url in routes(app, REGISTRATION):
        response = _call(client, method, url)
        assert response.status_code == 403, (endpoint, method, response.status_code)


def test_the_communitys_managers_reach_the_pages_of_its_registrations(app: Flask, client, auth):
    _setup_city(app)
    auth.sign_in("13800000004", PASSWORD)
    for endpoint, method, url in routes(app, REGISTRATION):
        if method == "GET":
            assert client.get(url).status_code == 200, endpoint


def _setup_booking() -> None:
    """Booking 1: a resident's, on the community's parking lot."""
    from app.bookings.models import BookingSeries
    from app.directory.services import get_resource
    from tests.factories import make_booking

    start = utcnow().replace(microsecond=0) + timedelta(days=3)
    resource, booker = get_resource(RESOURCE_CODE), make_user(name="居民", code="booker")
    series = BookingSeries(
        resource_id=resource.id, user_id=booker.id, rule="FREQ=DAILY;COUNT=1", starts_on=start.date()
    )
    db.session.add(series)
    db.session.flush()
    make_booking(resource, booker, start, start + timedelta(hours=1), series_id=series.id)


def test_users_who_may_not_see_a_booking_get_not_found_from_every_booking_route(app: Flask, client, auth):
    _setup_city(app)
    _setup_booking()
    auth.sign_in("13800000005", PASSWORD)
    for endpoint, method, url in routes(app, BOOKING):
        response = _call(client, method, url)
        assert response.status_code == 404, (endpoint, method, response.status_code)


def test_the_owners_managers_reach_the_pages_of_its_bookings(app: Flask, client, auth):
    _setup_city(app)
    _setup_booking()
    auth.sign_in("13800000004", PASSWORD)
    for endpoint, method, url in routes(app, BOOKING):
        if method == "GET":
            assert client.get(url).status_code == 200, endpoint


def test_admins_reach_every_admin_page(app: Flask, client, auth):
    _setup_city(app)
    make_user(phone="13800000009", is_admin=True)
    auth.sign_in("13800000009", PASSWORD)
    for endpoint, method, url in routes(app, ADMIN):
        if method == "GET":
            assert client.get(url).status_code == 200, endpoint


def test_every_token_route_refuses_requests_without_a_valid_token(app: Flask, client):
    user = make_user(phone="13800000002")
    issue_api_token(user, now=utcnow(), ttl=timedelta(days=1))
    db.session.commit()
    for endpoint, method, url in routes(app, TOKEN):
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            response = client.open(url, method=method, headers=headers)
            assert response.status_code == 401, (endpoint, method)
            assert response.mimetype == "application/problem+json"


def test_every_secret_feed_route_answers_not_found_for_an_unknown_token(app: Flask, client):
    _setup_city(app)
    for endpoint, method, url in routes(app, FEED):
        assert _call(client, method, url).status_code == 404, (endpoint, method)


def test_users_who_neither_publish_nor_claim_a_service_item_are_refused_its_own_routes(app: Flask, client, auth):
    from app.organisations.services import get_organisation
    from tests.factories import make_local_resident, make_service_claim, make_service_item

    _setup_city(app)
    community = get_organisation("T-S-01")
    make_service_claim(make_service_item(community), make_local_resident(community))  # item 1, claim 1
    auth.sign_in("13800000005", PASSWORD)
    for endpoint, method, url in routes(app, PUBLISHER) + routes(app, CLAIMANT):
        response = _call(client, method, url)
        assert response.status_code == 403, (endpoint, method, response.status_code)


def test_only_the_booker_reaches_the_routes_of_rating_a_booking(app: Flask, client, auth):
    _setup_city(app)
    _setup_booking()
    auth.sign_in("13800000005", PASSWORD)  # may not see booking 1: told nothing
    for endpoint, method, url in routes(app, RATER):
        assert _call(client, method, url).status_code == 404, (endpoint, method)
    auth.sign_out()
    auth.sign_in("13800000004", PASSWORD)  # the owner's manager sees it, and did not book it
    for endpoint, method, url in routes(app, RATER):
        assert _call(client, method, url).status_code == 403, (endpoint, method)
    auth.sign_out()
    from app.accounts.services import get_user_by_code

    auth.sign_in(get_user_by_code("booker").phone, PASSWORD)
    for endpoint, method, url in routes(app, RATER):
        if method == "GET":
            assert client.get(url).status_code == 200, endpoint


def test_every_agreement_route_is_for_the_managers_of_its_two_sides(app: Flask, client, auth):
    from app.organisations.services import get_organisation
    from tests.factories import make_agreement

    _setup_city(app)
    make_agreement(get_organisation("U-T"), get_organisation("T-S-01"))  # agreement 1, item 1: a draft
    for endpoint, method, url in routes(app, AGREEMENT):
        response = _call(client, method, url)
        assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"], endpoint
    auth.sign_in("13800000005", PASSWORD)
    for endpoint, method, url in routes(app, AGREEMENT):
        response = _call(client, method, url)
        assert response.status_code == 403, (endpoint, method, response.status_code)
    auth.sign_out()
    auth.sign_in("13800000004", PASSWORD)  # the community's manager
    for endpoint, method, url in routes(app, AGREEMENT):
        if method == "GET":
            assert client.get(url).status_code == 200, endpoint


def test_evaluation_routes_are_for_admins_the_pair_and_the_districts_and_streets(app: Flask, client, auth):
    """Round 1 is open, with the community T-S-01's evaluation of its registered unit U-T; 13800000004
    manages T-S-01 (the evaluator), 13800000005 nothing."""
    from app.accounts.services import get_user_by_code
    from app.organisations.services import get_organisation
    from tests.factories import give_evaluation, make_evaluation_round

    _setup_city(app)
    admin = make_user(phone="13800000009", is_admin=True)
    evaluation_round = make_evaluation_round(admin=admin)
    c1, unit = get_organisation("T-S-01"), get_organisation("U-T")
    give_evaluation(evaluation_round, "community_unit", c1, unit, 4, by=get_user_by_code("manager"))
    every = routes(app, EVALUATION_ROUND) + routes(app, EVALUATION_PAIR) + routes(app, APPRAISAL)
    for endpoint, method, url in every:
        response = _call(client, method, url)
        assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"], endpoint
    auth.sign_in("13800000005", PASSWORD)
    for endpoint, method, url in every:
        expected = 404 if endpoint == "evaluations.pair" else 403
        assert _call(client, method, url).status_code == expected, (endpoint, method)
    auth.sign_out()
    auth.sign_in("13800000004", PASSWORD)
    for endpoint, method, url in routes(app, EVALUATION_ROUND) + routes(app, APPRAISAL):
        assert _call(client, method, url).status_code == 403, (endpoint, method)
    for endpoint, method, url in routes(app, EVALUATION_PAIR):
        if method == "GET":
            assert client.get(url).status_code == 200, endpoint
    auth.sign_out()
    auth.sign_in("13800000009", PASSWORD)
    for endpoint, method, url in every:
        if method == "GET":
            assert client.get(url).status_code == 200, endpoint
