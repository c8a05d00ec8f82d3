"""One case: its whole history (public and internal told apart), photos, place, SLA clock,
and the actions of the chat — each a call of the same service, with its permission check."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable

from aiohttp import web
from markupsafe import Markup

from models import Case, CaseEvent, CollectiveIssue, Severity, User, Zone
from models.types import utcnow
from services.cases import rider_actions
from services.cases import triage as cases_triage
from services.cases.attachments import IMAGE_TYPES, served_path, sniff_image
from services.cases.formatting import event_values
from services.desk import map_points
from services.desk.case_list import case_level
from services.errors import DomainError, Invalid, NotFound
from services.texts import text
from web.guard import Desk, staff_only
from web.keys import CTX
from web.pages.injury import injury_panel
from web.pages.map import map_words
from web.render import redirect

routes = web.RouteTableDef()
MAX_TEXT = 4000


async def _case(desk: Desk) -> Case:
    """A case of the viewer's zones by its ref; any other ref is simply not found."""
    ref = desk.request.match_info["ref"]
    found = await cases_triage.find_by_ref(desk.session, ref=ref)
    return await cases_triage.staff_view(desk.session, case_id=found.id, actor=desk.me)  # type: ignore[arg-type]


def event_html(lang: str, event: CaseEvent) -> Markup:
    """An event as the chat words it, with its whole text (the chat shortens long ones).
    text() escapes the values; the catalogue's own markup is the bot's small HTML set."""
    values = event_values(lang, event) | {"text": str((event.payload or {}).get("text", ""))}
    key = f"cases.event.{event.kind}"
    try:
        return Markup(text(lang, key, **values))
    except KeyError:
        return Markup(text(lang, "desk.case.event_other", kind=event.kind))


def plain_event(lang: str, kind: str, payload: dict[str, object]) -> str:
    """An event as plain text (for the audit list and CSV): the catalogue line, untagged."""
    event = CaseEvent(case_id=0, kind=kind, payload=payload)
    return Markup(event_html(lang, event)).striptags()


@routes.get("/cases/{ref}", name="case")
@staff_only
async def case_page(desk: Desk) -> web.StreamResponse:
    return await _render(desk, await _case(desk))


async def _render(
    desk: Desk, case: Case, *, error: object = None, status: int = 200, kept: str = ""
) -> web.Response:
    s = desk.session
    history = await rider_actions.history(s, case=case, public_only=False)
    files = await cases_triage.attachments(s, case=case)
    now = utcnow()
    due = case.first_response_due_at
    late_by = (now - due) if cases_triage.overdue(case, now) and due else None
    done = desk.request.query.get("done", "")
    return desk.render(
        "case.html",
        status=status,
        case=case,
        place_map=_place_map(desk, case),
        zone=await s.get(Zone, case.zone_id) if case.zone_id else None,
        rider=await s.get(User, case.rider_id) if case.rider_id else None,
        assignee=await s.get(User, case.assignee_id) if case.assignee_id else None,
        master=await s.get(Case, case.merged_into_id) if case.merged_into_id else None,
        collective=await s.get(CollectiveIssue, case.collective_id) if case.collective_id else None,
        history=[(e, u, event_html(desk.lang, e)) for e, u in history],
        photos=[f for f in files if f.kind.value == "photo"],
        level=await case_level(s, case=case),
        overdue_by=minutes_text(desk.lang, int(late_by.total_seconds() // 60)) if late_by else "",
        colleagues=await cases_triage.colleagues(s, case=case, actor=desk.me),
        severities=list(Severity),
        open=case.status.value in ("new", "acknowledged", "in_progress", "waiting_for_rider"),
        done=done if done in ACTIONS else "",
        error=error,
        kept=kept,
        injury=await injury_panel(desk, case),
    )


def _place_map(desk: Desk, case: Case) -> dict[str, object] | None:
    """What map.js draws on the case page: the compounds around the case's point."""
    routes_data = desk.request.app[CTX].routes
    layers = map_points.case_place(case, routes=routes_data, lang=desk.lang)
    if layers is None:
        return None
    labels, words = map_words(desk)
    full = desk.url("map", query={"at": f"{case.lat:.6f},{case.lon:.6f}"})
    centre = [case.lat, case.lon]
    return {
        "layers": layers,
        "labels": labels,
        "words": words,
        "centre": centre,
        "small": True,
        "full": full,
    }


# --- actions: the chat's triage buttons, one service call each --------------------------------

Action = Callable[[Desk, Case, dict[str, str]], Awaitable[Case]]


def _body(form: dict[str, str], name: str = "text") -> str:
    value = form.get(name, "")
    if len(value) > MAX_TEXT:
        raise Invalid("desk_text_too_long", limit=MAX_TEXT)
    return value


async def _take(desk: Desk, case: Case, form: dict[str, str]) -> Case:
    return await cases_triage.claim(desk.session, case_id=case.id, actor=desk.me)  # type: ignore[arg-type]


async def _reply(desk: Desk, case: Case, form: dict[str, str]) -> Case:
    return await cases_triage.reply(
        desk.session, case_id=case.id, actor=desk.me, message=_body(form)
    )  # type: ignore[arg-type]


async def _note(desk: Desk, case: Case, form: dict[str, str]) -> Case:
    if not _body(form).strip():
        raise Invalid("empty_description")
    return await cases_triage.note(
        desk.session, case_id=case.id, actor=desk.me, message=_body(form)
    )  # type: ignore[arg-type]


async def _ask(desk: Desk, case: Case, form: dict[str, str]) -> Case:
    return await cases_triage.ask_rider(
        desk.session,
        case_id=case.id,
        actor=desk.me,
        question=_body(form),  # type: ignore[arg-type]
    )


async def _severity(desk: Desk, case: Case, form: dict[str, str]) -> Case:
    value = form.get("severity", "")
    if value not in Severity.__members__:
        raise Invalid("desk_choose_severity")
    return await cases_triage.change_severity(
        desk.session,
        case_id=case.id,
        actor=desk.me,
        severity=Severity(value),  # type: ignore[arg-type]
    )


async def _resolve(desk: Desk, case: Case, form: dict[str, str]) -> Case:
    return await cases_triage.resolve(
        desk.session, case_id=case.id, actor=desk.me, message=_body(form)
    )  # type: ignore[arg-type]


async def _reassign(desk: Desk, case: Case, form: dict[str, str]) -> Case:
    raw = form.get("to", "")
    if not raw.isdigit() or len(raw) > 9:
        raise Invalid("desk_choose_person")
    return await cases_triage.reassign(
        desk.session,
        case_id=case.id,
        actor=desk.me,
        to_user_id=int(raw),  # type: ignore[arg-type]
    )


async def _merge(desk: Desk, case: Case, form: dict[str, str]) -> Case:
    ref = _body(form, "ref").strip()
    if not ref:
        raise Invalid("desk_ref_missing")
    return await cases_triage.merge(desk.session, case_id=case.id, actor=desk.me, into_ref=ref)  # type: ignore[arg-type]


async def _link(desk: Desk, case: Case, form: dict[str, str]) -> Case:
    ref = _body(form, "ref").strip()
    if not ref:
        raise Invalid("desk_ref_missing")
    return await cases_triage.link_wage_claim(
        desk.session,
        case_id=case.id,
        actor=desk.me,
        claim_ref=ref,  # type: ignore[arg-type]
    )


ACTIONS: dict[str, Action] = {
    "take": _take, "reply": _reply, "note": _note, "ask": _ask, "severity": _severity,
    "resolve": _resolve, "reassign": _reassign, "merge": _merge, "link": _link,
}  # fmt: skip


@routes.post("/cases/{ref}/{action}", name="case_action")
@staff_only
async def case_action(desk: Desk) -> web.StreamResponse:
    action = ACTIONS.get(desk.request.match_info["action"])
    if action is None:
        raise web.HTTPNotFound()
    case = await _case(desk)
    form = {k: str(v) for k, v in (await desk.request.post()).items()}
    try:
        # A savepoint: a refused action changes nothing, and the page (with what was typed)
        # is shown again with the reason.
        async with desk.session.begin_nested():
            case = await action(desk, case, form)
    except DomainError as exc:  # e.g. the ref to merge into does not exist: said on the page
        await desk.session.refresh(case)
        return await _render(
            desk,
            case,
            error=desk.t.error(exc.code, exc.params),
            status=exc.status,
            kept=form.get("text", ""),
        )
    name = desk.request.match_info["action"]
    target = desk.url("case", ref=case.ref, query={"done": name})
    return redirect(target + "#history")


# --- photos ----------------------------------------------------------------------------------


@routes.get("/cases/{ref}/photos/{attachment_id:\\d{1,9}}", name="case_photo")
@staff_only
async def case_photo(desk: Desk) -> web.StreamResponse:
    case = await _case(desk)
    row = await cases_triage.attachment_for(
        desk.session,
        case_id=case.id,
        attachment_id=int(desk.request.match_info["attachment_id"]),  # type: ignore[arg-type]
        viewer=desk.me,
        as_staff=True,
    )
    ctx = desk.request.app[CTX]
    data: bytes | None = None
    if row.path:
        path = served_path(row.path, dir=ctx.settings.upload_dir)
        data = path.read_bytes() if path is not None else None
    elif row.file_id and ctx.bot is not None:
        # A photo sent in chat lives at Telegram (or the sandbox): fetched through the bot.
        buffer = io.BytesIO()
        await ctx.bot.download(row.file_id, destination=buffer)
        data = buffer.getvalue()
    found = sniff_image(data[:16]) if data else None
    mime = found[0] if found else None
    if data is None or mime not in IMAGE_TYPES:
        raise NotFound("attachment_not_stored")
    return web.Response(
        body=data,
        headers={
            "Content-Type": mime,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


def minutes_text(lang: str, minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours:
        return text(lang, "desk.case.hours_minutes", hours=hours, minutes=rest)
    return text(lang, "desk.case.minutes", minutes=rest)
