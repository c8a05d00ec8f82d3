"""Activists and success stories: volunteering, my zone's agenda and my answer to a story for
members; deciding, ending, relaying and publishing for representatives. The rules live in
services/activists."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from api.endpoint import MAX_ID, Call, links
from api.problems import language
from api.v1 import api
from api.v1.schemas import VISIBLE, Model
from models import User
from models.activists import (
    END_NOTE_MAX,
    GROUPS_MAX,
    MOTIVATION_MAX,
    STORY_MAX,
    Activist,
    Story,
)
from services.activists import counts, relay, stories, volunteering, zone_issues
from services.activists.relay import RELAY_MAX
from services.activists.stories import StoryDraft
from services.activists.volunteering import AVAILABILITY, Offer
from services.cases.access import staff_zone_ids

ME, STAFF = ["me"], ["staff"]
When = Literal[AVAILABILITY]  # type: ignore[valid-type]


class VolunteerIn(Model):
    motivation: str = Field(min_length=1, max_length=MOTIVATION_MAX, pattern=VISIBLE)
    groups: str = Field(
        min_length=1,
        max_length=GROUPS_MAX,
        pattern=VISIBLE,
        description="the rider groups (chat groups) the member is in",
    )
    availability: list[When] = Field(min_length=1, max_length=len(AVAILABILITY))


class ActivistOut(BaseModel):
    id: int
    status: str
    zone_id: int
    name: str = Field(description="the volunteer's name in chat")
    motivation: str | None
    groups: str | None
    availability: list[str]
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    ended_at: datetime | None
    end_note: str | None


class ActivistList(BaseModel):
    activists: list[ActivistOut] = Field(description="offers waiting and active activists")
    per_zone: dict[str, int] = Field(description="active activists by zone code")
    per_representative: dict[str, int] = Field(
        description="active activists by the representative who confirmed them"
    )


class EndIn(Model):
    note: str = Field(
        min_length=1,
        max_length=END_NOTE_MAX,
        pattern=VISIBLE,
        description="a sentence to the activist saying why the role ends",
    )


class RelayIn(Model):
    text: str = Field(min_length=1, max_length=RELAY_MAX, pattern=VISIBLE)
    zone_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="default: all mine")


class RelayOut(BaseModel):
    queued: int = Field(description="how many activists get it to forward to their groups")


class IssueOut(BaseModel):
    category: str
    place: str
    status: str
    reports: int
    riders: int


class AgendaOut(BaseModel):
    zone_id: int
    issues: list[IssueOut] = Field(description="open collective issues, counts only")
    open_by_category: dict[str, int]


class StoryIn(Model):
    text: str = Field(min_length=1, max_length=STORY_MAX, pattern=VISIBLE)
    anonymous: bool = Field(default=True, description="false: the story names the rider")
    rider_by: Literal["member_number", "case_ref"] = Field(
        description="how `rider` names the rider: their member number, or a case they reported"
    )
    rider: str = Field(min_length=1, max_length=32, pattern=VISIBLE)


class StoryOut(BaseModel):
    id: int
    zone_id: int
    text: str
    anonymous: bool
    status: str
    consent_asked_at: datetime
    consent_at: datetime | None
    published_at: datetime | None


class StoryList(BaseModel):
    stories: list[StoryOut]


class PublishedStory(BaseModel):
    text: str
    credit: str = Field(description="who it is about: a name only if the rider agreed to be named")
    published_at: datetime | None


class PublishedList(BaseModel):
    stories: list[PublishedStory]


class ConsentIn(Model):
    agree: bool


async def activist_out(call: Call, a: Activist) -> ActivistOut:
    person = await call.session.get(User, a.user_id)
    decider = await call.session.get(User, a.decided_by_id) if a.decided_by_id else None
    return ActivistOut(
        id=a.id,
        status=a.status.value,
        zone_id=a.zone_id,  # type: ignore[arg-type]
        name=person.display_name if person else "",
        motivation=a.motivation,
        groups=a.groups,
        availability=list(a.availability),
        created_at=a.created_at,
        decided_at=a.decided_at,
        decided_by=decider.display_name if decider else None,
        ended_at=a.ended_at,
        end_note=a.end_note,
    )


def story_out(s: Story) -> StoryOut:
    return StoryOut(
        id=s.id,
        zone_id=s.zone_id,
        text=s.text,
        anonymous=s.anonymous,  # type: ignore[arg-type]
        status=s.status.value,
        consent_asked_at=s.consent_asked_at,
        consent_at=s.consent_at,
        published_at=s.published_at,
    )


# --- members -----------------------------------------------------------------------------


@api.op(
    "POST",
    "/me/activist",
    body=VolunteerIn,
    response=ActivistOut,
    status=201,
    tags=ME,
    errors=[403, 409, 422],
    links=links("confirm_activist", "decline_activist", activist_id="$response.body#/id"),
)
async def volunteer_as_activist(call: Call) -> ActivistOut:
    """Volunteer as an activist; the representatives of my zone confirm or decline."""
    b = call.body
    offer = Offer(b.motivation, b.groups, list(b.availability))
    return await activist_out(
        call, await volunteering.volunteer(call.session, user=call.me, offer=offer)
    )


@api.op("GET", "/me/activist", response=ActivistOut, tags=ME, errors=[404])
async def my_activist_role(call: Call) -> ActivistOut:
    """My offer waiting for a decision, or my active role."""
    a = await volunteering.open_offer(call.session, user_id=call.me.id)  # type: ignore[arg-type]
    if a is None:
        raise web.HTTPNotFound(text="no offer or role")
    return await activist_out(call, a)


@api.op("GET", "/me/activist/zone-issues", response=AgendaOut, tags=ME, errors=[403])
async def my_zone_issues(call: Call) -> AgendaOut:
    """My zone's open collective issues and open cases, as counts (activists only)."""
    agenda = await zone_issues.activist_agenda(call.session, user=call.me)
    return AgendaOut(
        zone_id=agenda.zone_id,
        issues=[IssueOut(**i.__dict__) for i in agenda.issues],
        open_by_category=agenda.open_by_category,
    )


@api.op(
    "POST",
    "/me/stories/{story_id}/consent",
    body=ConsentIn,
    response=StoryOut,
    tags=ME,
    errors=[404, 409],
)
async def answer_story_consent(call: Call) -> StoryOut:
    """Agree (or not) that a representative's story about me is published."""
    story = await stories.answer_consent(
        call.session, story_id=call.path_int("story_id"), rider=call.me, agree=call.body.agree
    )
    return story_out(story)


@api.op("DELETE", "/me/stories/{story_id}/consent", response=StoryOut, tags=ME, errors=[404, 409])
async def withdraw_story_consent(call: Call) -> StoryOut:
    """Take my consent back: the story is unpublished."""
    story = await stories.withdraw_consent(
        call.session, story_id=call.path_int("story_id"), rider=call.me
    )
    return story_out(story)


@api.op("GET", "/me/stories", response=StoryList, tags=ME)
async def stories_about_me(call: Call) -> StoryList:
    """Stories representatives wrote about me, and where my consent stands."""
    return StoryList(
        stories=[story_out(s) for s in await stories.about_me(call.session, rider=call.me)]
    )


@api.op("GET", "/stories/latest", response=PublishedList, tags=ME)
async def latest_stories(call: Call) -> PublishedList:
    """The latest success stories of my zone, as the explainer shows them."""
    lang = language(call.request)
    found = await stories.latest_for(call.session, user=call.me)
    return PublishedList(
        stories=[
            PublishedStory(
                text=s.text,
                credit=await stories.credit(call.session, story=s, lang=lang),
                published_at=s.published_at,
            )
            for s in found
        ]
    )


# --- representatives ---------------------------------------------------------------------


@api.op("GET", "/staff/activists", response=ActivistList, tags=STAFF, errors=[403])
async def staff_activists(call: Call) -> ActivistList:
    """Offers waiting and active activists of my zones, with the counts per zone and
    per representative."""
    zones = await staff_zone_ids(call.session, user=call.me)
    rows = await volunteering.in_zones(call.session, zones=zones)
    return ActivistList(
        activists=[await activist_out(call, r.activist) for r in rows],
        per_zone={z.code: n for z, n in await counts.per_zone(call.session, zones=zones)},
        per_representative={
            rep.display_name: n
            for rep, n in await counts.per_representative(call.session, zones=zones)
        },
    )


async def _decide(call: Call, *, confirm: bool) -> ActivistOut:
    a = await volunteering.decide(
        call.session, activist_id=call.path_int("activist_id"), actor=call.me, confirm=confirm
    )
    return await activist_out(call, a)


@api.op(
    "POST",
    "/staff/activists/{activist_id}/confirm",
    response=ActivistOut,
    tags=STAFF,
    errors=[403, 404, 409],
)
async def confirm_activist(call: Call) -> ActivistOut:
    """Confirm a volunteer of my zone as an activist (one decision wins; they are told)."""
    return await _decide(call, confirm=True)


@api.op(
    "POST",
    "/staff/activists/{activist_id}/decline",
    response=ActivistOut,
    tags=STAFF,
    errors=[403, 404, 409],
)
async def decline_activist(call: Call) -> ActivistOut:
    """Decline a volunteer's offer (they are told, and stay a member)."""
    return await _decide(call, confirm=False)


@api.op(
    "POST",
    "/staff/activists/{activist_id}/end",
    body=EndIn,
    response=ActivistOut,
    tags=STAFF,
    errors=[403, 404, 409, 422],
)
async def end_activist_role(call: Call) -> ActivistOut:
    """End an activist's role; the note is sent to them."""
    a = await volunteering.end_role(
        call.session, activist_id=call.path_int("activist_id"), actor=call.me, note=call.body.note
    )
    return await activist_out(call, a)


@api.op(
    "POST",
    "/staff/activists/relay",
    body=RelayIn,
    response=RelayOut,
    tags=STAFF,
    errors=[403, 422],
)
async def relay_to_activists(call: Call) -> RelayOut:
    """Send a notice to my zones' activists, to forward to their rider groups."""
    n = await relay.relay_notice(
        call.session, actor=call.me, notice=call.body.text, zone_id=call.body.zone_id
    )
    return RelayOut(queued=n)


@api.op("GET", "/staff/stories", response=StoryList, tags=STAFF, errors=[403])
async def staff_stories(call: Call) -> StoryList:
    """Stories of my zones, newest first, with where their consent stands."""
    found = await stories.stories_for_staff(call.session, actor=call.me)
    return StoryList(stories=[story_out(s) for s in found])


@api.op(
    "POST",
    "/staff/stories",
    body=StoryIn,
    response=StoryOut,
    status=201,
    tags=STAFF,
    errors=[403, 404, 422],
    links=links("publish_story", story_id="$response.body#/id"),
)
async def propose_story(call: Call) -> StoryOut:
    """Write a story about a rider (by case number or member number); the rider is asked in
    chat whether it may be published."""
    b = call.body
    by_case = b.rider_by == "case_ref"
    draft = StoryDraft(
        b.text, b.anonymous, b.rider if by_case else None, None if by_case else b.rider
    )
    return story_out(await stories.propose_story(call.session, author=call.me, draft=draft))


@api.op(
    "POST",
    "/staff/stories/{story_id}/publish",
    response=StoryOut,
    tags=STAFF,
    errors=[403, 404, 409],
)
async def publish_story(call: Call) -> StoryOut:
    """Publish a story the rider agreed to; without their consent it is refused (409)."""
    story = await stories.publish_story(
        call.session, story_id=call.path_int("story_id"), actor=call.me
    )
    return story_out(story)
