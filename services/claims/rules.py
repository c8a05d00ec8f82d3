"""What a wage claim accepts: its stages, the evidence checklist, evidence files recognised
by their content, and the checks of what a rider typed."""

from __future__ import annotations

import hashlib
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from models.claims import (
    ClaimStage,
    WorkRelation,
)
from services.cases.attachments import Upload, sniff_image
from services.errors import Invalid

CATEGORY = "wage_arrears"
S = ClaimStage
OPEN_STAGES = (S.intake, S.evidence, S.negotiation, S.mediation, S.arbitration)
FINAL_STAGES = (S.recovered, S.withdrawn, S.lost)
# From arbitration on, the claim stands as it was submitted: facts and evidence are locked.
LOCKED_STAGES = (S.arbitration, *FINAL_STAGES)
ORDER = {stage: i for i, stage in enumerate(OPEN_STAGES)}
NAME_LIMIT = 100
ORDERS_LIMIT = 1000
EVIDENCE_TYPES = {
    "application/pdf", "image/jpeg", "image/png", "image/webp", "image/heic", "text/plain",
    "text/csv", "application/msword", "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "audio/mpeg", "audio/mp4", "audio/amr", "audio/ogg", "video/mp4",
}  # fmt: skip
EVIDENCE_EXTENSIONS = "pdf jpg jpeg png webp heic txt csv doc docx xls xlsx mp3 m4a amr ogg mp4"
DATA = Path(__file__).resolve().parents[1] / "data" / "evidence.toml"


@cache
def _evidence() -> dict[str, Any]:
    raw = tomllib.loads(DATA.read_text(encoding="utf-8"))
    for relation in WorkRelation:
        unknown = set(raw["relations"][relation.value]) - set(raw["items"])
        if unknown:
            raise ValueError(f"{DATA.name}: {relation.value} lists unknown items {unknown}")
    return raw


def checklist(relation: WorkRelation | str) -> list[str]:
    """The evidence items that matter for this work relation, most important first."""
    return list(_evidence()["relations"][WorkRelation(relation).value])


def item_name(lang: str, item: str) -> str:
    entry = _evidence()["items"].get(item)
    if entry is None:
        raise Invalid("evidence_item_unknown")
    return str(entry.get(lang) or entry["zh"])


def item_hint(lang: str, item: str) -> str:
    entry = _evidence()["items"][item]
    return str(entry.get(f"hint_{lang}") or entry["hint_zh"])


@dataclass(frozen=True)
class EvidenceFile:
    item: str
    file_id: str
    kind: str = "photo"  # photo | document
    file_unique_id: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None


def check_evidence_file(ev: EvidenceFile, *, max_bytes: int) -> None:
    """Refuses files over the size limit and types a mediator could not open."""
    if ev.size is not None and ev.size > max_bytes:
        raise Invalid("evidence_too_big", limit_mb=round(max_bytes / (1024 * 1024), 1))
    if ev.kind == "photo":
        return
    ext = (ev.file_name or "").rsplit(".", 1)[-1].lower() if "." in (ev.file_name or "") else ""
    if (ev.mime_type or "") not in EVIDENCE_TYPES and ext not in EVIDENCE_EXTENSIONS.split():
        raise Invalid("evidence_type", allowed=EVIDENCE_EXTENSIONS.replace(" ", ", "))


# Evidence uploaded from the app is recognised by its first bytes, never by its name: each
# signature with the types it can be (extension -> mime type); zip, OLE and plain text hold
# several, and the file's name picks one of those.
_SIGNATURES: tuple[tuple[int, bytes, dict[str, str]], ...] = (
    (0, b"%PDF-", {"pdf": "application/pdf"}),
    (4, b"ftyp", {"mp4": "video/mp4", "m4a": "audio/mp4", "heic": "image/heic"}),
    (0, b"ID3", {"mp3": "audio/mpeg"}),
    (0, b"\xff\xfb", {"mp3": "audio/mpeg"}),
    (0, b"OggS", {"ogg": "audio/ogg"}),
    (0, b"#!AMR", {"amr": "audio/amr"}),
    (0, b"PK\x03\x04", {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
     {"doc": "application/msword", "xls": "application/vnd.ms-excel"}),
)  # fmt: skip
_TEXT = {"txt": "text/plain", "csv": "text/csv"}


def sniff_evidence(data: bytes) -> dict[str, str] | None:
    """What an evidence file can be by its content (extension -> mime type), or None."""
    if image := sniff_image(data):
        mime, ext = image
        return {"jpg": mime, "jpeg": mime} if mime == "image/jpeg" else {ext[1:]: mime}
    for offset, magic, types in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return types
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if decoded and not any(ord(ch) < 32 and ch not in "\t\r\n\f" for ch in decoded):
        return _TEXT
    return None


@dataclass(frozen=True)
class EvidenceUpload:
    """An evidence file from the app, checked and not yet on disk."""

    evidence: EvidenceFile
    upload: Upload


def check_evidence_upload(
    data: bytes,
    *,
    item: str,
    file_name: str | None,
    content_type: str | None,
    dir: Path | str,
    max_bytes: int,
) -> EvidenceUpload:
    """The content decides what the file is; a name or content type saying otherwise is
    refused (a text file called `.jpg` is not a photo). Kept by its SHA-256 under `dir`."""
    name = " ".join((file_name or "").split())[-200:] or None
    types = sniff_evidence(data)
    if types is None:
        raise Invalid("evidence_type", allowed=EVIDENCE_EXTENSIONS.replace(" ", ", "))
    ext = name.rsplit(".", 1)[-1].lower() if name and "." in name else ""
    declared = (content_type or "").split(";")[0].strip().lower()
    said = {*types.values(), "image/jpg" if "jpg" in types else "", "application/octet-stream", ""}
    if (ext and ext not in types) or declared not in said:
        raise Invalid("evidence_mismatch", name=name or declared, found=", ".join(types))
    ext = ext or next(iter(types))
    mime = types[ext]
    digest = hashlib.sha256(data).hexdigest()
    upload = Upload(data=data, mime_type=mime, sha256=digest, ext="." + ext)
    # The app's files have no Telegram file id: the stored path stands in, the hash is unique.
    ev = EvidenceFile(
        item=item,
        file_id=str(upload.path_in(dir)),
        file_unique_id=digest,
        file_name=name,
        kind="photo" if sniff_image(data) else "document",
        mime_type=mime,
        size=len(data),
    )
    check_evidence_file(ev, max_bytes=max_bytes)
    return EvidenceUpload(ev, upload)


def clean_counterparty(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise Invalid("counterparty_empty")
    if len(name) > NAME_LIMIT:
        raise Invalid("counterparty_too_long", limit=NAME_LIMIT)
    return name


def counterparty_key(name: str) -> str:
    """The name folded so `顺丰 速运`, `顺丰速运` and `ＳＦ` vs `sf` group together."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())[:128]


def check_period(start: date, end: date) -> None:
    if end < start:
        raise Invalid("period_end_before_start", start=start.isoformat(), end=end.isoformat())


def check_work_end(ended: date, *, period_start: date) -> None:
    if ended < period_start:
        raise Invalid("work_end_before_period", start=period_start.isoformat())


def clean_orders(raw: str) -> str:
    orders = raw.strip()
    if len(orders) > ORDERS_LIMIT:
        raise Invalid("orders_too_long", limit=ORDERS_LIMIT)
    return orders
