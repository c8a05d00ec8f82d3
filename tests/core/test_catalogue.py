"""Every sentence exists in both languages, and every key the code asks for exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

from services.texts import LANGUAGES, catalogue

ROOT = Path(__file__).resolve().parents[2]
# t("key"), text(lang, "key"), notify(..., key="key") — the ways code names a text.
USE = re.compile(r"""(?:\bt\(|\btext\([^,()]+,\s*|key=)["']([a-z_]+\.[a-z0-9_.]+)["']""")


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    zh, en = catalogue("zh"), catalogue("en")
    assert set(zh) == set(en)
    fields = string.Formatter()
    for key in zh:
        zf = {f for _, f, _, _ in fields.parse(zh[key]) if f}
        ef = {f for _, f, _, _ in fields.parse(en[key]) if f}
        assert zf == ef, key


def test_every_key_used_in_code_exists() -> None:
    used: set[str] = set()
    for layer in ("bot", "api", "services", "app"):
        for path in (ROOT / layer).rglob("*.py"):
            used |= set(USE.findall(path.read_text(encoding="utf-8")))
    assert used, "the pattern found no keys: the test would prove nothing"
    for lang in LANGUAGES:
        assert used - set(catalogue(lang)) == set(), lang
