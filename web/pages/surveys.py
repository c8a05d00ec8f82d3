"""Surveys and notices on the desk: the surveys list with a form to create one (it says how
many members it reaches before it is sent), a survey's results (overall, by zone, by
platform, free-text answers) with CSV and closing; notices with their progress and a form to
send one (preview first: how many, and how long at Telegram's limits)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy import select

from models import Zone
from models.surveys import SurveyKind
from models.types import utcnow
from services.errors import DomainError, Invalid
from services.local_time import time_zone
from services.membership.members import PLATFORMS, WORK_KINDS
from services.surveys import closing, notices, results
from services.surveys.audience import Audience, reach
from services.surveys.creation import SurveyDraft, check_draft, create_survey
from web.guard import Desk, staff_only
from web.render import csv_response, redirect

routes = web.RouteTableDef()
FIELDS = ("question", "kind", "options", "closes_at", "body")


def _audience(form: MultiDictProxy[Any]) -> Audience:
    return Audience.of(
        [str(v) for v in form.getall("zones", [])],
        [str(v) for v in form.getall("platforms", [])],
        [str(v) for v in form.getall("work_kinds", [])],
        form.get("activists") == "on",
    )


def _closing(raw: str) -> datetime:
    """A datetime-local value, read in the desk's time zone."""
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=time_zone())
    except ValueError:
        raise Invalid("desk_survey_time") from None


def _draft(form: MultiDictProxy[Any]) -> SurveyDraft:
    kind = str(form.get("kind", ""))
    if kind not in {k.value for k in SurveyKind}:
        raise Invalid("desk_survey_kind")
    return SurveyDraft(
        question=str(form.get("question", "")),
        kind=SurveyKind(kind),
        closes_at=_closing(str(form.get("closes_at", ""))),
        options=str(form.get("options", "")).splitlines(),
        audience=_audience(form),
        results_public=form.get("results_public") == "on",
    )


async def _choices(desk: Desk) -> dict[str, Any]:
    zones = list((await desk.session.execute(select(Zone).order_by(Zone.code))).scalars())
    if desk.zones is not None:
        zones = [z for z in zones if z.id in desk.zones]
    return {"zones": zones, "platforms": PLATFORMS, "work_kinds": WORK_KINDS}


def _filled(form: MultiDictProxy[Any] | None) -> dict[str, Any]:
    if form is None:
        empty: dict[str, Any] = dict.fromkeys(FIELDS, "")
        return {
            **empty,
            "kind": "single",
            "zones": [],
            "platforms": [],
            "work_kinds": [],
            "activists": False,
            "results_public": False,
        }
    filled: dict[str, Any] = {f: str(form.get(f, "")) for f in FIELDS}
    for many in ("zones", "platforms", "work_kinds"):
        filled[many] = [str(v) for v in form.getall(many, [])]
    filled["results_public"] = form.get("results_public") == "on"
    filled["activists"] = form.get("activists") == "on"
    return filled


async def _surveys_page(
    desk: Desk,
    *,
    form: MultiDictProxy[Any] | None = None,
    error: object = None,
    preview: object = None,
    status: int = 200,
) -> web.Response:
    return desk.render(
        "surveys.html",
        status=status,
        surveys=await results.surveys_for_staff(desk.session, viewer=desk.me),
        filled=_filled(form),
        error=error,
        preview=preview,
        **await _choices(desk),
    )


@routes.get("/surveys", name="surveys")
@staff_only
async def surveys_page(desk: Desk) -> web.StreamResponse:
    return await _surveys_page(desk)


@routes.post("/surveys", name="survey_create")
@staff_only
async def survey_create(desk: Desk) -> web.StreamResponse:
    """ "Check" shows how many members it reaches; "Send" creates and sends it."""
    form = await desk.request.post()
    try:
        async with desk.session.begin_nested():
            draft = _draft(form)
            if form.get("step") != "send":
                check_draft(draft, now=utcnow())
                found = await reach(
                    desk.session, actor=desk.me, audience=draft.audience, respect_mute=False
                )
                return await _surveys_page(desk, form=form, preview=found)
            survey = await create_survey(desk.session, author=desk.me, draft=draft)
    except DomainError as exc:
        error = desk.t.error(exc.code, exc.params)
        return await _surveys_page(desk, form=form, error=error, status=exc.status)
    return redirect(desk.url("survey", survey_id=str(survey.id)))


def _survey_id(desk: Desk) -> int:
    return int(desk.request.match_info["survey_id"])


@routes.get("/surveys/{survey_id:\\d{1,9}}", name="survey")
@staff_only
async def survey_page(desk: Desk) -> web.StreamResponse:
    found = await results.results(desk.session, survey_id=_survey_id(desk), viewer=desk.me)
    return desk.render("survey.html", found=found, closed=desk.request.query.get("closed") == "1")


@routes.get("/surveys/{survey_id:\\d{1,9}}/results.csv", name="survey_csv")
@staff_only
async def survey_csv(desk: Desk) -> web.StreamResponse:
    survey_id = _survey_id(desk)
    found = await results.results(desk.session, survey_id=survey_id, viewer=desk.me)
    header, rows = results.csv_rows(found)
    return csv_response(header, rows, filename=f"survey-{survey_id}.csv")


@routes.post("/surveys/{survey_id:\\d{1,9}}/close", name="survey_close")
@staff_only
async def survey_close(desk: Desk) -> web.StreamResponse:
    survey_id = _survey_id(desk)
    await closing.close_survey(desk.session, survey_id=survey_id, actor=desk.me)
    return redirect(desk.url("survey", survey_id=str(survey_id), query={"closed": "1"}))


# --- notices ---------------------------------------------------------------------------------


async def _notices_page(
    desk: Desk,
    *,
    form: MultiDictProxy[Any] | None = None,
    error: object = None,
    preview: object = None,
    status: int = 200,
) -> web.Response:
    rows = [
        (n, await notices.progress_of(desk.session, notice=n))
        for n in await notices.notices_for(desk.session, viewer=desk.me)
    ]
    return desk.render(
        "notices.html",
        status=status,
        notices=rows,
        filled=_filled(form),
        error=error,
        preview=preview,
        sent=desk.request.query.get("sent") == "1",
        **await _choices(desk),
    )


@routes.get("/notices", name="notices")
@staff_only
async def notices_page(desk: Desk) -> web.StreamResponse:
    return await _notices_page(desk)


@routes.post("/notices", name="notice_send")
@staff_only
async def notice_send(desk: Desk) -> web.StreamResponse:
    """ "Check" shows how many it reaches and how long sending takes; "Send" sends it."""
    form = await desk.request.post()
    try:
        async with desk.session.begin_nested():
            audience = _audience(form)
            if form.get("step") != "send":
                notices.check_body(str(form.get("body", "")))
                found = await notices.preview_notice(desk.session, actor=desk.me, audience=audience)
                return await _notices_page(desk, form=form, preview=found)
            await notices.send_notice(
                desk.session, author=desk.me, body=str(form.get("body", "")), audience=audience
            )
    except DomainError as exc:
        error = desk.t.error(exc.code, exc.params)
        return await _notices_page(desk, form=form, error=error, status=exc.status)
    return redirect(desk.url("notices", query={"sent": "1"}))
