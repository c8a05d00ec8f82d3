"""Activists and stories as use cases, on SQLite and PostgreSQL: concurrent decisions (one
wins), tips and mentoring by activists, the zone agenda without personal data, ending the
role, consent before publishing, and what /mydata exports and /leave erases."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Case, Membership, Outbox, Tip, TipStatus, User, Zone
from models.activists import Activist, ActivistStatus, Story, StoryStatus
from models.db import make_engine, make_sessionmaker
from models.types import utcnow
from services.activists import counts, relay, stories, volunteering, zone_issues
from services.activists.stories import StoryDraft
from services.activists.volunteering import Offer
from services.cases import reporting
from services.cases.reporting import Report
from services.demo import load_demo_data
from services.errors import Conflict, Forbidden, Invalid
from services.guides import load_dir, tips
from services.membership import mentors, own_view
from tests.guides.conftest import DEMO_DIR

REP_XH, REP_BJ, SENIOR = 900002, 900003, 900004
OFFER = Offer("I want to help", "Xihu Meituan riders", ["evenings", "weekends"])
GATE = (30.2800, 120.1300)


async def by_tg(session, telegram_id: int) -> User:  # type: ignore[no-untyped-def]
    return (await session.execute(select(User).where(User.telegram_id == telegram_id))).scalar_one()


async def member(session, telegram_id: int, name: str, zone: str = "XH") -> User:  # type: ignore[no-untyped-def]
    u = User(telegram_id=telegram_id, display_name=name, language="en")
    session.add(u)
    await session.flush()
    z = (await session.execute(select(Zone).where(Zone.code == zone))).scalar_one()
    session.add(
        Membership(
            user_id=u.id,
            zone_id=z.id,
            status="active",
            member_number=f"{zone}-T-{telegram_id}",
            name=name,
            phone=f"139{telegram_id:08d}",
            joined_at=utcnow() - timedelta(days=3),
        )
    )
    await session.flush()
    return u


async def test_volunteering_one_decision_wins_and_the_role_ends(db_url: str) -> None:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session, session.begin():
            await load_demo_data(session)
            volunteer = await member(session, 1, "Ana")
            with pytest.raises(Forbidden):  # representatives are more than activists already
                await volunteering.volunteer(
                    session, user=await by_tg(session, REP_XH), offer=OFFER
                )
            with pytest.raises(Invalid) as empty:
                await volunteering.volunteer(
                    session, user=volunteer, offer=Offer(" ", "g", ["evenings"])
                )
            assert empty.value.code == "activist_motivation_empty"
            offer = await volunteering.volunteer(session, user=volunteer, offer=OFFER)
            assert offer.status is ActivistStatus.pending and len(offer.cards) == 2  # XH + senior
            with pytest.raises(Conflict) as twice:
                await volunteering.volunteer(session, user=volunteer, offer=OFFER)
            assert twice.value.code == "activist_already_pending"
            with pytest.raises(Forbidden):  # the BJ representative is not of this zone
                await volunteering.decide(
                    session, activist_id=offer.id, actor=await by_tg(session, REP_BJ), confirm=True
                )
            offer_id = offer.id

        async def press(telegram_id: int) -> str:
            async with sessions() as session:
                try:
                    async with session.begin():
                        await volunteering.decide(
                            session,
                            activist_id=offer_id,
                            actor=await by_tg(session, telegram_id),
                            confirm=True,
                        )
                except Conflict as exc:
                    return exc.code
                return "won"

        results = await asyncio.gather(press(REP_XH), press(SENIOR))
        assert sorted(results) == ["activist_decided_active", "won"]
        async with sessions() as session, session.begin():
            a = await session.get(Activist, offer_id)
            assert a is not None and a.status is ActivistStatus.active
            rep = await by_tg(session, REP_XH)
            zones = await counts.per_zone(session, zones=None)
            assert [(z.code, n) for z, n in zones] == [("BJ", 0), ("XH", 1)]
            assert sum(n for _, n in await counts.per_representative(session, zones=None)) == 1
            # The retired cards: an edit per representative's copy, showing who decided.
            edits = (
                await session.execute(
                    select(Outbox).where(Outbox.method == "editMessageReplyMarkup")
                )
            ).scalars()
            assert len(list(edits)) == 2
            with pytest.raises(Invalid):
                await volunteering.end_role(session, activist_id=offer_id, actor=rep, note="  ")
            await volunteering.end_role(
                session, activist_id=offer_id, actor=rep, note="You moved to Binjiang, thanks!"
            )
            told = (
                await session.execute(select(Outbox).where(Outbox.chat_id == 1).order_by(Outbox.id))
            ).scalars()
            assert "You moved to Binjiang, thanks!" in list(told)[-1].payload["text"]
            with pytest.raises(Conflict):
                await volunteering.end_role(session, activist_id=offer_id, actor=rep, note="again")
    finally:
        await engine.dispose()


async def test_activists_review_tips_mentor_relay_and_see_counts_only(db_url: str) -> None:
    routes = load_dir(DEMO_DIR)
    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            await load_demo_data(session)
            rep = await by_tg(session, REP_XH)
            activist = await member(session, 1, "Ana")
            newbie = await member(session, 2, "Bo")
            reporter = await member(session, 3, "Secret Reporter")
            offer = await volunteering.volunteer(session, user=activist, offer=OFFER)
            tip = await tips.add_tip(
                session,
                author=newbie,
                routes=routes,
                target_id="demo/xh-01",
                body="Side gate closes at 22:00",
            )
            with pytest.raises(Forbidden):  # not yet an activist
                await tips.decide_tip(
                    session, tip_id=tip.id, reviewer=activist, approve=True, routes=routes
                )
            with pytest.raises(Forbidden):
                await zone_issues.activist_agenda(session, user=activist)
            await volunteering.decide(session, activist_id=offer.id, actor=rep, confirm=True)

            decided = await tips.decide_tip(
                session, tip_id=tip.id, reviewer=activist, approve=True, routes=routes
            )
            assert decided.status is TipStatus.published and decided.decided_by_id == activist.id
            # New tips reach the zone's activists too.
            assert activist.id in [u.id for u in await tips.reviewers(session, zone_id=tip.zone_id)]

            await mentors.set_mentoring(session, user=activist, accepting=True)
            pairing = await mentors.request_mentor(session, user=newbie)
            assert pairing.mentor_id == activist.id  # the only one accepting in XH
            with pytest.raises(Conflict):  # an activist is never their own mentor
                await mentors.request_mentor(session, user=activist)

            for words in ("Gate 3 blocks e-bikes", "Gate 3 again, Secret Reporter here"):
                await reporting.report_case(
                    session,
                    user=reporter,
                    report=Report(
                        category="access",
                        description=words,
                        lat=GATE[0],
                        lon=GATE[1],
                        place="Sunny Garden",
                    ),
                )
            agenda = await zone_issues.activist_agenda(session, user=activist)
            assert [(i.category, i.place, i.reports, i.riders) for i in agenda.issues] == [
                ("access", "Sunny Garden", 2, 1)
            ]
            assert agenda.open_by_category == {"access": 2}
            dumped = json.dumps([i.__dict__ for i in agenda.issues]) + str(agenda)
            assert "Secret" not in dumped and "Gate 3" not in dumped

            queued = await relay.relay_notice(session, actor=rep, notice="Meeting Friday 8pm")
            assert queued == 1
            relayed = (
                await session.execute(select(Outbox).where(Outbox.chat_id == 1).order_by(Outbox.id))
            ).scalars()
            last = list(relayed)[-1].payload["text"]
            assert "forward this to your group" in last and "Meeting Friday 8pm" in last
            with pytest.raises(Forbidden):
                bj = (await session.execute(select(Zone).where(Zone.code == "BJ"))).scalar_one()
                await relay.relay_notice(session, actor=rep, notice="x", zone_id=bj.id)
    finally:
        await engine.dispose()


async def test_story_consent_publish_and_privacy(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            await load_demo_data(session)
            rep = await by_tg(session, REP_XH)
            rider = await member(session, 1, "Ana")
            named = await member(session, 2, "Bo")
            draft = StoryDraft(
                "Ana's unpaid fares, 840.00 yuan, recovered in three weeks.", member_number="XH-T-1"
            )
            story = await stories.propose_story(session, author=rep, draft=draft)
            assert story.anonymous and story.status is StoryStatus.awaiting_consent
            with pytest.raises(Conflict) as early:
                await stories.publish_story(session, story_id=story.id, actor=rep)
            assert early.value.code == "story_no_consent"
            with pytest.raises(Forbidden):
                await stories.propose_story(
                    session, author=await by_tg(session, REP_BJ), draft=draft
                )
            with pytest.raises(Invalid):
                await stories.propose_story(session, author=rep, draft=StoryDraft("x"))
            await stories.answer_consent(session, story_id=story.id, rider=rider, agree=True)
            with pytest.raises(Conflict):
                await stories.answer_consent(session, story_id=story.id, rider=rider, agree=False)
            await stories.publish_story(session, story_id=story.id, actor=rep)
            shown = await stories.explainer_stories(session, user=rider, lang="en")
            assert "840.00 yuan" in shown and "a rider in Xihu demo zone" in shown

            refused = await stories.propose_story(
                session,
                author=rep,
                draft=StoryDraft("Bo's gate opened", member_number="XH-T-2", anonymous=False),
            )
            await stories.answer_consent(session, story_id=refused.id, rider=named, agree=False)
            with pytest.raises(Conflict):
                await stories.publish_story(session, story_id=refused.id, actor=rep)
            bo = await stories.propose_story(
                session,
                author=rep,
                draft=StoryDraft(
                    "Bo's gate opened at last", member_number="XH-T-2", anonymous=False
                ),
            )
            await stories.answer_consent(session, story_id=bo.id, rider=named, agree=True)
            await stories.publish_story(session, story_id=bo.id, actor=rep)
            assert "— Bo" in await stories.explainer_stories(session, user=rider, lang="en")

            # /mydata holds the volunteering and the consent records; /leave erases them.
            offer = await volunteering.volunteer(session, user=named, offer=OFFER)
            data = await own_view.export_data(session, user=named)
            assert data["activist"][0]["groups"] == "Xihu Meituan riders"
            assert {s["status"] for s in data["stories"]} == {"refused", "published"}
            await own_view.leave(session, user=named)
            await session.refresh(offer)
            assert offer.status is ActivistStatus.ended
            assert offer.motivation is None and offer.groups is None
            await session.refresh(bo)
            assert bo.status is StoryStatus.withdrawn and bo.rider_id is None  # it named him
            await own_view.leave(session, user=rider)
            await session.refresh(story)
            assert story.status is StoryStatus.published and story.rider_id is None  # named nobody
            shown = await stories.explainer_stories(session, user=rep, lang="en")
            assert "840.00 yuan" in shown and "Bo's gate" not in shown
            assert not (await own_view.export_data(session, user=named))["stories"]

            # A consent withdrawn unpublishes.
            third = await member(session, 3, "Cy")
            story3 = await stories.propose_story(
                session, author=rep, draft=StoryDraft("Cy's bike fixed", member_number="XH-T-3")
            )
            await stories.answer_consent(session, story_id=story3.id, rider=third, agree=True)
            await stories.publish_story(session, story_id=story3.id, actor=rep)
            await stories.withdraw_consent(session, story_id=story3.id, rider=third)
            assert "bike fixed" not in await stories.explainer_stories(
                session, user=third, lang="en"
            )
            assert (await session.get(Story, story3.id)).status is StoryStatus.withdrawn  # type: ignore[union-attr]
            assert (await session.execute(select(Case))).first() is None
            assert (await session.execute(select(Tip))).first() is None
    finally:
        await engine.dispose()
