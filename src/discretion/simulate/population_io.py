"""The population file format, and loading a user's own data into the population tables.

**Format.** A Parquet file with one row per case: the case columns of
:data:`discretion.population.CASE_COLUMNS` (any may be absent: absent is unknown), any extra
breakdown columns, and optionally ``convictions``: a LIST of STRUCT whose fields are the
conviction columns without ``case_id`` and ``idx`` (the list order gives ``idx``; a field
may be absent). NULL is unknown everywhere; an empty list is "no convictions listed" (the
total is ``conviction_count``). A CSV file with a header row holds cases only.

**Mapping.** ``--mapping FILE`` (TOML or JSON) renames a user's columns to our facts and
recodes their values::

    [columns]                 # your column = our fact
    arrest_dt = "apprehension_date"
    where = "apprehension_at"

    [values.apprehension_at]  # your value = our value (per fact)
    Border = "border"
    "Port of entry" = "port_of_entry"
    Interior = "interior"

    [dates]                   # strptime format of a date fact, when not YYYY-MM-DD
    apprehension_date = "%m/%d/%Y"

Every error names the column (or mapping key) and the reason.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import duckdb

from ..cases import Level, Place, Status
from ..population import CASE_COLUMNS, CONVICTION_COLUMNS
from .adapters.base import CASES, CONVICTIONS, ident, sql_str
from .limits import InputRefused, check_size

CONVICTION_FIELDS: dict[str, str] = {k: v for k, v in CONVICTION_COLUMNS.items()
                                     if k not in ("case_id", "idx")}
"""The fields of one element of the ``convictions`` list column."""

ALLOWED: dict[str, tuple[str, ...]] = {
    "status": get_args(Status),
    "apprehension_at": get_args(Place),
    "last_entry_manner": ("without_inspection", "inspected", "paroled"),
    "custody_status": ("incarcerated", "detained", "released", "at_large"),
    "gang_organization": ("criminal_street_gang", "transnational_criminal_organization"),
    "level": tuple(x for x in get_args(Level) if x != "unknown"),
}
"""The values a text fact may take (NULL aside)."""


class PopulationError(ValueError):
    """A population file or mapping that cannot be loaded; ``problems`` name each column."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid population: " + "; ".join(problems))


@dataclass(slots=True)
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    dates: dict[str, str] = field(default_factory=dict)


ALL_FACTS = {**CASE_COLUMNS, **CONVICTION_FIELDS, "convictions": "LIST"}


def read_mapping(path: Path) -> Mapping:
    """Read and check a mapping file (TOML, or JSON by suffix)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as exc:
        raise PopulationError([f"mapping {path}: cannot be read ({exc})"]) from None
    return parse_mapping(data, str(path))


def parse_mapping(data: Any, where: str = "mapping") -> Mapping:
    problems: list[str] = []
    if not isinstance(data, dict):
        raise PopulationError([f"{where}: must be a table/object"])
    for key in data:
        if key not in ("columns", "values", "dates"):
            problems.append(f"{where}: unknown key {key!r} (use columns, values, dates)")
    columns = data.get("columns", {})
    values = data.get("values", {})
    dates = data.get("dates", {})
    for name, section in (("columns", columns), ("values", values), ("dates", dates)):
        if not isinstance(section, dict):
            problems.append(f"{where}: {name} must be a table/object")
    if problems:
        raise PopulationError(problems)
    for src, fact in columns.items():
        if not isinstance(fact, str) or fact not in ALL_FACTS:
            problems.append(f"{where}: columns.{src} = {fact!r} is not a fact of the population "
                            "schema")
    for fact, table in values.items():
        if fact not in ALL_FACTS:
            problems.append(f"{where}: values.{fact} is not a fact of the population schema")
            continue
        if not isinstance(table, dict):
            problems.append(f"{where}: values.{fact} must be a table of your value = our value")
            continue
        for raw, ours in table.items():
            bad = _bad_value(fact, ours)
            if bad:
                problems.append(f"{where}: values.{fact}.{raw} = {ours!r}: {bad}")
    for fact, fmt in dates.items():
        if ALL_FACTS.get(fact) != "DATE":
            problems.append(f"{where}: dates.{fact} is not a date fact")
        elif not isinstance(fmt, str) or "%" not in fmt:
            problems.append(f"{where}: dates.{fact} must be a strptime format such as '%m/%d/%Y'")
    if problems:
        raise PopulationError(problems)
    return Mapping(dict(columns), {k: dict(v) for k, v in values.items()}, dict(dates))


def _bad_value(fact: str, value: Any) -> str:
    kind = ALL_FACTS[fact]
    if value is None:
        return ""
    if fact in ALLOWED and value not in ALLOWED[fact]:
        return f"not one of {', '.join(ALLOWED[fact])}"
    if kind == "BOOLEAN" and not isinstance(value, bool):
        return "must be true or false"
    if kind in ("BIGINT", "INTEGER") and (isinstance(value, bool) or not isinstance(value, int)):
        return "must be a whole number"
    if kind in ("VARCHAR", "DATE") and not isinstance(value, str):
        return "must be text"
    return ""


@dataclass(slots=True)
class PopulationReport:
    path: str
    cases: int = 0
    convictions: int = 0
    facts_given: list[str] = field(default_factory=list)
    facts_missing: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"population {self.path}: {self.cases:,} cases, {self.convictions:,} convictions",
               f"  facts given: {', '.join(self.facts_given) or 'none'}",
               f"  facts absent (unknown for every case): {', '.join(self.facts_missing) or 'none'}"]
        if self.extras:
            out.append(f"  extra columns kept for breakdowns: {', '.join(self.extras)}")
        out.extend(f"  note: {n}" for n in self.notes)
        return out


def _reader(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".parquet") or name.endswith(".pq"):
        return f"read_parquet({sql_str(str(path))})"
    if name.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
        return f"read_csv({sql_str(str(path))}, header=true, all_varchar=true)"
    raise PopulationError([f"{path}: not a population file (use .parquet, or .csv with a header)"])


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "'true'" if value else "'false'"
    return sql_str(str(value))


def _cast(con: duckdb.DuckDBPyConnection, src: str, column: str, fact: str, sql_type: str,
          mapping: Mapping, problems: list[str]) -> str:
    """SQL for one column cast to its fact's type, recoded by the mapping; records a
    problem (naming the column) for values that do not convert or are not allowed."""
    col = ident(column)
    expr = col
    recode = mapping.values.get(fact)
    if recode:
        cases = " ".join(f"WHEN {col}::VARCHAR = {sql_str(str(k))} THEN {_literal(v)}"
                         for k, v in recode.items())
        expr = f"(CASE {cases} ELSE {col}::VARCHAR END)"
    fmt = mapping.dates.get(fact)
    if fmt:
        conv = f"try_strptime({expr}::VARCHAR, {sql_str(fmt)})::DATE"
    else:
        conv = f"try_cast({expr} AS {sql_type})"
    bad = con.execute(f"SELECT count(*), any_value({col}::VARCHAR) FROM {src} "
                      f"WHERE {col} IS NOT NULL AND {conv} IS NULL").fetchone()
    if bad and bad[0]:
        how = f"format {fmt!r}" if fmt else sql_type.lower()
        problems.append(f"column {column!r} ({fact}): {bad[0]:,} values are not {how}, "
                        f"e.g. {bad[1]!r}")
    if fact in ALLOWED:
        allowed = ", ".join(sql_str(v) for v in ALLOWED[fact])
        bad = con.execute(f"SELECT count(*), any_value({conv}) FROM {src} WHERE {conv} IS NOT NULL "
                          f"AND {conv} NOT IN ({allowed})").fetchone()
        if bad and bad[0]:
            problems.append(f"column {column!r} ({fact}): {bad[0]:,} values are not one of "
                            f"{', '.join(ALLOWED[fact])}, e.g. {bad[1]!r} (map them with "
                            f"values.{fact} in a mapping file)")
    return conv


def load_population(path: Path, con: duckdb.DuckDBPyConnection,
                    mapping: Mapping | Path | None = None) -> PopulationReport:
    """Load a population file into ``cases`` and ``convictions`` of ``con``.

    Raises :class:`PopulationError` listing every problem, each naming its column.
    """
    if isinstance(mapping, Path):
        mapping = read_mapping(mapping)
    mapping = mapping or Mapping()
    if not path.exists():
        raise PopulationError([f"{path}: no such file"])
    try:
        check_size(path)
    except InputRefused as exc:
        raise PopulationError([str(exc)]) from None
    src = "_population_src"
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {src} AS SELECT * FROM {_reader(path)}")
    except duckdb.Error as exc:
        raise PopulationError([f"{path}: cannot be read ({exc})"]) from None
    try:
        return _load(path, con, src, mapping)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {src}")


def _load(path: Path, con: duckdb.DuckDBPyConnection, src: str, mapping: Mapping) -> PopulationReport:
    described = {r[0]: r[1] for r in con.execute(f"DESCRIBE {src}").fetchall()}
    problems: list[str] = []
    for column in mapping.columns:
        if column not in described:
            problems.append(f"mapping columns.{column}: no such column in {path.name}")
    renamed: dict[str, str] = {}   # fact -> source column
    for column in described:
        fact = mapping.columns.get(column, column)
        if fact in renamed:
            problems.append(f"column {column!r}: fact {fact!r} is already given by column "
                            f"{renamed[fact]!r}")
        renamed[fact] = column
    if "id" not in renamed:
        problems.append("column 'id' is missing: every case needs an id (map yours with "
                        "columns.YOUR_ID = \"id\")")
    report = PopulationReport(str(path))
    selects: list[str] = []
    for fact, sql_type in CASE_COLUMNS.items():
        given = renamed.get(fact)
        if given is None:
            selects.append(f"NULL::{sql_type} AS {ident(fact)}")
            report.facts_missing.append(fact)
            continue
        if fact != "id":
            report.facts_given.append(fact)
        selects.append(f"{_cast(con, src, given, fact, sql_type, mapping, problems)} "
                       f"AS {ident(fact)}")
    extras = [c for f, c in renamed.items() if f not in CASE_COLUMNS and f != "convictions"]
    for column in extras:
        selects.append(f"{ident(column)} AS {ident(column)}")
    report.extras = extras
    conv_column = renamed.get("convictions")
    conv_fields = _conviction_fields(described, conv_column, problems)
    if "id" in renamed:
        idcol = ident(renamed["id"])
        dup = con.execute(f"SELECT count(*) - count(DISTINCT {idcol}), count(*) FILTER "
                          f"(WHERE {idcol} IS NULL) FROM {src}").fetchone()
        if dup and dup[0]:
            problems.append(f"column {renamed['id']!r} (id): {dup[0]:,} duplicate ids")
        if dup and dup[1]:
            problems.append(f"column {renamed['id']!r} (id): {dup[1]:,} rows without an id")
    if problems:
        raise PopulationError(problems)
    decl = [f"{ident(c)} {t}" for c, t in CASE_COLUMNS.items()]
    decl += [f"{ident(c)} {described[c]}" for c in extras]
    con.execute(f"CREATE OR REPLACE TABLE {CASES} ({', '.join(decl)})")
    con.execute(f"INSERT INTO {CASES} SELECT {', '.join(selects)} FROM {src}")
    cdecl = ", ".join(f"{ident(c)} {t}" for c, t in CONVICTION_COLUMNS.items())
    con.execute(f"CREATE OR REPLACE TABLE {CONVICTIONS} ({cdecl})")
    if conv_column is not None:
        parts = []
        for c, t in CONVICTION_COLUMNS.items():
            if c == "case_id":
                parts.append(f"CAST({ident(renamed['id'])} AS VARCHAR)")
            elif c == "idx":
                parts.append("CAST(i - 1 AS INTEGER)")
            elif c in conv_fields:
                parts.append(f"CAST(conv.{ident(c)} AS {t})")
            else:
                parts.append(f"NULL::{t}")
        col = ident(conv_column)
        con.execute(f"INSERT INTO {CONVICTIONS} SELECT {', '.join(parts)} FROM "
                    f"(SELECT {ident(renamed['id'])}, unnest({col}) AS conv, "
                    f"generate_subscripts({col}, 1) AS i FROM {src} WHERE {col} IS NOT NULL)")
        absent = sorted(set(CONVICTION_FIELDS) - set(conv_fields))
        if absent:
            report.notes.append(f"conviction fields absent (unknown): {', '.join(absent)}")
    else:
        report.notes.append("no convictions column: only conviction_count is known")
    counts = con.execute(f"SELECT (SELECT count(*) FROM {CASES}), "
                         f"(SELECT count(*) FROM {CONVICTIONS})").fetchone()
    assert counts is not None
    report.cases, report.convictions = int(counts[0]), int(counts[1])
    return report


def _conviction_fields(described: dict[str, str], column: str | None,
                       problems: list[str]) -> set[str]:
    """Check the ``convictions`` column's type: a list of structs of known fields."""
    if column is None:
        return set()
    kind = described[column]
    if not (kind.startswith("STRUCT(") and kind.endswith(")[]")):
        problems.append(f"column {column!r} (convictions): must be a LIST of STRUCT, not {kind}")
        return set()
    inner = kind[len("STRUCT("):-len(")[]")]
    fields: dict[str, str] = {}
    depth, start = 0, 0
    for i, ch in enumerate(inner + ","):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            name, _, typ = inner[start:i].strip().partition(" ")
            fields[name.strip('"')] = typ.strip()
            start = i + 1
    for name, typ in fields.items():
        if name not in CONVICTION_FIELDS:
            problems.append(f"column {column!r} (convictions): field {name!r} is not a conviction "
                            f"fact (use {', '.join(CONVICTION_FIELDS)})")
        elif typ != CONVICTION_FIELDS[name] and not (
                typ in ("INTEGER", "BIGINT", "SMALLINT") and CONVICTION_FIELDS[name] == "BIGINT"):
            problems.append(f"column {column!r} (convictions): field {name!r} is {typ}, "
                            f"expected {CONVICTION_FIELDS[name]}")
    return {n for n in fields if n in CONVICTION_FIELDS}


def write_population(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Write ``cases`` and ``convictions`` of ``con`` as a population Parquet file."""
    fields = ", ".join(f"{ident(c)} := v.{ident(c)}" for c in CONVICTION_FIELDS)
    con.execute(f"""
        COPY (
          SELECT c.*, coalesce(l.convictions, []) AS convictions
          FROM {CASES} c LEFT JOIN (
            SELECT v.case_id, list(struct_pack({fields}) ORDER BY v.idx) AS convictions
            FROM {CONVICTIONS} v GROUP BY v.case_id) l ON l.case_id = c.id
        ) TO {sql_str(str(path))} (FORMAT parquet, COMPRESSION zstd)""")
