"""Every route of the API. Handlers are thin: the workflow checks permissions, runs the
transaction and logs the access; a handler maps HTTP to it."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ..workflow.reasons import REASON_CODES
from ..workflow.roles import Principal
from ..workflow.service import Workflow
from . import problems
from .auth import COOKIE, current, identified

# Every route but health needs credentials, may be refused or not find a record, and may be
# sent a body over the limits (:mod:`.limits`) or invalid input: declared once, here.
router = APIRouter(prefix="/api", responses=problems.responses(400, 401, 403, 404, 413, 422))
public = APIRouter(prefix="/api", responses=problems.responses(400, 413, 422))
WRITE = problems.responses(409)  # a write can lose to a concurrent one

# Integers the database stores: bounded so that an out-of-range value is invalid input (422)
# rather than an overflow in the driver (SQLite refuses integers past 64 bits, PostgreSQL
# past its column's width): found by schemathesis.
BIG = 2**63 - 1
SMALL = 2**31 - 1  # INTEGER columns (case versions) on PostgreSQL
RowId = Annotated[int, Path(ge=1, le=BIG, description="A record id")]
Seq = Annotated[int, Path(ge=0, le=BIG, description="An audit log position")]
Offset = Annotated[int, Query(ge=0, le=BIG)]
TreeSize = Annotated[int, Query(ge=0, le=BIG)]


class Document(JSONResponse):
    """A workflow view sent as it is: already plain JSON, so FastAPI's re-encoding and
    re-validation of large nested explanations are skipped."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


VIEW = {"model": dict[str, Any], "description": "The request, with its assessment, history "
        "and receipts"}
Who = Annotated[Principal, Depends(current)]  # refuses an analyst: see .auth
Anyone = Annotated[Principal, Depends(identified)]  # any role: only DELETE /session, GET /me


async def wf(request: Request) -> Workflow:
    """The workflow (async: no thread hop for a dictionary lookup)."""
    workflow: Workflow = request.app.state.workflow
    return workflow


WF = Annotated[Workflow, Depends(wf)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginBody(_Body):
    username: str
    password: str


class UserBody(_Body):
    username: str
    role: str
    office: str | None = None
    display_name: str | None = None
    password: str | None = Field(default=None, min_length=8)


class TokenBody(_Body):
    label: str = Field(default="", max_length=200)
    expires_days: int | None = Field(default=None, ge=1, le=3650,
                                     description="Lifetime in days; default DISCRETION_TOKEN_DAYS (90)")


class UserUpdateBody(_Body):
    active: bool | None = Field(default=None, description="false disables the user and revokes "
                                "their tokens and sessions")
    password: str | None = Field(default=None, min_length=8, description="A new web password; "
                                 "revokes the user's tokens and sessions")


class OfficeBody(_Body):
    name: str = Field(min_length=1, max_length=200)
    director: str | None = None


class SubmitBody(_Body):
    case: dict[str, Any] | None = Field(default=None, description="A discretion.case/1 file")
    case_id: int | None = Field(default=None, ge=1, le=BIG, description="Or the id of a stored case")
    action: str | None = Field(default=None, description="arrest | detainer | detention | removal")
    office: str | None = None
    date: str | None = Field(default=None, description="YYYY-MM-DD; default today")


class DecisionBody(_Body):
    outcome: str = Field(description="approve | deny")
    reason_code: str = Field(description="one of GET /api/reason-codes")
    reason: str
    justification: str | None = Field(default=None, description="required against the recommendation")
    determination: dict[str, bool] | None = None
    expected_version: int | None = Field(default=None, ge=1, le=SMALL,
                                         description="409 if the request changed since")


class DissentBody(_Body):
    text: str


class ReviewBody(_Body):
    finding: str = Field(description="upheld | overturned | noted")
    note: str


# -- public ------------------------------------------------------------------------------------

@public.get("/health", tags=["meta"])
def health() -> dict[str, str]:
    """Liveness; the only route without credentials."""
    return {"status": "ok"}


# -- sessions, users, offices ----------------------------------------------------------------

@router.post("/session", tags=["auth"], responses=problems.responses(429))
def login(body: LoginBody, request: Request, response: Response, workflow: WF) -> dict[str, Any]:
    """Log in with a password; sets an HttpOnly session cookie for the web pages. Repeated
    failures lock the username, or refuse the client address, for a while: 429 with
    Retry-After."""
    address = request.client.host if request.client else None
    who, cookie = workflow.login(body.username, body.password, address)
    lifetime = workflow.settings.security.session_lifetime
    response.set_cookie(COOKIE, cookie, httponly=True, samesite="strict",
                        max_age=int(lifetime.total_seconds()))
    return {"username": who.username, "role": who.role, "office": who.office}


@router.delete("/session", tags=["auth"], status_code=204, responses=WRITE)
def logout(request: Request, who: Anyone, workflow: WF) -> Response:
    cookie = request.cookies.get(COOKIE)
    if cookie:
        workflow.logout(who, cookie)
    else:
        workflow.log_access(who, "session/logout-without-a-session")
    response = Response(status_code=204)
    response.delete_cookie(COOKIE)
    return response


@router.get("/me", tags=["auth"])
def me(who: Anyone, workflow: WF) -> dict[str, Any]:
    workflow.log_access(who, "me")
    return {"username": who.username, "role": who.role, "office": who.office}


@router.get("/users", tags=["admin"])
def list_users(who: Who, workflow: WF) -> list[dict[str, Any]]:
    return workflow.list_users(who)


@router.post("/users", tags=["admin"], status_code=201, responses=WRITE)
def add_user(body: UserBody, who: Who, workflow: WF) -> dict[str, Any]:
    """Create a user; the response carries their first API token, shown only once."""
    return workflow.add_user(body.username, body.role, body.office, body.display_name,
                             body.password, by=who)


@router.patch("/users/{username}", tags=["admin"], responses=WRITE)
def update_user(username: str, body: UserUpdateBody, who: Who, workflow: WF) -> dict[str, Any]:
    """Disable or enable a user, or set their password (admin). Disabling or a new password
    revokes all their tokens and ends their sessions."""
    return workflow.update_user(username, who, active=body.active, password=body.password)


@router.post("/users/{username}/unlock", tags=["admin"], responses=WRITE)
def unlock_user(username: str, who: Who, workflow: WF) -> dict[str, Any]:
    """End a login lockout (admin)."""
    return workflow.unlock(username, who)


@router.get("/users/{username}/tokens", tags=["admin"])
def list_tokens(username: str, who: Who, workflow: WF) -> list[dict[str, Any]]:
    """A user's API tokens (admin, or the user): ids, labels, expiry, state; never secrets."""
    return workflow.list_tokens(username, who)


@router.post("/users/{username}/tokens", tags=["admin"], status_code=201, responses=WRITE)
def issue_token(username: str, body: TokenBody, who: Who, workflow: WF) -> dict[str, Any]:
    """A new API token, shown only in this answer (admin, or the user for themselves)."""
    return workflow.issue_token(username, body.label, who, body.expires_days)


@router.delete("/users/{username}/tokens/{token_id}", tags=["admin"], responses=WRITE)
def revoke_token(username: str, token_id: str, who: Who, workflow: WF) -> dict[str, Any]:
    """Revoke an API token (admin, or the user); it is refused from the next request on."""
    return workflow.revoke_token(username, token_id, who)


@router.get("/offices", tags=["admin"])
def offices(who: Who, workflow: WF) -> list[dict[str, Any]]:
    return workflow.list_offices(who)


@router.put("/offices/{code}", tags=["admin"], responses=WRITE)
def put_office(code: str, body: OfficeBody, who: Who, workflow: WF) -> dict[str, Any]:
    if who.role != "admin":
        from ..workflow.errors import Forbidden
        raise Forbidden("only an admin manages offices")
    return workflow.add_office(code, body.name, body.director, by=who)


@router.get("/reason-codes", tags=["requests"])
def reason_codes(who: Who, workflow: WF) -> list[dict[str, object]]:
    workflow.log_access(who, "reason-codes")
    return [r.spec() for r in REASON_CODES.values()]


# -- cases -------------------------------------------------------------------------------------

@router.get("/cases", tags=["cases"])
def list_cases(who: Who, workflow: WF, limit: Annotated[int, Query(ge=1, le=500)] = 50,
               offset: Offset = 0) -> list[dict[str, Any]]:
    return workflow.list_cases(who, limit, offset)


@router.post("/cases", tags=["cases"], status_code=201, responses=WRITE)
def create_case(who: Who, workflow: WF, case: Annotated[
        dict[str, Any], Body(description="A discretion.case/1 file")]) -> dict[str, Any]:
    return workflow.put_case(who, case)


@router.get("/cases/{case_id}", tags=["cases"])
def get_case(case_id: RowId, who: Who, workflow: WF) -> dict[str, Any]:
    return workflow.get_case(who, case_id)


@router.put("/cases/{case_id}", tags=["cases"], responses=WRITE)
def update_case(case_id: RowId, who: Who, workflow: WF,
                case: Annotated[dict[str, Any], Body(description="The new facts")]) -> dict[str, Any]:
    """Record new facts as a new version; open requests on the case are reassessed."""
    return workflow.put_case(who, case, case_id=case_id)


@router.get("/cases/{case_id}/versions", tags=["cases"])
def case_versions(case_id: RowId, who: Who, workflow: WF) -> list[dict[str, Any]]:
    return workflow.case_versions(who, case_id)


@router.get("/cases/{case_id}/versions/{version}", tags=["cases"])
def case_version(case_id: RowId, version: Annotated[int, Path(ge=1, le=SMALL)], who: Who,
                 workflow: WF) -> dict[str, Any]:
    return workflow.get_case(who, case_id, version)


# -- requests ----------------------------------------------------------------------------------

@router.get("/requests", tags=["requests"])
def list_requests(who: Who, workflow: WF, state: str | None = None, office: str | None = None,
                  flagged: bool | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50,
                  offset: Offset = 0) -> list[dict[str, Any]]:
    return workflow.list_requests(who, state, office, flagged, limit, offset)


@router.post("/requests", tags=["requests"], status_code=201, responses={201: VIEW, **WRITE})
def submit(body: SubmitBody, who: Who, workflow: WF) -> Document:
    """Submit a request; it is assessed under the policy in force and routed at once. The
    response carries the assessment and audit receipts (inclusion proofs)."""
    return Document(workflow.submit(who, case=body.case, case_id=body.case_id, action=body.action,
                                    office=body.office, date=body.date), status_code=201)


@router.get("/requests/{request_id}", tags=["requests"], responses={200: VIEW})
def get_request(request_id: RowId, who: Who, workflow: WF) -> Document:
    return Document(workflow.get_request(who, request_id))


@router.post("/requests/{request_id}/decision", tags=["requests"], responses={200: VIEW, **WRITE})
def decide(request_id: RowId, body: DecisionBody, who: Who, workflow: WF) -> Document:
    """Approve or deny. The second of two simultaneous decisions gets 409."""
    return Document(workflow.decide(
        who, request_id, outcome=body.outcome, reason_code=body.reason_code, reason=body.reason,
        justification=body.justification, determination=body.determination,
        expected_version=body.expected_version))


@router.post("/requests/{request_id}/dissent", tags=["requests"], status_code=201, responses=WRITE)
def dissent(request_id: RowId, body: DissentBody, who: Who, workflow: WF) -> dict[str, Any]:
    return workflow.dissent(who, request_id, body.text)


# -- decisions and escalations -----------------------------------------------------------------

@router.get("/decisions", tags=["decisions"])
def list_decisions(who: Who, workflow: WF, against_recommendation: bool = False,
                   limit: Annotated[int, Query(ge=1, le=500)] = 100,
                   offset: Offset = 0) -> list[dict[str, Any]]:
    return workflow.list_decisions(who, against_recommendation, limit, offset)


@router.get("/decisions/{decision_id}", tags=["decisions"])
def get_decision(decision_id: RowId, who: Who, workflow: WF) -> dict[str, Any]:
    return workflow.get_decision(who, decision_id)


@router.get("/escalations", tags=["oversight"])
def escalations(who: Who, workflow: WF, open_only: bool = True) -> list[dict[str, Any]]:
    return workflow.escalations(who, open_only)


@router.post("/escalations/overdue", tags=["oversight"], responses=WRITE)
def escalate_overdue(who: Who, workflow: WF) -> list[dict[str, Any]]:
    """Escalate requests past their deadline (run it from a timer)."""
    return workflow.escalate_overdue(who)


@router.post("/escalations/{escalation_id}/review", tags=["oversight"], responses=WRITE)
def review(escalation_id: RowId, body: ReviewBody, who: Who, workflow: WF) -> dict[str, Any]:
    return workflow.review(who, escalation_id, body.finding, body.note)


# -- oversight ---------------------------------------------------------------------------------

@router.get("/oversight/denials", tags=["oversight"])
def denials(who: Who, workflow: WF, category: str, office: str | None = None) -> list[dict[str, Any]]:
    """Denied requests whose subject has a conviction in ``category`` (e.g.
    sexual_abuse_of_a_minor)."""
    return workflow.denials_by_category(who, category, office)


@router.get("/oversight/against-recommendation", tags=["oversight"])
def against(who: Who, workflow: WF) -> list[dict[str, Any]]:
    """Decisions against the recommendation by office, month and outcome."""
    return workflow.against_recommendation(who)


@router.get("/oversight/dissents", tags=["oversight"])
def dissents(who: Who, workflow: WF) -> list[dict[str, Any]]:
    return workflow.dissent_counts(who)


# -- audit -------------------------------------------------------------------------------------

@router.get("/audit/entries", tags=["audit"])
def audit_entries(who: Who, workflow: WF, after: Annotated[int, Query(ge=-1, le=BIG)] = -1,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100, kind: str | None = None,
                  subject: str | None = None) -> list[dict[str, Any]]:
    return workflow.audit_entries(who, after, limit, kind, subject)


@router.get("/audit/entries/{seq}", tags=["audit"])
def audit_entry(seq: Seq, who: Who, workflow: WF) -> dict[str, Any]:
    return workflow.audit_entry(who, seq)


@router.get("/audit/entries/{seq}/proof", tags=["audit"])
def audit_proof(seq: Seq, who: Who, workflow: WF, tree_size: TreeSize | None = None) -> dict[str, Any]:
    """Inclusion proof of an entry, by default in the latest checkpoint's tree."""
    return workflow.audit_proof(who, seq, tree_size)


@router.get("/audit/consistency", tags=["audit"])
def audit_consistency(who: Who, workflow: WF, first: TreeSize, second: TreeSize) -> dict[str, Any]:
    """Consistency proof between two tree sizes (RFC 6962 §2.1.2)."""
    return workflow.audit_consistency(who, first, second)


@router.get("/audit/checkpoints", tags=["audit"])
def audit_checkpoints(who: Who, workflow: WF) -> list[dict[str, Any]]:
    return workflow.audit_checkpoints(who)


@router.get("/audit/checkpoints/latest", tags=["audit"])
def audit_latest(who: Who, workflow: WF) -> dict[str, Any]:
    found = workflow.audit_checkpoints(who, latest_only=True)
    if not found:
        from ..workflow.errors import NotFound
        raise NotFound("no checkpoint yet", "checkpoint")
    return found[0]


@router.post("/audit/checkpoints", tags=["audit"], status_code=201, responses=WRITE)
def audit_checkpoint(who: Who, workflow: WF) -> dict[str, Any]:
    return workflow.audit_checkpoint_now(who)


@router.get("/audit/key", tags=["audit"])
def audit_key(who: Who, workflow: WF) -> dict[str, Any]:
    """The public key that signs checkpoints."""
    workflow.log_access(who, "audit/key")
    return workflow.audit_key()
