"""Calendar feeds over HTTP: the public availability feed, secret personal and organisation feeds,
their tokens, conditional GETs, and what each feed shows and hides."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from app.bookings.models import BookingEvent
from app.db import utcnow
from app.extensions import db
from app.feeds import calendars
from app.feeds.models import FeedToken
from tests.factories import (
    PASSWORD,
    make_bearer,
    make_booking,
    make_closure,
    make_membership,
    make_resource,
    make_user,
    make_window,
)
from tests.feeds.validators import libical_errors, read_with_ical_js


@pytest.fixture
def town(city: dict[str, Any]) -> dict[str, Any]:
    """A community's sports court (capacity 1) and parking (40), its manager, a unit's manager, a booker."""
    court = make_resource("T-S-01-C1", city["c1"], name="一号社区篮球场", address="测试路 1 号")
    make_window(court, audience="residents", days="workday", start="08:30", end="17:30")
    make_window(court, audience="public", days="restday", start="09:00", end="21:00")
    parking = make_resource("T-S-01-P1", city["c1"], name="一号社区停车场", kind="parking", capacity=40)
    manager = make_user(name="社区管理员", phone="13800000004")
    make_membership(manager, city["c1"], "manager")
    unit_manager = make_user(name="学校管理员", phone="13800000006")
    make_membership(unit_manager, city["unit"], "manager")
    booker = make_user(name="张三丰", phone="13912345678")
    other = make_user(name="李四", phone="13800000005")
    start = utcnow().replace(microsecond=0, second=0) + timedelta(days=2)
    mine = make_booking(court, booker, start, start + timedelta(hours=1), purpose="篮球训练")
    for_unit = make_booking(
        parking, booker, start, start + timedelta(hours=2), on_behalf_of_id=city["unit"].id, status="pending"
    )
    theirs = make_booking(court, other, start + timedelta(hours=3), start + timedelta(hours=4))
    return {
        **city,
        "court": court,
        "parking": parking,
        "manager": manager,
        "unit_manager": unit_manager,
        "booker": booker,
        "other": other,
        "mine": mine,
        "for_unit": for_unit,
        "theirs": theirs,
    }


def _my_feeds(client, user) -> dict[str, Any]:
    response = client.get("/api/v1/me/feeds", headers=make_bearer(user))
    assert response.status_code == 200
    return response.get_json()


def _path(url: str) -> str:
    return urlsplit(url).path


# --- the public availability feed ----------------------------------------------------


def test_the_resource_feed_is_a_public_calendar_in_the_resource_json(app: Flask, client, town):
    resource_json = client.get("/api/v1/resources/T-S-01-C1").get_json()
    url = resource_json["feeds"]["ical"]
    assert url.endswith("/feeds/resources/T-S-01-C1.ics")
    response = client.get(_path(url))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    body = response.data
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")


def test_the_resource_feed_shows_windows_in_words_closures_and_busy_times_but_no_people(app: Flask, client, town):
    make_closure(utcnow() + timedelta(days=3), utcnow() + timedelta(days=4), reason="地面维修", resource=town["court"])
    text = client.get("/feeds/resources/T-S-01-C1.ics", headers={"Accept-Language": "en"}).get_data(as_text=True)
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:Open to residents" in unfolded and "SUMMARY:Open to everyone signed in" in unfolded
    assert "RRULE:FREQ=WEEKLY" in unfolded
    assert "SUMMARY:Closed: 地面维修" in unfolded
    assert unfolded.count("SUMMARY:Fully booked") == 2
    for private in ("张三丰", "13912345678", "李四", "篮球训练", "booking-"):
        assert private not in unfolded


def test_an_inactive_or_unknown_resource_has_no_feed(app: Flask, client, town):
    from app.directory.services import set_active

    set_active(town["court"], False, actor=None, now=utcnow())
    db.session.commit()
    assert client.get("/feeds/resources/T-S-01-C1.ics").status_code == 404
    assert client.get("/feeds/resources/NOPE.ics").status_code == 404


def test_a_conditional_get_answers_304_without_building_the_feed(app: Flask, client, town, monkeypatch):
    first = client.get("/feeds/resources/T-S-01-C1.ics")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]

    def refuse(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("the feed was built for a conditional GET")

    monkeypatch.setattr(calendars, "_render_resource_feed", refuse)
    monkeypatch.setattr(calendars, "_booking_keys", refuse)
    again = client.get("/feeds/resources/T-S-01-C1.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    since = client.get("/feeds/resources/T-S-01-C1.ics", headers={"If-Modified-Since": modified})
    assert since.status_code == 304


def test_a_new_booking_changes_the_resource_feeds_etag(app: Flask, client, town):
    etag = client.get("/feeds/resources/T-S-01-C1.ics").headers["ETag"]
    start = utcnow().replace(microsecond=0) + timedelta(days=5)
    make_booking(town["court"], town["other"], start, start + timedelta(hours=1))
    response = client.get("/feeds/resources/T-S-01-C1.ics", headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag


# --- secret feeds ---------------------------------------------------------------


def test_me_feeds_gives_stable_secret_urls_for_the_person_and_the_organisations_they_manage(app: Flask, client, town):
    feeds = _my_feeds(client, town["manager"])
    assert feeds["personal"].startswith("http") and feeds["personal"].endswith(".ics")
    assert feeds["organisations"] == [{"org": "T-S-01", "url": feeds["organisations"][0]["url"]}]
    assert _my_feeds(client, town["manager"]) == feeds, "the same URLs until the user makes new ones"
    assert _my_feeds(client, town["booker"])["organisations"] == []
    assert client.get("/api/v1/me/feeds").status_code == 401


def test_feed_tokens_are_stored_only_hashed(app: Flask, client, town):
    url = _my_feeds(client, town["booker"])["personal"]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    (row,) = db.session.query(FeedToken).all()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.sealed and token not in row.token_hash


def test_the_personal_feed_has_the_users_bookings_and_no_one_elses(app: Flask, client, town):
    url = _my_feeds(client, town["booker"])["personal"]
    response = client.get(_path(url))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response.headers["Cache-Control"]
    text = response.get_data(as_text=True).replace("\r\n ", "")
    host = "linli"  # no PUBLIC_BASE_URL: the fixed host, not the one the client used
    assert f"UID:booking-{town['mine'].id}@{host}" in text
    assert f"UID:booking-{town['for_unit'].id}@{host}" in text
    assert f"UID:booking-{town['theirs'].id}@{host}" not in text
    assert "STATUS:TENTATIVE" in text and "STATUS:CONFIRMED" in text


@pytest.mark.parametrize(
    ("who", "seen", "unseen", "reason"),
    [
        ("manager", ["mine", "for_unit", "theirs"], [], "a community's managers see every booking of its resources"),
        ("unit_manager", ["for_unit"], ["mine", "theirs"], "a unit's managers see the bookings made for the unit"),
    ],
)
def test_organisation_feeds_show_the_organisations_bookings(app: Flask, client, town, who, seen, unseen, reason):
    (organisation,) = _my_feeds(client, town[who])["organisations"]
    text = client.get(_path(organisation["url"])).get_data(as_text=True)
    for name in seen:
        assert f"UID:booking-{town[name].id}@" in text, reason
    for name in unseen:
        assert f"UID:booking-{town[name].id}@" not in text, reason
    assert "13912345678" not in text, "never a phone number"


def test_a_manager_who_steps_down_loses_the_organisation_feed(app: Flask, client, town):
    (organisation,) = _my_feeds(client, town["manager"])["organisations"]
    assert client.get(_path(organisation["url"])).status_code == 200
    make_membership(town["manager"], town["c1"], "member")
    assert client.get(_path(organisation["url"])).status_code == 404


def test_unknown_malformed_and_regenerated_tokens_answer_the_same_404(app: Flask, client, auth, town):
    old = _my_feeds(client, town["booker"])["personal"]
    auth.sign_in("13912345678", PASSWORD)
    page = client.get("/feeds/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert old in html and "webcal://" + old.split("://", 1)[1] in html
    assert client.post_form("/feeds/regenerate", {"feed": "personal"}).status_code == 302
    new = _my_feeds(client, town["booker"])["personal"]
    assert new != old
    answers = [client.get(_path(u)) for u in (old, "/feeds/" + "A" * 43 + ".ics", "/feeds/short.ics")]
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert len({a.data for a in answers}) == 1, "a revoked token reveals nothing an unknown one does not"
    assert client.get(_path(new)).status_code == 200


def test_only_managed_organisations_feeds_can_be_regenerated(app: Flask, client, auth, town):
    auth.sign_in("13912345678", PASSWORD)
    assert client.post_form("/feeds/regenerate", {"feed": "T-S-01"}).status_code == 404


def test_every_change_to_a_booking_raises_its_sequence_and_a_cancelled_one_stays_seven_days(app: Flask, client, town):
    url = _path(_my_feeds(client, town["booker"])["personal"])
    first = client.get(url)
    booking = town["mine"]
    now = utcnow()
    db.session.add_all(
        [
            BookingEvent(booking_id=booking.id, at=now, from_status=None, to_status="confirmed"),
            BookingEvent(booking_id=booking.id, at=now, from_status="confirmed", to_status="cancelled"),
        ]
    )
    booking.status = "cancelled"
    db.session.commit()
    second = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    text = second.get_data(as_text=True)
    event = text[text.index(f"UID:booking-{booking.id}@") :].split("END:VEVENT")[0]
    assert "SEQUENCE:1" in event and "STATUS:CANCELLED" in event
    booking.updated_at = now - timedelta(days=9)
    db.session.commit()
    assert f"UID:booking-{booking.id}@" not in client.get(url).get_data(as_text=True)


def test_one_changed_booking_renders_one_event_again(app: Flask, client, town):
    url = _path(_my_feeds(client, town["manager"])["organisations"][0]["url"])
    client.get(url)
    cache = calendars.event_cache()
    misses = cache.misses
    town["theirs"].purpose = "改了"
    db.session.commit()
    assert client.get(url).status_code == 200
    assert cache.misses - misses == 1


# --- independent parsers ----------------------------------------------------------


def _every_feed(client, town) -> dict[str, bytes]:
    feeds = _my_feeds(client, town["manager"])
    make_closure(utcnow() + timedelta(days=3), utcnow() + timedelta(days=4), reason="维修", organisation=town["c1"])
    return {
        "resource": client.get("/feeds/resources/T-S-01-C1.ics").data,
        "personal": client.get(_path(_my_feeds(client, town["booker"])["personal"])).data,
        "organisation": client.get(_path(feeds["organisations"][0]["url"])).data,
    }


def test_every_feed_kind_passes_libical_and_reads_in_ical_js(app: Flask, client, auth, town):
    feeds = _every_feed(client, town)
    auth.sign_in("13912345678", PASSWORD)
    feeds["booking"] = client.get(f"/bookings/{town['mine'].id}.ics").data
    for kind, data in feeds.items():
        assert libical_errors(data) == [], kind
        read = read_with_ical_js(data)
        assert read["uid"] is None and read["version"] == "2.0", kind
        assert read["events"], kind
        assert all(e["uid"] and e["start"] < e["end"] for e in read["events"]), kind
        assert read["timezones"] == ["Asia/Shanghai"], kind


def test_the_add_to_calendar_download_uses_the_feeds_uid(app: Flask, client, auth, town):
    auth.sign_in("13912345678", PASSWORD)
    text = client.get(f"/bookings/{town['mine'].id}.ics").get_data(as_text=True)
    assert f"UID:booking-{town['mine'].id}@linli" in text  # the same UID as in the feeds and the emails
    assert "DTSTART;TZID=Asia/Shanghai:" in text


def test_datetimes_in_feeds_are_never_floating(app: Flask, client, town):
    for kind, data in _every_feed(client, town).items():
        events = data.decode().split("BEGIN:VEVENT")[1:]  # a VTIMEZONE's own DTSTART is local by design
        for line in "".join(events).split("\r\n"):
            if line.startswith(("DTSTART", "DTEND", "RDATE", "EXDATE")):
                assert "TZID=" in line or line.endswith("Z"), (kind, line)


def test_the_resource_page_offers_the_feed_with_a_webcal_link(app: Flask, client, town):
    html = client.get("/directory/T-S-01-C1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "webcal://localhost/feeds/resources/T-S-01-C1.ics" in html
    assert 'for="resource-feed-url"' in html, "the copyable address has a label"


def test_a_public_address_names_the_uids_host_whatever_address_the_client_used(app: Flask, client, auth, town):
    app.config["PUBLIC_BASE_URL"] = "https://linli.example.cn"
    auth.sign_in("13912345678", PASSWORD)
    for base in ("http://localhost", "http://localhost:5000"):
        text = client.get(f"/bookings/{town['mine'].id}.ics", base_url=base).get_data(as_text=True)
        assert f"UID:booking-{town['mine'].id}@linli.example.cn" in text
