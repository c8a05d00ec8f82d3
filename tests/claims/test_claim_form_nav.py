"""The claim form's Back, Cancel and resume: Back asks the step before again, a command in
the middle suspends the draft and offers it back afterwards, /claim offers it too, Cancel
forgets it."""

from __future__ import annotations

import pytest

from app.runtime import Runtime
from services.texts import Translator
from tests.chat import Chat, button
from tests.claims.conftest import RIDER
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

t = Translator("zh")
BACK, CANCEL, CONTINUE = t("forms.btn_back"), t("forms.btn_cancel"), t("forms.btn_continue")
UNFINISHED = t("forms.unfinished", form=t("claims.form_title"))
KIND_Q, NAME_Q, RELATION_Q = "1/8 谁欠你的钱", "叫什么名字", "3/8 你是怎么给对方干活的"


async def test_back_cancel_and_resume(claims_desk: Runtime, sandbox: SandboxClient) -> None:
    rider = Chat(sandbox, RIDER)
    kind = await rider.say("/claim", expect=KIND_Q)
    assert "追讨欠薪" in kind["text"], "the first question comes with what the form is"
    name_q = await rider.press_for(kind, "配送站点", NAME_Q)
    kind = await rider.press_for(name_q, BACK, KIND_Q)
    assert kind["message_id"] > name_q["message_id"], "Back asks the step before again"
    name_q = await rider.press_for(kind, "平台", NAME_Q)
    assert "2/8 平台" in name_q["text"], "the answer given after Back is the one kept"
    relation = await rider.say("美团 西溪站", expect=RELATION_Q)

    # A command in the middle: it is answered, then the kept draft is offered back.
    offer = await rider.say("/help", expect=UNFINISHED)
    relation = await rider.press_for(offer, CONTINUE, RELATION_Q)
    name_q = await rider.press_for(relation, BACK, NAME_Q)
    assert "2/8 平台" in name_q["text"], "the kind picked before the break is still there"

    # /claim with a draft kept: Continue (or Start over) where it was.
    offer = await rider.say("/claim", expect=UNFINISHED)
    name_q = await rider.press_for(offer, CONTINUE, NAME_Q)

    await rider.press_for(name_q, CANCEL, t("claims.cancelled"))
    again = await rider.say("/claim")
    assert UNFINISHED not in again["text"] and KIND_Q in again["text"], "Cancel: anew"
    assert button(again, "配送站点")
