"""Headquarters and oversight: escalations, flagged decisions and dissents; the
dashboard with its charts; search; a request's full timeline with its audit entries;
and checking an entry's inclusion proof against the signed checkpoint."""

from __future__ import annotations

import base64
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..audit import leaf, merkle
from ..audit.log import check_signature
from ..cases import CATEGORY_NAMES
from ..workflow.errors import Invalid, WorkflowError
from ..workflow.roles import Principal
from ..workflow.service import FINDINGS, STATES, Workflow
from . import charts
from .common import OVERSIGHT_ROLES, checked_form, render, require, text, workflow

router = APIRouter(include_in_schema=False)


# -- headquarters --------------------------------------------------------------------------

@router.get("/hq")
def hq(request: Request) -> HTMLResponse:
    who = require(request, "hq")
    return _hq_page(request, who)


def _hq_page(request: Request, who: Principal, errors: list[dict[str, str]] | None = None,
             status: int = 200) -> HTMLResponse:
    wf = workflow(request)
    everything = wf.escalations(who, open_only=False)
    return render(request, "hq.html", status, open=[e for e in everything if not e["reviewed_at"]],
                  dissents=[e for e in everything if e["reason"] == "dissent"],
                  flagged=wf.list_decisions(who, against_only=True, limit=500),
                  findings=FINDINGS, errors=errors or [],
                  reviewed=request.query_params.get("reviewed"))


@router.post("/hq/escalations/{escalation_id}/review")
async def review(request: Request, escalation_id: int) -> Response:
    who = require(request, "hq")
    form = await checked_form(request)
    wf = workflow(request)
    finding, note = text(form, "finding"), text(form, "note")
    try:
        await to_thread.run_sync(lambda: wf.review(who, escalation_id, finding, note))
    except WorkflowError as exc:
        if exc.status in (403, 404):
            raise
        errors = [{"field": f"{exc.field}-{escalation_id}", "label": f"Escalation {escalation_id}, "
                   f"{exc.field or 'review'}", "reason": exc.reason}]
        status = exc.status
        return await to_thread.run_sync(lambda: _hq_page(request, who, errors, status))
    return RedirectResponse(f"/hq?reviewed={escalation_id}", status_code=303)


# -- dashboard -----------------------------------------------------------------------------

@router.get("/oversight")
def dashboard(request: Request) -> HTMLResponse:
    who = require(request, *OVERSIGHT_ROLES)
    rows = workflow(request).decision_counts(who)
    tables = {d: charts.table(rows, d) for d in charts.DIMENSIONS}
    total = sum(int(r["count"]) for r in rows)
    return render(request, "oversight.html", tables=tables, total=total)


@router.get("/oversight/charts/{dimension}.png")
def chart(request: Request, dimension: str) -> Response:
    who = require(request, *OVERSIGHT_ROLES)
    if dimension not in charts.DIMENSIONS:
        raise Invalid(f"one of {', '.join(charts.DIMENSIONS)}", "dimension")
    rows = workflow(request).decision_counts(who)
    return Response(charts.png(rows, dimension), media_type="image/png")


# -- search --------------------------------------------------------------------------------

@router.get("/oversight/search")
def search(request: Request) -> HTMLResponse:
    who = require(request, *OVERSIGHT_ROLES)
    wf = workflow(request)
    q = {k: request.query_params.get(k, "").strip() for k in ("category", "office", "state", "flagged")}
    denials: list[dict[str, Any]] | None = None
    found: list[dict[str, Any]] | None = None
    errors: list[dict[str, str]] = []
    status = 200
    try:
        if q["category"]:
            denials = wf.denials_by_category(who, q["category"], q["office"] or None)
        elif q["state"] or q["flagged"]:
            found = wf.list_requests(who, q["state"] or None, q["office"] or None,
                                     True if q["flagged"] == "yes" else None, limit=500)
    except WorkflowError as exc:
        if exc.status in (403, 404):
            raise
        errors, status = [{"field": exc.field or "", "label": (exc.field or "search").replace(
            "_", " "), "reason": exc.reason}], exc.status
    return render(request, "search.html", status, q=q, denials=denials, found=found,
                  errors=errors, categories=CATEGORY_NAMES, states=STATES)


# -- a request's timeline and its receipts -------------------------------------------------

@router.get("/oversight/requests/{request_id}")
def timeline(request: Request, request_id: int) -> HTMLResponse:
    who = require(request, *OVERSIGHT_ROLES)
    wf = workflow(request)
    view = wf.get_request(who, request_id)
    entries = wf.audit_entries(who, limit=1000, subject=f"request/{request_id}")
    return render(request, "timeline.html", view=view, entries=entries)


@router.post("/oversight/audit/{seq}/verify")
async def verify(request: Request, seq: int) -> HTMLResponse:
    who = require(request, *OVERSIGHT_ROLES)
    await checked_form(request)
    result = await to_thread.run_sync(check_entry, workflow(request), who, seq)
    return render(request, "_verified.html", 200 if result["ok"] else 409, r=result)


def check_entry(wf: Workflow, who: Principal, seq: int) -> dict[str, Any]:
    """Check one audit entry the way a holder of its receipt would: rebuild its leaf from
    its fields and its predecessor's hash, follow its inclusion proof to a root, and check
    that root against a checkpoint signed by the log key. A checkpoint is signed first if
    none covers the entry yet (the server signs only the log's current head)."""
    entry = wf.audit_entry(who, seq)
    prev = bytes.fromhex(wf.audit_entry(who, seq - 1)["leaf_hash"]) if seq > 0 else leaf.GENESIS
    rebuilt = merkle.leaf_hash(leaf.entry(seq, entry["time"], entry["actor"], entry["kind"],
                                          entry["subject"], entry["payload"], prev)).hex()
    try:
        proof = wf.audit_proof(who, seq)
    except Invalid:
        wf.audit_checkpoint_now(who)
        proof = wf.audit_proof(who, seq)
    cp = proof["checkpoint"] or {}
    path = [bytes.fromhex(h) for h in proof["inclusion_path"]]
    try:
        root = merkle.root_from_inclusion(seq, proof["tree_size"], bytes.fromhex(rebuilt), path).hex()
    except ValueError:
        root = ""
    signed = bool(cp) and check_signature(wf.signer.public, cp["origin"], cp["size"],
                                          bytes.fromhex(cp["root"]), base64.b64decode(cp["signature"]))
    checks = {"leaf": rebuilt == entry["leaf_hash"], "root": bool(cp) and root == cp["root"],
              "signature": signed}
    return {"seq": seq, "entry": entry, "leaf_hash": entry["leaf_hash"], "rebuilt": rebuilt,
            "tree_size": proof["tree_size"], "path": proof["inclusion_path"], "root": root,
            "checkpoint": cp, "checks": checks, "ok": all(checks.values()),
            "key": wf.audit_key()}
