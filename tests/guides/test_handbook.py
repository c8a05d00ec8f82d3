from pathlib import Path

import pytest

from services.guides import load_handbook
from services.guides.handbook import MAX_TOPIC_CHARS, Handbook, norm_lang

from .conftest import HANDBOOK_DIR

SLUGS = [
    "getting-started",
    "finding-merchants",
    "avoid-late",
    "raise-income",
    "when-things-go-wrong",
    "union-faq",
]


@pytest.fixture(scope="module")
def hb() -> Handbook:
    return load_handbook(HANDBOOK_DIR)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_all_topics_in_both_languages(hb: Handbook, lang: str) -> None:
    topics = hb.topics(lang)
    assert [t.slug for t in topics] == SLUGS
    for t in topics:
        assert t.lang == lang and not t.fallback and t.title
        assert len(t.text) < MAX_TOPIC_CHARS


def test_titles_are_chinese_first(hb: Handbook) -> None:
    assert hb.topic("zh", "avoid-late").title == "怎么少超时"  # type: ignore[union-attr]
    assert hb.topic("zh-Hans", "union-faq").lang == "zh"  # type: ignore[union-attr]
    assert hb.topic("en-US", "union-faq").title == "Union FAQ"  # type: ignore[union-attr]
    assert hb.topic("en", "nope") is None
    assert norm_lang("fr") == "zh" and norm_lang(None) == "zh"


@pytest.mark.parametrize(
    ("lang", "words", "first"),
    [
        ("zh", "超时", "avoid-late"),
        ("zh", "超时怎么办", "avoid-late"),
        ("zh", "加入 工会", "union-faq"),
        ("zh", "事故", "when-things-go-wrong"),
        ("zh", "商场", "finding-merchants"),
        ("en", "late", "avoid-late"),
        ("en", "JOIN", "union-faq"),
        ("en", ["accident", "insurance"], "when-things-go-wrong"),
        ("en", "income", "raise-income"),
    ],
)
def test_search(hb: Handbook, lang: str, words, first: str) -> None:
    found = hb.search(lang, words)
    assert found and found[0].slug == first


def test_search_finds_nothing(hb: Handbook) -> None:
    assert hb.search("zh", "火箭发射") == []
    assert hb.search("en", "spaceship") == []
    assert hb.search("en", "   ") == []


def test_english_falls_back_to_chinese(tmp_path: Path) -> None:
    (tmp_path / "zh").mkdir()
    (tmp_path / "en").mkdir()
    files = {
        "zh/a.md": "---\nslug: a\norder: 2\n---\n# 停车\n正文",
        "zh/b.md": "---\nslug: b\norder: 1\ntitle: 换电\n---\n换电柜",
        "en/b.md": "---\nslug: b\norder: 1\ntitle: Battery\n---\nSwap",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, "utf-8")
    hb = load_handbook(tmp_path)
    en = hb.topics("en")
    assert [(t.slug, t.lang, t.fallback) for t in en] == [("b", "en", False), ("a", "zh", True)]
    assert en[1].title == "停车"
    assert hb.search("en", "停车")[0].slug == "a"
