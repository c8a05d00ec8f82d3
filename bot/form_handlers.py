"""One form's router (`Form.router()`, see bot/forms.py): what the rider types while the form
is active (an answer, or Back / Skip / Cancel on a reply keyboard), /cancel, a press that fits
the draft, a stale press, and Submit, which makes its record once per draft."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.callback_answer import CallbackAnswer, CallbackAnswerMiddleware

from bot.confirmation import confirm_submit
from bot.form_asking import has_back
from bot.form_drafts import stale
from bot.form_moves import back, edit, feed, skip
from bot.form_parts import CONFIRM, Ctx, Input, input_kind
from services import submissions
from services.texts import Translate

if TYPE_CHECKING:
    from bot.forms import Form


class FormHandlers:
    """The handlers of one form; aiogram calls these bound methods with the update's data."""

    def __init__(self, form: Form) -> None:
        self.form = form

    async def on_message(
        self, message: Message, state: FSMContext, t: Translate, **data: Any
    ) -> None:
        form = self.form
        draft = await form.draft(state)
        if draft is None:  # the state outlived its data: nothing to continue
            await state.set_state(None)
            await message.answer(t("forms.stale"))
            return
        ctx = Ctx(form, t, draft["values"], data, draft["step"])
        text = (message.text or "").strip()
        if text == t("forms.btn_cancel"):
            await self.cancel(message, state, t)
        elif text == t("forms.btn_back") and has_back(ctx):
            await back(message, state, ctx, draft)
        elif ctx.step != CONFIRM and (label := form.step(ctx.step).skip) and text == t(label):
            await skip(message, state, ctx, draft)
        else:
            got = Input(input_kind(message), text=text, message=message)
            await feed(message, state, ctx, draft, got)

    async def cancel(self, message: Message, state: FSMContext, t: Translate, **_: Any) -> None:
        await self.form.drop(state)
        await message.answer(t(self.form.cancelled), reply_markup=ReplyKeyboardRemove())

    async def fits(self, query: CallbackQuery, callback_data: Any, state: FSMContext) -> bool:
        """A press this form's draft can take now (else it is stale)."""
        draft = await self.form.draft(state)
        if draft is None or not isinstance(query.message, Message):
            return False
        action, here = callback_data.action, draft["step"]
        if action in ("back", "cancel"):
            return True
        if here == CONFIRM:
            return action == "edit" and callback_data.value in {s.name for s in self.form.steps}
        step = self.form.step(here)
        return (
            action == step.code or action in step.actions or (action == "skip" and bool(step.skip))
        )

    async def on_press(
        self, query: CallbackQuery, callback_data: Any, state: FSMContext, t: Translate, **data: Any
    ) -> None:
        """A press that fits the draft (answered at once by CallbackAnswerMiddleware)."""
        form = self.form
        message = query.message
        assert isinstance(message, Message)
        draft = await form.draft(state)
        assert draft is not None
        ctx = Ctx(form, t, draft["values"], data, draft["step"])
        action = callback_data.action
        if action == "cancel":
            await self.cancel(message, state, t)
            return
        await state.set_state(form.state)  # a press on a suspended draft's step resumes it
        if action == "back":
            await back(message, state, ctx, draft)
        elif action == "skip":
            await skip(message, state, ctx, draft)
        elif action == "edit" and ctx.step == CONFIRM:
            await edit(message, state, ctx, draft, callback_data.value)
        else:
            got = Input("choice", action=action, value=callback_data.value, message=message)
            await feed(message, state, ctx, draft, got)

    async def on_stale(
        self, query: CallbackQuery, t: Translate, callback_answer: CallbackAnswer
    ) -> None:
        stale(callback_answer, t)

    async def on_submit(
        self,
        query: CallbackQuery,
        callback_data: Any,
        state: FSMContext,
        t: Translate,
        callback_answer: CallbackAnswer,
        **data: Any,
    ) -> None:
        """Only the draft's own key submits; a key that already made a record shows it."""
        form = self.form
        message = query.message if isinstance(query.message, Message) else None
        key = callback_data.value
        session, user = data["session"], data["user"]
        made = key and await submissions.created_by(
            session, key=key, user_id=user.id, form=form.name
        )
        draft = await form.draft(state)
        ctx = Ctx(form, t, (draft or {}).get("values", {}), data, CONFIRM)
        if made:
            if message is not None:
                await message.answer(await form.repeated(ctx, made))
            return
        if draft is None or draft["step"] != CONFIRM or not key or draft.get("key") != key:
            return stale(callback_answer, t)
        # confirm_submit answers the press itself; a refusal (a DomainError) is answered by
        # the error handler, which a press answered empty here would silence.
        callback_answer.disable()
        # With the database FSM storage, dropping the draft commits or rolls back with
        # what submit creates: a refused submit keeps the draft.
        await form.drop(state)
        done = await form.submit(ctx)
        await submissions.remember(
            session, key=key, user_id=user.id, form=form.name, created_id=done.created_id
        )
        await confirm_submit(
            query, session=session, user=user, text=done.text, reply_markup=done.markup
        )

    def router(self) -> Router:
        form = self.form
        router = Router(name=f"form:{form.name}")
        router.message.filter(F.chat.type == "private")
        router.callback_query.middleware(CallbackAnswerMiddleware())
        router.message.register(self.cancel, StateFilter(form.state), Command("cancel"))
        router.message.register(self.on_message, StateFilter(form.state), ~F.text.startswith("/"))
        # Submit is answered by confirm_submit (or, refused, by the error handler); a press
        # that fits is answered at once; a stale one with its sentence.
        router.callback_query.register(self.on_submit, form.cb.filter(F.action == "submit"))
        pre = {"callback_answer": {"pre": True}}
        router.callback_query.register(self.on_press, form.cb.filter(), self.fits, flags=pre)
        router.callback_query.register(self.on_stale, form.cb.filter())
        return router
