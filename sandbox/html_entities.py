"""Telegram formatting: parse_mode HTML / MarkdownV2 into text + MessageEntity, and back to HTML.

Offsets and lengths are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import html
import re
from typing import Any

Entity = dict[str, Any]


class EntityParseError(ValueError):
    """Bad markup; str(exc) is the part after "Bad Request: can't parse entities: "."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# HTML tag -> entity type; the real server accepts exactly these names.
_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTR_RE = re.compile(r"\s*([a-zA-Z_-]+)\s*(?:=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+))?")


def parse_html(source: str) -> tuple[str, list[Entity]]:
    out: list[str] = []
    pos16 = 0  # UTF-16 length of the text produced so far
    stack: list[tuple[str, Entity, int]] = []  # (tag, entity, byte offset of the tag)
    entities: list[Entity] = []
    i = 0
    n = len(source)

    def byte_offset(index: int) -> int:
        return len(source[:index].encode("utf-8"))

    while i < n:
        ch = source[i]
        if ch == "&":
            m = re.match(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);", source[i:])
            if m and m.group(1).startswith("#"):
                code = m.group(1)[1:]
                decoded = chr(int(code[1:], 16) if code[0] in "xX" else int(code))
            elif m and m.group(1) in _NAMED_ENTITIES:
                decoded = _NAMED_ENTITIES[m.group(1)]
            else:  # unknown entities are left as literal text, like the real server
                decoded, m = "&", None
            out.append(decoded)
            pos16 += utf16_len(decoded)
            i += len(m.group(0)) if m else 1
            continue
        if ch != "<":
            out.append(ch)
            pos16 += utf16_len(ch)
            i += 1
            continue
        end = source.find(">", i)
        if end < 0:
            raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(i)}")
        inner = source[i + 1 : end]
        if inner.startswith("/"):
            name = inner[1:].strip().lower()
            if not stack:
                raise EntityParseError(
                    f'Unexpected end tag at byte offset {byte_offset(i)}, found "</{name}>"'
                )
            open_tag, entity, _ = stack.pop()
            if name != open_tag:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {byte_offset(i)}, expected "</{open_tag}>", '
                    f'found "</{name}>"'
                )
            entity["length"] = pos16 - entity["offset"]
            if entity["length"] > 0 and not entity.pop("absorbed", False):
                entities.append(entity)
            i = end + 1
            continue
        m = re.match(r"[a-zA-Z][a-zA-Z0-9-]*", inner)
        name = m.group(0).lower() if m else ""
        if name not in _HTML_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {byte_offset(i)}'
            )
        attrs = {
            k.lower(): html.unescape(v.strip("\"'")) if v else ""
            for k, v in _ATTR_RE.findall(inner[len(name) :])
        }
        entity = _html_entity(name, attrs, pos16, byte_offset(i), stack)
        stack.append((name, entity, byte_offset(i)))
        i = end + 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _html_entity(
    name: str, attrs: dict[str, str], offset: int, at: int, stack: list[tuple[str, Entity, int]]
) -> Entity:
    kind = _HTML_TAGS[name]
    entity: Entity = {"type": kind, "offset": offset, "length": 0}
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityParseError(f'Unsupported start tag "span" at byte offset {at}')
    if name == "a":
        href = attrs.get("href", "")
        if not href:
            raise EntityParseError(f"Empty or missing href in a tag at byte offset {at}")
        entity["url"] = href
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    elif name == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif name == "code" and stack and stack[-1][0] == "pre":
        # <pre><code class="language-x"> turns the outer pre into a pre with a language
        lang = attrs.get("class", "")
        if lang.startswith("language-"):
            stack[-1][1]["language"] = lang[len("language-") :]
        entity["absorbed"] = True  # Telegram keeps only the pre entity
    return entity


# MarkdownV2: characters that must be escaped outside of entities.
_MD_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD_MARKS = [
    ("||", "spoiler"),
    ("__", "underline"),
    ("*", "bold"),
    ("_", "italic"),
    ("~", "strikethrough"),
]


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    out: list[str] = []
    pos16 = 0
    stack: list[tuple[str, Entity]] = []
    links: list[Entity] = []  # open "[" awaiting "](url)"
    entities: list[Entity] = []
    i, n = 0, len(source)

    def emit(text: str) -> None:
        nonlocal pos16
        out.append(text)
        pos16 += utf16_len(text)

    def close(entity: Entity) -> None:
        entity["length"] = pos16 - entity["offset"]
        if entity["length"] > 0:
            entities.append(entity)

    while i < n:
        ch = source[i]
        if ch == "\\":
            if i + 1 >= n:
                raise EntityParseError("Can't parse escaped character at the end of the text")
            emit(source[i + 1])
            i += 2
            continue
        if source.startswith("```", i):
            end = source.find("```", i + 3)
            if end < 0:
                raise EntityParseError(f"Can't find end of Pre entity at byte offset {i}")
            body = source[i + 3 : end]
            language = ""
            if "\n" in body:
                first, rest = body.split("\n", 1)
                if first and " " not in first:
                    language, body = first, rest
            entity: Entity = {"type": "pre", "offset": pos16, "length": 0}
            if language:
                entity["language"] = language
            emit(re.sub(r"\\([`\\])", r"\1", body))
            close(entity)
            i = end + 3
            continue
        if ch == "`":
            end = source.find("`", i + 1)
            if end < 0:
                raise EntityParseError(f"Can't find end of Code entity at byte offset {i}")
            entity = {"type": "code", "offset": pos16, "length": 0}
            emit(re.sub(r"\\([`\\])", r"\1", source[i + 1 : end]))
            close(entity)
            i = end + 1
            continue
        if ch == "[":
            links.append({"type": "text_link", "offset": pos16, "length": 0})
            i += 1
            continue
        if ch == "]" and links:
            m = re.match(r"\]\(((?:\\.|[^)\\])*)\)", source[i:])
            if not m:
                raise EntityParseError(f"Can't find end of a URL at byte offset {i}")
            entity = links.pop()
            entity["url"] = re.sub(r"\\(.)", r"\1", m.group(1))
            close(entity)
            i += len(m.group(0))
            continue
        mark = next(((m, kind) for m, kind in _MD_MARKS if source.startswith(m, i)), None)
        if mark:
            token, kind = mark
            if stack and stack[-1][0] == token:
                close(stack.pop()[1])
            elif any(t == token for t, _ in stack):
                raise EntityParseError(f"Can't find end of {kind} entity at byte offset {i}")
            else:
                stack.append((token, {"type": kind, "offset": pos16, "length": 0}))
            i += len(token)
            continue
        if ch == ">" and (i == 0 or source[i - 1] == "\n"):
            line_end = source.find("\n", i)
            line_end = n if line_end < 0 else line_end
            entity = {"type": "blockquote", "offset": pos16, "length": 0}
            text, inner = parse_markdown_v2(source[i + 1 : line_end])
            for e in inner:
                entities.append({**e, "offset": e["offset"] + pos16})
            emit(text)
            close(entity)
            i = line_end
            continue
        if ch in _MD_RESERVED:
            raise EntityParseError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        emit(ch)
        i += 1
    if stack:
        token, entity = stack[-1]
        raise EntityParseError(f"Can't find end of {entity['type']} entity")
    if links:
        raise EntityParseError("Can't find end of a URL")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    mode = (parse_mode or "").lower()
    if mode == "html":
        return strip_text(*parse_html(text))
    if mode == "markdownv2":
        return strip_text(*parse_markdown_v2(text))
    if mode in ("", "none"):
        return strip_text(text, [])
    raise EntityParseError(f"Unsupported parse_mode {parse_mode!r}")


def strip_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Trim surrounding whitespace like the server does, keeping entity offsets right."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    result = []
    for e in entities:
        start = max(e["offset"] - lead, 0)
        end = min(e["offset"] + e["length"] - lead, total)
        if end > start:
            result.append({**e, "offset": start, "length": end - start})
    return stripped, result


def validate_entities(text: str, raw: Any) -> list[Entity]:
    """Check bot-supplied `entities`; raises EntityParseError on malformed input."""
    if not isinstance(raw, list):
        raise EntityParseError("entities must be an array")
    size = utf16_len(text)
    result = []
    for e in raw:
        if not isinstance(e, dict) or not {"type", "offset", "length"} <= e.keys():
            raise EntityParseError("entity must have type, offset and length")
        if not (isinstance(e["offset"], int) and isinstance(e["length"], int)):
            raise EntityParseError("entity offset and length must be integers")
        if e["offset"] < 0 or e["length"] <= 0 or e["offset"] + e["length"] > size:
            continue  # the real server silently drops out-of-range entities
        result.append(e)
    return result


# --- rendering back to HTML for the browser page ---------------------------------------------

_RENDER = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "spoiler": ('<span class="tg-spoiler">', "</span>"),
    "code": ("<code>", "</code>"),
    "pre": ("<pre>", "</pre>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ("<blockquote>", "</blockquote>"),
}


def _open_tag(entity: Entity) -> tuple[str, str]:
    if entity["type"] == "text_link":
        url = entity.get("url", "")
        safe = url if re.match(r"(?i)^(https?|tg|mailto):", url) else "#"
        return f'<a href="{html.escape(safe, quote=True)}">', "</a>"
    return _RENDER.get(entity["type"], ("", ""))


def render_html(text: str, entities: list[Entity] | None) -> str:
    """Escaped HTML with only a whitelist of tags; safe to put into innerHTML."""
    if not entities:
        return html.escape(text, quote=False)
    units = text.encode("utf-16-le")
    starts: dict[int, list[Entity]] = {}
    ends: set[int] = set()
    for e in entities:
        starts.setdefault(e["offset"], []).append(e)
        ends.add(e["offset"] + e["length"])
    boundaries = sorted({0, len(units) // 2, *starts, *ends})
    parts: list[str] = []
    stack: list[Entity] = []
    for k, pos in enumerate(boundaries):
        # close entities ending here; reopen any that were closed only to keep nesting valid
        if any(e["offset"] + e["length"] == pos for e in stack):
            keep = [e for e in stack if e["offset"] + e["length"] > pos]
            parts.extend(_open_tag(e)[1] for e in reversed(stack))
            parts.extend(_open_tag(e)[0] for e in keep)
            stack = keep
        for e in sorted(starts.get(pos, []), key=lambda e: -e["length"]):
            parts.append(_open_tag(e)[0])
            stack.append(e)
        if k + 1 < len(boundaries):
            chunk = units[pos * 2 : boundaries[k + 1] * 2].decode("utf-16-le")
            parts.append(html.escape(chunk, quote=False))
    parts.extend(_open_tag(e)[1] for e in reversed(stack))
    return "".join(parts)
