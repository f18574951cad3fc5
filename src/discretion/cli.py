"""The ``discretion`` command."""

from __future__ import annotations

import datetime as dt
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from . import policies
from .cases import Case, CaseError, case_schema, load_case
from .decide import Decision, decide
from .policy import Policy
from .reference import markdown
from .render import decision_text

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Enforcement-discretion policy as code: decide and explain cases.")
schema_app = typer.Typer(no_args_is_help=True, help="Print JSON Schemas of the formats.")
app.add_typer(schema_app, name="schema")

out = Console(soft_wrap=False, width=120)
err = Console(stderr=True)


class Format(StrEnum):
    text = "text"
    json = "json"


class ListFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="text or json")]
DateOpt = Annotated[str | None, typer.Option(
    "--date", help="Assess on this date (YYYY-MM-DD); default: the request date, then today.")]


class UsageError(Exception):
    """Bad input from the command line: the field and the reason."""

    def __init__(self, field: str, reason: str, errors: list[dict[str, str]] | None = None):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason
        self.errors = errors or [{"path": field, "reason": reason}]


def fail(exc: UsageError, fmt: Format) -> NoReturn:
    if fmt is Format.json:
        body = {"error": exc.reason if exc.field == "case" else str(exc), "errors": exc.errors}
        print(json.dumps(body, indent=2), file=sys.stderr)
    else:
        err.print(f"[red]error:[/red] {exc}" if exc.field != "case" else "[red]error:[/red] "
                  "invalid case file")
        if exc.field == "case":
            for e in exc.errors:
                err.print(f"  {e['path']}: {e['reason']}")
    raise typer.Exit(2)


def parse_date(value: str | None, field: str = "--date") -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(field, f"expected a date written YYYY-MM-DD, got {value!r}") from None


def read_case_file(path: Path) -> Case:
    try:
        return load_case(path)
    except FileNotFoundError:
        raise UsageError("CASE", f"no such file: {path}") from None
    except IsADirectoryError:
        raise UsageError("CASE", f"is a directory: {path}") from None
    except CaseError as exc:
        raise UsageError("case", "invalid case file", exc.errors) from None


def choose_policy(policy_id: str | None) -> Policy | None:
    if policy_id is None:
        return None
    try:
        return policies.get(policy_id)
    except KeyError as exc:
        raise UsageError("--policy", str(exc.args[0])) from None


def _decide(case: Case, policy: Policy | None, day: dt.date | None) -> Decision:
    try:
        return decide(case, policy, day)
    except policies.OutOfCoverage as exc:
        raise UsageError("--date", str(exc)) from None


@app.command()
def assess(
    case_file: Annotated[Path, typer.Argument(metavar="CASE.json", help="A discretion.case/1 file")],
    policy: Annotated[str | None, typer.Option(
        "--policy", "-p", help="Policy id; default: the one in force on the date.")] = None,
    date: DateOpt = None,
    fmt: FormatOpt = Format.text,
) -> None:
    """Decide one case and explain the decision, citing the clauses."""
    try:
        case = read_case_file(case_file)
        decision = _decide(case, choose_policy(policy), parse_date(date))
    except UsageError as exc:
        fail(exc, fmt)
    if fmt is Format.json:
        print(json.dumps(decision.to_dict(), indent=2, ensure_ascii=False))
    else:
        out.print(decision_text(decision))


@app.command()
def timeline(
    case_file: Annotated[Path, typer.Argument(metavar="CASE.json")],
    date: DateOpt = None,
    fmt: FormatOpt = Format.text,
) -> None:
    """What the case would receive under each policy, on one date, as a table."""
    try:
        case = read_case_file(case_file)
        day = parse_date(date)
        rows = [_decide(case, p, day) for p in policies.POLICIES.values()]
        day = rows[0].date
        try:
            current = policies.in_force(day).id
        except policies.OutOfCoverage:
            current = None
    except UsageError as exc:
        fail(exc, fmt)
    if fmt is Format.json:
        print(json.dumps({"case": case.id, "date": day.isoformat(), "in_force": current,
                          "policies": [_timeline_row(d) for d in rows]}, indent=2))
        return
    table = Table(title=f"Case {case.id}: each policy applied on {day.isoformat()}")
    for col in ("policy", "in force", "enforcement", "priority", "approval / judgement",
                "find out"):
        table.add_column(col, overflow="fold")
    for d in rows:
        row = _timeline_row(d)
        table.add_row(
            ("★ " if d.policy.id == current else "") + d.policy.id,
            ", ".join(row["in_force"]), d.enforcement.replace("_", " "),
            d.priority.label if d.priority else "—",
            row["approval"]["who"] if row["approval"] else
            "; ".join(j["determination"].replace("_", " ") for j in row["judgement"]) or "—",
            "; ".join(" + ".join(f["path"] for f in g) for g in row["missing_facts"]) or "—",
        )
    out.print(table)
    if current is not None:
        out.print(f"★ in force on {day.isoformat()}: {current}")


def _timeline_row(d: Decision) -> dict[str, Any]:
    data = d.to_dict()
    windows = [f"{w.start.isoformat()}–{w.end.isoformat() if w.end else ''}"
               for w in policies.windows_of(d.policy.id)]
    return {"policy": d.policy.id, "in_force": windows, "enforcement": d.enforcement,
            "priority": data["priority"], "approval": data["approval"],
            "judgement": data["judgement"], "missing_facts": data["missing_facts"]}


@app.command("policies")
def list_policies(
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="text, json or markdown (the "
                                            "full reference, clause by clause)")] = ListFormat.text,
) -> None:
    """The encoded policies, with their dates, sources and the timeline."""
    if fmt is ListFormat.markdown:
        print(markdown(), end="")
        return
    if fmt is ListFormat.json:
        body = [{"id": p.id, "title": p.title, "issued": p.issued.isoformat(),
                 "effective": p.effective.isoformat(), "hash": p.hash,
                 "documents": [doc.spec() for doc in p.documents],
                 "in_force": [{"start": w.start.isoformat(),
                               "end": w.end.isoformat() if w.end else None, "note": w.note}
                              for w in policies.windows_of(p.id)]}
                for p in policies.STATES.values()]
        print(json.dumps(body, indent=2))
        return
    table = Table(title="Encoded policies")
    for col in ("id", "title", "issued", "in force", "sources"):
        table.add_column(col, overflow="fold")
    for p in policies.POLICIES.values():
        table.add_row(p.id, p.title, p.issued.isoformat(),
                      "\n".join(f"{w.start}–{w.end or ''}" for w in policies.windows_of(p.id)),
                      "\n".join(f"{doc.title} ({doc.reference})" for doc in p.documents))
    out.print(table)
    tl = Table(title="Timeline: what is in force on a date")
    for col in ("from", "until (exclusive)", "state", "note"):
        tl.add_column(col, overflow="fold")
    for w in policies.TIMELINE:
        tl.add_row(w.start.isoformat(), w.end.isoformat() if w.end else "—", w.policy_id, w.note)
    out.print(tl)


@schema_app.command("case")
def schema_case() -> None:
    """The JSON Schema of discretion.case/1."""
    print(json.dumps(case_schema(), indent=2))


def _register() -> None:
    from . import cli_backup, cli_data, cli_simulate

    app.command("simulate")(cli_simulate.simulate_command)
    app.command("compare")(cli_simulate.compare_command)
    app.command("synth")(cli_data.synth_command)
    app.command("sources")(cli_data.sources_command)
    app.command("backup")(cli_backup.backup_command)
    app.command("restore")(cli_backup.restore_command)


_register()


from .cli_ops import register  # noqa: E402  (serve, demo, users, offices, request, audit, db)

register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
