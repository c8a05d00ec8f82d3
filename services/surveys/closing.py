"""Closing surveys (by their author or an admin, or when their time comes), the one
reminder to those who have not answered, and the results to the author (and to the
members who answered, when the author chose that they see them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Role, User
from models.surveys import Survey, SurveyAnswer, SurveyRecipient, SurveyStatus
from models.types import utcnow
from services.errors import Conflict, Forbidden, NotFound
from services.local_time import local_time
from services.outbox import notify
from services.surveys.creation import answer_actions
from services.surveys.results import Results, options_of, tally
from services.texts import Raw, text

SHOWN_TEXTS = 5  # free-text answers quoted in the chat summary


def summary(lang: str, found: Results) -> str:
    """The results in a few lines, for a chat message."""
    if found.texts:
        lines = [text(lang, "surveys.summary.text_line", answer=t[:200]) for t in found.texts]
        body = "\n".join(lines[:SHOWN_TEXTS])
        if len(found.texts) > SHOWN_TEXTS:
            body += "\n" + text(lang, "surveys.summary.more", n=len(found.texts) - SHOWN_TEXTS)
    else:
        body = "\n".join(
            text(lang, "surveys.summary.line", label=c.label, count=c.count, percent=c.percent)
            for c in found.counts
        )
    return text(
        lang,
        "surveys.summary",
        question=found.survey.question,
        answered=found.answered,
        asked=found.asked,
        percent=found.percent_answered,
        lines=Raw(body or "—"),
    )


async def _finish(session: AsyncSession, survey: Survey, *, now: datetime) -> None:
    survey.status = SurveyStatus.closed
    survey.closed_at = now
    await session.flush()
    found = await tally(session, survey=survey)
    author = await session.get(User, survey.author_id)
    if author is not None:
        await notify(
            session,
            user=author,
            key="surveys.closed_author",
            summary=Raw(summary(author.language, found)),
        )
    if not survey.results_public:
        return
    answered = await session.execute(
        select(User)
        .join(SurveyAnswer, SurveyAnswer.user_id == User.id)
        .where(SurveyAnswer.survey_id == survey.id, User.id != survey.author_id)
    )
    for user in answered.scalars():
        await notify(
            session,
            user=user,
            key="surveys.closed_member",
            summary=Raw(summary(user.language, found)),
        )


async def close_survey(
    session: AsyncSession, *, survey_id: int, actor: User, now: datetime | None = None
) -> Survey:
    """Close before its time (the author or an admin)."""
    now = now or utcnow()
    survey = await session.get(Survey, survey_id)
    if survey is None:
        raise NotFound("survey_not_found")
    if actor.id != survey.author_id and actor.role is not Role.admin:
        raise Forbidden("survey_not_yours")
    # One UPDATE decides who closes it: a second close (a double tap, the sweep) finds it closed.
    result = await session.execute(
        update(Survey)
        .where(Survey.id == survey_id, Survey.status == SurveyStatus.open)
        .values(status=SurveyStatus.closed, closed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            "survey_already_closed", closed=local_time(survey.closed_at or survey.closes_at)
        )
    await session.refresh(survey)
    await _finish(session, survey, now=now)
    return survey


async def close_due(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Close the surveys whose time has come; their results go to the author."""
    now = now or utcnow()
    due = await session.execute(
        select(Survey.id).where(Survey.status == SurveyStatus.open, Survey.closes_at <= now)
    )
    closed = 0
    for survey_id in list(due.scalars()):
        result = await session.execute(
            update(Survey)
            .where(Survey.id == survey_id, Survey.status == SurveyStatus.open)
            .values(status=SurveyStatus.closed, closed_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            survey = await session.get(Survey, survey_id)
            assert survey is not None
            await session.refresh(survey)
            await _finish(session, survey, now=now)
            closed += 1
    return closed


async def remind_due(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Half-way to its closing time, a survey reminds once those who have not answered."""
    now = now or utcnow()
    open_surveys = await session.execute(
        select(Survey).where(
            Survey.status == SurveyStatus.open, Survey.reminded_at.is_(None), Survey.closes_at > now
        )
    )
    sent = 0
    for survey in list(open_surveys.scalars()):
        if now < survey.created_at + (survey.closes_at - survey.created_at) / 2:
            continue
        claimed = await session.execute(
            update(Survey)
            .where(Survey.id == survey.id, Survey.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another worker reminds
        answered = exists().where(
            SurveyAnswer.survey_id == SurveyRecipient.survey_id,
            SurveyAnswer.user_id == SurveyRecipient.user_id,
        )
        rows = await session.execute(
            select(SurveyRecipient, User)
            .join(User, User.id == SurveyRecipient.user_id)
            .where(
                SurveyRecipient.survey_id == survey.id,
                ~answered,
                SurveyRecipient.reminded.is_(False),
                SurveyRecipient.outbox_id.is_not(None),
            )
        )
        actions = answer_actions(survey, await options_of(session, survey.id))  # type: ignore[arg-type]
        for recipient, user in rows.all():
            if user.unreachable:
                continue
            recipient.reminded = True
            await notify(
                session,
                user=user,
                key="surveys.reminder",
                actions=actions,
                question=survey.question,
                closes=local_time(survey.closes_at),
            )
            sent += 1
    await session.flush()
    return sent
