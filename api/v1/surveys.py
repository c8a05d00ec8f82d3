"""Surveys, for representatives and admins: see how many an audience reaches, create, list,
read and close surveys, their results and CSV. Members answer in survey_answers, notices are in
notices. Who may see what is checked in services.surveys."""

from __future__ import annotations

from aiohttp import web

from api.endpoint import Call, links
from api.v1 import api
from api.v1.survey_schemas import (
    AudienceIn,
    ReachOut,
    ResultsOut,
    SurveyIn,
    SurveyList,
    SurveyOut,
    reach_out,
    results_out,
    survey_out,
)
from models.surveys import SurveyKind
from services.csv_export import csv_bytes
from services.surveys import closing, creation, results
from services.surveys.audience import reach
from services.surveys.creation import SurveyDraft

TAGS = ["surveys"]
SURVEY_LINKS = links(
    "get_survey", "close_survey", "survey_results", "survey_results_csv",
    survey_id="$response.body#/id",
)  # fmt: skip


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
