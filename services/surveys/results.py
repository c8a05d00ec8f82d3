"""A survey's results: how many were asked and answered, each option's count and share
(overall, by zone, by platform), the free-text answers; and the same as CSV rows.

The author, admins and the representatives of the survey's zones see them at any time; a
member who was asked sees them once it closed, when the author chose so."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Membership, Role, User, Zone
from models.surveys import Survey, SurveyAnswer, SurveyKind, SurveyOption, SurveyRecipient
from models.types import utcnow
from services.cases.access import is_staff, require_staff, staff_zone_ids
from services.errors import Forbidden, NotFound
from services.surveys.answering import is_open


@dataclass(frozen=True)
class Count:
    option_id: int
    label: str
    count: int
    percent: float  # of those who answered


@dataclass(frozen=True)
class Group:
    name: str  # a zone code or a platform
    answered: int
    counts: list[Count]


@dataclass
class Results:
    survey: Survey
    options: list[SurveyOption]
    asked: int
    answered: int
    counts: list[Count]
    by_zone: list[Group] = field(default_factory=list)
    by_platform: list[Group] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    @property
    def percent_answered(self) -> float:
        return round(100 * self.answered / self.asked, 1) if self.asked else 0.0


def _counts(options: list[SurveyOption], answers: list[list[int]]) -> list[Count]:
    tally = Counter(o for chosen in answers for o in chosen)
    n = len(answers)
    return [
        Count(o.id, o.label, tally[o.id], round(100 * tally[o.id] / n, 1) if n else 0.0)  # type: ignore[arg-type]
        for o in options
    ]


async def may_see(session: AsyncSession, *, survey: Survey, viewer: User) -> bool:
    if viewer.id == survey.author_id or viewer.role is Role.admin:
        return True
    if is_staff(viewer):
        zones = await staff_zone_ids(session, user=viewer)
        codes = set(survey.audience.get("zones") or [])
        if zones and codes:
            mine = set(
                (await session.execute(select(Zone.code).where(Zone.id.in_(zones)))).scalars()
            )
            return codes <= mine
        return False
    asked = await session.get(SurveyRecipient, (survey.id, viewer.id))
    return asked is not None and survey.results_public and not is_open(survey, utcnow())


async def survey_for_viewer(session: AsyncSession, *, survey_id: int, viewer: User) -> Survey:
    survey = await session.get(Survey, survey_id)
    if survey is None:
        raise NotFound("survey_not_found")
    if not await may_see(session, survey=survey, viewer=viewer):
        if is_staff(viewer):
            raise Forbidden("survey_not_yours")
        raise NotFound("survey_not_found")
    return survey


async def options_of(session: AsyncSession, survey_id: int) -> list[SurveyOption]:
    rows = await session.execute(
        select(SurveyOption)
        .where(SurveyOption.survey_id == survey_id)
        .order_by(SurveyOption.position)
    )
    return list(rows.scalars())


async def results(session: AsyncSession, *, survey_id: int, viewer: User) -> Results:
    survey = await survey_for_viewer(session, survey_id=survey_id, viewer=viewer)
    return await tally(session, survey=survey)


async def tally(session: AsyncSession, *, survey: Survey) -> Results:
    """The results, read for whoever was already allowed to see them."""
    options = await options_of(session, survey.id)  # type: ignore[arg-type]
    asked = (
        await session.execute(select(func.count()).where(SurveyRecipient.survey_id == survey.id))
    ).scalar_one()
    rows = (
        await session.execute(
            select(SurveyAnswer, Zone.code, Membership.platforms)
            .join(
                SurveyRecipient,
                (SurveyRecipient.survey_id == SurveyAnswer.survey_id)
                & (SurveyRecipient.user_id == SurveyAnswer.user_id),
            )
            .outerjoin(Zone, Zone.id == SurveyRecipient.zone_id)
            .outerjoin(
                Membership,
                (Membership.user_id == SurveyAnswer.user_id) & (Membership.status == "active"),
            )
            .where(SurveyAnswer.survey_id == survey.id)
            .order_by(SurveyAnswer.id)
        )
    ).all()
    answers = [a for a, _, _ in rows if a.option_ids or a.text]
    found = Results(survey, options, asked, len(answers), [])
    if survey.kind is SurveyKind.text:
        found.texts = [a.text for a in answers if a.text]
        return found
    chosen = [list(a.option_ids) for a in answers]
    found.counts = _counts(options, chosen)
    zones: dict[str, list[list[int]]] = defaultdict(list)
    platforms: dict[str, list[list[int]]] = defaultdict(list)
    for a, zone, plats in rows:
        if not a.option_ids:
            continue
        zones[zone or "—"].append(list(a.option_ids))
        for p in plats or ["—"]:
            platforms[p].append(list(a.option_ids))
    found.by_zone = [Group(z, len(v), _counts(options, v)) for z, v in sorted(zones.items())]
    found.by_platform = [
        Group(p, len(v), _counts(options, v)) for p, v in sorted(platforms.items())
    ]
    return found


CSV_HEADER = ["group", "name", "answered", "option", "count", "percent"]


def csv_rows(found: Results) -> tuple[list[str], list[list[object]]]:
    """The results as a table: counts overall, by zone and by platform; or the texts."""
    if found.survey.kind is SurveyKind.text:
        return ["n", "answer"], [[i + 1, t] for i, t in enumerate(found.texts)]
    rows: list[list[object]] = []
    groups = [("all", Group("", found.answered, found.counts))]
    groups += [("zone", g) for g in found.by_zone] + [("platform", g) for g in found.by_platform]
    for kind, g in groups:
        for c in g.counts:
            rows.append([kind, g.name, g.answered, c.label, c.count, c.percent])
    return CSV_HEADER, rows


async def surveys_for_staff(
    session: AsyncSession, *, viewer: User, limit: int = 100
) -> list[Survey]:
    """The surveys a member of staff may see, newest first."""
    require_staff(viewer)
    rows = await session.execute(select(Survey).order_by(Survey.id.desc()).limit(limit * 3))  # type: ignore[union-attr]
    out = [s for s in rows.scalars() if await may_see(session, survey=s, viewer=viewer)]
    return out[:limit]


async def surveys_for_member(
    session: AsyncSession, *, user: User, limit: int = 50
) -> list[tuple[Survey, SurveyAnswer | None]]:
    """The surveys a member was asked, newest first, with their answer."""
    rows = await session.execute(
        select(Survey, SurveyAnswer)
        .join(SurveyRecipient, SurveyRecipient.survey_id == Survey.id)
        .outerjoin(
            SurveyAnswer, (SurveyAnswer.survey_id == Survey.id) & (SurveyAnswer.user_id == user.id)
        )
        .where(SurveyRecipient.user_id == user.id)
        .order_by(Survey.id.desc())  # type: ignore[union-attr]
        .limit(limit)
    )
    return [(s, a) for s, a in rows.all()]
