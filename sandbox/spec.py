"""Access to the vendored Bot API method table (see gen_spec.py)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

SPEC_PATH = Path(__file__).resolve().parent / "botapi_methods.json"


@cache
def load_spec() -> dict:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def required_fields(method: str) -> list[str]:
    """Required parameter names of a Bot API method, in the order the docs list them."""
    return load_spec()["methods"][method]["required"]


def known_methods() -> set[str]:
    return set(load_spec()["methods"])
