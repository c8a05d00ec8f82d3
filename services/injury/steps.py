"""The accident steps of each city: what to do now, what to keep, whom to tell by when, and
the deadlines of an injury claim's stages, read from services/data/accident_steps/*.toml.

Texts are in both languages inside each file (the city's own numbers, offices and rules), so
a city is added by adding one file; the frames around them are catalogue keys. Every file is
checked when loaded and every problem is named by file; nothing is half-loaded.
"""

from __future__ import annotations

import html
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from models.injury import InjuryScheme
from services.claims.deadline import one_year_after
from services.texts import Raw, text

DIR = Path(__file__).resolve().parents[1] / "data" / "accident_steps"
# The stages that have a deadline, in order (models.injury.InjuryStage).
DEADLINE_STAGES = ("reported", "documents", "submitted", "decided", "paid")
MAX_DAYS = 3 * 366


class StepsError(ValueError):
    """One or more step files are wrong; the message names each problem by file."""


@dataclass(frozen=True)
class Line:
    zh: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Tell:
    who: Line
    within_hours: int


@dataclass(frozen=True)
class Rule:
    """A stage's deadline: so many days (or years) after the accident or an earlier stage."""

    start: str  # "accident" or a stage
    days: int = 0
    years: int = 0
    source: str = ""  # the rule it comes from; empty: a demo figure

    def due(self, base: date) -> date:
        day = base
        for _ in range(self.years):
            day = one_year_after(day)
        return day + timedelta(days=self.days)


@dataclass(frozen=True)
class CitySteps:
    city: str
    name: Line
    zones: tuple[str, ...]
    default: bool
    scheme: InjuryScheme
    now: tuple[Line, ...]
    keep: tuple[Line, ...]
    tell: tuple[Tell, ...]
    schemes: Mapping[InjuryScheme, Mapping[str, Rule]]

    def plan(self, scheme: InjuryScheme) -> Mapping[str, Rule]:
        return self.schemes[scheme]


def _line(raw: Any, where: str, problems: list[str], zh: str = "zh", en: str = "en") -> Line:
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a table with {zh} and {en}")
        return Line("", "")
    values = []
    for key in (zh, en):
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: {key} is missing or empty")
            value = ""
        values.append(value.strip())
    return Line(*values)


def _rule(raw: Any, where: str, stage: str, problems: list[str]) -> Rule | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: {stage} needs a deadline table")
        return None
    unknown = set(raw) - {"days", "years", "from", "source"}
    if unknown:
        problems.append(f"{where}: {stage} has unknown keys {sorted(unknown)}")
    days, years = raw.get("days", 0), raw.get("years", 0)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (days, years)):
        problems.append(f"{where}: {stage}'s days and years must be whole numbers")
        return None
    if days < 0 or years < 0 or days + years == 0 or days > MAX_DAYS or years > 3:
        problems.append(f"{where}: {stage}'s deadline must be 1 to {MAX_DAYS} days or 1 to 3 years")
        return None
    start = raw.get("from")
    earlier = ("accident", *DEADLINE_STAGES[: DEADLINE_STAGES.index(stage)])
    if start not in earlier:
        problems.append(f"{where}: {stage} counts from {start!r}; one of {list(earlier)}")
        return None
    source = raw.get("source", "")
    if not isinstance(source, str):
        problems.append(f"{where}: {stage}'s source must be text")
        source = ""
    return Rule(start=start, days=days, years=years, source=source.strip())


def parse(raw: dict[str, Any], name: str) -> tuple[CitySteps | None, list[str]]:
    """One file's contents, or the problems found in it (each starting with the file name)."""
    problems: list[str] = []
    city = raw.get("city")
    if not isinstance(city, str) or not city.isidentifier():
        problems.append(f"{name}: city must be a short name (letters, digits, _)")
        city = ""
    label = _line(raw, f"{name}", problems, "name_zh", "name_en")
    zones = raw.get("zones")
    if not isinstance(zones, list) or not all(isinstance(z, str) and z for z in zones):
        problems.append(f"{name}: zones must be a list of zone codes")
        zones = []
    default = raw.get("default", False) is True
    if not default and not zones:
        problems.append(f"{name}: a city file names at least one zone")
    try:
        scheme = InjuryScheme(raw.get("scheme"))
    except ValueError:
        problems.append(f"{name}: scheme must be one of {[s.value for s in InjuryScheme]}")
        scheme = InjuryScheme.occupational
    sections: dict[str, tuple[Any, ...]] = {}
    for section in ("now", "keep", "tell"):
        items = raw.get(section)
        if not isinstance(items, list) or not items:
            problems.append(f"{name}: [[{section}]] needs at least one entry")
            items = []
        parsed: list[Any] = []
        for i, item in enumerate(items):
            where = f"{name}: {section}[{i}]"
            if section != "tell":
                parsed.append(_line(item, where, problems))
                continue
            who = _line(item, where, problems, "who_zh", "who_en")
            hours = item.get("within_hours") if isinstance(item, dict) else None
            if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 24 * 90:
                problems.append(f"{where}: within_hours must be 1 to {24 * 90}")
                hours = 0
            parsed.append(Tell(who, hours))
        sections[section] = tuple(parsed)
    schemes: dict[InjuryScheme, dict[str, Rule]] = {}
    raw_schemes = raw.get("schemes") if isinstance(raw.get("schemes"), dict) else {}
    for s in InjuryScheme:
        plan = raw_schemes.get(s.value)
        where = f"{name}: schemes.{s.value}"
        if not isinstance(plan, dict):
            problems.append(f"{where} is missing")
            continue
        unknown = set(plan) - set(DEADLINE_STAGES)
        if unknown:
            problems.append(f"{where} has unknown stages {sorted(unknown)}")
        rules = {st: _rule(plan.get(st), where, st, problems) for st in DEADLINE_STAGES}
        schemes[s] = {st: r for st, r in rules.items() if r is not None}
    unknown = set(raw) - {
        "city",
        "name_zh",
        "name_en",
        "zones",
        "default",
        "scheme",
        "now",
        "keep",
        "tell",
        "schemes",
    }
    if unknown:
        problems.append(f"{name}: unknown keys {sorted(unknown)}")
    if problems:
        return None, problems
    steps = CitySteps(
        city=city,
        name=label,
        zones=tuple(zones),
        default=default,
        scheme=scheme,
        now=sections["now"],
        keep=sections["keep"],
        tell=sections["tell"],
        schemes=schemes,
    )
    return steps, []


def load_dir(path: Path = DIR) -> dict[str, CitySteps]:
    """Every city file of the folder, checked together: one default file, each zone in at
    most one city, each city once. Any problem raises StepsError naming all of them."""
    problems: list[str] = []
    found: dict[str, CitySteps] = {}
    owner: dict[str, str] = {}
    for file in sorted(path.glob("*.toml")):
        try:
            raw = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(f"{file.name}: not valid TOML: {exc}")
            continue
        steps, found_problems = parse(raw, file.name)
        problems += found_problems
        if steps is None:
            continue
        if steps.city in found:
            problems.append(f"{file.name}: city {steps.city!r} is defined twice")
        for zone in steps.zones:
            if zone in owner:
                problems.append(f"{file.name}: zone {zone} is already served by {owner[zone]}")
            owner[zone] = file.name
        found[steps.city] = steps
    defaults = [s.city for s in found.values() if s.default]
    if len(defaults) != 1 and not problems:
        problems.append(f"{path.name}: exactly one file must say default = true, not {defaults}")
    if problems:
        raise StepsError("accident steps: " + "; ".join(problems))
    return found


@cache
def all_steps() -> dict[str, CitySteps]:
    return load_dir(DIR)


def by_city(city: str) -> CitySteps:
    steps = all_steps()
    return steps.get(city) or default_steps()


def default_steps() -> CitySteps:
    return next(s for s in all_steps().values() if s.default)


def for_zone(code: str | None) -> CitySteps:
    """The steps of the city serving this zone; the default file's for any other."""
    for steps in all_steps().values():
        if code is not None and code in steps.zones:
            return steps
    return default_steps()


def deadline_source(lang: str, rule: Rule) -> str:
    return rule.source or text(lang, "accident.demo_figure")


def hours_text(lang: str, hours: int) -> str:
    if hours % 24 == 0 and hours >= 48:
        return text(lang, "accident.within_days", days=hours // 24)
    return text(lang, "accident.within_hours", hours=hours)


def steps_text(lang: str, steps: CitySteps) -> str:
    """The steps as one chat message in the reader's language (Telegram HTML)."""

    def listed(lines: tuple[Line, ...]) -> Raw:
        return Raw("\n".join(f"• {_esc(line(lang))}" for line in lines))

    tell = Raw(
        "\n".join(
            f"• {_esc(t.who(lang))} — {_esc(hours_text(lang, t.within_hours))}" for t in steps.tell
        )
    )
    return text(
        lang,
        "accident.steps",
        city=steps.name(lang),
        now=listed(steps.now),
        keep=listed(steps.keep),
        tell=tell,
    )


def _esc(value: str) -> str:
    return html.escape(value, quote=False)
