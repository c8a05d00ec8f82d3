"""A rider's cases over the API: report with photos, list with a cursor, detail, answers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from models import Case, CaseStatus
from models.db import unit_of_work
from services.cases import reporting, rider_actions, triage
from tests.api.conftest import ApiClient
from tests.api.people import REP_XH, by_telegram, member, staff

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 64


@pytest.fixture
async def up(desks: Any, tmp_path: Path) -> AsyncIterator[tuple[Any, ApiClient, Path]]:
    runtime = await desks.start(upload_dir=tmp_path / "uploads")
    async with aiohttp.ClientSession() as http:
        yield runtime, ApiClient(runtime.url, http), tmp_path / "uploads"


def form(report: dict | None = None, photos: list[tuple[bytes, str]] = (), **fields: str):
    data = aiohttp.FormData(default_to_multipart=True)
    if report is not None:
        data.add_field("report", json.dumps(report), content_type="application/json")
    for name, value in fields.items():
        data.add_field(name, value)
    for i, (raw, ctype) in enumerate(photos):
        data.add_field("photo", raw, filename=f"p{i}.bin", content_type=ctype)
    return data


REPORT = {"category": "platform", "description": "三天工资没结", "lat": 30.28, "lon": 120.13}


async def test_member_reports_with_photos_stored_by_content_hash(up, sandbox) -> None:
    runtime, client, folder = up
    token = await member(runtime, client, sandbox, telegram_id=730001, username="zhou")
    status, case, _ = await client.call(
        "POST", "/cases", token=token, data=form(REPORT, [(PNG, "image/png"), (JPEG, "image/jpeg")])
    )
    assert status == 201, case
    assert case["ref"].startswith("C-") and case["status"] == "new"
    assert case["summary"] == "三天工资没结" and case["category"] == "platform"
    for raw in (PNG, JPEG):
        digest = hashlib.sha256(raw).hexdigest()
        assert [p.read_bytes() for p in folder.glob(f"{digest[:2]}/{digest}.*")] == [raw]
    async with unit_of_work(runtime.ctx.sessions) as session:
        row = await session.get(Case, case["id"])
        stored = await triage.attachments(session, case=row)
        assert sorted(a.sha256 for a in stored) == sorted(
            hashlib.sha256(r).hexdigest() for r in (PNG, JPEG)
        )
    # Plain form fields work as well as the JSON part.
    status, second, _ = await client.call(
        "POST", "/cases", token=token, data=form(category="platform", description="又没结")
    )
    assert status == 201 and second["summary"] == "又没结"


async def test_uploads_are_checked_by_content_count_and_size(up, sandbox) -> None:
    runtime, client, folder = up
    token = await member(runtime, client, sandbox, telegram_id=730001, username="zhou")

    async def post(data: Any, **kw: Any) -> tuple[int, Any]:
        status, body, headers = await client.call("POST", "/cases", token=token, data=data, **kw)
        if status >= 400:
            assert headers["Content-Type"].startswith("application/problem+json")
        return status, body

    # A text file named like a photo, with an image content type, is not a photo.
    status, problem = await post(form(REPORT, [(b"hello, not a photo", "image/png")]))
    assert (status, problem["code"]) == (422, "not_an_image")
    # A PNG that claims to be a JPEG is refused too.
    assert (await post(form(REPORT, [(PNG, "image/jpeg")])))[0] == 422
    assert (await post(form(REPORT, [(PNG, "image/png")] * 6)))[0] == 422
    big = b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024)
    assert (await post(form(REPORT, [(big, "image/jpeg")])))[0] == 413
    assert (await post(json.dumps(REPORT), headers={"Content-Type": "application/json"}))[0] == 415
    assert (await post(form({"category": "platform"})))[0] == 422  # nothing said
    assert (await post(form({**REPORT, "category": "nope"})))[0] == 422
    assert (await post(form({**REPORT, "extra": 1})))[0] == 422
    assert (await post(form({**REPORT, "anonymous": 0})))[0] == 422  # JSON's types, strictly
    assert (await post(form(REPORT, potho="x")))[0] == 422  # a misspelt part is not ignored
    assert (await post(form(report=None, photos=[], report_="x")))[0] == 422
    assert not folder.exists() or not any(folder.rglob("*.part"))
    async with unit_of_work(runtime.ctx.sessions) as session:
        assert await rider_actions.my_cases(session, user=await by_telegram(session, 730001)) == []


async def test_non_members_cannot_report(up, sandbox) -> None:
    runtime, client, _ = up
    from tests.api.conftest import sign_in_by_chat

    tokens = await sign_in_by_chat(runtime, client, sandbox, telegram_id=730002, username="wu")
    status, problem, _ = await client.call(
        "POST", "/cases", token=tokens["access_token"], data=form(REPORT)
    )
    assert (status, problem["code"]) == (403, "not_member")
    assert (await client.call("POST", "/cases", data=form(REPORT)))[0] == 401


async def test_list_own_cases_with_a_cursor(up, sandbox) -> None:
    runtime, client, _ = up
    token = await member(runtime, client, sandbox, telegram_id=730001, username="zhou")
    refs = []
    for n in range(5):
        status, case, _ = await client.call(
            "POST", "/cases", token=token, data=form({**REPORT, "description": f"第{n}次"})
        )
        refs.append(case["ref"])
    seen, cursor, pages = [], None, 0
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        status, page, _ = await client.call("GET", "/cases" + query, token=token)
        assert status == 200 and len(page["cases"]) <= 2
        seen += [c["ref"] for c in page["cases"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == refs[::-1] and pages == 3
    assert (await client.call("GET", "/cases?cursor=garbage!", token=token))[0] == 422
    # A cursor past any id (beyond PostgreSQL's integer) is simply the first page.
    status, page, _ = await client.call("GET", "/cases?cursor=czik0zk&limit=2", token=token)
    assert status == 200 and [c["ref"] for c in page["cases"]] == refs[::-1][:2]
    assert (await client.call("GET", "/cases?limit=0", token=token))[0] == 422


async def test_detail_answers_confirm_reopen_and_rate(up, sandbox) -> None:
    runtime, client, _ = up
    token = await member(runtime, client, sandbox, telegram_id=730001, username="zhou")
    rep = await staff(runtime, client, REP_XH)
    _, case, _ = await client.call("POST", "/cases", token=token, data=form(REPORT))
    cid = case["id"]
    assert (await client.call("POST", f"/cases/{cid}/confirm", token=token))[1]["code"] == (
        "not_resolved_yet"
    )
    async with unit_of_work(runtime.ctx.sessions) as session:
        actor = await by_telegram(session, REP_XH)
        await triage.ask_rider(session, case_id=cid, actor=actor, question="哪个站点?")
        await triage.note(session, case_id=cid, actor=actor, message="内部: 站长老问题")
    status, detail, _ = await client.call("GET", f"/cases/{cid}", token=token)
    assert status == 200 and detail["case"]["status"] == "waiting_for_rider"
    kinds = [e["kind"] for e in detail["history"]]
    assert "question" in kinds and "note" not in kinds  # internal notes never reach the rider
    assert all(e["public"] for e in detail["history"])
    status, detail, _ = await client.call(
        "POST", f"/cases/{cid}/info", token=token, json={"text": "滨江三站"}
    )
    assert status == 200 and detail["case"]["status"] == "in_progress"
    assert detail["history"][-1]["kind"] == "rider_answer"
    async with unit_of_work(runtime.ctx.sessions) as session:
        actor = await by_telegram(session, REP_XH)
        await triage.resolve(session, case_id=cid, actor=actor, message="已结清")
    status, reopened, _ = await client.call(
        "POST", f"/cases/{cid}/reopen", token=token, json={"reason": "只结了一半"}
    )
    assert (status, reopened["status"]) == (200, "in_progress")
    async with unit_of_work(runtime.ctx.sessions) as session:
        await triage.resolve(session, case_id=cid, actor=await by_telegram(session, REP_XH))
    status, closed, _ = await client.call("POST", f"/cases/{cid}/confirm", token=token)
    assert (status, closed["status"]) == (200, CaseStatus.closed.value)
    status, rated, _ = await client.call(
        "POST", f"/cases/{cid}/rating", token=token, json={"stars": 5, "comment": "谢谢"}
    )
    assert (status, rated["rating"]) == (200, 5)
    again = await client.call("POST", f"/cases/{cid}/rating", token=token, json={"stars": 4})
    assert (again[0], again[1]["code"]) == (409, "already_rated")
    assert (await client.call("POST", f"/cases/{cid}/rating", token=token, json={"stars": 6}))[
        0
    ] == 422
    closed_info = await client.call("POST", f"/cases/{cid}/info", token=token, json={"text": "x"})
    assert (closed_info[0], closed_info[1]["code"]) == (409, "case_closed")
    assert rep  # the representative signed in too; their view is tested in test_staff_api


async def test_a_part_with_a_broken_header_is_a_400(up, sandbox) -> None:
    runtime, client, _ = up
    token = await member(runtime, client, sandbox, telegram_id=730001, username="zhou")
    b = "3717d44ed5f1ef2eda6ac6329e9db287"
    body = (
        f'--{b}\r\nContent-Disposition: form-data; name="\xc2\x98\xf2\xaf\x9e\x99\x1d"\r\n\r\n'
        f"null\r\n--{b}--\r\n"
    ).encode("latin-1")
    status, problem, _ = await client.call(
        "POST",
        "/cases",
        token=token,
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={b}"},
    )
    assert (status, problem["status"]) == (400, 400)


# --- photos added to a case, and downloads --------------------------------------------------


def photos_form(photos: list[tuple[bytes, str, str]], text: str | None = None) -> Any:
    data = aiohttp.FormData(default_to_multipart=True)
    if text is not None:
        data.add_field("text", text)
    for raw, name, ctype in photos:
        data.add_field("photo", raw, filename=name, content_type=ctype)
    return data


def png(n: int) -> bytes:
    """A distinct PNG each: files are kept by content, so the same bytes would be one file."""
    return PNG + n.to_bytes(4, "big")


def kept(folder: Path, raw: bytes) -> list[Path]:
    digest = hashlib.sha256(raw).hexdigest()
    return list(folder.glob(f"{digest[:2]}/{digest}.*"))


async def test_add_photos_up_to_the_case_limit_and_download_them(up, sandbox) -> None:
    runtime, client, folder = up
    token = await member(runtime, client, sandbox, telegram_id=730001, username="zhou")
    status, case, _ = await client.call(
        "POST", "/cases", token=token, data=form(REPORT, [(png(i), "image/png") for i in range(5)])
    )
    cid = case["id"]
    async with unit_of_work(runtime.ctx.sessions) as session:
        rep = await by_telegram(session, REP_XH)
        await triage.ask_rider(session, case_id=cid, actor=rep, question="有照片吗?")
    more = [(png(5), "a.png", "image/png"), (JPEG, "b.jpg", "image/jpeg")]
    status, detail, _ = await client.call(
        "POST", f"/cases/{cid}/photos", token=token, data=photos_form(more, text="站点门口")
    )
    assert status == 200, detail
    # As in chat, photos sent while a representative waits are the rider's answer.
    assert detail["case"]["status"] == "in_progress"
    assert detail["history"][-1]["kind"] == "rider_answer"
    assert detail["history"][-1]["details"]["photos"] == 2
    files = detail["attachments"]
    assert [(a["kind"], a["stored"]) for a in files] == [("photo", True)] * 7
    assert files[-1]["size"] == len(JPEG) and files[-1]["mime_type"] == "image/jpeg"
    assert kept(folder, JPEG) and kept(folder, png(5))

    # Downloads: the stored bytes, as the stored type, never sniffed into something else.
    status, body, headers = await client.call(
        "GET", f"/cases/{cid}/attachments/{files[-1]['id']}", token=token
    )
    assert (status, body) == (200, JPEG)
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Disposition"].startswith("attachment; filename=")
    status, body, headers = await client.call(
        "GET", f"/cases/{cid}/attachments/{files[0]['id']}", token=token
    )
    assert (status, body, headers["Content-Type"]) == (200, png(0), "image/png")

    # Ten photos on a case in all, however they came: the eleventh is refused, not kept.
    status, detail, _ = await client.call(
        "POST",
        f"/cases/{cid}/photos",
        token=token,
        data=photos_form(
            [
                (png(6), "c.png", "image/png"),
                (png(7), "d.png", "image/png"),
                (png(8), "e.png", "image/png"),
            ]
        ),
    )
    assert status == 200 and len(detail["attachments"]) == 10
    status, problem, _ = await client.call(
        "POST",
        f"/cases/{cid}/photos",
        token=token,
        data=photos_form([(png(9), "f.png", "image/png")]),
    )
    assert (status, problem["code"], problem["params"]["limit"]) == (422, "too_many_photos", 10)
    assert kept(folder, png(9)) == []


async def test_added_photos_are_checked_by_content_and_refused_on_a_closed_case(
    up, sandbox
) -> None:
    runtime, client, folder = up
    token = await member(runtime, client, sandbox, telegram_id=730001, username="zhou")
    _, case, _ = await client.call("POST", "/cases", token=token, data=form(REPORT))
    cid = case["id"]
    text = b"just some words, not a photo"
    status, problem, _ = await client.call(
        "POST",
        f"/cases/{cid}/photos",
        token=token,
        data=photos_form([(text, "photo.jpg", "image/jpeg")]),
    )
    assert (status, problem["code"]) == (422, "not_an_image")
    # A good photo next to a bad one: nothing of the request is kept.
    status, problem, _ = await client.call(
        "POST",
        f"/cases/{cid}/photos",
        token=token,
        data=photos_form([(png(1), "ok.png", "image/png"), (text, "x.jpg", "image/jpeg")]),
    )
    assert status == 422 and kept(folder, png(1)) == []
    assert (
        await client.call(
            "POST", f"/cases/{cid}/photos", token=token, data=photos_form([], text="没有照片")
        )
    )[0] == 422
    assert (await client.call("POST", f"/cases/{cid}/photos", token=token, json={"photo": []}))[
        0
    ] == 415
    status, detail, _ = await client.call("GET", f"/cases/{cid}", token=token)
    assert detail["attachments"] == [] and [e["kind"] for e in detail["history"]] == ["reported"]

    async with unit_of_work(runtime.ctx.sessions) as session:
        rep = await by_telegram(session, REP_XH)
        await triage.claim(session, case_id=cid, actor=rep)
        await triage.resolve(session, case_id=cid, actor=rep, message="好了")
    assert (await client.call("POST", f"/cases/{cid}/confirm", token=token))[0] == 200
    status, problem, _ = await client.call(
        "POST",
        f"/cases/{cid}/photos",
        token=token,
        data=photos_form([(png(2), "late.png", "image/png")]),
    )
    assert (status, problem["code"]) == (409, "case_closed")
    assert kept(folder, png(2)) == []


async def test_a_refused_report_leaves_no_file_and_keeps_shared_ones(up, sandbox) -> None:
    runtime, client, folder = up
    token = await member(runtime, client, sandbox, telegram_id=730001, username="zhou")
    status, problem, _ = await client.call(
        "POST",
        "/cases",
        token=token,
        data=form({**REPORT, "category": "nope"}, [(png(1), "image/png")]),
    )
    assert (status, problem["code"]) == (422, "unknown_category")
    assert kept(folder, png(1)) == []
    status, problem, _ = await client.call(
        "POST",
        "/cases",
        token=token,
        data=form({**REPORT, "description": "   "}, [(png(1), "image/png")]),
    )
    assert status == 422 and kept(folder, png(1)) == []
    # A file kept for an accepted report stays when a refused one carries the same photo.
    _, case, _ = await client.call(
        "POST", "/cases", token=token, data=form(REPORT, [(PNG, "image/png")])
    )
    [path] = kept(folder, PNG)
    status, _, _ = await client.call(
        "POST",
        "/cases",
        token=token,
        data=form({**REPORT, "category": "nope"}, [(PNG, "image/png")]),
    )
    assert status == 422 and path.read_bytes() == PNG
    detail = (await client.call("GET", f"/cases/{case['id']}", token=token))[1]
    status, body, _ = await client.call(
        "GET", f"/cases/{case['id']}/attachments/{detail['attachments'][0]['id']}", token=token
    )
    assert (status, body) == (200, PNG)
    assert not any(folder.rglob("*.part"))


async def test_downloads_only_stored_files_of_that_case(up, sandbox) -> None:
    runtime, client, folder = up
    token = await member(runtime, client, sandbox, telegram_id=730001, username="zhou")
    first = (
        await client.call("POST", "/cases", token=token, data=form(REPORT, [(PNG, "image/png")]))
    )[1]
    second = (await client.call("POST", "/cases", token=token, data=form(REPORT)))[1]
    secret = folder.parent / "secret.png"
    secret.write_bytes(PNG)
    async with unit_of_work(runtime.ctx.sessions) as session:
        rider = await by_telegram(session, 730001)
        chat_photo = reporting.Attachment(
            file_id="AgAD-chat", file_unique_id="u1", size=10, mime_type="image/jpeg"
        )
        outside = reporting.Attachment(size=len(PNG), mime_type="image/png", path=str(secret))
        await rider_actions.add_info(
            session, case_id=second["id"], user=rider, photos=[chat_photo, outside]
        )
    listed = (await client.call("GET", f"/cases/{second['id']}", token=token))[1]["attachments"]
    assert [a["stored"] for a in listed] == [False, True]
    own = (await client.call("GET", f"/cases/{first['id']}", token=token))[1]["attachments"]
    base = f"/cases/{second['id']}/attachments"
    # Another case's attachment is not found here, even the rider's own.
    status, problem, _ = await client.call("GET", f"{base}/{own[0]['id']}", token=token)
    assert (status, problem["code"]) == (404, "attachment_not_found")
    status, problem, _ = await client.call("GET", f"{base}/{listed[0]['id']}", token=token)
    assert (status, problem["code"]) == (404, "attachment_not_stored")
    # A stored path outside the upload folder is never served.
    status, problem, _ = await client.call("GET", f"{base}/{listed[1]['id']}", token=token)
    assert (status, problem["code"]) == (404, "attachment_not_stored")
    assert (await client.call("GET", f"{base}/999999", token=token))[0] == 404
    assert (await client.call("GET", f"{base}/..%2f..%2fsecret.png", token=token))[0] == 404
    assert (await client.call("GET", f"{base}/{own[0]['id']}"))[0] == 401
