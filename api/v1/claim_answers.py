"""How a wage claim becomes the API's answer (rider's and staff's), PDFs, and reading an
evidence upload."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiohttp import web

from api.endpoint import MAX_JSON, Call, links
from api.keys import CTX
from api.multipart import form_parts, read_part, read_text
from api.problems import language
from api.v1.claim_schemas import (
    ChecklistItem,
    ClaimDetail,
    ClaimOut,
    DeadlineOut,
    EvidenceOut,
    HistoryOut,
    StaffClaimDetail,
)
from api.v1.schemas import NO_NUL
from models import Case, CaseEvent, User
from models.claims import (
    ClaimEvidence,
    ClaimStage,
    CounterpartyKind,
    Disclosure,
    WageClaim,
    WorkRelation,
)
from services.cases.rider_view import claim_view
from services.claims import progress, rules
from services.claims import reading as claims_reading
from services.claims.dates import parse_date
from services.claims.money import plain
from services.claims.pdf import timeline_text
from services.privacy.erasure import claimant_name, person_label


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
