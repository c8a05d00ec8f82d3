"""Wage claims over the API: a rider files one, adds evidence checked by content, reads the
deadline, history and summary PDF; representatives of the zone move it on; nobody else
reaches it."""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pypdf
import pytest

from tests.api.conftest import ApiClient, sign_in_by_chat
from tests.api.people import REP_BJ, REP_XH, member, staff

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 64
CLAIM = {
    "counterparty_kind": "station",
    "counterparty_name": "顺丰 滨江三站",
    "relation": "crowdsourced",
    "amount": "1234.50",
    "period_start": "2026-03-01",
    "period_end": "2026-03-31",
    "knew_on": "2026-04-05",
    "work_ended_on": "2026-04-10",
    "orders": "SF123, SF456",
}


@pytest.fixture
async def up(desks: Any, tmp_path: Path) -> AsyncIterator[tuple[Any, ApiClient, Path]]:
    runtime = await desks.start(upload_dir=tmp_path / "uploads")
    async with aiohttp.ClientSession() as http:
        yield runtime, ApiClient(runtime.url, http), tmp_path / "uploads"


def evidence(item: str | None, raw: bytes | None, name: str, ctype: str) -> aiohttp.FormData:
    data = aiohttp.FormData(default_to_multipart=True)
    if item is not None:
        data.add_field("item", item)
    if raw is not None:
        data.add_field("file", raw, filename=name, content_type=ctype)
    return data


async def file_claim(client: ApiClient, token: str, **changes: Any) -> dict:
    status, claim, _ = await client.call("POST", "/claims", token=token, json=CLAIM | changes)
    assert status == 201, claim
    return claim


async def test_rider_files_a_claim_and_reads_deadline_checklist_and_history(up, sandbox) -> None:
    runtime, client, _ = up
    token = await member(runtime, client, sandbox, telegram_id=750001, username="zhou")
    status, claim, _ = await client.call(
        "POST", "/claims", token=token, json=CLAIM, headers={"Accept-Language": "en"}
    )
    assert status == 201, claim
    assert (claim["amount_fen"], claim["amount"], claim["stage"]) == (123450, "1234.50", "intake")
    assert claim["ref"].startswith("C-") and claim["counterparty_name"] == "顺丰 滨江三站"
    # The year runs from the end of the work (later than the day they knew).
    assert claim["deadline"] == {
        "last_day": "2027-04-10",
        "runs_from": "2026-04-10",
        "basis": "work_end",
    }
    assert (
        [i["item"] for i in claim["checklist"]]
        == claim["missing"]
        == [
            "order_records",
            "badge_screens",
            "bank_records",
            "chat_records",
            "witnesses",
        ]
    )
    assert claim["checklist"][0]["name"] and claim["evidence"] == []
    cid = claim["id"]
    status, listed, _ = await client.call("GET", "/claims", token=token)
    assert status == 200 and [c["id"] for c in listed["claims"]] == [cid]
    status, detail, _ = await client.call("GET", f"/claims/{cid}", token=token)
    assert status == 200 and detail["deadline"]["last_day"] == "2027-04-10"
    status, history, _ = await client.call(
        "GET", f"/claims/{cid}/history", token=token, headers={"Accept-Language": "en"}
    )
    assert status == 200 and [e["kind"] for e in history["history"]] == ["claim_filed"]
    assert "1234.50" in history["history"][0]["text"]
    # Still working there: no deadline runs yet.
    ongoing = await file_claim(client, token, work_ongoing=True, work_ended_on=None)
    assert ongoing["deadline"] == {"last_day": None, "runs_from": None, "basis": "ongoing"}


async def test_amounts_and_dates_are_checked_as_in_chat(up, sandbox) -> None:
    runtime, client, _ = up
    token = await member(runtime, client, sandbox, telegram_id=750001, username="zhou")
    refused = {
        "0": "amount_not_positive",
        "-5": "amount_not_positive",
        "0.00": "amount_not_positive",
        "1.234": "amount_too_precise",
        "abc": "amount_not_a_number",
        "12,00": "amount_not_a_number",
        "一千": "amount_chinese_numerals",
        "600000": "amount_over_cap",
    }
    for typed, code in refused.items():
        status, problem, headers = await client.call(
            "POST", "/claims", token=token, json=CLAIM | {"amount": typed}
        )
        assert (status, problem["code"]) == (422, code), typed
        assert headers["Content-Type"].startswith("application/problem+json")
        assert problem["detail"] and problem["detail"] != code.replace("_", " ")
    accepted = {"1,200.50": 120050, "¥80": 8000, "40.1": 4010, "１２元": 1200}
    for typed, fen in accepted.items():
        assert (await file_claim(client, token, amount=typed))["amount_fen"] == fen, typed
    dates = [
        ({"period_end": "2026-02-01"}, "period_end_before_start"),
        ({"knew_on": "2099-01-01"}, "date_in_future"),
        ({"period_start": "1999-12-31"}, "date_too_old"),
        ({"work_ended_on": None}, "work_end_missing"),
        ({"work_ended_on": "2026-02-01"}, "work_end_before_period"),
        ({"counterparty_name": "   "}, "counterparty_empty"),
    ]
    for changes, code in dates:
        status, problem, _ = await client.call("POST", "/claims", token=token, json=CLAIM | changes)
        assert (status, problem["code"]) == (422, code), changes
    for bad in ({"relation": "friend"}, {"amount": 12}, {"extra": 1}, {"knew_on": "5.1"}):
        status, problem, _ = await client.call("POST", "/claims", token=token, json=CLAIM | bad)
        assert (status, problem["code"]) == (422, "invalid_request"), bad
    assert len((await client.call("GET", "/claims", token=token))[1]["claims"]) == len(accepted)
    # Members only, and that is said before anything typed is judged.
    tokens = await sign_in_by_chat(runtime, client, sandbox, telegram_id=750009, username="wu")
    status, problem, _ = await client.call(
        "POST", "/claims", token=tokens["access_token"], json=CLAIM | {"amount": "abc"}
    )
    assert (status, problem["code"]) == (403, "not_member")


async def test_evidence_is_recognised_by_its_content(up, sandbox) -> None:
    runtime, client, folder = up
    token = await member(runtime, client, sandbox, telegram_id=750001, username="zhou")
    cid = (await file_claim(client, token))["id"]
    path = f"/claims/{cid}/evidence"
    status, detail, _ = await client.call(
        "POST",
        path,
        token=token,
        data=evidence("order_records", PDF, "orders.pdf", "application/pdf"),
    )
    assert status == 201, detail
    status, detail, _ = await client.call(
        "POST", path, token=token, data=evidence("bank_records", JPEG, "bank.jpg", "image/jpeg")
    )
    assert status == 201, detail
    assert detail["missing"] == ["badge_screens", "chat_records", "witnesses"]
    files = {e["item"]: e for e in detail["evidence"]}
    assert files["order_records"]["mime_type"] == "application/pdf"
    assert files["order_records"]["kind"] == "document" and files["bank_records"]["kind"] == "photo"
    assert files["order_records"]["file_name"] == "orders.pdf"
    counts = {i["item"]: i["files"] for i in detail["checklist"]}
    assert counts["order_records"] == counts["bank_records"] == 1
    for raw, ext in ((PDF, "pdf"), (JPEG, "jpg")):
        digest = hashlib.sha256(raw).hexdigest()
        assert (folder / digest[:2] / f"{digest}.{ext}").read_bytes() == raw

    async def refused(data: aiohttp.FormData) -> tuple[int, dict]:
        status, problem, headers = await client.call("POST", path, token=token, data=data)
        assert headers["Content-Type"].startswith("application/problem+json")
        return status, problem

    # Text named and typed as a photo is not a photo; nothing of it is kept.
    text = b"this is not a photo at all"
    status, problem = await refused(evidence("chat_records", text, "chat.jpg", "image/jpeg"))
    assert (status, problem["code"]) == (422, "evidence_mismatch")
    assert "chat.jpg" in problem["detail"]
    digest = hashlib.sha256(text).hexdigest()
    assert not (folder / digest[:2]).exists()
    # A PDF calling itself a JPEG, and bytes that are no known kind of file.
    assert (await refused(evidence("chat_records", PDF, "x.pdf", "image/jpeg")))[1]["code"] == (
        "evidence_mismatch"
    )
    garbage = evidence("chat_records", b"\x00\x01\x02\x03" * 10, "x.bin", "application/pdf")
    assert (await refused(garbage))[1]["code"] == "evidence_type"
    # The item must be on this claim's checklist ("contract" is not, for crowdsourced work).
    bad_item = evidence("contract", PDF, "c.pdf", "application/pdf")
    assert (await refused(bad_item))[1]["code"] == "evidence_item_unknown"
    assert (await refused(evidence(None, PDF, "c.pdf", "application/pdf")))[0] == 422
    assert (await refused(evidence("chat_records", None, "", "")))[0] == 422
    extra = evidence("chat_records", PDF, "c.pdf", "application/pdf")
    extra.add_field("note", "x")
    assert (await refused(extra))[0] == 422  # unknown parts are refused, as in a JSON body
    status, _, _ = await client.call("POST", path, token=token, json={"item": "chat_records"})
    assert status == 415
    status, detail, _ = await client.call("GET", f"/claims/{cid}", token=token)
    assert len(detail["evidence"]) == 2
    # A plain text file is evidence too (chat records exported as text).
    ok = evidence("chat_records", "老板说下周结".encode(), "chat.txt", "text/plain")
    status, detail, _ = await client.call("POST", path, token=token, data=ok)
    assert status == 201 and detail["missing"] == ["badge_screens", "witnesses"]


async def test_summary_pdf_names_the_counterparty_and_amount(up, sandbox) -> None:
    runtime, client, _ = up
    token = await member(runtime, client, sandbox, telegram_id=750001, username="zhou")
    rep = await staff(runtime, client, REP_XH)
    cid = (await file_claim(client, token))["id"]
    for path, who in (
        (f"/claims/{cid}/summary.pdf", token),
        (f"/staff/claims/{cid}/summary.pdf", rep),
    ):
        status, body, headers = await client.call("GET", path, token=who)
        assert status == 200 and headers["Content-Type"].startswith("application/pdf"), body
        assert "attachment" in headers["Content-Disposition"]
        text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body)).pages)
        assert "顺丰 滨江三站" in text and "¥1234.50" in text
        assert "2027-04-10" in text  # the deadline


async def test_representative_moves_records_recovery_and_restart(up, sandbox) -> None:
    runtime, client, _ = up
    token = await member(runtime, client, sandbox, telegram_id=750001, username="zhou")
    rep = await staff(runtime, client, REP_XH)
    cid = (await file_claim(client, token))["id"]
    status, listed, _ = await client.call("GET", "/staff/claims", token=rep)
    assert status == 200 and [c["id"] for c in listed["claims"]] == [cid]
    status, detail, _ = await client.call("GET", f"/staff/claims/{cid}", token=rep)
    assert status == 200 and detail["rider"] == "Zhou"
    assert "negotiation" in detail["allowed_moves"] and "recovered" not in detail["allowed_moves"]
    status, moved, _ = await client.call(
        "POST",
        f"/staff/claims/{cid}/stage",
        token=rep,
        json={"stage": "negotiation", "note": "约了站长周五谈"},
    )
    assert (status, moved["stage"]) == (200, "negotiation"), moved
    assert moved["assignee_id"] is not None
    # Backwards is refused as a conflict, with the catalogue's sentence.
    status, problem, _ = await client.call(
        "POST", f"/staff/claims/{cid}/stage", token=rep, json={"stage": "evidence"}
    )
    assert (status, problem["code"]) == (409, "claim_bad_stage") and problem["detail"]
    status, problem, _ = await client.call(
        "POST", f"/staff/claims/{cid}/stage", token=rep, json={"stage": "recovered"}
    )
    assert (status, problem["code"]) == (422, "invalid_request")
    # A demand for payment restarts the year.
    status, restarted, _ = await client.call(
        "POST",
        f"/staff/claims/{cid}/restart",
        token=rep,
        json={"reason": "demand", "on": "2026-05-20"},
    )
    assert status == 200, restarted
    assert restarted["deadline"] == {
        "last_day": "2027-05-20",
        "runs_from": "2026-05-20",
        "basis": "restart",
    }
    status, problem, _ = await client.call(
        "POST",
        f"/staff/claims/{cid}/restart",
        token=rep,
        json={"reason": "demand", "on": "2026-01-01"},
    )
    assert (status, problem["code"]) == (422, "restart_before_knew")
    status, problem, _ = await client.call(
        "POST",
        f"/staff/claims/{cid}/recovery",
        token=rep,
        json={"amount": "2000", "on": "2026-06-01"},
    )
    assert (status, problem["code"]) == (422, "recovery_over_claim")
    status, done, _ = await client.call(
        "POST",
        f"/staff/claims/{cid}/recovery",
        token=rep,
        json={"amount": "800", "on": "2026-06-01"},
    )
    assert status == 200, done
    assert (done["stage"], done["outcome"], done["recovered_fen"]) == (
        "recovered",
        "partial",
        80000,
    )
    assert done["allowed_moves"] == []
    again = await client.call(
        "POST", f"/staff/claims/{cid}/recovery", token=rep, json={"amount": "1", "on": "2026-06-01"}
    )
    assert (again[0], again[1]["code"]) == (409, "claim_closed")
    # The rider sees the moves but not internal events.
    status, history, _ = await client.call("GET", f"/claims/{cid}/history", token=token)
    kinds = [e["kind"] for e in history["history"]]
    assert kinds == ["claim_filed", "claim_stage", "claim_restart", "claim_stage"]
    assert all(e["public"] for e in history["history"])
    # Locked from then on: no more evidence.
    status, problem, _ = await client.call(
        "POST",
        f"/claims/{cid}/evidence",
        token=token,
        data=evidence("witnesses", PDF, "w.pdf", "application/pdf"),
    )
    assert (status, problem["code"]) == (409, "claim_locked")
    # Finished claims leave the zone's open list.
    assert (await client.call("GET", "/staff/claims", token=rep))[1]["claims"] == []


async def test_nobody_else_reaches_a_claim(up, sandbox) -> None:
    runtime, client, folder = up
    a = await member(runtime, client, sandbox, telegram_id=750001, username="anna")
    b = await member(runtime, client, sandbox, telegram_id=750002, username="bo")
    xh, bj = await staff(runtime, client, REP_XH), await staff(runtime, client, REP_BJ)
    cid = (await file_claim(client, a))["id"]  # Anna's zone is Xihu
    for method, path, kw in [
        ("GET", f"/claims/{cid}", {}),
        ("GET", f"/claims/{cid}/history", {}),
        ("GET", f"/claims/{cid}/summary.pdf", {}),
        (
            "POST",
            f"/claims/{cid}/evidence",
            {"data": evidence("witnesses", PDF, "w.pdf", "application/pdf")},
        ),
    ]:
        status, problem, _ = await client.call(method, path, token=b, **kw)
        # Not found, not forbidden: B does not learn the claim exists.
        assert (status, problem["code"]) == (404, "claim_not_found"), path
    assert not folder.exists() or not any(folder.rglob("*.pdf"))
    assert (await client.call("GET", "/claims", token=b))[1]["claims"] == []
    assert (await client.call("GET", "/claims/999999", token=a))[1]["code"] == "claim_not_found"
    assert (await client.call("GET", "/staff/claims", token=bj))[1]["claims"] == []
    staff_attempts = [
        ("GET", f"/staff/claims/{cid}", None),
        ("GET", f"/staff/claims/{cid}/summary.pdf", None),
        ("POST", f"/staff/claims/{cid}/stage", {"stage": "negotiation"}),
        ("POST", f"/staff/claims/{cid}/recovery", {"amount": "abc", "on": "2026-06-01"}),
        ("POST", f"/staff/claims/{cid}/restart", {"reason": "demand", "on": "2026-05-20"}),
    ]
    for method, path, body in staff_attempts:
        status, problem, _ = await client.call(method, path, token=bj, json=body)
        assert (status, problem["code"]) == (403, "case_not_your_zone"), (path, problem)
        # The rider herself is not staff: she cannot move her own claim either.
        status, problem, _ = await client.call(method, path, token=a, json=body)
        assert (status, problem["code"]) == (403, "not_staff"), (path, problem)
    assert (await client.call("GET", "/staff/claims", token=a))[1]["code"] == "not_staff"
    # Nothing changed by the refused attempts.
    status, detail, _ = await client.call("GET", f"/staff/claims/{cid}", token=xh)
    assert detail["stage"] == "intake" and detail["deadline"]["basis"] == "work_end"
    assert [e["kind"] for e in detail["history"]] == ["claim_filed"]
