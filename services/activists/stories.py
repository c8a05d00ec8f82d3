"""Success stories: a representative tells of help that worked (a recovered fare, a gate
opened); the rider is asked in chat and taps agree; only then can it be published,
anonymous unless the representative chose to name the rider (the rider is told which before
agreeing). A withdrawn consent unpublishes. The explainer shows the latest of a zone."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Case, User, Zone
from models.activists import STORY_MAX, Story, StoryStatus
from models.membership import Membership
from models.types import utcnow
from services import outbox
from services.actions import Act, Action
from services.cases.access import staff_zone_ids
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.membership.members import OPEN as OPEN_MEMBERSHIP
from services.membership.members import zone_name
from services.texts import Raw, text

EXPLAINER_STORIES = 3
LIVE = (StoryStatus.awaiting_consent, StoryStatus.consented, StoryStatus.published)


@dataclass(frozen=True)
class StoryDraft:
    text: str
    anonymous: bool = True
    case_ref: str | None = None  # the rider is the case's reporter …
    member_number: str | None = None  # … or the member with this number


async def _rider_of(session: AsyncSession, draft: StoryDraft) -> tuple[User, int | None]:
    """The rider the story is about, and the zone it belongs to."""
    if bool(draft.case_ref) == bool(draft.member_number):
        raise Invalid("story_rider_missing")
    if draft.case_ref:
        case = (
            await session.execute(select(Case).where(Case.ref == draft.case_ref.strip().upper()))
        ).scalar_one_or_none()
        if case is None:
            raise NotFound("story_rider_unknown")
        rider = await session.get(User, case.rider_id)
        zone_id = case.zone_id
    else:
        m = (
            await session.execute(
                select(Membership).where(
                    Membership.member_number == (draft.member_number or "").strip().upper(),
                    Membership.status.in_(OPEN_MEMBERSHIP),
                )
            )
        ).scalar_one_or_none()
        if m is None:
            raise NotFound("story_rider_unknown")
        rider, zone_id = await session.get(User, m.user_id), m.zone_id
    if rider is None or rider.telegram_id is None:
        raise NotFound("story_rider_unknown")  # erased: nobody left to ask
    return rider, zone_id


async def propose_story(session: AsyncSession, *, author: User, draft: StoryDraft) -> Story:
    """Saved as awaiting consent; the rider is asked in chat with Agree / No buttons."""
    body = " ".join((draft.text or "").split())
    if not body:
        raise Invalid("story_empty")
    if len(body) > STORY_MAX:
        raise Invalid("story_too_long", limit=STORY_MAX, length=len(body))
    zones = await staff_zone_ids(session, user=author)
    rider, zone_id = await _rider_of(session, draft)
    if zone_id is None or (zones is not None and zone_id not in zones):
        raise Forbidden("story_not_your_zone")
    story = Story(
        zone_id=zone_id,
        author_id=author.id,  # type: ignore[arg-type]
        rider_id=rider.id,
        text=body,
        anonymous=draft.anonymous,
    )
    session.add(story)
    await session.flush()
    assert story.id is not None
    await outbox.notify(
        session,
        user=rider,
        key="stories.consent_ask",
        actions=[[Action(Act.STORY_AGREE, story.id), Action(Act.STORY_REFUSE, story.id)]],
        rep=author.display_name,
        story=body,
        shown=text(
            rider.language,
            "stories.shown_anonymous" if draft.anonymous else "stories.shown_named",
            name=rider.display_name,
        ),
    )
    return story


async def _own_story(session: AsyncSession, *, story_id: int, rider: User) -> Story:
    story = await session.get(Story, story_id)
    if story is None or story.rider_id is None or story.rider_id != rider.id:
        raise NotFound("story_unknown")  # never confirm a story about someone else exists
    return story


async def answer_consent(
    session: AsyncSession, *, story_id: int, rider: User, agree: bool
) -> Story:
    """The rider's answer, once: a second tap is told what was answered."""
    story = await _own_story(session, story_id=story_id, rider=rider)
    now = utcnow()
    values = (
        {"status": StoryStatus.consented, "consent_at": now}
        if agree
        else {"status": StoryStatus.refused, "refused_at": now}
    )
    result = await session.execute(
        update(Story)
        .where(Story.id == story_id, Story.status == StoryStatus.awaiting_consent)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(story)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("story_answered")
    author = await session.get(User, story.author_id)
    if author is not None:
        await outbox.notify(
            session,
            user=author,
            key="stories.rider_agreed" if agree else "stories.rider_refused",
            id=story.id,
            story=story.text,
        )
    return story


async def withdraw_consent(session: AsyncSession, *, story_id: int, rider: User) -> Story:
    """Consent taken back: the story is unpublished (or never will be)."""
    story = await _own_story(session, story_id=story_id, rider=rider)
    result = await session.execute(
        update(Story)
        .where(
            Story.id == story_id,
            Story.status.in_((StoryStatus.consented, StoryStatus.published)),
        )
        .values(status=StoryStatus.withdrawn, withdrawn_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    await session.refresh(story)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("story_not_consented")
    return story


async def _for_staff(session: AsyncSession, *, story_id: int, actor: User) -> Story:
    story = await session.get(Story, story_id)
    zones = await staff_zone_ids(session, user=actor)
    if story is None or (zones is not None and story.zone_id not in zones):
        raise NotFound("story_unknown")
    return story


async def publish_story(session: AsyncSession, *, story_id: int, actor: User) -> Story:
    """Published only once the rider agreed; anything else is refused with a sentence."""
    story = await _for_staff(session, story_id=story_id, actor=actor)
    result = await session.execute(
        update(Story)
        .where(Story.id == story_id, Story.status == StoryStatus.consented)
        .values(status=StoryStatus.published, published_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    await session.refresh(story)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        if story.status is StoryStatus.published:
            raise Conflict("story_published_already")
        raise Conflict("story_no_consent")
    return story


async def stories_for_staff(session: AsyncSession, *, actor: User) -> list[Story]:
    zones = await staff_zone_ids(session, user=actor)
    query = select(Story).order_by(Story.id.desc()).limit(100)  # type: ignore[union-attr]
    if zones is not None:
        query = query.where(Story.zone_id.in_(zones))
    return list((await session.execute(query)).scalars())


async def latest_published(
    session: AsyncSession, *, zone_id: int | None, limit: int = EXPLAINER_STORIES
) -> list[Story]:
    """The zone's latest published stories (every zone's when the zone is not known)."""
    query = (
        select(Story)
        .where(Story.status == StoryStatus.published)
        .order_by(Story.published_at.desc(), Story.id.desc())  # type: ignore[union-attr]
        .limit(limit)
    )
    if zone_id is not None:
        query = query.where(Story.zone_id == zone_id)
    return list((await session.execute(query)).scalars())


async def _zone_of(session: AsyncSession, user: User) -> int | None:
    return (
        await session.execute(
            select(Membership.zone_id).where(
                Membership.user_id == user.id, Membership.status.in_(OPEN_MEMBERSHIP)
            )
        )
    ).scalar_one_or_none()


async def latest_for(session: AsyncSession, *, user: User) -> list[Story]:
    """The latest published stories of the person's zone; a rider without a zone yet gets
    the latest of every zone."""
    return await latest_published(session, zone_id=await _zone_of(session, user))


async def credit(session: AsyncSession, *, story: Story, lang: str) -> str:
    """Who the story is about, as readers see it: the rider's name only if it names them."""
    rider = await session.get(User, story.rider_id) if story.rider_id else None
    if not story.anonymous and rider is not None:
        return text(lang, "stories.by_named", name=rider.display_name)
    zone = await session.get(Zone, story.zone_id)
    return text(lang, "stories.by_anonymous", zone=zone_name(zone, lang))


async def explainer_stories(session: AsyncSession, *, user: User, lang: str) -> str:
    """The lines the explainer ends with ("" when there are none)."""
    found = await latest_for(session, user=user)
    if not found:
        return ""
    lines = [
        text(lang, "stories.line", story=s.text, who=Raw(await credit(session, story=s, lang=lang)))
        for s in found
    ]
    return text(lang, "stories.explainer", lines=Raw("\n".join(lines)))


async def about_me(session: AsyncSession, *, rider: User) -> list[Story]:
    """Stories about the rider (with where their consent stands), newest first."""
    rows = await session.execute(
        select(Story).where(Story.rider_id == rider.id).order_by(Story.id.desc())  # type: ignore[union-attr]
    )
    return list(rows.scalars())
