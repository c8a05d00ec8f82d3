"""The newcomer handbook and the route guides, open to everyone; tips need a sign-in."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from pydantic import BaseModel, Field

from api.endpoint import Call, links
from api.keys import CTX
from api.v1 import api
from api.v1.schemas import VISIBLE, Model
from models.types import utcnow
from services.guides import Compound, EntranceChoice, Handbook, RouteData, tips

TAGS = ["guides"]


class LangQuery(Model):
    lang: str = Field(default="zh", pattern="^(zh|en)$")


class SearchQuery(LangQuery):
    q: str = Field(default="", max_length=60, description="words to look for")


class NearbyQuery(Model):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    limit: int = Field(default=3, ge=1, le=10)


class TopicOut(BaseModel):
    slug: str
    title: str
    text: str | None = None


class Topics(BaseModel):
    topics: list[TopicOut]


class EntranceOut(BaseModel):
    id: str
    name: str | None
    state: str = Field(description="open, closed or unknown (opening hours unreadable)")
    changes_at: datetime | None = Field(description="closes at when open, opens at when closed")
    opening_hours: str | None
    note: str | None
    lat: float
    lon: float


class CompoundOut(BaseModel):
    id: str
    name: str
    name_en: str | None
    lat: float
    lon: float
    distance_m: float | None = None
    ebike_entrance: EntranceOut | None = None
    sample: bool


class Compounds(BaseModel):
    compounds: list[CompoundOut]


class BuildingOut(BaseModel):
    id: str
    number: str | None
    name: str | None
    lat: float
    lon: float


class TipOut(BaseModel):
    id: int
    target_id: str
    text: str
    confirmations: int
    stale: bool
    published_at: datetime | None


class CompoundDetail(CompoundOut):
    entrances: list[EntranceOut]
    buildings: list[BuildingOut]
    tips: list[TipOut]


class TipIn(Model):
    target_id: str = Field(min_length=1, max_length=120, description="a compound or entrance id")
    text: str = Field(min_length=1, max_length=500, pattern=VISIBLE)


class TipCreated(BaseModel):
    id: int
    status: str


def _data(call: Call) -> tuple[RouteData, Handbook]:
    ctx = call.request.app[CTX]
    assert ctx.routes is not None and ctx.handbook is not None
    return ctx.routes, ctx.handbook


def _entrance(choice: EntranceChoice, lang: str) -> EntranceOut:
    e = choice.entrance
    return EntranceOut(
        id=e.id,
        name=e.name,
        state=choice.state,
        changes_at=choice.changes_at,
        opening_hours=e.opening_hours,
        note=e.note_en if lang == "en" else e.note_zh,
        lat=e.lat,
        lon=e.lon,
    )


def _compound(call: Call, c: Compound, distance: float | None, lang: str) -> CompoundOut:
    routes, _ = _data(call)
    holidays = call.request.app[CTX].settings.holiday_dates
    now = routes.ebike_entrance_now(c, utcnow(), holidays)
    return CompoundOut(
        id=c.id,
        name=c.name,
        name_en=c.name_en,
        lat=c.lat,
        lon=c.lon,
        distance_m=round(distance) if distance is not None else None,
        ebike_entrance=_entrance(now, lang) if now else None,
        sample=c.sample,
    )


@api.op("GET", "/guides/topics", query=SearchQuery, response=Topics, auth=False, tags=TAGS)
async def list_topics(call: Call) -> Topics:
    """Handbook topics in order, or those matching `q`."""
    _, handbook = _data(call)
    found = (
        handbook.search(call.query.lang, call.query.q)
        if call.query.q.strip()
        else handbook.topics(call.query.lang)
    )
    return Topics(topics=[TopicOut(slug=t.slug, title=t.title) for t in found])


@api.op(
    "GET",
    "/guides/topics/{slug}",
    query=LangQuery,
    response=TopicOut,
    auth=False,
    tags=TAGS,
    errors=[404],
)
async def get_topic(call: Call) -> TopicOut:
    """One handbook topic, as Markdown."""
    _, handbook = _data(call)
    topic = handbook.topic(call.query.lang, call.request.match_info["slug"])
    if topic is None:
        raise web.HTTPNotFound(text="no such topic")
    return TopicOut(slug=topic.slug, title=topic.title, text=topic.text)


@api.op(
    "GET", "/guides/compounds/nearby", query=NearbyQuery, response=Compounds, auth=False, tags=TAGS
)
async def nearby_compounds(call: Call) -> Compounds:
    """The nearest compounds within 5 km, each with the e-bike gate to use now."""
    routes, _ = _data(call)
    q = call.query
    near = routes.nearest_compounds(q.lat, q.lon, limit=q.limit, max_km=5)
    return Compounds(compounds=[_compound(call, n.compound, n.distance_m, "zh") for n in near])


@api.op("GET", "/guides/compounds", query=SearchQuery, response=Compounds, auth=False, tags=TAGS)
async def search_compounds(call: Call) -> Compounds:
    """Compounds whose Chinese or English name contains `q`."""
    routes, _ = _data(call)
    found = routes.search_compounds(call.query.q) if call.query.q.strip() else []
    return Compounds(compounds=[_compound(call, c, None, call.query.lang) for c in found])


@api.op(
    "GET",
    "/guides/compounds/{compound:.+}",
    query=LangQuery,
    response=CompoundDetail,
    auth=False,
    tags=TAGS,
    errors=[404],
)
async def get_compound(call: Call) -> CompoundDetail:
    """A compound: its gates with their state now, buildings and published tips."""
    routes, _ = _data(call)
    compound = routes.compound(call.request.match_info["compound"])
    if compound is None:
        raise web.HTTPNotFound(text="no such compound")
    lang = call.query.lang
    holidays = call.request.app[CTX].settings.holiday_dates
    base = _compound(call, compound, None, lang)
    views = await tips.published_tips(call.session, compound_id=compound.id)
    return CompoundDetail(
        **base.model_dump(),
        entrances=[
            _entrance(c, lang) for c in routes.ebike_entrances(compound, utcnow(), holidays)
        ],
        buildings=[
            BuildingOut(id=b.id, number=b.housenumber, name=b.name, lat=b.lat, lon=b.lon)
            for b in routes.buildings(compound)
        ],
        tips=[
            TipOut(
                id=v.tip.id,
                target_id=v.tip.target_id,
                text=v.tip.text,  # type: ignore[arg-type]
                confirmations=v.confirmations,
                stale=v.stale,
                published_at=v.tip.decided_at,
            )
            for v in views
        ],
    )


@api.op(
    "POST",
    "/guides/tips",
    body=TipIn,
    response=TipCreated,
    status=201,
    tags=TAGS,
    errors=[404],
    links=links("confirm_tip", tip_id="$response.body#/id"),
)
async def add_tip(call: Call) -> TipCreated:
    """Suggest a tip; it is published once a representative of the zone approves it."""
    routes, _ = _data(call)
    tip = await tips.add_tip(
        call.session,
        author=call.me,
        routes=routes,
        target_id=call.body.target_id,
        body=call.body.text,
    )
    return TipCreated(id=tip.id, status=tip.status.value)  # type: ignore[arg-type]


@api.op("POST", "/guides/tips/{tip_id}/confirm", tags=TAGS, errors=[404, 409])
async def confirm_tip(call: Call) -> None:
    """ "Still true": confirm a published tip (once per person, not your own)."""
    await tips.confirm_tip(call.session, tip_id=call.path_int("tip_id"), user=call.me)
