"""The buttons of named actions (services/actions.py): each `Act` gets its label and its
callback data here, in bot/, beside the handlers that answer them. The outbox sender calls
`resolve` on every payload before sending it, so a queued notice carries only the names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.actions import ACTIONS, Act, Action, parse
from services.texts import text

# An action's label key and its callback data (given the action's target).
Button = tuple[str, Callable[[int | None], str]]

BUTTONS: dict[Act, Button] = {
    Act.MY_CARD: ("btn.my_card", lambda _: "menu:card"),
    Act.JOIN: ("btn.join_again", lambda _: "menu:join"),
}


def button(lang: str, action: Action) -> dict[str, str]:
    label, data = BUTTONS[action.act]
    return {"text": text(lang, label), "callback_data": data(action.target)}


def resolve(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as Telegram takes it: its named actions drawn as an inline keyboard."""
    if ACTIONS not in payload:
        return payload
    rest = {k: v for k, v in payload.items() if k != ACTIONS}
    lang, rows = parse(payload[ACTIONS])
    if rows:
        rest["reply_markup"] = {"inline_keyboard": [[button(lang, a) for a in row] for row in rows]}
    return rest
