"""Activists and stories through the sandbox: /volunteer (wrong input answered at each step),
a representative confirms and a second one's press is told it was decided; the activist
approves a route tip, reads /zoneissues without anyone's personal data, and the role is
ended with a sentence; a story is asked, agreed to and shown in /start's explainer, and
one the rider declined cannot be published."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Membership, Tip, TipStatus, User, Zone
from services.activists import stories
from services.activists.stories import StoryDraft
from services.cases import reporting
from services.cases.reporting import Report
from services.errors import Conflict
from services.guides import load_dir, tips
from tests.chat import Chat, has_button, plain
from tests.chat import all_data as datas
from tests.chat import deliver as drain
from tests.guides.conftest import DEMO_DIR
from tests.membership.helpers import load_demo
from tests.sandbox_client import SandboxClient

ANA, BO, NEWCOMER = 700801, 700802, 700803
XH_REP, SENIOR = 900002, 900004
pytestmark = pytest.mark.fast_taps


async def wait_for(sandbox: SandboxClient, chat: int, after: int, match=None) -> dict:  # type: ignore[no-untyped-def]
    return await Chat(sandbox, chat).wait_for(match, after=after)


async def delivered(desk, sandbox: SandboxClient, chat: int, after: int, match) -> dict:  # type: ignore[no-untyped-def]
    return await Chat(sandbox, chat).delivered(desk, match, after=after)


async def by_tg(session, telegram_id: int) -> User:  # type: ignore[no-untyped-def]
    return (await session.execute(select(User).where(User.telegram_id == telegram_id))).scalar_one()


async def members(desk) -> None:  # type: ignore[no-untyped-def]
    await load_demo(desk)
    async with desk.ctx.sessions() as session, session.begin():
        zone = (await session.execute(select(Zone).where(Zone.code == "XH"))).scalar_one()
        for n, (tg, name) in enumerate(((ANA, "Ana"), (BO, "Bo"), (NEWCOMER, "Cy"))):
            u = User(telegram_id=tg, display_name=name, language="en")
            session.add(u)
            await session.flush()
            session.add(
                Membership(
                    user_id=u.id,
                    zone_id=zone.id,
                    status="active",
                    member_number=f"XH-2026-00010{n}",
                    name=name,
                )
            )


async def last_id(sandbox: SandboxClient, chat: int) -> int:
    found = await sandbox.messages(chat)
    return found[-1]["message_id"] if found else 0


async def say(sandbox: SandboxClient, chat: int, text: str | None = None, **content) -> dict:  # type: ignore[no-untyped-def]
    before = await last_id(sandbox, chat)
    await sandbox.send(chat, text, **content)
    return await wait_for(sandbox, chat, before)


async def press(sandbox: SandboxClient, chat: int, message: dict, data: str) -> dict:
    return await sandbox.callback_answer(await sandbox.press(chat, message["message_id"], data))


async def test_volunteer_decide_tip_zoneissues_end(desk, sandbox: SandboxClient) -> None:  # type: ignore[no-untyped-def]
    await members(desk)
    for tg, name, lang in (
        (ANA, "Ana", "en"),
        (BO, "Bo", "en"),
        (XH_REP, "Li", "zh"),
        (SENIOR, "Zhao", "zh"),
    ):
        await sandbox.user(tg, name, language=lang)
    reply = await say(sandbox, XH_REP, "/volunteer")  # representatives are more already
    assert plain("zh", "error.activist_staff") in reply["text"]

    await sandbox.send(ANA, "/volunteer")
    ask = await wait_for(sandbox, ANA, 0, has_button("vf:cancel"))
    assert "Why do you want to be an activist?" in ask["text"]
    wrong = await say(sandbox, ANA, location={"latitude": 30.28, "longitude": 120.13})
    assert wrong["text"] == plain("en", "volunteer.text_expected")
    long = await say(sandbox, ANA, "x" * 301)
    assert "(301 characters); 300 at most" in long["text"]
    groups = await say(sandbox, ANA, "Riders at my depot ask me for advice")
    assert "Which rider groups are you in?" in groups["text"]
    # Back returns to the question before, and the answer can be given again.
    await press(sandbox, ANA, groups, "vf:back:")
    again = await wait_for(sandbox, ANA, groups["message_id"], has_button("vf:cancel"))
    assert "Why do you want" in again["text"]
    groups = await say(sandbox, ANA, "Riders at my depot ask me for advice")
    # A command in the middle keeps the draft and offers it back afterwards.
    await sandbox.send(ANA, "/help")
    offered = await wait_for(sandbox, ANA, groups["message_id"], has_button("fm:go"))
    assert "unfinished offer to be an activist" in offered["text"]
    await press(sandbox, ANA, offered, "fm:go:volunteer")
    back_at = await wait_for(sandbox, ANA, offered["message_id"], has_button("vf:back"))
    assert "Which rider groups are you in?" in back_at["text"]
    times = await say(sandbox, ANA, "Xihu Meituan riders")
    assert "When are you available?" in times["text"]
    typed = await say(sandbox, ANA, "evenings")
    assert typed["text"] == plain("en", "volunteer.buttons_expected")
    assert any(d.startswith("vf:when:") for d in datas(typed))  # with the buttons again
    await press(sandbox, ANA, typed, "vf:done:")
    none = await wait_for(sandbox, ANA, typed["message_id"])
    assert none["text"] == plain("en", "error.activist_availability_missing")
    await press(sandbox, ANA, none, "vf:when:evenings")
    marked = await wait_for(sandbox, ANA, none["message_id"], has_button("vf:when"))
    assert any(b["text"].startswith("✅") for row in marked["buttons"] for b in row)
    await press(sandbox, ANA, marked, "vf:done:")
    summary = await wait_for(sandbox, ANA, marked["message_id"], has_button("vf:submit"))
    assert "Xihu Meituan riders" in summary["text"] and "evenings" in summary["text"]
    await press(sandbox, ANA, summary, next(d for d in datas(summary) if d.startswith("vf:submit")))
    sent = await wait_for(
        sandbox, ANA, summary["message_id"], lambda m: "Sent." in (m["text"] or "")
    )
    assert sent["text"] == plain("en", "volunteer.sent")
    again = await say(sandbox, ANA, "/volunteer")
    assert again["text"] == plain("en", "error.activist_already_pending")

    mine = await delivered(desk, sandbox, XH_REP, 0, has_button("av:c"))
    theirs = await wait_for(sandbox, SENIOR, 0, has_button("av:c"))
    assert "Riders at my depot" in mine["text"] and "Xihu Meituan riders" in mine["text"]
    first = await press(sandbox, XH_REP, mine, next(d for d in datas(mine) if d.startswith("av:c")))
    assert "已确认" in first["text"]
    late = await press(
        sandbox, SENIOR, theirs, next(d for d in datas(theirs) if d.startswith("av:c"))
    )
    assert late["show_alert"] and "已经处理过了" in late["text"] and "李强" in late["text"]
    confirmed = await delivered(
        desk, sandbox, ANA, sent["message_id"], lambda m: "confirmed you" in (m["text"] or "")
    )
    assert "Li" in confirmed["text"] or "李强" in confirmed["text"]
    recruits = await say(sandbox, XH_REP, "/recruits")
    assert "你确认的积极分子：1" in recruits["text"] and "西湖示范片区：1" in recruits["text"]

    before = await last_id(sandbox, ANA)
    await sandbox.send(ANA, "/mydata")
    mydata = await wait_for(sandbox, ANA, before, lambda m: "Activist:" in (m["text"] or ""))
    assert "Activist: active (groups: Xihu Meituan riders)" in mydata["text"]

    # A tip from another rider reaches the activist, who approves it like a representative.
    async with desk.ctx.sessions() as session, session.begin():
        tip = await tips.add_tip(
            session,
            author=await by_tg(session, BO),
            routes=load_dir(DEMO_DIR),
            target_id="demo/xh-01",
            body="North gate open to e-bikes after 22:00",
        )
        tip_id = tip.id
        for words in ("Gate 3 blocks e-bikes, Bo 13900001111", "Gate 3 again"):
            await reporting.report_case(
                session,
                user=await by_tg(session, BO),
                report=Report(
                    category="access",
                    description=words,
                    lat=30.28,
                    lon=120.13,
                    place="Sunny Garden",
                ),
            )
    review = await delivered(desk, sandbox, ANA, 0, has_button("tip:a"))
    assert "North gate open" in review["text"]
    approved = await press(sandbox, ANA, review, f"tip:approve:{tip_id}")
    assert f"#{tip_id}" in approved["text"]
    async with desk.ctx.sessions() as session:
        assert (await session.get(Tip, tip_id)).status is TipStatus.published  # type: ignore[union-attr]

    issues = await say(sandbox, ANA, "/zoneissues")
    assert "Sunny Garden" in issues["text"] and "2 reports from 1 riders" in issues["text"]
    for private in ("Bo", "13900001111", "Gate 3"):
        assert private not in issues["text"]
    refused = await say(sandbox, BO, "/zoneissues")
    assert refused["text"] == plain("en", "error.not_activist")

    listing = await say(sandbox, XH_REP, "/activists")
    assert "Ana" in listing["text"] and "Xihu Meituan riders" in listing["text"]
    await press(sandbox, XH_REP, listing, next(d for d in datas(listing) if d.startswith("av:e")))
    asked = await wait_for(sandbox, XH_REP, listing["message_id"], has_button("er:cancel"))
    assert "Ana" in asked["text"]
    photo_reply = await say(sandbox, XH_REP, location={"latitude": 30.28, "longitude": 120.13})
    assert photo_reply["text"] == plain("zh", "activists.end_note_expected")
    check = await say(sandbox, XH_REP, "You moved to Binjiang; thank you for a great year")
    assert "thank you for a great year" in check["text"] and "Ana" in check["text"]
    await press(sandbox, XH_REP, check, next(d for d in datas(check) if d.startswith("er:submit")))
    ended = await wait_for(sandbox, XH_REP, check["message_id"])
    assert ended["text"] == plain("zh", "activists.ended", name="Ana")
    told = await delivered(desk, sandbox, ANA, 0, lambda m: "ended your role" in (m["text"] or ""))
    assert "thank you for a great year" in told["text"]
    after = await say(sandbox, ANA, "/zoneissues")
    assert after["text"] == plain("en", "error.not_activist")


async def test_story_consent_and_explainer(desk, sandbox: SandboxClient) -> None:  # type: ignore[no-untyped-def]
    await members(desk)
    for tg, name in ((ANA, "Ana"), (BO, "Bo"), (NEWCOMER, "Cy")):
        await sandbox.user(tg, name, language="en")
    await sandbox.user(XH_REP, "Li", language="zh")
    async with desk.ctx.sessions() as session, session.begin():
        rep = await by_tg(session, XH_REP)
        fares = StoryDraft(
            "840.00 yuan of unpaid fares recovered in three weeks", member_number="XH-2026-000100"
        )
        bike = StoryDraft("Bo's e-bike repaired", member_number="XH-2026-000101", anonymous=False)
        told = await stories.propose_story(session, author=rep, draft=fares)
        declined = await stories.propose_story(session, author=rep, draft=bike)
        told_id, declined_id = told.id, declined.id
    ask = await delivered(desk, sandbox, ANA, 0, has_button("st:y"))
    assert "840.00 yuan" in ask["text"] and "It does not name you." in ask["text"]
    await press(sandbox, ANA, ask, f"st:y:{told_id}")
    thanks = await wait_for(sandbox, ANA, ask["message_id"])
    assert thanks["text"] == plain("en", "stories.agreed")
    now = next(m for m in await sandbox.messages(ANA) if m["message_id"] == ask["message_id"])
    assert not now.get("buttons")  # answered once: the buttons are gone

    no = await delivered(desk, sandbox, BO, 0, has_button("st:n"))
    assert "It names you (Bo)." in no["text"]
    await press(sandbox, BO, no, f"st:n:{declined_id}")
    assert (await wait_for(sandbox, BO, no["message_id"]))["text"] == plain("en", "stories.refused")

    async with desk.ctx.sessions() as session, session.begin():
        rep = await by_tg(session, XH_REP)
        await stories.publish_story(session, story_id=told_id, actor=rep)
        with pytest.raises(Conflict) as refused:
            await stories.publish_story(session, story_id=declined_id, actor=rep)
        assert refused.value.code == "story_no_consent"
    await drain(desk)

    # A member of the zone opens /start and the "why join" explainer from its menu.
    menu = await say(sandbox, NEWCOMER, "/start")
    await press(sandbox, NEWCOMER, menu, "menu:about")
    explainer = await wait_for(
        sandbox, NEWCOMER, menu["message_id"], lambda m: "Help that worked" in (m["text"] or "")
    )
    assert "840.00 yuan of unpaid fares recovered" in explainer["text"]
    assert "a rider in Xihu demo zone" in explainer["text"]
    assert "Ana" not in explainer["text"] and "Bo's e-bike" not in explainer["text"]

    # Ana takes her consent back from the thank-you message: the story is taken down.
    await press(sandbox, ANA, thanks, f"st:w:{told_id}")
    gone = await wait_for(sandbox, ANA, thanks["message_id"])
    assert gone["text"] == plain("en", "stories.withdrawn")
    await press(sandbox, NEWCOMER, menu, "menu:about")
    later = await wait_for(sandbox, NEWCOMER, explainer["message_id"])
    assert "840.00 yuan" not in later["text"]
