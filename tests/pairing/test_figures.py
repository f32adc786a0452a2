"""A year's pairing figures per organisation (for the figures page), and the reminder of items coming due."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from app.bookings.models import Notification
from app.extensions import db
from app.pairing.figures import PairingFigures, pairing_figures
from app.pairing.models import CrossAppointment, HelpPair
from app.pairing.notices import notify_items_due
from tests.factories import make_agreement, make_membership, make_org, make_user
from tests.pairing.conftest import YEAR
from tests.when import count_statements


def appoint(person, sending, receiving, *, start: date, end: date, status: str = "active", ended_at=None):
    row = CrossAppointment(
        person=person,
        from_org=sending,
        to_org=receiving,
        role_title="兼职委员",
        term_start=start,
        term_end=end,
        status=status,
        ended_at=ended_at,
    )
    db.session.add(row)
    db.session.commit()
    return row


def pair(community, member, resident, *, via_unit=None, created_at, status="active", ended_at=None):
    row = HelpPair(
        community=community,
        member=member,
        resident=resident,
        via_unit=via_unit,
        created_at=created_at,
        status=status,
        ended_at=ended_at,
    )
    db.session.add(row)
    db.session.commit()
    return row


def test_the_years_figures_count_what_was_in_force_for_each_side(app, city, sides):
    unit, community = sides["unit"], sides["community"]
    signed = make_agreement(unit, community, year=YEAR, items=3, status="signed")
    signed.items[0].status, signed.items[0].done_at = "done", datetime(YEAR, 5, 1, tzinfo=UTC)
    signed.items[1].status = "dropped"
    db.session.commit()
    make_agreement(unit, community, year=YEAR - 1, items=2, status="ended")  # another year
    other_unit = make_org("U-O", kind="unit", name="另一单位")
    make_agreement(other_unit, community, year=YEAR, items=1, status="ended")  # ended early, but in force
    make_agreement(other_unit, community, year=YEAR + 1)  # a draft of next year
    teacher, elder, helper = make_user(name="老师"), make_user(name="老人"), make_user(name="党员")
    appoint(teacher, unit, community, start=date(YEAR - 1, 1, 1), end=date(YEAR + 1, 12, 31))
    appoint(helper, community, unit, start=date(YEAR, 3, 1), end=date(YEAR, 12, 31))
    appoint(elder, unit, community, start=date(YEAR - 2, 1, 1), end=date(YEAR - 1, 12, 31))  # over before
    appoint(
        helper,
        unit,
        community,
        start=date(YEAR - 1, 1, 1),
        end=date(YEAR + 2, 1, 1),
        status="ended",
        ended_at=datetime(YEAR - 1, 6, 1, tzinfo=UTC),  # ended before the year began
    )
    pair(community, helper, elder, created_at=datetime(YEAR, 2, 1, tzinfo=UTC))
    pair(community, teacher, elder, via_unit=unit, created_at=datetime(YEAR - 1, 2, 1, tzinfo=UTC))
    pair(
        community,
        teacher,
        helper,
        via_unit=unit,
        created_at=datetime(YEAR - 1, 2, 1, tzinfo=UTC),
        status="ended",
        ended_at=datetime(YEAR - 1, 12, 1, tzinfo=UTC),
    )
    pair(community, helper, teacher, created_at=datetime(YEAR + 1, 1, 5, tzinfo=UTC))  # next year's

    ids = [unit.id, community.id, other_unit.id, city["street"].id]
    with count_statements() as statements:
        figures = pairing_figures(ids, YEAR)
    selects = [s for s in statements if s.startswith("SELECT")]
    assert len(selects) == 8, "grouped queries, whatever the number of organisations"
    assert figures[community.id] == PairingFigures(
        agreements_signed=2, items_total=3, items_done=1, cross_appointments_active=2, help_pairs_active=2
    )
    assert figures[unit.id] == PairingFigures(
        agreements_signed=1, items_total=2, items_done=1, cross_appointments_active=2, help_pairs_active=1
    )
    assert figures[other_unit.id] == PairingFigures(agreements_signed=1, items_total=1)
    assert figures[city["street"].id] == PairingFigures()
    assert pairing_figures([], YEAR) == {}


def test_the_responsible_side_hears_once_of_an_item_coming_due(app, sides):
    agreement = make_agreement(sides["unit"], sides["community"], year=YEAR, items=3, status="signed")
    first, second, third = agreement.items
    first.responsible, first.due_on = "unit", date(YEAR, 6, 5)
    second.responsible, second.due_on = "community", date(YEAR, 6, 20)  # not yet
    third.responsible, third.due_on = "both", date(YEAR, 6, 2)
    third.status, third.done_at = "done", datetime(YEAR, 5, 30, tzinfo=UTC)
    db.session.commit()
    make_agreement(sides["unit"], sides["community"], year=YEAR + 1, items=1)  # a draft: nothing is due
    staff = make_user(name="职工")
    make_membership(staff, sides["unit"])
    now = datetime(YEAR, 6, 1, 1, 0, tzinfo=UTC)

    assert notify_items_due(today=date(YEAR, 6, 1), now=now) == 1
    db.session.commit()
    notices = db.session.scalars(select(Notification).where(Notification.kind == "agreement_item_due")).all()
    assert [(n.user_id, n.reason) for n in notices] == [
        (sides["unit_manager"].id, f"共建事项1 · {YEAR}-06-05 · {YEAR}年度共建协议 (测试中学 / 一号社区)")
    ]
    assert notify_items_due(today=date(YEAR, 6, 1), now=now) == 0, "once only"
    assert notify_items_due(today=date(YEAR, 6, 14), now=now) == 1, "the community's item in its turn"
    db.session.commit()
    told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "agreement_item_due")).all()
    assert sorted(told) == sorted([sides["unit_manager"].id, sides["community_manager"].id])


def test_the_daily_job_runs_the_reminder(app, sides):
    from app.scheduler.jobs import JOBS_BY_ID
    from app.scheduler.runner import run_job

    agreement = make_agreement(sides["unit"], sides["community"], year=YEAR, items=1, status="signed")
    agreement.items[0].due_on = date(YEAR, 6, 3)
    db.session.commit()
    outcome = run_job(JOBS_BY_ID["pairing_due"], now=datetime(YEAR, 6, 1, 1, 0, tzinfo=UTC))
    assert outcome.ok and outcome.result == "2 told"
