"""The claim summary as an A4 PDF, ready for mediation, arbitration or the 12351 hotline.

Laid out on the union's A4 page (services/pdf_a4.py: reportlab's built-in CID font
STSong-Light, no font file to ship, the text stays selectable and extractable), as plain text
of characters it has (services/pdf_text.py).
In Chinese, or in English when that is the rider's language; counterparty names and riders'
words are printed as typed.
"""

from __future__ import annotations

from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Spacer
from sqlalchemy.ext.asyncio import AsyncSession

from models import User, Zone
from models.claims import Disclosure
from services.claims import filing, progress, reading, rules
from services.claims.deadline import deadline_sentence
from services.claims.money import yuan
from services.local_time import time_zone
from services.membership.members import active_membership
from services.pdf_a4 import HEAD, SMALL, TITLE, PdfFile, build_a4, paragraph, table
from services.pdf_text import plain
from services.privacy.erasure import claimant_name
from services.texts import text


async def claim_summary_pdf(
    session: AsyncSession, *, claim_id: int, viewer: User, today: date, tz: str | None = None
) -> PdfFile:
    """The rider or a representative of the rider's zone asks; the rider's language decides."""
    claim, case = await reading.claim_for(session, claim_id=claim_id, user=viewer)
    rider = await session.get(User, claim.rider_id)
    assert rider is not None
    lang = rider.language if rider.language in ("zh", "en") else "zh"

    def t(key: str, **values: object) -> str:
        # The catalogue is Telegram HTML: its tags go before the values come in (a value is
        # printed as typed), and paragraph() escapes for the PDF on its own.
        raw = plain(text(lang, key))
        return raw.format(**values) if values else raw

    local = time_zone(tz)
    membership = await active_membership(session, user_id=rider.id)  # type: ignore[arg-type]
    person = (
        membership.name
        if membership and membership.name
        else await claimant_name(session, user=rider) or rider.display_name
    ) or "—"
    phone = membership.phone if membership and membership.phone else "—"
    if claim.disclosure is Disclosure.none:
        rider_line = t("claims.pdf.rider_withheld")
    elif claim.disclosure is Disclosure.name:
        rider_line = person
    else:
        rider_line = f"{person}  {phone}"
    zone = await session.get(Zone, claim.zone_id) if claim.zone_id else None
    zone_name = (zone.name_en if lang == "en" else zone.name_zh) if zone else "—"
    deadline_line = plain(deadline_sentence(lang, await filing.deadline_of(session, claim=claim)))
    work = (
        t("claims.pdf.work_ongoing")
        if claim.work_ongoing
        else t("claims.pdf.work_ended", on=str(claim.work_ended_on or "—"))
    )
    outcome = progress.outcome_of(claim)
    stage = t(f"claims.stage.{claim.stage.value}")
    if outcome:
        stage += f" ({t(f'claims.outcome.{outcome}')})"
    outstanding = claim.amount_fen - claim.recovered_fen if claim.stage in rules.OPEN_STAGES else 0
    facts = [
        [t("claims.pdf.ref"), case.ref],
        [t("claims.pdf.rider"), rider_line],
        [t("claims.pdf.zone"), zone_name],
        [
            t("claims.pdf.counterparty"),
            f"{claim.counterparty_name} ({t(f'claims.cp.{claim.counterparty_kind.value}')})",
        ],
        [t("claims.pdf.relation"), t(f"claims.rel.{claim.relation.value}")],
        [t("claims.pdf.amount"), yuan(claim.amount_fen)],
        [
            t("claims.pdf.recovered"),
            yuan(claim.recovered_fen)
            + (f"  {claim.recovered_on.isoformat()}" if claim.recovered_on else ""),
        ],
        [t("claims.pdf.outstanding"), yuan(outstanding)],
        [t("claims.pdf.period"), f"{claim.period_start} – {claim.period_end}"],
        [t("claims.pdf.orders"), claim.orders or "—"],
        [t("claims.pdf.work"), work],
        [t("claims.pdf.knew"), claim.knew_on.isoformat()],
        [t("claims.pdf.stage"), stage],
        [t("claims.pdf.deadline"), deadline_line],
    ]
    evidence = await reading.evidence_of(session, claim=claim)
    ev_rows = [[t("claims.pdf.ev_item"), t("claims.pdf.ev_file"), t("claims.pdf.ev_date")]]
    for ev in evidence:
        name = ev.file_name or t(f"claims.pdf.kind_{'photo' if ev.kind == 'photo' else 'file'}")
        ev_rows.append(
            [
                rules.item_name(lang, ev.item),
                name,
                ev.created_at.astimezone(local).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    missing = await reading.missing_items(session, claim=claim)
    events = [
        e
        for e in await reading.timeline(session, case=case)
        if e.public and e.kind.startswith("claim_")
    ]
    tl_rows = [[t("claims.pdf.tl_when"), t("claims.pdf.tl_what")]]
    for e in events:
        tl_rows.append(
            [
                e.created_at.astimezone(local).strftime("%Y-%m-%d %H:%M"),
                timeline_text(lang, e.kind, e.payload or {}),
            ]
        )

    width = A4[0] - 36 * mm
    story = [
        paragraph(t("claims.pdf.title"), TITLE),
        paragraph(t("claims.pdf.generated", on=today.isoformat()), SMALL),
        Spacer(1, 4 * mm),
        table(facts, [40 * mm, width - 40 * mm], header=False),
        paragraph(t("claims.pdf.evidence"), HEAD),
    ]
    if evidence:
        story.append(table(ev_rows, [55 * mm, width - 90 * mm, 35 * mm], header=True))
    else:
        story.append(paragraph(t("claims.pdf.none")))
    if missing:
        names = "、" if lang == "zh" else ", "
        story.append(
            paragraph(
                t(
                    "claims.pdf.missing",
                    items=names.join(rules.item_name(lang, i) for i in missing),
                ),
                SMALL,
            )
        )
    story += [
        paragraph(t("claims.pdf.timeline"), HEAD),
        table(tl_rows, [35 * mm, width - 35 * mm], header=True),
        paragraph(t("claims.pdf.rule_title"), HEAD),
        paragraph(t("claims.rule"), SMALL),
        Spacer(1, 3 * mm),
        paragraph(t("claims.pdf.footer"), SMALL),
    ]
    return PdfFile(f"{case.ref}.pdf", build_a4(story, title=f"{t('claims.pdf.title')} {case.ref}"))


def timeline_text(lang: str, kind: str, payload: dict[str, object]) -> str:
    """One line of the claim's history in plain words (PDF and chat alike)."""
    p = payload
    values: dict[str, object] = {"text": p.get("text", ""), "count": p.get("count", "")}
    if kind == "claim_stage":
        values["stage"] = text(lang, f"claims.stage.{p.get('stage')}")
        if p.get("outcome"):
            outcome = text(lang, f"claims.outcome.{p['outcome']}")
            values["stage"] = f"{values['stage']} ({outcome})"
        values["text"] = f" · {p['text']}" if p.get("text") else ""
    elif kind == "claim_restart":
        values["reason"] = text(lang, f"claims.restart.{p.get('reason')}")
        values["on"] = p.get("on", "")
    elif kind == "claim_filed":
        values["amount"] = yuan(int(p.get("amount_fen", 0)))  # type: ignore[call-overload]
    elif kind == "claim_amount":
        values["amount"] = yuan(int(p.get("amount_fen", 0)))  # type: ignore[call-overload]
    key = f"claims.tl.{kind}"
    try:
        return text(lang, key).format(**values)
    except KeyError:
        return kind
