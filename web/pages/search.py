"""Search: a case ref, a member number, a rider's name or phone, or a compound."""

from __future__ import annotations

from aiohttp import web

from services.desk import search as desk_search
from services.membership import mask_phone
from web.guard import Desk, staff_only

routes = web.RouteTableDef()


@routes.get("/search", name="search")
@staff_only
async def search_page(desk: Desk) -> web.StreamResponse:
    query = desk.request.query.get("q", "")
    result = await desk_search.search(desk.session, actor=desk.me, query=query)
    return desk.render("search.html", q=query, result=result, mask_phone=mask_phone)
