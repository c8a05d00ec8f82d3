"""Surveys and notices to members: what representatives ask and tell before an activity.

A survey has its options, the members it was sent to (each with the outbox row that carried
it, and whether they were reminded) and their answers, one per member (changed in place
until it closes). A notice has its recipients, each with the outbox row that carried it,
so its progress is read from the outbox. A member's settings say whether they get notices.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, now_field, str_enum

QUESTION_MAX = 500
OPTION_MAX = 60
OPTIONS_MAX = 10
TEXT_ANSWER_MAX = 1000
NOTICE_MAX = 2000


class SurveyKind(StrEnum):
    single = "single"  # one option
    multiple = "multiple"  # any number of options
    text = "text"  # a free-text answer


class SurveyStatus(StrEnum):
    open = "open"
    closed = "closed"


class Survey(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="user.id", index=True)
    question: str = Field(max_length=QUESTION_MAX)
    kind: SurveyKind = Field(sa_type=str_enum(SurveyKind))
    # {"zones": [codes], "platforms": [...], "work_kinds": [...]}; empty lists: no filter.
    audience: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    results_public: bool = False  # members see the results once it closes
    status: SurveyStatus = Field(
        default=SurveyStatus.open, sa_type=str_enum(SurveyStatus), index=True
    )
    closes_at: datetime = Field(sa_type=UTCDateTime, index=True)
    created_at: datetime = now_field()
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Reminders go once, half-way to the closing time (the sweep sets this when it sends them).
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SurveyOption(SQLModel, table=True):
    __tablename__ = "survey_option"
    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    position: int
    label: str = Field(max_length=OPTION_MAX)


class SurveyRecipient(SQLModel, table=True):
    """A member a survey was sent to (who may answer it)."""

    __tablename__ = "survey_recipient"
    survey_id: int = Field(foreign_key="survey.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True)
    zone_id: int | None = Field(default=None, foreign_key="zone.id")
    outbox_id: int | None = None
    reminded: bool = False


class SurveyAnswer(SQLModel, table=True):
    """A member's answer: personal data (exported by /mydata, erased by /leave)."""

    __tablename__ = "survey_answer"
    __table_args__ = (UniqueConstraint("survey_id", "user_id", name="uq_survey_answer"),)
    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    option_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    text: str | None = Field(default=None, max_length=TEXT_ANSWER_MAX)
    answered_at: datetime = now_field()
    changed_at: datetime = now_field()


class MemberNotice(SQLModel, table=True):
    """A representative's notice to an audience of members (heat warning, repair day…)."""

    __tablename__ = "member_notice"
    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="user.id", index=True)
    body: str = Field(max_length=NOTICE_MAX)
    audience: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = now_field()
    # The message that shows the sender the progress, edited in place as it changes.
    progress_outbox_id: int | None = None
    progress_shown: str | None = Field(default=None, max_length=64)  # "sent/failed/unreachable"
    done: bool = Field(default=False, index=True)


class NoticeRecipient(SQLModel, table=True):
    __tablename__ = "notice_recipient"
    notice_id: int = Field(foreign_key="member_notice.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    outbox_id: int | None = None  # None: nobody to reach (blocked the bot, or no Telegram)


class MemberSettings(SQLModel, table=True):
    """What a member chose in /settings (no row: the defaults)."""

    __tablename__ = "member_settings"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    notices_muted: bool = False
    updated_at: datetime = now_field()
