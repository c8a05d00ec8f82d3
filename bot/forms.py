"""One engine for every multi-step chat form, on aiogram's FSM.

A `Form` is a list of `Step`s and a summary with Submit. The engine does what every form
needs: ask each step, parse the answer (a wrong one gets the step's sentence saying what to
send instead), Back and Cancel on every step, the stale button (one sentence everywhere),
suspend-on-command with "Continue / Discard", and a Submit a double tap cannot make twice.

Declaring one (bot/cases/report.py and bot/guides/tips.py are full examples)::

    def ask_zone(ctx: Ctx) -> Ask:                    # a prompt: text + inline rows
        rows = [[ctx.button(z.name, z.code)] for z in zones]   # action = the step's code
        return Ask(ctx.t(ASK_ZONE), buttons=rows)  # catalogue keys

    def parse_amount(ctx: Ctx, got: Input) -> int:     # a parser: a value, or raise Wrong
        if not got.text.isdigit():
            raise Wrong("x.amount_digits")             # the sentence saying what to send
        return int(got.text)

    async def submit(ctx: Ctx) -> Done:                # called once per draft
        rec = await service.create(ctx.data["session"], user=ctx.data["user"], **ctx.values)
        return Done(rec.id, ctx.t(DONE, ref=rec.ref))

    FORM = Form("x", prefix="xf", title="x.title", steps=[
        Step("zone", ask_zone, accepts=("choice",), wrong="x.pick_zone"),
        Step("amount", "x.ask_amount", parse=parse_amount, wrong="x.amount_digits"),
        Step("photo", "x.ask_photo", accepts=("photo",), skip="x.btn_skip",
             when=lambda v: v["zone"] == "XH"),
    ], summary=summary, submit=submit, repeated=repeated)

    # in the domain's make_router(): its own entry, then the engine's handlers
    router.message.register(start, Command("x"))  # start(): checks, then FORM.open(...)
    router.include_router(FORM.router())

Where things live. While the form is being filled the FSM *state* is `form:<name>`; its
draft is in the FSM *data* under the same key: `{"step", "values": {step: value}, "key"}`.
Drafts of several forms live side by side; Cancel drops only its own key. A command in the
middle of a form (SuspendOnCommand) sets the state to None and keeps the draft; after the
command the rider is offered "Continue / Discard" (and /<form> again offers "Continue /
Start over"). Flows outside the engine call `leave(state)`, never `state.clear()`, and
`cancel_flow` for their /cancel. Presses are answered by aiogram's CallbackAnswerMiddleware.

More a form may use (bot/membership/join_form.py uses them all): `Stay(value, ask,
edit=True)` redraws the pressed message's buttons in place (choices ticked on one message);
an `Ask` with both `buttons` and `reply` (+ `reply_text`) offers a pick or a shared
location; summary buttons `ctx.button(label, step_name, action="edit")` ask that step again
and go straight back to the summary; `Form(old_actions=...)` reads renamed actions of
buttons already sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.callback_answer import CallbackAnswer, CallbackAnswerMiddleware

from bot.confirmation import confirm_submit
from bot.errors import explain
from bot.form_drafts import (
    FORMS,
    SuspendOnCommand,
    cancel_flow,
    fm_button,
    leave,
    make_router,
    offer,
    offered,
    stale,
)
from bot.form_parts import (
    CONFIRM,
    KINDS,
    Ask,
    Ctx,
    Done,
    Input,
    Next,
    Parser,
    Prompt,
    Stay,
    Step,
    Wrong,
    input_kind,
    maybe,
)
from bot.keyboards import OldActionWords
from services import submissions
from services.errors import Invalid
from services.texts import Translate

__all__ = [
    "CONFIRM",
    "KINDS",
    "Ask",
    "Ctx",
    "Done",
    "Form",
    "Input",
    "Next",
    "Parser",
    "Prompt",
    "Stay",
    "Step",
    "SuspendOnCommand",
    "Wrong",
    "cancel_flow",
    "leave",
    "make_router",
    "offer",
]


class Form:
    """A form: `name` (its FSM key and submission form name), `prefix` (its buttons'
    callback prefix), `title` (catalogue key naming it in "You have an unfinished ..."),
    `steps`, `summary` fn(ctx) -> Ask shown with Submit, `submit` async fn(ctx) -> Done
    (called once per draft), `repeated` async fn(ctx, created_id) -> text for a Submit
    pressed again after it worked."""

    def __init__(
        self,
        name: str,
        *,
        prefix: str,
        title: str,
        steps: list[Step],
        summary: Prompt,
        submit: Callable[[Ctx], Awaitable[Done]],
        repeated: Callable[[Ctx, int], Awaitable[str]],
        submit_label: str = "forms.btn_submit",
        cancelled: str = "forms.cancelled",
        old_actions: dict[str, str] | None = None,
    ) -> None:
        self.name, self.title, self.steps = name, title, steps
        self.summary, self.submit, self.repeated = summary, submit, repeated
        self.submit_label, self.cancelled = submit_label, cancelled
        self.state = self.key = f"form:{name}"

        class Cb(OldActionWords, CallbackData, prefix=prefix):
            action: str
            value: str = ""

        Cb.OLD_ACTIONS = dict(old_actions or {})  # buttons sent before a rename still work
        self.cb = Cb
        FORMS[name] = self

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)

    def _index(self, name: str) -> int:
        return len(self.steps) if name == CONFIRM else self.steps.index(self.step(name))

    # --- the draft ----------------------------------------------------------------------

    async def draft(self, state: FSMContext) -> dict[str, Any] | None:
        return (await state.get_data()).get(self.key)

    async def _save(self, state: FSMContext, draft: dict[str, Any]) -> None:
        await state.update_data({self.key: draft})

    async def drop(self, state: FSMContext) -> None:
        """Discard this form's draft only; other drafts and data stay."""
        data = await state.get_data()
        data.pop(self.key, None)
        await state.set_data(data)
        if await state.get_state() == self.state:
            await state.set_state(None)

    # --- opening ------------------------------------------------------------------------

    async def open(
        self,
        message: Message,
        state: FSMContext,
        t: Translate,
        *,
        values: dict[str, Any] | None = None,
        **data: Any,
    ) -> None:
        """Start the form (with `values` known before the first step, e.g. which compound a
        tip is about), or, with a draft of it kept, offer Continue / Start over."""
        draft = await self.draft(state)
        if draft is not None:
            draft["seed"] = values or {}  # what "Start over" starts with
            await self._save(state, draft)
            await state.set_state(None)
            kb = [
                [fm_button(t("forms.btn_continue"), "go", self.name)],
                [fm_button(t("forms.btn_start_over"), "new", self.name)],
            ]
            offered.set(True)
            await message.answer(
                t("forms.unfinished", form=t(self.title)),
                reply_markup=InlineKeyboardMarkup(inline_keyboard=kb),
            )
            return
        await self._begin(message, state, t, data, values or {})

    async def _begin(
        self, message: Message, state: FSMContext, t: Translate, data: dict, values: dict
    ) -> None:
        draft: dict[str, Any] = {"step": "", "values": dict(values), "key": None}
        await state.set_state(self.state)
        await self._go(message, state, Ctx(self, t, draft["values"], data), draft, -1)

    async def resume(self, message: Message, state: FSMContext, t: Translate, data: dict) -> None:
        """Make the draft the active form again and re-ask its current step."""
        draft = await self.draft(state)
        if draft is None:
            await message.answer(t("forms.stale"))
            return
        await state.set_state(self.state)
        await self._ask(message, Ctx(self, t, draft["values"], data, draft["step"]), draft)

    # --- moving between steps -----------------------------------------------------------

    async def _go(
        self, message: Message, state: FSMContext, ctx: Ctx, draft: dict, after: int
    ) -> None:
        """Ask the first applicable step after index `after` (the summary after the last;
        straight back to it after an edit from it)."""
        if draft.pop("editing", False):
            after = len(self.steps)
        nxt = next((s for s in self.steps[after + 1 :] if s.applies(ctx.values)), None)
        draft["step"] = nxt.name if nxt else CONFIRM
        if nxt is None:
            draft["key"] = draft.get("key") or submissions.new_key()
        await self._save(state, draft)
        ctx.step = draft["step"]
        await self._ask(message, ctx, draft)

    async def _back(self, message: Message, state: FSMContext, ctx: Ctx, draft: dict) -> None:
        draft.pop("editing", None)  # Back during an edit: the form goes on from there
        here = self._index(draft["step"])
        before = [s for s in self.steps[:here] if s.applies(ctx.values)]
        if not before:
            await self._ask(message, ctx, draft)
            return
        draft["step"] = ctx.step = before[-1].name
        await self._save(state, draft)
        await self._ask(message, ctx, draft)

    async def _edit(
        self, message: Message, state: FSMContext, ctx: Ctx, draft: dict, name: str
    ) -> None:
        """An edit button of the summary (`ctx.button(label, step, action="edit")`): that
        step is asked again, and its answer goes straight back to the summary."""
        draft["step"] = ctx.step = name
        draft["editing"] = True
        await self._save(state, draft)
        await self._ask(message, ctx, draft)

    def _has_back(self, ctx: Ctx) -> bool:
        here = self._index(ctx.step)
        return any(s.applies(ctx.values) for s in self.steps[:here])

    async def _markup(self, ctx: Ctx, ask: Ask, draft: dict) -> Any:
        t = ctx.t
        back = self._has_back(ctx)
        if ctx.step == CONFIRM:
            rows = [
                *ask.buttons,
                [ctx.button(t(self.submit_label), draft["key"] or "", action="submit")],
            ]
        else:
            step = self.step(ctx.step)
            if ask.reply is not None and not ask.buttons:
                rows_r = [list(r) for r in ask.reply]
                if step.skip:
                    rows_r.append([KeyboardButton(text=t(step.skip))])
                tail = [KeyboardButton(text=t("forms.btn_back"))] if back else []
                rows_r.append([*tail, KeyboardButton(text=t("forms.btn_cancel"))])
                return ReplyKeyboardMarkup(
                    keyboard=rows_r, resize_keyboard=True, one_time_keyboard=True
                )
            rows = list(ask.buttons)
            if step.extra is not None:
                rows += step.extra(ctx)
            if step.skip:
                rows.append([ctx.button(t(step.skip), action="skip")])
        tail = [ctx.button(t("forms.btn_back"), action="back")] if back else []
        rows.append([*tail, ctx.button(t("forms.btn_cancel"), action="cancel")])
        return InlineKeyboardMarkup(inline_keyboard=rows)

    async def _prompt(self, ctx: Ctx) -> Ask:
        if ctx.step == CONFIRM:
            return await maybe(self.summary(ctx))
        prompt = self.step(ctx.step).prompt
        return Ask(ctx.t(prompt)) if isinstance(prompt, str) else await maybe(prompt(ctx))

    async def _ask(self, message: Message, ctx: Ctx, draft: dict, ask: Ask | None = None) -> None:
        ask = ask or await self._prompt(ctx)
        pieces = [ask.text] if isinstance(ask.text, str) else ask.text
        markup = await self._markup(ctx, ask, draft)
        for i, piece in enumerate(pieces):
            await message.answer(piece, reply_markup=markup if i == len(pieces) - 1 else None)
        if ask.reply is not None and ask.buttons:  # one keyboard kind per message
            keyboard = ReplyKeyboardMarkup(
                keyboard=ask.reply, resize_keyboard=True, one_time_keyboard=True
            )
            await message.answer(ask.reply_text, reply_markup=keyboard)

    async def _say(self, message: Message, ctx: Ctx, draft: dict, text: str) -> None:
        """A sentence with the step's keyboard again (wrong input)."""
        ask = await self._prompt(ctx)
        await message.answer(text, reply_markup=await self._markup(ctx, ask, draft))

    # --- answers --------------------------------------------------------------------------

    async def _feed(
        self, message: Message, state: FSMContext, ctx: Ctx, draft: dict, got: Input
    ) -> None:
        if ctx.step == CONFIRM:
            await self._say(message, ctx, draft, ctx.t("forms.press_a_button"))
            return
        step = self.step(ctx.step)
        if got.kind not in step.accepts:
            key = step.wrong if isinstance(step.wrong, str) else step.wrong(ctx, got)
            await self._say(message, ctx, draft, ctx.t(key))
            return
        try:
            result = await maybe(step.parse(ctx, got))
        except Wrong as w:
            await self._say(message, ctx, draft, ctx.t(w.key, **w.values))
            return
        except Invalid as e:
            await self._say(message, ctx, draft, explain(ctx.t, e))
            return
        if isinstance(result, Stay):
            ctx.values[step.name] = result.value
            await self._save(state, draft)
            if result.edit and got.kind == "choice":
                markup = await self._markup(ctx, result.ask, draft)
                await message.edit_reply_markup(reply_markup=markup)
            else:
                await self._ask(message, ctx, draft, result.ask)
            return
        if isinstance(result, Next):
            await message.answer(result.say, reply_markup=ReplyKeyboardRemove())
            result = result.value
        ctx.values[step.name] = result
        await self._go(message, state, ctx, draft, self._index(step.name))

    async def on_message(
        self, message: Message, state: FSMContext, t: Translate, **data: Any
    ) -> None:
        draft = await self.draft(state)
        if draft is None:  # the state outlived its data: nothing to continue
            await state.set_state(None)
            await message.answer(t("forms.stale"))
            return
        ctx = Ctx(self, t, draft["values"], data, draft["step"])
        text = (message.text or "").strip()
        if text == t("forms.btn_cancel"):
            await self.cancel(message, state, t)
        elif text == t("forms.btn_back") and self._has_back(ctx):
            await self._back(message, state, ctx, draft)
        elif ctx.step != CONFIRM and (skip := self.step(ctx.step).skip) and text == t(skip):
            await self._skip(message, state, ctx, draft)
        else:
            got = Input(input_kind(message), text=text, message=message)
            await self._feed(message, state, ctx, draft, got)

    async def _skip(self, message: Message, state: FSMContext, ctx: Ctx, draft: dict) -> None:
        ctx.values[ctx.step] = None
        await self._go(message, state, ctx, draft, self._index(ctx.step))

    async def cancel(self, message: Message, state: FSMContext, t: Translate, **_: Any) -> None:
        await self.drop(state)
        await message.answer(t(self.cancelled), reply_markup=ReplyKeyboardRemove())

    async def _fits(self, query: CallbackQuery, callback_data: Any, state: FSMContext) -> bool:
        """A press this form's draft can take now (else it is stale)."""
        draft = await self.draft(state)
        if draft is None or not isinstance(query.message, Message):
            return False
        action, here = callback_data.action, draft["step"]
        if action in ("back", "cancel"):
            return True
        if here == CONFIRM:
            return action == "edit" and callback_data.value in {s.name for s in self.steps}
        step = self.step(here)
        return (
            action == step.code or action in step.actions or (action == "skip" and bool(step.skip))
        )

    async def on_press(
        self, query: CallbackQuery, callback_data: Any, state: FSMContext, t: Translate, **data: Any
    ) -> None:
        """A press that fits the draft (answered at once by CallbackAnswerMiddleware)."""
        message = query.message
        assert isinstance(message, Message)
        draft = await self.draft(state)
        assert draft is not None
        ctx = Ctx(self, t, draft["values"], data, draft["step"])
        action = callback_data.action
        if action == "cancel":
            await self.cancel(message, state, t)
            return
        await state.set_state(self.state)  # a press on a suspended draft's step resumes it
        if action == "back":
            await self._back(message, state, ctx, draft)
        elif action == "skip":
            await self._skip(message, state, ctx, draft)
        elif action == "edit" and ctx.step == CONFIRM:
            await self._edit(message, state, ctx, draft, callback_data.value)
        else:
            got = Input("choice", action=action, value=callback_data.value, message=message)
            await self._feed(message, state, ctx, draft, got)

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
        message = query.message if isinstance(query.message, Message) else None
        key = callback_data.value
        session, user = data["session"], data["user"]
        made = key and await submissions.created_by(
            session, key=key, user_id=user.id, form=self.name
        )
        draft = await self.draft(state)
        ctx = Ctx(self, t, (draft or {}).get("values", {}), data, CONFIRM)
        if made:
            if message is not None:
                await message.answer(await self.repeated(ctx, made))
            return
        if draft is None or draft["step"] != CONFIRM or not key or draft.get("key") != key:
            return stale(callback_answer, t)
        # confirm_submit answers the press itself; a refusal (a DomainError) is answered by
        # the error handler, which a press answered empty here would silence.
        callback_answer.disable()
        # With the database FSM storage, dropping the draft commits or rolls back with
        # what submit creates: a refused submit keeps the draft.
        await self.drop(state)
        done = await self.submit(ctx)
        await submissions.remember(
            session, key=key, user_id=user.id, form=self.name, created_id=done.created_id
        )
        await confirm_submit(
            query, session=session, user=user, text=done.text, reply_markup=done.markup
        )

    def router(self) -> Router:
        """The engine's handlers of this form; include it after the form's own /command."""
        router = Router(name=f"form:{self.name}")
        router.message.filter(F.chat.type == "private")
        router.callback_query.middleware(CallbackAnswerMiddleware())
        router.message.register(self.cancel, StateFilter(self.state), Command("cancel"))
        router.message.register(self.on_message, StateFilter(self.state), ~F.text.startswith("/"))
        # Submit is answered by confirm_submit (or, refused, by the error handler); a press
        # that fits is answered at once; a stale one with its sentence.
        router.callback_query.register(self.on_submit, self.cb.filter(F.action == "submit"))
        pre = {"callback_answer": {"pre": True}}
        router.callback_query.register(self.on_press, self.cb.filter(), self._fits, flags=pre)
        router.callback_query.register(self.on_stale, self.cb.filter())
        return router
