"""CSV files people open in a spreadsheet: UTF-8 with a BOM (so Excel reads Chinese) and no
cell a spreadsheet would run as a formula. The one CSV writer of the API and the desk."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# A cell starting with one of these is a formula (or can become one) in Excel, LibreOffice
# and Google Sheets (OWASP's CSV-injection list), or LF, which some importers take as a line
# start; a leading apostrophe makes it text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: object) -> str:
    """A spreadsheet must not run a rider's text as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
