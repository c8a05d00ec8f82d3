"""Photos and voice notes on cases: limits, and on-disk storage for uploads from the app."""

from __future__ import annotations

import hashlib
from pathlib import Path

from services.errors import Invalid

MAX_PHOTOS = 5
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_VOICE_BYTES = 20 * 1024 * 1024

# Recognised by their first bytes, never by a file name or a claimed type.
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


def sniff_image(data: bytes) -> tuple[str, str] | None:
    """(mime type, extension) of a JPEG, PNG or WebP image, or None."""
    for magic, mime, ext in _MAGIC:
        if data.startswith(magic):
            return mime, ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


def check_photo(*, size: int | None) -> None:
    if size is not None and size > MAX_PHOTO_BYTES:
        raise Invalid("photo_too_big", limit_mb=MAX_PHOTO_BYTES // (1024 * 1024))


def store_upload(data: bytes, *, content_type: str | None, dir: Path | str) -> tuple[Path, str]:
    """Keep an uploaded photo under `dir` named by its SHA-256 (the same photo twice is one
    file). The content decides what it is; a content type that disagrees is refused."""
    check_photo(size=len(data))
    found = sniff_image(data)
    if found is None:
        raise Invalid("not_an_image")
    mime, ext = found
    if content_type and content_type.split(";")[0].strip().lower() not in (mime, "image/jpg"):
        raise Invalid("not_an_image")
    digest = hashlib.sha256(data).hexdigest()
    folder = Path(dir) / digest[:2]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}{ext}"
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)  # atomic: a reader never sees half a photo
    return path, digest
