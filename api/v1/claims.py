"""Wage-arrears claims: a rider files one, adds evidence against the checklist, follows its
stages and deadline and downloads the summary PDF; representatives of the rider's zone move it
on, record money recovered and restarts of the deadline. Rules live in services.claims."""

from __future__ import annotations

from aiohttp import web

from api.endpoint import Call, links
from api.keys import CTX
from api.v1 import api
from api.v1.claim_answers import (
    ID,
    MULTIPART,
    RIDER_LINKS,
    RIDER_NEXT,
    STAFF_LINKS,
    STAFF_NEXT,
    _day,
    _history,
    _pdf,
    _today,
    claim_out,
    detail,
    read_evidence,
    staff_detail,
)
from api.v1.claim_schemas import (
    ClaimDetail,
    ClaimIn,
    ClaimList,
    HistoryList,
    RecoveryIn,
    RestartIn,
    StaffClaimDetail,
    StageIn,
)
from models import Case
from models.claims import (
    ClaimStage,
    WageClaim,
)
from services.claims import filing, progress
from services.claims import reading as claims_reading
from services.claims.money import parse_amount
from services.claims.pdf import claim_summary_pdf
from services.membership.members import require_member

TAGS = ["claims"]
STAFF_TAGS = ["staff"]


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
