"""GET /verify/<token>: is this member card genuine? HTML for a person scanning the QR code,
JSON for `Accept: application/json`. Shows the member number, the name's initial, zone and
whether the holder is still a member — never the phone number."""

from __future__ import annotations

from aiohttp import web

from api.keys import CTX
from services.membership.member_card import verify_token
from services.texts import Raw, normalise_language, text

routes = web.RouteTableDef()


@routes.get("/verify/{token}")
async def verify(request: web.Request) -> web.Response:
    ctx = request.app[CTX]
    async with ctx.sessions() as session:
        result = await verify_token(
            session,
            secret=ctx.settings.secret_key.get_secret_value(),
            token=request.match_info["token"],
        )
    if "application/json" in request.headers.get("Accept", ""):
        body = {
            "valid": result.valid,
            "member_number": result.number,
            "name_initial": result.initial,
            "zone": result.zone_code,
            "status": result.status,
        }
        return web.json_response(body, status=200 if result.valid else 404)
    lang = request.query.get("lang") or normalise_language(
        request.headers.get("Accept-Language", "").split(",")[0], ctx.settings.default_language
    )
    lang = normalise_language(lang)
    if result.valid:
        zone = result.zone_en if lang == "en" else result.zone_zh
        verdict = text(
            lang,
            f"verify.valid_{result.status}",
            number=result.number or "",
            initial=result.initial or "—",
            zone=zone or "—",
        )
    else:
        verdict = text(lang, "verify.invalid")
    page = text(lang, "verify.page", verdict=Raw(verdict), lang=lang)
    return web.Response(
        text=page, content_type="text/html", charset="utf-8", status=200 if result.valid else 404
    )
