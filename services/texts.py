"""The catalogue: every sentence a user reads, in zh-Hans and English.

Texts live in gettext `.po` files under `locales/<lang>/LC_MESSAGES/*.po`, keyed by
message id, read with Babel (the tools translators use read the same files). Values passed
in are HTML-escaped, because the bot sends HTML and names are typed by riders.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Protocol

from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


class Translate(Protocol):
    lang: str

    def __call__(self, key: str, /, **values: object) -> str: ...


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """All `.po` files of a language merged: one file per area (core, membership, …)."""
    merged: dict[str, str] = {}
    for path in sorted((LOCALES / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            cat = read_po(fh, locale=lang)
        for m in cat:
            if m.id and m.string:
                if m.id in merged:
                    raise ValueError(f"{path.name}: {m.id} is defined twice")
                merged[str(m.id)] = str(m.string)
    return merged


def normalise_language(code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Telegram sends e.g. 'zh-hans', 'zh-TW', 'en-US'; anything else gets the default."""
    if not code:
        return default
    base = code.lower().split("-")[0]
    return base if base in LANGUAGES else default


def text(lang: str, key: str, /, **values: object) -> str:
    template = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE)[key]
    if not values:
        return template
    return template.format(**{k: _escape(v) for k, v in values.items()})


def _escape(value: object) -> object:
    if isinstance(value, Raw):
        return value.html
    if isinstance(value, str):
        return html.escape(value, quote=False)
    return value


class Raw:
    """A value that is already safe HTML (e.g. a list built from other catalogue texts)."""

    def __init__(self, html_text: str) -> None:
        self.html = html_text


class Translator:
    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE

    def __call__(self, key: str, /, **values: object) -> str:
        return text(self.lang, key, **values)
