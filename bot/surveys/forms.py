"""Creating a survey (/survey) and sending a notice (/notice) in chat, on the form engine:
representatives and admins only. Each step answers wrong input with what to send instead;
the audience step toggles zones and platforms and will not go on while it reaches nobody;
the summary says how many it reaches and how long sending takes, above Submit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import explain
from bot.forms import Ask, Ctx, Done, Form, Input, Stay, Step, Wrong
from models import User, Zone
from models.surveys import SurveyKind
from models.types import utcnow
from services.cases.access import is_staff, staff_zone_ids
from services.errors import Forbidden
from services.local_time import local_time, time_zone
from services.membership.members import PLATFORMS
from services.surveys import notices
from services.surveys.audience import Audience, reach
from services.surveys.creation import (
    SurveyDraft,
    check_closing,
    check_options,
    check_question,
    create_survey,
)
from services.texts import Translate

KINDS = ("single", "multiple", "text")
QUICK_DAYS = (1, 3, 7)
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%m-%d %H:%M", "%m月%d日 %H:%M", "%m/%d %H:%M")


# --- shared steps ------------------------------------------------------------------------------


async def _zones(ctx: Ctx) -> list[Zone]:
    session: AsyncSession = ctx.data["session"]
    mine = await staff_zone_ids(session, user=ctx.data["user"])
    zones = list((await session.execute(select(Zone).order_by(Zone.code))).scalars())
    return [z for z in zones if mine is None or z.id in mine]


def _chosen(ctx: Ctx) -> dict[str, list[str]]:
    value = ctx.values.get("audience") or {}
    return {
        "zones": list(value.get("zones", [])),
        "platforms": list(value.get("platforms", [])),
        "activists": list(value.get("activists", [])),  # ["only"]: the activists among them
    }


async def _audience_ask(ctx: Ctx, chosen: dict[str, list[str]]) -> Ask:
    t = ctx.t
    zones = await _zones(ctx)

    def mark(on: bool, label: str) -> str:
        return f"✅ {label}" if on else label

    rows = [
        [
            ctx.button(
                mark(z.code in chosen["zones"], z.name_zh if t.lang == "zh" else z.name_en),
                f"z.{z.code}",
            )
        ]
        for z in zones
    ]
    plats = [
        ctx.button(mark(p in chosen["platforms"], t(f"membership.platform.{p}")), f"p.{p}")
        for p in PLATFORMS
    ]
    rows += [plats[i : i + 3] for i in range(0, len(plats), 3)]
    only = mark(bool(chosen["activists"]), t("desk.surveys.audience_activists"))
    rows.append([ctx.button(only, "a.only")])
    rows.append([ctx.button(t("surveys.form.audience_done"), "done")])
    return Ask(t("surveys.form.ask_audience"), buttons=rows)


async def ask_audience(ctx: Ctx) -> Ask:
    return await _audience_ask(ctx, _chosen(ctx))


def _audience(value: dict[str, list[str]] | None) -> Audience:
    value = value or {}
    return Audience.of(
        value.get("zones", []), value.get("platforms", []), activists=bool(value.get("activists"))
    )


async def parse_audience(ctx: Ctx, got: Input) -> Any:
    chosen = _chosen(ctx)
    kind, _, code = got.value.partition(".")
    if got.value == "done":
        found = await reach(
            ctx.data["session"],
            actor=ctx.data["user"],
            audience=_audience(chosen),
            respect_mute=ctx.form.name == "notice",
        )
        if found.reachable == 0:
            raise Wrong("surveys.form.audience_empty", members=found.members)
        return chosen
    bucket = {"z": "zones", "p": "platforms", "a": "activists"}.get(kind)
    if bucket is None:
        raise Wrong("surveys.form.pick_audience")
    values = chosen[bucket]
    if code in values:
        values.remove(code)
    else:
        values.append(code)
    return Stay(chosen, await _audience_ask(ctx, chosen))


async def _reach_line(ctx: Ctx, *, respect_mute: bool) -> str:
    found = await reach(
        ctx.data["session"],
        actor=ctx.data["user"],
        audience=_audience(ctx.values.get("audience")),
        respect_mute=respect_mute,
    )
    return ctx.t(
        "surveys.form.reach",
        reachable=found.reachable,
        members=found.members,
        unreachable=found.unreachable,
        muted=found.muted,
        seconds=found.seconds,
    )


def _audience_words(ctx: Ctx) -> str:
    chosen = _chosen(ctx)
    parts = chosen["zones"] + [ctx.t(f"membership.platform.{p}") for p in chosen["platforms"]]
    if chosen["activists"]:
        parts.append(ctx.t("desk.surveys.audience_activists"))
    return "、".join(parts) if parts else ctx.t("surveys.form.audience_all")


# --- /survey -------------------------------------------------------------------------------------


def parse_question(ctx: Ctx, got: Input) -> str:
    return check_question(got.text)


def ask_kind(ctx: Ctx) -> Ask:
    rows = [[ctx.button(ctx.t(f"surveys.form.kind_{k}"), k)] for k in KINDS]
    return Ask(ctx.t("surveys.form.ask_kind"), buttons=rows)


def parse_kind(ctx: Ctx, got: Input) -> str:
    if got.value not in KINDS:
        raise Wrong("surveys.form.pick_kind")
    return got.value


def parse_options(ctx: Ctx, got: Input) -> list[str]:
    return check_options(SurveyKind(ctx.values["kind"]), got.text.splitlines())


def ask_closes(ctx: Ctx) -> Ask:
    rows = [[ctx.button(ctx.t("surveys.form.in_days", days=d), f"d{d}") for d in QUICK_DAYS]]
    return Ask(ctx.t("surveys.form.ask_closes"), buttons=rows)


def _read_time(raw: str, now: datetime) -> datetime:
    local_now = now.astimezone(time_zone())
    for fmt in TIME_FORMATS:
        try:
            moment = datetime.strptime(raw.strip(), fmt)
        except ValueError:
            continue
        if "%Y" not in fmt:
            moment = moment.replace(year=local_now.year)
        return moment.replace(tzinfo=time_zone())
    raise Wrong("surveys.form.time_format")


def parse_closes(ctx: Ctx, got: Input) -> str:
    now = utcnow()
    if got.kind == "choice":
        if got.value not in {f"d{d}" for d in QUICK_DAYS}:
            raise Wrong("surveys.form.time_format")
        moment = now + timedelta(days=int(got.value[1:]))
    else:
        moment = _read_time(got.text, now)
    return check_closing(moment, now=now).isoformat()


def ask_public(ctx: Ctx) -> Ask:
    rows = [
        [
            ctx.button(ctx.t("surveys.form.public_yes"), "yes"),
            ctx.button(ctx.t("surveys.form.public_no"), "no"),
        ]
    ]
    return Ask(ctx.t("surveys.form.ask_public"), buttons=rows)


def parse_public(ctx: Ctx, got: Input) -> bool:
    if got.value not in ("yes", "no"):
        raise Wrong("surveys.form.pick_public")
    return got.value == "yes"


async def survey_summary(ctx: Ctx) -> Ask:
    t, v = ctx.t, ctx.values
    options = "\n".join(f"• {o}" for o in v.get("options") or []) or "—"
    return Ask(
        t(
            "surveys.form.summary",
            question=v["question"],
            kind=t(f"surveys.form.kind_{v['kind']}"),
            options=options,
            closes=local_time(datetime.fromisoformat(v["closes"])),
            audience=_audience_words(ctx),
            public=t("surveys.form.public_yes" if v["public"] else "surveys.form.public_no"),
            reach=await _reach_line(ctx, respect_mute=False),
        )
    )


async def survey_submit(ctx: Ctx) -> Done:
    v = ctx.values
    draft = SurveyDraft(
        question=v["question"],
        kind=SurveyKind(v["kind"]),
        closes_at=datetime.fromisoformat(v["closes"]),
        options=v.get("options") or [],
        audience=_audience(v.get("audience")),
        results_public=bool(v.get("public")),
    )
    survey = await create_survey(ctx.data["session"], author=ctx.data["user"], draft=draft)
    return Done(survey.id, ctx.t("surveys.form.created", closes=local_time(survey.closes_at)))  # type: ignore[arg-type]


async def survey_repeated(ctx: Ctx, created_id: int) -> str:
    return ctx.t("surveys.form.created_already", id=created_id)


SURVEY_FORM = Form(
    "survey",
    prefix="svf",
    title="surveys.form.title",
    steps=[
        Step("question", "surveys.form.ask_question", parse=parse_question),
        Step(
            "kind", ask_kind, accepts=("choice",), parse=parse_kind, wrong="surveys.form.pick_kind"
        ),
        Step(
            "options",
            "surveys.form.ask_options",
            parse=parse_options,
            when=lambda v: v.get("kind") != "text",
        ),
        Step("closes", ask_closes, accepts=("text", "choice"), parse=parse_closes),
        Step(
            "audience",
            ask_audience,
            accepts=("choice",),
            parse=parse_audience,
            wrong="surveys.form.pick_audience",
        ),
        Step(
            "public",
            ask_public,
            accepts=("choice",),
            parse=parse_public,
            wrong="surveys.form.pick_public",
        ),
    ],
    summary=survey_summary,
    submit=survey_submit,
    repeated=survey_repeated,
)


# --- /notice ---------------------------------------------------------------------------------


def parse_body(ctx: Ctx, got: Input) -> str:
    return notices.check_body(got.text)


async def notice_summary(ctx: Ctx) -> Ask:
    return Ask(
        ctx.t(
            "notices.form.summary",
            body=ctx.values["body"],
            audience=_audience_words(ctx),
            reach=await _reach_line(ctx, respect_mute=True),
        )
    )


async def notice_submit(ctx: Ctx) -> Done:
    notice = await notices.send_notice(
        ctx.data["session"],
        author=ctx.data["user"],
        body=ctx.values["body"],
        audience=_audience(ctx.values.get("audience")),
    )
    return Done(notice.id, ctx.t("notices.form.queued", id=notice.id))  # type: ignore[arg-type]


async def notice_repeated(ctx: Ctx, created_id: int) -> str:
    return ctx.t("notices.form.queued_already", id=created_id)


NOTICE_FORM = Form(
    "notice",
    prefix="ntf",
    title="notices.form.title",
    steps=[
        Step("body", "notices.form.ask_body", parse=parse_body),
        Step(
            "audience",
            ask_audience,
            accepts=("choice",),
            parse=parse_audience,
            wrong="surveys.form.pick_audience",
        ),
    ],
    summary=notice_summary,
    submit=notice_submit,
    repeated=notice_repeated,
)


# --- entry -------------------------------------------------------------------------------------


async def _open(form: Form, message: Message, state: FSMContext, t: Translate, **data: Any) -> None:
    user: User = data["user"]
    if not is_staff(user):
        await message.answer(explain(t, Forbidden("surveys_staff_only")))
        return
    await form.open(message, state, t, **data)


async def start_survey(message: Message, state: FSMContext, t: Translate, **data: Any) -> None:
    await _open(SURVEY_FORM, message, state, t, **data)


async def start_notice(message: Message, state: FSMContext, t: Translate, **data: Any) -> None:
    await _open(NOTICE_FORM, message, state, t, **data)


def register(router: Router) -> None:
    router.message.register(start_survey, Command("survey"))
    router.message.register(start_notice, Command("notice"))
    router.include_router(SURVEY_FORM.router())
    router.include_router(NOTICE_FORM.router())
