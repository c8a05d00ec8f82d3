"""Formatting parser units: UTF-16 offsets, trimming, MarkdownV2, safe HTML rendering."""

from __future__ import annotations

import pytest

from sandbox.html_entities import EntityParseError, parse_html, parse_text, render_html
from sandbox.media import image_size

from .conftest import png


def test_html_nesting_and_pre_language() -> None:
    text, entities = parse_html('<b>a<i>b</i></b><pre><code class="language-py">x=1</code></pre>')
    assert text == "abx=1"
    assert {e["type"]: e for e in entities}["pre"]["language"] == "py"
    assert [e["type"] for e in entities] == ["bold", "italic", "pre"]
    assert render_html(text, entities) == "<b>a<i>b</i></b><pre>x=1</pre>"


def test_trimming_keeps_offsets() -> None:
    text, entities = parse_text("  <b>hi</b> ", "HTML")
    assert text == "hi" and entities == [{"type": "bold", "offset": 0, "length": 2}]


def test_markdown_v2_reserved_character() -> None:
    with pytest.raises(EntityParseError, match="reserved"):
        parse_text("1.5", "MarkdownV2")
    assert parse_text("[站点](https://a.b/c) `x`", "MarkdownV2")[1][0]["url"] == "https://a.b/c"


def test_render_is_safe() -> None:
    entities = [{"type": "text_link", "offset": 0, "length": 1, "url": "javascript:alert(1)"}]
    assert render_html("<", entities) == '<a href="#">&lt;</a>'


def test_image_size() -> None:
    assert image_size(png(9, 4)) == (9, 4)
    jpeg = bytes.fromhex(
        "ffd8ffe000104a46494600010100000100010000ffc0001108002a001c03012200021101031101"
    )
    assert image_size(jpeg) == (28, 42)
    assert image_size(b"GIF89a") is None
