"""/report on the form engine: category → description (text or voice) → place → photos →
anonymity → summary → Submit. Back on every step, Cancel drops only this draft."""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, KeyboardButton, Message
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from bot.common.presses import answered, shown
from bot.forms import Ask, Ctx, Done, Form, Input, Next, Stay, Step, Wrong
from bot.keyboards import join_offer_keyboard
from models import Case, User
from models.cases import AttachmentKind
from services.cases import reporting
from services.cases.attachments import MAX_PHOTOS, check_photo
from services.cases.categories import categories, category
from services.cases.formatting import MAX_TEXT, TELEGRAM_LIMIT, local, split_text
from services.guides import RouteData, load_dir
from services.membership.members import active_membership
from services.texts import Raw, Translate

ROOT = Path(__file__).resolve().parents[2]


@cache
def _routes(path: str) -> RouteData:
    return load_dir(path)


def route_data(settings: Settings, routes: RouteData | None) -> RouteData:
    """The route guide's compounds: the one the app loaded, else the configured directory."""
    if routes is not None:
        return routes
    folder = Path(getattr(settings, "routes_dir", "routes_data/demo"))
    return _routes(str(folder if folder.is_absolute() else ROOT / folder))


# --- category and description ---------------------------------------------------------------


def ask_category(ctx: Ctx) -> Ask:
    rows = [
        [ctx.button(cat.name(ctx.t.lang), cat.code)] for cat in categories(reportable_only=True)
    ]
    return Ask(ctx.t("report.choose_category"), buttons=rows)


def parse_category(ctx: Ctx, got: Input) -> str:
    return category(got.value).code


def ask_description(ctx: Ctx) -> Ask:
    # The category's advice comes first (before any photo is taken), then the question
    # with its limit, so nobody writes more than will be kept.
    t, cat = ctx.t, category(ctx.values["category"])
    advice = html.escape(cat.first_guidance(t.lang), quote=False)
    ask = t("report.describe", category=cat.name(t.lang))
    limit = t("report.describe_limit", limit=MAX_TEXT)
    return Ask(f"{ask}\n{limit}\n\n{t('report.advice', advice=Raw(advice))}")


def parse_description(ctx: Ctx, got: Input) -> Any:
    """{"text": ..., "voice": {...} or None}"""
    message = got.message
    if got.kind == "voice" and message is not None and message.voice is not None:
        voice = message.voice
        kept = {
            "file_id": voice.file_id,
            "file_unique_id": voice.file_unique_id,
            "size": voice.file_size,
            "mime_type": voice.mime_type,
            "duration": voice.duration,
        }
        value = {"text": (message.caption or "").strip(), "voice": kept}
        return Next(value, ctx.t("report.voice_kept"))
    if not got.text:
        raise Wrong("error.empty_description")
    if len(got.text) > MAX_TEXT:
        raise Wrong("error.description_too_long", length=len(got.text), limit=MAX_TEXT)
    return {"text": got.text, "voice": None}


def description_wrong(ctx: Ctx, got: Input) -> str:
    return "report.text_not_photo" if got.kind == "photo" else "report.describe_in_text"


# --- place -----------------------------------------------------------------------------------


def ask_place(ctx: Ctx) -> Ask:
    share = KeyboardButton(text=ctx.t("btn.report_share_location"), request_location=True)
    return Ask(ctx.t("report.ask_place"), reply=[[share]])


def parse_place(ctx: Ctx, got: Input) -> Any:
    """A shared location, a compound's name to search for, or a compound picked from it."""
    t = ctx.t
    data = route_data(ctx.data["settings"], ctx.data.get("routes"))
    if got.kind == "location" and got.message is not None and got.message.location:
        loc = got.message.location
        value = {"lat": loc.latitude, "lon": loc.longitude, "place": None}
        return Next(value, t("report.place_kept"))
    if got.kind == "choice":
        compound = data.compound(got.value)
        if compound is None:
            raise Wrong("report.place_expected")
        name = compound.name_en if t.lang == "en" and compound.name_en else compound.name
        value = {"lat": compound.lat, "lon": compound.lon, "place": name}
        return Next(value, t("report.compound_kept", name=name))
    hits = data.search_compounds(got.text, limit=6)
    if not hits:
        raise Wrong("report.no_compound", query=got.text)
    rows = [
        [ctx.button(c.name_en if t.lang == "en" and c.name_en else c.name, c.id[:40], action="cmp")]
        for c in hits
    ]
    return Stay(ctx.values.get("place"), Ask(t("report.pick_compound"), buttons=rows))


# --- photos ----------------------------------------------------------------------------------


def _photos_row(ctx: Ctx, count: int) -> list[Any]:
    label = ctx.t("btn.report_photos_done", count=count) if count else ctx.t("btn.report_skip")
    return [ctx.button(label, action="done")]


def ask_photos(ctx: Ctx) -> Ask:
    count = len(ctx.values.get("photos") or [])
    return Ask(ctx.t("report.ask_photos", limit=MAX_PHOTOS), buttons=[_photos_row(ctx, count)])


def parse_photos(ctx: Ctx, got: Input) -> Any:
    photos = list(ctx.values.get("photos") or [])
    if got.kind == "choice":  # Done (or Skip with none)
        return photos
    photo = got.message.photo[-1]  # type: ignore[union-attr,index]  # the largest size
    check_photo(size=photo.file_size)
    if len(photos) >= MAX_PHOTOS:
        raise Wrong("error.too_many_photos", limit=MAX_PHOTOS)
    photos.append(
        {
            "file_id": photo.file_id,
            "file_unique_id": photo.file_unique_id,
            "size": photo.file_size,
            "mime_type": "image/jpeg",
        }
    )
    kept = ctx.t("report.photo_kept", count=len(photos), limit=MAX_PHOTOS)
    return Stay(photos, Ask(kept, buttons=[_photos_row(ctx, len(photos))]))


def photos_wrong(ctx: Ctx, got: Input) -> str:
    return "report.photo_as_document" if got.kind == "document" else "report.photos_expected"


# --- anonymity, summary, submit --------------------------------------------------------------


def ask_anonymous(ctx: Ctx) -> Ask:
    t = ctx.t
    rows = [[ctx.button(t("btn.report_anonymous"), "1")], [ctx.button(t("btn.report_named"), "0")]]
    return Ask(t("report.ask_anonymous"), buttons=rows)


def parse_anonymous(ctx: Ctx, got: Input) -> bool:
    return got.value == "1"


def summary(ctx: Ctx) -> Ask:
    t, v = ctx.t, ctx.values
    where = v.get("place") or {}
    if where.get("place"):
        place = where["place"]
    elif where.get("lat") is not None:
        place = f"{where['lat']:.5f}, {where['lon']:.5f}"
    else:
        place = t("cases.place_none")
    head = t(
        "report.summary",
        category=category(v["category"]).name(t.lang),
        place=place,
        photos=len(v.get("photos") or []),
        voice="🎤" if v["description"]["voice"] else "—",
        anonymous=t("report.anonymous_yes" if v["anonymous"] else "report.anonymous_no"),
    )
    # The description is the rider's own text: escaped, kept whole, split only when long.
    pieces = split_text(v["description"]["text"] or "🎤", limit=TELEGRAM_LIMIT - len(head) - 2)
    pieces[0] = head + "\n" + html.escape(pieces[0], quote=False)
    return Ask(pieces)


async def submit(ctx: Ctx) -> Done:
    v, t = ctx.values, ctx.t
    session: AsyncSession = ctx.data["session"]
    settings: Settings = ctx.data["settings"]
    voice = v["description"]["voice"]
    where = v.get("place") or {}
    report = reporting.Report(
        category=v["category"],
        description=v["description"]["text"],
        voice=reporting.Attachment(kind=AttachmentKind.voice, **voice) if voice else None,
        photos=[reporting.Attachment(**p) for p in v.get("photos") or []],
        lat=where.get("lat"),
        lon=where.get("lon"),
        place=where.get("place"),
        anonymous=bool(v["anonymous"]),
    )
    case = await reporting.report_case(
        session, user=ctx.data["user"], report=report, tz=settings.timezone
    )
    parts = [
        t(
            "report.submitted",
            ref=case.ref,
            due=local(case.first_response_due_at, settings.timezone),
        )
    ]
    if case.outside_area:
        parts.append(t("report.outside_area"))
    parts.append(html.escape(category(case.category).first_guidance(t.lang), quote=False))
    return Done(case.id, "\n\n".join(parts))  # type: ignore[arg-type]


async def repeated(ctx: Ctx, created_id: int) -> str:
    case = await ctx.data["session"].get(Case, created_id)
    return ctx.t("report.already_submitted", ref=case.ref if case else "?")


REPORT = Form(
    "report",
    prefix="rp",
    title="forms.title_report",
    steps=[
        Step(
            "category",
            ask_category,
            accepts=("choice",),
            parse=parse_category,
            wrong="report.pick_category_first",
            code="cat",
        ),
        Step(
            "description",
            ask_description,
            accepts=("text", "voice"),
            parse=parse_description,
            wrong=description_wrong,
        ),
        Step(
            "place",
            ask_place,
            accepts=("location", "text", "choice"),
            parse=parse_place,
            wrong="report.place_expected",
            skip="btn.report_skip",
            actions=("cmp",),
        ),
        Step(
            "photos",
            ask_photos,
            accepts=("photo", "choice"),
            parse=parse_photos,
            wrong=photos_wrong,
            actions=("done",),
        ),
        Step(
            "anonymous",
            ask_anonymous,
            accepts=("choice",),
            parse=parse_anonymous,
            wrong="report.press_a_button",
            code="anon",
        ),
    ],
    summary=summary,
    submit=submit,
    repeated=repeated,
    submit_label="btn.report_submit",
    cancelled="report.cancelled",
)


# --- opening ---------------------------------------------------------------------------------


async def start_report(
    message: Message,
    session: AsyncSession,
    user: User,
    t: Translate,
    state: FSMContext,
    **data: Any,
) -> None:
    if await active_membership(session, user_id=user.id) is None:  # type: ignore[arg-type]
        await message.answer(t("error.not_member"), reply_markup=join_offer_keyboard(t))
        return
    await REPORT.open(message, state, t, session=session, user=user, **data)


async def menu_report(
    query: CallbackQuery,
    session: AsyncSession,
    user: User,
    t: Translate,
    state: FSMContext,
    **data: Any,
) -> None:
    if (message := shown(query)) is not None:
        await start_report(message, session, user, t, state, **data)


def make_router() -> Router:
    """/report and the menu's button (presses answered by AnswerPresses) beside the report
    form's router, which answers its own presses, so no press is answered twice."""
    router = Router(name="report")
    router.message.filter(F.chat.type == "private")
    own = answered(Router(name="report.own"))
    own.message.register(start_report, Command("report"))
    own.callback_query.register(menu_report, F.data == "menu:report")
    router.include_routers(own, REPORT.router())
    return router
