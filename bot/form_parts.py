"""The declarations of a form (see bot/forms.py): steps, what a step shows (Ask), what the
rider sent (Input), and what a parser answers (a value, Wrong, Stay, Next); Done is what a
submit returns."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, Message

from services.texts import Translate

if TYPE_CHECKING:
    from bot.forms import Form

CONFIRM = "confirm"  # the summary's step name
KINDS = ("text", "choice", "location", "photo", "contact", "voice", "document")


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


async def maybe(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def default_parse(ctx: Ctx, got: Input) -> Any:
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
    parse: Parser = default_parse
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


def input_kind(message: Message) -> str:
    for kind in ("location", "photo", "contact", "voice", "document"):
        if getattr(message, kind, None):
            return kind
    return "text" if message.text is not None else "other"
