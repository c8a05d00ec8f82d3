"""Representatives' actions on a case, from its card's buttons (claim, reply, ask, note,
severity, resolve, reassign, merge, link a wage claim, photos, pin, phone), and /bindgroup for
a zone's group chat. The router also takes /queue and /collective (queue.py); the card itself
is card.py."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.cases import queue
from bot.cases.callbacks import CaseAction, CollectiveAction, QueuePage, ReassignTo, SeverityChoice
from bot.cases.card import is_card, refresh, refresh_tapped, routes_of, send_card
from bot.common.presses import answered, shown
from bot.forms import cancel_flow, leave
from models import Case, Severity, User
from models.cases import AttachmentKind
from services.cases import cards
from services.cases import staff_view as case_view
from services.cases import triage as cases_triage
from services.cases.formatting import place_of, severity_name
from services.errors import Conflict, DomainError
from services.texts import Translate

# Actions that need a text from the representative next, and the prompt for each.
TEXT_ACTIONS = {
    "reply": "triage.ask_reply",
    "ask": "triage.ask_question",
    "note": "triage.ask_note",
    "resolve": "triage.ask_resolution",
    "merge": "triage.ask_merge",
    "link": "triage.ask_claim_ref",
}


# Refusals raised before a service writes anything: the representative may simply retype.
RETRYABLE = frozenset(
    {
        "case_ref_not_found",
        "merge_self",
        "merge_target_closed",
        "empty_description",
        "not_a_wage_claim",
    }
)


class RepForm(StatesGroup):
    text = State()


async def open_case(
    query: CallbackQuery,
    callback_data: CaseAction,
    bot: Bot,
    session: AsyncSession,
    user: User,
    t: Translate,
    settings: Settings,
    callback_answer: CallbackAnswer,
) -> None:
    case = await cases_triage.staff_view(session, case_id=callback_data.case_id, actor=user)
    private = query.message is not None and query.message.chat.type == "private"
    if not private:  # pressed in the zone's group: the card (with the reporter's name) goes
        callback_answer.text = t("triage.sent_privately")  # to the representative only
    await send_card(bot, user.telegram_id or 0, session, case, user, t, settings)


async def claim(
    query: CallbackQuery,
    callback_data: CaseAction,
    bot: Bot,
    session: AsyncSession,
    user: User,
    t: Translate,
    settings: Settings,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        case = await cases_triage.claim(session, case_id=callback_data.case_id, actor=user)
    except Conflict as exc:
        if exc.code not in ("already_claimed", "already_yours", "case_not_open"):
            raise
        # A button from before the change: say what happened and show the case as it is.
        case = await cases_triage.staff_view(session, case_id=callback_data.case_id, actor=user)
        why = await cards.why_not_taken(
            session, case=case, viewer=user, lang=t.lang, tz=settings.timezone
        )
        await refresh_tapped(query, bot, session, case, user, t, settings)
        callback_answer.text, callback_answer.show_alert = why, True
        return
    await refresh_tapped(query, bot, session, case, user, t, settings)
    callback_answer.text = t("triage.claimed", ref=case.ref)
    message = shown(query)
    if message is not None and message.chat.type != "private":
        await message.answer(t("triage.claimed_in_group", ref=case.ref, name=user.display_name))


async def ask_text(
    query: CallbackQuery,
    callback_data: CaseAction,
    bot: Bot,
    session: AsyncSession,
    user: User,
    t: Translate,
    state: FSMContext,
) -> None:
    case = await cases_triage.staff_view(session, case_id=callback_data.case_id, actor=user)
    await state.set_state(RepForm.text)
    # The card the action came from is refreshed once the text is in.
    message = shown(query)
    card = message.message_id if message is not None and is_card(message) else None
    await state.update_data(action=callback_data.action, case_id=case.id, card=card)
    await bot.send_message(
        user.telegram_id or 0, t(TEXT_ACTIONS[callback_data.action], ref=case.ref)
    )


async def text_given(
    message: Message,
    bot: Bot,
    session: AsyncSession,
    user: User,
    t: Translate,
    state: FSMContext,
    settings: Settings,
) -> None:
    data = await state.get_data()
    action, case_id, body = data["action"], int(data["case_id"]), message.text or ""
    await leave(state)
    try:
        case = await _apply_text(session, user, action, case_id, body)
    except DomainError as exc:
        if exc.code in RETRYABLE:  # let them retype (needed when the FSM lives in Redis)
            await state.set_state(RepForm.text)
            await state.set_data(data)
        raise
    await message.answer(t(f"triage.done_{action}", ref=case.ref))
    if data.get("card"):
        await refresh(
            bot,
            message.chat.id,
            int(data["card"]),
            session=session,
            case=case,
            viewer=user,
            t=t,
            settings=settings,
        )


async def _apply_text(
    session: AsyncSession, user: User, action: str, case_id: int, body: str
) -> Case:
    if action == "reply":
        return await cases_triage.reply(session, case_id=case_id, actor=user, message=body)
    if action == "ask":
        return await cases_triage.ask_rider(session, case_id=case_id, actor=user, question=body)
    if action == "note":
        return await cases_triage.note(session, case_id=case_id, actor=user, message=body)
    if action == "resolve":
        text_ = "" if body.strip() == "-" else body
        return await cases_triage.resolve(session, case_id=case_id, actor=user, message=text_)
    if action == "link":
        return await cases_triage.link_wage_claim(
            session, case_id=case_id, actor=user, claim_ref=body.strip()
        )
    return await cases_triage.merge(session, case_id=case_id, actor=user, into_ref=body)


async def text_expected(message: Message, t: Translate) -> None:
    await message.answer(t("triage.text_expected"))


async def choose_severity(
    query: CallbackQuery, callback_data: CaseAction, session: AsyncSession, user: User, t: Translate
) -> None:
    case = await cases_triage.staff_view(session, case_id=callback_data.case_id, actor=user)
    kb = InlineKeyboardBuilder()
    for sev in Severity:
        choice = SeverityChoice(case_id=case.id or 0, severity=sev.value)
        kb.button(text=severity_name(t.lang, sev.value), callback_data=choice)
    kb.adjust(2)
    if (message := shown(query)) is not None:
        await message.answer(t("triage.choose_severity", ref=case.ref), reply_markup=kb.as_markup())


async def severity_chosen(
    query: CallbackQuery,
    callback_data: SeverityChoice,
    session: AsyncSession,
    user: User,
    t: Translate,
    callback_answer: CallbackAnswer,
) -> None:
    case = await cases_triage.change_severity(
        session,
        case_id=callback_data.case_id,
        actor=user,
        severity=Severity(callback_data.severity),
    )
    callback_answer.text = t(
        "triage.severity_set", ref=case.ref, severity=severity_name(t.lang, case.severity.value)
    )


async def choose_colleague(
    query: CallbackQuery, callback_data: CaseAction, session: AsyncSession, user: User, t: Translate
) -> None:
    case = await cases_triage.staff_view(session, case_id=callback_data.case_id, actor=user)
    kb = InlineKeyboardBuilder()
    for rep in await cases_triage.colleagues(session, case=case, actor=user):
        kb.button(
            text=rep.display_name or str(rep.id),
            callback_data=ReassignTo(case_id=case.id or 0, user_id=rep.id or 0),
        )
    kb.adjust(1)
    if (message := shown(query)) is not None:
        await message.answer(
            t("triage.choose_colleague", ref=case.ref), reply_markup=kb.as_markup()
        )


async def reassigned(
    query: CallbackQuery,
    callback_data: ReassignTo,
    session: AsyncSession,
    user: User,
    t: Translate,
    callback_answer: CallbackAnswer,
) -> None:
    case = await cases_triage.reassign(
        session, case_id=callback_data.case_id, actor=user, to_user_id=callback_data.user_id
    )
    callback_answer.text = t("triage.reassigned", ref=case.ref)


async def photos(
    query: CallbackQuery, callback_data: CaseAction, bot: Bot, session: AsyncSession, user: User
) -> None:
    case = await cases_triage.staff_view(session, case_id=callback_data.case_id, actor=user)
    for item in await cases_triage.attachments(session, case=case):
        if item.file_id is None:
            continue
        if item.kind is AttachmentKind.voice:
            await bot.send_voice(user.telegram_id or 0, item.file_id, caption=case.ref)
        else:
            await bot.send_photo(user.telegram_id or 0, item.file_id, caption=case.ref)


async def pin(
    query: CallbackQuery,
    callback_data: CaseAction,
    bot: Bot,
    session: AsyncSession,
    user: User,
    t: Translate,
    settings: Settings,
    callback_answer: CallbackAnswer,
) -> None:
    """The case's place as a pin (a venue named by its compound, when it lies in one)."""
    case = await cases_triage.staff_view(session, case_id=callback_data.case_id, actor=user)
    if case.lat is None or case.lon is None:
        callback_answer.text, callback_answer.show_alert = t("chat.no_place", ref=case.ref), True
        return
    spot = case_view.spot_of(routes_of(settings), lat=case.lat, lon=case.lon)
    chat = user.telegram_id or 0
    if spot is None:
        await bot.send_location(chat, case.lat, case.lon)
        return
    await bot.send_venue(
        chat,
        case.lat,
        case.lon,
        title=spot.name(t.lang),
        address=f"{case.ref} · {place_of(t.lang, case)}",
    )


async def phone(
    query: CallbackQuery,
    callback_data: CaseAction,
    bot: Bot,
    session: AsyncSession,
    user: User,
    t: Translate,
) -> None:
    case, number = await case_view.rider_phone(session, case_id=callback_data.case_id, actor=user)
    rider = await case_view.rider_of(session, case=case, lang=t.lang)
    await bot.send_message(
        user.telegram_id or 0,
        t("chat.rider_phone", ref=case.ref, name=rider.name if rider else "—", phone=number),
    )


# --- the zone's group ------------------------------------------------------------------------


async def bind_group(
    message: Message,
    command: CommandObject,
    bot: Bot,
    session: AsyncSession,
    user: User,
    t: Translate,
) -> None:
    code = (command.args or "").strip()
    if not code:
        await message.answer(t("triage.bindgroup_usage"))
        return
    member = await bot.get_chat_member(message.chat.id, user.telegram_id or 0)
    zone = await cases_triage.bind_zone_group(
        session,
        actor=user,
        zone_code=code,
        chat_id=message.chat.id,
        chat_admin=member.status in ("creator", "administrator"),
    )
    name = zone.name_en if t.lang == "en" else zone.name_zh
    await message.answer(t("triage.bindgroup_done", zone=name))


async def bind_in_private(message: Message, t: Translate) -> None:
    await message.answer(t("triage.bindgroup_in_group"))


def make_router() -> Router:
    router = answered(Router(name="triage"))
    groups = F.chat.type.in_({"group", "supergroup"})
    router.message.register(bind_group, Command("bindgroup"), groups)
    router.message.register(bind_in_private, Command("bindgroup"))
    private = F.chat.type == "private"
    router.message.register(queue.show_queue, Command("queue"), private)
    router.message.register(queue.list_collectives, Command("collective"), private)
    router.callback_query.register(queue.queue_page, QueuePage.filter())
    router.callback_query.register(open_case, CaseAction.filter(F.action == "open"))
    router.callback_query.register(claim, CaseAction.filter(F.action == "claim"))
    router.callback_query.register(ask_text, CaseAction.filter(F.action.in_(set(TEXT_ACTIONS))))
    router.callback_query.register(choose_severity, CaseAction.filter(F.action == "severity"))
    router.callback_query.register(severity_chosen, SeverityChoice.filter())
    router.callback_query.register(choose_colleague, CaseAction.filter(F.action == "reassign"))
    router.callback_query.register(reassigned, ReassignTo.filter())
    router.callback_query.register(photos, CaseAction.filter(F.action == "photos"))
    router.callback_query.register(pin, CaseAction.filter(F.action == "pin"))
    router.callback_query.register(phone, CaseAction.filter(F.action == "phone"))
    router.callback_query.register(queue.collective_action, CollectiveAction.filter())
    router.message.register(cancel_flow, Command("cancel"), StateFilter(RepForm))
    router.message.register(text_given, RepForm.text, private, F.text & ~F.text.startswith("/"))
    router.message.register(text_expected, RepForm.text, private, ~F.text.startswith("/"))
    return router
