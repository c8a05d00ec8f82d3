"""The injury claim panel of an accident case's page: its stages with the day each was reached
and its deadline, and the forms to open the claim and move it on (the same services as the
chat and the API, with their refusals said on the page)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiohttp import web

from models import Case, Zone
from models.injury import InjuryScheme, InjuryStage
from services.errors import DomainError, Invalid
from services.injury import claims, progress
from services.injury.rules import allowed_moves
from services.injury.steps import deadline_source, for_zone
from services.local_time import time_zone
from web.guard import Desk, staff_only
from web.render import redirect

routes = web.RouteTableDef()
DONE = ("open", "stage")


def _today() -> date:
    return datetime.now(time_zone()).date()


async def injury_panel(desk: Desk, case: Case) -> dict[str, Any] | None:
    """What the case page shows of the injury claim (nothing for other categories)."""
    if case.category != claims.CATEGORY:
        return None
    today, lang = _today(), desk.lang
    done = desk.request.query.get("injury", "")
    claim = await claims.claim_of_case(desk.session, case_id=case.id)  # type: ignore[arg-type]
    if claim is None:
        zone = await desk.session.get(Zone, case.zone_id) if case.zone_id else None
        return {
            "claim": None,
            "schemes": list(InjuryScheme),
            "today": today,
            "scheme": for_zone(zone.code if zone else None).scheme,
            "done": "",
        }
    view = await claims.view_of(desk.session, claim=claim, case=case)
    rows = [
        {
            "stage": r.stage.value,
            "reached": r.reached_on.isoformat() if r.reached_on else "—",
            "due": r.due_on.isoformat() if r.due_on else "—",
            "overdue": r.overdue(today),
            "basis": deadline_source(lang, r.rule) if r.rule else "—",
            "current": r.stage is claim.stage,
        }
        for r in view.rows
    ]
    return {
        "claim": claim,
        "rows": rows,
        "moves": allowed_moves(claim.stage),
        "today": today,
        "next": view.next,
        "city": view.steps.name(lang),
        "done": done if done in DONE else "",
    }


def _day(raw: str, today: date) -> date:
    if not raw.strip():
        return today
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise Invalid("injury_bad_date", typed=raw[:20]) from None


async def _open(desk: Desk, case: Case, form: dict[str, str]) -> None:
    raw = form.get("scheme", "")
    if raw not in InjuryScheme.__members__:
        raise Invalid("injury_unknown_scheme", scheme=raw[:40])
    today = _today()
    await claims.open_claim(
        desk.session,
        case_id=case.id,
        actor=desk.me,
        today=today,  # type: ignore[arg-type]
        scheme=InjuryScheme(raw),
        accident_on=_day(accident, today) if (accident := form.get("accident_on", "")) else None,
        injury=form.get("injury", ""),
        hospital=form.get("hospital", ""),
    )


async def _stage(desk: Desk, case: Case, form: dict[str, str]) -> None:
    claim = await claims.claim_of_case(desk.session, case_id=case.id)  # type: ignore[arg-type]
    if claim is None:
        raise Invalid("injury_claim_not_found")
    raw = form.get("stage", "")
    if raw not in InjuryStage.__members__:
        raise Invalid("injury_unknown_stage", stage=raw[:40])
    today = _today()
    await progress.move_stage(
        desk.session,
        claim_id=claim.id,
        actor=desk.me,
        stage=InjuryStage(raw),  # type: ignore[arg-type]
        on=_day(form.get("on", ""), today),
        today=today,
        note=form.get("note", ""),
    )


ACTIONS = {"open": _open, "stage": _stage}


@routes.post("/cases/{ref}/injury/{action}", name="injury_action")
@staff_only
async def injury_action(desk: Desk) -> web.StreamResponse:
    from web.pages.case import _case, _render

    name = desk.request.match_info["action"]
    action = ACTIONS.get(name)
    if action is None:
        raise web.HTTPNotFound()
    case = await _case(desk)
    form = {k: str(v) for k, v in (await desk.request.post()).items()}
    try:
        async with desk.session.begin_nested():  # a refusal changes nothing
            await action(desk, case, form)
    except DomainError as exc:
        await desk.session.refresh(case)
        return await _render(
            desk, case, error=desk.t.error(exc.code, exc.params), status=exc.status
        )
    return redirect(desk.url("case", ref=case.ref, query={"injury": name}) + "#injury")
