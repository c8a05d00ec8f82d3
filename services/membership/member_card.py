"""Member cards: a signed token a representative can check, and the PNG with its QR code.

The token is `<membership id>.<HMAC-SHA256 of "card:<id>:<member number>">` (base64url,
truncated to 128 bits) — short enough for a small QR code, impossible to forge without the
secret key, and checked against the database so a card of someone who left shows as such.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
from dataclasses import dataclass
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy.ext.asyncio import AsyncSession

from models import Zone
from models.membership import Membership, MembershipStatus
from services.local_time import local_date
from services.membership.own_view import CardInfo
from services.texts import text

# Debian's fonts-noto-cjk (or fonts-wqy-zenhei); without them Chinese falls back to DejaVu
# and Pillow's own font, which cannot draw CJK, so the card then shows the member number.
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
LATIN_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)


def _sign(secret: str, membership_id: int, number: str) -> str:
    mac = hmac.new(secret.encode(), f"card:{membership_id}:{number}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:16]).decode().rstrip("=")


def card_token(secret: str, *, membership_id: int, number: str) -> str:
    return f"{membership_id}.{_sign(secret, membership_id, number)}"


def verify_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/verify/{token}"


def card_link(card: CardInfo, *, secret: str, base_url: str) -> str:
    """What the card's QR code opens, the same in chat, the app and the card image."""
    token = card_token(secret, membership_id=card.membership_id, number=card.number)
    return verify_url(base_url, token)


def card_day(card: CardInfo, zone: str | None = None) -> str:
    """The day printed on the card: the day of joining in the desk's zone."""
    return local_date(card.joined, zone)


@dataclass(frozen=True)
class Verification:
    valid: bool
    number: str | None = None
    initial: str | None = None
    zone_code: str | None = None
    zone_zh: str | None = None
    zone_en: str | None = None
    status: str | None = None  # "active" or "left"


async def verify_token(session: AsyncSession, *, secret: str, token: str) -> Verification:
    """Genuine card or not, and whether its holder is still a member. Never the phone."""
    head, _, sig = token.partition(".")
    if not head.isdigit() or not sig or len(token) > 80:
        return Verification(valid=False)
    m = await session.get(Membership, int(head))
    if m is None or not m.member_number:
        return Verification(valid=False)
    if not hmac.compare_digest(sig, _sign(secret, int(head), m.member_number)):
        return Verification(valid=False)
    zone = await session.get(Zone, m.zone_id) if m.zone_id else None
    return Verification(
        valid=True,
        number=m.member_number,
        # A left member shows no initial: a name kept for a pending claim is not for the public.
        initial=((m.name or "")[:1] or None) if m.status is MembershipStatus.active else None,
        zone_code=zone.code if zone else None,
        zone_zh=zone.name_zh if zone else None,
        zone_en=zone.name_en if zone else None,
        status="active" if m.status is MembershipStatus.active else "left",
    )


def _font(size: int, *, cjk: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in (CJK_FONTS if cjk else ()) + LATIN_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def has_cjk_font() -> bool:
    return any(Path(p).exists() for p in CJK_FONTS)


def _qr_image(data: str, size: int) -> Image.Image:
    qr = qrcode.QRCode(border=2, box_size=8, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(data)
    qr.make(fit=True)
    image = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    return image.resize((size, size))


def qr_png(data: str, size: int = 480) -> bytes:
    """A plain QR code, e.g. of a representative's invite link."""
    out = io.BytesIO()
    _qr_image(data, size).save(out, format="PNG")
    return out.getvalue()


def render_card_png(card: CardInfo, *, lang: str, url: str, date: str) -> bytes:
    """A 900×520 card: union title, name, number, zone, join date, verifier, QR code."""
    width, height = 900, 520
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, width, 90), fill=(178, 34, 34))
    cjk = has_cjk_font()
    title, body, small = _font(40, cjk=cjk), _font(30, cjk=cjk), _font(24, cjk=cjk)

    def say(value: str) -> str:
        # Without a CJK font Chinese would draw as boxes; drop to the ASCII parts.
        return value if cjk else value.encode("ascii", "ignore").decode() or "-"

    draw.text((30, 22), say(text(lang, "membership.card_title")), font=title, fill="white")
    lines = [
        (text(lang, "membership.card_name"), card.name),
        (text(lang, "membership.card_number"), card.number),
        (text(lang, "membership.card_zone"), card.zone),
        (text(lang, "membership.card_joined"), date),
        (text(lang, "membership.card_verified_by"), card.verified_by),
    ]
    y = 130
    for label, value in lines:
        draw.text((30, y), say(label), font=small, fill=(90, 90, 90))
        draw.text((200, y - 4), say(value), font=body, fill="black")
        y += 62
    img.paste(_qr_image(url, 300), (width - 330, 130))
    draw.text(
        (width - 330, 440), say(text(lang, "membership.card_scan")), font=small, fill=(90, 90, 90)
    )
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()
