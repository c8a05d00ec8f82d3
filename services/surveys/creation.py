"""A survey checked and sent: a question, single or multiple choice or free text, its
audience, its closing time and whether members see the results. Every member of the
audience gets it with buttons, through the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from models.surveys import (
    OPTION_MAX,
    OPTIONS_MAX,
    QUESTION_MAX,
    Survey,
    SurveyKind,
    SurveyOption,
    SurveyRecipient,
)
from models.types import utcnow
from services.actions import Act, Action
from services.cases.access import require_staff
from services.errors import Invalid
from services.local_time import local_time
from services.outbox import rendered
from services.surveys.audience import Audience, checked, members, reach_of
from services.surveys.sending import queue_paced
from services.texts import LANGUAGES, Raw, text

# A survey closing sooner than this could not be answered.
MIN_OPEN = timedelta(minutes=10)
MAX_OPEN = timedelta(days=60)


@dataclass
class SurveyDraft:
    question: str
    kind: SurveyKind
    closes_at: datetime
    options: list[str] = field(default_factory=list)
    audience: Audience = field(default_factory=Audience)
    results_public: bool = False


def check_question(raw: str) -> str:
    question = " ".join(raw.split())
    if not question:
        raise Invalid("survey_question_empty")
    if len(question) > QUESTION_MAX:
        raise Invalid("survey_question_long", limit=QUESTION_MAX)
    return question


def check_options(kind: SurveyKind, raw: list[str]) -> list[str]:
    """Choice questions need 2-10 different options; a free-text question takes none."""
    if kind is SurveyKind.text:
        return []
    options = [" ".join(o.split()) for o in raw if o and o.strip()]
    if len(options) < 2:
        raise Invalid("survey_options_missing")
    if len(options) > OPTIONS_MAX:
        raise Invalid("survey_options_many", limit=OPTIONS_MAX)
    if len({o.casefold() for o in options}) < len(options):
        raise Invalid("survey_options_twice")
    for o in options:
        if len(o) > OPTION_MAX:
            raise Invalid("survey_option_long", limit=OPTION_MAX, option=o[:20])
    return options


def check_closing(closes_at: datetime, *, now: datetime) -> datetime:
    if closes_at.tzinfo is None:
        raise Invalid("survey_closes_naive")
    try:
        closes_at = closes_at.astimezone(UTC)
    except OverflowError:  # the first or last day a datetime can hold, in a far time zone
        if closes_at.year == 1:
            raise Invalid("survey_closes_past", when=closes_at.isoformat()) from None
        raise Invalid("survey_closes_far", days=MAX_OPEN.days) from None
    if closes_at <= now:
        raise Invalid("survey_closes_past", when=local_time(closes_at))
    if closes_at < now + MIN_OPEN:
        raise Invalid("survey_closes_soon", minutes=int(MIN_OPEN.total_seconds() // 60))
    if closes_at > now + MAX_OPEN:
        raise Invalid("survey_closes_far", days=MAX_OPEN.days)
    return closes_at


def check_draft(draft: SurveyDraft, *, now: datetime) -> tuple[str, list[str], datetime]:
    """The question, options and closing time checked (before the audience is)."""
    return (
        check_question(draft.question),
        check_options(draft.kind, draft.options),
        check_closing(draft.closes_at, now=now),
    )


def answer_actions(survey: Survey, options: list[SurveyOption]) -> list[list[Action]]:
    if survey.kind is SurveyKind.text:
        return [[Action(Act.SURVEY_WRITE, survey.id)]]
    return [[Action(Act.SURVEY_OPTION, o.id, {"label": o.label})] for o in options]


def survey_payloads(
    survey: Survey, options: list[SurveyOption], author: User
) -> dict[str, dict[str, object]]:
    """The survey as each language shows it, with a button per option (or to write)."""
    rows = answer_actions(survey, options)
    return {
        lang: rendered(
            lang,
            "surveys.message",
            actions=rows,
            author=author.display_name,
            question=survey.question,
            how=Raw(text(lang, f"surveys.how.{survey.kind.value}")),
            closes=local_time(survey.closes_at),
        )
        for lang in LANGUAGES
    }


async def create_survey(
    session: AsyncSession, *, author: User, draft: SurveyDraft, now: datetime | None = None
) -> Survey:
    """Check the draft, then send the survey to every reachable member of its audience."""
    require_staff(author)
    now = now or utcnow()
    question, options, closes_at = check_draft(draft, now=now)
    audience = await checked(session, actor=author, audience=draft.audience)
    found = await members(session, audience)
    reach = reach_of(found, respect_mute=False)
    if reach.reachable == 0:
        raise Invalid("survey_audience_empty", members=reach.members)
    survey = Survey(
        author_id=author.id,  # type: ignore[arg-type]
        question=question,
        kind=draft.kind,
        audience=audience.as_json(),
        results_public=draft.results_public,
        closes_at=closes_at,
        created_at=now,
    )
    session.add(survey)
    await session.flush()
    rows = [
        SurveyOption(survey_id=survey.id, position=i, label=label)  # type: ignore[arg-type]
        for i, label in enumerate(options)
    ]
    session.add_all(rows)
    await session.flush()
    reachable = [m for m in found if m.reachable]
    ids = await queue_paced(session, to=reachable, payloads=survey_payloads(survey, rows, author))
    sent = dict(zip((m.user_id for m in reachable), ids, strict=True))
    await session.execute(
        insert(SurveyRecipient),
        [
            {
                "survey_id": survey.id,
                "user_id": m.user_id,
                "zone_id": m.zone_id,
                "outbox_id": sent.get(m.user_id),
                "reminded": False,
            }
            for m in found
        ],
    )
    return survey
