"""registrations: (unit_id, kind, status) and (user_id, kind, status) replace the single-column indexes

SQLite keeps no statistics, and with one equality column each it chose between
ix_registrations_unit_id and ix_registrations_status by the order they were
created: 0.02 ms or 8 ms for the same look-up.

Revision ID: 0005_registration_lookups
Revises: 0004_resource_revision
Create Date: 2026-12-02 06:35:00

"""
from alembic import op


revision = '0005_registration_lookups'
down_revision = '0004_resource_revision'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_registrations_unit_id')
        batch_op.drop_index('ix_registrations_user_id')
        batch_op.create_index('ix_registrations_unit', ['unit_id', 'kind', 'status'], unique=False)
        batch_op.create_index('ix_registrations_user', ['user_id', 'kind', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_registrations_user')
        batch_op.drop_index('ix_registrations_unit')
        batch_op.create_index('ix_registrations_user_id', ['user_id'], unique=False)
        batch_op.create_index('ix_registrations_unit_id', ['unit_id'], unique=False)
