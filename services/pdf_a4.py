"""The A4 page the union's summaries are printed on: the wage-claim summary
(services/claims/pdf.py) and the injury-claim summary (services/injury/pdf.py) alike.

One font, four paragraph styles, a paragraph and a table of plain text, and the page itself
(A4, the union's margins, title and author in the PDF's metadata). Chinese and English are
both written with reportlab's built-in CID font STSong-Light: no font file to ship and the
text stays selectable, but the font is not embedded, so the reader draws it with a CJK font
of its own (poppler: fontconfig's choice for zh-cn, Noto Sans CJK where fonts-noto-cjk is
installed). Text goes through services/pdf_text.py first, so only characters the font has are
printed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from services.pdf_text import printable

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
BODY = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=15, wordWrap="CJK")
SMALL = ParagraphStyle("small", parent=BODY, fontSize=9, leading=12.5)
TITLE = ParagraphStyle("title", parent=BODY, fontSize=17, leading=24, spaceAfter=4)
HEAD = ParagraphStyle("head", parent=BODY, fontSize=12.5, leading=18, spaceBefore=8)


@dataclass(frozen=True)
class PdfFile:
    """A PDF ready to send: the name it is sent under and its bytes."""

    file_name: str
    data: bytes


def paragraph(value: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text, with only characters the font can draw."""
    return Paragraph(escape(printable(value)).replace("\n", "<br/>"), style)


def table(rows: list[list[str]], widths: list[float], *, header: bool) -> Table:
    """Rows of plain text in small print, in a grey grid; a shaded first row if it is a
    header (repeated on every page the table runs onto)."""
    grid = Table(
        [[paragraph(cell, SMALL) for cell in row] for row in rows], colWidths=widths, repeatRows=1
    )
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)))
    grid.setStyle(TableStyle(style))
    return grid


def build_a4(story: list[Flowable], *, title: str) -> bytes:
    """The story laid out on A4 pages with the union's margins, as PDF bytes."""
    buf = io.BytesIO()
    margins = {"leftMargin": 18 * mm, "rightMargin": 18 * mm, "topMargin": 16 * mm}
    doc = SimpleDocTemplate(
        buf, pagesize=A4, bottomMargin=16 * mm, title=title, author="rider union", **margins
    )
    doc.build(story)
    return buf.getvalue()
