"""Accident help: a rider reads the steps of their city after an accident and follows their
injury claims; representatives of the case's zone open the injury claim of an accident case
and move it through its stages, each on its day. Rules live in services.injury."""

from __future__ import annotations

from datetime import date, datetime

from aiohttp import web
from pydantic import BaseModel, Field

from api.endpoint import Call, links
from api.keys import CTX
from api.v1 import api
from api.v1.schemas import Model
from models.injury import InjuryScheme, InjuryStage
from services.injury import claims, progress
from services.injury.claims import HOSPITAL_LIMIT, INJURY_LIMIT, ClaimView
from services.injury.notices import steps_city
from services.injury.pdf import injury_summary_pdf
from services.injury.progress import NOTE_LIMIT

TAGS = ["accident"]
STAFF_TAGS = ["staff"]
ID = "$response.body#/id"


class TellOut(BaseModel):
    who: str
    within_hours: int


class StepsOut(BaseModel):
    city: str = Field(description="the steps file that applies (the rider's zone's city)")
    name: str
    now: list[str]
    keep: list[str]
    tell: list[TellOut]


class StageOut(BaseModel):
    stage: InjuryStage
    reached_on: date | None
    due_on: date | None = Field(description="none while it counts from a stage not reached")
    source: str | None = Field(description="the rule the deadline comes from")
    demo: bool = Field(description="true: the deadline is a demo figure, not a cited rule")
    overdue: bool


class InjuryClaimOut(BaseModel):
    id: int
    case_id: int
    ref: str
    scheme: InjuryScheme
    city: str
    accident_on: date
    injury: str
    hospital: str
    stage: InjuryStage
    stage_on: date
    next_stage: InjuryStage | None
    next_due: date | None
    allowed_moves: list[InjuryStage]
    stages: list[StageOut]
    created_at: datetime
    updated_at: datetime


class InjuryClaimList(BaseModel):
    claims: list[InjuryClaimOut]


class InjuryOpenIn(Model):
    scheme: InjuryScheme | None = Field(default=None, description="default: the city's own")
    accident_on: date | None = Field(default=None, description="default: the day reported")
    injury: str = Field(default="", max_length=INJURY_LIMIT)
    hospital: str = Field(default="", max_length=HOSPITAL_LIMIT)


class InjuryStageIn(Model):
    stage: InjuryStage = Field(description="the next stage only; refused once submitted")
    on: date | None = Field(default=None, description="the day it happened (default today)")
    note: str = Field(default="", max_length=NOTE_LIMIT)


def _today(call: Call) -> date:
    return datetime.now(call.request.app[CTX].settings.zone).date()


def claim_out(call: Call, view: ClaimView) -> InjuryClaimOut:
    from services.injury.rules import allowed_moves

    c, today = view.claim, _today(call)
    return InjuryClaimOut(
        id=c.id,  # type: ignore[arg-type]
        case_id=c.case_id,
        ref=view.case.ref,
        scheme=c.scheme,
        city=c.city,
        accident_on=c.accident_on,
        injury=c.injury,
        hospital=c.hospital,
        stage=c.stage,
        stage_on=c.stage_on,
        next_stage=view.next[0] if view.next else None,
        next_due=view.next[1] if view.next else None,
        allowed_moves=allowed_moves(c.stage),
        stages=[
            StageOut(
                stage=r.stage,
                reached_on=r.reached_on,
                due_on=r.due_on,
                source=r.rule.source or None if r.rule else None,
                demo=r.rule is not None and not r.rule.source,
                overdue=r.overdue(today),
            )
            for r in view.rows
        ],
        created_at=c.created_at,
        updated_at=c.updated_at,
    )


async def _view(call: Call, claim_id: int) -> ClaimView:
    claim, case = await claims.claim_for(call.session, claim_id=claim_id, user=call.me)
    return await claims.view_of(call.session, claim=claim, case=case)


@api.op("GET", "/accident/steps", response=StepsOut, tags=TAGS)
async def accident_steps(call: Call) -> StepsOut:
    """What to do after an accident where I ride: now, what to keep, whom to tell by when."""
    lang = call.me.language
    steps = await steps_city(call.session, user=call.me)
    return StepsOut(
        city=steps.city,
        name=steps.name(lang),
        now=[line(lang) for line in steps.now],
        keep=[line(lang) for line in steps.keep],
        tell=[TellOut(who=t.who(lang), within_hours=t.within_hours) for t in steps.tell],
    )


@api.op("GET", "/injury-claims", response=InjuryClaimList, tags=TAGS)
async def list_my_injury_claims(call: Call) -> InjuryClaimList:
    """My injury claims with their stages and deadlines."""
    out = []
    for claim in await claims.my_claims(call.session, user=call.me):
        out.append(claim_out(call, await _view(call, claim.id)))  # type: ignore[arg-type]
    return InjuryClaimList(claims=out)


@api.op(
    "GET",
    "/injury-claims/{claim_id}",
    response=InjuryClaimOut,
    tags=TAGS,
    errors=[403, 404],
    links=links("injury_claim_summary_pdf", claim_id=ID),
)
async def get_injury_claim(call: Call) -> InjuryClaimOut:
    """One injury claim (its rider's, or one of a representative's zones)."""
    return claim_out(call, await _view(call, call.path_int("claim_id")))


@api.op(
    "GET",
    "/injury-claims/{claim_id}/summary.pdf",
    tags=TAGS,
    errors=[403, 404],
    content_type="application/pdf",
)
async def injury_claim_summary_pdf(call: Call) -> web.Response:
    """The claim's summary as a PDF, in the rider's language."""
    pdf = await injury_summary_pdf(
        call.session, claim_id=call.path_int("claim_id"), viewer=call.me, today=_today(call)
    )
    return web.Response(
        body=pdf.data,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{pdf.file_name}"'},
    )


@api.op(
    "POST",
    "/staff/cases/{case_id}/injury-claim",
    body=InjuryOpenIn,
    response=InjuryClaimOut,
    status=201,
    tags=STAFF_TAGS,
    errors=[403, 404, 409, 422],
    links=links("get_injury_claim", "move_injury_stage", claim_id=ID),
)
async def open_injury_claim(call: Call) -> InjuryClaimOut:
    """Open the injury claim of an accident case of my zones; the rider is told."""
    b = call.body
    view = await claims.open_claim(
        call.session,
        case_id=call.path_int("case_id"),
        actor=call.me,
        today=_today(call),
        scheme=b.scheme,
        accident_on=b.accident_on,
        injury=b.injury,
        hospital=b.hospital,
        tz=call.request.app[CTX].settings.timezone,
    )
    return claim_out(call, view)


@api.op(
    "POST",
    "/staff/injury-claims/{claim_id}/stage",
    body=InjuryStageIn,
    response=InjuryClaimOut,
    tags=STAFF_TAGS,
    errors=[403, 404, 409, 422],
    links=links("get_injury_claim", claim_id=ID),
)
async def move_injury_stage(call: Call) -> InjuryClaimOut:
    """Move the claim to its next stage on the day it happened; the rider is told. Skipping a
    stage (409) or a day still to come (422) is refused with a sentence saying why."""
    today, b = _today(call), call.body
    view = await progress.move_stage(
        call.session,
        claim_id=call.path_int("claim_id"),
        actor=call.me,
        stage=b.stage,
        on=b.on or today,
        today=today,
        note=b.note,
    )
    return claim_out(call, view)
