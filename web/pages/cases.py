"""Unresolved cases: counts at the top, filters kept in the URL, sort, paging, and CSV."""

from __future__ import annotations

from aiohttp import web

from services.desk import case_list
from web.guard import Desk, staff_only
from web.keys import CTX
from web.render import Names, csv_response

routes = web.RouteTableDef()
CSV_LIMIT = 10_000


async def _filtered(desk: Desk) -> tuple[case_list.ParsedFilter, case_list.FilterChoices]:
    choices = await case_list.filter_choices(desk.session, actor=desk.me)
    parsed = case_list.parse_filters(
        desk.request.query,
        zone_ids={z.id for z in choices.zones if z.id is not None},
        staff_ids={u.id for u in choices.staff if u.id is not None},
    )
    return parsed, choices


@routes.get("/cases", name="cases")
@staff_only
async def unresolved_cases(desk: Desk) -> web.StreamResponse:
    parsed, choices = await _filtered(desk)
    page = await case_list.unresolved(desk.session, actor=desk.me, filters=parsed.filter)
    counts = await case_list.counts(desk.session, actor=desk.me)
    return desk.render(
        "cases.html",
        f=parsed.filter,
        ignored=parsed.ignored,
        page=page,
        counts=counts,
        choices=choices,
        levels=case_list.levels(),
        statuses=case_list.OPEN_STATUSES,
        categories=case_list.categories(),
    )


@routes.get("/cases.csv", name="cases_csv")
@staff_only
async def unresolved_cases_csv(desk: Desk) -> web.StreamResponse:
    """The same filtered list, every page, with names instead of ids."""
    parsed, _ = await _filtered(desk)
    everything = case_list.CaseFilter(**{**parsed.filter.__dict__, "page": 1})
    page = await case_list.unresolved(
        desk.session, actor=desk.me, filters=everything, size=CSV_LIMIT
    )
    t, n = desk.t, Names(desk.lang, desk.request.app[CTX].settings.timezone)
    header = [str(t(f"desk.csv.{c}")) for c in COLUMNS]
    rows = [
        [
            r.case.ref,
            n.status(r.case.status),
            n.severity(r.case.severity),
            n.category(r.case.category),
            n.zone(r.zone),
            n.person(r.assignee) if r.assignee else "",
            n.person(r.rider) if r.rider else "",
            r.level,
            str(t("desk.yes" if r.overdue else "desk.no")),
            n.when(r.case.created_at),
            n.when(r.case.first_response_due_at),
            r.case.place or "",
            r.case.summary,
        ]
        for r in page.rows
    ]
    return csv_response(header, rows, filename="unresolved-cases.csv")


COLUMNS = ("ref", "status", "severity", "category", "zone", "assignee", "rider", "level",
           "overdue", "created", "due", "place", "summary")  # fmt: skip
