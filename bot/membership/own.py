"""What a rider has of their own: the explainer, the member card, `/mydata` (the export) and
`/leave` (erasure, services.privacy)."""

from __future__ import annotations

import json

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.common.presses import shown
from bot.keyboards import done_with, join_offer_keyboard
from bot.membership.buttons import LeaveConfirmation
from bot.menu import menu_button
from bot.storage import chat_forgetter
from models import User
from services.activists.stories import explainer_stories as success_stories
from services.cases.formatting import split_text
from services.errors import NotFound
from services.membership import member_card, members, own_view
from services.privacy import erasure
from services.privacy import mydata as mydata_summary
from services.texts import Translate


async def about(query: CallbackQuery, user: User, session: AsyncSession, t: Translate) -> None:
    if (message := shown(query)) is None:
        return
    member = await members.active_membership(session, user_id=user.id)  # type: ignore[arg-type]
    markup = menu_button(t) if member else join_offer_keyboard(t)
    # The explainer ends with the latest success stories of the rider's zone.
    found = await success_stories(session, user=user, lang=t.lang)
    body = t("membership.explainer") + (f"\n\n{found}" if found else "")
    await message.answer(body, reply_markup=markup)


async def send_card(
    message: Message, user: User, session: AsyncSession, t: Translate, settings: Settings
) -> None:
    card = await own_view.card_info(session, user=user, lang=t.lang)
    day = member_card.card_day(card, settings.timezone)
    url = member_card.card_link(
        card, secret=settings.secret_key.get_secret_value(), base_url=settings.base_url
    )
    await message.answer(
        t(
            "membership.card",
            number=card.number,
            name=card.name,
            zone=card.zone,
            date=day,
            rep=card.verified_by,
            url=url,
        )
    )
    png = member_card.render_card_png(card, lang=t.lang, url=url, date=day)
    await message.answer_photo(
        BufferedInputFile(png, filename=f"card-{card.number}.png"),
        caption=t("membership.card_caption", number=card.number),
    )


async def card_pressed(
    query: CallbackQuery, user: User, session: AsyncSession, t: Translate, settings: Settings
) -> None:
    # Answered after (by the middleware): a refusal (not a member) is said as the answer.
    if (message := shown(query)) is not None:
        await send_card(message, user, session, t, settings)


async def my_data(message: Message, user: User, session: AsyncSession, t: Translate) -> None:
    data = await own_view.export_data(session, user=user)
    body = json.dumps(data, ensure_ascii=False, indent=2).encode()
    await message.answer_document(
        BufferedInputFile(body, filename="mydata.json"), caption=t("membership.mydata_caption")
    )
    # The same in words under it: the file is for keeping (or a lawyer), this for reading.
    for piece in split_text(mydata_summary.summary(t.lang, data)):
        await message.answer(piece)


async def leave_command(message: Message, user: User, session: AsyncSession, t: Translate) -> None:
    m = await members.open_membership(session, user_id=user.id)  # type: ignore[arg-type]
    if m is None:
        raise NotFound("not_member_to_leave")
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn.leave_yes"), callback_data=LeaveConfirmation(yes=True))
    kb.button(text=t("btn.leave_no"), callback_data=LeaveConfirmation(yes=False))
    body = t("erasure.leave_confirm")
    if refs := await erasure.pending_claim_refs(session, user=user):
        body += "\n\n" + t("erasure.leave_confirm_claims", refs=", ".join(refs))
    await message.answer(body, reply_markup=kb.as_markup())


async def leave_answered(
    query: CallbackQuery,
    callback_data: LeaveConfirmation,
    user: User,
    session: AsyncSession,
    state: FSMContext,
    t: Translate,
) -> None:
    if not callback_data.yes:
        if (message := await done_with(query)) is not None:
            await message.answer(t("membership.leave_kept"))
        return
    refs = await erasure.pending_claim_refs(session, user=user)
    # The erasure drops this chat's stored state itself (database rows and Redis keys): a
    # state.clear() afterwards would write a fresh row keyed by the Telegram id again.
    await own_view.leave(session, user=user, forget_chat=chat_forgetter(state.storage))
    if (message := await done_with(query)) is None:
        return
    if refs:
        await message.answer(t("erasure.left_claims_kept", refs=", ".join(refs)))
    else:
        await message.answer(t("erasure.left"))


def register(router: Router) -> None:
    m, c = router.message.register, router.callback_query.register
    m(send_card, Command("card"))
    m(my_data, Command("mydata"))
    m(leave_command, Command("leave"))
    c(card_pressed, F.data == "menu:card")
    c(about, F.data == "menu:about")
    c(leave_answered, LeaveConfirmation.filter())
