"""Factory functions for tests: users, organisations, memberships, registrations (committed)."""

from __future__ import annotations

import io
import itertools
from typing import Any

import pytest
from PIL import Image
from werkzeug.security import generate_password_hash

from app.accounts.models import User
from app.accounts.services import hash_password
from app.db import utcnow
from app.directory.models import Resource, ResourcePhoto
from app.directory.photos import add_photo
from app.directory.services import ResourceFields, save_resource
from app.extensions import db
from app.importer import ImportRefused, ImportReport, import_directory
from app.organisations.models import Membership, Organisation, Registration
from app.organisations.services import decide_registration, register_resident, register_unit, set_membership

PASSWORD = "correct-horse-42"
_numbers = itertools.count(1)

# The production hash (scrypt) costs ~80 ms to make and as much to check at
# every sign-in; factory users get one cheap hash of the same format, which
# check_password_hash reads its method from. Tests of the real hash go through
# the services instead.
_FAST_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")


def make_user(
    *,
    name: str = "测试用户",
    phone: str | None = None,
    email: str | None = None,
    is_admin: bool = False,
    password: str = PASSWORD,
    code: str | None = None,
    active: bool = True,
    locale: str | None = None,
) -> User:
    n = next(_numbers)
    if phone is None and email is None:
        phone = f"139{n:08d}"
    user = User(
        code=code or f"user-{n}",
        name=name,
        phone=phone,
        email=email,
        password_hash=_FAST_HASH if password == PASSWORD else hash_password(password),
        is_admin=is_admin,
        active=active,
        locale=locale,
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_admin(**kwargs: object) -> User:
    return make_user(name="管理员", is_admin=True, **kwargs)  # type: ignore[arg-type]


def make_org(
    code: str,
    *,
    kind: str = "community",
    name: str | None = None,
    parent: Organisation | None = None,
    unit_type: str | None = None,
) -> Organisation:
    if kind == "unit" and unit_type is None:
        unit_type = "school"
    org = Organisation(code=code, name=name or code, kind=kind, unit_type=unit_type, parent=parent)
    db.session.add(org)
    db.session.commit()
    return org


def make_city() -> dict[str, Organisation]:
    """A district, a street, two communities and a unit registered with the first."""
    district = make_org("T", kind="district", name="测试区")
    street = make_org("T-S", kind="street", name="测试街道", parent=district)
    c1 = make_org("T-S-01", name="一号社区", parent=street)
    c2 = make_org("T-S-02", name="二号社区", parent=street)
    unit = make_org("U-T", kind="unit", unit_type="school", name="测试中学", parent=street)
    acknowledge(register_unit(unit, c1, applicant=None))
    db.session.commit()
    return {"district": district, "street": street, "c1": c1, "c2": c2, "unit": unit}


def make_membership(user: User, org: Organisation, role: str = "member") -> Membership:
    membership = set_membership(user, org, role)
    db.session.commit()
    return membership


def make_resident(user: User, community: Organisation, *, party_member: bool = False) -> Registration:
    registration = acknowledge(register_resident(user, community, party_member=party_member))
    db.session.commit()
    return registration


def acknowledge(registration: Registration) -> Registration:
    return decide_registration(registration, "acknowledged", by=None, now=utcnow())


def make_resource(
    code: str, owner: Organisation, *, name: str | None = None, kind: str = "sports_venue", **fields: Any
) -> Resource:
    """A resource saved through the service (search text and audit trail included)."""
    fields.setdefault("capacity", 1)
    resource = save_resource(
        None, ResourceFields(code=code, owner=owner, name=name or code, kind=kind, **fields), actor=None, now=utcnow()
    )
    db.session.commit()
    return resource


def make_photo(resource: Resource, *, caption: str = "正门") -> ResourcePhoto:
    """A small real JPEG photo, uploaded through the service."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (140, 28, 19)).save(buffer, "JPEG")
    photo = add_photo(resource, buffer.getvalue(), caption, actor=None, now=utcnow(), max_bytes=8 * 1024 * 1024)
    db.session.commit()
    return photo


def run_import(doc: Any) -> ImportReport:
    """Import a directory document and commit, as the command does."""
    report = import_directory(doc, now=utcnow())
    db.session.commit()
    return report


def refused(doc: Any) -> list[str]:
    """The problems an import refuses a document with (nothing is written)."""
    with pytest.raises(ImportRefused) as error:
        import_directory(doc, now=utcnow())
    db.session.rollback()
    return error.value.problems


def make_window(
    resource: Resource,
    *,
    audience: str = "public",
    days: Any = "all",
    start: str = "00:00",
    end: str = "24:00",
    **fields: Any,
) -> Any:
    """An access window added through the service (audited), e.g. make_window(r, days="workday")."""
    from app.access.services import add_window
    from app.domain.windows import AccessWindow, Audience, parse_clock, parse_days

    window = AccessWindow(
        Audience(audience), parse_days(days), parse_clock(start, field="start"), parse_clock(end, field="end"), **fields
    )
    row = add_window(resource, window, actor=None, now=utcnow())
    db.session.commit()
    return row


def make_closure(start: Any, end: Any, *, reason: str = "维修", **subject: Any) -> Any:
    """A closure of `resource=` or `organisation=` over [start, end) (aware datetimes)."""
    from app.access.services import add_closure

    closure = add_closure(start=start, end=end, reason=reason, actor=None, now=utcnow(), **subject)
    db.session.commit()
    return closure


def make_booking(resource: Resource, user: User, start: Any, end: Any, **fields: Any) -> Any:
    """A booking row written directly (no rules checked), confirmed unless `status=` says otherwise."""
    from app.bookings.models import Booking

    fields.setdefault("status", "confirmed")
    booking = Booking(resource=resource, user=user, start=start, end=end, **fields)
    db.session.add(booking)
    db.session.commit()
    return booking


def make_article_parking(community: Organisation, policy: Any, **fields: Any) -> Resource:
    """The article's community parking lot ("<community>-P1", 40 车位, `policy`), open to registered units
    on working days 08:30–17:30 for up to 5 spaces at a time; `fields` override the lot's own fields."""
    fields = {"kind": "parking", "capacity": 40, "unit_label": "车位", "policy": policy, **fields}
    lot = make_resource(f"{community.code}-P1", community, **fields)
    make_window(lot, audience="registered_units", days="workday", start="08:30", end="17:30", max_quantity=5)
    return lot


def make_unit_staff(unit: Organisation, name: str = "单位职工") -> User:
    """A user who is a member of `unit` (staff who may book for it)."""
    user = make_user(name=name)
    make_membership(user, unit)
    return user


def make_local_resident(community: Organisation, name: str = "居民") -> User:
    """A user registered (and acknowledged) as a resident of `community`."""
    user = make_user(name=name)
    make_resident(user, community)
    return user


def make_bearer(user: User) -> dict[str, str]:
    """Authorization headers with a fresh API token of `user`'s."""
    from datetime import timedelta

    from app.accounts.services import issue_api_token

    raw, _ = issue_api_token(user, now=utcnow(), ttl=timedelta(days=1))
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def make_service_item(
    org: Organisation, *, title: str = "为独居老人代买药品", kind: str | None = None, places: int = 2, **fields: Any
) -> Any:
    """A service item row written directly (no rules checked): `org`'s usual kind, open, from tomorrow for
    two hours, unless `fields` say otherwise (start=, end=, status=, place=, description=)."""
    from datetime import timedelta

    from app.service_items.models import ServiceItem

    fields.setdefault("start", utcnow().replace(microsecond=0) + timedelta(days=1))
    fields.setdefault("end", fields["start"] + timedelta(hours=2))
    fields.setdefault("status", "open")
    kind = kind or ("need" if org.kind == "community" else "support")
    item = ServiceItem(org=org, kind=kind, title=title, places=places, **fields)
    db.session.add(item)
    db.session.commit()
    return item


def make_service_claim(item: Any, user: User, *, on_behalf_of: Organisation | None = None, **fields: Any) -> Any:
    """A claim row written directly (no rules checked), `claimed` unless `status=` says otherwise."""
    from app.service_items.models import ServiceClaim

    fields.setdefault("status", "claimed")
    claim = ServiceClaim(item=item, user=user, on_behalf_of=on_behalf_of, **fields)
    db.session.add(claim)
    db.session.commit()
    return claim


def make_agreement(
    unit: Organisation,
    community: Organisation,
    *,
    year: int = 2026,
    title: str = "2026年度共建协议",
    items: int = 1,
    status: str = "draft",
    signers: tuple[User | None, User | None] = (None, None),
) -> Any:
    """A co-building agreement row written directly (no rules checked) with `items` planned items due in
    its year. `status="signed"` signs it for both sides (by `signers`, unit's then community's) and numbers
    it; `"proposed"` signs it for the unit only."""
    from datetime import date

    from app.domain.pairing import agreement_number
    from app.pairing.models import Agreement, AgreementItem

    now = utcnow()
    # Written as a draft first: a signed one carries a number made of its id.
    agreement = Agreement(unit=unit, community=community, year=year, title=title, body="", status="draft")
    for n in range(items):
        agreement.items.append(
            AgreementItem(what=f"共建事项{n + 1}", responsible="both", due_on=date(year, 6, 1 + n), status="planned")
        )
    if status in ("proposed", "signed", "ended"):
        agreement.unit_signed_by, agreement.unit_signed_at = signers[0], now
    if status in ("signed", "ended"):
        agreement.community_signed_by, agreement.community_signed_at = signers[1], now
    db.session.add(agreement)
    db.session.flush()
    if status in ("signed", "ended"):
        agreement.number = agreement_number(year, agreement.id)
    agreement.status = status
    db.session.commit()
    return agreement


def make_completed_booking(resource: Resource, user: User, *, days_ago: int = 1, **fields: Any) -> Any:
    """A booking that was used and completed `days_ago` days ago (written directly, as make_booking)."""
    from datetime import timedelta

    start = utcnow().replace(microsecond=0) - timedelta(days=days_ago, hours=2)
    return make_booking(resource, user, start, start + timedelta(hours=1), **{"status": "completed", **fields})


def make_rating(booking: Any, scores: tuple[int, int, int] = (5, 4, 4), comment: str = "", now: Any = None) -> Any:
    """The booker's rating of a completed booking, through the service (the resource's counters move),
    given `now` (default: this moment)."""
    from app.domain.ratings import DIMENSIONS
    from app.ratings.services import rate_booking

    scored = dict(zip(DIMENSIONS, scores, strict=True))
    rating = rate_booking(booking, booking.user, scores=scored, comment=comment, now=now or utcnow())
    db.session.commit()
    return rating


def make_evaluation_round(
    *,
    year: int | None = None,
    kinds: tuple[str, ...] = ("community_unit", "unit_community", "community_member"),
    deadline: Any = None,
    status: str = "open",
    title: str = "年度双评价",
    admin: User | None = None,
) -> Any:
    """An evaluation round with the article's dimensions, through the services: a draft, opened unless
    `status="draft"` (the deadline defaults to 30 days ahead; the year to this one in Beijing)."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from app.domain.evaluations import DEFAULT_DIMENSIONS
    from app.evaluations.services import create_round, open_round

    now = utcnow()
    admin = admin or make_admin()
    evaluation_round = create_round(
        year=year or now.astimezone(ZoneInfo("Asia/Shanghai")).year,
        title=title,
        kinds=list(kinds),
        dimensions=DEFAULT_DIMENSIONS,
        deadline=deadline or now + timedelta(days=30),
        actor=admin,
        now=now,
    )
    if status == "open":
        open_round(evaluation_round, actor=admin, now=now)
    db.session.commit()
    return evaluation_round


def give_evaluation(
    evaluation_round: Any, kind: str, evaluator: Organisation, subject: Any, score: int, *, by: User
) -> Any:
    """`by` (a manager of `evaluator`) gives `subject` the same score on every dimension, through the service."""
    from app.domain.evaluations import EvaluationKind
    from app.evaluations.services import submit_evaluation

    scores = {d.key: score for d in evaluation_round.dimension_list}
    evaluation = submit_evaluation(
        evaluation_round, EvaluationKind(kind), evaluator, subject, scores, "", actor=by, now=utcnow()
    )
    db.session.commit()
    return evaluation
