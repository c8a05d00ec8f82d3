"""Evidence added to a filed claim (its card's button): the checklist with what was sent,
an item's photos or files, checked by services.claims and saved at once."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.claims.buttons import WageClaimAction
from bot.claims.filed_steps import FiledClaimSteps, answers, drop, note
from bot.claims.form_evidence import checklist_text, file_of
from bot.common.presses import shown
from bot.keyboards import done_with
from models import User
from models.claims import WageClaim
from services.claims import progress, reading, rules
from services.texts import Translate

W = FiledClaimSteps


async def _checklist(
    message: Message, session: AsyncSession, t: Translate, claim: WageClaim, skipped: list[str]
) -> None:
    cid = claim.id
    assert cid is not None
    counts = await reading.evidence_counts(session, claim=claim)
    kb = InlineKeyboardBuilder()
    for i in rules.checklist(claim.relation.value):
        data = WageClaimAction(action="evidence_item", claim_id=cid, value=i)
        kb.button(text=rules.item_name(t.lang, i), callback_data=data)
    data = WageClaimAction(action="evidence_done", claim_id=cid)
    kb.button(text=t("btn.claim_evidence_done"), callback_data=data)
    kb.adjust(1)
    text = checklist_text(t, claim.relation.value, counts, set(skipped))
    await message.answer(text, reply_markup=kb.as_markup())


def _item_keyboard(t: Translate, claim_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for label, action in (("btn.claim_item_done", "item_done"), ("btn.claim_skip", "item_skip")):
        kb.button(text=t(label), callback_data=WageClaimAction(action=action, claim_id=claim_id))
    kb.adjust(1)
    return kb.as_markup()


async def add_evidence_pressed(
    query: CallbackQuery,
    callback_data: WageClaimAction,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
    callback_answer: CallbackAnswer,
) -> None:
    claim, case = await reading.claim_for(session, claim_id=callback_data.claim_id, user=user)
    if claim.stage in rules.LOCKED_STAGES:
        callback_answer.text = t("error.claim_locked", ref=case.ref, stage=claim.stage.value)
        callback_answer.show_alert = True
        return
    if (message := shown(query)) is None:
        return
    kept = await note(state, claim_id=claim.id, added=0, skipped=list(claim.evidence_skipped))
    await state.set_state(W.evidence)
    await _checklist(message, session, t, claim, kept["skipped"])


async def item_picked(
    query: CallbackQuery,
    callback_data: WageClaimAction,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
    callback_answer: CallbackAnswer,
) -> None:
    claim, _ = await reading.get_claim(session, claim_id=callback_data.claim_id)
    item = callback_data.value
    kept = await answers(state)
    if kept.get("claim_id") != claim.id or item not in rules.checklist(claim.relation.value):
        callback_answer.text = t("fallback.stale_button")
        callback_answer.show_alert = True
        return
    if (message := await done_with(query)) is None:
        return
    await note(state, item=item)
    await state.set_state(W.evidence_item)
    text = t(
        "claims.ask_item", item=rules.item_name(t.lang, item), hint=rules.item_hint(t.lang, item)
    )
    await message.answer(text, reply_markup=_item_keyboard(t, claim.id))  # type: ignore[arg-type]


async def evidence_file(
    message: Message,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
    settings: Settings,
) -> None:
    kept = await answers(state)
    ev = file_of(message, kept["item"])
    rules.check_evidence_file(ev, max_bytes=settings.evidence_max_bytes)
    await progress.add_evidence(
        session,
        claim_id=int(kept["claim_id"]),
        user=user,
        files=[ev],
        max_bytes=settings.evidence_max_bytes,
    )
    count = int(kept.get("added", 0)) + 1
    await note(state, added=count)
    await message.answer(
        t("claims.ev_received", item=rules.item_name(t.lang, ev.item), count=count)
    )


async def item_finished(
    query: CallbackQuery,
    callback_data: WageClaimAction,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
) -> None:
    if (message := await done_with(query)) is None:
        return
    kept = await answers(state)
    if callback_data.action == "item_skip":
        kept = await note(state, skipped=sorted(set(kept.get("skipped", [])) | {kept["item"]}))
    await state.set_state(W.evidence)
    claim, _ = await reading.get_claim(session, claim_id=int(kept["claim_id"]))
    await _checklist(message, session, t, claim, kept.get("skipped", []))


async def evidence_finished(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    if (message := await done_with(query)) is None:
        return
    kept = await answers(state)
    await drop(state)
    await message.answer(t("claims.ev_saved", count=int(kept.get("added", 0))))


async def expect_file(message: Message, t: Translate) -> None:
    await message.answer(t("claims.expect_file"))


async def expect_buttons(message: Message, t: Translate) -> None:
    await message.answer(t("claims.expect_buttons"))


async def stale(query: CallbackQuery, t: Translate, callback_answer: CallbackAnswer) -> None:
    callback_answer.text = t("fallback.stale_button")
    callback_answer.show_alert = True


def register(router: Router) -> None:
    m, c = router.message.register, router.callback_query.register
    on = WageClaimAction.filter
    not_a_command = ~F.text.startswith("/")
    c(add_evidence_pressed, on(F.action == "evidence"))
    c(item_picked, on(F.action == "evidence_item"), W.evidence)
    c(evidence_finished, on(F.action == "evidence_done"), StateFilter(W.evidence, W.evidence_item))
    c(item_finished, on(F.action.in_({"item_done", "item_skip"})), W.evidence_item)
    c(stale, on(F.action.in_({"evidence_item", "evidence_done", "item_done", "item_skip"})))
    m(evidence_file, W.evidence_item, F.photo | F.document)
    m(expect_file, W.evidence_item, not_a_command)
    m(expect_buttons, W.evidence, not_a_command)
