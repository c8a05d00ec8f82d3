"""The injury claim's summary as an A4 PDF: the facts, every stage with the day it was reached
and its deadline (and the rule the deadline comes from, or that it is a demo figure), and
what to keep. Drawn on the same A4 page as the wage claim's (services/pdf_a4.py: reportlab's
built-in CJK font, plain text the font can draw), in the rider's language."""

from __future__ import annotations

from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Spacer
from sqlalchemy.ext.asyncio import AsyncSession

from models import User
from services.injury.claims import claim_for, view_of
from services.injury.steps import deadline_source
from services.membership.members import active_membership
from services.pdf_a4 import HEAD, SMALL, TITLE, PdfFile, build_a4, paragraph, table
from services.pdf_text import plain
from services.texts import text


async def injury_summary_pdf(
    session: AsyncSession, *, claim_id: int, viewer: User, today: date, lang: str | None = None
) -> PdfFile:
    """The rider or a representative of the rider's zone asks; the rider's language decides
    unless one is given."""
    claim, case = await claim_for(session, claim_id=claim_id, user=viewer)
    view = await view_of(session, claim=claim, case=case)
    rider = await session.get(User, claim.rider_id)
    assert rider is not None
    lang = lang or (rider.language if rider.language in ("zh", "en") else "zh")

    def t(key: str, **values: object) -> str:
        raw = plain(text(lang, key))  # the catalogue's tags go; values are printed as typed
        return raw.format(**values) if values else raw

    membership = await active_membership(session, user_id=rider.id)  # type: ignore[arg-type]
    person = (membership.name if membership and membership.name else rider.display_name) or "—"
    facts = [
        [t("accident.pdf.ref"), case.ref],
        [t("accident.pdf.rider"), person],
        [t("accident.pdf.scheme"), t(f"accident.scheme.{claim.scheme.value}")],
        [t("accident.pdf.city"), view.steps.name(lang)],
        [t("accident.pdf.accident"), claim.accident_on.isoformat()],
        [t("accident.pdf.injury"), claim.injury or "—"],
        [t("accident.pdf.hospital"), claim.hospital or "—"],
        [
            t("accident.pdf.stage"),
            f"{t(f'accident.stage.{claim.stage.value}')} ({claim.stage_on.isoformat()})",
        ],
    ]
    rows = [
        [
            t("accident.pdf.col_stage"),
            t("accident.pdf.col_reached"),
            t("accident.pdf.col_due"),
            t("accident.pdf.col_basis"),
        ]
    ]
    for row in view.rows:
        due = row.due_on.isoformat() if row.due_on else "—"
        if row.overdue(today):
            due += f" ({t('accident.desk.overdue')})"
        rows.append(
            [
                t(f"accident.stage.{row.stage.value}"),
                row.reached_on.isoformat() if row.reached_on else "—",
                due,
                deadline_source(lang, row.rule) if row.rule else "—",
            ]
        )
    if claim.stage.value in ("refused", "withdrawn"):
        rows.append(
            [t(f"accident.stage.{claim.stage.value}"), claim.stage_on.isoformat(), "—", "—"]
        )
    width = A4[0] - 36 * mm
    story = [
        paragraph(t("accident.pdf.title"), TITLE),
        paragraph(t("accident.pdf.generated", on=today.isoformat()), SMALL),
        Spacer(1, 4 * mm),
        table(facts, [40 * mm, width - 40 * mm], header=False),
        paragraph(t("accident.pdf.stages"), HEAD),
        table(rows, [38 * mm, 28 * mm, 34 * mm, width - 100 * mm], header=True),
        paragraph(t("accident.pdf.keep"), HEAD),
        *[paragraph(f"• {line(lang)}", SMALL) for line in view.steps.keep],
        Spacer(1, 3 * mm),
        paragraph(t("accident.pdf.footer"), SMALL),
    ]
    title = f"{t('accident.pdf.title')} {case.ref}"
    return PdfFile(f"{case.ref}-injury.pdf", build_a4(story, title=title))
