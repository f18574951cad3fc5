"""Helpers for the adapter tests: write small files in ICE's layouts, read tables back."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import duckdb

from discretion.population import CASE_COLUMNS, CONVICTION_COLUMNS


def write_gz(path: Path, lines: list[str]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines) + "\n")
    return path


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def by_id(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in rows(con, "SELECT * FROM cases")}


def convictions_of(con: duckdb.DuckDBPyConnection, case_id: str) -> list[dict[str, Any]]:
    return rows(con, f"SELECT * FROM convictions WHERE case_id = '{case_id}' ORDER BY idx")


def assert_schema(con: duckdb.DuckDBPyConnection) -> None:
    """``cases`` starts with exactly the schema's columns and types, in order;
    ``convictions`` has exactly its columns."""
    cases = con.execute("DESCRIBE cases").fetchall()
    head = [(r[0], r[1]) for r in cases[:len(CASE_COLUMNS)]]
    assert head == list(CASE_COLUMNS.items())
    extras = [r[0] for r in cases[len(CASE_COLUMNS):]]
    assert not set(extras) & set(CASE_COLUMNS)
    conv = [(r[0], r[1]) for r in con.execute("DESCRIBE convictions").fetchall()]
    assert conv == list(CONVICTION_COLUMNS.items())
    dup = con.execute("SELECT count(*) - count(DISTINCT id) FROM cases").fetchone()
    assert dup == (0,)
    orphans = con.execute("SELECT count(*) FROM convictions WHERE case_id NOT IN "
                          "(SELECT id FROM cases)").fetchone()
    assert orphans == (0,)
    gaps = con.execute("SELECT count(*) FROM (SELECT case_id, max(idx) + 1 = count(*) AND "
                       "min(idx) = 0 AS ok FROM convictions GROUP BY case_id) WHERE NOT ok").fetchone()
    assert gaps == (0,)
