"""Text as the claim PDF prints it: catalogue HTML made plain, and only characters its font has.

The catalogue speaks Telegram's HTML (<b>, <i>, entities); the PDF draws plain text, so tags go
and entities are decoded. The font (STSong-Light, not embedded) draws what Adobe's GB1
collection maps (services/data/stsong_coverage.txt); emoji and a few symbols it lacks would be
empty boxes, so they are replaced by one it has or left out.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from functools import cache
from pathlib import Path

COVERAGE = Path(__file__).resolve().parent / "data" / "stsong_coverage.txt"
# Symbols the font lacks, drawn as the nearest one it has.
NEAREST = {"·": "・", "•": "・", "✓": "√", "✔": "√", "✅": "√"}
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


@cache
def _ranges() -> tuple[list[int], list[int]]:
    starts: list[int] = []
    ends: list[int] = []
    for line in COVERAGE.read_text(encoding="ascii").splitlines():
        if not line or line.startswith("#"):
            continue
        first, _, last = line.partition("-")
        starts.append(int(first, 16))
        ends.append(int(last or first, 16))
    return starts, ends


def drawable(char: str) -> bool:
    """Whether the PDF font has a glyph for this character."""
    starts, ends = _ranges()
    i = bisect_right(starts, ord(char)) - 1
    return i >= 0 and ord(char) <= ends[i]


def plain(html_text: str) -> str:
    """Catalogue HTML as plain text: no tags, entities decoded."""
    return html.unescape(_TAG.sub("", html_text))


def printable(value: str) -> str:
    """Only what the font can draw; a symbol it lacks becomes its nearest or goes, and the
    space it leaves behind does not double."""
    kept = "".join(
        c if c in "\n\t" or drawable(c) else NEAREST.get(c, "")
        for c in (NEAREST.get(c, c) for c in value)
    )
    return "\n".join(re.sub(r" {2,}", " ", line).strip() for line in kept.split("\n"))
