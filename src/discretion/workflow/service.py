"""The workflow: one method per thing a person does, each one write transaction that
also appends its audit entries.

Routing follows the engine's outcome (see :data:`ROUTES`):

- ``permitted`` → ``cleared``: recorded; the action may proceed.
- ``approval_required`` → ``awaiting_approval``: sent to the approver the policy names
  (``decision.approval["role"]``, a field office director) for the request's office,
  with a deadline.
- ``judgement`` → ``awaiting_judgement``: sent to the office's supervisors with the
  factors found on each side.
- ``undetermined`` → ``returned``: back to the officer with the facts to find.

A supervisor then approves or denies (``approved`` / ``denied``) with a reason code and a
written reason. Deciding against the recommendation (:func:`recommendation`) needs a
justification, flags the request and escalates it to headquarters. New facts (a new case
version) reassess every open request on the case and route it again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Select, Table, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import policies
from ..audit import log as audit
from ..audit.leaf import canonical
from ..audit.log import Event, Receipt, Signer
from ..cases import CaseError, parse_case
from ..decide import Decision as EngineDecision
from ..decide import decide
from ..store.db import Database
from ..store.models import (
    ApiToken,
    Assessment,
    AssessmentCategory,
    AuditEntry,
    Base,
    Case,
    CaseVersion,
    Decision,
    Dissent,
    Escalation,
    Office,
    Request,
    Transition,
    User,
    utcnow,
)
from . import accounts
from .auditing import AuditViews
from .config import Settings
from .errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests, Unauthenticated
from .reasons import REASON_CODES
from .redact import redact
from .roles import OFFICE_ROLES, SYSTEM, Principal, check_reads_records

ACTIONS = ("arrest", "detainer", "detention", "removal")
ROUTES = {"permitted": "cleared", "approval_required": "awaiting_approval",
          "judgement": "awaiting_judgement", "undetermined": "returned"}
OPEN_STATES = ("cleared", "awaiting_approval", "awaiting_judgement", "returned")
STATES = (*OPEN_STATES, "approved", "denied")
OUTCOMES = {"approve": "approved", "deny": "denied"}
FINDINGS = ("upheld", "overturned", "noted")
MIN_REASON = 10

T = TypeVar("T")


def recommendation(decision: EngineDecision) -> str:
    """What the engine's outcome recommends a supervisor do: approve, deny or none.

    - ``permitted`` (inside a priority, or no limit): approve. Denying it is deciding
      against the recommendation ("denying a case inside a priority").
    - ``approval_required`` (outside the priorities): deny, i.e. do not act without a
      reason to. Approving it is the exception the policy allows, and is flagged
      ("approving one outside"); the 2021 memos had such approvals reported upward.
    - ``judgement``: the factors the engine found lean one way only when they all lie on
      one side: aggravating only → approve; mitigating only → deny; both or neither →
      none, and neither decision is flagged.
    - ``undetermined``: none; the request goes back to the officer.
    """
    if decision.enforcement == "permitted":
        return "approve"
    if decision.enforcement == "approval_required":
        return "deny"
    if decision.enforcement == "judgement":
        aggravating = bool(decision.factors.get("aggravating"))
        mitigating = bool(decision.factors.get("mitigating"))
        if aggravating and not mitigating:
            return "approve"
        if mitigating and not aggravating:
            return "deny"
    return "none"


def against(recommended: str, outcome: str) -> bool:
    return (recommended, outcome) in {("approve", "deny"), ("deny", "approve")}


M = TypeVar("M", bound=Base)


def _add(session: Session, model: type[M], **values: Any) -> M:
    """Insert one row with one Core statement (``INSERT … RETURNING id``) and return a
    detached object holding its values: on the submission path the ORM's unit of work
    cost several times the statement itself."""
    statement = _INSERTS.get(model)
    if statement is None:
        table = cast(Table, model.__table__)
        statement = _INSERTS[model] = insert(table).returning(table.c.id)
    new_id = session.execute(statement, values).scalar_one()
    return model(id=new_id, **values)


_INSERTS: dict[type[Base], Any] = {}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


class Workflow(AuditViews):
    def __init__(self, db: Database, signer: Signer, settings: Settings | None = None):
        self.db, self.signer = db, signer
        self.settings = settings or Settings.from_env()
        if db.group is not None:
            db.group.on_failure.append(lambda: audit.forget(str(db.engine.url)))

    # -- plumbing ------------------------------------------------------------------------

    def _run(self, body: Callable[[Session, list[Event]], T]) -> tuple[T, list[Receipt]]:
        """Run ``body`` in one write transaction; append the events it collects last, so
        the audit head is locked only for the end of the transaction."""
        try:
            with self.db.transaction() as session:
                events: list[Event] = []
                result = body(session, events)
                session.flush()
                receipts = audit.append(session, events, self.signer) if events else []
            return result, receipts
        except IntegrityError as exc:
            raise Conflict("another change to the same record was committed first; reload "
                           "and try again") from exc

    def log_access(self, who: Principal, subject: str) -> None:
        """Record a read that touches no stored record (who asked what)."""
        def body(session: Session, events: list[Event]) -> None:
            events.append(Event(who.username, "access", subject, {}))
        self._run(body)

    def log_refusal(self, who: Principal, what: str, subject: str) -> None:
        def body(session: Session, events: list[Event]) -> None:
            events.append(Event(who.username, "access.refused", subject, {"reason": what}))
        self._run(body)

    # -- offices and users ------------------------------------------------------------------

    def add_office(self, code: str, name: str, director: str | None = None,
                   by: Principal = SYSTEM) -> dict[str, Any]:
        if by.role != "admin":
            raise Forbidden("only an admin manages offices")
        if not (len(code) == 3 and code.isalpha() and code.isupper()):
            raise Invalid("three capital letters, e.g. HOU", "code")

        def body(session: Session, events: list[Event]) -> dict[str, Any]:
            office = session.get(Office, code)
            if office is None:
                office = Office(code=code, name=name, director=director)
                session.add(office)
            else:
                office.name, office.director = name, director
            events.append(Event(by.username, "office.saved", f"office/{code}",
                                {"name": name, "director": director}))
            return {"code": code, "name": name, "director": director}
        return self._run(body)[0]

    def add_user(self, username: str, role: str, office: str | None = None,
                 display_name: str | None = None, password: str | None = None,
                 token: bool = True, by: Principal = SYSTEM) -> dict[str, Any]:
        """Create a user; returns it with a new API token (shown only this once)."""
        if by.role != "admin":
            raise Forbidden("only an admin adds users")
        password_hash = accounts.hash_secret(password) if password else None
        lifetime = accounts.token_lifetime(None, self.settings.security)

        def body(session: Session, events: list[Event]) -> dict[str, Any]:
            accounts.validate_user(session, username, role, office)
            user = User(username=username, role=role, office=office, password_hash=password_hash,
                        display_name=display_name or username, active=True)
            session.add(user)
            session.flush()
            out: dict[str, Any] = {"id": user.id, "username": username, "role": role,
                                   "office": office, "display_name": user.display_name}
            if token:
                out["token"] = accounts.new_token(session, user, "created with the user",
                                                  lifetime=lifetime)[0]
            events.append(Event(by.username, "user.created", f"user/{username}",
                                {"role": role, "office": office, "token_issued": token,
                                 "password_set": password is not None}))
            return out
        return self._run(body)[0]

    def _user(self, session: Session, username: str) -> User:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user {username!r}", "username")
        return user

    @staticmethod
    def _admin_or_self(by: Principal, username: str, what: str) -> None:
        if by.role != "admin" and by.username != username:
            raise Forbidden(f"only an admin {what} for someone else")

    def issue_token(self, username: str, label: str, by: Principal,
                    expires_days: int | None = None) -> dict[str, Any]:
        """A new API token (shown only in this answer) with its id and expiry."""
        self._admin_or_self(by, username, "issues tokens")
        lifetime = accounts.token_lifetime(expires_days, self.settings.security)

        def body(session: Session, events: list[Event]) -> dict[str, Any]:
            user = self._user(session, username)
            token, row = accounts.new_token(session, user, label, lifetime=lifetime)
            view = accounts.token_view(row)
            events.append(Event(by.username, "token.issued", f"user/{username}",
                                {"label": label, "token_id": row.id, "expires_at": view["expires_at"]}))
            return {"token": token, **view}
        return self._run(body)[0]

    def list_tokens(self, username: str, by: Principal) -> list[dict[str, Any]]:
        """A user's tokens: ids, labels, dates and state; never a secret."""
        self._admin_or_self(by, username, "lists tokens")

        def body(session: Session, events: list[Event]) -> list[dict[str, Any]]:
            user = self._user(session, username)
            events.append(Event(by.username, "tokens.read", f"user/{username}", {}))
            rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at, ApiToken.id))
            return [accounts.token_view(row) for row in rows]
        return self._run(body)[0]

    def revoke_token(self, username: str, token_id: str, by: Principal) -> dict[str, Any]:
        self._admin_or_self(by, username, "revokes tokens")

        def body(session: Session, events: list[Event]) -> dict[str, Any]:
            row = accounts.revoke_token(session, self._user(session, username), token_id)
            events.append(Event(by.username, "token.revoked", f"user/{username}",
                                {"token_id": token_id}))
            return accounts.token_view(row)
        return self._run(body)[0]

    def update_user(self, username: str, by: Principal, *, active: bool | None = None,
                    password: str | None = None) -> dict[str, Any]:
        """Disable or enable a user, or set their password. Disabling or a new password
        revokes every token and ends every session of the user."""
        if by.role != "admin":
            raise Forbidden("only an admin changes users")
        if password is not None and len(password) < 8:
            raise Invalid("at least 8 characters", "password")
        password_hash = accounts.hash_secret(password) if password is not None else None

        def body(session: Session, events: list[Event]) -> dict[str, Any]:
            user = self._user(session, username)
            revoked = {"tokens_revoked": 0, "sessions_ended": 0}
            if password_hash is not None:
                user.password_hash = password_hash
            if active is not None:
                user.active = active
            if active is False or password_hash is not None:
                revoked = accounts.revoke_everything(session, user)
            events.append(Event(by.username, "user.updated", f"user/{username}",
                                {"active": active, "password_set": password_hash is not None, **revoked}))
            return {**self._user_view(user), **revoked}
        return self._run(body)[0]

    @staticmethod
    def _user_view(u: User) -> dict[str, Any]:
        return {"id": u.id, "username": u.username, "role": u.role, "office": u.office,
                "display_name": u.display_name, "active": u.active}

    def unlock(self, username: str, by: Principal) -> dict[str, Any]:
        """End a login lockout of ``username`` and forget its failed logins."""
        if by.role != "admin":
            raise Forbidden("only an admin unlocks logins")

        def body(session: Session, events: list[Event]) -> dict[str, Any]:
            was_locked = accounts.unlock(session, username)
            events.append(Event(by.username, "session.unlocked", f"user/{username}",
                                {"was_locked": was_locked}))
            return {"username": username, "was_locked": was_locked}
        return self._run(body)[0]

    def login(self, username: str, password: str, address: str | None) -> tuple[Principal, str]:
        """Check a password; returns the principal and a new session cookie value.

        Throttled per username and per client ``address`` (see :mod:`.accounts`). Every
        caller (the API, the web form) must pass the client's address: there is no default,
        because callers that left it out would share one bucket and lock each other out.
        ``None`` (address truly unknown) skips only the per-address throttle. The
        password is checked outside the write transaction (argon2 is slow) and the
        throttle again inside it, so concurrent guesses cannot outrun a lockout by more
        than the requests already in flight. Failures, refusals and lockouts are logged
        (never the password)."""
        security, now = self.settings.security, utcnow()
        name, where = username[:64], (address or "")[:64]
        try:
            with self.db.read_session() as session:
                accounts.check_throttle(session, name, where, security, now)
                user_id = accounts.check_password(session, username, password)
        except TooManyRequests as exc:
            self._log_login("session.login_refused", name, {"address": where, "reason": exc.reason})
            raise

        def body(session: Session, events: list[Event]) -> tuple[Principal, str] | None:
            if user_id is None:
                lock = accounts.record_failure(session, name, where, security, now)
                events.append(Event("anonymous", "session.login_failed", f"user/{name}",
                                    {"address": where}))
                if lock is not None:
                    events.append(Event("system", "session.locked", f"user/{name}",
                                        {"until": _iso(lock.until), "failures": lock.failures,
                                         "address": where}))
                return None
            accounts.check_throttle(session, name, where, security, now)
            user = session.get(User, user_id)
            assert user is not None
            accounts.clear_failures(session, name)
            cookie = accounts.open_session(session, user, security, now)
            events.append(Event(user.username, "session.login", f"user/{user.username}",
                                {"address": where}))
            return accounts.principal(user), cookie
        try:
            result = self._run(body)[0]
        except TooManyRequests as exc:
            self._log_login("session.login_refused", name, {"address": where, "reason": exc.reason})
            raise
        if result is None:
            raise Unauthenticated("wrong username or password", "password")
        return result

    def _log_login(self, kind: str, username: str, payload: dict[str, Any]) -> None:
        self._run(lambda session, events: events.append(
            Event("anonymous", kind, f"user/{username}", payload)))

    def session_principal(self, cookie: str) -> Principal:
        """Who holds the session ``cookie``; records its use (at most once a minute), which
        the idle timeout counts from."""
        security, now = self.settings.security, utcnow()
        with self.db.read_session() as session:
            row, user = accounts.session_row(session, cookie, security, now)
            who, last = accounts.principal(user), row.last_seen_at or row.created_at
        if now - last >= accounts.TOUCH:
            def body(session: Session, events: list[Event]) -> None:
                accounts.touch_session(session, row.id, now)
            self._run(body)
        return who

    def logout(self, who: Principal, cookie: str) -> None:
        def body(session: Session, events: list[Event]) -> None:
            accounts.logout(session, cookie)
            events.append(Event(who.username, "session.logout", f"user/{who.username}", {}))
        self._run(body)

    def list_users(self, who: Principal) -> list[dict[str, Any]]:
        if who.role != "admin":
            raise Forbidden("only an admin lists users")

        def body(session: Session, events: list[Event]) -> list[dict[str, Any]]:
            events.append(Event(who.username, "users.read", "users", {}))
            return [self._user_view(u) for u in session.scalars(select(User).order_by(User.id))]
        return self._run(body)[0]

    def list_offices(self, who: Principal) -> list[dict[str, Any]]:
        check_reads_records(who)

        def body(session: Session, events: list[Event]) -> list[dict[str, Any]]:
            events.append(Event(who.username, "offices.read", "offices", {}))
            return [{"code": o.code, "name": o.name, "director": o.director}
                    for o in session.scalars(select(Office).order_by(Office.code))]
        return self._run(body)[0]

    # -- cases -------------------------------------------------------------------------------

    @staticmethod
    def _parse(data: Any, field: str = "case") -> dict[str, Any]:
        if not isinstance(data, dict):
            raise Invalid("must be a JSON object in the discretion.case/1 format", field)
        try:
            parse_case(data)
        except CaseError as exc:
            errors = [{"path": f"{field}.{e['path'].removeprefix('$.')}"
                       if e["path"].startswith("$.") else field, "reason": e["reason"]}
                      for e in exc.errors]
            raise Invalid("invalid case file", errors[0]["path"] if errors else field,
                          errors) from None
        return data

    def _case(self, session: Session, who: Principal, case_id: int) -> Case:
        check_reads_records(who)
        case = session.get(Case, case_id)
        if case is None or not who.sees_office(case.office):
            raise NotFound(f"no case {case_id}", "case_id")  # never confirm other offices' ids
        return case

    @staticmethod
    def _version(session: Session, case: Case, version: int | None = None) -> CaseVersion:
        row = session.scalar(select(CaseVersion).where(
            CaseVersion.case_id == case.id, CaseVersion.version == (version or case.current_version)))
        if row is None:
            raise NotFound(f"case {case.id} has no version {version}", "version")
        return row

    def _store_case(self, session: Session, events: list[Event], who: Principal, office: str,
                    data: dict[str, Any], case: Case | None) -> tuple[Case, CaseVersion, bool]:
        """Create the case, or add a version when its facts changed. Returns (case, version,
        changed)."""
        text = canonical(data)
        digest = sha256(text)
        if case is None:
            known = session.execute(select(Case.id).where(
                Case.office == office, Case.external_id == data["id"])).scalar()
            case = session.get(Case, known) if known is not None else None
        if case is None:
            now = utcnow()
            case = _add(session, Case, office=office, external_id=data["id"], current_version=1,
                        created_at=now, updated_at=now)
            version = _add(session, CaseVersion, case_id=case.id, version=1, data=text,
                           sha256=digest, created_by=who.user_id or 0, created_at=now)
            events.append(Event(who.username, "case.created", f"case/{case.id}",
                                {"office": office, "version": 1, "sha256": digest}))
            return case, version, True
        current = self._version(session, case)
        if current.sha256 == digest:
            return case, current, False
        case.current_version += 1
        case.updated_at = utcnow()
        version = CaseVersion(case_id=case.id, version=case.current_version, data=text,
                              sha256=digest, created_by=who.user_id or 0)
        session.add(version)
        events.append(Event(who.username, "case.version_added", f"case/{case.id}",
                            {"version": case.current_version, "sha256": digest,
                             "previous_sha256": current.sha256}))
        return case, version, True

    def put_case(self, who: Principal, data: Any, case_id: int | None = None,
                 office: str | None = None) -> dict[str, Any]:
        """Create a case or record new facts; new facts reassess the case's open requests."""
        if who.role not in ("officer", "supervisor"):
            raise Forbidden("only officers and supervisors record case facts")
        data = self._parse(data)
        office = office or who.office
        if office != who.office:
            raise Forbidden("you record cases for your own office only")

        def body(session: Session, events: list[Event]) -> dict[str, Any]:
            case = self._case(session, who, case_id) if case_id is not None else None
            if case is not None and data["id"] != case.external_id:
                raise Invalid(f"this case's id is {case.external_id!r}; a new id is a new case",
                              "case.id")
            assert office is not None
            case, version, changed = self._store_case(session, events, who, office, data, case)
            reassessed = self._reassess(session, events, who, case, version) if changed else []
            if not changed:
                events.append(Event(who.username, "case.unchanged", f"case/{case.id}",
                                    {"version": version.version, "sha256": version.sha256}))
            return {**self._case_view(case, version, who), "reassessed": reassessed}
        return self._run(body)[0]

    def _case_view(self, case: Case, version: CaseVersion, who: Principal) -> dict[str, Any]:
        data = json.loads(version.data)
        view = {"id": case.id, "external_id": case.external_id, "office": case.office,
                "version": version.version, "current_version": case.current_version,
                "sha256": version.sha256, "recorded_at": _iso(version.created_at), "data": data,
                "redacted": who.redacted}
        return redact(view, data) if who.redacted else view

    def get_case(self, who: Principal, case_id: int, version: int | None = None) -> dict[str, Any]:
        check_reads_records(who)

        def body(session: Session, events: list[Event]) -> dict[str, Any]:
            case = self._case(session, who, case_id)
            row = self._version(session, case, version)
            events.append(Event(who.username, "case.read", f"case/{case.id}",
                                {"version": row.version, "redacted": who.redacted}))
            return self._case_view(case, row, who)
        return self._run(body)[0]

    def case_versions(self, who: Principal, case_id: int) -> list[dict[str, Any]]:
        check_reads_records(who)

        def body(session: Session, events: list[Event]) -> list[dict[str, Any]]:
            case = self._case(session, who, case_id)
            rows = session.scalars(select(CaseVersion).where(CaseVersion.case_id == case.id)
                                   .order_by(CaseVersion.version)).all()
            events.append(Event(who.username, "case.versions_read", f"case/{case.id}", {}))
            return [{"version": r.version, "sha256": r.sha256, "recorded_at": _iso(r.created_at)}
                    for r in rows]
        return self._run(body)[0]

    def list_cases(self, who: Principal, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        check_reads_records(who)

        def body(session: Session, events: list[Event]) -> list[dict[str, Any]]:
            query = select(Case).order_by(Case.id).limit(limit).offset(offset)
            if who.role in OFFICE_ROLES:
                query = query.where(Case.office == who.office)
            rows = session.scalars(query).all()
            events.append(Event(who.username, "cases.listed", "cases",
                                {"ids": [c.id for c in rows]}))
            out = [{"id": c.id, "external_id": c.external_id, "office": c.office,
                    "current_version": c.current_version} for c in rows]
            return [{**c, "external_id": redact(c["external_id"], {"id": c["external_id"]})}
                    for c in out] if who.redacted else out
        return self._run(body)[0]

    # -- assessment and routing -------------------------------------------------------------

    @staticmethod
    def _assess(data: dict[str, Any], action: str, office: str,
                day: dt.date) -> tuple[EngineDecision, dict[str, Any]]:
        subject = {**data, "request": {"action": action, "date": day.isoformat(), "office": office}}
        try:
            decision = decide(parse_case(subject), None, day)
        except policies.OutOfCoverage as exc:
            raise Invalid(str(exc), "date") from None
        return decision, decision.to_dict()

    def _record_assessment(self, session: Session, events: list[Event], who: Principal,
                           req: Request, version: int, decision: EngineDecision,
                           body: dict[str, Any]) -> Assessment:
        text = canonical(body)
        rec = recommendation(decision)
        row = _add(session, Assessment, request_id=req.id, case_version=version,
                   policy_id=decision.policy.id, policy_hash=decision.policy.hash,
                   assessed_on=decision.date, enforcement=decision.enforcement,
                   priority=decision.priority.id if decision.priority else None,
                   recommendation=rec, decision=text, created_at=utcnow())
        categories = {cat for conv in body.get("convictions", []) for cat in conv["categories"]}
        if categories:
            session.execute(insert(cast(Table, AssessmentCategory.__table__)),
                            [{"assessment_id": row.id, "category": c} for c in sorted(categories)])
        events.append(Event(who.username, "request.assessed", f"request/{req.id}", {
            "assessment": row.id, "case_version": version, "policy": decision.policy.id,
            "policy_hash": decision.policy.hash, "date": decision.date.isoformat(),
            "enforcement": decision.enforcement, "priority": row.priority, "recommendation": rec,
            "decision_sha256": sha256(text),
            "missing_facts": [[f["path"] for f in g] for g in body["missing_facts"]]}, receipt=True))
        return row

    def _transition(self, session: Session, events: list[Event], who: Principal, req: Request,
                    to_state: str, event: str, detail: dict[str, Any] | None = None) -> Transition:
        from_state = req.state
        row = Transition(request_id=req.id, from_state=from_state, to_state=to_state,
                         actor=who.username, event=event, at=utcnow())
        session.add(row)
        req.state = to_state
        req.updated_at = utcnow()
        req.version = (req.version or 0) + 1
        events.append(Event(who.username, f"request.{event}", f"request/{req.id}",
                            {"from": from_state, "to": to_state, **(detail or {})},
                            receipt=event == "decided"))
        return row

    def _assignment(self, session: Session, office: str, officer: str | None,
                    decision: EngineDecision) -> tuple[str, str | None, str | None, dt.datetime | None]:
        """Where the engine's outcome sends a request: (state, role, person, deadline)."""
        state = ROUTES[decision.enforcement]
        now = utcnow()
        if state == "awaiting_approval":
            row = session.get(Office, office)
            role = (decision.approval or {}).get("role", "field_office_director")
            return state, role, row.director if row else None, now + self.settings.approval_deadline
        if state == "awaiting_judgement":
            return state, "supervisor", None, now + self.settings.judgement_deadline
        if state == "returned":
            return state, "officer", officer, None
        return state, None, None, None

    def _route(self, session: Session, events: list[Event], who: Principal, req: Request,
               decision: EngineDecision, assessment: Assessment, event: str) -> Transition:
        officer = session.get(User, req.officer_id)
        state, req.assigned_role, req.assigned_to, req.due_at = self._assignment(
            session, req.office, officer.username if officer else None, decision)
        req.enforcement = decision.enforcement
        req.recommendation = assessment.recommendation
        return self._transition(session, events, who, req, state, event, {
            "assessment": assessment.id, "assigned_role": req.assigned_role,
            "assigned_to": req.assigned_to, "due_at": _iso(req.due_at)})

    def _reassess(self, session: Session, events: list[Event], who: Principal, case: Case,
                  version: CaseVersion) -> list[dict[str, Any]]:
        data = json.loads(version.data)
        out = []
        for req in session.scalars(select(Request).where(Request.case_id == case.id)
                                   .order_by(Request.id)):
            decision, body = self._assess(data, req.action, req.office, req.request_date)
            assessment = self._record_assessment(session, events, who, req, version.version,
                                                 decision, body)
            req.case_version = version.version
            if req.state in OPEN_STATES:
                self._route(session, events, who, req, decision, assessment, "reassessed")
            else:  # decided: the decision stands; the new assessment is on record for review
                events.append(Event(who.username, "request.reassessed_after_decision",
                                    f"request/{req.id}", {"assessment": assessment.id,
                                                          "state": req.state}))
            out.append({"request": req.id, "state": req.state, "enforcement": decision.enforcement})
        return out

    # -- requests ----------------------------------------------------------------------------

    def submit(self, who: Principal, *, case: Any = None, case_id: int | None = None,
               action: str | None = None, office: str | None = None,
               date: str | dt.date | None = None) -> dict[str, Any]:
        """An officer asks to take ``action`` on a case; it is assessed and routed at once."""
        if who.role != "officer":
            raise Forbidden("only officers submit requests")
        if (case is None) == (case_id is None):
            raise Invalid("give either the case file or the id of a stored case", "case")
        data = self._parse(case) if case is not None else None
        given = (data or {}).get("request") or {}
        action = action or given.get("action")
        if action not in ACTIONS:
            raise Invalid(f"must be one of {', '.join(ACTIONS)}", "action")
        office = office or given.get("office") or who.office
        if office != who.office:
            raise Forbidden(f"you submit requests for your own office ({who.office}) only")
        day = self._date(date or given.get("date"))
        assert office is not None
        early = self._assess(data, action, office, day) if data is not None else None

        def body(session: Session, events: list[Event]) -> dict[str, Any]:
            if session.get(Office, office) is None:
                raise Invalid(f"no office {office!r}", "office")
            assert office is not None and action is not None
            if data is not None:
                stored, version, changed = self._store_case(session, events, who, office, data, None)
                if changed and version.version > 1:
                    self._reassess(session, events, who, stored, version)
            else:
                assert case_id is not None
                stored = self._case(session, who, case_id)
                version = self._version(session, stored)
            decision, explained = early or self._assess(json.loads(version.data), action, office, day)
            # routed before it is written, so the request is inserted once, in its final state
            state, role, assignee, due = self._assignment(session, office, who.username, decision)
            now = utcnow()
            req = _add(session, Request, case_id=stored.id, case_version=version.version,
                       action=action, office=office, request_date=day,
                       officer_id=who.user_id or 0, state=state, enforcement=decision.enforcement,
                       recommendation=recommendation(decision), assigned_role=role,
                       assigned_to=assignee, due_at=due, created_at=now, updated_at=now,
                       version=1, flagged=False, escalated=False)
            events.append(Event(who.username, "request.submitted", f"request/{req.id}", {
                "case": stored.id, "case_version": version.version, "case_sha256": version.sha256,
                "action": action, "office": office, "date": day.isoformat()}))
            assessment = self._record_assessment(session, events, who, req, version.version,
                                                 decision, explained)
            routed = _add(session, Transition, request_id=req.id, from_state="submitted",
                          to_state=state, actor=who.username, event="routed", at=now)
            events.append(Event(who.username, "request.routed", f"request/{req.id}", {
                "from": "submitted", "to": state, "assessment": assessment.id,
                "assigned_role": role, "assigned_to": assignee, "due_at": _iso(due)}))
            return self._request_view(session, req, who, fresh=([assessment], [routed]),
                                      decision_body=explained)
        view, receipts = self._run(body)
        view["receipts"] = [r.to_dict() for r in receipts if r.subject == f"request/{view['id']}"]
        return view

    @staticmethod
    def _date(value: Any) -> dt.date:
        if isinstance(value, dt.date):
            return value
        if value is None:
            return dt.date.today()
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise Invalid(f"expected a date written YYYY-MM-DD, got {value!r}", "date") from None

    def _request(self, session: Session, who: Principal, request_id: int) -> Request:
        check_reads_records(who)
        req = session.get(Request, request_id, populate_existing=True)
        if req is None or not who.sees_office(req.office):
            raise NotFound(f"no request {request_id}", "request_id")
        return req

    def _request_view(self, session: Session, req: Request, who: Principal, full: bool = True,
                      fresh: tuple[list[Assessment], list[Transition]] | None = None,
                      decision_body: dict[str, Any] | None = None) -> dict[str, Any]:
        """The request as its readers see it. ``fresh``: a request just created in this
        session, with its only assessment and transition (saves the queries)."""
        officer_name = who.username if req.officer_id == who.user_id else None
        if officer_name is None:
            officer = session.get(User, req.officer_id)
            officer_name = officer.username if officer else None
        assessments = fresh[0] if fresh else session.scalars(
            select(Assessment).where(Assessment.request_id == req.id).order_by(Assessment.id)).all()
        latest = assessments[-1] if assessments else None
        view: dict[str, Any] = {
            "id": req.id, "case": req.case_id, "case_version": req.case_version,
            "action": req.action, "office": req.office, "date": req.request_date.isoformat(),
            "officer": officer_name, "state": req.state,
            "enforcement": req.enforcement, "recommendation": req.recommendation,
            "assigned_role": req.assigned_role, "assigned_to": req.assigned_to,
            "due_at": _iso(req.due_at), "flagged": req.flagged, "escalated": req.escalated,
            "created_at": _iso(req.created_at), "updated_at": _iso(req.updated_at),
            "version": req.version,
        }
        if latest is not None:
            body = decision_body if decision_body is not None else json.loads(latest.decision)
            view["assessment"] = {
                "id": latest.id, "case_version": latest.case_version, "policy": latest.policy_id,
                "policy_hash": latest.policy_hash, "date": latest.assessed_on.isoformat(),
                "enforcement": latest.enforcement, "priority": body["priority"],
                "approval": body["approval"], "judgement": body["judgement"],
                "factors": body["factors"], "missing_facts": body["missing_facts"],
                "recommendation": latest.recommendation}
            if full:
                view["assessment"]["decision"] = body
        if full and fresh:
            view.update(decision=None, dissents=[], escalations=[], history=[
                {"from": t.from_state, "to": t.to_state, "event": t.event, "by": t.actor,
                 "at": _iso(t.at)} for t in fresh[1]])
            view["assessments"] = [{"id": a.id, "case_version": a.case_version,
                                    "policy": a.policy_id, "enforcement": a.enforcement,
                                    "recommendation": a.recommendation, "at": _iso(a.created_at)}
                                   for a in assessments]
        elif full:
            view["assessments"] = [{"id": a.id, "case_version": a.case_version,
                                    "policy": a.policy_id, "enforcement": a.enforcement,
                                    "recommendation": a.recommendation,
                                    "at": _iso(a.created_at)} for a in assessments]
            decision = session.scalar(select(Decision).where(Decision.request_id == req.id))
            view["decision"] = self._decision_view(decision) if decision else None
            view["dissents"] = [{"id": d.id, "by": d.by, "text": d.text, "at": _iso(d.created_at)}
                                for d in session.scalars(select(Dissent).where(
                                    Dissent.request_id == req.id).order_by(Dissent.id))]
            view["escalations"] = [self._escalation_view(e) for e in session.scalars(
                select(Escalation).where(Escalation.request_id == req.id).order_by(Escalation.id))]
            view["history"] = [{"from": t.from_state, "to": t.to_state, "event": t.event,
                                "by": t.actor, "at": _iso(t.at)}
                               for t in session.scalars(select(Transition).where(
                                   Transition.request_id == req.id).order_by(Transition.id))]
        if who.redacted:
            version = self._version(session, session.get_one(Case, req.case_id), req.case_version)
            view = redact(view, json.loads(version.data))
        return view

    @staticmethod
    def _decision_view(d: Decision) -> dict[str, Any]:
        return {"id": d.id, "request": d.request_id, "by": d.decided_by, "outcome": d.outcome,
                "reason_code": d.reason_code, "reason": d.reason, "justification": d.justification,
                "determination": json.loads(d.determination) if d.determination else None,
                "recommendation": d.recommendation,
                "against_recommendation": d.against_recommendation, "office": d.office,
                "assessment": d.assessment_id, "at": _iso(d.created_at)}

    @staticmethod
    def _escalation_view(e: Escalation) -> dict[str, Any]:
        return {"id": e.id, "request": e.request_id, "reason": e.reason, "detail": e.detail,
                "at": _iso(e.created_at), "reviewed_by": e.reviewed_by, "finding": e.finding,
                "note": e.note, "reviewed_at": _iso(e.reviewed_at)}

    def get_request(self, who: Principal, request_id: int, log: bool = True) -> dict[str, Any]:
        check_reads_records(who)

        def body(session: Session, events: list[Event]) -> dict[str, Any]:
            req = self._request(session, who, request_id)
            if log:
                events.append(Event(who.username, "request.read", f"request/{req.id}",
                                    {"redacted": who.redacted}))
            return self._request_view(session, req, who)
        return self._run(body)[0]

    def list_requests(self, who: Principal, state: str | None = None, office: str | None = None,
                      flagged: bool | None = None, limit: int = 50,
                      offset: int = 0) -> list[dict[str, Any]]:
        check_reads_records(who)
        if state is not None and state not in STATES:
            raise Invalid(f"must be one of {', '.join(STATES)}", "state")

        def body(session: Session, events: list[Event]) -> list[dict[str, Any]]:
            query = select(Request).order_by(Request.id).limit(limit).offset(offset)
            if who.role in OFFICE_ROLES:
                query = query.where(Request.office == who.office)
            if office:
                query = query.where(Request.office == office)
            if state:
                query = query.where(Request.state == state)
            if flagged is not None:
                query = query.where(Request.flagged == flagged)
            rows = session.scalars(query).all()
            events.append(Event(who.username, "requests.listed", "requests", {
                "state": state, "office": office, "ids": [r.id for r in rows]}))
            return [self._request_view(session, r, who, full=False) for r in rows]
        return self._run(body)[0]

    # -- deciding ------------------------------------------------------------------------------

    def _may_decide(self, session: Session, who: Principal, req: Request) -> None:
        if who.role == "hq":
            overdue = session.scalar(select(Escalation.id).where(
                Escalation.request_id == req.id, Escalation.reason == "overdue"))
            if overdue is None:
                raise Forbidden("headquarters decides only requests escalated as overdue")
            return
        if who.role != "supervisor":
            raise Forbidden("only supervisors decide requests")
        if who.office != req.office:
            raise NotFound(f"no request {req.id}", "request_id")
        if req.state == "awaiting_approval" and req.assigned_to and req.assigned_to != who.username:
            raise Forbidden(f"the policy names the field office director ({req.assigned_to}) as "
                            "the approver of this request")

    def decide(self, who: Principal, request_id: int, *, outcome: str, reason_code: str,
               reason: str, justification: str | None = None,
               determination: dict[str, bool] | None = None,
               expected_version: int | None = None) -> dict[str, Any]:
        """Approve or deny. Exactly one decision per request: a second decider gets 409."""
        if outcome not in OUTCOMES:
            raise Invalid("must be approve or deny", "outcome")
        code = REASON_CODES.get(reason_code)
        if code is None:
            raise Invalid(f"unknown reason code; one of {', '.join(REASON_CODES)}", "reason_code")
        if outcome not in code.outcomes:
            raise Invalid(f"{reason_code} is a reason to {' or '.join(code.outcomes)}, not to "
                          f"{outcome}", "reason_code")
        if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON:
            raise Invalid(f"a written reason of at least {MIN_REASON} characters is required",
                          "reason")
        if determination is not None and not (
                isinstance(determination, dict)
                and all(isinstance(k, str) and isinstance(v, bool) for k, v in determination.items())):
            raise Invalid("an object of determination names to true or false", "determination")

        def body(session: Session, events: list[Event]) -> dict[str, Any]:
            req = self._request(session, who, request_id)
            self._may_decide(session, who, req)
            if expected_version is not None and req.version != expected_version:
                raise Conflict(f"the request changed (version {req.version}, you saw "
                               f"{expected_version}); reload it", "version")
            if req.state not in ("awaiting_approval", "awaiting_judgement", "cleared"):
                raise Conflict(f"the request is {req.state}, not awaiting a decision", "state")
            if req.state == "cleared" and outcome == "approve":
                raise Conflict("the request is already cleared to proceed", "outcome")
            assessment = session.scalars(select(Assessment).where(Assessment.request_id == req.id)
                                         .order_by(Assessment.id.desc()).limit(1)).one()
            flagged = against(assessment.recommendation, outcome)
            if flagged and (not justification or len(justification.strip()) < MIN_REASON):
                raise Invalid(f"deciding against the recommendation ({assessment.recommendation}) "
                              f"needs a justification of at least {MIN_REASON} characters",
                              "justification")
            decision = Decision(request_id=req.id, assessment_id=assessment.id,
                                decided_by=who.username, outcome=outcome, reason_code=reason_code,
                                reason=reason.strip(), justification=justification,
                                determination=canonical(determination) if determination else None,
                                recommendation=assessment.recommendation,
                                against_recommendation=flagged, office=req.office)
            session.add(decision)
            session.flush()  # the unique key on request_id: a concurrent decider fails here
            self._transition(session, events, who, req, OUTCOMES[outcome], "decided", {
                "decision": decision.id, "outcome": outcome, "reason_code": reason_code,
                "reason": decision.reason, "justification": justification,
                "determination": determination, "recommendation": assessment.recommendation,
                "against_recommendation": flagged, "assessment": assessment.id,
                "policy": assessment.policy_id, "policy_hash": assessment.policy_hash})
            req.assigned_role = req.assigned_to = None
            req.due_at = None
            if flagged:
                req.flagged = True
                self._escalate(session, events, who, req, "against_recommendation",
                               f"{outcome} against the recommendation to "
                               f"{assessment.recommendation}: {justification}")
            session.flush()
            return self._request_view(session, req, who)
        view, receipts = self._run(body)
        view["receipts"] = [r.to_dict() for r in receipts]
        return view

    def _escalate(self, session: Session, events: list[Event], who: Principal, req: Request,
                  reason: str, detail: str) -> Escalation:
        esc = Escalation(request_id=req.id, reason=reason, detail=detail)
        session.add(esc)
        session.flush()
        req.escalated = True
        events.append(Event(who.username, "request.escalated", f"request/{req.id}",
                            {"escalation": esc.id, "reason": reason, "to": "hq"}, receipt=True))
        return esc

    def dissent(self, who: Principal, request_id: int, text: str) -> dict[str, Any]:
        """The requesting officer disagrees with a denial; headquarters reviews it."""
        if who.role != "officer":
            raise Forbidden("only officers record dissents")
        if not isinstance(text, str) or len(text.strip()) < MIN_REASON:
            raise Invalid(f"a dissent of at least {MIN_REASON} characters is required", "text")

        def body(session: Session, events: list[Event]) -> dict[str, Any]:
            req = self._request(session, who, request_id)
            if req.officer_id != who.user_id:
                raise Forbidden("only the officer who made the request may dissent")
            if req.state != "denied":
                raise Conflict(f"only a denial can be dissented from; the request is {req.state}",
                               "state")
            decision = session.scalar(select(Decision).where(Decision.request_id == req.id))
            assert decision is not None
            row = Dissent(request_id=req.id, decision_id=decision.id, by=who.username,
                          text=text.strip())
            session.add(row)
            session.flush()
            events.append(Event(who.username, "request.dissented", f"request/{req.id}",
                                {"dissent": row.id, "decision": decision.id, "text": row.text},
                                receipt=True))
            self._escalate(session, events, who, req, "dissent", row.text)
            session.flush()
            return self._request_view(session, req, who)
        view, receipts = self._run(body)
        view["receipts"] = [r.to_dict() for r in receipts]
        return view

    def review(self, who: Principal, escalation_id: int, finding: str, note: str) -> dict[str, Any]:
        """Headquarters records its finding on an escalation."""
        if who.role != "hq":
            raise Forbidden("only headquarters reviews escalations")
        if finding not in FINDINGS:
            raise Invalid(f"must be one of {', '.join(FINDINGS)}", "finding")
        if not isinstance(note, str) or len(note.strip()) < MIN_REASON:
            raise Invalid(f"a note of at least {MIN_REASON} characters is required", "note")

        def body(session: Session, events: list[Event]) -> dict[str, Any]:
            esc = session.get(Escalation, escalation_id)
            if esc is None:
                raise NotFound(f"no escalation {escalation_id}", "escalation_id")
            if esc.reviewed_at is not None:
                raise Conflict(f"escalation {escalation_id} was already reviewed by "
                               f"{esc.reviewed_by}", "escalation_id")
            esc.reviewed_by, esc.finding, esc.note, esc.reviewed_at = who.username, finding, note, utcnow()
            req = session.get_one(Request, esc.request_id)
            session.flush()
            still_open = session.scalar(select(func.count()).select_from(Escalation).where(
                Escalation.request_id == req.id, Escalation.reviewed_at.is_(None)))
            req.escalated = bool(still_open)
            events.append(Event(who.username, "request.reviewed", f"request/{req.id}",
                                {"escalation": esc.id, "reason": esc.reason, "finding": finding,
                                 "note": note}, receipt=True))
            return self._escalation_view(esc)
        return self._run(body)[0]

    def escalate_overdue(self, who: Principal, now: dt.datetime | None = None) -> list[dict[str, Any]]:
        """Escalate every request awaiting a decision past its deadline (run periodically)."""
        if who.role not in ("admin", "hq", "supervisor"):
            raise Forbidden("only supervisors, headquarters or an admin run escalations")
        moment = now or utcnow()

        def body(session: Session, events: list[Event]) -> list[dict[str, Any]]:
            query = select(Request).where(
                Request.state.in_(("awaiting_approval", "awaiting_judgement")),
                Request.due_at < moment).order_by(Request.id)
            if who.role == "supervisor":
                query = query.where(Request.office == who.office)
            out = []
            for req in session.scalars(query):
                done = session.scalar(select(Escalation.id).where(
                    Escalation.request_id == req.id, Escalation.reason == "overdue"))
                if done is not None:
                    continue
                esc = self._escalate(session, events, who, req, "overdue",
                                     f"no decision by {_iso(req.due_at)}")
                out.append({"request": req.id, "escalation": esc.id, "due_at": _iso(req.due_at)})
            if not out:
                events.append(Event(who.username, "escalations.checked", "requests",
                                    {"at": _iso(moment), "escalated": 0}))
            return out
        return self._run(body)[0]

    # -- decisions, escalations and oversight ------------------------------------------------

    def _oversight(self, who: Principal) -> None:
        check_reads_records(who)
        if who.role not in ("hq", "auditor", "admin"):
            raise Forbidden("oversight queries are for headquarters, auditors and admins")

    def list_decisions(self, who: Principal, against_only: bool = False, limit: int = 100,
                       offset: int = 0) -> list[dict[str, Any]]:
        check_reads_records(who)

        def body(session: Session, events: list[Event]) -> list[dict[str, Any]]:
            query = select(Decision).order_by(Decision.id).limit(limit).offset(offset)
            if who.role in OFFICE_ROLES:
                query = query.where(Decision.office == who.office)
            if against_only:
                query = query.where(Decision.against_recommendation.is_(True))
            rows = session.scalars(query).all()
            events.append(Event(who.username, "decisions.listed", "decisions",
                                {"ids": [d.id for d in rows]}))
            return [self._decision_view(d) for d in rows]
        return self._run(body)[0]

    def get_decision(self, who: Principal, decision_id: int) -> dict[str, Any]:
        check_reads_records(who)

        def body(session: Session, events: list[Event]) -> dict[str, Any]:
            d = session.get(Decision, decision_id)
            if d is None or not who.sees_office(d.office):
                raise NotFound(f"no decision {decision_id}", "decision_id")
            events.append(Event(who.username, "decision.read", f"request/{d.request_id}",
                                {"decision": d.id}))
            view = self._decision_view(d)
            entry = session.scalars(select(AuditEntry).where(
                AuditEntry.subject == f"request/{d.request_id}",
                AuditEntry.kind == "request.decided")).first()
            view["audit_seq"] = entry.seq if entry else None
            return view
        return self._run(body)[0]

    def escalations(self, who: Principal, open_only: bool = True) -> list[dict[str, Any]]:
        check_reads_records(who)
        if who.role not in ("hq", "auditor", "admin"):
            raise Forbidden("the escalation queue is for headquarters, auditors and admins")

        def body(session: Session, events: list[Event]) -> list[dict[str, Any]]:
            query = select(Escalation).order_by(Escalation.id)
            if open_only:
                query = query.where(Escalation.reviewed_at.is_(None))
            rows = session.scalars(query).all()
            events.append(Event(who.username, "escalations.listed", "escalations",
                                {"open_only": open_only, "ids": [e.id for e in rows]}))
            return [self._escalation_view(e) for e in rows]
        return self._run(body)[0]

    def _month(self, column: Any) -> Any:
        if self.db.is_sqlite:
            return func.strftime("%Y-%m", column)
        return func.to_char(column, "YYYY-MM")

    def _query(self, who: Principal, name: str, params: dict[str, Any],
               build: Callable[[Session], Sequence[Any]]) -> list[Any]:
        self._oversight(who)

        def body(session: Session, events: list[Event]) -> list[Any]:
            events.append(Event(who.username, "oversight.query", f"oversight/{name}", params))
            return list(build(session))
        return self._run(body)[0]

    def denials_by_category(self, who: Principal, category: str,
                            office: str | None = None) -> list[dict[str, Any]]:
        """Denied requests whose subject has a conviction in ``category``, as assessed when
        the request was decided."""
        from ..cases import CATEGORY_NAMES
        if category not in CATEGORY_NAMES:
            raise Invalid(f"unknown conviction category; one of {', '.join(CATEGORY_NAMES)}",
                          "category")

        def build(session: Session) -> list[dict[str, Any]]:
            query: Select[Any] = (
                select(Decision).join(AssessmentCategory,
                                      AssessmentCategory.assessment_id == Decision.assessment_id)
                .where(Decision.outcome == "deny", AssessmentCategory.category == category)
                .order_by(Decision.id))
            if office:
                query = query.where(Decision.office == office)
            return [self._decision_view(d) for d in session.scalars(query)]
        return self._query(who, "denials", {"category": category, "office": office}, build)

    def against_recommendation(self, who: Principal) -> list[dict[str, Any]]:
        """Decisions against the recommendation, counted by office, month and outcome."""
        def build(session: Session) -> list[dict[str, Any]]:
            month = self._month(Decision.created_at)
            rows = session.execute(
                select(Decision.office, month.label("month"), Decision.outcome, func.count())
                .where(Decision.against_recommendation.is_(True))
                .group_by(Decision.office, month, Decision.outcome)
                .order_by(Decision.office, month, Decision.outcome)).all()
            return [{"office": o, "month": m, "outcome": out, "count": n} for o, m, out, n in rows]
        return self._query(who, "against-recommendation", {}, build)

    def dissent_counts(self, who: Principal) -> list[dict[str, Any]]:
        """Dissents by office and month, and how many headquarters has reviewed."""
        def build(session: Session) -> list[dict[str, Any]]:
            month = self._month(Dissent.created_at)
            rows = session.execute(
                select(Request.office, month.label("month"), func.count(Dissent.id))
                .join(Request, Request.id == Dissent.request_id)
                .group_by(Request.office, month).order_by(Request.office, month)).all()
            reviewed = {finding: n for finding, n in session.execute(
                select(Escalation.finding, func.count()).where(
                    Escalation.reason == "dissent", Escalation.reviewed_at.is_not(None))
                .group_by(Escalation.finding))}
            out: list[dict[str, Any]] = [{"office": o, "month": m, "dissents": n} for o, m, n in rows]
            out.append({"reviewed_findings": reviewed})
            return out
        return self._query(who, "dissents", {}, build)

    def decision_counts(self, who: Principal) -> list[dict[str, Any]]:
        """Decisions counted by office, month, outcome and the policy they were assessed
        under (the oversight dashboard's charts)."""
        def build(session: Session) -> list[dict[str, Any]]:
            month = self._month(Decision.created_at)
            rows = session.execute(
                select(Decision.office, month.label("month"), Decision.outcome,
                       Assessment.policy_id, func.count())
                .join(Assessment, Assessment.id == Decision.assessment_id)
                .group_by(Decision.office, month, Decision.outcome, Assessment.policy_id)
                .order_by(Decision.office, month, Decision.outcome, Assessment.policy_id)).all()
            return [{"office": o, "month": m, "outcome": out, "policy": p, "count": n}
                    for o, m, out, p, n in rows]
        return self._query(who, "decision-counts", {}, build)
