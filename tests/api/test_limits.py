"""The contract's limits are the desk's limits: every maxLength, minLength, minimum, maximum,
maxItems and minItems of every request body in the OpenAPI document equals the number the
services hold (one number each, read by the schema), so a client is never promised what the
service then refuses (the counterparty name said 500 characters; the service allows 100)."""

from __future__ import annotations

from typing import Any

from api.openapi import build
from api.v1 import api
from models import activists as act
from models import surveys as sv
from models.guides import TIP_MAX_CHARS
from services import limits
from services.activists.relay import RELAY_MAX
from services.activists.volunteering import AVAILABILITY
from services.agenda import items as agenda_items
from services.agenda import meetings, outcomes
from services.cases.attachments import MAX_PHOTOS
from services.claims import rules
from services.injury import claims as injury
from services.injury.progress import NOTE_LIMIT as INJURY_NOTE
from services.membership import members
from services.stations import slots
from services.stations.ids import STATION_ID_PATTERN

KEYWORDS = ("maxLength", "minLength", "minimum", "maximum", "maxItems", "minItems",
            "exclusiveMinimum", "exclusiveMaximum")  # fmt: skip
L = limits
TEXT = {"minLength": L.NOT_EMPTY, "maxLength": L.TEXT_MAX}
DESCRIPTION = {"minLength": L.NOT_EMPTY, "maxLength": L.DESCRIPTION_MAX}
REF = {"minLength": L.NOT_EMPTY, "maxLength": L.CODE_MAX}
LOGIN = {"minLength": L.NOT_EMPTY, "maxLength": L.LOGIN_MAX}
AMOUNT = {"minLength": L.NOT_EMPTY, "maxLength": L.AMOUNT_TEXT_MAX}
ID = {"minimum": L.ID_MIN, "maximum": L.ID_MAX}
# (operation, field) -> the service's numbers. A limit in the document that is not here fails.
SERVICE: dict[tuple[str, str], dict[str, int]] = {
    ("POST /api/v1/cases", "report.category"): REF,
    ("POST /api/v1/cases", "report.description"): DESCRIPTION,
    ("POST /api/v1/cases", "report.lat"): {"minimum": L.LAT_MIN, "maximum": L.LAT_MAX},
    ("POST /api/v1/cases", "report.lon"): {"minimum": L.LON_MIN, "maximum": L.LON_MAX},
    ("POST /api/v1/cases", "report.place"): {"maxLength": L.PLACE_MAX},
    ("POST /api/v1/cases", "photo"): {"maxItems": MAX_PHOTOS},
    ("POST /api/v1/cases/{case_id}/info", "text"): TEXT,
    ("POST /api/v1/cases/{case_id}/photos", "photo"): {"minItems": L.NOT_EMPTY,
                                                      "maxItems": MAX_PHOTOS},
    ("POST /api/v1/cases/{case_id}/photos", "text"): {"maxLength": L.TEXT_MAX},
    ("POST /api/v1/cases/{case_id}/reopen", "reason"): {"maxLength": L.REASON_MAX},
    ("POST /api/v1/cases/{case_id}/rating", "stars"): {"minimum": L.STARS_MIN,
                                                      "maximum": L.STARS_MAX},
    ("POST /api/v1/cases/{case_id}/rating", "comment"): {"maxLength": L.REASON_MAX},
    ("POST /api/v1/staff/cases/{case_id}/reply", "text"): TEXT,
    ("POST /api/v1/staff/cases/{case_id}/note", "text"): TEXT,
    ("POST /api/v1/staff/cases/{case_id}/question", "text"): TEXT,
    ("POST /api/v1/staff/cases/{case_id}/resolve", "text"): {"maxLength": L.TEXT_MAX},
    ("POST /api/v1/staff/cases/{case_id}/merge", "into_ref"): REF,
    ("POST /api/v1/staff/cases/{case_id}/reassign", "to_user_id"): ID,
    ("POST /api/v1/staff/applications/{membership_id}/reject", "reason"): {
        "minLength": L.NOT_EMPTY, "maxLength": members.REJECT_REASON_LIMIT},
    ("POST /api/v1/auth/code", "login"): LOGIN,
    ("POST /api/v1/auth/token", "login"): LOGIN,
    ("POST /api/v1/auth/password", "login"): LOGIN,
    ("POST /api/v1/auth/password", "password"): {"minLength": L.NOT_EMPTY,
                                                 "maxLength": L.PASSWORD_MAX},
    ("POST /api/v1/auth/refresh", "refresh_token"): {"minLength": L.REFRESH_TOKEN_MIN,
                                                     "maxLength": L.REFRESH_TOKEN_MAX},
    ("POST /api/v1/claims", "counterparty_name"): {"minLength": L.NOT_EMPTY,
                                                   "maxLength": rules.NAME_LIMIT},
    ("POST /api/v1/claims", "amount"): AMOUNT,
    ("POST /api/v1/claims", "orders"): {"maxLength": rules.ORDERS_LIMIT},
    ("POST /api/v1/claims/{claim_id}/evidence", "item"): REF,
    ("POST /api/v1/staff/claims/{claim_id}/stage", "note"): {"maxLength": L.REASON_MAX},
    ("POST /api/v1/staff/claims/{claim_id}/recovery", "amount"): AMOUNT,
    ("POST /api/v1/guides/tips", "target_id"): {"minLength": L.NOT_EMPTY,
                                                "maxLength": L.TIP_TARGET_MAX},
    ("POST /api/v1/guides/tips", "text"): {"minLength": L.NOT_EMPTY,
                                           "maxLength": TIP_MAX_CHARS},
    ("POST /api/v1/me/membership", "name"): {"minLength": L.NOT_EMPTY,
                                             "maxLength": members.NAME_LIMIT},
    ("POST /api/v1/me/membership", "platforms"): {"minItems": L.NOT_EMPTY,
                                                  "maxItems": len(members.PLATFORMS)},
    ("POST /api/v1/me/membership", "work_kinds"): {"minItems": L.NOT_EMPTY,
                                                   "maxItems": len(members.WORK_KINDS)},
    ("POST /api/v1/me/membership", "zone_id"): ID,
    # The agenda (services/agenda/).
    ("POST /api/v1/agenda/items", "collective_id"): ID,
    ("POST /api/v1/agenda/items", "title"): {"maxLength": agenda_items.TITLE_MAX},
    ("POST /api/v1/agenda/proposals", "title"): {"minLength": L.NOT_EMPTY,
                                                 "maxLength": agenda_items.TITLE_MAX},
    ("POST /api/v1/agenda/proposals", "details"): {"maxLength": agenda_items.DETAILS_MAX},
    ("POST /api/v1/agenda/items/{item_id}/outcome", "decision"): {"maxLength": outcomes.TEXT_MAX},
    ("POST /api/v1/agenda/items/{item_id}/outcome", "minutes"): {"maxLength": outcomes.TEXT_MAX},
    ("POST /api/v1/agenda/items/{item_id}/outcome", "meeting_id"): ID,
    ("POST /api/v1/agenda/meetings", "item_ids"): {**ID, "minItems": L.NOT_EMPTY,
                                                   "maxItems": 20},
    ("POST /api/v1/agenda/meetings", "place"): {"maxLength": meetings.PLACE_MAX},
    ("POST /api/v1/agenda/meetings", "place_id"): {"maxLength": 64},  # a feature id, looked up
    # Activists and stories (services/activists/).
    ("POST /api/v1/me/activist", "availability"): {"minItems": L.NOT_EMPTY,
                                                   "maxItems": len(AVAILABILITY)},
    ("POST /api/v1/me/activist", "groups"): {"minLength": L.NOT_EMPTY,
                                             "maxLength": act.GROUPS_MAX},
    ("POST /api/v1/me/activist", "motivation"): {"minLength": L.NOT_EMPTY,
                                                 "maxLength": act.MOTIVATION_MAX},
    ("POST /api/v1/staff/activists/relay", "text"): {"minLength": L.NOT_EMPTY,
                                                     "maxLength": RELAY_MAX},
    ("POST /api/v1/staff/activists/relay", "zone_id"): ID,
    ("POST /api/v1/staff/activists/{activist_id}/end", "note"): {
        "minLength": L.NOT_EMPTY, "maxLength": act.END_NOTE_MAX},
    ("POST /api/v1/staff/stories", "rider"): {"minLength": L.NOT_EMPTY, "maxLength": 32},
    ("POST /api/v1/staff/stories", "text"): {"minLength": L.NOT_EMPTY,
                                             "maxLength": act.STORY_MAX},
    # Injury claims (services/injury/).
    ("POST /api/v1/staff/cases/{case_id}/injury-claim", "hospital"): {
        "maxLength": injury.HOSPITAL_LIMIT},
    ("POST /api/v1/staff/cases/{case_id}/injury-claim", "injury"): {
        "maxLength": injury.INJURY_LIMIT},
    ("POST /api/v1/staff/injury-claims/{claim_id}/stage", "note"): {"maxLength": INJURY_NOTE},
    # Stations (services/stations/).
    ("POST /api/v1/stations/slots", "capacity"): {"minimum": 1, "maximum": slots.MAX_CAPACITY},
    ("POST /api/v1/stations/slots", "kind"): {"maxLength": 32},  # one of KINDS, looked up
    ("POST /api/v1/stations/slots", "minutes"): {"minimum": 1, "maximum": slots.MAX_MINUTES},
    ("POST /api/v1/stations/volunteers", "user_id"): ID,
    # Surveys and notices (services/surveys/): audiences are codes, looked up.
    **{(op, f"{prefix}{field}"): {"minLength": L.NOT_EMPTY, "maxLength": 32, "maxItems": n}
       for op, prefix in (("POST /api/v1/notices", "audience."),
                          ("POST /api/v1/surveys", "audience."),
                          ("POST /api/v1/notices/audience/preview", ""),
                          ("POST /api/v1/surveys/audience/reach", ""))
       for field, n in (("zones", 50), ("platforms", 20), ("work_kinds", 10))},
    ("POST /api/v1/notices", "body"): {"maxLength": sv.NOTICE_MAX},
    ("POST /api/v1/surveys", "options"): {"maxItems": sv.OPTIONS_MAX, "maxLength": sv.OPTION_MAX},
    ("POST /api/v1/surveys", "question"): {"maxLength": sv.QUESTION_MAX},
    ("PUT /api/v1/me/surveys/{survey_id}/answer", "option_ids"): {**ID,
                                                                  "maxItems": sv.OPTIONS_MAX},
    ("PUT /api/v1/me/surveys/{survey_id}/answer", "text"): {"maxLength": sv.TEXT_ANSWER_MAX},
}  # fmt: skip


def _limits(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, int]]:
    """Every limit of every request body: (operation, dotted field) -> {keyword: number}."""
    found: dict[tuple[str, str], dict[str, int]] = {}

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def walk(schema: dict[str, Any], op: str, path: str) -> None:
        schema = resolve(schema)
        for key in KEYWORDS:
            if key in schema:
                found.setdefault((op, path), {})[key] = schema[key]
        for name, prop in schema.get("properties", {}).items():
            walk(prop, op, f"{path}.{name}".lstrip("."))
        for variant in schema.get("anyOf", []) + schema.get("oneOf", []):
            walk(variant, op, path)
        if "items" in schema:
            walk(schema["items"], op, path)

    for route, ops in spec["paths"].items():
        for method, op in ops.items():
            for content in (op.get("requestBody") or {}).get("content", {}).values():
                walk(content["schema"], f"{method.upper()} {route}", "")
    return found


def test_every_request_body_limit_is_the_services() -> None:
    spec = build(api, title="t", version="1")
    assert _limits(spec) == SERVICE


def test_every_station_id_in_a_request_has_the_services_pattern() -> None:
    """A station id the contract lets through is one the services accept, and the other way
    round: the same ASCII rule (services/stations/ids.py) in bodies and queries alike."""
    spec = build(api, title="t", version="1")
    found: dict[str, str | None] = {}

    def walk(schema: dict[str, Any], where: str) -> None:
        while "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        for name, prop in schema.get("properties", {}).items():
            if name == "station_id":
                found[f"{where} {name}"] = prop.get("pattern")
            walk(prop, where)

    for route, ops in spec["paths"].items():
        for method, op in ops.items():
            where = f"{method.upper()} {route}"
            for p in op.get("parameters", []):
                if p["name"] == "station_id":
                    found[f"{where} ?{p['name']}"] = p["schema"].get("pattern")
            for content in (op.get("requestBody") or {}).get("content", {}).values():
                walk(content["schema"], where)
    assert len(found) >= 3  # publish a slot, add a volunteer, list slots
    assert found == dict.fromkeys(found, STATION_ID_PATTERN)
