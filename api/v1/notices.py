"""Notices to members: representatives and admins see how many an audience reaches, send a
notice through the outbox and follow its progress. Who may see what is checked in
services.surveys.notices."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.endpoint import Call, links
from api.v1 import api
from api.v1.schemas import VISIBLE, Model
from api.v1.survey_schemas import AudienceIn, ReachOut, reach_out
from models.surveys import NOTICE_MAX, MemberNotice
from services.surveys import notices

NOTICE_TAGS = ["notices"]
NOTICE_LINKS = links("get_notice", notice_id="$response.body#/id")


class NoticeIn(Model):
    body: str = Field(max_length=NOTICE_MAX, pattern=VISIBLE)
    audience: AudienceIn = Field(default_factory=AudienceIn)


class ProgressOut(BaseModel):
    total: int
    sent: int
    failed: int
    unreachable: int
    pending: int
    done: bool


class NoticeOut(BaseModel):
    id: int
    body: str
    audience: AudienceIn  # as stored (older rows lack `activists`: False)
    created_at: datetime
    progress: ProgressOut


class NoticeList(BaseModel):
    notices: list[NoticeOut]


async def notice_out(call: Call, notice: MemberNotice) -> NoticeOut:
    p = await notices.progress_of(call.session, notice=notice)
    return NoticeOut(
        id=notice.id,  # type: ignore[arg-type]
        body=notice.body,
        audience=AudienceIn.model_validate(notice.audience),
        created_at=notice.created_at,
        progress=ProgressOut(**p.as_json()),  # type: ignore[arg-type]
    )


@api.op(
    "POST",
    "/notices/audience/preview",
    body=AudienceIn,
    response=ReachOut,
    tags=NOTICE_TAGS,
    errors=[403, 422],
)
async def preview_notice(call: Call) -> ReachOut:
    """How many a notice would reach (muted members left out) and how long sending takes."""
    found = await notices.preview_notice(call.session, actor=call.me, audience=call.body.audience())
    return reach_out(found)


@api.op(
    "POST",
    "/notices",
    body=NoticeIn,
    response=NoticeOut,
    status=201,
    tags=NOTICE_TAGS,
    errors=[403, 422],
    links=NOTICE_LINKS,
)
async def send_notice(call: Call) -> NoticeOut:
    """Send a notice to an audience through the outbox, at Telegram's pace."""
    notice = await notices.send_notice(
        call.session, author=call.me, body=call.body.body, audience=call.body.audience.audience()
    )
    return await notice_out(call, notice)


@api.op("GET", "/notices", response=NoticeList, tags=NOTICE_TAGS, errors=[403])
async def list_notices(call: Call) -> NoticeList:
    """The signed-in representative's notices (an admin: everyone's), newest first."""
    found = await notices.notices_for(call.session, viewer=call.me)
    return NoticeList(notices=[await notice_out(call, n) for n in found])


@api.op(
    "GET",
    "/notices/{notice_id}",
    response=NoticeOut,
    tags=NOTICE_TAGS,
    errors=[403, 404],
    links=NOTICE_LINKS,
)
async def get_notice(call: Call) -> NoticeOut:
    """A notice and its progress: sent, failed, unreachable, still waiting."""
    notice = await notices.notice_for(
        call.session, notice_id=call.path_int("notice_id"), viewer=call.me
    )
    return await notice_out(call, notice)
