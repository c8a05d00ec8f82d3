"""Members: the surveys they were asked, and their answer (changed until the survey closes).
Who may answer what is checked in services.surveys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from api.endpoint import MAX_ID, Call
from api.v1 import api
from api.v1.schemas import Model
from api.v1.survey_schemas import SurveyOut, survey_out
from models.surveys import OPTIONS_MAX, TEXT_ANSWER_MAX, Survey, SurveyAnswer
from services.surveys import answering, results

TAGS = ["surveys"]


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
