"""Survey and notice use cases on both databases: creating (and every refusal), answering
once and changing until closing, results by zone and platform, CSV, closing, the one
reminder, notices' reach, mute and progress, and the member's answers in /mydata and
erased by /leave."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import Membership, Outbox, OutboxStatus
from models.activists import Activist, ActivistStatus
from models.db import unit_of_work
from models.surveys import SurveyAnswer, SurveyKind, SurveyOption, SurveyStatus
from models.types import utcnow
from services.csv_export import csv_bytes
from services.errors import Conflict, Forbidden, Invalid
from services.membership.own_view import export_data, leave
from services.privacy.mydata import summary as mydata_summary
from services.surveys import answering, closing, notices, results, settings
from services.surveys.audience import Audience, reach
from services.surveys.creation import SurveyDraft, create_survey
from tests.surveys.conftest import ADMIN, REP_BJ, REP_XH, by_tg

pytestmark = pytest.mark.usefixtures("world")


def draft(**kw: object) -> SurveyDraft:
    values: dict[str, object] = {
        "question": "Which day suits the repair day?",
        "kind": SurveyKind.single,
        "options": ["Saturday", "Sunday"],
        "closes_at": utcnow() + timedelta(days=2),
    }
    values.update(kw)
    return SurveyDraft(**values)  # type: ignore[arg-type]


async def _create(sessions, author_tg: int = ADMIN, **kw: object) -> int:
    async with unit_of_work(sessions) as s:
        survey = await create_survey(s, author=await by_tg(s, author_tg), draft=draft(**kw))
        return survey.id  # type: ignore[return-value]


async def _option_ids(sessions, survey_id: int) -> list[int]:
    async with sessions() as s:
        rows = await s.execute(
            select(SurveyOption.id)
            .where(SurveyOption.survey_id == survey_id)
            .order_by(SurveyOption.position)
        )
        return list(rows.scalars())


async def _choose(sessions, tg: int, option_id: int) -> answering.Answered:
    async with unit_of_work(sessions) as s:
        return await answering.choose_option(s, user=await by_tg(s, tg), option_id=option_id)


async def test_refusals_say_what_is_wrong(world) -> None:
    sessions = world
    cases = [
        ({"options": ["Saturday"]}, "survey_options_missing"),
        ({"options": ["Saturday", "saturday"]}, "survey_options_twice"),
        ({"question": "   "}, "survey_question_empty"),
        ({"closes_at": utcnow() - timedelta(hours=1)}, "survey_closes_past"),
        ({"closes_at": utcnow() + timedelta(minutes=3)}, "survey_closes_soon"),
        ({"audience": Audience.of(zones=["XX"])}, "audience_zone_unknown"),
        ({"audience": Audience.of(platforms=["didi_freight"])}, "survey_audience_empty"),
    ]
    for kw, code in cases:
        with pytest.raises(Invalid) as err:
            await _create(sessions, **kw)
        assert err.value.code == code, kw
    with pytest.raises(Forbidden) as denied:  # a representative stays in their zones
        await _create(sessions, REP_XH, audience=Audience.of(zones=["BJ"]))
    assert denied.value.code == "audience_not_your_zone"
    async with sessions() as s:
        assert (await s.execute(select(func.count()).select_from(Outbox))).scalar_one() == 0


async def test_reach_before_sending(world) -> None:
    async with world() as s:
        admin, rep = await by_tg(s, ADMIN), await by_tg(s, REP_XH)
        everyone = await reach(s, actor=admin, audience=Audience(), respect_mute=False)
        assert (everyone.members, everyone.reachable) == (5, 5)
        mine = await reach(s, actor=rep, audience=Audience(), respect_mute=False)
        assert mine.members == 3  # a representative's audience: their zones
        eleme = await reach(
            s, actor=admin, audience=Audience.of(platforms=["eleme"]), respect_mute=False
        )
        assert eleme.members == 2 and eleme.seconds == 1


async def test_an_audience_of_activists(world) -> None:
    """Only the active activists among the audience: a pending volunteer is not one yet."""
    async with unit_of_work(world) as s:
        admin, rep = await by_tg(s, ADMIN), await by_tg(s, REP_XH)
        for tg, status in ((810000, ActivistStatus.active), (810001, ActivistStatus.pending)):
            person = await by_tg(s, tg)
            zone = (
                await s.execute(select(Membership.zone_id).where(Membership.user_id == person.id))
            ).scalar_one()
            s.add(Activist(user_id=person.id, zone_id=zone, status=status))
        await s.flush()
        only = Audience.of(activists=True)
        assert (await reach(s, actor=admin, audience=only, respect_mute=False)).members == 1
        assert (await reach(s, actor=rep, audience=only, respect_mute=False)).members == 1
        bj = Audience.of(zones=["BJ"], activists=True)
        assert (await reach(s, actor=admin, audience=bj, respect_mute=False)).members == 0
        assert Audience.from_json(only.as_json()) == only  # stored with the survey


async def test_answer_once_change_and_results(world) -> None:
    sessions = world
    survey_id = await _create(sessions)
    sat, sun = await _option_ids(sessions, survey_id)
    async with sessions() as s:
        queued = (await s.execute(select(func.count()).select_from(Outbox))).scalar_one()
    assert queued == 5  # one message to each member, with buttons

    first = await _choose(sessions, 810000, sat)
    assert first.first and first.changed and first.choices == ["Saturday"]
    again = await _choose(sessions, 810000, sat)  # a double tap
    assert not again.changed and not again.first
    changed = await _choose(sessions, 810000, sun)
    assert changed.changed and changed.choices == ["Sunday"]
    await _choose(sessions, 810001, sat)
    await _choose(sessions, 820000, sun)
    async with sessions() as s:
        n = (await s.execute(select(func.count()).select_from(SurveyAnswer))).scalar_one()
        assert n == 3  # one answer per member, changed in place
        found = await results.results(s, survey_id=survey_id, viewer=await by_tg(s, ADMIN))
    assert (found.asked, found.answered) == (5, 3)
    assert [(c.label, c.count, c.percent) for c in found.counts] == [
        ("Saturday", 1, 33.3),
        ("Sunday", 2, 66.7),
    ]
    zones = {g.name: [c.count for c in g.counts] for g in found.by_zone}
    assert zones == {"XH": [1, 1], "BJ": [0, 1]}
    assert {g.name: g.answered for g in found.by_platform} == {"meituan": 2, "eleme": 1}
    header, rows = results.csv_rows(found)
    data = csv_bytes(header, rows).decode("utf-8-sig")
    assert "zone,BJ,1,Sunday,1,100.0" in data

    async with unit_of_work(sessions) as s:  # the BJ representative may not see an XH+BJ survey
        with pytest.raises(Forbidden):
            await results.results(s, survey_id=survey_id, viewer=await by_tg(s, REP_BJ))
        member = await by_tg(s, 810001)
        with pytest.raises(Forbidden):  # a member cannot close it
            await closing.close_survey(s, survey_id=survey_id, actor=member)


async def test_multiple_choice_toggles_and_double_tap(world) -> None:
    sessions = world
    survey_id = await _create(
        sessions, kind=SurveyKind.multiple, options=["Water", "Shade", "Fans"]
    )
    water, shade, fans = await _option_ids(sessions, survey_id)
    assert (await _choose(sessions, 810000, water)).choices == ["Water"]
    assert (await _choose(sessions, 810000, fans)).choices == ["Water", "Fans"]
    double = await _choose(sessions, 810000, fans)  # within a moment: a double tap
    assert not double.changed and double.choices == ["Water", "Fans"]
    async with unit_of_work(sessions) as s:  # later, a tap takes the option back
        later = await answering.choose_option(
            s, user=await by_tg(s, 810000), option_id=water, now=utcnow() + timedelta(seconds=30)
        )
    assert later.choices == ["Fans"]
    assert shade


async def test_free_text_and_answer_after_closing(world) -> None:
    sessions = world
    survey_id = await _create(sessions, kind=SurveyKind.text, options=[])
    async with unit_of_work(sessions) as s:
        member = await by_tg(s, 820001)
        with pytest.raises(Invalid) as empty:
            await answering.answer_text(s, user=member, survey_id=survey_id, answer="  ")
        assert empty.value.code == "survey_answer_empty"
        done = await answering.answer_text(s, user=member, survey_id=survey_id, answer="=cmd|x")
        assert done.first
    async with unit_of_work(sessions) as s:
        closed = await closing.close_survey(s, survey_id=survey_id, actor=await by_tg(s, ADMIN))
        assert closed.status is SurveyStatus.closed
    async with unit_of_work(sessions) as s:
        with pytest.raises(Conflict) as late:
            await answering.answer_text(
                s, user=await by_tg(s, 820001), survey_id=survey_id, answer="changed"
            )
        assert late.value.code == "survey_closed"
        with pytest.raises(Conflict) as twice:
            await closing.close_survey(s, survey_id=survey_id, actor=await by_tg(s, ADMIN))
        assert twice.value.code == "survey_already_closed"
        found = await results.results(s, survey_id=survey_id, viewer=await by_tg(s, ADMIN))
        assert found.texts == ["=cmd|x"]
        data = csv_bytes(*results.csv_rows(found)).decode("utf-8-sig")
        assert "'=cmd|x" in data  # a spreadsheet shows it, never runs it
        author_summary = (
            await s.execute(select(Outbox).where(Outbox.chat_id == ADMIN))
        ).scalar_one()
        assert "=cmd|x" in author_summary.payload["text"]


async def test_due_surveys_close_and_remind_once(world) -> None:
    sessions = world
    survey_id = await _create(sessions, results_public=True)
    sat, _ = await _option_ids(sessions, survey_id)
    await _choose(sessions, 810000, sat)
    half = utcnow() + timedelta(days=1, minutes=1)
    async with unit_of_work(sessions) as s:
        assert await closing.remind_due(s, now=utcnow()) == 0  # not half-way yet
        assert await closing.remind_due(s, now=half) == 4  # those who have not answered
    async with unit_of_work(sessions) as s:
        assert await closing.remind_due(s, now=half + timedelta(hours=1)) == 0  # once
        reminders = (
            (
                await s.execute(
                    select(Outbox).where(Outbox.payload["text"].as_string().contains("⏰"))
                )
            )
            .scalars()
            .all()
        )
        assert len(reminders) == 4 and reminders[0].payload["actions"]["rows"]
    async with unit_of_work(sessions) as s:
        assert await closing.close_due(s, now=utcnow() + timedelta(days=3)) == 1
        assert await closing.close_due(s, now=utcnow() + timedelta(days=3)) == 0
        to_admin = (await s.execute(select(Outbox).where(Outbox.chat_id == ADMIN))).scalars().all()
        assert len(to_admin) == 1 and "Saturday" in to_admin[0].payload["text"]
        to_member = (
            (await s.execute(select(Outbox).where(Outbox.chat_id == 810000))).scalars().all()
        )
        assert len(to_member) == 2  # the survey, then its results (the author chose so)


async def test_notice_reach_mute_and_progress(world) -> None:
    sessions = world
    async with unit_of_work(sessions) as s:
        await settings.mute_notices(s, user=await by_tg(s, 810002), muted=True)
    async with unit_of_work(sessions) as s:
        rep = await by_tg(s, REP_XH)
        preview = await notices.preview_notice(s, actor=rep, audience=Audience())
        assert (preview.members, preview.reachable, preview.muted) == (3, 2, 1)
        with pytest.raises(Invalid) as empty:
            await notices.send_notice(s, author=rep, body=" ", audience=Audience())
        assert empty.value.code == "notice_empty"
        notice = await notices.send_notice(
            s, author=rep, body="Heat warning: 39°C", audience=Audience()
        )
        notice_id = notice.id
    async with unit_of_work(sessions) as s:
        p = await notices.progress(s, notice_id=notice_id, viewer=await by_tg(s, REP_XH))
        assert (p.total, p.sent, p.pending) == (2, 0, 2)
        chats = set((await s.execute(select(Outbox.chat_id))).scalars())
        assert chats == {810000, 810001, REP_XH}  # not the muted member
        await s.execute(
            Outbox.__table__.update()  # type: ignore[attr-defined]
            .where(Outbox.chat_id.in_([810000, 810001, REP_XH]))
            .values(status=OutboxStatus.sent, telegram_message_id=77)
        )
        assert await notices.refresh_progress(s) == 1
        with pytest.raises(Forbidden):
            await notices.progress(s, notice_id=notice_id, viewer=await by_tg(s, REP_BJ))
    async with sessions() as s:
        p = await notices.progress(s, notice_id=notice_id, viewer=await by_tg(s, ADMIN))
        assert p.done and p.sent == 2
        edit = (
            await s.execute(select(Outbox).where(Outbox.method == "editMessageText"))
        ).scalar_one()
        assert edit.chat_id == REP_XH and "edit_of" in edit.payload


async def test_mydata_exports_and_leave_erases_answers(world) -> None:
    sessions = world
    survey_id = await _create(sessions)
    sat, _ = await _option_ids(sessions, survey_id)
    await _choose(sessions, 810000, sat)
    async with unit_of_work(sessions) as s:
        member = await by_tg(s, 810000)
        await settings.mute_notices(s, user=member, muted=True)
        data = await export_data(s, user=member)
        assert data["survey_answers"][0]["choices"] == ["Saturday"]
        assert data["settings"] == {"notices_muted": True}
        assert "Survey answers: 1" in mydata_summary("en", data)  # the /mydata summary says so
        await leave(s, user=member)
    async with sessions() as s:
        assert (await s.execute(select(func.count()).select_from(SurveyAnswer))).scalar_one() == 0
        found = await results.results(s, survey_id=survey_id, viewer=await by_tg(s, ADMIN))
        assert found.answered == 0 and found.asked == 4
