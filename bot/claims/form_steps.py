"""The claim form's questions and how each answer is read: who owes, the work relation, the
amount, the period, orders, whether the work goes on, the day the rider knew, disclosure.
A parser gives the value or raises Wrong / Invalid with the sentence saying what to send."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

from bot.forms import Ask, Ctx, Input, Next, Wrong
from models.claims import CounterpartyKind, Disclosure, WorkRelation
from services.claims import rules
from services.claims.dates import parse_date
from services.claims.money import parse_amount, yuan
from services.local_time import local_today


def _buttons(ctx: Ctx, prefix: str, values: list[str]) -> list[list[Any]]:
    return [[ctx.button(ctx.t(f"claims.{prefix}.{v}"), v)] for v in values]


def _picked(kind: type[Enum], got: Input) -> str:
    try:
        return str(kind(got.value).value)
    except ValueError:
        raise Wrong("claims.expect_buttons") from None


def _day(got: Input) -> date:
    return parse_date(got.text, today=local_today())


def ask_cp_kind(ctx: Ctx) -> Ask:
    question = ctx.t("claims.ask_cp_kind")
    lead = "" if ctx.values else ctx.t("claims.intro") + "\n\n"  # the first time only
    return Ask(lead + question, buttons=_buttons(ctx, "cp", [k.value for k in CounterpartyKind]))


def parse_cp_kind(ctx: Ctx, got: Input) -> str:
    return _picked(CounterpartyKind, got)


def ask_cp_name(ctx: Ctx) -> Ask:
    return Ask(ctx.t("claims.ask_cp_name", kind=ctx.t(f"claims.cp.{ctx.values['cp_kind']}")))


def parse_cp_name(ctx: Ctx, got: Input) -> str:
    return rules.clean_counterparty(got.text)


def ask_relation(ctx: Ctx) -> Ask:
    rows = _buttons(ctx, "rel", [r.value for r in WorkRelation])
    return Ask(ctx.t("claims.ask_relation"), buttons=rows)


def parse_relation(ctx: Ctx, got: Input) -> Next:
    relation = _picked(WorkRelation, got)
    if ctx.values.get("relation") not in (None, relation):
        ctx.values.pop("evidence", None)  # another checklist: evidence sent for the old one goes
    return Next(relation, ctx.t(f"claims.rel_means.{relation}"))


def parse_amount_given(ctx: Ctx, got: Input) -> Next:
    fen = parse_amount(got.text, cap_fen=ctx.data["settings"].claim_amount_cap_fen)
    return Next(fen, ctx.t("claims.amount_noted", amount=yuan(fen)))


def parse_start(ctx: Ctx, got: Input) -> str:
    return _day(got).isoformat()


def ask_end(ctx: Ctx) -> Ask:
    same = ctx.button(ctx.t("btn.claim_same_day"), action="same_day")
    return Ask(ctx.t("claims.ask_end", start=ctx.values["start"]), buttons=[[same]])


def parse_end(ctx: Ctx, got: Input) -> str:
    start = date.fromisoformat(ctx.values["start"])
    end = start if got.kind == "choice" else _day(got)
    rules.check_period(start, end)
    return end.isoformat()


def parse_orders(ctx: Ctx, got: Input) -> str:
    return rules.clean_orders(got.text)


def ask_work(ctx: Ctx) -> Ask:
    return Ask(ctx.t("claims.ask_work"), buttons=_buttons(ctx, "work", ["ongoing", "ended"]))


def parse_work(ctx: Ctx, got: Input) -> str:
    if got.value not in ("ongoing", "ended"):
        raise Wrong("claims.expect_buttons")
    return got.value


def work_ended(values: dict[str, Any]) -> bool:
    return values.get("work") == "ended"


def parse_ended(ctx: Ctx, got: Input) -> str:
    day = _day(got)
    rules.check_work_end(day, period_start=date.fromisoformat(ctx.values["start"]))
    return day.isoformat()


def parse_knew(ctx: Ctx, got: Input) -> Next:
    return Next(_day(got).isoformat(), ctx.t("claims.rule"))


def ask_disclosure(ctx: Ctx) -> Ask:
    rows = _buttons(ctx, "disc", [d.value for d in Disclosure])
    return Ask(ctx.t("claims.ask_disclosure"), buttons=rows)


def parse_disclosure(ctx: Ctx, got: Input) -> str:
    return _picked(Disclosure, got)
