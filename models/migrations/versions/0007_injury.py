"""Injury claims of accident cases: the claim, the stages it reached (each on its day) and the
deadline reminders already sent (unique per claim, stage, deadline and days-before).

Revision ID: 0007_injury
Revises: 0007_stations
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.types


revision = "0007_injury"
down_revision = "0007_stations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "injury_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("rider_id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=True),
        sa.Column("city", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column(
            "scheme",
            sa.Enum(
                "occupational",
                "work_injury",
                "platform_insurance",
                name="injuryscheme",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("accident_on", sa.Date(), nullable=False),
        sa.Column("injury", sa.Text(), nullable=False),
        sa.Column("hospital", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "opened",
                "reported",
                "documents",
                "submitted",
                "decided",
                "paid",
                "refused",
                "withdrawn",
                name="injurystage",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("stage_on", sa.Date(), nullable=False),
        sa.Column("due_stage", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["rider_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["zone.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id"),
    )
    with op.batch_alter_table("injury_claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_injury_claim_due_on"), ["due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_injury_claim_rider_id"), ["rider_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_injury_claim_stage"), ["stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_injury_claim_zone_id"), ["zone_id"], unique=False)

    op.create_table(
        "injury_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("sent_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["injury_claim.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "claim_id", "stage", "due_on", "days_before", name="uq_injury_reminder"
        ),
    )
    with op.batch_alter_table("injury_reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_injury_reminder_claim_id"), ["claim_id"], unique=False)

    op.create_table(
        "injury_stage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "opened",
                "reported",
                "documents",
                "submitted",
                "decided",
                "paid",
                "refused",
                "withdrawn",
                name="injurystage",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["injury_claim.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("injury_stage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_injury_stage_claim_id"), ["claim_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("injury_stage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_injury_stage_claim_id"))

    op.drop_table("injury_stage")
    with op.batch_alter_table("injury_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_injury_reminder_claim_id"))

    op.drop_table("injury_reminder")
    with op.batch_alter_table("injury_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_injury_claim_zone_id"))
        batch_op.drop_index(batch_op.f("ix_injury_claim_stage"))
        batch_op.drop_index(batch_op.f("ix_injury_claim_rider_id"))
        batch_op.drop_index(batch_op.f("ix_injury_claim_due_on"))

    op.drop_table("injury_claim")
