"""/report: category → description (text or voice) → place → photos → anonymity → submit."""

from __future__ import annotations

import asyncio
import contextlib
import html
from functools import cache
from pathlib import Path
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.confirmation import confirm_submit
from bot.keyboards import join_offer_keyboard
from bot.routers.mycases import MyCaseForm
from bot.routers.triage import RepForm
from models import Case, User
from models.cases import AttachmentKind
from services import submissions
from services.cases import reporting
from services.cases.attachments import MAX_PHOTO_BYTES, MAX_PHOTOS
from services.cases.categories import categories, category
from services.cases.formatting import MAX_TEXT, TELEGRAM_LIMIT, local, split_text
from services.guides import RouteData, load_dir
from services.membership.members import active_membership
from services.texts import Raw, Translate

ROOT = Path(__file__).resolve().parents[2]
NOT_COMMAND = F.text & ~F.text.startswith("/")


class ReportForm(StatesGroup):
    category = State()
    description = State()
    place = State()
    photos = State()
    anonymous = State()
    confirm = State()


class Rp(CallbackData, prefix="rp"):
    action: str  # cat, cmp, skip, done, anon, submit, cancel
    value: str = ""


@cache
def _routes(path: str) -> RouteData:
    return load_dir(path)


def route_data(settings: Settings, routes: RouteData | None) -> RouteData:
    """The route guide's compounds: the one the app loaded, else the configured directory."""
    if routes is not None:
        return routes
    folder = Path(getattr(settings, "routes_dir", "routes_data/demo"))
    return _routes(str(folder if folder.is_absolute() else ROOT / folder))


def _cancel_row(kb: InlineKeyboardBuilder, t: Translate) -> None:
    kb.button(text=t("btn.report_cancel"), callback_data=Rp(action="cancel").pack())


def _categories_keyboard(t: Translate) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for cat in categories(reportable_only=True):
        kb.button(text=cat.name(t.lang), callback_data=Rp(action="cat", value=cat.code).pack())
    _cancel_row(kb, t)
    kb.adjust(1)
    return kb.as_markup()


def _place_keyboard(t: Translate) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=t("btn.report_share_location"), request_location=True)],
            [KeyboardButton(text=t("btn.report_skip"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def _photos_keyboard(t: Translate, count: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    label = t("btn.report_photos_done", count=count) if count else t("btn.report_skip")
    kb.button(text=label, callback_data=Rp(action="done").pack())
    _cancel_row(kb, t)
    kb.adjust(1)
    return kb.as_markup()


def _anon_keyboard(t: Translate) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn.report_anonymous"), callback_data=Rp(action="anon", value="1").pack())
    kb.button(text=t("btn.report_named"), callback_data=Rp(action="anon", value="0").pack())
    kb.adjust(1)
    return kb.as_markup()


def _confirm_keyboard(t: Translate, key: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    # The draft's submission key: a second press finds the case the first one made.
    kb.button(text=t("btn.report_submit"), callback_data=Rp(action="submit", value=key).pack())
    _cancel_row(kb, t)
    kb.adjust(1)
    return kb.as_markup()


# --- start ----------------------------------------------------------------------------------


async def start_report(
    message: Message, session: AsyncSession, user: User, t: Translate, state: FSMContext
) -> None:
    if await active_membership(session, user_id=user.id) is None:  # type: ignore[arg-type]
        await message.answer(t("error.not_member"), reply_markup=join_offer_keyboard(t))
        return
    await state.clear()
    await state.set_state(ReportForm.category)
    await message.answer(t("report.choose_category"), reply_markup=_categories_keyboard(t))


async def menu_report(
    query: CallbackQuery, session: AsyncSession, user: User, t: Translate, state: FSMContext
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await start_report(query.message, session, user, t, state)


async def cancel(query: CallbackQuery, t: Translate, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(t("report.cancelled"), reply_markup=ReplyKeyboardRemove())


async def cancel_command(message: Message, t: Translate, state: FSMContext) -> None:
    await state.clear()
    await message.answer(t("report.cancelled"), reply_markup=ReplyKeyboardRemove())


async def stale_button(query: CallbackQuery, t: Translate) -> None:
    """A button of a report that is already sent or cancelled."""
    await query.answer(t("report.stale_button"), show_alert=True)


# --- category and description ---------------------------------------------------------------


async def category_chosen(
    query: CallbackQuery, callback_data: Rp, t: Translate, state: FSMContext
) -> None:
    cat = category(callback_data.value)
    await state.update_data(category=cat.code, photos=[])
    await state.set_state(ReportForm.description)
    await query.answer()
    if isinstance(query.message, Message):
        # The category's advice comes first (before any photo is taken), then the question
        # with its limit, so nobody writes more than will be kept.
        advice = html.escape(cat.first_guidance(t.lang), quote=False)
        ask = t("report.describe", category=cat.name(t.lang))
        limit = t("report.describe_limit", limit=MAX_TEXT)
        await query.message.answer(f"{ask}\n{limit}\n\n{t('report.advice', advice=Raw(advice))}")


async def category_expected(message: Message, t: Translate) -> None:
    await message.answer(t("report.pick_category_first"), reply_markup=_categories_keyboard(t))


async def description_text(message: Message, t: Translate, state: FSMContext) -> None:
    body = (message.text or "").strip()
    if not body:
        await message.answer(t("error.empty_description"))
        return
    if len(body) > MAX_TEXT:
        await message.answer(t("error.description_too_long", length=len(body), limit=MAX_TEXT))
        return
    await state.update_data(description=body)
    await _ask_place(message, t, state)


async def description_voice(message: Message, t: Translate, state: FSMContext) -> None:
    voice = message.voice
    assert voice is not None
    await state.update_data(
        voice={
            "file_id": voice.file_id,
            "file_unique_id": voice.file_unique_id,
            "size": voice.file_size,
            "mime_type": voice.mime_type,
            "duration": voice.duration,
        },
        description=(message.caption or "").strip(),
    )
    await message.answer(t("report.voice_kept"))
    await _ask_place(message, t, state)


async def description_expected(message: Message, t: Translate) -> None:
    key = "report.text_not_photo" if message.photo else "report.describe_in_text"
    await message.answer(t(key))


# --- place -----------------------------------------------------------------------------------


async def _ask_place(message: Message, t: Translate, state: FSMContext) -> None:
    await state.set_state(ReportForm.place)
    await message.answer(t("report.ask_place"), reply_markup=_place_keyboard(t))


async def place_location(message: Message, t: Translate, state: FSMContext) -> None:
    loc = message.location
    assert loc is not None
    await state.update_data(lat=loc.latitude, lon=loc.longitude, place=None)
    await _ask_photos(message, t, state, t("report.place_kept"))


async def place_text(
    message: Message,
    t: Translate,
    state: FSMContext,
    settings: Settings,
    routes: RouteData | None = None,
) -> None:
    """ "Skip", or a compound's name to search for."""
    typed = (message.text or "").strip()
    if typed == t("btn.report_skip"):
        await state.update_data(lat=None, lon=None, place=None)
        await _ask_photos(message, t, state, t("report.place_skipped"))
        return
    hits = route_data(settings, routes).search_compounds(typed, limit=6)
    if not hits:
        await message.answer(t("report.no_compound", query=typed), reply_markup=_place_keyboard(t))
        return
    kb = InlineKeyboardBuilder()
    for c in hits:
        name = c.name_en if t.lang == "en" and c.name_en else c.name
        kb.button(text=name, callback_data=Rp(action="cmp", value=c.id[:40]).pack())
    kb.adjust(1)
    await message.answer(t("report.pick_compound"), reply_markup=kb.as_markup())


async def compound_chosen(
    query: CallbackQuery,
    callback_data: Rp,
    t: Translate,
    state: FSMContext,
    settings: Settings,
    routes: RouteData | None = None,
) -> None:
    compound = route_data(settings, routes).compound(callback_data.value)
    await query.answer()
    if compound is None or not isinstance(query.message, Message):
        return
    name = compound.name_en if t.lang == "en" and compound.name_en else compound.name
    await state.update_data(lat=compound.lat, lon=compound.lon, place=name)
    # The place keyboard was not used (the name was typed): take it away first.
    await query.message.answer(
        t("report.compound_kept", name=name), reply_markup=ReplyKeyboardRemove()
    )
    await _ask_photos(query.message, t, state, "")


async def place_expected(message: Message, t: Translate) -> None:
    await message.answer(t("report.place_expected"), reply_markup=_place_keyboard(t))


# --- photos ----------------------------------------------------------------------------------


async def _ask_photos(message: Message, t: Translate, state: FSMContext, kept: str) -> None:
    """One message: what was kept of the place, and the photo question. (The reply keyboard
    of the place step goes away when the rider uses it: it is one-time.)"""
    await state.set_state(ReportForm.photos)
    await message.answer(
        (kept + "\n\n" if kept else "") + t("report.ask_photos", limit=MAX_PHOTOS),
        reply_markup=_photos_keyboard(t, 0),
    )


def make_photo_handler() -> Any:
    # Photos of an album arrive at once; one lock per chat keeps each one counted.
    locks: dict[int, asyncio.Lock] = {}

    async def photo_received(message: Message, t: Translate, state: FSMContext) -> None:
        lock = locks.setdefault(message.chat.id, asyncio.Lock())
        async with lock:
            photo = message.photo[-1]  # type: ignore[index]  # the largest size
            if photo.file_size is not None and photo.file_size > MAX_PHOTO_BYTES:
                await message.answer(t("error.photo_too_big", limit_mb=MAX_PHOTO_BYTES >> 20))
                return
            photos = list((await state.get_data()).get("photos", []))
            if len(photos) >= MAX_PHOTOS:
                await message.answer(
                    t("error.too_many_photos", limit=MAX_PHOTOS),
                    reply_markup=_photos_keyboard(t, len(photos)),
                )
                return
            photos.append(
                {
                    "file_id": photo.file_id,
                    "file_unique_id": photo.file_unique_id,
                    "size": photo.file_size,
                    "mime_type": "image/jpeg",
                }
            )
            await state.update_data(photos=photos)
            await message.answer(
                t("report.photo_kept", count=len(photos), limit=MAX_PHOTOS),
                reply_markup=_photos_keyboard(t, len(photos)),
            )

    return photo_received


async def photos_expected(message: Message, t: Translate, state: FSMContext) -> None:
    count = len((await state.get_data()).get("photos", []))
    key = "report.photo_as_document" if message.document else "report.photos_expected"
    await message.answer(t(key), reply_markup=_photos_keyboard(t, count))


async def photos_done(query: CallbackQuery, t: Translate, state: FSMContext) -> None:
    await query.answer()
    await state.set_state(ReportForm.anonymous)
    if isinstance(query.message, Message):
        await query.message.answer(t("report.ask_anonymous"), reply_markup=_anon_keyboard(t))


async def anonymous_expected(message: Message, t: Translate) -> None:
    await message.answer(t("report.press_a_button"), reply_markup=_anon_keyboard(t))


# --- summary and submit ----------------------------------------------------------------------


async def anonymous_chosen(
    query: CallbackQuery, callback_data: Rp, t: Translate, state: FSMContext
) -> None:
    key = (await state.get_data()).get("submission_key") or submissions.new_key()
    await state.update_data(anonymous=callback_data.value == "1", submission_key=key)
    await state.set_state(ReportForm.confirm)
    await query.answer()
    if not isinstance(query.message, Message):
        return
    data = await state.get_data()
    if data.get("place"):
        place = data["place"]
    elif data.get("lat") is not None:
        place = f"{data['lat']:.5f}, {data['lon']:.5f}"
    else:
        place = t("cases.place_none")
    summary = t(
        "report.summary",
        category=category(data["category"]).name(t.lang),
        place=place,
        photos=len(data.get("photos", [])),
        voice="🎤" if data.get("voice") else "—",
        anonymous=t("report.anonymous_yes" if data["anonymous"] else "report.anonymous_no"),
    )
    # The description is the rider's own text: escaped, kept whole, split only when long.
    pieces = split_text(data.get("description") or "🎤", limit=TELEGRAM_LIMIT - len(summary) - 2)
    pieces[0] = summary + "\n" + html.escape(pieces[0], quote=False)
    for i, piece in enumerate(pieces):
        markup = _confirm_keyboard(t, key) if i == len(pieces) - 1 else None
        await query.message.answer(
            piece, parse_mode="HTML" if i == 0 else None, reply_markup=markup
        )


async def confirm_expected(message: Message, t: Translate, state: FSMContext) -> None:
    key = (await state.get_data()).get("submission_key") or ""
    await message.answer(t("report.press_a_button"), reply_markup=_confirm_keyboard(t, key))


def _submitted_text(case: Case, t: Translate, tz: str) -> str:
    parts = [t("report.submitted", ref=case.ref, due=local(case.first_response_due_at, tz))]
    if case.outside_area:
        parts.append(t("report.outside_area"))
    parts.append(html.escape(category(case.category).first_guidance(t.lang), quote=False))
    return "\n\n".join(parts)


async def submit(
    query: CallbackQuery,
    callback_data: Rp,
    session: AsyncSession,
    user: User,
    t: Translate,
    state: FSMContext,
    settings: Settings,
) -> None:
    """Submit, in any state: a press whose draft already made a case is shown that case (a
    double tap, a tap after the answer was lost); only the draft's own button creates one."""
    data = await state.get_data()
    key = callback_data.value or data.get("submission_key") or ""
    made = key and await submissions.created_by(
        session,
        key=key,
        user_id=user.id,  # type: ignore[arg-type]
        form="report",
    )
    if made:
        case = await session.get(Case, made)
        with contextlib.suppress(TelegramAPIError):  # it only stops the button's spinner
            await query.answer()
        if case is not None and isinstance(query.message, Message):
            await query.message.answer(t("report.already_submitted", ref=case.ref))
        return
    in_form = await state.get_state() == ReportForm.confirm.state
    if not in_form or (callback_data.value and callback_data.value != data.get("submission_key")):
        await stale_button(query, t)
        return
    key = key or submissions.new_key()  # a draft from before keys: this press makes one
    voice = data.get("voice")
    report = reporting.Report(
        category=data["category"],
        description=data.get("description", ""),
        voice=reporting.Attachment(kind=AttachmentKind.voice, **voice) if voice else None,
        photos=[reporting.Attachment(**p) for p in data.get("photos", [])],
        lat=data.get("lat"),
        lon=data.get("lon"),
        place=data.get("place"),
        anonymous=bool(data.get("anonymous")),
    )
    # With the database FSM storage the clear commits or rolls back with the case; with
    # Redis it does not, but every refusal of report_case comes before it writes anything.
    await state.clear()
    case = await reporting.report_case(session, user=user, report=report, tz=settings.timezone)
    await submissions.remember(
        session,
        key=key,
        user_id=user.id,  # type: ignore[arg-type]
        form="report",
        created_id=case.id,  # type: ignore[arg-type]
    )
    text = _submitted_text(case, t, settings.timezone)
    await confirm_submit(query, session=session, user=user, text=text)


def make_router() -> Router:
    router = Router(name="report")
    router.message.filter(F.chat.type == "private")
    router.message.register(start_report, Command("report"))
    # /cancel only for this area's forms: other flows answer their own /cancel.
    router.message.register(
        cancel_command, Command("cancel"), StateFilter(ReportForm, MyCaseForm, RepForm)
    )
    router.callback_query.register(menu_report, F.data == "menu:report")
    router.callback_query.register(cancel, Rp.filter(F.action == "cancel"))

    router.callback_query.register(
        category_chosen, ReportForm.category, Rp.filter(F.action == "cat")
    )
    router.message.register(category_expected, ReportForm.category, ~F.text.startswith("/"))

    router.message.register(description_text, ReportForm.description, NOT_COMMAND)
    router.message.register(description_voice, ReportForm.description, F.voice)
    router.message.register(description_expected, ReportForm.description, ~F.text.startswith("/"))

    router.message.register(place_location, ReportForm.place, F.location)
    router.message.register(place_text, ReportForm.place, NOT_COMMAND)
    router.callback_query.register(compound_chosen, ReportForm.place, Rp.filter(F.action == "cmp"))
    router.message.register(place_expected, ReportForm.place, ~F.text.startswith("/"))

    router.message.register(make_photo_handler(), ReportForm.photos, F.photo)
    router.callback_query.register(photos_done, ReportForm.photos, Rp.filter(F.action == "done"))
    router.message.register(photos_expected, ReportForm.photos, ~F.text.startswith("/"))

    router.callback_query.register(
        anonymous_chosen, ReportForm.anonymous, Rp.filter(F.action == "anon")
    )
    router.message.register(anonymous_expected, ReportForm.anonymous, ~F.text.startswith("/"))

    router.callback_query.register(submit, Rp.filter(F.action == "submit"))  # any state
    router.message.register(confirm_expected, ReportForm.confirm, ~F.text.startswith("/"))

    router.callback_query.register(stale_button, StateFilter("*"), Rp.filter())
    return router
