"""The rider's claim form (`/claim`) on the form engine (bot/forms.py): the steps declared
in order, the summary with its deadline, and Submit filing the claim once. Back, Cancel,
resume, a draft kept across other commands and stale buttons are the engine's."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.claims import form_steps as s
from bot.claims.card import card_buttons
from bot.claims.form_evidence import ask_evidence, evidence_of, evidence_wrong, parse_evidence
from bot.common.presses import shown
from bot.forms import Ask, Ctx, Done, Form, Step
from bot.keyboards import join_offer_keyboard
from models import Case, User
from models.claims import CounterpartyKind, Disclosure, WageClaim, WorkRelation
from services.claims import filing, rules
from services.claims.deadline import claim_deadline, deadline_sentence
from services.claims.money import yuan
from services.local_time import local_today
from services.membership.members import active_membership
from services.texts import Raw, Translate


def _ended_on(v: dict[str, Any]) -> date | None:
    return date.fromisoformat(v["ended"]) if s.work_ended(v) and v.get("ended") else None


def draft_deadline(t: Translate, v: dict[str, Any]) -> str:
    """The deadline sentence for the facts given in the form."""
    deadline = claim_deadline(
        knew_on=date.fromisoformat(v["knew"]),
        work_ongoing=v.get("work") == "ongoing",
        work_ended_on=_ended_on(v),
    )
    return deadline_sentence(t.lang, deadline)


def summary(ctx: Ctx) -> Ask:
    t, v = ctx.t, ctx.values
    ev = evidence_of(v)
    have = {f["item"] for f in ev["files"]}
    missing = [rules.item_name(t.lang, i) for i in rules.checklist(v["relation"]) if i not in have]
    ended = _ended_on(v)
    work = (
        t("claims.pdf.work_ended", on=ended.isoformat() if ended else "—")
        if s.work_ended(v)
        else t("claims.pdf.work_ongoing")
    )
    return Ask(
        t(
            "claims.summary",
            kind=t(f"claims.cp.{v['cp_kind']}"),
            name=v["cp_name"],
            relation=t(f"claims.rel.{v['relation']}"),
            amount=yuan(v["amount"]),
            start=v["start"],
            end=v["end"],
            orders=v.get("orders") or "—",
            work=work,
            knew=v["knew"],
            evidence=len(ev["files"]),
            missing=", ".join(missing) or "—",
            disclosure=t(f"claims.disc.{v['disclosure']}"),
            deadline=Raw(draft_deadline(t, v)),  # catalogue HTML: bold stays bold
        )
    )


async def submit(ctx: Ctx) -> Done:
    t, v = ctx.t, ctx.values
    ev = evidence_of(v)
    form = filing.ClaimForm(
        counterparty_kind=CounterpartyKind(v["cp_kind"]),
        counterparty_name=v["cp_name"],
        relation=WorkRelation(v["relation"]),
        amount_fen=int(v["amount"]),
        period_start=date.fromisoformat(v["start"]),
        period_end=date.fromisoformat(v["end"]),
        knew_on=date.fromisoformat(v["knew"]),
        work_ongoing=v.get("work") == "ongoing",
        work_ended_on=_ended_on(v),
        orders=v.get("orders") or "",
        disclosure=Disclosure(v["disclosure"]),
        evidence=[rules.EvidenceFile(**f) for f in ev["files"]],
        skipped=list(ev["skipped"]),
    )
    claim, case = await filing.file_claim(
        ctx.data["session"],
        user=ctx.data["user"],
        form=form,
        today=local_today(),
        max_bytes=ctx.data["settings"].evidence_max_bytes,
    )
    text = t("claims.filed", ref=case.ref, deadline=Raw(draft_deadline(t, v)))
    return Done(claim.id, text, card_buttons(t, claim, staff=False))  # type: ignore[arg-type]


async def repeated(ctx: Ctx, created_id: int) -> str:
    session: AsyncSession = ctx.data["session"]
    claim = await session.get(WageClaim, created_id)
    case = await session.get(Case, claim.case_id) if claim is not None else None
    return ctx.t("claims.already_filed", ref=case.ref if case else "?")


CLAIM = Form(
    "claim",
    prefix="wf",
    title="claims.form_title",
    steps=[
        Step("cp_kind", s.ask_cp_kind, accepts=("choice",), parse=s.parse_cp_kind,
             wrong="claims.expect_buttons", code="counterparty_kind"),
        Step("cp_name", s.ask_cp_name, parse=s.parse_cp_name, wrong="claims.expect_text"),
        Step("relation", s.ask_relation, accepts=("choice",), parse=s.parse_relation,
             wrong="claims.expect_buttons"),
        Step("amount", "claims.ask_amount", parse=s.parse_amount_given,
             wrong="claims.expect_amount"),
        Step("start", "claims.ask_start", parse=s.parse_start, wrong="claims.expect_date"),
        Step("end", s.ask_end, accepts=("text", "choice"), parse=s.parse_end,
             wrong="claims.expect_date", actions=("same_day",)),
        Step("orders", "claims.ask_orders", parse=s.parse_orders, wrong="claims.expect_text",
             skip="btn.claim_skip"),
        Step("work", s.ask_work, accepts=("choice",), parse=s.parse_work,
             wrong="claims.expect_buttons"),
        Step("ended", "claims.ask_ended", parse=s.parse_ended, wrong="claims.expect_date",
             when=s.work_ended),
        Step("knew", "claims.ask_knew", parse=s.parse_knew, wrong="claims.expect_date"),
        Step("evidence", ask_evidence, accepts=("choice", "photo", "document"),
             parse=parse_evidence, wrong=evidence_wrong, code="evidence_item",
             actions=("evidence_done", "item_done", "item_skip")),
        Step("disclosure", s.ask_disclosure, accepts=("choice",), parse=s.parse_disclosure,
             wrong="claims.expect_buttons"),
    ],
    summary=summary,
    submit=submit,
    repeated=repeated,
    submit_label="btn.claim_submit",
    cancelled="claims.cancelled",
    # buttons sent before the actions had words
    old_actions={
        "cp": "counterparty_kind", "rel": "relation", "same": "same_day", "noorders": "skip",
        "disc": "disclosure", "ev": "evidence_item", "evdone": "evidence_done",
        "itemok": "item_done", "itemskip": "item_skip",
    },
)  # fmt: skip


async def start(
    message: Message,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
    **data: Any,
) -> None:
    """A new claim, or (a draft kept) Continue / Start over."""
    if await active_membership(session, user_id=user.id) is None:  # type: ignore[arg-type]
        await message.answer(t("claims.not_member"), reply_markup=join_offer_keyboard(t))
        return
    await CLAIM.open(message, state, t, user=user, session=session, **data)


async def claim_pressed(
    query: CallbackQuery,
    user: User,
    state: FSMContext,
    session: AsyncSession,
    t: Translate,
    **data: Any,
) -> None:
    if (message := shown(query)) is not None:
        await start(message, user, state, session, t, **data)


def register(router: Router) -> None:
    router.message.register(start, Command("claim"))
    router.callback_query.register(claim_pressed, F.data == "menu:claim")
