"""Activists and stories: offers to volunteer waiting (confirm or decline), the active
activists (end a role with a sentence to them), how many per zone and per representative,
a notice sent to the activists to relay in their groups, and success stories (written here,
published only once the rider agreed in chat). Every action is a services/activists call."""

from __future__ import annotations

from aiohttp import web

from models import Zone
from models.activists import ActivistStatus
from services.activists import counts, relay, stories, volunteering
from services.activists.stories import StoryDraft
from services.errors import DomainError
from web.guard import Desk, staff_only
from web.render import redirect

routes = web.RouteTableDef()
DONE = ("confirmed", "declined", "ended", "relayed", "proposed", "published")


async def _page(desk: Desk, *, error: object = None, status: int = 200) -> web.Response:
    rows = await volunteering.in_zones(desk.session, zones=desk.zones)
    zones = await counts.per_zone(desk.session, zones=desk.zones)
    done = desk.request.query.get("done", "")
    return desk.render(
        "activists.html",
        status=status,
        waiting=[r for r in rows if r.activist.status is ActivistStatus.pending],
        active=[r for r in rows if r.activist.status is ActivistStatus.active],
        per_zone=zones,
        per_rep=await counts.per_representative(desk.session, zones=desk.zones),
        zones=[z for z, _ in zones],
        stories=await stories.stories_for_staff(desk.session, actor=desk.me),
        done=done if done in DONE else "",
        queued=desk.request.query.get("n", ""),
        error=error,
    )


async def _act(desk: Desk, action: object, done: str) -> web.StreamResponse:
    """Runs the service call; a refusal comes back as the page with its sentence."""
    try:
        async with desk.session.begin_nested():
            result = await action  # type: ignore[misc]
    except DomainError as exc:
        return await _page(desk, error=desk.t.error(exc.code, exc.params), status=exc.status)
    query = {"done": done}
    if done == "relayed":
        query["n"] = str(result)
    return redirect(desk.url("activists", query=query))


def _id(desk: Desk, name: str) -> int:
    return int(desk.request.match_info[name])


@routes.get("/activists", name="activists")
@staff_only
async def activists_page(desk: Desk) -> web.StreamResponse:
    return await _page(desk)


@routes.post("/activists/{activist_id:\\d{1,9}}/decide", name="activist_decide")
@staff_only
async def decide(desk: Desk) -> web.StreamResponse:
    confirm = (await desk.request.post()).get("decision") == "confirm"
    action = volunteering.decide(
        desk.session, activist_id=_id(desk, "activist_id"), actor=desk.me, confirm=confirm
    )
    return await _act(desk, action, "confirmed" if confirm else "declined")


@routes.post("/activists/{activist_id:\\d{1,9}}/end", name="activist_end")
@staff_only
async def end(desk: Desk) -> web.StreamResponse:
    note = str((await desk.request.post()).get("note", ""))
    action = volunteering.end_role(
        desk.session, activist_id=_id(desk, "activist_id"), actor=desk.me, note=note
    )
    return await _act(desk, action, "ended")


@routes.post("/activists/relay", name="activists_relay")
@staff_only
async def relay_notice(desk: Desk) -> web.StreamResponse:
    form = await desk.request.post()
    raw_zone = str(form.get("zone_id", ""))
    zone_id = int(raw_zone) if raw_zone.isdigit() and len(raw_zone) < 10 else None
    if zone_id is not None and await desk.session.get(Zone, zone_id) is None:
        zone_id = None
    action = relay.relay_notice(
        desk.session, actor=desk.me, notice=str(form.get("text", "")), zone_id=zone_id
    )
    return await _act(desk, action, "relayed")


@routes.post("/stories", name="story_propose")
@staff_only
async def propose(desk: Desk) -> web.StreamResponse:
    form = await desk.request.post()
    rider = str(form.get("rider", "")).strip()
    by_case = str(form.get("rider_kind", "member")) == "case"
    draft = StoryDraft(
        text=str(form.get("text", "")),
        anonymous=form.get("named") != "on",
        case_ref=rider if by_case else None,
        member_number=None if by_case else rider,
    )
    return await _act(
        desk, stories.propose_story(desk.session, author=desk.me, draft=draft), "proposed"
    )


@routes.post("/stories/{story_id:\\d{1,9}}/publish", name="story_publish")
@staff_only
async def publish(desk: Desk) -> web.StreamResponse:
    action = stories.publish_story(desk.session, story_id=_id(desk, "story_id"), actor=desk.me)
    return await _act(desk, action, "published")
