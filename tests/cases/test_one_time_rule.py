"""One time rule: stored in UTC, read in the desk's zone. A whole scenario at 23:30 UTC (07:30
the next morning in Shanghai): joining, a report, a question, a wage claim and its PDF; every
message of every chat and the PDF are swept for a date that disagrees (the UTC day)."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from models import User
from models.claims import CounterpartyKind, WorkRelation
from services.claims import filing
from tests.cases.conftest import report
from tests.chat import Chat, deliver, has_button, pace
from tests.membership.helpers import SENIOR, XH_REP, load_demo
from tests.membership.test_join_flow import RIDER, fill_form
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

LATE = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # Tuesday 1 December, 07:30 in Shanghai
UTC_DAY, LOCAL_DAY = "2026-11-30", "2026-12-01"
ADMIN = 900001
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


async def test_every_date_read_in_a_late_evening_scenario_is_the_local_day(
    desk, sandbox: SandboxClient
):
    with time_machine.travel(LATE, tick=True):
        await _scenario(desk, sandbox)


async def _scenario(desk, sandbox: SandboxClient) -> None:
    me = Chat(sandbox, RIDER)
    rep = Chat(sandbox, XH_REP)
    await load_demo(desk)
    await sandbox.user(RIDER, "Rider", language="en")
    for staff in (XH_REP, SENIOR, ADMIN):
        await sandbox.user(staff, f"staff{staff}", language="zh")

    # Joining: the application the representatives read, the approval, the card.
    summary = await fill_form(sandbox, "en", name="阿强")
    await me.press_for(summary, "j:sub", has_button("menu:main"))
    application = await rep.delivered(desk, has_button("md:a"))
    assert LOCAL_DAY in application["text"], application["text"]
    await rep.press_for(application, "md:a")
    welcome = await me.delivered(desk, has_button("menu:card"))
    await me.press_for(welcome, "menu:card")

    # A report and a question, answered by the representative.
    await pace()
    await report(sandbox, RIDER, text="Gate 3 blocks e-bikes", category="access")
    await pace()
    offer = await sandbox.reply_to(RIDER, "工会活动在哪里？")
    await me.press_for(offer, "ask:send:0")
    await rep.delivered(desk, "工会活动在哪里", newest=True)
    await pace()
    await sandbox.reply_to(RIDER, "/mycases")

    # A wage claim and its summary PDF, asked for in chat.
    async with desk.ctx.sessions() as s, s.begin():
        rider = (await s.execute(select(User).where(User.telegram_id == RIDER))).scalar_one()
        form = filing.ClaimForm(
            counterparty_kind=CounterpartyKind.station,
            counterparty_name="西溪配送站",
            relation=WorkRelation.agency,
            amount_fen=50000,
            period_start=date(2026, 11, 1),
            period_end=date(2026, 11, 20),
            knew_on=date(2026, 11, 25),
            work_ended_on=date(2026, 11, 21),
        )
        await filing.file_claim(
            s, user=rider, form=form, today=date(2026, 12, 1), max_bytes=1 << 20
        )
    await pace()
    listing = await sandbox.reply_to(RIDER, "/claims")
    card = await me.press_for(listing, "wc:o", has_button("wc:p"))
    pdf_message = await me.press_for(card, "wc:p")
    assert pdf_message.get("document"), pdf_message
    async with sandbox.http.get(
        f"{sandbox.base}/sandbox/api/files/{pdf_message['document']['file_id']}"
    ) as resp:
        pdf = PdfReader(io.BytesIO(await resp.read()))
    pdf_text = "".join(page.extract_text() for page in pdf.pages)

    # Every message in every chat, and the PDF: the day people live in, never the UTC one.
    await deliver(desk)
    read: list[str] = [pdf_text]
    for chat in (RIDER, XH_REP, SENIOR, ADMIN):
        read += [m["text"] or "" for m in await sandbox.messages(chat)]
    dates = {d for body in read for d in DATE.findall(body)}
    wrong = [body for body in read if UTC_DAY in body]
    assert not wrong, wrong
    assert LOCAL_DAY in dates, dates
    assert LOCAL_DAY in pdf_text  # generated, filed
