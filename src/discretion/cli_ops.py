"""Operations commands: ``serve``, ``demo``, ``users``, ``offices``, ``request``, ``audit``, ``db``.

They work on the database named by ``DISCRETION_DATABASE_URL`` (default: a SQLite file in
``DISCRETION_DATA_DIR``, ``./var``). Commands that act for a person take their API token
(``--token`` or ``DISCRETION_TOKEN``) and are checked and logged exactly as API calls are.
Heavy imports happen inside the commands, so ``discretion assess`` stays quick.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from .workflow.roles import Principal
    from .workflow.service import Workflow

out = Console(soft_wrap=False, width=120)
err = Console(stderr=True)

users_app = typer.Typer(no_args_is_help=True, help="Manage users and their API tokens.")
offices_app = typer.Typer(no_args_is_help=True, help="Manage field offices and their directors.")
request_app = typer.Typer(no_args_is_help=True, help="Submit, decide and show enforcement requests.")
audit_app = typer.Typer(no_args_is_help=True, help="Verify, export and checkpoint the audit log.")
demo_app = typer.Typer(no_args_is_help=True, help="Demo data.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")

TokenOpt = Annotated[str | None, typer.Option(
    "--token", envvar="DISCRETION_TOKEN", help="Your API token (or DISCRETION_TOKEN).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def register(app: typer.Typer) -> None:
    """Add the operations commands to the main ``discretion`` command."""
    app.command(help="Run the web application and the REST API (uvicorn).")(serve)
    app.add_typer(demo_app, name="demo")
    app.add_typer(users_app, name="users")
    app.add_typer(offices_app, name="offices")
    app.add_typer(request_app, name="request")
    app.add_typer(audit_app, name="audit")
    app.add_typer(db_app, name="db")


# -- plumbing ------------------------------------------------------------------------------------

def _fail(message: str, errors: list[dict[str, str]] | None = None, code: int = 2) -> NoReturn:
    err.print(f"[red]error:[/red] {message}")
    for e in errors or []:
        err.print(f"  {e.get('path') or e.get('field')}: {e['reason']}")
    raise typer.Exit(code)


def _workflow() -> Workflow:
    from .audit.keys import load_signing_key
    from .audit.log import Signer
    from .store import Database
    from .workflow.service import Workflow

    db = Database()
    db.migrate()
    return Workflow(db, Signer(load_signing_key()))


def _who(workflow: Workflow, token: str | None) -> Principal:
    from .workflow import accounts
    from .workflow.errors import WorkflowError

    if not token:
        _fail("no token: pass --token or set DISCRETION_TOKEN (see `discretion users add`)")
    try:
        with workflow.db.reading() as conn:
            return accounts.principal_for_token(conn, token)
    except WorkflowError as exc:
        _fail(exc.reason)


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a workflow call; a refusal or bad input exits non-zero naming the field."""
    from .workflow.errors import WorkflowError

    try:
        return fn(*args, **kwargs)
    except WorkflowError as exc:
        extra = exc.errors if len(exc.errors) > 1 or (
            exc.errors and exc.errors[0]["path"] != exc.field) else None
        _fail(f"{exc.title.lower()}: {exc.field + ': ' if exc.field else ''}{exc.reason}", extra,
              code=1 if exc.status in (401, 403, 404, 409) else 2)


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def _show_request(view: dict[str, Any]) -> None:
    a = view.get("assessment") or {}
    out.print(f"[bold]Request {view['id']}[/bold]: {view['action']} · office {view['office']} · "
              f"case {view['case']} v{view['case_version']} · officer {view['officer']}")
    out.print(f"State: [bold]{view['state']}[/bold]"
              + (f" · assigned to {view['assigned_to'] or view['assigned_role']}"
                 if view.get("assigned_role") else "")
              + (f" · due {view['due_at']}" if view.get("due_at") else ""))
    if a:
        out.print(f"Assessment: {a['enforcement']} under {a['policy']} ({a['policy_hash'][:19]}…) "
                  f"on {a['date']}; recommendation: {a['recommendation']}")
        for j in a.get("judgement") or []:
            out.print(escape(f"  judgement needed: {j['determination']} — {j['citation']}"))
        if a.get("approval"):
            out.print(escape(f"  approval by: {a['approval']['who']} — {a['approval']['citation']}"))
        for side in ("aggravating", "mitigating"):
            for f in (a.get("factors") or {}).get(side, []):
                out.print(escape(f"  {side}: {f['label']} ({f['basis']})"))
        for group in a.get("missing_facts") or []:
            out.print("  find out: " + " + ".join(f["path"] for f in group))
    d = view.get("decision")
    if d:
        out.print(f"Decision: [bold]{d['outcome']}[/bold] by {d['by']} ({d['reason_code']}): "
                  + escape(d["reason"]))
        if d["against_recommendation"]:
            out.print(f"  [yellow]FLAGGED[/yellow]: against the recommendation to {d['recommendation']};"
                      " justification: " + escape(str(d["justification"])))
    for e in view.get("escalations") or []:
        status = f"reviewed by {e['reviewed_by']}: {e['finding']}" if e["reviewed_at"] else "open"
        out.print(f"Escalated to HQ ({e['reason']}), {status}")
    for x in view.get("dissents") or []:
        out.print(f"Dissent by {x['by']}: " + escape(x["text"]))
    for r in view.get("receipts") or []:
        out.print(f"Receipt: audit entry {r['seq']} ({r['kind']}), leaf {r['leaf_hash'][:16]}…, "
                  f"in signed tree of size {r['tree_size']}")


# -- serve ---------------------------------------------------------------------------------------

def serve(host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port.")] = 8000,
          workers: Annotated[int, typer.Option(help="Worker processes.")] = 1) -> None:
    """Run the web application and the REST API (pages at /, API under /api, OpenAPI at
    /openapi.json)."""
    import uvicorn

    from .store import Database

    Database().migrate()  # once, before workers start
    os.environ["DISCRETION_SKIP_MIGRATE"] = "1"
    uvicorn.run("discretion.api.server:app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False)


# -- db, users, offices ----------------------------------------------------------------------

@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest revision."""
    from .store import Database

    db = Database()
    db.migrate()
    out.print(f"schema up to date: {db.engine.url.render_as_string(hide_password=True)}")


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[str, typer.Option(help="officer | supervisor | hq | auditor | admin | analyst")],
    office: Annotated[str | None, typer.Option(help="Office code (officers and supervisors).")] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    password: Annotated[bool, typer.Option("--password", help="Prompt for a web password.")] = False,
) -> None:
    """Add a user and print their first API token (shown only once)."""
    from .workflow.roles import SYSTEM

    secret = typer.prompt("password", hide_input=True, confirmation_prompt=True) if password else None
    workflow = _workflow()
    made = _call(workflow.add_user, username, role, office, name, secret, by=SYSTEM)
    out.print(f"added {made['username']} ({made['role']}{', ' + office if office else ''})")
    print(made["token"])


@users_app.command("token")
def users_token(
    username: str,
    label: Annotated[str, typer.Option(help="What the token is for.")] = "",
    expires_days: Annotated[int | None, typer.Option(
        "--expires-days", help="Lifetime in days (default DISCRETION_TOKEN_DAYS, 90).")] = None,
) -> None:
    """Issue an API token for USERNAME and print it (shown only once)."""
    from .workflow.roles import SYSTEM

    made = _call(_workflow().issue_token, username, label, SYSTEM, expires_days)
    out.print(f"token {made['id']} for {username}, expires {made['expires_at']}")
    print(made["token"])


@users_app.command("tokens")
def users_tokens(username: str, as_json: JsonOpt = False) -> None:
    """List USERNAME's API tokens: id, label, expiry and state (never the secrets)."""
    from .workflow.roles import SYSTEM

    rows = _call(_workflow().list_tokens, username, SYSTEM)
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        out.print(f"{r['id']}  {r['state']:<8} expires {r['expires_at']}  {escape(r['label'])}")


@users_app.command("revoke")
def users_revoke(username: str, token_id: str) -> None:
    """Revoke one of USERNAME's API tokens (by its id, from `discretion users tokens`)."""
    from .workflow.roles import SYSTEM

    _call(_workflow().revoke_token, username, token_id, SYSTEM)
    out.print(f"revoked token {token_id} of {username}")


@users_app.command("unlock")
def users_unlock(username: str) -> None:
    """End a login lockout of USERNAME (after too many failed passwords)."""
    from .workflow.roles import SYSTEM

    done = _call(_workflow().unlock, username, SYSTEM)
    out.print(f"{username}: {'unlocked' if done['was_locked'] else 'was not locked; failures cleared'}")


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Disable USERNAME: revokes all their tokens and ends their sessions."""
    from .workflow.roles import SYSTEM

    done = _call(_workflow().update_user, username, SYSTEM, active=False)
    out.print(f"disabled {username}: {done['tokens_revoked']} token(s) revoked, "
              f"{done['sessions_ended']} session(s) ended")


@users_app.command("enable")
def users_enable(username: str) -> None:
    """Enable USERNAME again (their old tokens stay revoked: issue a new one)."""
    from .workflow.roles import SYSTEM

    _call(_workflow().update_user, username, SYSTEM, active=True)
    out.print(f"enabled {username}")


@users_app.command("password")
def users_password(username: str) -> None:
    """Set USERNAME's web password (prompted): revokes their tokens and ends their sessions."""
    from .workflow.roles import SYSTEM

    secret = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    done = _call(_workflow().update_user, username, SYSTEM, password=secret)
    out.print(f"password set for {username}: {done['tokens_revoked']} token(s) revoked, "
              f"{done['sessions_ended']} session(s) ended")


@offices_app.command("add")
def offices_add(code: str, name: str,
                director: Annotated[str | None, typer.Option(help="Username of the FOD.")] = None) -> None:
    """Add or update a field office and name its field office director."""
    from .workflow.roles import SYSTEM

    _call(_workflow().add_office, code, name, director, by=SYSTEM)
    out.print(f"office {code}: {name}, director {director or '—'}")


# -- requests ------------------------------------------------------------------------------------

@request_app.command("submit")
def request_submit(
    case_file: Annotated[Path, typer.Argument(metavar="CASE.json")],
    action: Annotated[str | None, typer.Option(help="arrest | detainer | detention | removal; "
                                               "default: the case file's request")] = None,
    office: Annotated[str | None, typer.Option(help="Default: the case file's, then yours.")] = None,
    date: Annotated[str | None, typer.Option(
        help="YYYY-MM-DD; default: the case file's, then today.")] = None,
    token: TokenOpt = None, as_json: JsonOpt = False,
) -> None:
    """Submit a request as an officer; it is assessed and routed at once."""
    try:
        data = json.loads(case_file.read_text())
    except FileNotFoundError:
        _fail(f"CASE.json: no such file: {case_file}")
    except json.JSONDecodeError as exc:
        _fail(f"CASE.json: not JSON ({exc})")
    workflow = _workflow()
    who = _who(workflow, token)
    view = _call(workflow.submit, who, case=data, action=action, office=office, date=date)
    _print_json(view) if as_json else _show_request(view)


@request_app.command("decide")
def request_decide(
    request_id: int,
    outcome: Annotated[str, typer.Option(help="approve | deny")],
    reason_code: Annotated[str, typer.Option("--reason-code", help="See `discretion request reasons`.")],
    reason: Annotated[str, typer.Option(help="The written reason (required).")],
    justification: Annotated[str | None, typer.Option(
        help="Required when deciding against the recommendation.")] = None,
    token: TokenOpt = None, as_json: JsonOpt = False,
) -> None:
    """Approve or deny a request as a supervisor."""
    workflow = _workflow()
    who = _who(workflow, token)
    view = _call(workflow.decide, who, request_id, outcome=outcome, reason_code=reason_code,
                 reason=reason, justification=justification)
    _print_json(view) if as_json else _show_request(view)


@request_app.command("dissent")
def request_dissent(request_id: int, text: str, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Record the requesting officer's dissent from a denial (goes to headquarters)."""
    workflow = _workflow()
    view = _call(workflow.dissent, _who(workflow, token), request_id, text)
    _print_json(view) if as_json else _show_request(view)


@request_app.command("show")
def request_show(request_id: int, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Show a request: assessment, routing, decision, escalations, history."""
    workflow = _workflow()
    view = _call(workflow.get_request, _who(workflow, token), request_id)
    if as_json:
        _print_json(view)
        return
    _show_request(view)
    for h in view.get("history", []):
        out.print(f"  {h['at']}  {h['by']}: {h['event']} {h['from'] or ''} → {h['to']}")


@request_app.command("reasons")
def request_reasons() -> None:
    """The fixed list of reason codes."""
    from .workflow.reasons import REASON_CODES

    for r in REASON_CODES.values():
        out.print(f"{r.code:24} {'/'.join(r.outcomes):14} {r.label}")


@request_app.command("escalate-overdue")
def request_escalate(token: TokenOpt = None) -> None:
    """Escalate to headquarters every request past its deadline (run it from a timer)."""
    workflow = _workflow()
    done = _call(workflow.escalate_overdue, _who(workflow, token))
    out.print(f"escalated {len(done)} overdue request(s)")


# -- audit ---------------------------------------------------------------------------------------

@audit_app.command("verify")
def audit_verify(
    public_key: Annotated[Path | None, typer.Option(
        help="PEM public key of the log; default: the one of the configured signing key.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check every entry against the hash chain and the signed checkpoints. Exits 1 and names
    the first bad entry on any alteration, deletion or reordering."""
    from .audit.keys import load_public_key, load_signing_key
    from .audit.verify import verify
    from .store import Database

    key = load_public_key(public_key) if public_key else load_signing_key(create=False).public_key()
    db = Database()
    report = verify(db, key)
    if as_json:
        _print_json(report.to_dict())
    elif report.ok:
        out.print(f"[green]OK[/green]: {report.size} entries; root {report.root}; "
                  f"{report.checkpoints} signed checkpoint(s), latest at size {report.checkpoint_size}"
                  f" ({report.size - report.checkpoint_size} newer entries chain-verified); "
                  f"{report.seconds:.2f}s")
    else:
        err.print(f"[red]FAILED[/red]: first bad entry: {report.first_bad}")
        for p in report.problems:
            err.print(f"  {p.message}")
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign a checkpoint of the log as it is now."""
    workflow = _workflow()
    from .workflow.roles import SYSTEM

    cp = workflow.audit_checkpoint_now(SYSTEM)
    out.print(f"checkpoint: size {cp['size']}, root {cp['root']}")


@audit_app.command("key")
def audit_key() -> None:
    """Print the public key that verifies checkpoints (PEM)."""
    from .audit.keys import load_signing_key, public_pem

    print(public_pem(load_signing_key().public_key()), end="")


@audit_app.command("export")
def audit_export(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File; default stdout.")] = None,
    token: TokenOpt = None,
) -> None:
    """Export the log as JSON lines: the key and checkpoints first, then every entry. The log
    holds digests of case facts, never the facts, so the export carries no personal data.
    For auditors, headquarters and admins; the export itself is logged."""
    from sqlalchemy import select

    from .audit import log
    from .audit.log import Event
    from .store.models import AuditEntry, Checkpoint

    workflow = _workflow()
    who = _who(workflow, token)
    if who.role not in ("auditor", "hq", "admin"):
        _fail("forbidden: exports are for auditors, headquarters and admins", code=1)

    def mark(session: Any, events: list[Event]) -> int:
        events.append(Event(who.username, "audit.exported", "audit/export", {}))
        return log.size(session)
    size = workflow._run(mark)[0] + 1
    stream = output.open("w") if output else sys.stdout
    try:
        with workflow.db.read_session() as session:
            stream.write(json.dumps({"key": workflow.audit_key()}) + "\n")
            for c in session.scalars(select(Checkpoint).order_by(Checkpoint.size)):
                stream.write(json.dumps({"checkpoint": log.checkpoint_dict(c)}) + "\n")
            for e in session.scalars(select(AuditEntry).where(AuditEntry.seq < size)
                                     .order_by(AuditEntry.seq).execution_options(yield_per=5000)):
                stream.write(json.dumps({"entry": log.entry_dict(e)}, ensure_ascii=False) + "\n")
    finally:
        if output:
            stream.close()
    if output:
        out.print(f"exported {size} entries to {output}")


# -- demo ----------------------------------------------------------------------------------------

@demo_app.command("seed")
def demo_seed() -> None:
    """Demo offices, users, cases and requests taken through every state. Prints the users'
    tokens and writes them to ``<data dir>/demo-tokens.env`` (mode 0600)."""
    from .store.db import data_dir
    from .workflow.demo import seed

    workflow = _workflow()
    result = _call(seed, workflow)
    env_file = data_dir() / "demo-tokens.env"
    env_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        for var, token in result["tokens"].items():
            f.write(f"export {var}={token}\n")
    for line in result["summary"]:
        out.print(line)
    out.print(f"tokens written to {env_file}: `source {env_file}`")


@demo_app.command("web")
def demo_web(host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
             port: Annotated[int, typer.Option(help="Port.")] = 8000) -> None:
    """The README's main job: a fresh demo database (the data directory's SQLite file is
    replaced; its signing key is kept), seeded, then the web application at
    http://HOST:PORT with the demo logins printed first."""
    from .store.db import data_dir, database_url
    from .workflow.demo import USERS, seed

    if not database_url().startswith("sqlite:"):
        _fail("the demo resets its database: run it on SQLite (unset DISCRETION_DATABASE_URL)")
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", ".writer"):  # reset: a re-run starts from the same state
        (folder / f"discretion.sqlite{suffix}").unlink(missing_ok=True)
    result = _call(seed, _workflow())
    for line in result["summary"]:
        out.print(line)
    out.print(f"\n[bold]discretion demo[/bold]: http://{host}:{port}  (database {folder})")
    out.print("Sign in as (username / password):")
    for username, role, office, name, _ in USERS:
        out.print(f"  {role:<11} {username:<11} demo-{username:<12} {name}"
                  + (f", office {office}" if office else ""))
    out.print("Stop the server with Ctrl-C.")
    serve(host=host, port=port, workers=1)
