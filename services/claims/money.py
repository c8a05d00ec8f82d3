"""Money as riders type it and as they read it: integer fen in, `40.50` / `¥40.50` out.

Parsed with `Decimal` from the digits typed, never through a float, so `40.10` is 4010 fen.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from services.errors import Invalid

# Thousands separators only in whole groups of three: `1,200` yes, `12,00` no.
_NUMBER = re.compile(r"(?P<sign>[-+]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d*))?")
_CURRENCY_BEFORE = ("¥", "RMB", "CNY")
_CURRENCY_AFTER = ("元", "块钱", "块", "RMB", "CNY", "yuan")
_CHINESE_NUMERALS = set("零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟")


def parse_amount(raw: str, *, cap_fen: int) -> int:
    """What a rider typed as an amount of yuan, in fen; a refusal says what to type instead."""
    # NFKC turns full-width digits, `，` and `￥` into their plain forms.
    typed = unicodedata.normalize("NFKC", raw).strip().replace(" ", "")
    body = typed
    for mark in _CURRENCY_BEFORE:
        if body.upper().startswith(mark):
            body = body[len(mark) :]
            break
    for mark in _CURRENCY_AFTER:
        if body.lower().endswith(mark.lower()):
            body = body[: -len(mark)]
            break
    if body and any(ch in _CHINESE_NUMERALS for ch in body):
        raise Invalid("amount_chinese_numerals")
    found = _NUMBER.fullmatch(body)
    if found is None:
        raise Invalid("amount_not_a_number", typed=raw.strip()[:40])
    if found["sign"] == "-":
        raise Invalid("amount_not_positive")
    frac = found["frac"] or ""
    if len(frac) > 2:
        raise Invalid("amount_too_precise")
    try:
        value = Decimal(found["int"].replace(",", "") + "." + (frac or "0"))
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits digits only
        raise Invalid("amount_not_a_number", typed=raw.strip()[:40]) from exc
    fen = int(value * 100)
    if fen <= 0:
        raise Invalid("amount_not_positive")
    if fen > cap_fen:
        raise Invalid("amount_over_cap", cap=yuan(cap_fen))
    return fen


def plain(fen: int) -> str:
    """`40.50`; thousands are not grouped so the number reads back as typed."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def yuan(fen: int) -> str:
    """`¥40.50`."""
    return ("-¥" + plain(-fen)) if fen < 0 else "¥" + plain(fen)
