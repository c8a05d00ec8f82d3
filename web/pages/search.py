"""Search: a case ref, a member number, a rider's name or phone, or a compound."""

from __future__ import annotations

from aiohttp import web

from services.desk import search as desk_search
from services.membership.members import mask_phone
from web.guard import Desk, staff_only
from web.keys import CTX
from web.render import Names, csv_response

routes = web.RouteTableDef()


@routes.get("/search", name="search")
@staff_only
async def search_page(desk: Desk) -> web.StreamResponse:
    query = desk.request.query.get("q", "")
    result = await desk_search.search(desk.session, actor=desk.me, query=query)
    return desk.render("search.html", q=query, result=result, mask_phone=mask_phone)


@routes.get("/search/cases.csv", name="search_cases_csv")
@staff_only
async def search_cases_csv(desk: Desk) -> web.StreamResponse:
    """The cases found, as on the page, with names."""
    result = await desk_search.search(desk.session, actor=desk.me, query=_q(desk))
    t, n = desk.t, Names(desk.lang, desk.request.app[CTX].settings.timezone)
    columns = ("ref", "category", "status", "zone", "place", "created", "summary")
    header = [str(t(f"desk.csv.{c}")) for c in columns]
    rows = [
        [
            h.case.ref,
            n.category(h.case.category),
            n.status(h.case.status),
            n.zone(h.zone),
            h.case.place or "",
            n.when(h.case.created_at),
            h.case.summary,
        ]
        for h in result.cases
    ]
    return csv_response(header, rows, filename="search-cases.csv")


@routes.get("/search/members.csv", name="search_members_csv")
@staff_only
async def search_members_csv(desk: Desk) -> web.StreamResponse:
    """The members found, as on the page: phones masked (a reveal is its own, audited step)."""
    result = await desk_search.search(desk.session, actor=desk.me, query=_q(desk))
    t, n = desk.t, Names(desk.lang, desk.request.app[CTX].settings.timezone)
    header = [str(t(f"desk.members.{c}")) for c in ("number", "name", "phone")]
    header += [str(t("desk.csv.zone")), str(t("desk.csv.status"))]
    rows = [
        [
            h.membership.member_number or "",
            h.membership.name or n.person(h.user),
            mask_phone(h.membership.phone),
            n.zone(h.zone),
            str(t(f"desk.members.status.{h.membership.status.value}")),
        ]
        for h in result.members
    ]
    return csv_response(header, rows, filename="search-members.csv")


def _q(desk: Desk) -> str:
    return desk.request.query.get("q", "")
