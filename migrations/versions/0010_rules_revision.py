"""resources.rules_revision: moves with every change to a resource's rules, not with its bookings

Revision ID: 0010_rules_revision
Revises: 0009_series_waitlist_checkin
Create Date: 2026-12-02 09:10:51.127552

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_rules_revision'
down_revision = '0009_series_waitlist_checkin'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rules_revision', sa.Integer(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.drop_column('rules_revision')

