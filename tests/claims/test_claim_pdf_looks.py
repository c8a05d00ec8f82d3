"""The claim summary PDF looked at as a picture: asked for in chat, rendered with pdftoppm
(var/test-artifacts/chat/claim-summary-*.png), its text free of markup, and every character
it draws one its font has (no empty boxes)."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ContentStream
from sqlalchemy import select

from app.runtime import Runtime
from models import User
from models.claims import CounterpartyKind, WorkRelation
from services.claims import filing
from services.pdf_text import COVERAGE, drawable, printable
from tests.chat import Chat, button, has_document
from tests.claims.conftest import RIDER, file_bytes
from tests.sandbox_client import SandboxClient

pytestmark = pytest.mark.fast_taps

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "chat"
# Adobe's map from Unicode to the glyphs of the GB1 collection, as poppler reads it.
GB1_CMAP = Path("/usr/share/poppler/cMap/Adobe-GB1/UniGB-UCS2-H")


def _cmap_coverage(path: Path) -> set[int]:
    src = path.read_text(encoding="latin-1")
    found: set[int] = set()
    for block in re.findall(r"begincidrange(.*?)endcidrange", src, re.S):
        for first, last, _ in re.findall(r"<([0-9a-f]+)>\s*<([0-9a-f]+)>\s*(\d+)", block, re.I):
            found.update(range(int(first, 16), int(last, 16) + 1))
    for block in re.findall(r"begincidchar(.*?)endcidchar", src, re.S):
        found.update(int(u, 16) for u, _ in re.findall(r"<([0-9a-f]+)>\s*(\d+)", block, re.I))
    return found


def _substitute_font() -> TTFont:
    """The font poppler draws the (not embedded) GB1 font with: fontconfig's for zh-cn."""
    out = subprocess.run(
        ["fc-match", "-f", "%{file}\n%{index}", ":lang=zh-cn"], capture_output=True, text=True
    ).stdout.split("\n")
    return TTFont(out[0], fontNumber=int(out[1] or 0), lazy=True)


def test_the_shipped_coverage_is_adobes_gb1_map():
    if not GB1_CMAP.exists():
        pytest.skip("poppler-data is not installed")
    shipped = {c for c in range(0x10000) if drawable(chr(c))}
    assert shipped == _cmap_coverage(GB1_CMAP), COVERAGE
    # What the catalogue's texts use and the font lacks is replaced or left out.
    assert printable("⚖️ <b>x</b> · ⏳ 最迟  日期") == "<b>x</b> ・ 最迟 日期"


async def test_the_claim_summary_pdf_has_no_markup_and_no_empty_boxes(
    claims_desk: Runtime, sandbox: SandboxClient
) -> None:
    me = Chat(sandbox, RIDER)
    for tool in ("pdftoppm", "pdftotext", "fc-match"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    async with claims_desk.ctx.sessions() as s, s.begin():
        rider = (await s.execute(select(User).where(User.telegram_id == RIDER))).scalar_one()
        form = filing.ClaimForm(
            counterparty_kind=CounterpartyKind.station,
            counterparty_name="A&B 快送·西溪站",
            relation=WorkRelation.agency,
            amount_fen=120050,
            period_start=date(2026, 5, 1),
            period_end=date(2026, 5, 31),
            knew_on=date(2026, 6, 5),
            work_ended_on=date(2026, 6, 1),
        )
        await filing.file_claim(
            s, user=rider, form=form, today=date(2026, 6, 15), max_bytes=1 << 20
        )

    # Asked for in chat, as a rider does.
    listing = await sandbox.reply_to(RIDER, "/claims")
    ref = re.search(r"C-\d{4}-\d{5}", str(listing["buttons"])).group(0)  # type: ignore[union-attr]
    await sandbox.press(RIDER, listing["message_id"], button(listing, ref))
    card = await me.wait_for("欠薪索赔 " + ref, after=listing["message_id"])
    await sandbox.press(RIDER, card["message_id"], button(card, "📄"))
    sent = await me.wait_for(has_document, after=card["message_id"])
    pdf = ARTIFACTS / "claim-summary.pdf"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(await file_bytes(sandbox, sent["document"]["file_id"]))

    # Looked at: rendered as pictures, page by page (look at them).
    pages, drawn, shown = await asyncio.to_thread(_render_and_read, pdf)
    assert pages and all(p.stat().st_size > 10_000 for p in pages)
    # No markup: the catalogue's bold is gone, the rider's "&" is printed as typed.
    assert "<b>" not in drawn and "</b>" not in drawn and "&amp;" not in drawn
    assert "A&B 快送" in drawn and "西溪站" in drawn
    assert "2027-06-05" in drawn and "¥1200.50" in drawn and "劳动争议调解仲裁法" in drawn
    # No empty boxes: every character the PDF asks its font to draw is one the font maps
    # (Adobe's GB1 map, as poppler reads it) and the font poppler draws it with has.
    assert shown >= set(drawn) - set(" \n\x0c") - {"·"}  # "・" reads back as "·"
    assert not sorted(c for c in shown if not drawable(c))
    gb1 = await asyncio.to_thread(lambda: GB1_CMAP.exists() and _cmap_coverage(GB1_CMAP))
    if gb1:
        assert not sorted(c for c in shown if ord(c) not in gb1)
    cmap = _substitute_font().getBestCmap()
    assert not sorted(c for c in shown if ord(c) not in cmap)


def _render_and_read(pdf: Path) -> tuple[list[Path], str, set[str]]:
    """The pages as PNGs, the text poppler reads back, and every character the PDF's text
    operators ask the font to draw (its strings are UCS-2: the font's UniGB-UCS2-H encoding)."""
    for old in ARTIFACTS.glob("claim-summary-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", str(pdf), str(ARTIFACTS / "claim-summary")], check=True
    )
    drawn = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    shown: set[str] = set()
    reader = PdfReader(pdf)
    for page in reader.pages:
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tj":
                strings = [operands[0]]
            elif operator == b"TJ":
                strings = [x for x in operands[0] if isinstance(x, str | bytes)]
            else:
                continue
            for value in strings:
                raw = value if isinstance(value, bytes) else value.original_bytes
                shown.update(raw.decode("utf-16-be"))
    return sorted(ARTIFACTS.glob("claim-summary-*.png")), drawn, shown - {" "}
