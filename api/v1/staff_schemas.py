"""The representatives' case API's bodies and answers, and how a case becomes one: the case as
staff see it, with its whole history (internal notes too) and attachments."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.endpoint import MAX_ID, Call
from api.problems import language
from api.v1.case_schemas import AttachmentOut, CaseOut, EventOut, attachment_out, case_out
from api.v1.schemas import VISIBLE, Model
from models import Case, CaseStatus, Severity, User
from services.cases import rider_actions, triage
from services.privacy.erasure import person_label


class QueueQuery(Model):
    category: str | None = Field(default=None, max_length=32)
    status: CaseStatus | None = None
    page: int = Field(default=0, ge=0, le=10_000)
    size: int = Field(default=20, ge=1, le=100)


class StaffCase(CaseOut):
    zone_id: int | None
    assignee_id: int | None
    overdue: bool


class QueueOut(BaseModel):
    cases: list[StaffCase]
    total: int
    page: int
    pages: int


class StaffCaseDetail(BaseModel):
    case: StaffCase
    reporter: str | None = Field(description="who reported it (shown to staff even if anonymous)")
    history: list[EventOut]
    attachments: list[AttachmentOut]


class MessageIn(Model):
    text: str = Field(min_length=1, max_length=4000, pattern=VISIBLE)


class ResolveIn(Model):
    text: str = Field(default="", max_length=4000)


class SeverityIn(Model):
    severity: Severity


class StatusIn(Model):
    status: Literal[CaseStatus.in_progress] = Field(
        description="in_progress: start work, stop waiting for the rider, or take back a "
        "resolution. The other statuses have their own actions: claim, question, resolve, merge"
    )


class ReassignIn(Model):
    to_user_id: int = Field(ge=1, le=MAX_ID, description="a representative of the case's zone")


class Colleague(BaseModel):
    id: int
    name: str | None
    role: str


class ColleagueList(BaseModel):
    colleagues: list[Colleague] = Field(description="who could take the case over")


class MergeIn(Model):
    into_ref: str = Field(min_length=1, max_length=32)


def staff_case(case: Case) -> StaffCase:
    return StaffCase(
        **case_out(case).model_dump(),
        zone_id=case.zone_id,
        assignee_id=case.assignee_id,
        overdue=triage.overdue(case),
    )


async def staff_detail(call: Call, case: Case) -> StaffCaseDetail:
    events = await rider_actions.history(call.session, case=case, public_only=False)
    files = await triage.attachments(call.session, case=case)
    reporter = await call.session.get(User, case.rider_id) if case.rider_id else None
    return StaffCaseDetail(
        case=staff_case(case),
        reporter=person_label(reporter, language(call.request)) if reporter else None,
        history=[
            EventOut(
                id=e.id,  # type: ignore[arg-type]
                kind=e.kind,
                at=e.created_at,
                actor=person_label(u, language(call.request)) if u else None,
                public=e.public,
                details=e.payload or {},
            )
            for e, u in events
        ],
        attachments=[attachment_out(a) for a in files],
    )
