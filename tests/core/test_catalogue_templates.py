"""Keys built by f-string exist too: every f"ns.{...}" template in the code (a JoinedStr whose
literal start names a catalogue namespace: passed to t()/text(), kept in a variable or a dict)
is expanded over the values its placeholders can take, and each key must be in zh and en.

A placeholder's values come from the code itself when it is the variable of a loop over a
literal (or a module constant), or a choice between two literals; otherwise from VALUES below
(the enums and constants the code draws them from). A template neither can expand must be in
UNEXPANDED with the reason, so a new template the test cannot see through fails here."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import get_args

from services.texts import LANGUAGES, catalogue

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("bot", "services", "api", "web", "app")
KEYS = {lang: set(catalogue(lang)) for lang in LANGUAGES}
NAMESPACES = {key.split(".")[0] for key in KEYS["en"]}


@dataclass
class Template:
    """One normalised template ("cases.status.{}") and where the code builds it."""

    text: str
    places: list[str] = field(default_factory=list)
    # The values found in the code, per occurrence: None where a placeholder is not literal.
    found: list[list[tuple[str, ...] | None]] = field(default_factory=list)


def _literal_strings(
    node: ast.AST, module: ast.Module, scopes: tuple[ast.AST, ...]
) -> tuple[str, ...] | None:
    """The strings a literal tuple/list/set contains, or a name assigned one in the enclosing
    function or the module."""
    if isinstance(node, ast.Name):
        for scope in scopes:
            for stmt in ast.walk(scope) if scope is not module else module.body:
                if isinstance(stmt, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == node.id for t in stmt.targets
                ):
                    return _literal_strings(stmt.value, module, ())
        return None
    if isinstance(node, ast.Tuple | ast.List | ast.Set) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
    ):
        return tuple(e.value for e in node.elts)  # type: ignore[attr-defined]
    return None


def _ancestors(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> list[ast.AST]:
    found = []
    while node in parents:
        node = parents[node]
        found.append(node)
    return found


def _placeholder_values(
    expr: ast.AST, parents: dict[ast.AST, ast.AST], module: ast.Module
) -> tuple[str, ...] | None:
    if isinstance(expr, ast.IfExp):
        body, other = expr.body, expr.orelse
        if isinstance(body, ast.Constant) and isinstance(other, ast.Constant):
            return (str(body.value), str(other.value))
        return None
    if not isinstance(expr, ast.Name):
        return None
    node: ast.AST | None = expr
    while node is not None:
        loops: list[ast.For | ast.comprehension] = []
        if isinstance(node, ast.For):
            loops = [node]
        elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            loops = list(node.generators)
        for loop in loops:
            if isinstance(loop.target, ast.Name) and loop.target.id == expr.id:
                functions = [
                    p
                    for p in _ancestors(node, parents)
                    if isinstance(p, ast.AsyncFunctionDef | ast.FunctionDef)
                ]
                return _literal_strings(loop.iter, module, (*functions[:1], module))
        node = parents.get(node)
    return None


def templates() -> dict[str, Template]:
    found: dict[str, Template] = {}
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            module = ast.parse(path.read_text(encoding="utf-8"))
            parents = {c: p for p in ast.walk(module) for c in ast.iter_child_nodes(p)}
            for node in ast.walk(module):
                if not isinstance(node, ast.JoinedStr) or not node.values:
                    continue
                head = node.values[0]
                if not (isinstance(head, ast.Constant) and isinstance(head.value, str)):
                    continue
                if " " in head.value or head.value.split(".")[0] not in NAMESPACES:
                    continue
                if "." not in head.value:
                    continue
                text = "".join(
                    v.value if isinstance(v, ast.Constant) else "{}"
                    for v in node.values  # type: ignore[misc]
                )
                entry = found.setdefault(text, Template(text))
                entry.places.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                entry.found.append(
                    [
                        _placeholder_values(v.value, parents, module)
                        for v in node.values
                        if isinstance(v, ast.FormattedValue)
                    ]
                )
    return found


def _error_codes() -> set[str]:
    """Every code a DomainError is raised with (its first argument). A bare Invalid() and
    the like is told with the generic sentence (bot/errors.py, api/problems.py, web/texts.py
    fall back to it), so the classes' default codes need no text of their own."""
    names = {"DomainError", "Invalid", "NotFound", "Forbidden", "Conflict"}
    codes: set[str] = set()
    for layer in LAYERS:
        for path in (ROOT / layer).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                first = node.args[0]
                if name in names and isinstance(first, ast.Constant):
                    codes.add(str(first.value))
    return codes


def _event_kinds() -> set[str]:
    """Every kind a case event is recorded with (services.cases.events.record(kind=...))."""
    kinds: set[str] = set()
    for path in (ROOT / "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record":
                for kw in node.keywords:
                    if kw.arg == "kind" and isinstance(kw.value, ast.Constant):
                        kinds.add(kw.value.value)
    return kinds


def _values() -> dict[str, Callable[[], Iterable[tuple[str, ...] | str]]]:
    from bot.cases.triage import TEXT_ACTIONS
    from bot.membership.join_form import EDITABLE
    from bot.membership.join_steps import MULTI
    from bot.setup import STAFF_COMMANDS
    from bot.surveys.forms import KINDS as SURVEY_FORM_KINDS
    from models import CaseStatus, MembershipStatus, Severity
    from models.activists import ActivistStatus, StoryStatus
    from models.agenda import AgendaLevel, AgendaStatus, MeetingKind
    from models.cases import CollectiveStatus
    from models.claims import ClaimStage, CounterpartyKind, Disclosure, WorkRelation
    from models.injury import InjuryScheme, InjuryStage
    from models.surveys import SurveyKind
    from services.activists.volunteering import AVAILABILITY
    from services.claims.deadline import RESTART_REASONS, Deadline
    from services.claims.progress import allowed_moves
    from services.escalation.plan import Deadline as Step
    from services.membership.members import PLATFORMS, REJECT_REASONS, VEHICLES, WORK_KINDS
    from services.stations.kinds import KINDS as STATION_KINDS
    from services.stations.places import OFFERS as STATION_OFFERS
    from web.pages.charts import CHARTS

    def values(enum: type) -> list[str]:
        return [member.value for member in enum]  # type: ignore[attr-defined]

    moves = sorted({m.value for s in ClaimStage for m in allowed_moves(s)})
    basis = get_args(Deadline.__annotations__["basis"])
    return {
        "agenda.kind.{}": lambda: values(MeetingKind),
        "agenda.level.{}": lambda: values(AgendaLevel),
        "agenda.status.{}": lambda: values(AgendaStatus),
        # An injury claim's scheme and stage, and what the stage means (told to the rider).
        "accident.scheme.{}": lambda: values(InjuryScheme),
        "accident.stage.{}": lambda: values(InjuryStage),
        "accident.stage_means.{}": lambda: values(InjuryStage),
        "btn.claim_to_{}": lambda: moves,
        # The totals' "by" comes back in the callback of the buttons offering them.
        "btn.claim_totals_{}": lambda: ("zone", "counterparty", "month"),
        "btn.join_edit_{}": lambda: list(EDITABLE),
        "cases.event.{}": _event_kinds,
        "cases.severity.{}": lambda: values(Severity),
        "cases.status.{}": lambda: values(CaseStatus),
        "claims.cp.{}": lambda: values(CounterpartyKind),
        "claims.deadline.{}": lambda: basis,
        "claims.disc.{}": lambda: values(Disclosure),
        "claims.notice_recovered_{}": lambda: ("full", "partial"),  # progress.record_recovery
        "claims.outcome.{}": lambda: ("full", "partial"),
        "claims.rel.{}": lambda: values(WorkRelation),
        "claims.rel_means.{}": lambda: values(WorkRelation),
        "claims.restart.{}": lambda: RESTART_REASONS,
        "claims.stage.{}": lambda: values(ClaimStage),
        # The rider is told what a stage means when a representative moves the claim there
        # (`recovered` goes through record_recovery and its own notice).
        "claims.stage_means.{}": lambda: [m for m in moves if m != "recovered"],
        # bot/claims/form_steps.py _buttons(ctx, prefix, values): the prefixes it is given.
        "claims.{}.{}": lambda: [
            *(("cp", v) for v in values(CounterpartyKind)),
            *(("rel", v) for v in values(WorkRelation)),
            *(("work", v) for v in ("ongoing", "ended")),
            *(("disc", v) for v in values(Disclosure)),
        ],
        "cmd.{}": lambda: STAFF_COMMANDS,
        "desk.charts.series.{}": lambda: [
            key for *_, colours in CHARTS.values() for key in colours
        ],
        "desk.members.status.{}": lambda: values(MembershipStatus),
        "error.{}": _error_codes,
        # A "waiting" step reminds the rider or closes the case (notices._remind_rider,
        # _auto_close); only the staff's warnings and raises name their deadline.
        "escalation.deadline.{}": lambda: [
            k for k in get_args(Step.__annotations__["kind"]) if k != "waiting"
        ],
        "membership.ask_{}": lambda: list(MULTI),  # join_steps: the multiple choices' steps
        "membership.kind.{}": lambda: WORK_KINDS,
        "membership.platform.{}": lambda: PLATFORMS,
        "membership.reason.{}": lambda: REJECT_REASONS,
        "membership.status.{}": lambda: values(MembershipStatus),
        "membership.vehicle.{}": lambda: VEHICLES,
        # bot/membership join_steps._choices, join_form._labels: the prefixes they are given.
        "membership.{}.{}": lambda: [
            *(("platform", v) for v in PLATFORMS),
            *(("kind", v) for v in WORK_KINDS),
            *(("vehicle", v) for v in VEHICLES),
        ],
        "propose.level_button.{}": lambda: values(AgendaLevel),
        "stations.kind.{}": lambda: STATION_KINDS,
        "stations.offer.{}": lambda: list(STATION_OFFERS.values()),
        "surveys.form.kind_{}": lambda: SURVEY_FORM_KINDS,
        "surveys.how.{}": lambda: values(SurveyKind),
        "triage.collective_status.{}": lambda: values(CollectiveStatus),
        "triage.done_{}": lambda: list(TEXT_ACTIONS),  # the actions that ask for a text
        "verify.valid_{}": lambda: ("active", "left"),  # MemberCard.status
        # services/activists: a zone's agenda leaves resolved issues out.
        "activists.issue_status.{}": lambda: ("open", "raised"),
        "activists.status.{}": lambda: values(ActivistStatus),
        "activists.when.{}": lambda: AVAILABILITY,
        "stories.status.{}": lambda: values(StoryStatus),
    }


# Templates the test cannot expand, each with the reason that is safe.
UNEXPANDED = {
    "claims.tl.{}": "services/claims/pdf.py falls back to the event kind when the key is missing",
    "desk.audit.membership.{}": "web/pages/audit.py asks t.has(key) and shows the kind if not",
    "desk.error.title_{}": "web/middleware.py asks t.has(key), else desk.error.title_other",
}


def test_every_key_an_f_string_builds_exists() -> None:
    found = templates()
    assert "cases.status.{}" in found, "the scan found no templates: it would prove nothing"
    table = _values()
    missing: dict[str, list[str]] = {}
    unknown: dict[str, list[str]] = {}
    for text, template in sorted(found.items()):
        if text in UNEXPANDED:
            continue
        combos: set[tuple[str, ...]] = set()
        for literal in template.found:
            if all(v is not None for v in literal):
                combos |= set(itertools.product(*literal))  # type: ignore[arg-type]
            elif text in table:
                combos |= {(v,) if isinstance(v, str) else tuple(v) for v in table[text]()}
            else:
                unknown[text] = template.places
        for combo in combos:
            key = text.format(*combo)
            for lang in LANGUAGES:
                if key not in KEYS[lang]:
                    missing.setdefault(key, []).append(lang)
    assert unknown == {}, "templates to expand in VALUES or list in UNEXPANDED (with why)"
    assert missing == {}


def test_the_tables_name_only_templates_the_code_builds() -> None:
    found = templates()
    assert set(_values()) - set(found) == set()
    assert set(UNEXPANDED) - set(found) == set()
