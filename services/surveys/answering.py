"""A member's answer: once per survey, changed until it closes. A single-choice tap on the
option already chosen, or a multiple-choice tap that would take back within a moment the
option it just added (a double tap), changes nothing and says so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.surveys import (
    TEXT_ANSWER_MAX,
    Survey,
    SurveyAnswer,
    SurveyKind,
    SurveyOption,
    SurveyRecipient,
    SurveyStatus,
)
from models.types import utcnow
from services.errors import Conflict, Invalid, NotFound
from services.local_time import local_time

DOUBLE_TAP = timedelta(seconds=2)
MAX_ID = 2**31 - 1  # an id from a forged button is simply not found


@dataclass(frozen=True)
class Answered:
    survey: Survey
    choices: list[str]  # the labels now chosen (choice questions)
    text: str | None
    changed: bool  # False: the tap changed nothing (already chosen, a double tap)
    first: bool  # the member's first answer to this survey


def is_open(survey: Survey, now: datetime) -> bool:
    return survey.status is SurveyStatus.open and now < survey.closes_at


async def survey_for_member(
    session: AsyncSession, *, survey_id: int, user: User, now: datetime | None = None
) -> Survey:
    """A survey the member was asked and can still answer."""
    if not 0 < survey_id <= MAX_ID:
        raise NotFound("survey_not_found")
    survey = await session.get(Survey, survey_id)
    asked = await session.get(SurveyRecipient, (survey_id, user.id))
    if survey is None or asked is None:
        raise NotFound("survey_not_found")
    if not is_open(survey, now or utcnow()):
        raise Conflict("survey_closed", closed=local_time(survey.closed_at or survey.closes_at))
    return survey


async def answer_of(session: AsyncSession, *, survey_id: int, user_id: int) -> SurveyAnswer | None:
    return await _answer_row(session, survey_id, user_id)


async def _answer_row(session: AsyncSession, survey_id: int, user_id: int) -> SurveyAnswer | None:
    query = select(SurveyAnswer).where(
        SurveyAnswer.survey_id == survey_id, SurveyAnswer.user_id == user_id
    )
    return (await session.execute(query)).scalar_one_or_none()


async def _labels(session: AsyncSession, option_ids: list[int]) -> list[str]:
    if not option_ids:
        return []
    rows = await session.execute(
        select(SurveyOption.id, SurveyOption.label).where(SurveyOption.id.in_(option_ids))
    )
    by_id = dict(rows.all())
    return [by_id[i] for i in option_ids if i in by_id]


async def choose_option(
    session: AsyncSession, *, user: User, option_id: int, now: datetime | None = None
) -> Answered:
    """A tap on an option: single choice replaces the answer, multiple choice toggles it."""
    now = now or utcnow()
    option = await session.get(SurveyOption, option_id) if 0 < option_id <= MAX_ID else None
    if option is None:
        raise NotFound("survey_not_found")
    survey = await survey_for_member(session, survey_id=option.survey_id, user=user, now=now)
    if survey.kind is SurveyKind.text:
        raise Invalid("survey_wants_text")
    assert user.id is not None
    row = await _answer_row(session, survey.id, user.id)  # type: ignore[arg-type]
    first = row is None
    if row is None:
        row = SurveyAnswer(survey_id=survey.id, user_id=user.id, answered_at=now, changed_at=now)  # type: ignore[arg-type]
        session.add(row)
    chosen = list(row.option_ids)
    changed = True
    if survey.kind is SurveyKind.single:
        if chosen == [option_id]:
            changed = False
        chosen = [option_id]
    elif option_id not in chosen:
        chosen.append(option_id)  # the last one added stays last
    elif chosen[-1] == option_id and now - row.changed_at < DOUBLE_TAP:
        changed = False  # the second tap of a double tap
    else:
        chosen.remove(option_id)
    if changed:
        row.option_ids = chosen
        row.changed_at = now
    await session.flush()
    return Answered(survey, await _labels(session, chosen), None, changed, first)


async def answer_text(
    session: AsyncSession,
    *,
    user: User,
    survey_id: int,
    answer: str,
    now: datetime | None = None,
) -> Answered:
    now = now or utcnow()
    survey = await survey_for_member(session, survey_id=survey_id, user=user, now=now)
    if survey.kind is not SurveyKind.text:
        raise Invalid("survey_wants_choice")
    cleaned = answer.strip()
    if not cleaned:
        raise Invalid("survey_answer_empty")
    if len(cleaned) > TEXT_ANSWER_MAX:
        raise Invalid("survey_answer_long", limit=TEXT_ANSWER_MAX, length=len(cleaned))
    assert user.id is not None
    row = await _answer_row(session, survey_id, user.id)
    first = row is None
    if row is None:
        row = SurveyAnswer(survey_id=survey_id, user_id=user.id, answered_at=now, changed_at=now)
        session.add(row)
    changed = row.text != cleaned
    if changed:
        row.text = cleaned
        row.changed_at = now
    await session.flush()
    return Answered(survey, [], cleaned, changed, first)


async def answer_options(
    session: AsyncSession,
    *,
    user: User,
    survey_id: int,
    option_ids: list[int],
    now: datetime | None = None,
) -> Answered:
    """The whole answer at once (the app): the options chosen, in that order."""
    now = now or utcnow()
    survey = await survey_for_member(session, survey_id=survey_id, user=user, now=now)
    if survey.kind is SurveyKind.text:
        raise Invalid("survey_wants_text")
    valid = set(
        (
            await session.execute(
                select(SurveyOption.id).where(SurveyOption.survey_id == survey_id)
            )
        ).scalars()
    )
    chosen = list(dict.fromkeys(option_ids))
    if not chosen:
        raise Invalid("survey_answer_empty")
    if any(o not in valid for o in chosen):
        raise Invalid("survey_option_unknown")
    if survey.kind is SurveyKind.single and len(chosen) > 1:
        raise Invalid("survey_one_option")
    assert user.id is not None
    row = await _answer_row(session, survey_id, user.id)
    first = row is None
    if row is None:
        row = SurveyAnswer(survey_id=survey_id, user_id=user.id, answered_at=now, changed_at=now)
        session.add(row)
    changed = row.option_ids != chosen
    if changed:
        row.option_ids = chosen
        row.changed_at = now
    await session.flush()
    return Answered(survey, await _labels(session, chosen), None, changed, first)
