"""One engine for every multi-step chat form, on aiogram's FSM.

A `Form` is a list of `Step`s and a summary with Submit. The engine does what every form
needs: ask each step, parse the answer (a wrong one gets the step's sentence saying what to
send instead), Back and Cancel, the stale button, suspend-on-command, and a Submit that a
double tap cannot make twice.

Where things live. The FSM *state* is `form:<name>` while the form is being filled. Its
draft lives in the FSM *data* under the same key `form:<name>`:
`{"step": <step name>, "values": {<step name>: <value>}, "key": <submission key>}`. Several
drafts can sit side by side; Cancel drops only its own key. A command in the middle of a
form sets the state to None and keeps the draft (SuspendOnCommand); afterwards the rider is
offered "Continue / Discard". Flows outside the engine call `leave(state)` instead of
`state.clear()`, which keeps the drafts.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    TelegramObject,
)
from aiogram.utils.callback_answer import CallbackAnswer, CallbackAnswerMiddleware

from bot.confirmation import confirm_submit
from services import submissions
from services.errors import Invalid
from services.texts import Translate

CONFIRM = "confirm"
KINDS = ("text", "choice", "location", "photo", "contact", "voice", "document")
_FORMS: dict[str, Form] = {}
_offered: ContextVar[bool] = ContextVar("forms_offered", default=False)


class Fm(CallbackData, prefix="fm"):
    """The engine's own buttons: go (continue a draft), drop (discard it), new (start over)."""

    action: str
    form: str


@dataclass
class Input:
    """What the rider sent: `kind` is one of KINDS; a press has `action` and `value`."""

    kind: str
    text: str = ""
    action: str = ""
    value: str = ""
    message: Message | None = None


@dataclass
class Ask:
    """What a step shows: text (several pieces for a long one; the keyboard goes under the
    last), inline rows, or instead a reply keyboard (for location/contact requests)."""

    text: str | list[str]
    buttons: list[list[InlineKeyboardButton]] = field(default_factory=list)
    reply: list[list[KeyboardButton]] | None = None


class Wrong(Exception):
    """Raised by a parser: say the catalogue text `key` (with values), stay on the step."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


@dataclass
class Stay:
    """A parser's answer that keeps `value` (a partial answer) and stays on the step."""

    value: Any
    ask: Ask


@dataclass
class Next:
    """A parser's answer with a note said before the next step is asked."""

    value: Any
    say: str


@dataclass
class Done:
    """What `submit` returns: the created record's id and the HTML text telling the rider."""

    created_id: int
    text: str
    markup: InlineKeyboardMarkup | None = None


@dataclass
class Ctx:
    """Handed to prompts, parsers, conditions' callers, summary and submit."""

    form: Form
    t: Translate
    values: dict[str, Any]
    data: dict[str, Any]  # the handler's keyword data: session, user, settings, ...
    step: str = ""

    def button(self, label: str, value: str = "", *, action: str | None = None) -> Any:
        """An inline button of this form; `action` defaults to the current step's code."""
        if action is None:
            action = self.form.step(self.step).code if self.step != CONFIRM else CONFIRM
        data = self.form.cb(action=action, value=value).pack()
        return InlineKeyboardButton(text=label, callback_data=data)


Prompt = Callable[[Ctx], Ask | Awaitable[Ask]]
Parser = Callable[[Ctx, Input], Any]


async def _maybe(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def _default_parse(ctx: Ctx, got: Input) -> Any:
    if got.kind == "choice":
        return got.value
    if got.kind == "text":
        if not got.text.strip():
            raise Wrong("forms.wrong_input")
        return got.text.strip()
    return got.message


@dataclass(frozen=True)
class Step:
    """One question. `prompt`: a catalogue key, or fn(ctx) -> Ask. `accepts`: input kinds
    (KINDS). `parse`: fn(ctx, got) -> value | Stay | Next, or raises Wrong / Invalid.
    `wrong`: key (or fn(ctx, got) -> key) said when the kind is not accepted. `skip`: label
    key of a Skip button (stores None). `when`: fn(values) -> bool, False skips the step.
    `extra`: fn(ctx) -> extra inline rows. `code`: its buttons' action (default: name);
    `actions`: other actions its buttons carry (all reach `parse` as kind "choice")."""

    name: str
    prompt: str | Prompt
    accepts: tuple[str, ...] = ("text",)
    parse: Parser = _default_parse
    wrong: str | Callable[[Ctx, Input], str] = "forms.wrong_input"
    skip: str | None = None
    when: Callable[[dict[str, Any]], bool] | None = None
    extra: Callable[[Ctx], list[list[InlineKeyboardButton]]] | None = None
    code: str = ""
    actions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        assert set(self.accepts) <= set(KINDS), self.accepts
        if not self.code:
            object.__setattr__(self, "code", self.name)

    def applies(self, values: dict[str, Any]) -> bool:
        return self.when is None or bool(self.when(values))


def _kind(message: Message) -> str:
    for kind in ("location", "photo", "contact", "voice", "document"):
        if getattr(message, kind, None):
            return kind
    return "text" if message.text is not None else "other"


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
    ) -> None:
        self.name, self.title, self.steps = name, title, steps
        self.summary, self.submit, self.repeated = summary, submit, repeated
        self.submit_label, self.cancelled = submit_label, cancelled
        self.state = self.key = f"form:{name}"

        class Cb(CallbackData, prefix=prefix):
            action: str
            value: str = ""

        self.cb = Cb
        _FORMS[name] = self

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
                [_fm(t("forms.btn_continue"), "go", self.name)],
                [_fm(t("forms.btn_start_over"), "new", self.name)],
            ]
            _offered.set(True)
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
        """Ask the first applicable step after index `after` (the summary after the last)."""
        nxt = next((s for s in self.steps[after + 1 :] if s.applies(ctx.values)), None)
        draft["step"] = nxt.name if nxt else CONFIRM
        if nxt is None:
            draft["key"] = draft.get("key") or submissions.new_key()
        await self._save(state, draft)
        ctx.step = draft["step"]
        await self._ask(message, ctx, draft)

    async def _back(self, message: Message, state: FSMContext, ctx: Ctx, draft: dict) -> None:
        here = self._index(draft["step"])
        before = [s for s in self.steps[:here] if s.applies(ctx.values)]
        if not before:
            await self._ask(message, ctx, draft)
            return
        draft["step"] = ctx.step = before[-1].name
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
            if ask.reply is not None:
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
            return await _maybe(self.summary(ctx))
        prompt = self.step(ctx.step).prompt
        return Ask(ctx.t(prompt)) if isinstance(prompt, str) else await _maybe(prompt(ctx))

    async def _ask(self, message: Message, ctx: Ctx, draft: dict, ask: Ask | None = None) -> None:
        ask = ask or await self._prompt(ctx)
        pieces = [ask.text] if isinstance(ask.text, str) else ask.text
        markup = await self._markup(ctx, ask, draft)
        for i, piece in enumerate(pieces):
            await message.answer(piece, reply_markup=markup if i == len(pieces) - 1 else None)

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
            result = await _maybe(step.parse(ctx, got))
        except Wrong as w:
            await self._say(message, ctx, draft, ctx.t(w.key, **w.values))
            return
        except Invalid as e:
            await self._say(message, ctx, draft, ctx.t(f"error.{e.code}", **e.params))
            return
        if isinstance(result, Stay):
            ctx.values[step.name] = result.value
            await self._save(state, draft)
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
            got = Input(_kind(message), text=text, message=message)
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
            return False
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
        else:
            got = Input("choice", action=action, value=callback_data.value, message=message)
            await self._feed(message, state, ctx, draft, got)

    async def on_stale(
        self, query: CallbackQuery, t: Translate, callback_answer: CallbackAnswer
    ) -> None:
        _stale(callback_answer, t)

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
            return _stale(callback_answer, t)
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


def _fm(label: str, action: str, form: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=label, callback_data=Fm(action=action, form=form).pack())


def _stale(callback_answer: CallbackAnswer, t: Translate) -> None:
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
    found = [f for f in _FORMS.values() if f.key in data]
    for form in found:
        kb = [
            [_fm(t("forms.btn_continue"), "go", form.name)],
            [_fm(t("forms.btn_discard"), "drop", form.name)],
        ]
        await message.answer(
            t("forms.unfinished", form=t(form.title)),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=kb),
        )
    _offered.set(bool(found))
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
        if current in {f.state for f in _FORMS.values()} and text.split()[0] != "/cancel":
            await state.set_state(None)
        token = _offered.set(False)
        try:
            result = await handler(event, data)
            t = data.get("t")
            if not _offered.get() and t is not None and await state.get_state() is None:
                await offer(event, state, t)
            return result
        finally:
            _offered.reset(token)


async def _engine_press(
    query: CallbackQuery,
    callback_data: Fm,
    state: FSMContext,
    t: Translate,
    callback_answer: CallbackAnswer,
    **data: Any,
) -> None:
    form = _FORMS.get(callback_data.form)
    message = query.message if isinstance(query.message, Message) else None
    if form is None or message is None or await form.draft(state) is None:
        if callback_data.action != "new" or form is None or message is None:
            return _stale(callback_answer, t)
    if callback_data.action == "go":
        await form.resume(message, state, t, data)
    elif callback_data.action == "drop":
        await form.drop(state)
        await message.answer(t("forms.discarded", form=t(form.title)))
    else:  # new: discard and start over
        seed = (await form.draft(state) or {}).get("seed") or {}
        await form.drop(state)
        await form._begin(message, state, t, data, seed)


def make_router() -> Router:
    """The Continue / Discard / Start over buttons of every form."""
    router = Router(name="forms")
    router.callback_query.middleware(CallbackAnswerMiddleware())
    router.callback_query.register(_engine_press, Fm.filter())
    return router
