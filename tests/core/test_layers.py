"""Arrows point down. The import contracts live in pyproject.toml ([tool.importlinter]):
services/ and models/ import no channel, transport or runtime (not even through another
module); the sandbox imports nothing of ours; bot, api and web do not import each other.
What import-linter cannot say is checked here by reading the source."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def test_import_contracts_hold() -> None:
    done = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_services_write_no_telegram_markup() -> None:
    """A service names its actions (services/actions.py); bot/actions.py makes the buttons."""
    markup = re.compile(r"callback_data|inline_keyboard")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "services").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if markup.search(line)
    ]
    assert offenders == []
