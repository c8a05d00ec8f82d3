"""/mycases: the rider's cases, their public history, adding information, answering a question,
confirming or reopening, rating the help."""

from __future__ import annotations

import contextlib

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.cases.callbacks import MyCaseAction, Rating
from bot.common.presses import answered, shown
from bot.errors import explain
from bot.forms import cancel_flow, leave
from models import Case, CaseStatus, User
from models.cases import AttachmentKind
from services.cases import reporting, rider_actions
from services.cases import withdraw as case_withdraw
from services.cases.attachments import MAX_PHOTO_BYTES
from services.cases.formatting import category_name, event_line, local, split_text
from services.cases.rider_view import CaseView, case_view, case_view_by_id
from services.cases.states import OPEN
from services.errors import Conflict
from services.texts import Raw, Translate

S = CaseStatus


class MyCaseForm(StatesGroup):
    adding = State()
    comment = State()


def _new_report_keyboard(t: Translate) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn.report_new"), callback_data="menu:report")
    return kb.as_markup()


def _case_keyboard(t: Translate, case: CaseView) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    own, status = case.own, S(case.status)

    def act(action: str) -> MyCaseAction:
        return MyCaseAction(action=action, case_id=case.id)

    if own and status is S.waiting_for_rider:
        kb.button(text=t("btn.case_answer"), callback_data=act("add"))
    elif own and status not in (S.closed, S.merged):
        kb.button(text=t("btn.case_add"), callback_data=act("add"))
    if own and status is S.resolved:
        kb.button(text=t("btn.case_confirm"), callback_data=act("confirm"))
        kb.button(text=t("btn.case_not_fixed"), callback_data=act("reopen"))
    if own and status in (S.resolved, S.closed) and case.rating is None:
        kb.button(text=t("btn.case_rate"), callback_data=act("rate"))
    if own and status in OPEN:
        kb.button(text=t("btn.case_withdraw"), callback_data=act("withdraw"))
    if status in (S.closed, S.merged):
        kb.button(text=t("btn.report_new"), callback_data="menu:report")
    kb.adjust(1)
    return kb.as_markup()


def _stars_keyboard(case_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for n in range(1, 6):
        kb.button(text="⭐" * n, callback_data=Rating(case_id=case_id, stars=n))
    kb.adjust(1)
    return kb.as_markup()


async def list_cases(
    message: Message, session: AsyncSession, user: User, t: Translate, settings: Settings
) -> None:
    mine = await rider_actions.my_cases(session, user=user)
    if not mine:
        await message.answer(t("mycases.none"), reply_markup=_new_report_keyboard(t))
        return
    kb = InlineKeyboardBuilder()
    lines = []
    for row in mine:
        case = await case_view(session, case=row, viewer=user)
        lines.append(
            t(
                "mycases.line",
                ref=case.ref,
                category=category_name(t.lang, case.category),
                status=t(f"cases.status.{case.status}"),
                updated=local(case.updated_at, settings.timezone),
            )
        )
        kb.button(text=case.ref, callback_data=MyCaseAction(action="open", case_id=case.id))
    kb.adjust(2)
    await message.answer(
        t("mycases.title", lines=Raw("\n".join(lines))), reply_markup=kb.as_markup()
    )


async def menu_cases(
    query: CallbackQuery, session: AsyncSession, user: User, t: Translate, settings: Settings
) -> None:
    if (message := shown(query)) is not None:
        await list_cases(message, session, user, t, settings)


async def open_case(
    query: CallbackQuery,
    callback_data: MyCaseAction,
    session: AsyncSession,
    user: User,
    t: Translate,
    settings: Settings,
) -> None:
    # Every field shown comes from the rider view: a case followed through a merge shows the
    # rider's own report, never the other rider's.
    case = await case_view_by_id(session, case_id=callback_data.case_id, viewer=user, full=True)
    if (message := shown(query)) is None:
        return
    tz = settings.timezone
    lines = [event_line(t.lang, e, viewer=user, actor=a, tz=tz) for e, a in case.history]
    head = t(
        "mycases.card",
        ref=case.ref,
        category=category_name(t.lang, case.category),
        status=t(f"cases.status.{case.status}"),
        created=local(case.created_at, tz),
    )
    if case.status == S.merged.value and case.merged_into_id:
        master = await session.get(Case, case.merged_into_id)
        head += "\n" + t("mycases.merged_into", ref=master.ref if master else "?")
    if not case.own:
        head += "\n" + t("mycases.following")
    body = "\n".join([head, "", *lines])
    pieces = split_text(body)
    for i, piece in enumerate(pieces):
        markup = _case_keyboard(t, case) if i == len(pieces) - 1 else None
        await message.answer(piece, reply_markup=markup)


async def start_adding(
    query: CallbackQuery,
    callback_data: MyCaseAction,
    session: AsyncSession,
    user: User,
    t: Translate,
    state: FSMContext,
) -> None:
    case = await rider_actions.rider_view(session, case_id=callback_data.case_id, user=user)
    if (message := shown(query)) is None:
        return
    if case.status in (S.closed, S.merged):
        await message.answer(
            t("error.case_closed", ref=case.ref), reply_markup=_new_report_keyboard(t)
        )
        return
    await state.set_state(MyCaseForm.adding)
    await state.update_data(case_id=case.id)
    key = "mycases.ask_answer" if case.status is S.waiting_for_rider else "mycases.ask_add"
    await message.answer(t(key, ref=case.ref))


async def added(
    message: Message, session: AsyncSession, user: User, t: Translate, state: FSMContext
) -> None:
    case_id = int((await state.get_data())["case_id"])
    photos: list[reporting.Attachment] = []
    voice = None
    if message.photo:
        p = message.photo[-1]
        if p.file_size is not None and p.file_size > MAX_PHOTO_BYTES:
            await message.answer(t("error.photo_too_big", limit_mb=MAX_PHOTO_BYTES >> 20))
            return
        photos.append(
            reporting.Attachment(
                file_id=p.file_id,
                file_unique_id=p.file_unique_id,
                size=p.file_size,
                mime_type="image/jpeg",
            )
        )
    if message.voice:
        v = message.voice
        voice = reporting.Attachment(
            kind=AttachmentKind.voice,
            file_id=v.file_id,
            file_unique_id=v.file_unique_id,
            size=v.file_size,
            mime_type=v.mime_type,
            duration=v.duration,
        )
    body = message.text or message.caption or ""
    await leave(state)
    try:
        case = await rider_actions.add_info(
            session, case_id=case_id, user=user, text_=body, photos=photos, voice=voice
        )
    except Conflict as exc:
        if exc.code != "case_closed":
            raise
        await message.answer(
            t("error.case_closed", **exc.params), reply_markup=_new_report_keyboard(t)
        )
        return
    await message.answer(t("mycases.added", ref=case.ref))


async def adding_expected(message: Message, t: Translate) -> None:
    await message.answer(t("mycases.add_expected"))


async def _outdated(
    query: CallbackQuery,
    session: AsyncSession,
    user: User,
    t: Translate,
    case_id: int,
    callback_answer: CallbackAnswer,
) -> None:
    """A button from before the case moved on: say where it is now, and show the buttons that
    still apply on that message."""
    case = await case_view_by_id(session, case_id=case_id, viewer=user)
    if (message := shown(query)) is not None:
        with contextlib.suppress(TelegramBadRequest):  # unchanged, or too old to edit
            await message.edit_reply_markup(reply_markup=_case_keyboard(t, case))
    status = t(f"cases.status.{S(case.status).value}")
    callback_answer.text = t("mycases.outdated", ref=case.ref, status=status)
    callback_answer.show_alert = True


async def confirm(
    query: CallbackQuery,
    callback_data: MyCaseAction,
    session: AsyncSession,
    user: User,
    t: Translate,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        case = await rider_actions.confirm_resolved(
            session, case_id=callback_data.case_id, user=user
        )
    except Conflict as exc:
        if exc.code != "not_resolved_yet":
            raise
        await _outdated(query, session, user, t, callback_data.case_id, callback_answer)
        return
    if (message := shown(query)) is not None:
        await message.answer(
            t("mycases.confirmed", ref=case.ref),
            reply_markup=_stars_keyboard(case.id),  # type: ignore[arg-type]
        )


async def not_fixed(
    query: CallbackQuery,
    callback_data: MyCaseAction,
    session: AsyncSession,
    user: User,
    t: Translate,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        case = await rider_actions.reopen(session, case_id=callback_data.case_id, user=user)
    except Conflict as exc:
        if exc.code in ("not_resolved_yet", "case_closed"):
            await _outdated(query, session, user, t, callback_data.case_id, callback_answer)
            return
        if exc.code != "reopen_expired":
            raise
        if (message := shown(query)) is not None:
            await message.answer(
                t(f"error.{exc.code}", **exc.params), reply_markup=_new_report_keyboard(t)
            )
        return
    if (message := shown(query)) is not None:
        await message.answer(t("mycases.reopened", ref=case.ref))


async def ask_rating(query: CallbackQuery, callback_data: MyCaseAction, t: Translate) -> None:
    if (message := shown(query)) is not None:
        await message.answer(t("mycases.rate"), reply_markup=_stars_keyboard(callback_data.case_id))


async def rated(
    query: CallbackQuery,
    callback_data: Rating,
    session: AsyncSession,
    user: User,
    t: Translate,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        await rider_actions.rate(
            session, case_id=callback_data.case_id, user=user, stars=callback_data.stars
        )
    except Conflict as exc:
        if exc.code != "already_rated":
            raise
        # Stars from before: the rating stands; the old stars go away.
        if (message := shown(query)) is not None:
            with contextlib.suppress(TelegramBadRequest):
                await message.edit_reply_markup(reply_markup=None)
        callback_answer.text, callback_answer.show_alert = explain(t, exc), True
        return
    await state.set_state(MyCaseForm.comment)
    await state.update_data(case_id=callback_data.case_id)
    if (message := shown(query)) is not None:
        kb = InlineKeyboardBuilder()
        no_comment = MyCaseAction(action="no_comment", case_id=callback_data.case_id)
        kb.button(text=t("btn.no_comment"), callback_data=no_comment)
        await message.answer(
            t("mycases.rated", stars="⭐" * callback_data.stars), reply_markup=kb.as_markup()
        )


async def commented(
    message: Message, session: AsyncSession, user: User, t: Translate, state: FSMContext
) -> None:
    case_id = int((await state.get_data())["case_id"])
    await leave(state)
    await rider_actions.comment_rating(
        session, case_id=case_id, user=user, comment=message.text or ""
    )
    await message.answer(t("mycases.thanks"))


async def no_comment(
    query: CallbackQuery, t: Translate, state: FSMContext, callback_answer: CallbackAnswer
) -> None:
    await leave(state)
    callback_answer.text = t("mycases.thanks")


async def comment_expected(message: Message, t: Translate) -> None:
    await message.answer(t("mycases.comment_expected"))


async def ask_withdraw(
    query: CallbackQuery,
    callback_data: MyCaseAction,
    session: AsyncSession,
    user: User,
    t: Translate,
    callback_answer: CallbackAnswer,
) -> None:
    case = await rider_actions.rider_view(session, case_id=callback_data.case_id, user=user)
    if case.status not in OPEN:
        await _outdated(query, session, user, t, callback_data.case_id, callback_answer)
        return
    if (message := shown(query)) is not None:
        kb = InlineKeyboardBuilder()
        yes = MyCaseAction(action="withdraw_yes", case_id=case.id)
        kb.button(text=t("btn.case_withdraw_yes"), callback_data=yes)
        back = MyCaseAction(action="open", case_id=case.id)
        kb.button(text=t("btn.case_withdraw_no"), callback_data=back)
        kb.adjust(1)
        answered = case.status is not S.new or case.first_response_at is not None
        key = "mycases.withdraw_ask_rep" if answered else "mycases.withdraw_confirm"
        await message.answer(t(key, ref=case.ref), reply_markup=kb.as_markup())


async def withdrawn(
    query: CallbackQuery,
    callback_data: MyCaseAction,
    session: AsyncSession,
    user: User,
    t: Translate,
    callback_answer: CallbackAnswer,
) -> None:
    try:
        done = await case_withdraw.withdraw(session, case_id=callback_data.case_id, user=user)
    except Conflict as exc:
        if exc.code != "case_closed":
            raise
        await _outdated(query, session, user, t, callback_data.case_id, callback_answer)
        return
    if (message := shown(query)) is not None:
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_reply_markup(reply_markup=None)
        key = "mycases.withdrawn" if done.closed else "mycases.withdraw_asked"
        await message.answer(t(key, ref=done.case.ref))


def make_router() -> Router:
    router = answered(Router(name="mycases"))
    router.message.filter(F.chat.type == "private")
    router.message.register(list_cases, Command("mycases"))
    router.callback_query.register(menu_cases, F.data == "menu:cases")
    router.callback_query.register(no_comment, MyCaseAction.filter(F.action == "no_comment"))
    router.callback_query.register(open_case, MyCaseAction.filter(F.action == "open"))
    router.callback_query.register(start_adding, MyCaseAction.filter(F.action == "add"))
    router.callback_query.register(confirm, MyCaseAction.filter(F.action == "confirm"))
    router.callback_query.register(not_fixed, MyCaseAction.filter(F.action == "reopen"))
    router.callback_query.register(ask_rating, MyCaseAction.filter(F.action == "rate"))
    router.callback_query.register(rated, Rating.filter())
    router.callback_query.register(ask_withdraw, MyCaseAction.filter(F.action == "withdraw"))
    router.callback_query.register(withdrawn, MyCaseAction.filter(F.action == "withdraw_yes"))
    typed = ~F.text.startswith("/")  # words, a photo or a voice note; never a command
    router.message.register(cancel_flow, Command("cancel"), StateFilter(MyCaseForm))
    router.message.register(added, MyCaseForm.adding, typed, F.text | F.photo | F.voice)
    router.message.register(adding_expected, MyCaseForm.adding, typed)
    router.message.register(commented, MyCaseForm.comment, typed, F.text)
    router.message.register(comment_expected, MyCaseForm.comment, typed)
    return router
