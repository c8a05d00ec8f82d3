"""Buttons already in chats keep working: the renamed callback classes keep their wire
prefixes, and the short action values of older buttons parse as the words used now."""

from __future__ import annotations

import pytest

from bot.cases.callbacks import AskChoice, CaseAction, MyCaseAction, QueuePage, Rating


@pytest.mark.parametrize(
    ("old", "action"),
    [
        ("mc:ok:7", "confirm"),
        ("mc:no:7", "reopen"),
        ("mc:wd:7", "withdraw"),
        ("mc:wdy:7", "withdraw_yes"),
        ("mc:nocomment:0", "no_comment"),
        ("mc:add:7", "add"),
    ],
)
def test_old_my_case_buttons_parse_as_words(old: str, action: str) -> None:
    parsed = MyCaseAction.unpack(old)
    assert parsed.action == action
    assert parsed.case_id == int(old.rsplit(":", 1)[1])


def test_old_case_buttons_parse_as_words() -> None:
    assert CaseAction.unpack("rc:sev:3") == CaseAction(action="severity", case_id=3)
    assert CaseAction.unpack("rc:reas:3") == CaseAction(action="reassign", case_id=3)
    assert CaseAction.unpack("rc:open:3") == CaseAction(action="open", case_id=3)


def test_new_buttons_keep_the_wire_prefixes() -> None:
    assert MyCaseAction(action="confirm", case_id=5).pack() == "mc:confirm:5"
    assert CaseAction(action="severity", case_id=5).pack() == "rc:severity:5"
    assert Rating(case_id=5, stars=4).pack() == "rt:5:4"
    assert AskChoice(action="send", value=1).pack() == "ask:send:1"
    # /queue's filters were named cat and st: the names changed, the positions did not.
    old = QueuePage.unpack("q:2:wage_arrears::0")
    assert (old.page, old.category, old.status, old.menu) == (2, "wage_arrears", "", False)
    assert old.pack() == "q:2:wage_arrears::0"
