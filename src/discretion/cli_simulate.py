"""``discretion simulate`` and ``discretion compare``: policies over whole populations."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .simulate.compile import ENFORCEMENTS
from .simulate.run import (
    Comparison,
    Population,
    Simulation,
    SimulationError,
    compare,
    engine_for,
    load,
    parse_assumptions,
    run,
)

out = Console(soft_wrap=False, width=120)
err = Console(stderr=True)

Source = Annotated[str | None, typer.Option("--source", "-s", help="Adapter for real ICE records "
                                            "(see `discretion sources`); without a path, its "
                                            "shipped sample.")]
Mapping = Annotated[Path | None, typer.Option("--mapping", help="Column mapping (TOML/JSON) for "
                                              "your own population file.")]
Policies = Annotated[list[str] | None, typer.Option("--policy", "-p", help="Policy id; repeat for "
                                                    "several (default: all six).")]
DateOpt = Annotated[str | None, typer.Option("--date", help="A date (YYYY-MM-DD), or a date column "
                                             "to assess each case on (default: the source's).")]
Assume = Annotated[list[str] | None, typer.Option("--assume", help="FACT=VALUE for facts the records "
                                                  "lack, e.g. national_security=false; repeat.")]
By = Annotated[list[str] | None, typer.Option("--by", help="Break down by this column; repeat.")]
AsIf = Annotated[str | None, typer.Option("--as-if-issued", help="Apply each policy as if issued "
                                          "on this date, moving its cut-offs by the same offset.")]
EngineOpt = Annotated[str, typer.Option("--engine", help="duckdb (embedded), postgres or spark.")]
Url = Annotated[str | None, typer.Option("--url", help="PostgreSQL URL for --engine postgres "
                                         "(default: $DISCRETION_SIMULATION_URL).")]
Fmt = Annotated[str, typer.Option("--format", "-f", help="text or json")]
Population_ = Annotated[Path | None, typer.Argument(metavar="[POPULATION]", help="Population file "
                                                    "(Parquet/CSV), or the records for --source.")]


def _fail(exc: SimulationError, fmt: str) -> NoReturn:
    if fmt == "json":
        print(json.dumps({"error": str(exc), "field": exc.field, "reason": exc.reason}),
              file=sys.stderr)
    else:
        err.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(2)


def _load(population: Path | None, source: str | None, mapping: Path | None,
          assume: list[str], fmt: str) -> Population:
    from .simulate.run import adapter_options

    named = [a for a in assume if "=" not in a and a in adapter_options(source)]
    with _progress(fmt) as progress:
        progress.add_task(f"loading {source or population}", total=None)
        return load(source, population, mapping, named)


def _progress(fmt: str) -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                    console=err, transient=True, disable=fmt == "json" or not err.is_terminal)


def _as_if(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise SimulationError("--as-if-issued", f"expected YYYY-MM-DD, got {value!r}") from None


def simulate_command(
    population: Population_ = None, source: Source = None, mapping: Mapping = None,
    policy: Policies = None, date: DateOpt = None, assume: Assume = None, by: By = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="Write an HTML report with "
                                                  "charts (self-contained).")] = None,
    png: Annotated[Path | None, typer.Option("--png", help="Write PNG charts to this folder.")]
    = None,
    as_if_issued: AsIf = None, engine: EngineOpt = "duckdb", url: Url = None,
    fmt: Fmt = "text",
) -> None:
    """Decide every case of a population under each policy; counts, shares and bounds."""
    try:
        _check_fmt(fmt)
        parse_assumptions([a for a in assume or () if "=" in a])  # bad input fails before loading
        pop = _load(population, source, mapping, assume or [], fmt)
        with _progress(fmt) as progress:
            progress.add_task(f"deciding on {engine}", total=None)
            sim = run(pop, policy or [], date=date, assume=assume or [], by=by or [],
                      as_if_issued=_as_if(as_if_issued), engine_name=engine,
                      url=url or os.environ.get("DISCRETION_SIMULATION_URL"))
    except SimulationError as exc:
        _fail(exc, fmt)
    _write_outputs(sim, None, out_path, png)
    if fmt == "json":
        print(json.dumps(sim.to_dict(), indent=2, default=str))
    else:
        _print_simulation(sim)


def compare_command(
    population: Population_ = None, source: Source = None, mapping: Mapping = None,
    policy: Policies = None, date: DateOpt = None, assume: Assume = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="Write an HTML report.")] = None,
    as_if_issued: AsIf = None, engine: EngineOpt = "duckdb", url: Url = None,
    fmt: Fmt = "text",
) -> None:
    """Two policies over one population: the flip matrix and the clause behind each change."""
    try:
        _check_fmt(fmt)
        if not policy or len(policy) != 2:
            raise SimulationError("--policy", "give exactly two: --policy A --policy B")
        parse_assumptions([a for a in assume or () if "=" in a])
        pop = _load(population, source, mapping, assume or [], fmt)
        sim = run(pop, policy, date=date, assume=assume or [], as_if_issued=_as_if(as_if_issued),
                  engine_name="duckdb")
        eng = engine_for(engine, pop, url or os.environ.get("DISCRETION_SIMULATION_URL"))
        cmp = compare(eng, sim.plan)
    except SimulationError as exc:
        _fail(exc, fmt)
    _write_outputs(sim, cmp, out_path, None)
    if fmt == "json":
        print(json.dumps({**cmp.to_dict(), "assumptions": sim.assumptions,
                          "population": sim.population}, indent=2, default=str))
    else:
        _print_comparison(cmp)


def _check_fmt(fmt: str) -> None:
    if fmt not in ("text", "json"):
        raise SimulationError("--format", f"expected text or json, got {fmt!r}")


def _write_outputs(sim: Simulation, cmp: Comparison | None, html_path: Path | None,
                   png: Path | None) -> None:
    from .simulate.report import html_report, write_pngs

    if html_path is not None:
        html_path.write_text(html_report(sim, cmp), encoding="utf-8")
        err.print(f"report written to {html_path}")
    if png is not None:
        for path in write_pngs(sim, png):
            err.print(f"chart written to {path}")


def _print_simulation(sim: Simulation) -> None:
    data = sim.to_dict()
    table = Table(title="Outcomes (share; range if the unknowns went either way)")
    table.add_column("policy")
    for e in ENFORCEMENTS:
        table.add_column(e.replace("_", " "), justify="right")
    table.add_column("total", justify="right")
    for pid, p in data["policies"].items():
        cells = []
        for e in ENFORCEMENTS:
            b = p["bound_shares"][e]
            cells.append(f"{p['enforcement'][e]:,}  {p['shares'][e]:.1%}\n"
                         f"[dim]{b['low']:.1%}–{b['high']:.1%}[/dim]")
        table.add_row(pid, *cells, f"{p['total']:,}")
    out.print(table)
    for group in data["groups"][:60]:
        label = ", ".join(f"{k}={v}" for k, v in group["group"].items())
        shares = "  ".join(f"{pid}: {p['shares']['permitted']:.0%} permitted"
                           for pid, p in group["policies"].items())
        out.print(f"[bold]{label}[/bold] ({next(iter(group['policies'].values()))['total']:,}): "
                  f"{shares}")
    _print_method(data)


def _print_method(data: dict[str, Any]) -> None:
    date = data["date"]
    shown = f"{date['column']} (each case on its own date)" if isinstance(date, dict) else date
    out.print(f"Assessed on: {shown}")
    if data["counterfactual"]:
        out.print(f"Counterfactual: as if issued {data['counterfactual']['as_if_issued']}: "
                  f"{data['counterfactual']['note']}")
    if data["assumptions"]:
        for a in data["assumptions"]:
            out.print(f"Assumption: {a['assume']}: {a['meaning']}")
    else:
        out.print("Assumptions: none (every fact the records lack stayed unknown)")
    for note in data["notes"]:
        out.print(f"[dim]{note}[/dim]")
    out.print(f"[dim]engine {data['engine']}, {data['seconds']} s[/dim]")


def _print_comparison(cmp: Comparison) -> None:
    table = Table(title=f"{cmp.a.id} (rows) → {cmp.b.id} (columns), {cmp.total:,} cases")
    table.add_column("")
    for e in ENFORCEMENTS:
        table.add_column(e.replace("_", " "), justify="right")
    for a in ENFORCEMENTS:
        table.add_row(a.replace("_", " "), *(f"{cmp.matrix[a][b]:,}" for b in ENFORCEMENTS))
    out.print(table)
    changes = Table(title="What changed, and the clause behind each side")
    for col in ("cases", f"under {cmp.a.id}", "because", f"under {cmp.b.id}", "because"):
        changes.add_column(col, overflow="fold")
    for c in cmp.changes[:20]:
        changes.add_row(f"{c['count']:,}",
                        f"{c['a']['enforcement']} {c['a']['priority'] or ''}".strip(),
                        f"{c['a']['reason']} [dim]{c['a']['citation']}[/dim]",
                        f"{c['b']['enforcement']} {c['b']['priority'] or ''}".strip(),
                        f"{c['b']['reason']} [dim]{c['b']['citation']}[/dim]")
    out.print(changes)
