"""Wage-arrears claims: a rider files one, adds evidence against the checklist, follows its
stages and deadline and downloads the summary PDF; representatives of the rider's zone move it
on, record money recovered and restarts of the deadline. Rules live in services.claims."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from api.endpoint import MAX_JSON, Call, links
from api.keys import CTX
from api.multipart import form_parts, read_part, read_text
from api.problems import language
from api.v1 import api
from api.v1.schemas import NO_NUL, Model
from models import Case, CaseEvent, User
from models.claims import (
    ClaimEvidence,
    ClaimStage,
    CounterpartyKind,
    Disclosure,
    WageClaim,
    WorkRelation,
)
from services import limits as lim
from services.cases.rider_view import claim_view
from services.claims import filing, progress, rules
from services.claims import reading as claims_reading
from services.claims.dates import parse_date
from services.claims.deadline import RESTART_REASONS
from services.claims.money import parse_amount, plain
from services.claims.pdf import claim_summary_pdf, timeline_text
from services.membership.members import require_member
from services.privacy.erasure import claimant_name, person_label

TAGS = ["claims"]
STAFF_TAGS = ["staff"]
# A recovery is recorded with its amount and day (POST .../recovery), never as a bare move.
MOVABLE = tuple(s.value for s in ClaimStage if s is not ClaimStage.recovered)


# --- models ------------------------------------------------------------------------------------


class ClaimIn(Model):
    counterparty_kind: CounterpartyKind
    counterparty_name: str = Field(
        min_length=lim.NOT_EMPTY, max_length=rules.NAME_LIMIT, description="who owes the pay"
    )
    relation: WorkRelation
    amount: str = Field(
        min_length=lim.NOT_EMPTY,
        max_length=lim.AMOUNT_TEXT_MAX,
        examples=["1234.50"],
        description="yuan as typed in chat: digits, at most two decimals (`1,200.50`, `¥80`)",
    )
    period_start: date
    period_end: date
    knew_on: date = Field(description="when the rider knew (or should have known) of the arrears")
    work_ongoing: bool = False
    work_ended_on: date | None = Field(default=None, description="required unless work_ongoing")
    orders: str = Field(
        default="", max_length=rules.ORDERS_LIMIT, description="order numbers, free text"
    )
    disclosure: Disclosure = Disclosure.name


class DeadlineOut(BaseModel):
    last_day: date | None = Field(description="the last day to bring the claim; null while working")
    runs_from: date | None = Field(description="the day the one-year period is counted from")
    basis: Literal["ongoing", "knew", "work_end", "restart"]


class ClaimOut(BaseModel):
    id: int
    case_id: int
    ref: str
    stage: ClaimStage
    outcome: Literal["full", "partial"] | None
    counterparty_kind: CounterpartyKind
    counterparty_name: str
    relation: WorkRelation
    amount_fen: int
    amount: str = Field(description="the same in yuan, e.g. `1234.50`")
    recovered_fen: int
    recovered_on: date | None
    period_start: date
    period_end: date
    knew_on: date
    work_ongoing: bool
    work_ended_on: date | None
    orders: str
    disclosure: Disclosure
    zone_id: int | None
    group_id: int | None
    deadline: DeadlineOut
    created_at: datetime
    updated_at: datetime


class ClaimList(BaseModel):
    claims: list[ClaimOut]


class ChecklistItem(BaseModel):
    item: str
    name: str
    hint: str
    files: int
    skipped: bool = Field(description="the rider said they do not have it")


class EvidenceOut(BaseModel):
    id: int
    item: str
    kind: str
    file_name: str | None
    mime_type: str | None
    size: int | None
    created_at: datetime


class ClaimDetail(ClaimOut):
    checklist: list[ChecklistItem]
    missing: list[str] = Field(description="checklist items with no file yet, most important first")
    evidence: list[EvidenceOut]


class HistoryOut(BaseModel):
    id: int
    kind: str
    at: datetime
    text: str = Field(description="the event in plain words, in the viewer's language")
    public: bool
    details: dict[str, Any]


class HistoryList(BaseModel):
    history: list[HistoryOut]


class StaffClaimDetail(ClaimDetail):
    rider: str | None
    assignee_id: int | None
    allowed_moves: list[ClaimStage] = Field(description="stages POST .../stage accepts now")
    history: list[HistoryOut] = Field(description="all the claim's events, internal ones too")


class StageIn(Model):
    stage: Literal[MOVABLE]  # type: ignore[valid-type]
    note: str = Field(default="", max_length=lim.REASON_MAX)


class RecoveryIn(Model):
    amount: str = Field(
        min_length=lim.NOT_EMPTY, max_length=lim.AMOUNT_TEXT_MAX, examples=["800.00"]
    )
    on: date = Field(description="the day the money came")


class RestartIn(Model):
    reason: Literal[RESTART_REASONS] = Field(  # type: ignore[valid-type]
        description="demand (asked the other side for payment), authority (asked an authority"
        " for help) or agreed (the other side agreed to pay)",
    )
    on: date


# --- building the answers ----------------------------------------------------------------------


async def claim_out(call: Call, claim: WageClaim, case: Case) -> ClaimOut:
    """Every field from `services.cases.rider_view`, the one place that decides what is read."""
    v = await claim_view(call.session, claim=claim, case=case)
    d = v.deadline
    return ClaimOut(
        id=v.id,
        case_id=v.case_id,
        ref=v.ref,
        stage=ClaimStage(v.stage),
        outcome=v.outcome,  # type: ignore[arg-type]
        counterparty_kind=CounterpartyKind(v.counterparty_kind),
        counterparty_name=v.counterparty_name,
        relation=WorkRelation(v.relation),
        amount_fen=v.amount_fen,
        amount=plain(v.amount_fen),
        recovered_fen=v.recovered_fen,
        recovered_on=v.recovered_on,
        period_start=v.period_start,
        period_end=v.period_end,
        knew_on=v.knew_on,
        work_ongoing=v.work_ongoing,
        work_ended_on=v.work_ended_on,
        orders=v.orders,
        disclosure=Disclosure(v.disclosure),
        zone_id=v.zone_id,
        group_id=v.group_id,
        deadline=DeadlineOut(last_day=d.last_day, runs_from=d.runs_from, basis=d.basis),
        created_at=v.created_at,
        updated_at=v.updated_at,
    )


def _evidence_out(ev: ClaimEvidence) -> EvidenceOut:
    return EvidenceOut(
        id=ev.id,  # type: ignore[arg-type]
        item=ev.item,
        kind=ev.kind,
        file_name=ev.file_name,
        mime_type=ev.mime_type,
        size=ev.size,
        created_at=ev.created_at,
    )


async def _detail_fields(call: Call, claim: WageClaim, case: Case) -> dict[str, Any]:
    lang = language(call.request)
    counts = await claims_reading.evidence_counts(call.session, claim=claim)
    checklist = [
        ChecklistItem(
            item=i,
            name=rules.item_name(lang, i),
            hint=rules.item_hint(lang, i),
            files=counts.get(i, 0),
            skipped=i in claim.evidence_skipped,
        )
        for i in rules.checklist(claim.relation)
    ]
    return {
        **(await claim_out(call, claim, case)).model_dump(),
        "checklist": checklist,
        "missing": await claims_reading.missing_items(call.session, claim=claim),
        "evidence": [
            _evidence_out(e) for e in await claims_reading.evidence_of(call.session, claim=claim)
        ],
    }


def _history(call: Call, events: list[CaseEvent]) -> list[HistoryOut]:
    lang = language(call.request)
    return [
        HistoryOut(
            id=e.id,  # type: ignore[arg-type]
            kind=e.kind,
            at=e.created_at,
            text=timeline_text(lang, e.kind, e.payload or {}),
            public=e.public,
            details=e.payload or {},
        )
        for e in events
    ]


async def detail(call: Call, claim: WageClaim, case: Case) -> ClaimDetail:
    return ClaimDetail(**await _detail_fields(call, claim, case))


async def _claimant(call: Call, rider: User | None) -> str | None:
    """A claimant who left is still named while the claim is pending (services/erasure.py)."""
    if rider is None:
        return None
    kept = await claimant_name(call.session, user=rider)
    return kept or person_label(rider, language(call.request))


async def staff_detail(call: Call, claim: WageClaim, case: Case) -> StaffClaimDetail:
    rider = await call.session.get(User, claim.rider_id)
    events = await claims_reading.claim_history(call.session, case=case, internal=True)
    return StaffClaimDetail(
        **await _detail_fields(call, claim, case),
        rider=await _claimant(call, rider),
        assignee_id=case.assignee_id,
        allowed_moves=progress.allowed_moves(claim.stage),
        history=_history(call, events),
    )


def _today(call: Call) -> date:
    return datetime.now(call.request.app[CTX].settings.zone).date()


def _day(value: date, today: date) -> date:
    """A date from the app checked as the chat checks a typed one (not ahead, not before 2000)."""
    return parse_date(value.isoformat(), today=today)


def _pdf(pdf: Any) -> web.Response:
    return web.Response(
        body=pdf.data,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{pdf.file_name}"'},
    )


ID = "$response.body#/id"
RIDER_NEXT = ("get_my_claim", "add_claim_evidence", "my_claim_history", "my_claim_summary_pdf")
STAFF_NEXT = (
    "staff_claim_detail",
    "move_claim_stage",
    "record_claim_recovery",
    "record_claim_restart",
    "staff_claim_summary_pdf",
)
RIDER_LINKS = links(*RIDER_NEXT, claim_id=ID)
STAFF_LINKS = links(*STAFF_NEXT, claim_id=ID)


# --- the evidence upload -----------------------------------------------------------------------

MULTIPART = {
    "type": "object",
    "required": ["item", "file"],
    "additionalProperties": False,
    "properties": {
        "item": {
            "type": "string",
            "minLength": 1,
            "maxLength": 32,
            "pattern": NO_NUL,
            "description": "a checklist item of the claim (see `checklist` in its detail)",
        },
        "file": {
            "type": "string",
            "format": "binary",
            "description": f"one file: a photo or one of {rules.EVIDENCE_EXTENSIONS}, recognised"
            " by its content; its name and type must agree with it",
        },
    },
    "encoding": {"item": {"contentType": "text/plain"}},
}


async def read_evidence(
    request: web.Request, max_bytes: int
) -> tuple[str, bytes, str | None, str | None]:
    """The `item` field and the one `file` part: (item, data, file name, content type)."""
    item: str | None = None
    found: tuple[bytes, str | None, str | None] | None = None
    async for part in form_parts(request):
        if part.name == "file":
            if found is not None:
                raise web.HTTPUnprocessableEntity(text="one file at a time")
            data = await read_part(part, max_bytes)
            found = (data, part.filename, part.headers.get("Content-Type"))
        elif part.name == "item":
            item = (await read_text(part, MAX_JSON)).strip()
        else:  # as JSON bodies refuse unknown fields
            raise web.HTTPUnprocessableEntity(text=f"unknown part {part.name!r}")
    if not item or found is None:
        raise web.HTTPUnprocessableEntity(text="send an `item` field and a `file` part")
    return item, *found


# --- a rider's claims --------------------------------------------------------------------------


@api.op(
    "POST",
    "/claims",
    body=ClaimIn,
    response=ClaimDetail,
    status=201,
    tags=TAGS,
    errors=[403],
    links=RIDER_LINKS,
)
async def file_wage_claim(call: Call) -> ClaimDetail:
    """File a wage claim (members only); evidence follows, item by item."""
    await require_member(call.session, user=call.me)  # refused before anything is read
    b, settings, today = call.body, call.request.app[CTX].settings, _today(call)
    form = filing.ClaimForm(
        counterparty_kind=b.counterparty_kind,
        counterparty_name=b.counterparty_name,
        relation=b.relation,
        amount_fen=parse_amount(b.amount, cap_fen=settings.claim_amount_cap_fen),
        period_start=_day(b.period_start, today),
        period_end=_day(b.period_end, today),
        knew_on=_day(b.knew_on, today),
        work_ongoing=b.work_ongoing,
        work_ended_on=_day(b.work_ended_on, today) if b.work_ended_on else None,
        orders=b.orders,
        disclosure=b.disclosure,
    )
    claim, case = await filing.file_claim(
        call.session, user=call.me, form=form, today=today, max_bytes=settings.evidence_max_bytes
    )
    return await detail(call, claim, case)


@api.op("GET", "/claims", response=ClaimList, tags=TAGS)
async def list_my_claims(call: Call) -> ClaimList:
    """My wage claims, newest first."""
    rows = await claims_reading.my_claims(call.session, user=call.me)
    return ClaimList(claims=[await claim_out(call, c, k) for c, k in rows])


@api.op(
    "GET",
    "/claims/{claim_id}",
    response=ClaimDetail,
    tags=TAGS,
    errors=[403, 404],
    links=links(*RIDER_NEXT[1:], claim_id=ID),
)
async def get_my_claim(call: Call) -> ClaimDetail:
    """One of my claims: amount, stage, deadline, the evidence checklist and files."""
    claim, case = await claims_reading.claim_for(
        call.session, claim_id=call.path_int("claim_id"), user=call.me
    )
    return await detail(call, claim, case)


@api.op(
    "POST",
    "/claims/{claim_id}/evidence",
    multipart=MULTIPART,
    response=ClaimDetail,
    status=201,
    tags=TAGS,
    errors=[403, 404, 409, 413, 415],
    links=links("get_my_claim", claim_id=ID),
)
async def add_claim_evidence(call: Call) -> ClaimDetail:
    """Add one evidence file against a checklist item (until the claim reaches arbitration)."""
    claim_id = call.path_int("claim_id")
    await claims_reading.claim_for(
        call.session, claim_id=claim_id, user=call.me
    )  # before reading a byte
    settings = call.request.app[CTX].settings
    item, data, name, ctype = await read_evidence(call.request, settings.evidence_max_bytes)
    claim = await progress.add_uploaded_evidence(
        call.session,
        claim_id=claim_id,
        user=call.me,
        item=item,
        data=data,
        file_name=name,
        content_type=ctype,
        dir=settings.upload_dir,
        max_bytes=settings.evidence_max_bytes,
    )
    _, case = await claims_reading.get_claim(call.session, claim_id=claim_id)
    return await detail(call, claim, case)


@api.op("GET", "/claims/{claim_id}/history", response=HistoryList, tags=TAGS, errors=[403, 404])
async def my_claim_history(call: Call) -> HistoryList:
    """What happened to my claim, oldest first (what the rider may see)."""
    _, case = await claims_reading.claim_for(
        call.session, claim_id=call.path_int("claim_id"), user=call.me
    )
    events = await claims_reading.claim_history(call.session, case=case, internal=False)
    return HistoryList(history=_history(call, events))


@api.op(
    "GET",
    "/claims/{claim_id}/summary.pdf",
    tags=TAGS,
    errors=[403, 404],
    content_type="application/pdf",
)
async def my_claim_summary_pdf(call: Call) -> web.Response:
    """My claim's summary as a PDF for mediation, arbitration or the 12351 hotline."""
    pdf = await claim_summary_pdf(
        call.session,
        claim_id=call.path_int("claim_id"),
        viewer=call.me,
        today=_today(call),
        tz=call.request.app[CTX].settings.timezone,
    )
    return _pdf(pdf)


# --- representatives ---------------------------------------------------------------------------


@api.op("GET", "/staff/claims", response=ClaimList, tags=STAFF_TAGS, errors=[403])
async def staff_claims(call: Call) -> ClaimList:
    """Open claims of my zones, the nearest deadline first."""
    rows = await claims_reading.zone_claims(call.session, actor=call.me)
    return ClaimList(claims=[await claim_out(call, c, k) for c, k in rows])


async def _staff_claim(call: Call) -> tuple[WageClaim, Case]:
    return await claims_reading.claim_for_staff(
        call.session, claim_id=call.path_int("claim_id"), actor=call.me
    )


@api.op(
    "GET",
    "/staff/claims/{claim_id}",
    response=StaffClaimDetail,
    tags=STAFF_TAGS,
    errors=[403, 404],
    links=links(*STAFF_NEXT[1:], claim_id=ID),
)
async def staff_claim_detail(call: Call) -> StaffClaimDetail:
    """A claim of my zones with its whole history and the stages it may move to."""
    return await staff_detail(call, *await _staff_claim(call))


@api.op(
    "POST",
    "/staff/claims/{claim_id}/stage",
    body=StageIn,
    response=StaffClaimDetail,
    tags=STAFF_TAGS,
    errors=[403, 404, 409],
    links=STAFF_LINKS,
)
async def move_claim_stage(call: Call) -> StaffClaimDetail:
    """Move the claim on (forward only, or withdrawn/lost); the rider is told. 409 when the
    stage cannot follow the current one."""
    claim = await progress.move_stage(
        call.session,
        claim_id=call.path_int("claim_id"),
        actor=call.me,
        stage=ClaimStage(call.body.stage),
        note=call.body.note,
    )
    return await staff_detail(
        call, *await claims_reading.get_claim(call.session, claim_id=claim.id)
    )  # type: ignore[arg-type]


@api.op(
    "POST",
    "/staff/claims/{claim_id}/recovery",
    body=RecoveryIn,
    response=StaffClaimDetail,
    tags=STAFF_TAGS,
    errors=[403, 404, 409],
    links=STAFF_LINKS,
)
async def record_claim_recovery(call: Call) -> StaffClaimDetail:
    """Money came back, all or part of it, on a day: the claim ends `recovered`."""
    today = _today(call)
    claim_id = call.path_int("claim_id")
    await _staff_claim(call)  # who may, before what they typed is checked
    fen = parse_amount(
        call.body.amount, cap_fen=call.request.app[CTX].settings.claim_amount_cap_fen
    )
    await progress.record_recovery(
        call.session,
        claim_id=claim_id,
        actor=call.me,
        amount_fen=fen,
        on=_day(call.body.on, today),
        today=today,
    )
    return await staff_detail(
        call, *await claims_reading.get_claim(call.session, claim_id=claim_id)
    )


@api.op(
    "POST",
    "/staff/claims/{claim_id}/restart",
    body=RestartIn,
    response=StaffClaimDetail,
    tags=STAFF_TAGS,
    errors=[403, 404, 409],
    links=STAFF_LINKS,
)
async def record_claim_restart(call: Call) -> StaffClaimDetail:
    """A demand for payment, a request to an authority or the other side agreeing to pay, on a
    day: the one-year deadline runs again from it; the rider is told."""
    today = _today(call)
    claim_id = call.path_int("claim_id")
    await _staff_claim(call)  # a representative of the claim's zone, not the rider themselves
    await progress.record_restart(
        call.session,
        claim_id=claim_id,
        user=call.me,
        reason=call.body.reason,
        on=_day(call.body.on, today),
        today=today,
    )
    return await staff_detail(
        call, *await claims_reading.get_claim(call.session, claim_id=claim_id)
    )


@api.op(
    "GET",
    "/staff/claims/{claim_id}/summary.pdf",
    tags=STAFF_TAGS,
    errors=[403, 404],
    content_type="application/pdf",
)
async def staff_claim_summary_pdf(call: Call) -> web.Response:
    """The claim's summary PDF (in the rider's language, as it is handed on for them)."""
    await _staff_claim(call)
    pdf = await claim_summary_pdf(
        call.session,
        claim_id=call.path_int("claim_id"),
        viewer=call.me,
        today=_today(call),
        tz=call.request.app[CTX].settings.timezone,
    )
    return _pdf(pdf)
