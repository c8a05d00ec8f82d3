"""Named actions: every name a service may queue has a button, and a payload's actions become
Telegram's inline keyboard in the reader's language."""

from __future__ import annotations

from bot.actions import BUTTONS, resolve
from services.actions import Act, Action
from services.outbox import rendered


def test_every_action_has_a_button() -> None:
    assert set(Act) - set(BUTTONS) == set()


def test_actions_become_the_keyboard_in_the_readers_language() -> None:
    payload = rendered("en", "btn.my_card", actions=[[Action(Act.MY_CARD)], [Action(Act.JOIN)]])
    assert payload["actions"]["lang"] == "en"
    sent = resolve(payload)
    assert "actions" not in sent
    rows = sent["reply_markup"]["inline_keyboard"]
    assert [[b["callback_data"] for b in row] for row in rows] == [["menu:card"], ["menu:join"]]
    zh = resolve(rendered("zh", "btn.my_card", actions=[[Action(Act.MY_CARD)]]))
    assert zh["reply_markup"]["inline_keyboard"][0][0]["text"] != rows[0][0]["text"]


def test_a_payload_without_actions_is_sent_as_it_is() -> None:
    payload = rendered("zh", "btn.my_card")
    assert resolve(payload) is payload
