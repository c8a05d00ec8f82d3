"""Moves on a filed claim from its card: a representative moves its stage, records money
recovered, sees claims against the same counterparty and joins them as a group; the rider or
a representative records a restarting event; either downloads the summary PDF."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.claims.buttons import WageClaimAction
from bot.claims.card import show_card
from bot.claims.filed_steps import FiledClaimSteps, answers, drop, note
from bot.common.presses import shown
from bot.keyboards import done_with
from models import User
from models.claims import ClaimStage
from services.claims import groups, progress, reading, rules
from services.claims.dates import parse_date
from services.claims.deadline import RESTART_REASONS
from services.claims.money import parse_amount, yuan
from services.claims.pdf import claim_summary_pdf
from services.local_time import local_today
from services.texts import Raw, Translate

W = FiledClaimSteps


async def stage_pressed(
    query: CallbackQuery,
    callback_data: WageClaimAction,
    user: User,
    session: AsyncSession,
    t: Translate,
) -> None:
    claim = await progress.move_stage(
        session, claim_id=callback_data.claim_id, actor=user, stage=ClaimStage(callback_data.value)
    )
    if (message := await done_with(query)) is None:
        return
    await message.answer(t("claims.stage_set", stage=t(f"claims.stage.{claim.stage.value}")))
    await show_card(message, session, claim, user, t)


async def recovery_pressed(
    query: CallbackQuery,
    callback_data: WageClaimAction,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
) -> None:
    claim, _ = await reading.claim_for_staff(session, claim_id=callback_data.claim_id, actor=user)
    if (message := shown(query)) is None:
        return
    await note(state, claim_id=claim.id)
    await state.set_state(W.recovery_amount)
    await message.answer(t("claims.ask_recovery", claimed=yuan(claim.amount_fen)))


async def recovery_amount_given(
    message: Message,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
    settings: Settings,
) -> None:
    fen = parse_amount(message.text or "", cap_fen=settings.claim_amount_cap_fen)
    claim, _ = await reading.claim_for_staff(
        session, claim_id=int((await answers(state))["claim_id"]), actor=user
    )
    progress.check_recovery_amount(claim, fen)
    await note(state, recovered=fen)
    await state.set_state(W.recovery_date)
    await message.answer(t("claims.ask_recovery_date", amount=yuan(fen)))


async def recovery_date_given(
    message: Message, user: User, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    today = local_today()
    form = await answers(state)
    claim = await progress.record_recovery(
        session,
        claim_id=int(form["claim_id"]),
        actor=user,
        amount_fen=int(form["recovered"]),
        on=parse_date(message.text or "", today=today),
        today=today,
    )
    await drop(state)
    outcome = progress.outcome_of(claim) or "partial"
    await message.answer(t("claims.recovery_saved", outcome=t(f"claims.outcome.{outcome}")))
    await show_card(message, session, claim, user, t)


async def restart_pressed(
    query: CallbackQuery,
    callback_data: WageClaimAction,
    user: User,
    session: AsyncSession,
    t: Translate,
) -> None:
    claim, _ = await reading.claim_for(session, claim_id=callback_data.claim_id, user=user)
    if (message := shown(query)) is None:
        return
    kb = InlineKeyboardBuilder()
    for reason in RESTART_REASONS:
        data = WageClaimAction(action="restart_reason", claim_id=claim.id, value=reason)  # type: ignore[arg-type]
        kb.button(text=t(f"claims.restart.{reason}"), callback_data=data)
    kb.adjust(1)
    await message.answer(t("claims.ask_restart"), reply_markup=kb.as_markup())


async def restart_reason(
    query: CallbackQuery,
    callback_data: WageClaimAction,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
    callback_answer: CallbackAnswer,
) -> None:
    reason = callback_data.value
    if reason not in RESTART_REASONS:
        callback_answer.text = t("fallback.stale_button")
        callback_answer.show_alert = True
        return
    await reading.claim_for(session, claim_id=callback_data.claim_id, user=user)
    if (message := await done_with(query)) is None:
        return
    await note(state, claim_id=callback_data.claim_id, reason=reason)
    await state.set_state(W.restart_date)
    await message.answer(t("claims.ask_restart_date", reason=t(f"claims.restart.{reason}")))


async def restart_date_given(
    message: Message, user: User, state: FSMContext, session: AsyncSession, t: Translate
) -> None:
    today = local_today()
    form = await answers(state)
    deadline = await progress.record_restart(
        session,
        claim_id=int(form["claim_id"]),
        user=user,
        reason=str(form["reason"]),
        on=parse_date(message.text or "", today=today),
        today=today,
    )
    await drop(state)
    await message.answer(
        t(
            "claims.restart_saved",
            deadline=str(deadline.last_day or "—"),
            start=str(deadline.runs_from),
        )
    )


async def pdf_pressed(
    query: CallbackQuery,
    callback_data: WageClaimAction,
    user: User,
    session: AsyncSession,
    settings: Settings,
) -> None:
    pdf = await claim_summary_pdf(
        session,
        claim_id=callback_data.claim_id,
        viewer=user,
        today=local_today(),
        tz=settings.timezone,
    )
    if (message := shown(query)) is None:
        return
    await message.answer_document(BufferedInputFile(pdf.data, filename=pdf.file_name))


async def same_cp_pressed(
    query: CallbackQuery,
    callback_data: WageClaimAction,
    user: User,
    session: AsyncSession,
    t: Translate,
) -> None:
    rows = await groups.same_counterparty(session, claim_id=callback_data.claim_id, actor=user)
    if (message := shown(query)) is None:
        return
    lines = "\n".join(
        t(
            "claims.same_line",
            ref=case.ref,
            amount=yuan(c.amount_fen),
            stage=t(f"claims.stage.{c.stage.value}"),
            group="👥" if c.group_id else "",
        )
        for c, case in rows
    )
    kb = InlineKeyboardBuilder()
    for c, case in rows:
        kb.button(text=case.ref, callback_data=WageClaimAction(action="open", claim_id=c.id))  # type: ignore[arg-type]
    if sum(1 for c, _ in rows if c.stage in rules.OPEN_STAGES) >= 2:
        kb.button(
            text=t("btn.claim_join_group"),
            callback_data=WageClaimAction(action="join_group", claim_id=callback_data.claim_id),
        )
    kb.adjust(1)
    await message.answer(
        t("claims.same_cp", name=rows[0][0].counterparty_name, count=len(rows), lines=Raw(lines)),
        reply_markup=kb.as_markup(),
    )


async def join_pressed(
    query: CallbackQuery,
    callback_data: WageClaimAction,
    user: User,
    session: AsyncSession,
    t: Translate,
) -> None:
    group = await groups.join_as_group(session, claim_id=callback_data.claim_id, actor=user)
    if (message := await done_with(query)) is None:
        return
    await message.answer(t("claims.group_joined", name=group.counterparty_name))


async def expect_date(message: Message, t: Translate) -> None:
    await message.answer(t("claims.expect_date"))


async def expect_amount(message: Message, t: Translate) -> None:
    await message.answer(t("claims.expect_amount"))


def register(router: Router) -> None:
    m, c = router.message.register, router.callback_query.register
    typed = F.text & ~F.text.startswith("/")
    m(recovery_amount_given, W.recovery_amount, typed)
    m(recovery_date_given, W.recovery_date, typed)
    m(restart_date_given, W.restart_date, typed)
    not_a_command = ~F.text.startswith("/")
    m(expect_amount, W.recovery_amount, not_a_command)
    m(expect_date, StateFilter(W.recovery_date, W.restart_date), not_a_command)
    on = WageClaimAction.filter
    c(stage_pressed, on(F.action == "stage"))
    c(recovery_pressed, on(F.action == "recovery"))
    c(restart_pressed, on(F.action == "restart"))
    c(restart_reason, on(F.action == "restart_reason"))
    c(pdf_pressed, on(F.action == "pdf"))
    c(same_cp_pressed, on(F.action == "same_counterparty"))
    c(join_pressed, on(F.action == "join_group"))
