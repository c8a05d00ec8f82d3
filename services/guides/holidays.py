"""Public holiday dates for `PH` in opening_hours, from data (a file) or a plain list.

China's holidays move every year (lunar dates, bridged days announced each November), so
they are data the operator updates, not code: see routes_data/holidays/cn.txt.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path


class HolidaysError(ValueError):
    pass


def parse_holidays(text: str, source: str = "HOLIDAYS") -> frozenset[date]:
    """One date (YYYY-MM-DD) a line, or comma separated; anything after the date on a line
    (the holiday's name) and `#` comments are ignored."""
    found: set[date] = set()
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0]
        for item in line.split(","):
            token = item.strip().split(" ", 1)[0].strip()
            if not token:
                continue
            try:
                found.add(date.fromisoformat(token))
            except ValueError as exc:
                raise HolidaysError(
                    f"{source} line {n}: {token!r} is not a YYYY-MM-DD date"
                ) from exc
    return frozenset(found)


def load_holidays(spec: str, root: Path | None = None) -> frozenset[date]:
    """`spec` is a path to a holiday file (relative to `root`), or dates separated by commas;
    empty means no holidays."""
    spec = spec.strip()
    if not spec:
        return frozenset()
    if spec[:4].isdigit() and "-" in spec[:8]:
        return parse_holidays(spec)
    path = Path(spec)
    if not path.is_absolute() and root is not None:
        path = root / path
    try:
        return parse_holidays(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        raise HolidaysError(f"cannot read holiday file {path}: {exc.strerror}") from exc
