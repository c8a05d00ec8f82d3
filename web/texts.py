"""Catalogue texts for templates: the values are escaped by Jinja2's Markup, not by the
bot's HTML escaping, so a rider's `<b>` shows as typed and is never run as markup."""

from __future__ import annotations

from markupsafe import Markup

from services.texts import DEFAULT_LANGUAGE, LANGUAGES, catalogue


class PageText:
    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE

    def __call__(self, key: str, /, **values: object) -> Markup:
        template = catalogue(self.lang).get(key) or catalogue(DEFAULT_LANGUAGE)[key]
        # Catalogue texts are ours (trusted); the values are escaped by Markup.format.
        return Markup(template).format(**values) if values else Markup(template)

    def has(self, key: str) -> bool:
        return key in catalogue(self.lang) or key in catalogue(DEFAULT_LANGUAGE)

    def error(self, code: str, params: dict[str, object] | None = None) -> Markup:
        """A service error's sentence (the same `error.<code>` the bot and API use)."""
        key = f"error.{code}"
        values = {k: v for k, v in (params or {}).items() if isinstance(v, str | int | float)}
        if not self.has(key):
            return self("desk.error.generic")
        try:
            return self(key, **values)
        except (KeyError, IndexError):
            return self("desk.error.generic")
