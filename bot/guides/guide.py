"""/guide: its menu, the newcomer handbook (topics, search), and asking for a mentor. Open to
everyone. The route guide and riders' tips are routes.py.

`/mentoring on|off` and `/mentees` are the representatives' side of mentoring.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.common.presses import answered, shown
from bot.forms import leave
from bot.guides import routes
from bot.guides.callbacks import GuideButton, TipReview
from bot.guides.routes import Guide, back_button
from bot.guides.tips import TIPS
from bot.keyboards import join_offer_keyboard
from bot.stations.callbacks import StationCb
from models import User
from services.errors import DomainError
from services.guides import Handbook
from services.guides import present as show
from services.membership import mentors
from services.texts import Raw, Translate

# --- menus -----------------------------------------------------------------------------------


def menu_keyboard(t: Translate) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn.guide_handbook"), callback_data=GuideButton(action="handbook"))
    kb.button(text=t("btn.guide_search"), callback_data=GuideButton(action="find"))
    kb.button(text=t("btn.guide_route"), callback_data=GuideButton(action="route"))
    kb.button(text=t("btn.guide_mentor"), callback_data=GuideButton(action="mentor"))
    kb.button(text=t("btn.guide_stations"), callback_data=StationCb(act="near"))
    kb.adjust(2, 1, 1, 1)
    return kb.as_markup()


async def open_guide(
    message: Message, t: Translate, state: FSMContext, command: CommandObject, handbook: Handbook
) -> None:
    await leave(state)
    if command.args:  # "/guide 超时": straight to the handbook search
        await _answer_search(message, t, handbook, command.args)
        return
    await message.answer(t("guides.menu"), reply_markup=menu_keyboard(t))


async def open_guide_from_menu(query: CallbackQuery, t: Translate, state: FSMContext) -> None:
    await leave(state)
    if (message := shown(query)) is not None:
        await message.answer(t("guides.menu"), reply_markup=menu_keyboard(t))


async def back_to_menu(query: CallbackQuery, t: Translate, state: FSMContext) -> None:
    await leave(state)
    await _edit(query, t("guides.menu"), menu_keyboard(t))


async def _edit(query: CallbackQuery, html: str, markup: InlineKeyboardMarkup | None) -> None:
    """Navigation edits the menu in place, so Back returns where the rider was."""
    if (message := shown(query)) is not None:
        await message.edit_text(html, reply_markup=markup)


# --- handbook --------------------------------------------------------------------------------


def topics_keyboard(
    t: Translate, handbook: Handbook, topics: list | None = None
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for topic in topics if topics is not None else handbook.topics(t.lang):
        kb.button(text=topic.title, callback_data=GuideButton(action="topic", arg=topic.slug))
    back_button(kb, t)
    kb.adjust(1)
    return kb.as_markup()


async def handbook_menu(query: CallbackQuery, t: Translate, handbook: Handbook) -> None:
    await _edit(query, t("guides.handbook"), topics_keyboard(t, handbook))


async def show_topic(
    query: CallbackQuery,
    callback_data: GuideButton,
    t: Translate,
    handbook: Handbook,
    callback_answer: CallbackAnswer,
) -> None:
    topic = handbook.topic(t.lang, callback_data.arg)
    if topic is None:
        callback_answer.text, callback_answer.show_alert = t("guides.gone"), True
        return
    kb = InlineKeyboardBuilder()
    back_button(kb, t, "handbook")
    await _edit(query, show.topic_html(topic), kb.as_markup())


async def ask_search(query: CallbackQuery, t: Translate, state: FSMContext) -> None:
    await state.set_state(Guide.search)
    if (message := shown(query)) is not None:
        await message.answer(t("guides.search_ask"))


async def search_words(
    message: Message, t: Translate, state: FSMContext, handbook: Handbook
) -> None:
    await leave(state)
    await _answer_search(message, t, handbook, message.text or "")


async def _answer_search(message: Message, t: Translate, handbook: Handbook, words: str) -> None:
    found = handbook.search(t.lang, words)[:6]
    if not found:
        await message.answer(
            t("guides.search_none", words=words), reply_markup=topics_keyboard(t, handbook)
        )
        return
    await message.answer(
        t("guides.search_found", words=words), reply_markup=topics_keyboard(t, handbook, found)
    )


async def search_wrong(message: Message, t: Translate) -> None:
    await message.answer(t("guides.search_wrong"))


# --- mentoring -------------------------------------------------------------------------------


async def ask_mentor(
    query: CallbackQuery,
    t: Translate,
    session: AsyncSession,
    user: User,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        await mentors.request_mentor(session, user=user)
    except DomainError as exc:
        if exc.code != "not_member":
            raise
        if (message := shown(query)) is not None:
            await message.answer(t("error.not_member"), reply_markup=join_offer_keyboard(t))
        return
    callback_answer.text = t("guides.mentor_requested")


async def mentoring_switch(
    message: Message, command: CommandObject, t: Translate, session: AsyncSession, user: User
) -> None:
    arg = (command.args or "").strip().lower()
    if arg not in ("on", "off"):
        await message.answer(t("guides.mentoring_usage"))
        return
    await mentors.set_mentoring(session, user=user, accepting=arg == "on")
    await message.answer(t("guides.mentoring_on" if arg == "on" else "guides.mentoring_off"))


async def list_mentees(
    message: Message, t: Translate, session: AsyncSession, user: User, settings: Settings
) -> None:
    found = await mentors.mentees(session, mentor=user)
    if not found:
        await message.answer(t("guides.mentees_none"))
        return
    lines = [
        t(
            "guides.mentee_line",
            name=m.user.display_name,
            who=f"@{m.user.username}" if m.user.username else "—",
            joined=m.joined_at.astimezone(settings.zone).strftime("%Y-%m-%d")
            if m.joined_at
            else "—",
            since=m.since.astimezone(settings.zone).strftime("%Y-%m-%d"),
        )
        for m in found
    ]
    await message.answer(t("guides.mentees", n=len(found), lines=Raw("\n".join(lines))))


def make_router() -> Router:
    """/guide's own handlers (presses answered by AnswerPresses), then the tip form's."""
    router = answered(Router(name="guide"))
    router.message.filter(F.chat.type == "private")
    text_not_command = F.text & ~F.text.startswith("/")
    m, cb = router.message.register, router.callback_query.register

    m(open_guide, Command("guide"))
    m(mentoring_switch, Command("mentoring"))
    m(list_mentees, Command("mentees"))

    m(search_words, StateFilter(Guide.search), text_not_command)
    m(search_wrong, StateFilter(Guide.search), ~F.text)

    m(routes.got_location, StateFilter(Guide.route, Guide.building), F.location)
    m(routes.search_compounds, StateFilter(Guide.route), text_not_command)
    m(routes.route_wrong, StateFilter(Guide.route), ~F.text)
    m(routes.got_building, StateFilter(Guide.building), text_not_command)
    m(routes.building_wrong, StateFilter(Guide.building), ~F.text)

    cb(open_guide_from_menu, F.data == "menu:guide")
    cb(back_to_menu, GuideButton.filter(F.action == "menu"))
    cb(handbook_menu, GuideButton.filter(F.action == "handbook"))
    cb(show_topic, GuideButton.filter(F.action == "topic"))
    cb(ask_search, GuideButton.filter(F.action == "find"))
    cb(routes.start_route, GuideButton.filter(F.action == "route"))
    cb(routes.compound_view, GuideButton.filter(F.action == "compound"))
    cb(routes.choose_tip_place, GuideButton.filter(F.action == "tip"))
    cb(ask_mentor, GuideButton.filter(F.action == "mentor"))
    cb(routes.decide_tip, TipReview.filter(F.action.in_({"approve", "reject"})))
    cb(routes.confirm_tip, TipReview.filter(F.action == "confirm"))
    # The tip form's router answers its own presses (the engine's middleware): beside this
    # one, not inside it, so no press is answered twice.
    both = Router(name="guide+tips")
    both.include_routers(router, TIPS.router())
    return both
