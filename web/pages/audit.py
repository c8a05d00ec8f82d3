"""The audit trail: every staff and admin action with who and when, filterable, and as CSV."""

from __future__ import annotations

from aiohttp import web

from services.desk import audit, case_list
from web.guard import Desk, staff_only
from web.keys import CTX
from web.pages.case import plain_event
from web.render import Names, csv_response

routes = web.RouteTableDef()


def _filters(desk: Desk, people: list[int]) -> tuple[str | None, int | None, int, list[str]]:
    q, ignored = desk.request.query, []
    kind = q.get("kind") or None
    if kind is not None and kind not in audit.KINDS:
        ignored.append(f"kind={kind}")
        kind = None
    raw = q.get("actor", "")
    actor = int(raw) if raw.isdigit() and int(raw) in people else None
    if raw and actor is None:
        ignored.append(f"actor={raw}")
    page_raw = q.get("page", "1")
    page = int(page_raw) if page_raw.isdigit() and len(page_raw) < 7 else 1
    return kind, actor, page, ignored


@routes.get("/audit", name="audit")
@staff_only
async def audit_page(desk: Desk) -> web.StreamResponse:
    people = (await case_list.filter_choices(desk.session, actor=desk.me)).staff
    kind, actor, page, ignored = _filters(desk, [u.id for u in people if u.id is not None])
    found = await audit.entries(desk.session, viewer=desk.me, kind=kind, actor_id=actor, page=page)
    query = {k: v for k, v in (("kind", kind), ("actor", actor)) if v is not None}
    return desk.render(
        "audit.html",
        found=found,
        people=people,
        kind=kind,
        actor=actor,
        kinds=audit.KINDS,
        ignored=ignored,
        query=query,
        describe=lambda e: describe(desk, e),
    )


@routes.get("/audit.csv", name="audit_csv")
@staff_only
async def audit_csv(desk: Desk) -> web.StreamResponse:
    people = (await case_list.filter_choices(desk.session, actor=desk.me)).staff
    kind, actor, _, _ = _filters(desk, [u.id for u in people if u.id is not None])
    found = await audit.entries(
        desk.session, viewer=desk.me, kind=kind, actor_id=actor, page=1, size=audit.MAX_ROWS * 2
    )
    n, t = Names(desk.lang, desk.request.app[CTX].settings.timezone), desk.t
    header = [str(t(f"desk.audit.{c}")) for c in ("when", "who", "what", "subject")]
    rows = [[n.when(e.at), n.person(e.actor), describe(desk, e), e.subject] for e in found.entries]
    return csv_response(header, rows, filename="audit.csv")


def describe(desk: Desk, entry: audit.AuditEntry) -> str:
    """The action in words: the case event as the history says it, or the membership step."""
    if entry.area == "case":
        return plain_event(desk.lang, entry.kind, entry.payload)
    key = f"desk.audit.membership.{entry.kind}"
    return str(desk.t(key)) if desk.t.has(key) else entry.kind
