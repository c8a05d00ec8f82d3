"""Issue categories, their first answers and the first-response SLA, read from a data file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

from models import Severity
from services.errors import Invalid

DATA = Path(__file__).resolve().parents[1] / "data" / "categories.toml"


@dataclass(frozen=True)
class Category:
    code: str
    emoji: str
    severity: Severity
    names: dict[str, str]
    guidance: dict[str, str]
    sla_minutes: dict[Severity, int]
    # False for cases that come through their own flow (wage claims via /claim): they sit in
    # the queue like any case but are not offered in /report.
    reportable: bool = True

    def name(self, lang: str) -> str:
        return f"{self.emoji} {self.names.get(lang) or self.names['zh']}"

    def first_guidance(self, lang: str) -> str:
        return self.guidance.get(lang) or self.guidance["zh"]


@dataclass(frozen=True)
class Policy:
    categories: dict[str, Category]
    collective_radius_m: float
    collective_window: timedelta
    service_radius_km: float


def load_policy(path: Path = DATA) -> Policy:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    base = {Severity(k): int(v) for k, v in raw["sla"].items()}
    missing = set(Severity) - set(base)
    if missing:
        raise ValueError(f"{path.name}: [sla] lacks {sorted(missing)}")
    cats: dict[str, Category] = {}
    for item in raw["category"]:
        code = item["code"]
        if code in cats:
            raise ValueError(f"{path.name}: category {code} is defined twice")
        override = {Severity(k): int(v) for k, v in item.get("sla", {}).items()}
        cats[code] = Category(
            code=code,
            emoji=item.get("emoji", ""),
            severity=Severity(item["severity"]),
            names={"zh": item["name_zh"], "en": item["name_en"]},
            guidance={"zh": item["guidance_zh"].strip(), "en": item["guidance_en"].strip()},
            sla_minutes={**base, **override},
            reportable=bool(item.get("reportable", True)),
        )
    return Policy(
        categories=cats,
        collective_radius_m=float(raw["collective"]["radius_m"]),
        collective_window=timedelta(days=float(raw["collective"]["window_days"])),
        service_radius_km=float(raw["service_area"]["radius_km"]),
    )


@cache
def policy() -> Policy:
    return load_policy()


def categories(*, reportable_only: bool = False) -> list[Category]:
    return [c for c in policy().categories.values() if c.reportable or not reportable_only]


def category(code: str) -> Category:
    found = policy().categories.get(code)
    if found is None:
        raise Invalid("unknown_category", code=code)
    return found
