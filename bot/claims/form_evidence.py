"""The claim form's evidence step: the checklist for the work relation; an item picked asks
for its photos or files, which are checked and kept in the draft; Done goes on.

Its value: {"files": [EvidenceFile as dict], "skipped": [item], "item": the item being sent
or None}."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiogram.types import Message

from bot.forms import Ask, Ctx, Input, Stay, Wrong
from services.claims import rules
from services.texts import Raw, Translate


def evidence_of(values: dict[str, Any]) -> dict[str, Any]:
    return dict(values.get("evidence") or {"files": [], "skipped": [], "item": None})


def _item_status(t: Translate, item: str, files: int, skipped: bool) -> str:
    if files:
        return t("claims.ev_have", item=rules.item_name(t.lang, item), count=files)
    if skipped:
        return t("claims.ev_skipped", item=rules.item_name(t.lang, item))
    return t("claims.ev_missing", item=rules.item_name(t.lang, item))


def checklist_text(t: Translate, relation: str, counts: dict[str, int], skipped: set[str]) -> str:
    """The checklist for the relation: what was sent, skipped and is still missing (also the
    filed claim's, in evidence.py)."""
    items = rules.checklist(relation)
    lines = "\n".join(_item_status(t, i, counts.get(i, 0), i in skipped) for i in items)
    return t("claims.checklist", items=Raw(lines), relation=t(f"claims.rel.{relation}"))


def _item_rows(ctx: Ctx) -> list[list[Any]]:
    t = ctx.t
    return [
        [ctx.button(t("btn.claim_item_done"), action="item_done")],
        [ctx.button(t("btn.claim_skip"), action="item_skip")],
    ]


def ask_evidence(ctx: Ctx) -> Ask:
    t, ev, relation = ctx.t, evidence_of(ctx.values), ctx.values["relation"]
    if ev["item"]:
        item = ev["item"]
        text = t(
            "claims.ask_item",
            item=rules.item_name(t.lang, item),
            hint=rules.item_hint(t.lang, item),
        )
        return Ask(text, buttons=_item_rows(ctx))
    items = rules.checklist(relation)
    counts = {i: sum(1 for f in ev["files"] if f["item"] == i) for i in items}
    rows = [[ctx.button(rules.item_name(t.lang, i), i)] for i in items]
    rows.append([ctx.button(t("btn.claim_evidence_done"), action="evidence_done")])
    return Ask(checklist_text(t, relation, counts, set(ev["skipped"])), buttons=rows)


def file_of(message: Message, item: str) -> rules.EvidenceFile:
    if message.photo:
        biggest = message.photo[-1]
        return rules.EvidenceFile(
            item=item,
            file_id=biggest.file_id,
            kind="photo",
            file_unique_id=biggest.file_unique_id,
            size=biggest.file_size,
        )
    doc = message.document
    assert doc is not None
    return rules.EvidenceFile(
        item=item,
        file_id=doc.file_id,
        kind="document",
        file_unique_id=doc.file_unique_id,
        file_name=doc.file_name,
        mime_type=doc.mime_type,
        size=doc.file_size,
    )


def parse_evidence(ctx: Ctx, got: Input) -> Any:
    t, ev = ctx.t, evidence_of(ctx.values)
    if got.kind in ("photo", "document"):
        if not ev["item"] or got.message is None:
            raise Wrong("claims.expect_buttons")
        kept = file_of(got.message, ev["item"])
        rules.check_evidence_file(kept, max_bytes=ctx.data["settings"].evidence_max_bytes)
        ev["files"] = [*ev["files"], asdict(kept)]
        count = sum(1 for f in ev["files"] if f["item"] == kept.item)
        said = t("claims.ev_received", item=rules.item_name(t.lang, kept.item), count=count)
        return Stay(ev, Ask(said, buttons=_item_rows(ctx)))
    if got.action == "evidence_done":
        return {**ev, "item": None}
    if got.action in ("item_done", "item_skip"):
        if got.action == "item_skip" and ev["item"]:
            ev["skipped"] = sorted(set(ev["skipped"]) | {ev["item"]})
        ev["item"] = None
    elif got.value in rules.checklist(ctx.values["relation"]):
        ev["item"] = got.value
    else:
        raise Wrong("fallback.stale_button")
    ctx.values["evidence"] = ev
    return Stay(ev, ask_evidence(ctx))


def evidence_wrong(ctx: Ctx, got: Input) -> str:
    item = evidence_of(ctx.values)["item"]
    return "claims.expect_file" if item else "claims.expect_buttons"
