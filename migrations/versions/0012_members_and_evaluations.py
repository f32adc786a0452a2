"""service items (双领办), pairing (双结对), ratings after use, evaluation rounds (双评价), five-good
volunteer selections, the resources' rating counters, and bookings indexed for the reports

Revision ID: 0012_members_and_evaluations
Revises: 0011_feeds_scheduler_outbox

"""
from alembic import op
import sqlalchemy as sa


revision = '0012_members_and_evaluations'
down_revision = '0011_feeds_scheduler_outbox'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evaluation_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kinds', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('dimensions', sa.JSON(), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('locked_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'open', 'locked')", name=op.f('ck_evaluation_rounds_status')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_evaluation_rounds_year')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_evaluation_rounds_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['locked_by_id'], ['users.id'], name=op.f('fk_evaluation_rounds_locked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_evaluation_rounds_opened_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_rounds')),
    sa.UniqueConstraint('year', 'kinds', name='uq_evaluation_rounds_year_kinds')
    )
    with op.batch_alter_table('evaluation_rounds', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_rounds_status_deadline', ['status', 'deadline'], unique=False)

    op.create_table('pairing_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('unit_signed_by_id', sa.Integer(), nullable=True),
    sa.Column('unit_signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('community_signed_by_id', sa.Integer(), nullable=True),
    sa.Column('community_signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'proposed', 'signed', 'withdrawn', 'ended')", name=op.f('ck_pairing_agreements_status')),
    sa.CheckConstraint("status NOT IN ('signed', 'ended') OR (number IS NOT NULL AND unit_signed_at IS NOT NULL AND community_signed_at IS NOT NULL)", name=op.f('ck_pairing_agreements_signed_by_both')),
    sa.CheckConstraint('unit_id <> community_id', name=op.f('ck_pairing_agreements_two_parties')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_pairing_agreements_year')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_pairing_agreements_closed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id'], ['organisations.id'], name=op.f('fk_pairing_agreements_community_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_signed_by_id'], ['users.id'], name=op.f('fk_pairing_agreements_community_signed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pairing_agreements_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['organisations.id'], name=op.f('fk_pairing_agreements_unit_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_signed_by_id'], ['users.id'], name=op.f('fk_pairing_agreements_unit_signed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pairing_agreements')),
    sa.UniqueConstraint('number', name=op.f('uq_pairing_agreements_number'))
    )
    with op.batch_alter_table('pairing_agreements', schema=None) as batch_op:
        batch_op.create_index('ix_pairing_agreements_community', ['community_id', 'year', 'status'], unique=False)
        batch_op.create_index('ix_pairing_agreements_unit', ['unit_id', 'year', 'status'], unique=False)
        batch_op.create_index('uq_pairing_agreements_live', ['unit_id', 'community_id', 'year'], unique=True, sqlite_where=sa.text("status IN ('draft', 'proposed', 'signed')"), postgresql_where=sa.text("status IN ('draft', 'proposed', 'signed')"))

    op.create_table('pairing_cross_appointments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('from_org_id', sa.Integer(), nullable=False),
    sa.Column('to_org_id', sa.Integer(), nullable=False),
    sa.Column('role_title', sa.String(length=100), nullable=False),
    sa.Column('term_start', sa.Date(), nullable=False),
    sa.Column('term_end', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('appointed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('active', 'ended')", name=op.f('ck_pairing_cross_appointments_status')),
    sa.CheckConstraint('from_org_id <> to_org_id', name=op.f('ck_pairing_cross_appointments_two_organisations')),
    sa.CheckConstraint('term_end >= term_start', name=op.f('ck_pairing_cross_appointments_term')),
    sa.ForeignKeyConstraint(['appointed_by_id'], ['users.id'], name=op.f('fk_pairing_cross_appointments_appointed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_pairing_cross_appointments_ended_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['from_org_id'], ['organisations.id'], name=op.f('fk_pairing_cross_appointments_from_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['users.id'], name=op.f('fk_pairing_cross_appointments_person_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_org_id'], ['organisations.id'], name=op.f('fk_pairing_cross_appointments_to_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pairing_cross_appointments'))
    )
    with op.batch_alter_table('pairing_cross_appointments', schema=None) as batch_op:
        batch_op.create_index('ix_pairing_cross_appointments_from', ['from_org_id', 'status'], unique=False)
        batch_op.create_index('ix_pairing_cross_appointments_to', ['to_org_id', 'status'], unique=False)
        batch_op.create_index('uq_pairing_cross_appointments_active', ['person_id', 'to_org_id'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('pairing_help_pairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('via_unit_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('active', 'ended')", name=op.f('ck_pairing_help_pairs_status')),
    sa.CheckConstraint('member_id <> resident_id', name=op.f('ck_pairing_help_pairs_two_people')),
    sa.ForeignKeyConstraint(['community_id'], ['organisations.id'], name=op.f('fk_pairing_help_pairs_community_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pairing_help_pairs_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_pairing_help_pairs_ended_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_pairing_help_pairs_member_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resident_id'], ['users.id'], name=op.f('fk_pairing_help_pairs_resident_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['via_unit_id'], ['organisations.id'], name=op.f('fk_pairing_help_pairs_via_unit_id_organisations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pairing_help_pairs'))
    )
    with op.batch_alter_table('pairing_help_pairs', schema=None) as batch_op:
        batch_op.create_index('ix_pairing_help_pairs_community', ['community_id', 'status'], unique=False)
        batch_op.create_index('ix_pairing_help_pairs_unit', ['via_unit_id', 'status'], unique=False)
        batch_op.create_index('uq_pairing_help_pairs_active', ['member_id', 'resident_id'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('service_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('places', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('need', 'support', 'activity_day')", name=op.f('ck_service_items_kind')),
    sa.CheckConstraint("status IN ('open', 'closed', 'cancelled')", name=op.f('ck_service_items_status')),
    sa.CheckConstraint('"start" < "end"', name=op.f('ck_service_items_start_before_end')),
    sa.CheckConstraint('places >= 1', name=op.f('ck_service_items_places_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_service_items_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_service_items_org_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_items'))
    )
    with op.batch_alter_table('service_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_items_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_service_items_org', ['org_id', 'status', 'start'], unique=False)

    op.create_table('volunteer_selections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['organisations.id'], name=op.f('fk_volunteer_selections_community_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_volunteer_selections_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_volunteer_selections_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_selections')),
    sa.UniqueConstraint('community_id', 'user_id', 'year', name=op.f('uq_volunteer_selections_community_id_user_id_year'))
    )
    with op.batch_alter_table('volunteer_selections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_selections_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_selections_user_id'), ['user_id'], unique=False)

    op.create_table('evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('subject_org_id', sa.Integer(), nullable=True),
    sa.Column('subject_user_id', sa.Integer(), nullable=True),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'community_member' AND subject_user_id IS NOT NULL AND subject_org_id IS NULL) OR (kind <> 'community_member' AND subject_org_id IS NOT NULL AND subject_user_id IS NULL)", name=op.f('ck_evaluations_subject')),
    sa.CheckConstraint("kind IN ('community_unit', 'unit_community', 'community_member')", name=op.f('ck_evaluations_kind')),
    sa.CheckConstraint('score >= 0 AND score <= 100', name=op.f('ck_evaluations_score')),
    sa.ForeignKeyConstraint(['evaluator_id'], ['organisations.id'], name=op.f('fk_evaluations_evaluator_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_rounds.id'], name=op.f('fk_evaluations_round_id_evaluation_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_org_id'], ['organisations.id'], name=op.f('fk_evaluations_subject_org_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_user_id'], ['users.id'], name=op.f('fk_evaluations_subject_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_evaluations_submitted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluations')),
    sa.UniqueConstraint('round_id', 'evaluator_id', 'subject_org_id', name='uq_evaluations_round_evaluator_org'),
    sa.UniqueConstraint('round_id', 'evaluator_id', 'subject_user_id', name='uq_evaluations_round_evaluator_user')
    )
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluations_evaluator_id'), ['evaluator_id'], unique=False)
        batch_op.create_index('ix_evaluations_round_subject_org', ['round_id', 'subject_org_id'], unique=False)
        batch_op.create_index('ix_evaluations_subject_org', ['subject_org_id', 'round_id'], unique=False)
        batch_op.create_index('ix_evaluations_subject_user', ['subject_user_id', 'round_id'], unique=False)

    op.create_table('pairing_agreement_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.String(length=300), nullable=False),
    sa.Column('responsible', sa.String(length=16), nullable=False),
    sa.Column('person', sa.String(length=100), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("responsible IN ('unit', 'community', 'both')", name=op.f('ck_pairing_agreement_items_responsible')),
    sa.CheckConstraint("status <> 'done' OR done_at IS NOT NULL", name=op.f('ck_pairing_agreement_items_done_at_when_done')),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'done', 'dropped')", name=op.f('ck_pairing_agreement_items_status')),
    sa.ForeignKeyConstraint(['agreement_id'], ['pairing_agreements.id'], name=op.f('fk_pairing_agreement_items_agreement_id_pairing_agreements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pairing_agreement_items'))
    )
    with op.batch_alter_table('pairing_agreement_items', schema=None) as batch_op:
        batch_op.create_index('ix_pairing_agreement_items_agreement', ['agreement_id', 'due_on'], unique=False)
        batch_op.create_index('ix_pairing_agreement_items_due', ['status', 'due_on'], unique=False)

    op.create_table('service_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('on_behalf_of_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('photo', sa.LargeBinary(), nullable=True),
    sa.Column('photo_thumbnail', sa.LargeBinary(), nullable=True),
    sa.Column('has_photo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status <> 'completed' OR (hours IS NOT NULL AND completed_at IS NOT NULL)", name=op.f('ck_service_claims_completed_with_hours')),
    sa.CheckConstraint("status IN ('claimed', 'completed', 'withdrawn')", name=op.f('ck_service_claims_status')),
    sa.CheckConstraint('hours IS NULL OR hours > 0', name=op.f('ck_service_claims_hours_positive')),
    sa.ForeignKeyConstraint(['completed_by_id'], ['users.id'], name=op.f('fk_service_claims_completed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['service_items.id'], name=op.f('fk_service_claims_item_id_service_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['on_behalf_of_id'], ['organisations.id'], name=op.f('fk_service_claims_on_behalf_of_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_service_claims_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_service_claims_withdrawn_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_claims'))
    )
    with op.batch_alter_table('service_claims', schema=None) as batch_op:
        batch_op.create_index('ix_service_claims_item', ['item_id', 'status'], unique=False)
        batch_op.create_index('ix_service_claims_org', ['on_behalf_of_id', 'status'], unique=False)
        batch_op.create_index('ix_service_claims_user', ['user_id', 'status'], unique=False)
        batch_op.create_index('uq_service_claims_live_org', ['item_id', 'on_behalf_of_id'], unique=True, sqlite_where=sa.text("on_behalf_of_id IS NOT NULL AND status IN ('claimed', 'completed')"), postgresql_where=sa.text("on_behalf_of_id IS NOT NULL AND status IN ('claimed', 'completed')"))
        batch_op.create_index('uq_service_claims_live_person', ['item_id', 'user_id'], unique=True, sqlite_where=sa.text("on_behalf_of_id IS NULL AND status IN ('claimed', 'completed')"), postgresql_where=sa.text("on_behalf_of_id IS NULL AND status IN ('claimed', 'completed')"))

    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('cleanliness', sa.SmallInteger(), nullable=False),
    sa.Column('equipment', sa.SmallInteger(), nullable=False),
    sa.Column('service', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('replied_by_id', sa.Integer(), nullable=True),
    sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_reason', sa.String(length=300), nullable=False),
    sa.CheckConstraint("NOT hidden OR (hidden_at IS NOT NULL AND hidden_reason <> '')", name=op.f('ck_ratings_hidden_with_reason')),
    sa.CheckConstraint('cleanliness BETWEEN 1 AND 5', name=op.f('ck_ratings_cleanliness_range')),
    sa.CheckConstraint('equipment BETWEEN 1 AND 5', name=op.f('ck_ratings_equipment_range')),
    sa.CheckConstraint('service BETWEEN 1 AND 5', name=op.f('ck_ratings_service_range')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_ratings_booking_id_bookings'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_ratings_hidden_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['replied_by_id'], ['users.id'], name=op.f('fk_ratings_replied_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_ratings_resource_id_resources'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ratings_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings')),
    sa.UniqueConstraint('booking_id', name=op.f('uq_ratings_booking_id'))
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index('ix_ratings_created', ['created_at'], unique=False)
        batch_op.create_index('ix_ratings_resource', ['resource_id', 'hidden', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ratings_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_reports', ['resource_id', 'start', 'status', 'end', 'quantity', 'on_behalf_of_id', 'user_id'], unique=False)

    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rating_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('rating_total', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_resources_rating_counters_not_negative'), 'rating_count >= 0 AND rating_total >= 0'
        )



def downgrade():
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_resources_rating_counters_not_negative'), type_='check')
        batch_op.drop_column('rating_total')
        batch_op.drop_column('rating_count')

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_reports')

    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ratings_user_id'))
        batch_op.drop_index('ix_ratings_resource')
        batch_op.drop_index('ix_ratings_created')

    op.drop_table('ratings')
    with op.batch_alter_table('service_claims', schema=None) as batch_op:
        batch_op.drop_index('uq_service_claims_live_person', sqlite_where=sa.text("on_behalf_of_id IS NULL AND status IN ('claimed', 'completed')"), postgresql_where=sa.text("on_behalf_of_id IS NULL AND status IN ('claimed', 'completed')"))
        batch_op.drop_index('uq_service_claims_live_org', sqlite_where=sa.text("on_behalf_of_id IS NOT NULL AND status IN ('claimed', 'completed')"), postgresql_where=sa.text("on_behalf_of_id IS NOT NULL AND status IN ('claimed', 'completed')"))
        batch_op.drop_index('ix_service_claims_user')
        batch_op.drop_index('ix_service_claims_org')
        batch_op.drop_index('ix_service_claims_item')

    op.drop_table('service_claims')
    with op.batch_alter_table('pairing_agreement_items', schema=None) as batch_op:
        batch_op.drop_index('ix_pairing_agreement_items_due')
        batch_op.drop_index('ix_pairing_agreement_items_agreement')

    op.drop_table('pairing_agreement_items')
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluations_subject_user')
        batch_op.drop_index('ix_evaluations_subject_org')
        batch_op.drop_index('ix_evaluations_round_subject_org')
        batch_op.drop_index(batch_op.f('ix_evaluations_evaluator_id'))

    op.drop_table('evaluations')
    with op.batch_alter_table('volunteer_selections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_selections_user_id'))
        batch_op.drop_index(batch_op.f('ix_volunteer_selections_community_id'))

    op.drop_table('volunteer_selections')
    with op.batch_alter_table('service_items', schema=None) as batch_op:
        batch_op.drop_index('ix_service_items_org')
        batch_op.drop_index(batch_op.f('ix_service_items_created_at'))

    op.drop_table('service_items')
    with op.batch_alter_table('pairing_help_pairs', schema=None) as batch_op:
        batch_op.drop_index('uq_pairing_help_pairs_active', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index('ix_pairing_help_pairs_unit')
        batch_op.drop_index('ix_pairing_help_pairs_community')

    op.drop_table('pairing_help_pairs')
    with op.batch_alter_table('pairing_cross_appointments', schema=None) as batch_op:
        batch_op.drop_index('uq_pairing_cross_appointments_active', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index('ix_pairing_cross_appointments_to')
        batch_op.drop_index('ix_pairing_cross_appointments_from')

    op.drop_table('pairing_cross_appointments')
    with op.batch_alter_table('pairing_agreements', schema=None) as batch_op:
        batch_op.drop_index('uq_pairing_agreements_live', sqlite_where=sa.text("status IN ('draft', 'proposed', 'signed')"), postgresql_where=sa.text("status IN ('draft', 'proposed', 'signed')"))
        batch_op.drop_index('ix_pairing_agreements_unit')
        batch_op.drop_index('ix_pairing_agreements_community')

    op.drop_table('pairing_agreements')
    with op.batch_alter_table('evaluation_rounds', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_rounds_status_deadline')

    op.drop_table('evaluation_rounds')
