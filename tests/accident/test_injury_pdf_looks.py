"""The injury claim summary PDF looked at as pictures, in Chinese and in English: rendered with
pdftoppm (var/test-artifacts/accident/injury-summary-<lang>-*.png), pages that are not blank,
and the text that matters read back from them."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from PIL import Image
from sqlalchemy import select

from models import User
from models.db import make_engine, make_sessionmaker
from models.injury import InjuryScheme, InjuryStage
from services.demo import load_demo_data
from services.injury import claims, progress
from services.injury.pdf import injury_summary_pdf
from tests.accident.test_injury_services import REP_XH, accident, member
from tests.claims.test_claim_pdf_looks import _substitute_font

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "accident"
TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 6, 15, 2, tzinfo=UTC), tick=True):
        yield


def _ink(png: Path) -> float:
    """The share of the page that is not white."""
    image = Image.open(png).convert("L")
    dark = sum(1 for px in image.getdata() if px < 200)
    return dark / (image.width * image.height)


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_injury_summary_is_readable_in_both_languages(sqlite_url: str, lang: str) -> None:
    for tool in ("pdftoppm", "pdftotext", "fc-match"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    engine = make_engine(sqlite_url)
    async with make_sessionmaker(engine)() as s:
        await load_demo_data(s)
        rider = await member(s, 720001, lang=lang)
        staff = (await s.execute(select(User).where(User.telegram_id == REP_XH))).scalar_one()
        case = await accident(s, rider, when=datetime(2026, 6, 9, 3, tzinfo=UTC))
        view = await claims.open_claim(
            s,
            case_id=case.id,
            actor=staff,
            today=TODAY,
            accident_on=date(2026, 6, 9),
            scheme=InjuryScheme.work_injury,
            injury="右手腕骨折 & 擦伤",
            hospital="浙大二院",
        )
        await progress.move_stage(
            s,
            claim_id=view.claim.id,
            actor=staff,
            stage=InjuryStage.reported,
            on=date(2026, 6, 10),
            today=TODAY,
        )
        pdf = await injury_summary_pdf(s, claim_id=view.claim.id, viewer=staff, today=TODAY)
        await s.commit()
    await engine.dispose()

    pages, drawn = await asyncio.to_thread(_render, pdf.data, lang)
    assert pages and all(_ink(p) > 0.01 for p in pages)  # something is drawn on every page
    assert case.ref in drawn and "右手腕骨折 & 擦伤" in drawn and "<b>" not in drawn
    assert "2026-06-10" in drawn and "2027-06-09" in drawn  # reported; submitted within a year
    assert "工伤保险条例" in drawn
    # No empty boxes: the font poppler draws the (not embedded) CJK font with has them all.
    cmap = _substitute_font().getBestCmap()
    assert not sorted(c for c in set(drawn) - set(" \n\x0c") if ord(c) not in cmap)
    if lang == "zh":
        assert "工伤索赔摘要" in drawn and "工伤保险" in drawn and "示例期限" in drawn
    else:
        assert "Injury claim summary" in drawn and "Work-injury insurance" in drawn
        assert "demo figure" in drawn and "Hospital papers" in drawn


def _render(data: bytes, lang: str) -> tuple[list[Path], str]:
    """The pages as PNGs (look at them) and the text poppler reads back."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"injury-summary-{lang}.pdf"
    path.write_bytes(data)
    for old in ARTIFACTS.glob(f"injury-summary-{lang}-*.png"):
        old.unlink()
    prefix = str(ARTIFACTS / f"injury-summary-{lang}")
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(path), prefix], check=True)
    drawn = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return sorted(ARTIFACTS.glob(f"injury-summary-{lang}-*.png")), drawn
