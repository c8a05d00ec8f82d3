"""The chat as staff live in it: which notices about a case were sent where, so they stay true."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class StaffNotice(SQLModel, table=True):
    """A new-case notice or an application (to a representative or the zone's group), sent
    through the outbox row
    `outbox_id`; when the case changes, an edit of that message is queued (`last_edit_id`)
    unless what it shows (`digest`) is already what it would show."""

    __tablename__ = "staff_notice"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    # Or an application to join, whose copies lose their decision buttons once decided.
    # (No foreign key: the membership tables come with another migration branch.)
    membership_id: int | None = Field(default=None, index=True)
    # No foreign key: the outbox may be pruned or scrubbed without asking this table.
    outbox_id: int = Field(index=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    lang: str = Field(default="zh", max_length=8)
    named: bool = False  # shows who reported (a representative's own copy)
    # "case": the new-case notice, re-rendered on a change; "escalation": a warning or raise,
    # whose text (from its outbox row) stays and gains the live line and buttons.
    kind: str = Field(default="case", max_length=16, sa_column_kwargs={"server_default": "case"})
    tz: str = Field(default="Asia/Shanghai", max_length=64)
    digest: str = Field(default="", max_length=64)
    last_edit_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
