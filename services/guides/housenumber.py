"""Turn what riders type for a building ("3号楼", "3幢", "No. 3", "三栋") into one key."""

from __future__ import annotations

import re
import unicodedata

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_PREFIX = re.compile(r"^(?:no\.?|number|bldg\.?|building|#|第)\s*", re.IGNORECASE)
_SUFFIX = re.compile(r"(?:号楼|号|幢|栋|座|楼|单元|bldg\.?|building)$", re.IGNORECASE)
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百]+")


def _cn_to_int(text: str) -> int:
    """Small Chinese numerals as used for buildings: 三, 十二, 二十三, 一百零五."""
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _CN_DIGITS[ch] if current else _CN_DIGITS[ch]
    return total + current


def number_key(text: str) -> str:
    """Map "3", "3号楼", "3幢", "3栋", "No. 3", "第3栋", "三号楼", "３" to "3"; "A座" to "a"."""
    s = unicodedata.normalize("NFKC", text).strip().casefold()
    s = _PREFIX.sub("", s)
    s = _SUFFIX.sub("", s).strip()
    s = _CN_NUMBER.sub(lambda m: str(_cn_to_int(m.group())), s)
    s = re.sub(r"\s", "", s)
    return s.lstrip("0") or s
