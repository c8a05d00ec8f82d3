"""My membership: apply, see the status, the member card (JSON or PNG), export my data, leave.
Everything acts on the signed-in person only; the rules live in services.membership."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.endpoint import Call, links
from api.keys import CTX
from api.problems import language
from api.v1 import api
from api.v1.schemas import VISIBLE, Model
from services.membership import applications, member_card, members, own_view
from services.membership.members import PLATFORMS, VEHICLES, WORK_KINDS
from services.privacy import erasure

TAGS = ["me"]

Platform = Literal[PLATFORMS]  # type: ignore[valid-type]
WorkKind = Literal[WORK_KINDS]  # type: ignore[valid-type]
Vehicle = Literal[VEHICLES]  # type: ignore[valid-type]


class ApplicationIn(Model):
    name: str = Field(min_length=1, max_length=members.NAME_LIMIT, pattern=VISIBLE)
    phone: str = Field(
        pattern=r"^(\+86|0086|86)?1[3-9]\d{9}$", description="a mainland mobile number"
    )
    platforms: list[Platform] = Field(min_length=1, max_length=len(PLATFORMS))
    work_kinds: list[WorkKind] = Field(min_length=1, max_length=len(WORK_KINDS))
    zone_id: int = Field(ge=1, le=2**31 - 1)
    vehicle: Vehicle


class MembershipOut(BaseModel):
    id: int
    status: str
    zone_id: int | None
    member_number: str | None
    applied_at: datetime
    joined_at: datetime | None
    reject_reason: str | None


class CardOut(BaseModel):
    number: str
    name: str
    zone: str
    zone_code: str
    joined: datetime
    verified_by: str
    verify_url: str = Field(description="what the card's QR code opens")


def membership_out(m: Any) -> MembershipOut:
    return MembershipOut(
        id=m.id,
        status=m.status.value,
        zone_id=m.zone_id,
        member_number=m.member_number,
        applied_at=m.applied_at,
        joined_at=m.joined_at,
        reject_reason=m.reject_reason,
    )


@api.op(
    "POST",
    "/me/membership",
    body=ApplicationIn,
    response=MembershipOut,
    status=201,
    tags=TAGS,
    errors=[404, 409],
    links=links("approve_application", "reject_application", membership_id="$response.body#/id"),
)
async def apply_for_membership(call: Call) -> MembershipOut:
    """Apply to join; the zone's representatives decide."""
    b = call.body
    form = applications.Application(
        name=b.name,
        phone=b.phone,
        platforms=list(b.platforms),
        work_kinds=list(b.work_kinds),
        zone_id=b.zone_id,
        vehicle=b.vehicle,
    )
    return membership_out(await applications.apply(call.session, user=call.me, form=form))


@api.op("GET", "/me/membership", response=MembershipOut, tags=TAGS, errors=[404])
async def my_membership(call: Call) -> MembershipOut:
    """My pending application or active membership."""
    m = await members.open_membership(call.session, user_id=call.me.id)  # type: ignore[arg-type]
    if m is None:
        raise web.HTTPNotFound(text="no application or membership")
    return membership_out(m)


async def _card(call: Call) -> tuple[own_view.CardInfo, str, str]:
    settings = call.request.app[CTX].settings
    card = await own_view.card_info(call.session, user=call.me, lang=language(call.request))
    url = member_card.card_link(
        card, secret=settings.secret_key.get_secret_value(), base_url=settings.base_url
    )
    return card, url, member_card.card_day(card, settings.timezone)


@api.op("GET", "/me/membership/card", response=CardOut, tags=TAGS, errors=[403])
async def my_member_card(call: Call) -> CardOut:
    """My member card: number, zone, who verified me, and the link its QR code opens."""
    card, url, _ = await _card(call)
    return CardOut(
        number=card.number,
        name=card.name,
        zone=card.zone,
        zone_code=card.zone_code,
        joined=card.joined,
        verified_by=card.verified_by,
        verify_url=url,
    )


@api.op("GET", "/me/membership/card.png", tags=TAGS, errors=[403], content_type="image/png")
async def my_member_card_image(call: Call) -> web.Response:
    """My member card as an image, with the QR code to verify it."""
    card, url, date = await _card(call)
    png = member_card.render_card_png(card, lang=language(call.request), url=url, date=date)
    return web.Response(body=png, content_type="image/png")


class DataExport(BaseModel):
    # Every key the export has must be declared here: an undeclared one was dropped without a
    # word, so the app's download held less than the chat's /mydata file. Now it is an error.
    model_config = ConfigDict(extra="forbid")

    exported_at: str
    user: dict[str, Any]
    memberships: list[dict[str, Any]]
    membership_events: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    referral_code: str | None
    activist: list[dict[str, Any]] = Field(
        default_factory=list, description="offers to volunteer as an activist, and the role"
    )
    stories: list[dict[str, Any]] = Field(
        default_factory=list, description="consent records of success stories about me"
    )
    station_bookings: list[dict[str, Any]] = Field(
        default_factory=list,
        description="my bookings of rest-station service slots, with the slot's station, kind "
        "and time; leaving deletes all but the done ones, which stay without my name",
    )
    station_volunteering: list[dict[str, Any]] = Field(
        default_factory=list, description="the rest stations I volunteer at (gone on leaving)"
    )
    survey_answers: list[dict[str, Any]] = Field(
        default_factory=list, description="my answers to surveys, with each survey's question"
    )
    settings: dict[str, Any] | None = Field(
        default=None, description="my notice settings (muted or not), if I ever changed them"
    )
    injury_claims: list[dict[str, Any]] = Field(
        default_factory=list, description="my injury claims with the stages they reached"
    )
    agenda: dict[str, Any] = Field(
        default_factory=dict,
        description="the agenda items I proposed or supported, and my answers to invitations",
    )


@api.op("GET", "/me/data", response=DataExport, tags=TAGS)
async def export_my_data(call: Call) -> web.Response:
    """Everything stored about me, as one JSON document to download."""
    data = await own_view.export_data(call.session, user=call.me)
    return web.json_response(
        DataExport.model_validate(data).model_dump(mode="json"),
        headers={"Content-Disposition": 'attachment; filename="my-data.json"'},
    )


@api.op("DELETE", "/me/membership", response=MembershipOut, tags=TAGS, errors=[403, 404, 409])
async def leave_union(call: Call) -> MembershipOut:
    """Leave the union (or withdraw an application) and erase my personal data.

    Erased at once: name, phone, the Telegram account and username, every sign-in (all
    access and refresh tokens stop working: 401), notices not yet sent to me, my name and
    phone inside notices sent to others (replaced by "a former member"), and any form left
    half-filled in chat. Past cases stay for the union's record, shown as "a former member".

    The one exception: while a wage claim of mine is still being pursued (stage not
    `recovered`, `withdrawn` or `lost`), my name stays with that claim and its amounts,
    because a labour arbitration application must name the claimant and the one-year
    time limit is still running. It is erased when the claim ends. Same as /leave in chat.
    """
    # The bots' conversations live in the database (erased with it) or in REDIS_URL.
    forget = erasure.redis_url_forgetter(call.request.app[CTX].settings.redis_url)
    return membership_out(await own_view.leave(call.session, user=call.me, forget_chat=forget))
