"""A photo or voice note outside any form: the rider is told where it goes (a button per open
case to add it there, /report, or words for a question) instead of "not used here"."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import Case, CaseEvent
from tests.cases.conftest import RIDER, eventually, people, report
from tests.chat import PNG, Chat, button, pace
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

REF = re.compile(r"C-\d{4}-\d{5}")


async def test_a_photo_outside_a_form_is_pointed_to_a_case(desk, sandbox: SandboxClient):
    await people(desk, sandbox)
    # No case yet: how to report it, or ask in words.
    nowhere = await sandbox.reply_to(RIDER, photo=PNG)
    assert "/report" in nowhere["text"] and "question in words" in nowhere["text"], nowhere

    await pace()
    done = await report(sandbox, RIDER, text="Gate 3 blocks e-bikes")
    ref = REF.search(done["text"]).group(0)  # type: ignore[union-attr]
    async with desk.ctx.sessions() as s:
        case = (await s.execute(select(Case).where(Case.ref == ref))).scalar_one()
    await pace()
    where = await sandbox.reply_to(RIDER, photo=PNG)
    assert "/report" in where["text"], where
    data = button(where, f"mc:add:{case.id}")
    prompt = await Chat(sandbox, RIDER).press(where, data)
    assert ref in prompt[-1]["text"]
    await pace()
    await sandbox.reply_to(RIDER, photo=PNG)

    async def added() -> bool:
        async with desk.ctx.sessions() as s:
            kinds = (
                await s.execute(select(CaseEvent.kind).where(CaseEvent.case_id == case.id))
            ).scalars()
            return "rider_info" in set(kinds)

    assert await eventually(added)
