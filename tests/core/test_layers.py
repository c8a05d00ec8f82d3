"""Arrows point down: nothing in services/ or models/ imports aiogram or aiohttp."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("aiogram", "aiohttp", "bot", "api", "app", "sandbox", "web")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", ["services", "models"])
def test_lower_layers_do_not_import_channels(layer: str) -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & set(FORBIDDEN))
        for p in (ROOT / layer).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


# The channels sit side by side: each translates for its own people and calls services/
# (api/app.py mounts the web desk and bot/ serves the webhook over aiohttp: those may stay).
SIBLINGS = {"api": ("bot", "aiogram"), "bot": ("api", "web"), "web": ("bot", "aiogram")}


@pytest.mark.parametrize("channel", sorted(SIBLINGS))
def test_channels_do_not_import_each_other(channel: str) -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & set(SIBLINGS[channel]))
        for p in (ROOT / channel).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
