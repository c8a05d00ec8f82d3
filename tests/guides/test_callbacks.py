"""The guide's buttons already in chats keep working: the short action values of older
buttons (a tip's review, the handbook, a compound) parse as the words used now."""

from __future__ import annotations

from bot.guides.callbacks import GuideButton, TipReview


def test_old_tip_review_buttons_parse_as_words() -> None:
    assert TipReview.unpack("tip:a:9") == TipReview(action="approve", id=9)
    assert TipReview.unpack("tip:r:9") == TipReview(action="reject", id=9)
    assert TipReview.unpack("tip:c:9") == TipReview(action="confirm", id=9)
    assert TipReview(action="approve", id=9).pack() == "tip:approve:9"


def test_old_guide_buttons_parse_as_words() -> None:
    assert GuideButton.unpack("gd:hb:") == GuideButton(action="handbook")
    assert GuideButton.unpack("gd:cmp:demo/xh-01") == GuideButton(
        action="compound", arg="demo/xh-01"
    )
    assert GuideButton(action="compound", arg="demo/xh-01").pack() == "gd:compound:demo/xh-01"
