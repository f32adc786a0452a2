"""Resource photos: uploads are re-encoded without metadata, refusals write nothing, only managers change them."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from typing import Any

import pytest
from flask import Flask, render_template
from flask_babel import force_locale
from PIL import ExifTags, Image, ImageCms
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.db import utcnow
from app.directory.media_forms import PhotoForm
from app.directory.models import Resource, ResourcePhoto
from app.directory.photos import MAX_PHOTOS, add_photo, process_upload
from app.domain.errors import DomainError
from app.extensions import db
from app.messages import message_for
from tests import factories
from tests.factories import PASSWORD, make_admin, make_membership, make_org, make_user

CODE = "XF-GYM"
MANAGER, OTHER_MANAGER, RESIDENT = "13800000001", "13800000002", "13800000003"


# --- images made in memory -----------------------------------------------------


def two_colour(size: tuple[int, int]) -> Image.Image:
    """Left half red, right half blue: where the halves end up shows how the photo was turned."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    return image


def jpeg_with_gps(size: tuple[int, int] = (2400, 1800), *, orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 12"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (32.0, 26.0, 6.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (105.0, 50.0, 36.0),
    }
    out = io.BytesIO()
    two_colour(size).save(out, "JPEG", exif=exif, comment=b"taken at home")
    return out.getvalue()


def png_with_text(size: tuple[int, int] = (640, 480), *, mode: str = "RGB") -> bytes:
    info = PngInfo()
    info.add_text("Comment", "my home address")
    info.add_text("Author", "a resident")
    image = two_colour(size).convert(mode)
    if mode == "RGBA":
        image.putpixel((0, 0), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def encoded(fmt: str, size: tuple[int, int] = (300, 200), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 128 if mode in ("L", "P", "CMYK") else (30, 120, 60)).save(out, fmt)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size, as a decompression bomb does."""
    data = bytearray(encoded("PNG", (1, 1), "L"))
    struct.pack_into(">II", data, 16, width, height)  # IHDR's width and height
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))  # its CRC, so only the size is odd
    return bytes(data)


def reopened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_no_metadata(data: bytes) -> None:
    image = reopened(data)
    assert image.format == "JPEG"
    assert image.mode == "RGB"
    assert len(image.getexif()) == 0
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    for key in ("exif", "icc_profile", "xmp", "comment", "Comment", "Author"):
        assert key not in image.info, key
    assert b"Exif" not in data[:4096] and b"http://ns.adobe.com/xap" not in data


# --- set-up --------------------------------------------------------------------


def make_resource(owner: Any, code: str = CODE, *, name: str = "幸福社区羽毛球馆", active: bool = True) -> Resource:
    return factories.make_resource(code, owner, name=name, kind="sports_venue", capacity=4, active=active)


@pytest.fixture
def community(app: Flask) -> Any:
    owner = make_org("XF", name="幸福社区")
    other = make_org("HP", name="和平社区")
    make_membership(make_user(name="幸福社区管理员", phone=MANAGER), owner, "manager")
    make_membership(make_user(name="和平社区管理员", phone=OTHER_MANAGER), other, "manager")
    make_membership(make_user(name="居民", phone=RESIDENT), owner, "member")
    return owner


@pytest.fixture
def resource(community: Any) -> Resource:
    return make_resource(community)


@pytest.fixture
def manager(client: Any, auth: Any, resource: Resource) -> Any:
    assert auth.sign_in(MANAGER, PASSWORD).status_code == 302
    return client


def upload(client: Any, data: bytes, filename: str = "photo.jpg", caption: str = "", code: str = CODE) -> Any:
    return client.post_form(
        f"/directory/{code}/photos",
        {"photo": (io.BytesIO(data), filename), "caption": caption},
        content_type="multipart/form-data",
    )


def flashes(client: Any) -> list[tuple[str, str]]:
    """The messages waiting for the next page, taken as that page would take them."""
    with client.session_transaction() as session:
        return list(session.pop("_flashes", []))


def stored_photos() -> list[ResourcePhoto]:
    return list(db.session.scalars(select(ResourcePhoto).order_by(ResourcePhoto.position)))


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def chinese(code: str) -> str:
    with force_locale("zh_Hans_CN"):
        return message_for(code)


def goes_back_to_manage(response: Any, code: str = CODE) -> bool:
    return response.status_code == 302 and response.headers["Location"].endswith(f"/directory/{code}/manage")


# --- re-encoding -------------------------------------------------------------


def test_uploaded_jpeg_loses_its_gps_exif_and_comment_and_is_scaled_down(manager):
    source = jpeg_with_gps((2400, 1800))
    assert reopened(source).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo does carry a position

    response = upload(manager, source, "IMG_0001.JPG", caption="羽毛球场全景")

    assert goes_back_to_manage(response)
    assert flashes(manager)[-1][0] == "success"
    [photo] = stored_photos()
    assert_no_metadata(photo.image)
    assert_no_metadata(photo.thumbnail)
    assert (photo.width, photo.height) == (1600, 1200) == reopened(photo.image).size
    assert max(reopened(photo.thumbnail).size) == 400
    assert photo.caption == "羽毛球场全景"
    assert photo.uploaded_by.phone == MANAGER


def test_png_text_chunks_are_not_kept(manager):
    source = png_with_text()
    assert reopened(source).info["Comment"] == "my home address"

    upload(manager, source, "plan.png")

    [photo] = stored_photos()
    assert_no_metadata(photo.image)
    assert_no_metadata(photo.thumbnail)
    assert reopened(photo.image).size == (640, 480)


def test_icc_profile_and_xmp_are_not_kept_and_colours_stay_in_srgb():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>'
    out = io.BytesIO()
    Image.new("RGB", (200, 100), (200, 100, 50)).save(out, "JPEG", icc_profile=profile, xmp=xmp)
    assert {"icc_profile", "xmp"} <= set(reopened(out.getvalue()).info)

    processed = process_upload(out.getvalue())

    assert_no_metadata(processed.image)
    red, green, blue = reopened(processed.image).getpixel((100, 50))
    assert abs(red - 200) + abs(green - 100) + abs(blue - 50) < 12


def test_transparent_png_is_flattened_onto_white():
    processed = process_upload(png_with_text((100, 100), mode="RGBA"))

    assert reopened(processed.image).getpixel((0, 0)) >= (250, 250, 250)


def test_webp_is_accepted_and_stored_as_jpeg(manager):
    upload(manager, encoded("WEBP", (500, 300)), "court.webp")

    [photo] = stored_photos()
    assert reopened(photo.image).format == "JPEG"
    assert (photo.width, photo.height) == (500, 300)


def test_exif_orientation_is_applied_before_the_orientation_tag_is_dropped():
    # Orientation 6: the camera was turned; viewers rotate the picture 90° clockwise.
    processed = process_upload(jpeg_with_gps((600, 300), orientation=6))

    image = reopened(processed.image)
    assert image.size == (300, 600) == (processed.width, processed.height)
    red, blue = image.getpixel((150, 100)), image.getpixel((150, 500))
    assert red[0] > 150 > red[2] and blue[2] > 150 > blue[0]  # the left (red) half is now on top
    assert reopened(processed.thumbnail).size == (200, 400)


def test_small_photos_are_not_enlarged():
    processed = process_upload(encoded("JPEG", (120, 80)))

    assert reopened(processed.image).size == (120, 80) == reopened(processed.thumbnail).size


def test_cmyk_and_greyscale_jpegs_come_out_as_rgb():
    for mode in ("CMYK", "L"):
        assert reopened(process_upload(encoded("JPEG", mode=mode)).image).mode == "RGB"


@pytest.mark.parametrize(
    ("data", "max_bytes", "code"),
    [
        (encoded("GIF", mode="P"), 10_000_000, "unsupported_image"),  # a real image, but not one we accept
        (encoded("BMP"), 10_000_000, "unsupported_image"),  # Pillow reads it; we do not
        (b"GIF89a but really just text", 10_000_000, "unsupported_image"),
        ("这不是照片".encode() * 10, 10_000_000, "unsupported_image"),
        (b"", 10_000_000, "unsupported_image"),
        (encoded("JPEG", (400, 400))[:300], 10_000_000, "unsupported_image"),  # cut off mid-way
        (png_claiming(7000, 7000), 10_000_000, "unsupported_image"),  # 49 megapixels: over our limit
        (png_claiming(20_000, 20_000), 10_000_000, "unsupported_image"),  # over Pillow's own bomb limit
        (encoded("PNG", (300, 200)), 100, "image_too_large"),
    ],
    ids=["gif", "bmp", "gif-magic-text", "text", "empty", "truncated", "40-megapixels", "bomb", "too-many-bytes"],
)
def test_process_upload_refuses(data, max_bytes, code):
    with pytest.raises(DomainError) as refused:
        process_upload(data, max_bytes=max_bytes)

    assert refused.value.code == code


# --- refusals through the page ----------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "code", "max_bytes"),
    [
        (encoded("GIF", mode="P"), "anim.gif", None, None),  # refused by the form's first filter, on its name
        (encoded("GIF", mode="P"), "anim.jpg", "unsupported_image", None),  # the name lies: the bytes decide
        (b"just some notes, not a photo\n", "notes.jpg", "unsupported_image", None),
        (encoded("JPEG", (300, 200)), "big.jpg", "image_too_large", 500),
    ],
    ids=["gif-by-name", "gif-named-jpg", "text-named-jpg", "too-large"],
)
def test_refused_upload_shows_why_and_writes_nothing(app, manager, data, filename, code, max_bytes):
    if max_bytes is not None:
        app.config["PHOTO_MAX_BYTES"] = max_bytes
    manager.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

    response = upload(manager, data, filename, caption="不会保存")

    assert goes_back_to_manage(response)
    [(category, shown)] = flashes(manager)
    assert category == "danger"
    assert (message_for(code) if code else "Choose a JPEG, PNG or WebP photo.") in shown
    assert stored_photos() == []
    assert "photo_added" not in audit_actions()


def test_refusal_is_shown_in_chinese_by_default(manager):
    upload(manager, b"not an image", "fake.jpg")

    assert flashes(manager) == [("danger", chinese("unsupported_image"))]
    with force_locale("en"):
        assert chinese("unsupported_image") != message_for("unsupported_image")  # it is really translated


def test_upload_without_a_file_is_refused(manager):
    response = manager.post_form(f"/directory/{CODE}/photos", {"caption": "空"}, content_type="multipart/form-data")

    assert goes_back_to_manage(response)
    assert flashes(manager)[0][0] == "danger"
    assert stored_photos() == []


def test_thirteenth_photo_is_refused(manager, resource):
    small = encoded("JPEG", (64, 48))
    for _ in range(MAX_PHOTOS - 1):
        add_photo(resource, small, "", actor=None, now=utcnow())
    db.session.commit()
    assert goes_back_to_manage(upload(manager, small, caption="第十二张"))
    assert flashes(manager)[-1][0] == "success"

    upload(manager, small, caption="第十三张")

    assert flashes(manager) == [("danger", chinese("too_many_photos"))]
    photos = stored_photos()
    assert len(photos) == MAX_PHOTOS and photos[-1].caption == "第十二张"
    assert [p.position for p in photos] == list(range(MAX_PHOTOS))


def test_caption_longer_than_200_characters_is_refused(manager):
    upload(manager, encoded("JPEG"), caption="长" * 201)

    assert flashes(manager)[0][0] == "danger"
    assert stored_photos() == []


# --- who may change photos -----------------------------------------------------


def test_upload_and_removal_are_audited(manager, resource):
    upload(manager, encoded("PNG"), "a.png", caption="入口")
    upload(manager, encoded("PNG"), "b.png")
    first_id, second_id = (p.id for p in stored_photos())

    response = manager.post_form(f"/directory/{CODE}/photos/{second_id}/delete")

    assert goes_back_to_manage(response)
    assert [p.id for p in stored_photos()] == [first_id]
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.in_(["photo_added", "photo_removed"])).order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.changes, e.actor.phone, e.subject_id) for e in entries] == [
        ("photo_added", {"photo": [None, "入口"]}, MANAGER, resource.id),
        ("photo_added", {"photo": [None, second_id]}, MANAGER, resource.id),
        ("photo_removed", {"photo": [None, second_id]}, MANAGER, resource.id),
    ]


def test_admin_may_add_photos_to_any_resource(client, auth, resource):
    admin = make_admin(phone="13800000009")
    auth.sign_in(admin.phone, PASSWORD)

    upload(client, encoded("JPEG"))

    assert len(stored_photos()) == 1


@pytest.mark.parametrize("phone", [OTHER_MANAGER, RESIDENT], ids=["manager-of-another-community", "member"])
def test_people_who_do_not_manage_the_owner_are_forbidden(client, auth, resource, phone):
    add_photo(resource, encoded("JPEG"), "", actor=None, now=utcnow())
    db.session.commit()
    [photo] = stored_photos()
    auth.sign_in(phone, PASSWORD)

    assert upload(client, encoded("JPEG")).status_code == 403
    assert client.post_form(f"/directory/{CODE}/photos/{photo.id}/delete").status_code == 403
    assert len(stored_photos()) == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, resource):
    add_photo(resource, encoded("JPEG"), "", actor=None, now=utcnow())
    db.session.commit()
    [photo] = stored_photos()

    for response in (upload(client, encoded("JPEG")), client.post_form(f"/directory/{CODE}/photos/{photo.id}/delete")):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/accounts/sign-in")
    assert len(stored_photos()) == 1


def test_photo_of_another_resource_cannot_be_removed_through_this_one(manager, community, resource):
    other = make_resource(community, "XF-HALL", name="幸福社区活动室")
    add_photo(other, encoded("JPEG"), "", actor=None, now=utcnow())
    db.session.commit()
    [photo] = stored_photos()

    assert manager.post_form(f"/directory/{CODE}/photos/{photo.id}/delete").status_code == 404
    assert manager.post_form(f"/directory/{CODE}/photos/{photo.id + 1}/delete").status_code == 404
    assert len(stored_photos()) == 1


# --- serving -------------------------------------------------------------------


def test_photo_and_thumbnail_are_served_with_a_strong_etag_and_answer_304(client, resource):
    add_photo(resource, jpeg_with_gps((1000, 800)), "", actor=None, now=utcnow())
    db.session.commit()
    [photo] = stored_photos()

    served = {
        f"/directory/photos/{photo.id}.jpg": photo.image,
        f"/directory/photos/{photo.id}/thumb.jpg": photo.thumbnail,
    }
    for url, body in served.items():
        response = client.get(url)
        assert response.status_code == 200
        assert response.mimetype == "image/jpeg"
        assert response.data == body
        assert response.headers["Cache-Control"] == "public, max-age=86400"
        etag = response.headers["ETag"]
        assert etag.startswith('"') and not etag.startswith("W/")
        assert etag.strip('"') == hashlib.sha256(body).hexdigest()[:32]

        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
        assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_photos_of_an_unlisted_resource_are_seen_by_its_managers_only(client, auth, community):
    hidden = make_resource(community, "XF-OLD", name="旧活动室", active=False)
    add_photo(hidden, encoded("JPEG"), "", actor=None, now=utcnow())
    db.session.commit()
    [photo] = stored_photos()
    url = f"/directory/photos/{photo.id}.jpg"

    assert client.get(url).status_code == 404
    auth.sign_in(OTHER_MANAGER, PASSWORD)
    assert client.get(url).status_code == 404
    auth.sign_out()
    auth.sign_in(MANAGER, PASSWORD)
    response = client.get(f"/directory/photos/{photo.id}/thumb.jpg")
    assert response.status_code == 200
    assert "public" not in response.headers["Cache-Control"]


def test_missing_photo_is_404(client, resource):
    assert client.get("/directory/photos/999.jpg").status_code == 404
    assert client.get("/directory/photos/999/thumb.jpg").status_code == 404


# --- the partials ----------------------------------------------------------------


def test_manage_partial_lists_photos_with_alt_text_and_labelled_upload_form(app, resource):
    add_photo(resource, encoded("JPEG"), "球场入口", actor=None, now=utcnow())
    add_photo(resource, encoded("JPEG"), "", actor=None, now=utcnow())
    db.session.commit()
    first, second = stored_photos()

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        html = render_template("directory/_photos.html", resource=resource, photo_form=PhotoForm())

    assert 'enctype="multipart/form-data"' in html
    assert f'action="/directory/{CODE}/photos"' in html
    assert '<label class="form-label" for="photo">' in html and '<label class="form-label" for="caption">' in html
    assert f'src="/directory/photos/{first.id}/thumb.jpg"' in html and 'alt="球场入口"' in html
    assert 'alt="幸福社区羽毛球馆"' in html  # no caption: the resource's name
    assert f'action="/directory/{CODE}/photos/{second.id}/delete"' in html
    assert html.count('<span class="visually-hidden">') >= 2
    assert 'name="csrf_token"' in html
    assert "style=" not in html and "<script" not in html


def test_manage_partial_has_no_upload_form_when_full(app, resource):
    for _ in range(MAX_PHOTOS):
        add_photo(resource, encoded("JPEG", (32, 32)), "", actor=None, now=utcnow())
    db.session.commit()

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        html = render_template("directory/_photos.html", resource=resource, photo_form=PhotoForm())

    assert 'enctype="multipart/form-data"' not in html
    assert "Remove one to add another" in html


def test_manage_page_includes_the_photos(manager, resource):
    add_photo(resource, encoded("JPEG"), "球场入口", actor=None, now=utcnow())
    db.session.commit()

    html = manager.get(f"/directory/{CODE}/manage").get_data(as_text=True)

    assert 'alt="球场入口"' in html and 'enctype="multipart/form-data"' in html


def test_gallery_links_thumbnails_to_full_photos_and_is_empty_without_photos(app, resource):
    with app.test_request_context("/"):
        assert render_template("directory/_gallery.html", resource=resource).strip() == ""
    add_photo(resource, encoded("JPEG"), "", actor=None, now=utcnow())
    db.session.commit()
    [photo] = stored_photos()

    with app.test_request_context("/"):
        html = render_template("directory/_gallery.html", resource=resource)

    assert f'<a href="/directory/photos/{photo.id}.jpg">' in html
    assert f'src="/directory/photos/{photo.id}/thumb.jpg"' in html
    assert 'alt="幸福社区羽毛球馆"' in html
