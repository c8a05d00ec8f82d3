"""New-case notices that stay true: each copy (a representative's, the zone group's) is edited in
place when the case changes, so nobody reads "new" or sees a live 接手 button on a case that
someone has taken, resolved or merged.

A notice is sent through the outbox and remembered here (`StaffNotice`: the outbox row, the
chat). A change that shows on the notice queues an `editMessageText` row pointing at the
original row (`edit_of`); the outbox resolves the message id once the original was sent.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, CaseEvent, CaseStatus, Outbox, User
from models.chat import StaffNotice
from services.actions import ACTIONS, Act, Action, markup
from services.cases import states
from services.cases.formatting import (
    category_name,
    excerpt,
    local,
    place_of,
    severity_name,
)
from services.outbox import EDIT_OF, enqueue
from services.texts import text

# Event kinds that change what a notice shows: who has it, its status, its severity.
CARD_KINDS = frozenset(
    {
        "claimed", "assigned", "status", "severity", "merged", "resolved", "reopened",
        "confirmed", "claim_stage",
    }
)  # fmt: skip
# Edits queued in this transaction, by notice id: a second change before commit rewrites the
# same (not yet visible, so not yet sent) row instead of queueing another edit.
_PENDING_EDITS = "case_cards.pending_edits"


def _pending_edits(session: AsyncSession) -> dict[int, Outbox]:
    """This transaction's queued edits (a new transaction starts with none: a committed row
    may be leased by a sender at any moment and is never rewritten)."""
    tx = session.sync_session.get_transaction()
    kept = session.info.get(_PENDING_EDITS)
    if kept is None or kept[0] is not tx:
        kept = session.info[_PENDING_EDITS] = (tx, {})
    return kept[1]


def staff_actions(case: Case, *, claim: bool) -> list[list[Action]]:
    """Open the case; and take it, while it is open and nobody has it."""
    row = [Action(Act.OPEN_CASE, case.id)]
    if claim and case.status in states.OPEN and case.assignee_id is None:
        row.insert(0, Action(Act.TAKE_CASE, case.id))
    return [row]


async def taken_by(session: AsyncSession, *, case: Case) -> tuple[User, datetime] | None:
    """Who has the case and since when (their claim, or the reassignment to them)."""
    if case.assignee_id is None:
        return None
    assignee = await session.get(User, case.assignee_id)
    when = await session.scalar(
        select(CaseEvent.created_at)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind.in_(("claimed", "assigned")))
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )
    return (assignee, when or case.updated_at) if assignee is not None else None


def state_line(
    lang: str, case: Case, taken: tuple[User, datetime] | None, tz: str | None = None
) -> str:
    """The live line under a notice: who took it when, and the status; nothing while new."""
    status = text(lang, f"cases.status.{case.status.value}")
    if taken is not None:
        who, when = taken
        return text(lang, "cards.taken", name=who.display_name, when=local(when, tz), status=status)
    if case.status is CaseStatus.new:
        return ""
    return text(lang, "cards.status", status=status)


def new_case_text(
    lang: str,
    case: Case,
    *,
    reporter: User | None,
    named: bool,
    taken: tuple[User, datetime] | None,
    tz: str | None = None,
) -> str:
    who = (
        text(lang, "cases.anonymous")
        if case.anonymous and not named
        else (reporter.display_name if reporter else "") or text(lang, "cases.who.rider")
    )
    body = text(
        lang,
        "cases.new_case",
        ref=case.ref,
        category=category_name(lang, case.category),
        severity=severity_name(lang, case.severity.value),
        place=place_of(lang, case),
        who=who,
        summary=excerpt(case.summary or "🎤", 500),
        due=local(case.first_response_due_at, tz),
    )
    line = state_line(lang, case, taken, tz)
    return f"{body}\n\n{line}" if line else body


async def notice_payload(
    session: AsyncSession, *, case: Case, lang: str, named: bool, tz: str
) -> dict[str, Any]:
    reporter = await session.get(User, case.rider_id) if case.rider_id else None
    taken = await taken_by(session, case=case)
    return {
        "text": new_case_text(lang, case, reporter=reporter, named=named, taken=taken, tz=tz),
        "parse_mode": "HTML",
        **markup(lang, staff_actions(case, claim=True)),
    }


def escalation_payload(
    lang: str, case: Case, *, body: str, taken: tuple[User, datetime] | None, tz: str
) -> dict[str, Any]:
    """An escalation notice (warning, raise) as it is now: the text it was sent with, the live
    line under it, and only the buttons that still apply."""
    line = state_line(lang, case, taken, tz)
    return {
        "text": f"{body}\n\n{line}" if line else body,
        "parse_mode": "HTML",
        **markup(lang, staff_actions(case, claim=True)),
    }


async def stage_line(session: AsyncSession, *, case: Case, lang: str, tz: str) -> str:
    """A wage claim's last stage move, who made it and when; nothing before the first."""
    event = await session.scalar(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == "claim_stage")
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )
    if event is None:
        return ""
    actor = await session.get(User, event.actor_id) if event.actor_id else None
    return text(
        lang,
        "cards.claim_stage",
        stage=text(lang, f"claims.stage.{event.payload.get('stage')}"),
        name=(actor.display_name if actor else "") or "—",
        when=local(event.created_at, tz),
    )


async def claim_payload(
    session: AsyncSession, *, case: Case, lang: str, sent: dict[str, Any], tz: str
) -> dict[str, Any]:
    """A new-claim notice as it is now: the text and 📂 button it was sent with, and the lines
    of who took the case and the claim's stage."""
    taken = await taken_by(session, case=case)
    stage = await stage_line(session, case=case, lang=lang, tz=tz)
    extra = "\n".join(line for line in (state_line(lang, case, taken, tz), stage) if line)
    body = str(sent.get("text", ""))
    body = f"{body}\n\n{extra}" if extra else body
    payload: dict[str, Any] = {"text": body, "parse_mode": "HTML"}
    if sent.get(ACTIONS):
        payload[ACTIONS] = sent[ACTIONS]
    return payload


async def send_claim_notice(
    session: AsyncSession, *, case: Case, row: Outbox | None, lang: str
) -> None:
    """Remember a new-claim notice to a representative, so a stage move edits it."""
    if row is None:
        return
    session.add(
        StaffNotice(
            case_id=case.id,  # type: ignore[arg-type]
            outbox_id=row.id,  # type: ignore[arg-type]
            chat_id=row.chat_id,
            lang=lang,
            kind="claim",
            digest=_digest(row.payload),
        )
    )


def digest(payload: dict[str, Any]) -> str:
    """What a notice shows, to tell whether a change needs an edit."""
    return _digest(payload)


def _digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


async def send_notice(
    session: AsyncSession,
    *,
    case: Case,
    chat_id: int,
    user_id: int | None,
    lang: str,
    named: bool,
    tz: str | None = None,
) -> None:
    """Queue a new-case notice and remember it, so later changes edit it."""
    payload = await notice_payload(session, case=case, lang=lang, named=named, tz=tz)
    row = await enqueue(session, chat_id=chat_id, user_id=user_id, payload=payload)
    session.add(
        StaffNotice(
            case_id=case.id,  # type: ignore[arg-type]
            outbox_id=row.id,  # type: ignore[arg-type]
            chat_id=chat_id,
            lang=lang,
            named=named,
            tz=tz,
            digest=_digest(payload),
        )
    )


async def refresh(session: AsyncSession, *, case: Case) -> int:
    """Queue an edit of every notice of the case whose text or buttons changed; how many."""
    notices = list(
        (await session.execute(select(StaffNotice).where(StaffNotice.case_id == case.id))).scalars()
    )
    pending = _pending_edits(session)
    # An escalation notice keeps the text it was sent with: read from its outbox row (one
    # read for all of them; a pruned row could not be edited anyway, its message id is gone).
    sent = [n.outbox_id for n in notices if n.kind != "case"]
    originals: dict[int, dict[str, Any]] = {}
    if sent:
        rows = await session.execute(select(Outbox.id, Outbox.payload).where(Outbox.id.in_(sent)))
        originals = {i: p for i, p in rows if p and p.get("text")}
    taken = await taken_by(session, case=case)
    queued = 0
    for notice in notices:
        original = originals.get(notice.outbox_id)
        if notice.kind != "case" and original is None:
            continue
        if notice.kind == "escalation":
            assert original is not None
            body = str(original["text"])
            payload = escalation_payload(notice.lang, case, body=body, taken=taken, tz=notice.tz)
        elif notice.kind == "claim":
            assert original is not None
            payload = await claim_payload(
                session, case=case, lang=notice.lang, sent=original, tz=notice.tz
            )
        else:
            payload = await notice_payload(
                session, case=case, lang=notice.lang, named=notice.named, tz=notice.tz
            )
        digest = _digest(payload)
        if digest == notice.digest:
            continue
        notice.digest = digest
        edit = {**payload, EDIT_OF: notice.outbox_id}
        row = pending.get(notice.id)  # type: ignore[arg-type]
        if row is not None:
            row.payload = edit
            continue
        row = await enqueue(session, chat_id=notice.chat_id, method="editMessageText", payload=edit)
        pending[notice.id] = row  # type: ignore[index]
        notice.last_edit_id = row.id
        queued += 1
    return queued


async def why_not_taken(
    session: AsyncSession, *, case: Case, viewer: User, lang: str, tz: str | None = None
) -> str:
    """What happened, for a tap on a 接手 button that came too late: who took it and when, or
    what the case is now."""
    taken = await taken_by(session, case=case)
    if taken is not None and case.status in states.OPEN:
        who, when = taken
        if who.id == viewer.id:
            return text(lang, "error.already_yours", ref=case.ref)
        return text(
            lang, "cards.taken_already", name=who.display_name, when=local(when, tz), ref=case.ref
        )
    status = text(lang, f"cases.status.{case.status.value}")
    return text(lang, "cards.not_open", ref=case.ref, status=status)
