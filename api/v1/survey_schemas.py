"""The survey API's bodies and answers, and how a survey, its results or an audience's reach
becomes one. Notices share the audience and its reach."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from api.endpoint import Call
from api.v1.schemas import NO_NUL, VISIBLE, Model
from models.surveys import OPTION_MAX, OPTIONS_MAX, QUESTION_MAX, Survey
from services.surveys import results
from services.surveys.audience import Audience, Reach

# A zone, platform or kind-of-work code.
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_]+$")]
Option = Annotated[str, Field(max_length=OPTION_MAX, pattern=NO_NUL)]


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
