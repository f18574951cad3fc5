"""Where a population lives and the compiled SQL runs: DuckDB (embedded, the default),
PostgreSQL, or Apache Spark. Each takes the two population tables and runs the same
``sqlglot`` query rendered in its dialect.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from sqlglot import exp

from ..facts import Record
from ..population import CASE_COLUMNS, CONVICTION_COLUMNS, record_rows

Rows = list[dict[str, Any]]


class Engine(Protocol):
    name: str
    dialect: str
    layouts: tuple[str, ...]

    def run(self, query: exp.Select) -> Rows: ...

    def load_rows(self, cases: Rows, convictions: Rows, extra: dict[str, str]) -> None: ...

    def close(self) -> None: ...


def records_to_rows(records: Iterable[Record]) -> tuple[Rows, Rows]:
    cases: Rows = []
    convictions: Rows = []
    for record in records:
        case, convs = record_rows(record)
        cases.append(case)
        convictions.extend(convs)
    return cases, convictions


def _ddl(table: str, columns: dict[str, str]) -> str:
    cols = ", ".join(f'"{name}" {kind}' for name, kind in columns.items())
    return f"CREATE TABLE {table} ({cols})"


class DuckDBEngine:
    """Embedded DuckDB: the default. ``con`` may come from an adapter that already
    created the tables."""

    name = "duckdb"
    dialect = "duckdb"
    layouts: tuple[str, ...] = ("list", "table")

    def __init__(self, con: Any = None, threads: int | None = None):
        import duckdb

        self.con = con if con is not None else duckdb.connect()
        self.con.execute(f"SET threads TO {threads or os.cpu_count() or 1}")

    def run(self, query: exp.Select) -> Rows:
        cursor = self.con.execute(query.sql(dialect=self.dialect))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def load_rows(self, cases: Rows, convictions: Rows, extra: dict[str, str] | None = None) -> None:
        extra = extra or {}
        self.con.execute("DROP TABLE IF EXISTS cases; DROP TABLE IF EXISTS convictions")
        case_cols = {**CASE_COLUMNS, **extra}
        self.con.execute(_ddl("cases", case_cols))
        self.con.execute(_ddl("convictions", CONVICTION_COLUMNS))
        _insert(self.con, "cases", case_cols, cases, "?")
        _insert(self.con, "convictions", CONVICTION_COLUMNS, convictions, "?")

    def add_list_column(self) -> None:
        """Nest the ``convictions`` table into a ``cases.convictions`` list of structs."""
        fields = ", ".join(f'"{n}" := "{n}"' for n in CONVICTION_COLUMNS if n not in ("case_id",))
        self.con.execute(f"""
            CREATE OR REPLACE TABLE cases AS
            SELECT p.*, l.items AS convictions FROM cases p LEFT JOIN (
              SELECT case_id, list(struct_pack({fields}) ORDER BY idx) AS items
              FROM convictions GROUP BY case_id) l ON l.case_id = p.id""")

    def count(self, table: str) -> int:
        row = self.con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0

    def export_parquet(self, directory: Path) -> dict[str, Path]:
        out = {}
        for table in ("cases", "convictions"):
            path = directory / f"{table}.parquet"
            self.con.execute(f"COPY {table} TO '{path}' (FORMAT parquet)")
            out[table] = path
        return out

    def columns(self, table: str) -> dict[str, str]:
        rows = self.con.execute(f"DESCRIBE {table}").fetchall()
        return {r[0]: r[1] for r in rows}

    def close(self) -> None:
        self.con.close()


def _insert(con: Any, table: str, columns: dict[str, str], rows: Rows, mark: str) -> None:
    if not rows:
        return
    names = list(columns)
    quoted = ", ".join(f'"{n}"' for n in names)
    marks = ", ".join(mark for _ in names)
    con.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})",
                    [[row.get(n) for n in names] for row in rows])


_PG_TYPES = {"VARCHAR": "TEXT", "BIGINT": "BIGINT", "INTEGER": "INTEGER", "BOOLEAN": "BOOLEAN",
             "DATE": "DATE", "DOUBLE": "DOUBLE PRECISION"}


class PostgresEngine:
    """PostgreSQL, for populations that live there. Tables go in their own schema."""

    name = "postgres"
    dialect = "postgres"
    layouts: tuple[str, ...] = ("table",)

    def __init__(self, url: str, schema: str = "discretion_population"):
        import psycopg

        self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                                    autocommit=True)
        self.schema = schema
        self.conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        self.conn.execute(f'SET search_path TO "{schema}"')

    def run(self, query: exp.Select) -> Rows:
        with self.conn.cursor() as cur:
            cur.execute(query.sql(dialect=self.dialect))
            names = [d.name for d in cur.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def load_rows(self, cases: Rows, convictions: Rows, extra: dict[str, str] | None = None) -> None:
        extra = extra or {}
        case_cols = {k: _PG_TYPES.get(v, v) for k, v in {**CASE_COLUMNS, **extra}.items()}
        conv_cols = {k: _PG_TYPES.get(v, v) for k, v in CONVICTION_COLUMNS.items()}
        with self.conn.transaction():
            self.conn.execute("DROP TABLE IF EXISTS cases; DROP TABLE IF EXISTS convictions")
            self.conn.execute(_ddl("cases", case_cols))
            self.conn.execute(_ddl("convictions", conv_cols))
            for table, cols, rows in (("cases", case_cols, cases),
                                      ("convictions", conv_cols, convictions)):
                quoted = ", ".join(f'"{n}"' for n in cols)
                with self.conn.cursor().copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([row.get(n) for n in cols])
            self.conn.execute("CREATE INDEX ON convictions (case_id)")

    def drop(self) -> None:
        self.conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')

    def close(self) -> None:
        self.conn.close()


class SparkEngine:
    """Apache Spark (local mode by default), for data that has outgrown one machine."""

    name = "spark"
    dialect = "spark"
    layouts: tuple[str, ...] = ("list", "table")

    def __init__(self, master: str = "local[2]", session: Any = None):
        if session is None:
            from pyspark.sql import SparkSession

            session = (SparkSession.builder.master(master).appName("discretion")
                       .config("spark.ui.enabled", "false")
                       .config("spark.ui.showConsoleProgress", "false")
                       .config("spark.sql.shuffle.partitions", "4")
                       .config("spark.driver.memory", "4g")
                       .config("spark.sql.session.timeZone", "UTC").getOrCreate())
        session.sparkContext.setLogLevel("ERROR")
        self.spark = session
        self._tmp = tempfile.TemporaryDirectory(prefix="discretion-spark-")

    def run(self, query: exp.Select) -> Rows:
        return [row.asDict() for row in self.spark.sql(query.sql(dialect=self.dialect)).collect()]

    def load_rows(self, cases: Rows, convictions: Rows, extra: dict[str, str] | None = None) -> None:
        from pyspark.sql import types as T

        spark_types = {"VARCHAR": T.StringType(), "BIGINT": T.LongType(),
                       "INTEGER": T.IntegerType(), "BOOLEAN": T.BooleanType(),
                       "DATE": T.DateType(), "DOUBLE": T.DoubleType()}
        extra = extra or {}
        for table, cols, rows in (("cases", {**CASE_COLUMNS, **extra}, cases),
                                  ("convictions", CONVICTION_COLUMNS, convictions)):
            schema = T.StructType([T.StructField(n, spark_types[t], True)
                                   for n, t in cols.items()])
            frame = self.spark.createDataFrame([[r.get(n) for n in cols] for r in rows], schema)
            frame.createOrReplaceTempView(table)

    def add_list_column(self) -> None:
        """Nest the ``convictions`` view into a ``cases.convictions`` array of structs."""
        fields = ", ".join(f"'{n}', `{n}`" for n in CONVICTION_COLUMNS if n != "case_id")
        nested = self.spark.sql(f"""
            SELECT p.*, l.items AS convictions FROM cases p LEFT JOIN (
              SELECT case_id, collect_list(named_struct({fields})) AS items
              FROM convictions GROUP BY case_id) l ON l.case_id = p.id""")
        nested.cache().createOrReplaceTempView("cases")

    def load_parquet(self, paths: dict[str, Path]) -> None:
        for table, path in paths.items():
            self.spark.read.parquet(str(path)).createOrReplaceTempView(table)

    def close(self) -> None:
        self._tmp.cleanup()


def load_records(engine: Engine, records: Sequence[Record],
                 extra: dict[str, dict[str, Any]] | None = None) -> None:
    """Put explaining-path records into an engine's tables (tests, small populations)."""
    cases, convictions = records_to_rows(records)
    extra_types: dict[str, str] = {}
    for case in cases:
        for key, value in (extra or {}).get(case["id"], {}).items():
            case[key] = value
            extra_types[key] = _sql_type(value)
    engine.load_rows(cases, convictions, extra_types)


def _sql_type(value: Any) -> str:
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "BIGINT"
    if isinstance(value, dt.date):
        return "DATE"
    return "VARCHAR"
