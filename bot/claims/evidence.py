"""Evidence in chat: the checklist's items in the rider's form, and evidence added later to a
filed claim (its card's button). Files are checked by services.claims.rules."""

from __future__ import annotations

from dataclasses import asdict

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.claims.asking import ask, ask_next, checklist
from bot.claims.buttons import ClaimFormButton, WageClaimAction
from bot.claims.draft import ClaimFormSteps, FiledClaimSteps, answers, drop, note
from bot.keyboards import answered, done_with
from models import User
from services.claims import progress, reading, rules
from services.texts import Translate

S, W = ClaimFormSteps, FiledClaimSteps


async def item_picked(
    query: CallbackQuery, callback_data: ClaimFormButton, state: FSMContext, t: Translate
) -> None:
    item = callback_data.value
    if item not in rules.checklist((await answers(state))["relation"]):
        await query.answer(t("fallback.stale_button"), show_alert=True)
        return
    message = await done_with(query)
    in_form = await state.get_state() == S.evidence.state
    await note(state, item=item)
    await state.set_state(S.evidence_item if in_form else W.evidence_item)
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn.claim_item_done"), callback_data=ClaimFormButton(action="item_done"))
    kb.button(text=t("btn.claim_skip"), callback_data=ClaimFormButton(action="item_skip"))
    await message.answer(
        t(
            "claims.ask_item",
            item=rules.item_name(t.lang, item),
            hint=rules.item_hint(t.lang, item),
        ),
        reply_markup=kb.as_markup(),
    )


def _file_of(message: Message, item: str) -> rules.EvidenceFile:
    if message.photo:
        biggest = message.photo[-1]
        return rules.EvidenceFile(
            item=item, file_id=biggest.file_id, kind="photo",
            file_unique_id=biggest.file_unique_id, size=biggest.file_size,
        )  # fmt: skip
    doc = message.document
    assert doc is not None
    return rules.EvidenceFile(
        item=item, file_id=doc.file_id, kind="document", file_unique_id=doc.file_unique_id,
        file_name=doc.file_name, mime_type=doc.mime_type, size=doc.file_size,
    )  # fmt: skip


async def evidence_file(
    message: Message,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
    settings: Settings,
) -> None:
    form = await answers(state)
    ev = _file_of(message, form["item"])
    rules.check_evidence_file(ev, max_bytes=settings.evidence_max_bytes)
    if form.get("claim_id"):
        await progress.add_evidence(
            session, claim_id=int(form["claim_id"]), user=user, files=[ev],
            max_bytes=settings.evidence_max_bytes,
        )  # fmt: skip
        count = int(form.get("added", 0)) + 1
        await note(state, added=count)
    else:
        evidence = [*form.get("evidence", []), asdict(ev)]
        await note(state, evidence=evidence)
        count = sum(1 for e in evidence if e["item"] == ev.item)
    await message.answer(
        t("claims.ev_received", item=rules.item_name(t.lang, ev.item), count=count)
    )


async def item_finished(
    query: CallbackQuery,
    callback_data: ClaimFormButton,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
) -> None:
    message = await done_with(query)
    form = await answers(state)
    if callback_data.action == "item_skip":
        form = await note(state, skipped=sorted(set(form.get("skipped", [])) | {form["item"]}))
    if form.get("claim_id"):
        await state.set_state(W.evidence)
        claim, _ = await reading.get_claim(session, claim_id=int(form["claim_id"]))
        counts = await reading.evidence_counts(session, claim=claim)
        await checklist(message, t, form, claim_id=claim.id, counts=counts)
    else:
        await ask(message, state, t, S.evidence)


async def evidence_finished(query: CallbackQuery, state: FSMContext, t: Translate) -> None:
    message = await done_with(query)
    form = await answers(state)
    if form.get("claim_id"):
        await drop(state)
        await message.answer(t("claims.ev_saved", count=int(form.get("added", 0))))
        return
    await ask_next(message, state, t, S.evidence)


async def expect_file(message: Message, t: Translate) -> None:
    await message.answer(t("claims.expect_file"))


async def add_evidence_pressed(
    query: CallbackQuery,
    callback_data: WageClaimAction,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
) -> None:
    """The filed claim's "add evidence": its checklist, with what was sent so far."""
    claim, case = await reading.claim_for(session, claim_id=callback_data.claim_id, user=user)
    if claim.stage in rules.LOCKED_STAGES:
        await query.answer(
            t("error.claim_locked", ref=case.ref, stage=claim.stage.value), show_alert=True
        )
        return
    message = await answered(query)
    form = await note(
        state, claim_id=claim.id, relation=claim.relation.value, added=0,
        skipped=list(claim.evidence_skipped),
    )  # fmt: skip
    await state.set_state(W.evidence)
    counts = await reading.evidence_counts(session, claim=claim)
    await checklist(message, t, form, claim_id=claim.id, counts=counts)


def register(router: Router) -> None:
    m, c = router.message.register, router.callback_query.register
    button = ClaimFormButton.filter
    lists = StateFilter(S.evidence, W.evidence)
    items = StateFilter(S.evidence_item, W.evidence_item)
    c(item_picked, button(F.action == "evidence_item"), lists)
    c(evidence_finished, button(F.action == "evidence_done"), lists)
    m(evidence_file, items, F.photo | F.document)
    c(item_finished, button(F.action.in_({"item_done", "item_skip"})), items)
    m(expect_file, items, ~F.text.startswith("/"))
    c(add_evidence_pressed, WageClaimAction.filter(F.action == "evidence"))
