"""Regenerate sandbox/botapi_methods.json from the shared Bot API description.

Usage: python -m sandbox.gen_spec [path/to/api.json]

The running sandbox reads only the trimmed copy, so it does not depend on ../shared.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parent.parent / "shared" / "telegram-bot-api" / "api.json"
TARGET = HERE / "botapi_methods.json"


def trim(api: dict) -> dict:
    """Keep, per method, the field names split into required and optional."""
    methods = {}
    for name, method in sorted(api["methods"].items()):
        fields = method.get("fields", [])
        methods[name] = {
            "required": [f["name"] for f in fields if f["required"]],
            "optional": [f["name"] for f in fields if not f["required"]],
        }
    return {"version": api.get("version"), "methods": methods}


def main(argv: list[str]) -> None:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    api = json.loads(source.read_text(encoding="utf-8"))
    TARGET.write_text(json.dumps(trim(api), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {TARGET} ({len(api['methods'])} methods, {api.get('version')})")


if __name__ == "__main__":
    main(sys.argv)
