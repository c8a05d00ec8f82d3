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

The engine's modules: this one (a form, its draft, opening and resuming); form_parts (what a
form declares); form_asking (what a step shows: its question and keyboard); form_moves (next,
Back, Skip, edit, an answer parsed); form_handlers (a form's router: typed answers, presses,
Submit); form_drafts (drafts outside their form: suspended, offered back, kept by `leave`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup, Message

from bot.form_asking import send
from bot.form_drafts import (
    FORMS,
    SuspendOnCommand,
    cancel_flow,
    fm_button,
    leave,
    make_router,
    offer,
    offered,
)
from bot.form_handlers import FormHandlers
from bot.form_moves import go
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
)
from bot.keyboards import OldActionWords
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

    def index(self, name: str) -> int:
        return len(self.steps) if name == CONFIRM else self.steps.index(self.step(name))

    # --- the draft ----------------------------------------------------------------------

    async def draft(self, state: FSMContext) -> dict[str, Any] | None:
        return (await state.get_data()).get(self.key)

    async def save(self, state: FSMContext, draft: dict[str, Any]) -> None:
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
            await self.save(state, draft)
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
        await self.begin(message, state, t, data, values or {})

    async def begin(
        self, message: Message, state: FSMContext, t: Translate, data: dict, values: dict
    ) -> None:
        draft: dict[str, Any] = {"step": "", "values": dict(values), "key": None}
        await state.set_state(self.state)
        await go(message, state, Ctx(self, t, draft["values"], data), draft, -1)

    async def resume(self, message: Message, state: FSMContext, t: Translate, data: dict) -> None:
        """Make the draft the active form again and re-ask its current step."""
        draft = await self.draft(state)
        if draft is None:
            await message.answer(t("forms.stale"))
            return
        await state.set_state(self.state)
        await send(message, Ctx(self, t, draft["values"], data, draft["step"]), draft)

    def router(self) -> Router:
        """The engine's handlers of this form; include it after the form's own /command."""
        return FormHandlers(self).router()
