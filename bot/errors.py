"""Domain errors into sentences: `error.<code>` from the catalogue, with the error's params."""

from __future__ import annotations

from services.errors import DomainError
from services.texts import Translate, catalogue


def explain(t: Translate, err: DomainError) -> str:
    key = f"error.{err.code}"
    if key not in catalogue(t.lang):
        key = "error.generic"
    return t(key, **err.params)
