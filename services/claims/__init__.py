"""Wage-arrears claims: a rider files one, representatives of the rider's zone move it
through negotiation, mediation and arbitration, and the one-year deadline is watched.

A claim is a case (category `wage_arrears`, a `C-<year>-<n>` ref from the cases counter) with
its facts in `wage_claim`; every change is a CaseEvent on the case's one timeline (kinds
`claim_*`), and the rider hears of each change in plain words through the outbox.
"""

from __future__ import annotations

import hashlib
import tomllib
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, CaseStatus, User, Zone
from models.claims import (
    ClaimEvidence,
    ClaimGroup,
    ClaimReminder,
    ClaimStage,
    CounterpartyKind,
    Disclosure,
    WageClaim,
    WorkRelation,
)
from models.types import utcnow
from services.cases import cards, next_ref
from services.cases.access import case_for_staff, is_staff, staff_zone_ids
from services.cases.attachments import Upload, save_upload, sniff_image
from services.cases.events import move, on_duty_staff, record
from services.claims.deadline import RESTART_REASONS, Deadline, claim_deadline, reminders_due
from services.claims.money import yuan
from services.errors import Conflict, Invalid, NotFound
from services.membership import require_member
from services.outbox import notify
from services.privacy.erasure import release_claimant
from services.texts import text

CATEGORY = "wage_arrears"
S = ClaimStage
OPEN_STAGES = (S.intake, S.evidence, S.negotiation, S.mediation, S.arbitration)
FINAL_STAGES = (S.recovered, S.withdrawn, S.lost)
# From arbitration on, the claim stands as it was submitted: facts and evidence are locked.
LOCKED_STAGES = (S.arbitration, *FINAL_STAGES)
ORDER = {stage: i for i, stage in enumerate(OPEN_STAGES)}
NAME_LIMIT = 100
ORDERS_LIMIT = 1000
EVIDENCE_TYPES = {
    "application/pdf", "image/jpeg", "image/png", "image/webp", "image/heic", "text/plain",
    "text/csv", "application/msword", "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "audio/mpeg", "audio/mp4", "audio/amr", "audio/ogg", "video/mp4",
}  # fmt: skip
EVIDENCE_EXTENSIONS = "pdf jpg jpeg png webp heic txt csv doc docx xls xlsx mp3 m4a amr ogg mp4"
DATA = Path(__file__).resolve().parents[1] / "data" / "evidence.toml"


# --- the evidence checklist ----------------------------------------------------------------


@cache
def _evidence() -> dict[str, Any]:
    raw = tomllib.loads(DATA.read_text(encoding="utf-8"))
    for relation in WorkRelation:
        unknown = set(raw["relations"][relation.value]) - set(raw["items"])
        if unknown:
            raise ValueError(f"{DATA.name}: {relation.value} lists unknown items {unknown}")
    return raw


def checklist(relation: WorkRelation | str) -> list[str]:
    """The evidence items that matter for this work relation, most important first."""
    return list(_evidence()["relations"][WorkRelation(relation).value])


def item_name(lang: str, item: str) -> str:
    entry = _evidence()["items"].get(item)
    if entry is None:
        raise Invalid("evidence_item_unknown")
    return str(entry.get(lang) or entry["zh"])


def item_hint(lang: str, item: str) -> str:
    entry = _evidence()["items"][item]
    return str(entry.get(f"hint_{lang}") or entry["hint_zh"])


@dataclass(frozen=True)
class EvidenceFile:
    item: str
    file_id: str
    kind: str = "photo"  # photo | document
    file_unique_id: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None


def check_evidence_file(ev: EvidenceFile, *, max_bytes: int) -> None:
    """Refuses files over the size limit and types a mediator could not open."""
    if ev.size is not None and ev.size > max_bytes:
        raise Invalid("evidence_too_big", limit_mb=round(max_bytes / (1024 * 1024), 1))
    if ev.kind == "photo":
        return
    ext = (ev.file_name or "").rsplit(".", 1)[-1].lower() if "." in (ev.file_name or "") else ""
    if (ev.mime_type or "") not in EVIDENCE_TYPES and ext not in EVIDENCE_EXTENSIONS.split():
        raise Invalid("evidence_type", allowed=EVIDENCE_EXTENSIONS.replace(" ", ", "))


# Evidence uploaded from the app is recognised by its first bytes, never by its name: each
# signature with the types it can be (extension -> mime type); zip, OLE and plain text hold
# several, and the file's name picks one of those.
_SIGNATURES: tuple[tuple[int, bytes, dict[str, str]], ...] = (
    (0, b"%PDF-", {"pdf": "application/pdf"}),
    (4, b"ftyp", {"mp4": "video/mp4", "m4a": "audio/mp4", "heic": "image/heic"}),
    (0, b"ID3", {"mp3": "audio/mpeg"}),
    (0, b"\xff\xfb", {"mp3": "audio/mpeg"}),
    (0, b"OggS", {"ogg": "audio/ogg"}),
    (0, b"#!AMR", {"amr": "audio/amr"}),
    (0, b"PK\x03\x04", {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
     {"doc": "application/msword", "xls": "application/vnd.ms-excel"}),
)  # fmt: skip
_TEXT = {"txt": "text/plain", "csv": "text/csv"}


def sniff_evidence(data: bytes) -> dict[str, str] | None:
    """What an evidence file can be by its content (extension -> mime type), or None."""
    if image := sniff_image(data):
        mime, ext = image
        return {"jpg": mime, "jpeg": mime} if mime == "image/jpeg" else {ext[1:]: mime}
    for offset, magic, types in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return types
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if decoded and not any(ord(ch) < 32 and ch not in "\t\r\n\f" for ch in decoded):
        return _TEXT
    return None


@dataclass(frozen=True)
class EvidenceUpload:
    """An evidence file from the app, checked and not yet on disk."""

    evidence: EvidenceFile
    upload: Upload


def check_evidence_upload(
    data: bytes,
    *,
    item: str,
    file_name: str | None,
    content_type: str | None,
    dir: Path | str,
    max_bytes: int,
) -> EvidenceUpload:
    """The content decides what the file is; a name or content type saying otherwise is
    refused (a text file called `.jpg` is not a photo). Kept by its SHA-256 under `dir`."""
    name = " ".join((file_name or "").split())[-200:] or None
    types = sniff_evidence(data)
    if types is None:
        raise Invalid("evidence_type", allowed=EVIDENCE_EXTENSIONS.replace(" ", ", "))
    ext = name.rsplit(".", 1)[-1].lower() if name and "." in name else ""
    declared = (content_type or "").split(";")[0].strip().lower()
    said = {*types.values(), "image/jpg" if "jpg" in types else "", "application/octet-stream", ""}
    if (ext and ext not in types) or declared not in said:
        raise Invalid("evidence_mismatch", name=name or declared, found=", ".join(types))
    ext = ext or next(iter(types))
    mime = types[ext]
    digest = hashlib.sha256(data).hexdigest()
    upload = Upload(data=data, mime_type=mime, sha256=digest, ext="." + ext)
    # The app's files have no Telegram file id: the stored path stands in, the hash is unique.
    ev = EvidenceFile(
        item=item, file_id=str(upload.path_in(dir)), file_unique_id=digest, file_name=name,
        kind="photo" if sniff_image(data) else "document", mime_type=mime, size=len(data),
    )  # fmt: skip
    check_evidence_file(ev, max_bytes=max_bytes)
    return EvidenceUpload(ev, upload)


# --- checking what the rider typed -----------------------------------------------------------


def clean_counterparty(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise Invalid("counterparty_empty")
    if len(name) > NAME_LIMIT:
        raise Invalid("counterparty_too_long", limit=NAME_LIMIT)
    return name


def counterparty_key(name: str) -> str:
    """The name folded so `顺丰 速运`, `顺丰速运` and `ＳＦ` vs `sf` group together."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())[:128]


def check_period(start: date, end: date) -> None:
    if end < start:
        raise Invalid("period_end_before_start", start=start.isoformat(), end=end.isoformat())


def check_work_end(ended: date, *, period_start: date) -> None:
    if ended < period_start:
        raise Invalid("work_end_before_period", start=period_start.isoformat())


def clean_orders(raw: str) -> str:
    orders = raw.strip()
    if len(orders) > ORDERS_LIMIT:
        raise Invalid("orders_too_long", limit=ORDERS_LIMIT)
    return orders


# --- filing ------------------------------------------------------------------------------


@dataclass
class ClaimForm:
    counterparty_kind: CounterpartyKind
    counterparty_name: str
    relation: WorkRelation
    amount_fen: int
    period_start: date
    period_end: date
    knew_on: date
    work_ongoing: bool = False
    work_ended_on: date | None = None
    orders: str = ""
    disclosure: Disclosure = Disclosure.name
    evidence: list[EvidenceFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


async def restart_dates(session: AsyncSession, *, claim: WageClaim) -> list[date]:
    rows = await session.execute(
        select(CaseEvent.payload).where(
            CaseEvent.case_id == claim.case_id, CaseEvent.kind == "claim_restart"
        )
    )
    return [date.fromisoformat(p["on"]) for p in rows.scalars()]


async def deadline_of(session: AsyncSession, *, claim: WageClaim) -> Deadline:
    return claim_deadline(
        knew_on=claim.knew_on,
        work_ongoing=claim.work_ongoing,
        work_ended_on=claim.work_ended_on,
        restarts=await restart_dates(session, claim=claim),
    )


async def file_claim(
    session: AsyncSession, *, user: User, form: ClaimForm, today: date, max_bytes: int
) -> tuple[WageClaim, Case]:
    """A member files a claim: a numbered case, the claim's facts, its evidence, the deadline,
    and the zone's representatives told."""
    membership = await require_member(session, user=user)
    name = clean_counterparty(form.counterparty_name)
    check_period(form.period_start, form.period_end)
    for day in (form.period_start, form.period_end, form.knew_on, form.work_ended_on):
        if day is not None and day > today:
            raise Invalid("date_in_future", typed=day.isoformat(), today=today.isoformat())
    if form.work_ongoing:
        form.work_ended_on = None
    elif form.work_ended_on is None:
        raise Invalid("work_end_missing")
    else:
        check_work_end(form.work_ended_on, period_start=form.period_start)
    if form.amount_fen <= 0:
        raise Invalid("amount_not_positive")
    items = checklist(form.relation)
    for ev in form.evidence:
        if ev.item not in items:
            raise Invalid("evidence_item_unknown")
        check_evidence_file(ev, max_bytes=max_bytes)
    now = utcnow()
    case = Case(
        ref=await next_ref(session, year=now.year),
        rider_id=user.id,
        zone_id=membership.zone_id,
        category=CATEGORY,
        summary=f"{name} · {yuan(form.amount_fen)}",
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    await session.flush()
    claim = WageClaim(
        case_id=case.id,  # type: ignore[arg-type]
        rider_id=user.id,  # type: ignore[arg-type]
        zone_id=membership.zone_id,
        counterparty_kind=form.counterparty_kind,
        counterparty_name=name,
        counterparty_key=counterparty_key(name),
        relation=form.relation,
        amount_fen=form.amount_fen,
        period_start=form.period_start,
        period_end=form.period_end,
        orders=clean_orders(form.orders),
        work_ongoing=form.work_ongoing,
        work_ended_on=form.work_ended_on,
        knew_on=form.knew_on,
        disclosure=form.disclosure,
        evidence_skipped=sorted(set(form.skipped) - {ev.item for ev in form.evidence}),
        created_at=now,
        updated_at=now,
    )
    session.add(claim)
    await session.flush()
    for ev in form.evidence:
        session.add(_evidence_row(claim, ev, uploader=user))
    deadline = await _recompute(session, claim)
    await record(
        session, case, actor=user, kind="claim_filed", public=True, notice=False,
        text=f"{name} {yuan(form.amount_fen)}", amount_fen=form.amount_fen,
        deadline=deadline.last_day.isoformat() if deadline.last_day else None,
        evidence=len(form.evidence),
    )  # fmt: skip
    for rep in await on_duty_staff(session, zone_id=claim.zone_id):
        row = await notify(
            session, user=rep, key="claims.staff_new",
            reply_markup=open_button(rep.language, claim), ref=case.ref,
            who=user.display_name or "—", counterparty=name, amount=yuan(claim.amount_fen),
            relation=text(rep.language, f"claims.rel.{claim.relation.value}"),
        )  # fmt: skip
        # Remembered, so a stage move shows on every representative's copy.
        await cards.send_claim_notice(session, case=case, row=row, lang=rep.language)
    return claim, case


def open_button(lang: str, claim: WageClaim) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [{"text": text(lang, "btn.claim_open"), "callback_data": f"wc:o:{claim.id}:"}]
        ]
    }


def _evidence_row(claim: WageClaim, ev: EvidenceFile, *, uploader: User) -> ClaimEvidence:
    return ClaimEvidence(
        claim_id=claim.id,  # type: ignore[arg-type]
        item=ev.item,
        kind=ev.kind,
        file_id=ev.file_id,
        file_unique_id=ev.file_unique_id,
        file_name=ev.file_name,
        mime_type=ev.mime_type,
        size=ev.size,
        uploader_id=uploader.id,
    )


async def _recompute(session: AsyncSession, claim: WageClaim) -> Deadline:
    deadline = await deadline_of(session, claim=claim)
    claim.deadline_on = deadline.last_day
    claim.deadline_basis = deadline.basis
    claim.updated_at = utcnow()
    await session.flush()
    return deadline


# --- reading claims ------------------------------------------------------------------------


async def get_claim(session: AsyncSession, *, claim_id: int) -> tuple[WageClaim, Case]:
    claim = await session.get(WageClaim, claim_id)
    if claim is None:
        raise NotFound("claim_not_found")
    case = await session.get(Case, claim.case_id)
    assert case is not None
    return claim, case


async def claim_for(session: AsyncSession, *, claim_id: int, user: User) -> tuple[WageClaim, Case]:
    """The rider's own claim, or any claim of a representative's zones."""
    claim, case = await get_claim(session, claim_id=claim_id)
    if claim.rider_id == user.id:
        return claim, case
    if not is_staff(user):
        raise NotFound("claim_not_found")  # do not confirm someone else's claim exists
    await case_for_staff(session, case_id=case.id, actor=user)  # type: ignore[arg-type]
    return claim, case


async def claim_for_staff(
    session: AsyncSession, *, claim_id: int, actor: User
) -> tuple[WageClaim, Case]:
    claim, case = await get_claim(session, claim_id=claim_id)
    await case_for_staff(session, case_id=case.id, actor=actor)  # type: ignore[arg-type]
    return claim, case


async def my_claims(session: AsyncSession, *, user: User) -> list[tuple[WageClaim, Case]]:
    rows = await session.execute(
        select(WageClaim, Case)
        .join(Case, Case.id == WageClaim.case_id)
        .where(WageClaim.rider_id == user.id)
        .order_by(WageClaim.id.desc())
    )
    return [(c, k) for c, k in rows.all()]


async def zone_claims(session: AsyncSession, *, actor: User) -> list[tuple[WageClaim, Case]]:
    """Open claims of the representative's zones, the nearest deadline first."""
    zones = await staff_zone_ids(session, user=actor)
    query = (
        select(WageClaim, Case)
        .join(Case, Case.id == WageClaim.case_id)
        .where(WageClaim.stage.in_(OPEN_STAGES))
    )
    if zones is not None:
        query = query.where(WageClaim.zone_id.in_(zones))
    rows = (await session.execute(query.order_by(WageClaim.id))).all()
    return sorted(((c, k) for c, k in rows), key=lambda r: (r[0].deadline_on or date.max, r[0].id))


async def evidence_of(session: AsyncSession, *, claim: WageClaim) -> list[ClaimEvidence]:
    rows = await session.execute(
        select(ClaimEvidence).where(ClaimEvidence.claim_id == claim.id).order_by(ClaimEvidence.id)
    )
    return list(rows.scalars())


async def evidence_counts(session: AsyncSession, *, claim: WageClaim) -> dict[str, int]:
    """How many files the claim has for each checklist item."""
    return dict(Counter(e.item for e in await evidence_of(session, claim=claim)))


async def missing_items(session: AsyncSession, *, claim: WageClaim) -> list[str]:
    have = {e.item for e in await evidence_of(session, claim=claim)}
    return [item for item in checklist(claim.relation) if item not in have]


async def timeline(session: AsyncSession, *, case: Case) -> list[CaseEvent]:
    rows = await session.execute(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    )
    return list(rows.scalars())


async def claim_history(session: AsyncSession, *, case: Case, internal: bool) -> list[CaseEvent]:
    """The claim's events on the case timeline; riders see only those marked public."""
    return [
        e
        for e in await timeline(session, case=case)
        if e.kind.startswith("claim_") and (internal or e.public)
    ]


# --- what riders and representatives change ---------------------------------------------------


def _unlocked(claim: WageClaim, case: Case) -> None:
    if claim.stage in LOCKED_STAGES:
        raise Conflict("claim_locked", ref=case.ref, stage=claim.stage.value)


async def add_evidence(
    session: AsyncSession, *, claim_id: int, user: User, files: list[EvidenceFile], max_bytes: int
) -> WageClaim:
    claim, case = await claim_for(session, claim_id=claim_id, user=user)
    _unlocked(claim, case)
    items = checklist(claim.relation)
    for ev in files:
        if ev.item not in items:
            raise Invalid("evidence_item_unknown")
        check_evidence_file(ev, max_bytes=max_bytes)
        session.add(_evidence_row(claim, ev, uploader=user))
    claim.evidence_skipped = [i for i in claim.evidence_skipped if i not in {f.item for f in files}]
    await record(
        session, case, actor=user, kind="claim_evidence", public=True, notice=False,
        text=", ".join(sorted({item_name("zh", f.item) for f in files})),
        items=sorted({f.item for f in files}), count=len(files),
    )  # fmt: skip
    claim.updated_at = utcnow()
    if user.id == claim.rider_id:
        await _tell_staff(session, claim, case, key="claims.staff_evidence", count=len(files))
    return claim


async def add_uploaded_evidence(
    session: AsyncSession,
    *,
    claim_id: int,
    user: User,
    item: str,
    data: bytes,
    file_name: str | None,
    content_type: str | None,
    dir: Path | str,
    max_bytes: int,
) -> WageClaim:
    """A file uploaded from the app against one checklist item: checked by its content, the
    row recorded, and only then the file written (a refused upload leaves nothing behind)."""
    checked = check_evidence_upload(
        data, item=item, file_name=file_name, content_type=content_type, dir=dir,
        max_bytes=max_bytes,
    )  # fmt: skip
    claim = await add_evidence(
        session, claim_id=claim_id, user=user, files=[checked.evidence], max_bytes=max_bytes
    )
    await session.flush()
    save_upload(checked.upload, dir=dir)
    return claim


async def edit_amount(
    session: AsyncSession, *, claim_id: int, user: User, amount_fen: int
) -> WageClaim:
    """The claimed amount changes (the rider found more unpaid orders); refused from arbitration
    on, when the claim stands as it was submitted."""
    claim, case = await claim_for(session, claim_id=claim_id, user=user)
    _unlocked(claim, case)
    if amount_fen <= 0:
        raise Invalid("amount_not_positive")
    old, claim.amount_fen = claim.amount_fen, amount_fen
    claim.updated_at = utcnow()
    await record(
        session, case, actor=user, kind="claim_amount", public=True, notice=False,
        text=f"{yuan(old)} → {yuan(amount_fen)}", old=old, amount_fen=amount_fen,
    )  # fmt: skip
    return claim


def allowed_moves(stage: ClaimStage) -> list[ClaimStage]:
    """Forward only; `recovered` goes through record_recovery, which needs the amount."""
    if stage in FINAL_STAGES:
        return []
    ahead = [s for s in OPEN_STAGES if ORDER[s] > ORDER[stage]]
    finals = [S.withdrawn]
    if stage in (S.mediation, S.arbitration):
        finals.append(S.lost)
    return ahead + finals


async def _take_on(session: AsyncSession, case: Case, actor: User) -> None:
    """A representative working on the claim: the case is acknowledged and assigned."""
    if case.assignee_id is None and is_staff(actor):
        case.assignee_id = actor.id
    if case.status is CaseStatus.new:
        await move(session, case, CaseStatus.acknowledged, actor=actor)
    if case.status is CaseStatus.acknowledged:
        await move(session, case, CaseStatus.in_progress, actor=actor)
    if case.first_response_at is None:
        case.first_response_at = utcnow()


async def move_stage(
    session: AsyncSession, *, claim_id: int, actor: User, stage: ClaimStage, note: str = ""
) -> WageClaim:
    claim, case = await claim_for_staff(session, claim_id=claim_id, actor=actor)
    if stage is S.recovered:
        raise Invalid("recovery_needs_amount")
    if stage not in allowed_moves(claim.stage):
        raise Conflict("claim_bad_stage", current=claim.stage.value, target=stage.value)
    await _set_stage(session, claim, case, actor=actor, stage=stage, note=note)
    await _tell_rider(
        session, claim, case, key="claims.notice_stage", note=note.strip() or "—",
        texts={
            "stage": f"claims.stage.{stage.value}",
            "meaning": f"claims.stage_means.{stage.value}",
        },
    )  # fmt: skip
    return claim


async def _set_stage(
    session: AsyncSession,
    claim: WageClaim,
    case: Case,
    *,
    actor: User,
    stage: ClaimStage,
    note: str = "",
    **payload: Any,
) -> None:
    old = claim.stage
    await _take_on(session, case, actor)
    claim.stage = stage
    claim.updated_at = utcnow()
    if stage in FINAL_STAGES:
        if case.status in (CaseStatus.in_progress, CaseStatus.waiting_for_rider):
            await move(session, case, CaseStatus.resolved, actor=actor)
        case.resolved_at = utcnow()
        case.next_escalation_at = None
        await release_claimant(session, rider_id=claim.rider_id)
    await record(
        session, case, actor=actor, kind="claim_stage", public=True, notice=False,
        stage=stage.value, old=old.value, text=note.strip(), **payload,
    )  # fmt: skip


async def record_recovery(
    session: AsyncSession, *, claim_id: int, actor: User, amount_fen: int, on: date, today: date
) -> WageClaim:
    """Money came back: the full amount or part of it, on a day. The claim ends `recovered`
    (full or partial) and the outstanding rest is shown in the totals until then."""
    claim, case = await claim_for_staff(session, claim_id=claim_id, actor=actor)
    if claim.stage in FINAL_STAGES:
        raise Conflict("claim_closed", ref=case.ref, stage=claim.stage.value)
    check_recovery_amount(claim, amount_fen)
    if on > today:
        raise Invalid("date_in_future", typed=on.isoformat(), today=today.isoformat())
    if on < claim.period_start:
        raise Invalid("recovery_before_period", start=claim.period_start.isoformat())
    claim.recovered_fen = amount_fen
    claim.recovered_on = on
    outcome = "full" if amount_fen == claim.amount_fen else "partial"
    await _set_stage(
        session, claim, case, actor=actor, stage=S.recovered, outcome=outcome,
        recovered_fen=amount_fen, on=on.isoformat(),
        note=f"{yuan(amount_fen)} / {yuan(claim.amount_fen)} {on.isoformat()}",
    )  # fmt: skip
    await _tell_rider(
        session, claim, case, key=f"claims.notice_recovered_{outcome}",
        amount=yuan(amount_fen), claimed=yuan(claim.amount_fen),
        rest=yuan(claim.amount_fen - amount_fen), on=on.isoformat(),
    )  # fmt: skip
    return claim


def check_recovery_amount(claim: WageClaim, amount_fen: int) -> None:
    if amount_fen <= 0:
        raise Invalid("amount_not_positive")
    if amount_fen > claim.amount_fen:
        raise Invalid("recovery_over_claim", claimed=yuan(claim.amount_fen))


def outcome_of(claim: WageClaim) -> str | None:
    if claim.stage is not S.recovered:
        return None
    return "full" if claim.recovered_fen >= claim.amount_fen else "partial"


async def record_restart(
    session: AsyncSession, *, claim_id: int, user: User, reason: str, on: date, today: date
) -> Deadline:
    """A restarting event (a demand for payment, a request to an authority, the other side
    agreeing to pay) on a day: kept as an event, the deadline computed again, both told."""
    claim, case = await claim_for(session, claim_id=claim_id, user=user)
    if reason not in RESTART_REASONS:
        raise Invalid("restart_reason_unknown")
    if claim.stage in FINAL_STAGES:
        raise Conflict("claim_closed", ref=case.ref, stage=claim.stage.value)
    if on > today:
        raise Invalid("date_in_future", typed=on.isoformat(), today=today.isoformat())
    if on < claim.knew_on:
        raise Invalid("restart_before_knew", knew=claim.knew_on.isoformat())
    old = claim.deadline_on
    await record(
        session, case, actor=user, kind="claim_restart", public=True, notice=False,
        reason=reason, on=on.isoformat(), text=on.isoformat(),
    )  # fmt: skip
    deadline = await _recompute(session, claim)
    values = {
        "on": on.isoformat(),
        "old": old.isoformat() if old else "—",
        "new": deadline.last_day.isoformat() if deadline.last_day else "—",
    }
    if user.id != claim.rider_id:
        await _tell_rider(
            session, claim, case, key="claims.notice_restart",
            texts={"reason": f"claims.restart.{reason}"}, **values,
        )  # fmt: skip
    else:
        await _tell_staff(session, claim, case, key="claims.staff_restart", **values)
    return deadline


async def _tell_rider(
    session: AsyncSession,
    claim: WageClaim,
    case: Case,
    *,
    key: str,
    texts: dict[str, str] | None = None,
    **values: object,
) -> None:
    """A notice to the rider; `texts` are catalogue keys read in the rider's language."""
    rider = await session.get(User, claim.rider_id)
    if rider is None:
        return
    for name, text_key in (texts or {}).items():
        values[name] = text(rider.language, text_key)
    await notify(
        session, user=rider, key=key, reply_markup=open_button(rider.language, claim),
        ref=case.ref, **values,
    )  # fmt: skip


async def _staff_targets(session: AsyncSession, claim: WageClaim, case: Case) -> list[User]:
    if case.assignee_id is not None:
        rep = await session.get(User, case.assignee_id)
        return [rep] if rep is not None else []
    return await on_duty_staff(session, zone_id=claim.zone_id)


async def _tell_staff(
    session: AsyncSession, claim: WageClaim, case: Case, *, key: str, **values: object
) -> None:
    for rep in await _staff_targets(session, claim, case):
        await notify(
            session, user=rep, key=key, reply_markup=open_button(rep.language, claim),
            ref=case.ref, **values,
        )  # fmt: skip


# --- one counterparty, several riders ---------------------------------------------------------


async def same_counterparty(
    session: AsyncSession, *, claim_id: int, actor: User
) -> list[tuple[WageClaim, Case]]:
    """Claims against the same counterparty in the representative's zones, this one first."""
    claim, _ = await claim_for_staff(session, claim_id=claim_id, actor=actor)
    zones = await staff_zone_ids(session, user=actor)
    query = (
        select(WageClaim, Case)
        .join(Case, Case.id == WageClaim.case_id)
        .where(WageClaim.counterparty_key == claim.counterparty_key)
    )
    if zones is not None:
        query = query.where(WageClaim.zone_id.in_(zones))
    rows = (await session.execute(query.order_by(WageClaim.id))).all()
    return sorted(((c, k) for c, k in rows), key=lambda r: r[0].id != claim.id)


async def join_as_group(session: AsyncSession, *, claim_id: int, actor: User) -> ClaimGroup:
    """All open claims against this counterparty (in the actor's zones) become one group
    claim; claims already in a group stay in theirs and the newcomers join it."""
    rows = await same_counterparty(session, claim_id=claim_id, actor=actor)
    open_rows = [(c, k) for c, k in rows if c.stage in OPEN_STAGES]
    if len(open_rows) < 2:
        raise Conflict("group_needs_two")
    existing = next((c.group_id for c, _ in open_rows if c.group_id is not None), None)
    if existing is not None:
        group = await session.get(ClaimGroup, existing)
        assert group is not None
    else:
        first = open_rows[0][0]
        group = ClaimGroup(
            counterparty_key=first.counterparty_key,
            counterparty_name=first.counterparty_name,
            zone_id=first.zone_id,
            created_by_id=actor.id,
        )
        session.add(group)
        await session.flush()
    joined = [(c, k) for c, k in open_rows if c.group_id != group.id]
    if not joined:
        raise Conflict("group_already", count=len(open_rows))
    for claim, case in joined:
        claim.group_id = group.id
        await record(
            session, case, actor=actor, kind="claim_group", public=True, notice=False,
            group=group.id, count=len(open_rows), text=str(len(open_rows)),
        )  # fmt: skip
        await _tell_rider(
            session, claim, case, key="claims.notice_group",
            counterparty=claim.counterparty_name, count=len(open_rows),
        )  # fmt: skip
    return group


# --- totals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Total:
    key: str
    label: str
    claims: int
    claimed_fen: int
    recovered_fen: int
    outstanding_fen: int


async def claim_totals(
    session: AsyncSession,
    *,
    by: Literal["zone", "counterparty", "month"],
    actor: User | None = None,
    lang: str = "zh",
    tz: str = "Asia/Shanghai",
) -> list[Total]:
    """Claimed, recovered and outstanding (claimed minus recovered on claims still open) per
    zone, counterparty or month filed, in integer fen. With an actor: their zones only."""
    query = select(WageClaim).order_by(WageClaim.id)  # a counterparty is labelled by its first
    if actor is not None:
        zones = await staff_zone_ids(session, user=actor)
        if zones is not None:
            query = query.where(WageClaim.zone_id.in_(zones))
    claims = list((await session.execute(query)).scalars())
    zone_names = {
        z.id: (z.name_en if lang == "en" else z.name_zh)
        for z in (await session.execute(select(Zone))).scalars()
    }
    buckets: dict[str, list[WageClaim]] = defaultdict(list)
    labels: dict[str, str] = {}
    for c in claims:
        if by == "zone":
            key = str(c.zone_id or "-")
            labels[key] = zone_names.get(c.zone_id, "—") if c.zone_id else "—"
        elif by == "counterparty":
            key = c.counterparty_key
            labels.setdefault(key, c.counterparty_name)
        elif by == "month":
            key = c.created_at.astimezone(ZoneInfo(tz)).strftime("%Y-%m")
            labels[key] = key
        else:
            raise Invalid("totals_by_unknown")
        buckets[key].append(c)
    totals = [
        Total(
            key=key,
            label=labels[key],
            claims=len(rows),
            claimed_fen=sum(c.amount_fen for c in rows),
            recovered_fen=sum(c.recovered_fen for c in rows),
            outstanding_fen=sum(
                c.amount_fen - c.recovered_fen for c in rows if c.stage in OPEN_STAGES
            ),
        )
        for key, rows in buckets.items()
    ]
    return sorted(totals, key=lambda t: (-t.claimed_fen, t.key) if by != "month" else (t.key,))


# --- deadline reminders (the escalation runner calls these) -----------------------------------


@dataclass(frozen=True)
class DueReminder:
    claim_id: int
    days_before: int
    deadline_on: date


async def due_deadline_reminders(
    session: AsyncSession, *, now: datetime, tz: str = "Asia/Shanghai"
) -> list[DueReminder]:
    """Reminders due now and not sent yet: for each open claim at most the most urgent one
    (a claim filed 20 days before its deadline gets the 30-day one, not the 90-day one too)."""
    today = now.astimezone(ZoneInfo(tz)).date()
    rows = await session.execute(
        select(WageClaim.id, WageClaim.deadline_on).where(
            WageClaim.stage.in_(OPEN_STAGES),
            WageClaim.deadline_on.is_not(None),
            WageClaim.deadline_on >= today,
            WageClaim.deadline_on <= date.fromordinal(today.toordinal() + 90),
        )
    )
    candidates = [(cid, d) for cid, d in rows.all()]
    if not candidates:
        return []
    sent = await session.execute(
        select(ClaimReminder.claim_id, ClaimReminder.days_before, ClaimReminder.deadline_on).where(
            ClaimReminder.claim_id.in_([cid for cid, _ in candidates])
        )
    )
    done: dict[tuple[int, date], set[int]] = defaultdict(set)
    for cid, days, on in sent.all():
        done[(cid, on)].add(days)
    due: list[DueReminder] = []
    for cid, deadline in candidates:
        windows = reminders_due(deadline, today)
        if not windows:
            continue
        most_urgent = min(windows)
        if any(days <= most_urgent for days in done[(cid, deadline)]):
            continue
        due.append(DueReminder(cid, most_urgent, deadline))
    return sorted(due, key=lambda r: (r.deadline_on, r.claim_id))


async def mark_reminder_sent(
    session: AsyncSession, *, claim_id: int, days_before: int, deadline_on: date
) -> bool:
    """True when this call recorded the reminder; False when it had been recorded already
    (the unique constraint decides, so two runners never both send it)."""
    try:
        async with session.begin_nested():
            session.add(
                ClaimReminder(claim_id=claim_id, days_before=days_before, deadline_on=deadline_on)
            )
    except IntegrityError:
        return False
    return True


async def send_due_deadline_reminders(
    session: AsyncSession, *, now: datetime, tz: str = "Asia/Shanghai"
) -> list[DueReminder]:
    """Writes the outbox notices (rider and representative) for every due reminder, once."""
    sent: list[DueReminder] = []
    for due in await due_deadline_reminders(session, now=now, tz=tz):
        if not await mark_reminder_sent(
            session, claim_id=due.claim_id, days_before=due.days_before, deadline_on=due.deadline_on
        ):
            continue
        claim, case = await get_claim(session, claim_id=due.claim_id)
        values = {
            "deadline": due.deadline_on.isoformat(),
            "days": (due.deadline_on - now.astimezone(ZoneInfo(tz)).date()).days,
            "counterparty": claim.counterparty_name,
            "amount": yuan(claim.amount_fen),
        }
        await _tell_rider(session, claim, case, key="claims.reminder_rider", **values)
        await _tell_staff(session, claim, case, key="claims.reminder_staff", **values)
        await record(
            session, case, actor=None, kind="claim_reminder", public=False,
            days=due.days_before, deadline=due.deadline_on.isoformat(),
        )  # fmt: skip
        sent.append(due)
    return sent
