"""`/claims` (the rider's claims, or a representative's zone queue) and `/claimtotals`
(representatives: money claimed, recovered and outstanding by zone, counterparty or month)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.claims.buttons import ClaimTotalsButton, WageClaimAction
from bot.common.presses import shown
from models import User
from services.cases.access import is_staff
from services.claims import groups, reading
from services.claims.money import yuan
from services.errors import Forbidden
from services.texts import Raw, Translate

TOTALS_BY = ("zone", "counterparty", "month")


async def claims_command(message: Message, user: User, session: AsyncSession, t: Translate) -> None:
    rows = await (
        reading.zone_claims(session, actor=user)
        if is_staff(user)
        else reading.my_claims(session, user=user)
    )
    if not rows:
        await message.answer(t("claims.none"))
        return
    kb = InlineKeyboardBuilder()
    for c, case in rows[:30]:
        label = f"{case.ref} · {c.counterparty_name[:20]} · {yuan(c.amount_fen)}"
        kb.button(text=label, callback_data=WageClaimAction(action="open", claim_id=c.id))  # type: ignore[arg-type]
    kb.adjust(1)
    await message.answer(t("claims.list", count=len(rows)), reply_markup=kb.as_markup())


async def totals_command(message: Message, user: User, t: Translate) -> None:
    if not is_staff(user):
        raise Forbidden("not_staff")
    kb = InlineKeyboardBuilder()
    for by in TOTALS_BY:
        kb.button(text=t(f"btn.claim_totals_{by}"), callback_data=ClaimTotalsButton(by=by))
    await message.answer(t("claims.totals_ask"), reply_markup=kb.as_markup())


async def totals_pressed(
    query: CallbackQuery,
    callback_data: ClaimTotalsButton,
    user: User,
    session: AsyncSession,
    t: Translate,
    settings: Settings,
    callback_answer: CallbackAnswer,
) -> None:
    if callback_data.by not in TOTALS_BY:
        callback_answer.text = t("fallback.stale_button")
        callback_answer.show_alert = True
        return
    rows = await groups.claim_totals(
        session,
        by=callback_data.by,  # type: ignore[arg-type]
        actor=user,
        lang=t.lang,
        tz=settings.timezone,
    )
    if (message := shown(query)) is None:
        return
    lines = "\n".join(
        t(
            "claims.totals_line",
            label=r.label,
            claims=r.claims,
            claimed=yuan(r.claimed_fen),
            recovered=yuan(r.recovered_fen),
            outstanding=yuan(r.outstanding_fen),
        )
        for r in rows
    )
    await message.answer(
        t("claims.totals", by=t(f"btn.claim_totals_{callback_data.by}"), lines=Raw(lines or "—"))
    )


def register(router: Router) -> None:
    router.message.register(claims_command, Command("claims"))
    router.message.register(totals_command, Command("claimtotals"))
    router.callback_query.register(totals_pressed, ClaimTotalsButton.filter())
