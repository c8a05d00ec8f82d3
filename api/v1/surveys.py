"""Surveys and notices to members. Representatives and admins: see how many an audience
reaches, create, list, read, close surveys, their results and CSV; send notices and follow
their progress. Members: the surveys they were asked, and their answer (changed until the
survey closes). Who may see what is checked in services.surveys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from api.endpoint import MAX_ID, Call, links
from api.v1 import api
from api.v1.schemas import NO_NUL, VISIBLE, Model
from models.surveys import (
    NOTICE_MAX,
    OPTION_MAX,
    OPTIONS_MAX,
    QUESTION_MAX,
    TEXT_ANSWER_MAX,
    MemberNotice,
    Survey,
    SurveyAnswer,
    SurveyKind,
)
from services.csv_export import csv_bytes
from services.errors import Invalid
from services.surveys import answering, closing, creation, notices, results
from services.surveys.audience import Audience, Reach, reach
from services.surveys.creation import SurveyDraft

TAGS = ["surveys"]
# A zone, platform or kind-of-work code.
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_]+$")]
Option = Annotated[str, Field(max_length=OPTION_MAX, pattern=NO_NUL)]
NOTICE_TAGS = ["notices"]
SURVEY_LINKS = links(
    "get_survey", "close_survey", "survey_results", "survey_results_csv",
    survey_id="$response.body#/id",
)  # fmt: skip
NOTICE_LINKS = links("get_notice", notice_id="$response.body#/id")


class AudienceIn(Model):
    """Empty lists filter nothing: a representative reaches their zones' members, an admin
    every member; `activists` narrows it to the activists among them."""

    zones: list[Code] = Field(default=[], max_length=50, description="zone codes, e.g. XH")
    platforms: list[Code] = Field(default=[], max_length=20, description="e.g. meituan, eleme")
    work_kinds: list[Code] = Field(default=[], max_length=10, description="food, parcels, …")
    activists: bool = Field(default=False, description="only the activists of those zones")

    def audience(self) -> Audience:
        return Audience.of(self.zones, self.platforms, self.work_kinds, self.activists)


class ReachOut(BaseModel):
    members: int = Field(description="members in the audience")
    reachable: int = Field(description="who gets it now")
    unreachable: int = Field(description="no chat, or blocked the bot")
    muted: int = Field(description="notices muted in /settings (surveys ignore this)")
    seconds: int = Field(description="how long sending takes at Telegram's limits")


def reach_out(r: Reach) -> ReachOut:
    return ReachOut(**r.as_json())


class SurveyIn(Model):
    question: str = Field(max_length=QUESTION_MAX, pattern=VISIBLE)
    kind: Literal["single", "multiple", "text"]
    options: list[Option] = Field(
        default=[], max_length=OPTIONS_MAX, description="2-10 for choice questions"
    )
    closes_at: datetime = Field(description="with a time zone; at least 10 minutes away")
    results_public: bool = Field(default=False, description="members see the results at the end")
    audience: AudienceIn = Field(default_factory=AudienceIn)


class OptionOut(BaseModel):
    id: int
    label: str


class SurveyOut(BaseModel):
    id: int
    question: str
    kind: str
    options: list[OptionOut]
    audience: AudienceIn  # as stored (older rows lack `activists`: False)
    status: str
    closes_at: datetime
    created_at: datetime
    closed_at: datetime | None
    results_public: bool


async def survey_out(call: Call, survey: Survey) -> SurveyOut:
    options = await results.options_of(call.session, survey.id)  # type: ignore[arg-type]
    return SurveyOut(
        id=survey.id,  # type: ignore[arg-type]
        question=survey.question,
        kind=survey.kind.value,
        options=[OptionOut(id=o.id, label=o.label) for o in options],  # type: ignore[arg-type]
        audience=AudienceIn.model_validate(survey.audience),
        status=survey.status.value,
        closes_at=survey.closes_at,
        created_at=survey.created_at,
        closed_at=survey.closed_at,
        results_public=survey.results_public,
    )


class SurveyList(BaseModel):
    surveys: list[SurveyOut]


class CountOut(BaseModel):
    option_id: int
    label: str
    count: int
    percent: float


class GroupOut(BaseModel):
    name: str
    answered: int
    counts: list[CountOut]


class ResultsOut(BaseModel):
    survey_id: int
    asked: int
    answered: int
    percent_answered: float
    counts: list[CountOut]
    by_zone: list[GroupOut]
    by_platform: list[GroupOut]
    texts: list[str] = Field(description="the free-text answers")


def _counts(cs: list[results.Count]) -> list[CountOut]:
    return [
        CountOut(option_id=c.option_id, label=c.label, count=c.count, percent=c.percent) for c in cs
    ]


def results_out(found: results.Results) -> ResultsOut:
    return ResultsOut(
        survey_id=found.survey.id,  # type: ignore[arg-type]
        asked=found.asked,
        answered=found.answered,
        percent_answered=found.percent_answered,
        counts=_counts(found.counts),
        by_zone=[
            GroupOut(name=g.name, answered=g.answered, counts=_counts(g.counts))
            for g in found.by_zone
        ],
        by_platform=[
            GroupOut(name=g.name, answered=g.answered, counts=_counts(g.counts))
            for g in found.by_platform
        ],
        texts=found.texts,
    )


# --- representatives and admins ---------------------------------------------------------------


@api.op(
    "POST",
    "/surveys/audience/reach",
    body=AudienceIn,
    response=ReachOut,
    tags=TAGS,
    errors=[403, 422],
)
async def survey_reach(call: Call) -> ReachOut:
    """How many members an audience reaches, before a survey is sent to it."""
    found = await reach(
        call.session, actor=call.me, audience=call.body.audience(), respect_mute=False
    )
    return reach_out(found)


@api.op(
    "POST",
    "/surveys",
    body=SurveyIn,
    response=SurveyOut,
    status=201,
    tags=TAGS,
    errors=[403, 422],
    links=SURVEY_LINKS,
)
async def create_survey(call: Call) -> SurveyOut:
    """Create a survey and send it to every reachable member of its audience."""
    body: SurveyIn = call.body
    for o in body.options:
        if len(o) > OPTION_MAX:
            raise Invalid("survey_option_long", limit=OPTION_MAX, option=o[:20])
    draft = SurveyDraft(
        question=body.question,
        kind=SurveyKind(body.kind),
        closes_at=body.closes_at,
        options=body.options,
        audience=body.audience.audience(),
        results_public=body.results_public,
    )
    survey = await creation.create_survey(call.session, author=call.me, draft=draft)
    return await survey_out(call, survey)


@api.op("GET", "/surveys", response=SurveyList, tags=TAGS, errors=[403])
async def list_surveys(call: Call) -> SurveyList:
    """The surveys the signed-in representative or admin may see, newest first."""
    found = await results.surveys_for_staff(call.session, viewer=call.me)
    return SurveyList(surveys=[await survey_out(call, s) for s in found])


@api.op(
    "GET",
    "/surveys/{survey_id}",
    response=SurveyOut,
    tags=TAGS,
    errors=[403, 404],
    links=SURVEY_LINKS,
)
async def get_survey(call: Call) -> SurveyOut:
    """One survey: its question, options, audience and closing time."""
    survey = await results.survey_for_viewer(
        call.session, survey_id=call.path_int("survey_id"), viewer=call.me
    )
    return await survey_out(call, survey)


@api.op(
    "POST",
    "/surveys/{survey_id}/close",
    response=SurveyOut,
    tags=TAGS,
    errors=[403, 404, 409],
    links=SURVEY_LINKS,
)
async def close_survey(call: Call) -> SurveyOut:
    """Close a survey before its time (its author or an admin); the results go to the author."""
    survey = await closing.close_survey(
        call.session, survey_id=call.path_int("survey_id"), actor=call.me
    )
    return await survey_out(call, survey)


@api.op("GET", "/surveys/{survey_id}/results", response=ResultsOut, tags=TAGS, errors=[403, 404])
async def survey_results(call: Call) -> ResultsOut:
    """Counts and percentages, overall, by zone and by platform; the free-text answers.
    Members who were asked see them once it closed, if the author chose so."""
    found = await results.results(
        call.session, survey_id=call.path_int("survey_id"), viewer=call.me
    )
    return results_out(found)


@api.op(
    "GET",
    "/surveys/{survey_id}/results.csv",
    tags=TAGS,
    errors=[403, 404],
    content_type="text/csv",
)
async def survey_results_csv(call: Call) -> web.Response:
    """The results as a CSV file (UTF-8 with BOM; no cell a spreadsheet would run)."""
    survey_id = call.path_int("survey_id")
    found = await results.results(call.session, survey_id=survey_id, viewer=call.me)
    header, rows = results.csv_rows(found)
    return web.Response(
        body=csv_bytes(header, rows),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="survey-{survey_id}.csv"'},
    )


# --- members ---------------------------------------------------------------------------------


class MySurvey(BaseModel):
    survey: SurveyOut
    open: bool
    my_option_ids: list[int]
    my_text: str | None


class MySurveys(BaseModel):
    surveys: list[MySurvey]


class AnswerIn(Model):
    option_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default=[], max_length=OPTIONS_MAX, description="choice questions: the options chosen"
    )
    text: str | None = Field(
        default=None, max_length=TEXT_ANSWER_MAX, description="free-text questions"
    )


def _mine(survey_o: SurveyOut, survey: Survey, answer: SurveyAnswer | None) -> MySurvey:
    return MySurvey(
        survey=survey_o,
        open=answering.is_open(survey, datetime.now(survey.closes_at.tzinfo)),
        my_option_ids=list(answer.option_ids) if answer else [],
        my_text=answer.text if answer else None,
    )


@api.op("GET", "/me/surveys", response=MySurveys, tags=TAGS)
async def my_surveys(call: Call) -> MySurveys:
    """The surveys the signed-in member was asked, newest first, with their answer."""
    found = await results.surveys_for_member(call.session, user=call.me)
    return MySurveys(surveys=[_mine(await survey_out(call, s), s, a) for s, a in found])


@api.op(
    "PUT",
    "/me/surveys/{survey_id}/answer",
    body=AnswerIn,
    response=MySurvey,
    tags=TAGS,
    errors=[404, 409, 422],
)
async def answer_survey(call: Call) -> MySurvey:
    """Answer a survey, or change the answer until it closes (once per member)."""
    survey_id, body = call.path_int("survey_id"), call.body
    if body.text is not None:
        await answering.answer_text(
            call.session, user=call.me, survey_id=survey_id, answer=body.text
        )
    else:
        await answering.answer_options(
            call.session, user=call.me, survey_id=survey_id, option_ids=body.option_ids
        )
    survey = await call.session.get(Survey, survey_id)
    answer = await answering.answer_of(call.session, survey_id=survey_id, user_id=call.me.id)  # type: ignore[arg-type]
    assert survey is not None
    return _mine(await survey_out(call, survey), survey, answer)


# --- notices ---------------------------------------------------------------------------------


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
