"""Officers' and supervisors' pages: a new request and its assessment, my requests, the
queue by deadline, a request with its explanation, deciding, dissenting, history. Every
read and write goes through the workflow, which checks the role and office and logs it."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from ..workflow.errors import WorkflowError
from ..workflow.reasons import REASON_CODES
from ..workflow.roles import Principal
from ..workflow.service import Workflow
from . import caseform
from .common import checked_form, render, require, signed_in, text, workflow

router = APIRouter(include_in_schema=False)
AWAITING = ("awaiting_judgement", "awaiting_approval")


# -- officer -------------------------------------------------------------------------------

@router.get("/officer")
def new_request(request: Request) -> HTMLResponse:
    require(request, "officer")
    return _new_form(request)


def _new_form(request: Request, errors: list[dict[str, str]] | None = None,
              values: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    return render(request, "officer_new.html", status, errors=errors or [], values=values or {},
                  fields=caseform.FIELDS, choices=caseform.CHOICES)


def _values(form: FormData) -> dict[str, Any]:
    """What the officer typed, to fill the form again after an error."""
    out: dict[str, Any] = {}
    for name in caseform.FIELDS:
        items = [v for v in form.getlist(name) if isinstance(v, str)]
        out[name] = items if len(items) > 1 or name in ("aggravating", "mitigating",
                                                        "conviction_categories") else \
            (items[0] if items else "")
    return out


def _problems(exc: WorkflowError) -> list[dict[str, str]]:
    found = exc.errors or [{"path": exc.field or "", "reason": exc.reason}]
    out = []
    for e in found:
        name = caseform.field_for(e.get("path"))
        out.append({"field": name or "", "label": caseform.label(name, e.get("path")),
                    "reason": caseform.plain_reason(e["reason"])})
    return out


@router.post("/officer/requests")
async def submit(request: Request) -> Response:
    who = require(request, "officer")
    form = await checked_form(request)
    upload = form.get("case_file")
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            case = await caseform.from_upload(upload)
        else:
            case = caseform.from_fields(form)
    except caseform.FormProblem as exc:
        errors = [{"field": f, "label": caseform.label(f), "reason": r} for f, r in exc.errors]
        return _submit_failed(request, errors, form)
    wf = workflow(request)
    try:
        view = await to_thread.run_sync(lambda: wf.submit(
            who, case=case, action=text(form, "action") or None,
            date=text(form, "request_date") or None))
    except WorkflowError as exc:
        return _submit_failed(request, _problems(exc), form, exc.status)
    if request.headers.get("hx-request") == "true":
        return render(request, "_submitted.html", view=view)
    return RedirectResponse(f"/requests/{view['id']}", status_code=303)


def _submit_failed(request: Request, errors: list[dict[str, str]], form: FormData,
                   status: int = 422) -> HTMLResponse:
    if request.headers.get("hx-request") == "true":
        return render(request, "_errors.html", status, errors=errors)
    return _new_form(request, errors, _values(form), status)


@router.get("/officer/requests")
def my_requests(request: Request) -> HTMLResponse:
    who = require(request, "officer")
    rows = workflow(request).list_requests(who, limit=500)
    mine = sorted((r for r in rows if r["officer"] == who.username), key=lambda r: -r["id"])
    return render(request, "officer_requests.html", rows=mine)


# -- a request -----------------------------------------------------------------------------

@router.get("/requests/{request_id}")
def show_request(request: Request, request_id: int) -> HTMLResponse:
    who = signed_in(request)
    return _request_page(request, who, workflow(request).get_request(who, request_id))


def _request_page(request: Request, who: Principal, view: dict[str, Any],
                  errors: list[dict[str, str]] | None = None, values: dict[str, str] | None = None,
                  status: int = 200) -> HTMLResponse:
    may_decide = view["state"] in (*AWAITING, "cleared") and (
        who.role == "supervisor" or (who.role == "hq" and _overdue(view)))
    may_dissent = (who.role == "officer" and view["state"] == "denied"
                   and view["officer"] == who.username)
    return render(request, "request.html", status, view=view, may_decide=may_decide,
                  may_dissent=may_dissent, reasons=list(REASON_CODES.values()),
                  errors=errors or [], values=values or {})


def _overdue(view: dict[str, Any]) -> bool:
    """Escalated because its deadline passed: headquarters may then decide it itself."""
    return any(e["reason"] == "overdue" for e in view.get("escalations") or [])


@router.get("/requests/{request_id}/explanation")
def explanation(request: Request, request_id: int) -> HTMLResponse:
    who = signed_in(request)
    view = workflow(request).get_request(who, request_id)
    template = "_explanation.html" if request.headers.get("hx-request") == "true" \
        else "explanation.html"
    return render(request, template, view=view)


@router.post("/requests/{request_id}/decision")
async def decide(request: Request, request_id: int) -> Response:
    who = signed_in(request)
    form = await checked_form(request)
    wf = workflow(request)
    version = text(form, "expected_version")
    values = {k: text(form, k) for k in ("outcome", "reason_code", "reason", "justification")}
    try:
        await to_thread.run_sync(lambda: wf.decide(
            who, request_id, outcome=values["outcome"], reason_code=values["reason_code"],
            reason=values["reason"], justification=values["justification"] or None,
            expected_version=int(version) if version.isdigit() else None))
    except WorkflowError as exc:
        return await _refill(request, wf, who, request_id, exc, values)
    return RedirectResponse(f"/requests/{request_id}?done=decided", status_code=303)


async def _refill(request: Request, wf: Workflow, who: Principal, request_id: int,
                  exc: WorkflowError, values: dict[str, str]) -> HTMLResponse:
    """The request page again, with the errors named and the form as it was typed."""
    if exc.status in (403, 404):
        raise exc
    view = await to_thread.run_sync(lambda: wf.get_request(who, request_id, log=False))
    errors = [{"field": e.get("path") or "", "label": (e.get("path") or "form").replace("_", " "),
               "reason": e["reason"]} for e in (exc.errors or [{"path": exc.field or "",
                                                                 "reason": exc.reason}])]
    return _request_page(request, who, view, errors, values, exc.status)


@router.post("/requests/{request_id}/dissent")
async def dissent(request: Request, request_id: int) -> Response:
    who = signed_in(request)
    form = await checked_form(request)
    wf = workflow(request)
    words = text(form, "text")
    try:
        await to_thread.run_sync(lambda: wf.dissent(who, request_id, words))
    except WorkflowError as exc:
        return await _refill(request, wf, who, request_id, exc, {"text": words})
    return RedirectResponse(f"/requests/{request_id}?done=dissented", status_code=303)


# -- supervisor ----------------------------------------------------------------------------

@router.get("/supervisor")
def queue(request: Request) -> HTMLResponse:
    who = require(request, "supervisor")
    wf = workflow(request)
    rows = [r for state in AWAITING for r in wf.list_requests(who, state=state, limit=500)]
    rows.sort(key=lambda r: (r["due_at"] is None, r["due_at"] or "", r["id"]))
    return render(request, "supervisor_queue.html", rows=rows)


@router.get("/supervisor/history")
def history(request: Request) -> HTMLResponse:
    who = require(request, "supervisor")
    rows = workflow(request).list_decisions(who, limit=500)
    return render(request, "supervisor_history.html", rows=sorted(rows, key=lambda d: -d["id"]))
