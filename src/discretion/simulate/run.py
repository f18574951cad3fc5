"""Run policies over a population: load it, state assumptions, count outcomes with bounds.

The counts come from :func:`discretion.simulate.query.counts_query`: one query groups the
population by each policy's rung-state code; each code's outcome (and the outcomes it
leaves possible) comes from the policy's own ladder. A case whose outcome is
``undetermined`` counts toward the upper bound of every outcome still possible for it.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from .. import policies
from ..facts import FACTS
from ..policy import Policy
from .adapters import ADAPTERS, AdapterError, get_adapter
from .compile import ENFORCEMENTS, CompiledPolicy, Outcome
from .engines import DuckDBEngine, Engine, PostgresEngine, SparkEngine
from .population_io import PopulationError, load_population
from .query import Plan, counts_query, reasons_query


class SimulationError(ValueError):
    """Bad input to a simulation: ``field`` names the option or column, ``reason`` why."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


# -- assumptions ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Assumption:
    """A value stated for facts the records lack; it fills unknowns, never overrides."""

    name: str
    value: Any
    facts: tuple[str, ...]
    text: str

    def spec(self) -> dict[str, Any]:
        return {"assume": self.name, "value": _show(self.value), "facts": list(self.facts),
                "meaning": self.text}


def _show(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _parse_value(kind: str, raw: str, where: str) -> Any:
    text = raw.strip()
    if kind == "bool":
        if text.lower() not in ("true", "false"):
            raise SimulationError(where, f"expected true or false, got {raw!r}")
        return text.lower() == "true"
    if kind == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise SimulationError(where, f"expected a date YYYY-MM-DD, got {raw!r}") from None
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise SimulationError(where, f"expected a whole number, got {raw!r}") from None
    return text


def parse_assumptions(items: Sequence[str], adapter_options: Sequence[str] = ()
                      ) -> tuple[list[Assumption], list[str]]:
    """``FACT=VALUE`` or ``GROUP=VALUE`` (a case-file section such as ``national_security``,
    meaning every fact under it), or the name of an adapter's own assumption."""
    facts: list[Assumption] = []
    named: list[str] = []
    for item in items:
        where = f"--assume {item}"
        if "=" not in item:
            if item in adapter_options:
                named.append(item)
                continue
            raise SimulationError(where, "expected FACT=VALUE (e.g. national_security=false) "
                                  "or the name of an assumption the source offers")
        name, raw = (part.strip() for part in item.split("=", 1))
        targets = _facts_named(name)
        if not targets:
            raise SimulationError(where, f"no fact or case-file section named {name!r}")
        kinds = {FACTS[t].kind for t in targets}
        if len(kinds) != 1:
            raise SimulationError(where, f"{name!r} covers facts of different kinds")
        value = _parse_value(kinds.pop(), raw, where)
        facts.append(Assumption(name, value, tuple(targets),
                                f"where the records do not say, {name.replace('_', ' ')} is "
                                f"taken as {raw.strip()}"))
    return facts, named


def _facts_named(name: str) -> list[str]:
    if name in FACTS and name not in ("incident", "asserted"):
        return [name]
    prefix = name + "."
    return [f.name for f in FACTS.values() if f.path.startswith(prefix) and f.kind == "bool"]


# -- populations ------------------------------------------------------------------------------

@dataclass
class Population:
    """A loaded population in a DuckDB connection, with how it was read."""

    con: duckdb.DuckDBPyConnection
    description: dict[str, Any]
    date_column: str | None
    notes: list[str] = field(default_factory=list)


def load(source: str | None, path: Path | None, mapping: Path | None,
         adapter_assumptions: Sequence[str] = (),
         con: duckdb.DuckDBPyConnection | None = None) -> Population:
    """Load a population: an adapter's records (``source``), or a population file."""
    con = con or duckdb.connect()
    if source is not None:
        try:
            adapter = get_adapter(source)
            report = adapter.load(path, con, assume=adapter_assumptions)
        except AdapterError as exc:
            raise SimulationError("--source", str(exc)) from None
        except FileNotFoundError as exc:
            raise SimulationError("POPULATION", str(exc)) from None
        return Population(con, report.to_dict(), report.date_column, report.lines())
    if path is None:
        raise SimulationError("POPULATION", "give a population file, or --source ADAPTER")
    try:
        pop = load_population(path, con, mapping)
    except PopulationError as exc:
        raise SimulationError("POPULATION", "; ".join(exc.problems)) from None
    described = {"adapter": None, "path": str(path), "cases": pop.cases,
                 "convictions": pop.convictions, "facts_given": pop.facts_given,
                 "facts_missing": pop.facts_missing, "notes": pop.notes}
    return Population(con, described, None, pop.lines())


def adapter_options(source: str | None) -> list[str]:
    if source is None or source not in ADAPTERS:
        return []
    return [a.name for a in ADAPTERS[source].assumptions]


def columns(con: duckdb.DuckDBPyConnection, table: str = "cases") -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE {table}").fetchall()}


# -- engines -------------------------------------------------------------------------------------

def engine_for(name: str, population: Population, url: str | None) -> Engine:
    """The engine to run on: DuckDB in place, or the tables copied to PostgreSQL or Spark."""
    if name == "duckdb":
        return DuckDBEngine(population.con)
    duck = DuckDBEngine(population.con)
    if name == "postgres":
        if not url:
            raise SimulationError("--url", "the PostgreSQL engine needs a database URL")
        pg = PostgresEngine(url, schema="discretion_simulation")
        _copy_to_postgres(population.con, pg)
        return pg
    if name == "spark":
        spark = SparkEngine()
        directory = Path(tempfile.mkdtemp(prefix="discretion-population-"))
        spark.load_parquet(duck.export_parquet(directory))
        return spark
    raise SimulationError("--engine", f"unknown engine {name!r}; choose duckdb, postgres or spark")


def _copy_to_postgres(con: duckdb.DuckDBPyConnection, pg: PostgresEngine) -> None:
    case_types = {c: t for c, t in columns(con, "cases").items() if not t.endswith("[]")}
    rows: dict[str, list[dict[str, Any]]] = {}
    for table, cols in (("cases", list(case_types)), ("convictions", list(columns(con, "convictions")))):
        cursor = con.execute(f"SELECT {', '.join(_q(c) for c in cols)} FROM {table}")
        rows[table] = [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]
    from ..population import CASE_COLUMNS

    extra = {c: t for c, t in case_types.items() if c not in CASE_COLUMNS}
    pg.load_rows(rows["cases"], rows["convictions"], extra)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# -- counting ---------------------------------------------------------------------------------

def _zeros() -> dict[str, int]:
    return {e: 0 for e in ENFORCEMENTS}


@dataclass
class PolicyCounts:
    """Outcome counts of one policy over a population (or one group of it)."""

    policy: Policy
    total: int = 0
    enforcement: dict[str, int] = field(default_factory=lambda: _zeros())
    possible: dict[str, int] = field(default_factory=lambda: _zeros())
    priority: dict[str, int] = field(default_factory=dict)
    priority_possible: dict[str, int] = field(default_factory=dict)
    rungs: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: Outcome, n: int) -> None:
        self.total += n
        self.enforcement[outcome.enforcement] += n
        for e in outcome.possible_enforcements:
            self.possible[e] += n
        if outcome.priority:
            self.priority[outcome.priority] = self.priority.get(outcome.priority, 0) + n
        for p in outcome.possible_priorities:
            self.priority_possible[p] = self.priority_possible.get(p, 0) + n
        key = outcome.rung or "undetermined"
        self.rungs[key] = self.rungs.get(key, 0) + n

    def spec(self) -> dict[str, Any]:
        share = (lambda n: round(n / self.total, 6)) if self.total else (lambda n: 0.0)
        bounds = {e: {"low": self.enforcement[e] if e != "undetermined" else 0,
                      "high": self.possible[e] if e != "undetermined" else self.enforcement[e]}
                  for e in ENFORCEMENTS}
        return {
            "total": self.total,
            "enforcement": dict(self.enforcement),
            "shares": {e: share(n) for e, n in self.enforcement.items()},
            "bounds": bounds,
            "bound_shares": {e: {"low": share(b["low"]), "high": share(b["high"])}
                             for e, b in bounds.items()},
            "priority": {c.id: {"label": c.label, "count": self.priority.get(c.id, 0),
                                "low": self.priority.get(c.id, 0),
                                "high": self.priority_possible.get(c.id, 0)}
                         for c in self.policy.categories},
            "rungs": {**{r.id: {"label": r.label, "count": self.rungs.get(r.id, 0)}
                         for r in self.policy.rungs},
                      "undetermined": {"label": "the deciding rung is not known (the outcome, or "
                                       "only the priority, hangs on unknown facts)",
                                       "count": self.rungs.get("undetermined", 0)}},
        }


@dataclass
class Simulation:
    """A simulation's result, and everything needed to say how it was made."""

    plan: Plan
    counts: dict[str, PolicyCounts]
    groups: list[dict[str, Any]]
    by: list[str]
    population: dict[str, Any]
    assumptions: list[dict[str, Any]]
    engine: str
    seconds: float
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "policies": {pid: c.spec() for pid, c in self.counts.items()},
            "assumptions": self.assumptions,
            "date": _show(self.plan.as_of) if isinstance(self.plan.as_of, dt.date)
            else {"column": self.plan.as_of},
            "counterfactual": ({"as_if_issued": self.plan.as_if_issued.isoformat(),
                                "note": "each policy's date cut-offs are moved by the offset "
                                "between its issue date and this date"}
                               if self.plan.as_if_issued else None),
            "by": self.by,
            "groups": self.groups,
            "population": self.population,
            "engine": self.engine,
            "seconds": round(self.seconds, 3),
            "notes": self.notes,
        }


def simulate(engine: Engine, plan: Plan, by: Sequence[str] = ()) -> tuple[dict[str, PolicyCounts],
                                                                          list[dict[str, Any]]]:
    """Counts per policy, overall and per group of the ``by`` columns."""
    query, compiled = counts_query(plan, by)
    overall = {cp.policy.id: PolicyCounts(cp.policy) for cp in compiled}
    per_group: dict[tuple[Any, ...], dict[str, PolicyCounts]] = defaultdict(
        lambda: {cp.policy.id: PolicyCounts(cp.policy) for cp in compiled})
    tables = [{o.code: o for o in cp.outcomes} for cp in compiled]
    for row in engine.run(query):
        key = tuple(row[b] for b in by)
        for i, cp in enumerate(compiled):
            outcome = tables[i][row[f"code{i}"]]
            overall[cp.policy.id].add(outcome, row["n"])
            if by:
                per_group[key][cp.policy.id].add(outcome, row["n"])
    groups = [{"group": dict(zip(by, (_show(k) for k in key), strict=True)),
               "policies": {pid: c.spec() for pid, c in counts.items()}}
              for key, counts in sorted(per_group.items(), key=lambda kv: _sort_key(kv[0]))]
    return overall, groups


def _sort_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((v is None, str(v)) for v in key)


# -- comparing ---------------------------------------------------------------------------------

@dataclass
class Comparison:
    """Two policies over one population: the flip matrix and what made each difference."""

    a: Policy
    b: Policy
    total: int
    matrix: dict[str, dict[str, int]]
    changes: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a.id, "b": self.b.id, "total": self.total, "matrix": self.matrix,
                "changes": self.changes}


def compare(engine: Engine, plan: Plan) -> Comparison:
    """How outcomes move from policy A to policy B, with the clause behind each side."""
    query, compiled = reasons_query(plan)
    a, b = compiled
    tables = [{o.code: o for o in cp.outcomes} for cp in compiled]
    matrix: dict[str, dict[str, int]] = {e: dict.fromkeys(ENFORCEMENTS, 0) for e in ENFORCEMENTS}
    moves: dict[tuple[Any, ...], int] = defaultdict(int)
    total = 0
    for row in engine.run(query):
        oa, ob = tables[0][row["code0"]], tables[1][row["code1"]]
        n = row["n"]
        total += n
        matrix[oa.enforcement][ob.enforcement] += n
        if (oa.enforcement, oa.priority) != (ob.enforcement, ob.priority):
            moves[(oa.enforcement, oa.priority, _reason(a, oa, row["why0"]),
                   ob.enforcement, ob.priority, _reason(b, ob, row["why1"]))] += n
    changes = [{"count": n, "a": _side(a, *key[:3]), "b": _side(b, *key[3:])}
               for key, n in sorted(moves.items(), key=lambda kv: -kv[1])]
    return Comparison(a.policy, b.policy, total, matrix, changes)


def _reason(cp: CompiledPolicy, outcome: Outcome, clause: str | None) -> str:
    """The clause that decided (first true clause of the deciding rung), else the rung."""
    if outcome.rung is None:
        return "undetermined"
    if clause and outcome.rung != cp.policy.otherwise.id:
        return clause
    return outcome.rung


def _side(cp: CompiledPolicy, enforcement: str, priority: str | None, reason: str) -> dict[str, Any]:
    policy = cp.policy
    citation = ""
    for rung in policy.rungs:
        if rung.id == reason:
            citation = rung.citation
    for clause_id, _, clause_citation in _clause_list(policy):
        if clause_id == reason:
            citation = clause_citation
    return {"enforcement": enforcement, "priority": priority, "reason": reason,
            "citation": citation}


def _clause_list(policy: Policy) -> list[tuple[str, str, str]]:
    from ..rules import Named

    out = []
    for rung in policy.ladder:
        for node in rung.when.walk():
            if isinstance(node, Named) and node.id:
                out.append((node.id, node.label, node.citation))
    return out


# -- one call for the CLI and the web ----------------------------------------------------------

def run(population: Population, policy_ids: Sequence[str], *, date: str | None,
        assume: Sequence[str] = (), by: Sequence[str] = (), as_if_issued: dt.date | None = None,
        engine_name: str = "duckdb", url: str | None = None, layout: str = "table"
        ) -> Simulation:
    chosen = _policies(policy_ids)
    facts, named = parse_assumptions(assume, adapter_options(population.description.get("adapter")))
    available = columns(population.con)
    as_of = _as_of(date, population, available)
    for b in by:
        if b not in available:
            raise SimulationError("--by", f"no column {b!r} in the population; columns: "
                                  f"{', '.join(sorted(available))}")
    values = {f: a.value for a in facts for f in a.facts}
    engine = engine_for(engine_name, population, url)
    plan = Plan(chosen, as_of, values, as_if_issued, layout=layout, dialect=engine.dialect)
    start = time.perf_counter()
    try:
        counts, groups = simulate(engine, plan, by)
    finally:
        if engine_name != "duckdb":
            engine.close()
    seconds = time.perf_counter() - start
    described = [a.spec() for a in facts]
    described += [{"assume": n, "meaning": "adapter assumption (see the load report)"}
                  for n in named]
    return Simulation(plan, counts, groups, list(by), population.description, described,
                      engine_name, seconds, population.notes)


def _policies(ids: Sequence[str]) -> list[Policy]:
    if not ids:
        return list(policies.POLICIES.values())
    out = []
    for pid in ids:
        try:
            out.append(policies.get(pid))
        except KeyError as exc:
            raise SimulationError("--policy", str(exc.args[0])) from None
    return out


def _as_of(date: str | None, population: Population, available: dict[str, str]) -> dt.date | str:
    if date is None:
        if population.date_column is None:
            raise SimulationError("--date", "give a date (YYYY-MM-DD) or a date column to "
                                  "assess each case on")
        return population.date_column
    try:
        return dt.date.fromisoformat(date)
    except ValueError:
        pass
    if date not in available:
        raise SimulationError("--date", f"{date!r} is neither a date (YYYY-MM-DD) nor a column "
                              "of the population")
    if available[date] != "DATE":
        raise SimulationError("--date", f"column {date!r} is {available[date]}, not a DATE")
    return date
