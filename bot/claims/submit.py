"""The summary's Submit: files the claim once (a repeated press is shown the claim it filed),
then confirms with the claim's card buttons."""

from __future__ import annotations

import contextlib
from datetime import date

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.claims.asking import draft_deadline
from bot.claims.buttons import ClaimFormButton
from bot.claims.card import card_buttons
from bot.claims.draft import ClaimFormSteps, answers, drop
from bot.confirmation import confirm_submit
from models import Case, User
from models.claims import CounterpartyKind, Disclosure, WageClaim, WorkRelation
from services import submissions
from services.claims import filing, rules
from services.local_time import local_today
from services.texts import Raw, Translate


def _filing_form(f: dict) -> filing.ClaimForm:
    return filing.ClaimForm(
        counterparty_kind=CounterpartyKind(f["cp_kind"]),
        counterparty_name=f["cp_name"],
        relation=WorkRelation(f["relation"]),
        amount_fen=int(f["amount"]),
        period_start=date.fromisoformat(f["start"]),
        period_end=date.fromisoformat(f["end"]),
        knew_on=date.fromisoformat(f["knew"]),
        work_ongoing=f.get("work") == "ongoing",
        work_ended_on=date.fromisoformat(f["ended"]) if f.get("ended") else None,
        orders=f.get("orders", ""),
        disclosure=Disclosure(f["disclosure"]),
        evidence=[rules.EvidenceFile(**e) for e in f.get("evidence", [])],
        skipped=list(f.get("skipped", [])),
    )


async def submit(
    query: CallbackQuery,
    callback_data: ClaimFormButton,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
    settings: Settings,
) -> None:
    """Submit, in any state: a press whose draft already filed a claim is shown that claim
    (a double tap, a press after the answer failed); only the draft's own button files one."""
    assert user.id is not None
    f = await answers(state)
    pressed = callback_data.value
    key = pressed or f.get("submit_key") or ""
    made = key and await submissions.created_by(session, key=key, user_id=user.id, form="claim")
    if made:
        filed = await session.get(WageClaim, made)
        case = await session.get(Case, filed.case_id) if filed is not None else None
        with contextlib.suppress(TelegramAPIError):  # it only stops the button's spinner
            await query.answer()
        if case is not None and isinstance(query.message, Message):
            await query.message.answer(t("claims.already_filed", ref=case.ref))
        return
    if await state.get_state() != ClaimFormSteps.summary.state or pressed not in (
        "",
        f.get("submit_key"),
    ):
        await query.answer(t("fallback.stale_button"), show_alert=True)
        return
    claim, case = await filing.file_claim(
        session,
        user=user,
        form=_filing_form(f),
        today=local_today(),
        max_bytes=settings.evidence_max_bytes,
    )
    await submissions.remember(
        session,
        key=key or submissions.new_key(),  # a draft from before keys: this press makes one
        user_id=user.id,
        form="claim",
        created_id=claim.id,  # type: ignore[arg-type]
    )
    # Cleared before anything is sent: the first send commits the claim with it.
    await drop(state)
    await confirm_submit(
        query,
        session=session,
        user=user,
        text=t("claims.filed", ref=case.ref, deadline=Raw(draft_deadline(t, f))),
        reply_markup=card_buttons(t, claim, staff=False),
    )
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramAPIError):  # the summary's buttons: only tidiness
            await query.message.edit_reply_markup(reply_markup=None)


def register(router: Router) -> None:
    # any state: a repeated press finds its claim
    router.callback_query.register(submit, ClaimFormButton.filter(F.action == "submit"))
