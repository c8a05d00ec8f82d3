"""A filed claim's card: its facts, deadline and recent history, with the moves the viewer
may make as buttons (a representative of the zone: stages, recovery, same counterparty; the
rider: more evidence; both: a restarting event and the PDF)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.claims.buttons import WageClaimAction
from bot.common.presses import shown
from models import User
from models.claims import WageClaim
from services.cases.access import is_staff
from services.claims import filing, progress, reading, rules
from services.claims.deadline import deadline_sentence
from services.claims.money import yuan
from services.claims.pdf import timeline_text
from services.local_time import local_date
from services.texts import Raw, Translate


def card_buttons(t: Translate, claim: WageClaim, *, staff: bool) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    cid = claim.id
    assert cid is not None

    def add(label: str, action: str, value: str = "") -> None:
        kb.button(
            text=label, callback_data=WageClaimAction(action=action, claim_id=cid, value=value)
        )

    sizes: list[int] = []
    if staff:
        moves = progress.allowed_moves(claim.stage)
        for stage in moves:
            add(t(f"btn.claim_to_{stage.value}"), "stage", stage.value)
        if claim.stage in rules.OPEN_STAGES:
            add(t("btn.claim_recovered"), "recovery")
        add(t("btn.claim_same_cp"), "same_counterparty")
        sizes += [2] * ((len(moves) + 1) // 2) + [1, 1]
    elif claim.stage not in rules.LOCKED_STAGES:
        add(t("btn.claim_add_evidence"), "evidence")
        sizes.append(1)
    if claim.stage in rules.OPEN_STAGES:
        add(t("btn.claim_restart"), "restart")
        sizes.append(1)
    add(t("btn.claim_pdf"), "pdf")
    sizes.append(1)
    kb.adjust(*sizes)
    return kb.as_markup()


async def card_text(session: AsyncSession, claim: WageClaim, viewer: User, t: Translate) -> str:
    _, case = await reading.get_claim(session, claim_id=claim.id)  # type: ignore[arg-type]
    deadline = deadline_sentence(t.lang, await filing.deadline_of(session, claim=claim))
    missing = [
        rules.item_name(t.lang, i) for i in await reading.missing_items(session, claim=claim)
    ]
    events = await reading.claim_history(session, case=case, internal=is_staff(viewer))
    history = "\n".join(
        f"{local_date(e.created_at)} " + timeline_text(t.lang, e.kind, e.payload or {})
        for e in events[-8:]
    )
    outcome = progress.outcome_of(claim)
    stage = t(f"claims.stage.{claim.stage.value}")
    if outcome:
        stage += f" ({t(f'claims.outcome.{outcome}')})"
    return t(
        "claims.card",
        ref=case.ref,
        stage=stage,
        name=claim.counterparty_name,
        kind=t(f"claims.cp.{claim.counterparty_kind.value}"),
        relation=t(f"claims.rel.{claim.relation.value}"),
        amount=yuan(claim.amount_fen),
        recovered=yuan(claim.recovered_fen),
        start=claim.period_start.isoformat(),
        end=claim.period_end.isoformat(),
        deadline=Raw(deadline),
        missing=", ".join(missing) or "—",
        history=history or "—",
    )


async def show_card(
    message: Message, session: AsyncSession, claim: WageClaim, user: User, t: Translate
) -> None:
    staff = is_staff(user) and user.id != claim.rider_id
    await message.answer(
        await card_text(session, claim, user, t), reply_markup=card_buttons(t, claim, staff=staff)
    )


async def open_claim(
    query: CallbackQuery,
    callback_data: WageClaimAction,
    user: User,
    session: AsyncSession,
    t: Translate,
) -> None:
    claim, _ = await reading.claim_for(session, claim_id=callback_data.claim_id, user=user)
    if (message := shown(query)) is not None:
        await show_card(message, session, claim, user, t)


def register(router: Router) -> None:
    router.callback_query.register(open_claim, WageClaimAction.filter(F.action == "open"))
