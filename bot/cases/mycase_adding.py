"""Adding information to a case from its card (/mycases): words, a photo or a voice note, or the
answer to a representative's question."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cases.callbacks import MyCaseAction
from bot.cases.mycase_card import MyCaseForm, new_report_keyboard
from bot.common.presses import shown
from bot.forms import leave
from models import CaseStatus, User
from models.cases import AttachmentKind
from services.cases import reporting, rider_actions
from services.cases.attachments import MAX_PHOTO_BYTES
from services.errors import Conflict
from services.texts import Translate

S = CaseStatus


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
            t("error.case_closed", ref=case.ref), reply_markup=new_report_keyboard(t)
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
            t("error.case_closed", **exc.params), reply_markup=new_report_keyboard(t)
        )
        return
    await message.answer(t("mycases.added", ref=case.ref))


async def adding_expected(message: Message, t: Translate) -> None:
    await message.answer(t("mycases.add_expected"))
