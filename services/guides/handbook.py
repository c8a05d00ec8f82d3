"""The newcomer handbook: one Markdown topic a file, per language, with word search.

Layout: <dir>/<lang>/<anything>.md, each starting with front matter

    ---
    slug: getting-started
    order: 1
    title: 快速上手
    ---

(`title` may instead be the first `# heading`). Topics pair up across languages by slug;
a topic missing in English is served in Chinese (`Topic.fallback` is then True).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

BASE_LANG = "zh"
LANGS = ("zh", "en")
# Telegram allows 4096 characters; keep room for a header and buttons.
MAX_TOPIC_CHARS = 3500


class HandbookError(ValueError):
    pass


@dataclass(frozen=True)
class Topic:
    slug: str
    order: int
    lang: str
    title: str
    body: str  # Markdown without front matter
    path: Path
    fallback: bool = False  # served in BASE_LANG because the asked language lacks it

    @property
    def text(self) -> str:
        return self.body if self.body.lstrip().startswith("#") else f"{self.title}\n\n{self.body}"


def norm_lang(lang: str | None) -> str:
    """ "zh-Hans", "zh_CN" → "zh"; "en-US" → "en"; anything else → Chinese, riders' first."""
    code = (lang or "").replace("_", "-").split("-")[0].lower()
    return code if code in LANGS else BASE_LANG


def parse_topic(path: Path, lang: str) -> Topic:
    raw = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    meta: dict[str, str] = {}
    body = raw
    m = re.match(r"^---\n(.*?)\n---\n?", raw, re.DOTALL)
    if m:
        for line in m.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip()] = value.strip().strip("\"'")
        body = raw[m.end() :]
    body = body.strip()
    title = meta.get("title")
    if not title:
        heading = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
        title = heading.group(1).strip() if heading else None
    slug = meta.get("slug") or path.stem
    if not title:
        raise HandbookError(f"{path}: no title (front matter `title:` or a `# heading`)")
    try:
        order = int(meta.get("order", "999"))
    except ValueError as exc:
        raise HandbookError(f"{path}: order must be a number") from exc
    return Topic(slug, order, lang, title, body, path)


@dataclass(frozen=True)
class Handbook:
    by_lang: dict[str, dict[str, Topic]]

    def topics(self, lang: str | None = BASE_LANG) -> list[Topic]:
        code = norm_lang(lang)
        merged = dict(self.by_lang.get(BASE_LANG, {}))
        if code != BASE_LANG:
            merged = {s: replace(t, fallback=True) for s, t in merged.items()}
            merged.update(self.by_lang.get(code, {}))
        return sorted(merged.values(), key=lambda t: (t.order, t.slug))

    def topic(self, lang: str | None, slug: str) -> Topic | None:
        return next((t for t in self.topics(lang) if t.slug == slug), None)

    def search(self, lang: str | None, words: str | list[str]) -> list[Topic]:
        """Topics containing the words, best first. Titles count triple. Chinese has no
        spaces, so a long Chinese term that is not found whole is matched by its
        two-character pieces ("超时怎么办" finds a topic about 超时)."""
        terms = words.split() if isinstance(words, str) else list(words)
        terms = [t.casefold() for t in terms if t.strip()]
        scored = []
        for t in self.topics(lang):
            score = sum(_score(term, t.title.casefold(), t.body.casefold()) for term in terms)
            if score > 0:
                scored.append((-score, t.order, t))
        return [t for *_, t in sorted(scored, key=lambda s: s[:2])]


def _score(term: str, title: str, body: str) -> float:
    hits = 3 * title.count(term) + body.count(term)
    if hits or len(term) < 3 or not _has_cjk(term):
        return hits
    pieces = {term[i : i + 2] for i in range(len(term) - 1)}
    found = [p for p in pieces if p in title or p in body]
    # Half the pieces at least, so one common pair like 怎么 alone does not match everything.
    if len(found) * 2 < len(pieces):
        return 0
    return sum(3 * title.count(p) + body.count(p) for p in found) / len(pieces)


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def load_handbook(directory: str | Path) -> Handbook:
    root = Path(directory)
    by_lang: dict[str, dict[str, Topic]] = {}
    for lang in LANGS:
        for path in sorted((root / lang).glob("*.md")):
            topic = parse_topic(path, lang)
            if topic.slug in by_lang.setdefault(lang, {}):
                raise HandbookError(f"{path}: slug {topic.slug!r} used twice in {lang}")
            by_lang[lang][topic.slug] = topic
    if not by_lang.get(BASE_LANG):
        raise HandbookError(f"{root}: no {BASE_LANG} topics")
    return Handbook(by_lang)
