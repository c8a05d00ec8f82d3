"""The claim form's Back, Cancel and resume: Back asks the step before again, a command in
the middle suspends the draft and offers it back afterwards, /claim offers it too, Cancel
forgets it."""

from __future__ import annotations

from app.runtime import Runtime
from services.texts import Translator
from tests.claims.conftest import RIDER, button, wait_for
from tests.sandbox_client import SandboxClient

t = Translator("zh")
BACK, CANCEL, CONTINUE = t("forms.btn_back"), t("forms.btn_cancel"), t("forms.btn_continue")
UNFINISHED = t("forms.unfinished", form=t("claims.form_title"))
KIND_Q, NAME_Q, RELATION_Q = "1/8 谁欠你的钱", "叫什么名字", "3/8 你是怎么给对方干活的"


async def _say(sandbox: SandboxClient, text: str, needle: str) -> dict:
    return await wait_for(sandbox, RIDER, await sandbox.send(RIDER, text), needle)


async def _press(sandbox: SandboxClient, message: dict, label: str, needle: str) -> dict:
    last = (await sandbox.messages(RIDER))[-1]["message_id"]
    await sandbox.press(RIDER, message["message_id"], button(message, label))
    return await wait_for(sandbox, RIDER, last, needle)


async def test_back_cancel_and_resume(claims_desk: Runtime, sandbox: SandboxClient) -> None:
    kind = await _say(sandbox, "/claim", KIND_Q)
    assert t("claims.intro").split("\n")[0].replace("<b>", "").replace("</b>", "") in kind["text"]
    name_q = await _press(sandbox, kind, "配送站点", NAME_Q)
    kind = await _press(sandbox, name_q, BACK, KIND_Q)
    assert kind["message_id"] > name_q["message_id"], "Back asks the step before again"
    name_q = await _press(sandbox, kind, "平台", NAME_Q)
    assert "2/8 平台" in name_q["text"], "the answer given after Back is the one kept"
    relation = await _say(sandbox, "美团 西溪站", RELATION_Q)

    # A command in the middle: it is answered, then the kept draft is offered back.
    offer = await _say(sandbox, "/help", UNFINISHED)
    relation = await _press(sandbox, offer, CONTINUE, RELATION_Q)
    name_q = await _press(sandbox, relation, BACK, NAME_Q)
    assert "2/8 平台" in name_q["text"], "the kind picked before the break is still there"

    # /claim with a draft kept: Continue (or Start over) where it was.
    offer = await _say(sandbox, "/claim", UNFINISHED)
    name_q = await _press(sandbox, offer, CONTINUE, NAME_Q)

    await _press(sandbox, name_q, CANCEL, t("claims.cancelled"))
    again = await _say(sandbox, "/claim", KIND_Q)
    assert UNFINISHED not in again["text"], "after Cancel a claim starts anew"
    assert button(again, "配送站点")
