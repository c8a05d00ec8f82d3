"""Photos and voice notes on cases: limits, and on-disk storage for uploads from the app."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from services.errors import Invalid

MAX_PHOTOS = 5  # in one report, or one addition
MAX_CASE_PHOTOS = 2 * MAX_PHOTOS  # on a case in all, however they came
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_VOICE_BYTES = 20 * 1024 * 1024

# Recognised by their first bytes, never by a file name or a claimed type.
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
IMAGE_TYPES = frozenset(mime for _, mime, _ in _MAGIC) | {"image/webp"}


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


@dataclass(frozen=True)
class Upload:
    """An uploaded photo checked by its content, not yet on disk."""

    data: bytes
    mime_type: str
    sha256: str
    ext: str

    @property
    def size(self) -> int:
        return len(self.data)

    def path_in(self, dir: Path | str) -> Path:
        """Where it is kept: named by its SHA-256, so the same photo twice is one file."""
        return Path(dir) / self.sha256[:2] / f"{self.sha256}{self.ext}"


def check_upload(data: bytes, *, content_type: str | None) -> Upload:
    """The content decides what it is; a content type that disagrees is refused."""
    check_photo(size=len(data))
    found = sniff_image(data)
    if found is None:
        raise Invalid("not_an_image")
    mime, ext = found
    if content_type and content_type.split(";")[0].strip().lower() not in (mime, "image/jpg"):
        raise Invalid("not_an_image")
    return Upload(data=data, mime_type=mime, sha256=hashlib.sha256(data).hexdigest(), ext=ext)


def save_upload(upload: Upload, *, dir: Path | str) -> Path:
    """Write a checked upload, once: call it only after the rows naming it are accepted, so a
    refused request leaves no file behind (and no file is ever deleted that a row may use)."""
    path = upload.path_in(dir)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f"{path.suffix}.{os.getpid()}-{id(upload)}.part")
        tmp.write_bytes(upload.data)
        tmp.replace(path)  # atomic: a reader never sees half a photo
    return path


def store_upload(data: bytes, *, content_type: str | None, dir: Path | str) -> tuple[Path, str]:
    """Check and keep an uploaded photo under `dir` named by its SHA-256."""
    upload = check_upload(data, content_type=content_type)
    return save_upload(upload, dir=dir), upload.sha256


def served_path(path: str | None, *, dir: Path | str) -> Path | None:
    """A stored attachment's file, only if it lies inside the upload folder and exists."""
    if not path:
        return None
    root = Path(dir).resolve()
    found = Path(path).resolve()
    if not found.is_relative_to(root) or not found.is_file():
        return None
    return found
