"""Drafts outside their form: suspended by a command, offered back ("Continue / Discard"),
kept by flows outside the engine (`leave`), and the one stale-button sentence."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
    TelegramObject,
)
from aiogram.utils.callback_answer import CallbackAnswer, CallbackAnswerMiddleware

from services.texts import Translate

if TYPE_CHECKING:
    from bot.forms import Form

FORMS: dict[str, Form] = {}  # every declared form by name
offered: ContextVar[bool] = ContextVar("formsoffered", default=False)


class Fm(CallbackData, prefix="fm"):
    """The engine's own buttons: go (continue a draft), drop (discard it), new (start over)."""

    action: str
    form: str


def fm_button(label: str, action: str, form: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=label, callback_data=Fm(action=action, form=form).pack())


def stale(callback_answer: CallbackAnswer, t: Translate) -> None:
    """A press from an old message of a finished or other form: one sentence everywhere."""
    callback_answer.text = t("forms.stale")
    callback_answer.show_alert = True


# --- leaving, suspending, offering -------------------------------------------------------


async def leave(state: FSMContext) -> None:
    """What a flow outside the engine calls instead of `state.clear()`: its state and data go,
    the forms' drafts stay."""
    kept = {k: v for k, v in (await state.get_data()).items() if k.startswith("form:")}
    await state.set_state(None)
    await state.set_data(kept)


async def cancel_flow(message: Message, state: FSMContext, t: Translate) -> None:
    """/cancel for a flow outside the engine: register it with that flow's StateFilter."""
    await leave(state)
    await message.answer(t("forms.cancelled"), reply_markup=ReplyKeyboardRemove())


async def offer(message: Message, state: FSMContext, t: Translate) -> bool:
    """ "You have an unfinished <form>: Continue / Discard" for each kept draft."""
    data = await state.get_data()
    found = [f for f in FORMS.values() if f.key in data]
    for form in found:
        kb = [
            [fm_button(t("forms.btn_continue"), "go", form.name)],
            [fm_button(t("forms.btn_discard"), "drop", form.name)],
        ]
        await message.answer(
            t("forms.unfinished", form=t(form.title)),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=kb),
        )
    offered.set(bool(found))
    return bool(found)


class SuspendOnCommand(BaseMiddleware):
    """A command typed in the middle of a form suspends it (its draft stays); after the
    command, if nothing else is going on, the rider is offered to continue or discard."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        state: FSMContext | None = data.get("state")
        text = getattr(event, "text", None) or ""
        if state is None or not isinstance(event, Message) or not text.startswith("/"):
            return await handler(event, data)
        current = await state.get_state()
        if (
            current in {f.state for f in FORMS.values()}
            and text.split()[0].split("@")[0] != "/cancel"
        ):
            await state.set_state(None)
        token = offered.set(False)
        try:
            result = await handler(event, data)
            t = data.get("t")
            if not offered.get() and t is not None and await state.get_state() is None:
                await offer(event, state, t)
            return result
        finally:
            offered.reset(token)


async def _engine_press(
    query: CallbackQuery,
    callback_data: Fm,
    state: FSMContext,
    t: Translate,
    callback_answer: CallbackAnswer,
    **data: Any,
) -> None:
    form = FORMS.get(callback_data.form)
    message = query.message if isinstance(query.message, Message) else None
    if form is None or message is None or await form.draft(state) is None:
        if callback_data.action != "new" or form is None or message is None:
            return stale(callback_answer, t)
    if callback_data.action == "go":
        await form.resume(message, state, t, data)
    elif callback_data.action == "drop":
        await form.drop(state)
        await message.answer(t("forms.discarded", form=t(form.title)))
    else:  # new: discard and start over
        seed = (await form.draft(state) or {}).get("seed") or {}
        await form.drop(state)
        await form.begin(message, state, t, data, seed)


def make_router() -> Router:
    """The Continue / Discard / Start over buttons of every form."""
    router = Router(name="forms")
    router.callback_query.middleware(CallbackAnswerMiddleware())
    router.callback_query.register(_engine_press, Fm.filter())
    return router
