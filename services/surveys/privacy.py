"""A member's survey answers and settings are personal data: /mydata exports them and /leave
erases them (with the rows saying which surveys and notices were sent to them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.surveys import (
    MemberSettings,
    NoticeRecipient,
    Survey,
    SurveyAnswer,
    SurveyOption,
    SurveyRecipient,
)


async def export_answers(session: AsyncSession, *, user_id: int) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(SurveyAnswer, Survey.question)
        .join(Survey, Survey.id == SurveyAnswer.survey_id)
        .where(SurveyAnswer.user_id == user_id)
        .order_by(SurveyAnswer.id)
    )
    out: list[dict[str, Any]] = []
    for answer, question in rows.all():
        labels = dict(
            (
                await session.execute(
                    select(SurveyOption.id, SurveyOption.label).where(
                        SurveyOption.survey_id == answer.survey_id
                    )
                )
            ).all()
        )
        out.append(
            {
                "survey_id": answer.survey_id,
                "question": question,
                "choices": [labels.get(i, "") for i in answer.option_ids],
                "text": answer.text,
                "answered_at": answer.answered_at.isoformat(),
                "changed_at": answer.changed_at.isoformat(),
            }
        )
    return out


async def export_settings(session: AsyncSession, *, user_id: int) -> dict[str, Any] | None:
    found = await session.get(MemberSettings, user_id)
    return {"notices_muted": found.notices_muted} if found else None


async def erase_answers(session: AsyncSession, *, user_id: int) -> int:
    """Delete the person's answers, settings and the record of what was sent to them."""
    result = await session.execute(delete(SurveyAnswer).where(SurveyAnswer.user_id == user_id))
    await session.execute(delete(SurveyRecipient).where(SurveyRecipient.user_id == user_id))
    await session.execute(delete(NoticeRecipient).where(NoticeRecipient.user_id == user_id))
    await session.execute(delete(MemberSettings).where(MemberSettings.user_id == user_id))
    return result.rowcount or 0  # type: ignore[attr-defined]
