"""What every adapter shares: the load report, file discovery, reading ICE's pipe-delimited
exports with DuckDB, lookup tables built from the mapping tables, and writing the two
population tables with exactly the schema's columns.

An adapter reads the raw file(s) into a staging table with DuckDB's CSV reader, maps the
few hundred distinct values of each coded column in Python (through
:mod:`discretion.simulate.mappings`), and joins the small lookup tables back in SQL, so a
million rows load in seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from ...population import CASE_COLUMNS, CONVICTION_COLUMNS
from .. import mappings as m
from ..limits import InputRefused, check_size, max_bytes

CASES = "cases"
CONVICTIONS = "convictions"


class AdapterError(ValueError):
    """The input is not what the adapter reads (missing file, wrong layout, bad option)."""


@dataclass(frozen=True, slots=True)
class Assumption:
    """A named, documented assumption the user may ask an adapter to make.

    Assumptions are never made by default: each writes facts the records do not
    establish on their own, and the load report lists every one used.
    """

    name: str
    meaning: str


@dataclass(slots=True)
class Skipped:
    reason: str
    rows: int
    examples: list[str] = field(default_factory=list)


@dataclass(slots=True)
class SourceFile:
    path: str
    rows: int
    sha256: str


@dataclass(slots=True)
class LoadReport:
    """What a load did: counts, skipped rows, the date to assess on, the mappings used,
    values no mapping row covers, assumptions made, and what stays unknown."""

    adapter: str
    title: str
    sample: bool
    date_column: str
    files: list[SourceFile] = field(default_factory=list)
    cases: int = 0
    convictions: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    date_range: tuple[dt.date | None, dt.date | None] = (None, None)
    cases_without_date: int = 0
    mappings: list[str] = field(default_factory=list)
    unmapped: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    assumptions: list[Assumption] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows_read(self) -> int:
        return sum(f.rows for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        lo, hi = self.date_range
        return {
            "adapter": self.adapter, "title": self.title, "sample": self.sample,
            "files": [{"path": f.path, "rows": f.rows, "sha256": f.sha256} for f in self.files],
            "cases": self.cases, "convictions": self.convictions,
            "skipped": [{"reason": s.reason, "rows": s.rows, "examples": s.examples}
                        for s in self.skipped],
            "date_column": self.date_column,
            "date_range": [lo.isoformat() if lo else None, hi.isoformat() if hi else None],
            "cases_without_date": self.cases_without_date,
            "mappings": self.mappings,
            "unmapped": {k: [{"value": v, "rows": n} for v, n in vals]
                         for k, vals in self.unmapped.items()},
            "assumptions": [{"name": a.name, "meaning": a.meaning} for a in self.assumptions],
            "notes": self.notes, "seconds": round(self.seconds, 3),
        }

    def lines(self) -> list[str]:
        """The report as plain text lines, for a terminal."""
        lo, hi = self.date_range
        out = [f"{self.title} ({self.adapter}){' — shipped sample' if self.sample else ''}",
               f"  files: {len(self.files)}, rows read: {self.rows_read:,}",
               f"  cases: {self.cases:,}, convictions: {self.convictions:,}",
               f"  assessed on: {self.date_column} ({lo} – {hi}; "
               f"{self.cases_without_date:,} cases without it)"]
        for s in self.skipped:
            out.append(f"  skipped {s.rows:,} rows: {s.reason}")
        for column, values in self.unmapped.items():
            shown = ", ".join(f"{v!r} ({n:,})" for v, n in values[:5])
            more = f" and {len(values) - 5} more" if len(values) > 5 else ""
            out.append(f"  unmapped {column}: {shown}{more}")
        for a in self.assumptions:
            out.append(f"  ASSUMED {a.name}: {a.meaning}")
        out.extend(f"  note: {n}" for n in self.notes)
        out.append(f"  mappings: {'; '.join(self.mappings)}")
        out.append(f"  loaded in {self.seconds:.2f} s")
        return out


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sample_dir() -> Path:
    """The folder of shipped samples (inside the installed package)."""
    return Path(str(resources.files("discretion.simulate").joinpath("samples")))


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


REDACTION = r"^\s*\(b\)\s*\("
"""FOIA exemption strings such as ``(b)(6),(b)(7)c)`` or ``(B)(7)(E)``: a redacted value."""


def clean(column: str) -> str:
    """SQL: a raw text column trimmed, with blanks, FOIA redactions and ICE's warehouse
    placeholder (``IIDS ETL NULL``) turned into NULL."""
    c = ident(column)
    return (f"(CASE WHEN {c} IS NULL OR trim({c}) = '' OR trim({c}) = 'IIDS ETL NULL' "
            f"OR regexp_matches({c}, '{REDACTION}', 'i') THEN NULL ELSE trim({c}) END)")


def us_date(column: str) -> str:
    """SQL: an M/D/YYYY text column as a DATE (NULL if unparseable)."""
    return f"try_strptime({clean(column)}, '%m/%d/%Y')::DATE"


def fiscal_year(date_sql: str) -> str:
    return f"(year({date_sql}) + CASE WHEN month({date_sql}) >= 10 THEN 1 ELSE 0 END)::INTEGER"


def gender(column: str) -> str:
    c = clean(column)
    return (f"(CASE upper({c}) WHEN 'MALE' THEN 'male' WHEN 'M' THEN 'male' "
            f"WHEN 'FEMALE' THEN 'female' WHEN 'F' THEN 'female' END)")


class Context:
    """One load in progress: the connection, the report, and staging-table helpers."""

    def __init__(self, con: duckdb.DuckDBPyConnection, report: LoadReport):
        self.con, self.report = con, report
        self._temps: list[str] = []
        self._used: set[str] = set()

    # -- staging ---------------------------------------------------------------------------

    def temp(self, name: str) -> str:
        self._temps.append(name)
        return name

    def drop_temps(self) -> None:
        for name in reversed(self._temps):
            self.con.execute(f"DROP TABLE IF EXISTS {name}")
        self._temps.clear()

    def read_raw(self, files: Sequence[Path], *, skip: int, columns: Sequence[str],
                 table: str = "_raw") -> str:
        """Read ICE pipe-delimited export(s) into one staging table of text columns.

        Adds ``_file`` (index into ``files``) and ``_row`` (the data row's position in its
        file, from 1). Rows with the wrong number of fields are skipped and reported.
        Raises :class:`AdapterError` naming any expected column a file lacks.
        """
        name = self.temp(table)
        for i, path in enumerate(files):
            part = f"_raw_part_{i}"
            rej, scan = f"_rejects_{i}", f"_rejects_scan_{i}"
            try:
                self.con.execute(
                    f"CREATE OR REPLACE TEMP TABLE {part} AS SELECT * FROM read_csv("
                    f"{sql_str(str(path))}, delim='|', quote='\"', escape='\"', skip={skip}, "
                    "header=true, all_varchar=true, ignore_errors=true, store_rejects=true, "
                    f"rejects_table='{rej}', rejects_scan='{scan}', null_padding=false, "
                    "max_line_size=10000000)")
            except duckdb.Error as exc:
                raise AdapterError(f"{path}: cannot be read as ICE's pipe-delimited layout "
                                   f"({exc})") from None
            have = [r[0] for r in self.con.execute(f"DESCRIBE {part}").fetchall()]
            missing = [c for c in columns if c not in have]
            if missing:
                self.con.execute(f"DROP TABLE {part}")
                raise AdapterError(
                    f"{path}: missing column(s) {', '.join(repr(c) for c in missing)} "
                    f"(found {', '.join(repr(c) for c in have)}); is this the right adapter?")
            rows = self.con.execute(f"SELECT count(*) FROM {part}").fetchone()
            n_rows = int(rows[0]) if rows else 0
            rejects = self.con.execute(
                f"SELECT count(DISTINCT line), list(DISTINCT csv_line)[:3] FROM {rej}").fetchone()
            if rejects and rejects[0]:
                self.report.skipped.append(Skipped(
                    f"{path.name}: malformed line (wrong number of fields or quoting)",
                    int(rejects[0]), [str(x)[:200] for x in rejects[1] or []]))
            self.con.execute(f"DROP TABLE IF EXISTS {rej}")
            self.con.execute(f"DROP TABLE IF EXISTS {scan}")
            cols = ", ".join(ident(c) for c in columns)
            if i == 0:
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {i}::INTEGER "
                                 f"AS _file, (rowid + 1)::BIGINT AS _row, {cols} FROM {part}")
            else:
                self.con.execute(f"INSERT INTO {name} SELECT {i}, rowid + 1, {cols} FROM {part}")
            self.con.execute(f"DROP TABLE {part}")
            self.report.files.append(SourceFile(str(path), n_rows + (rejects[0] if rejects else 0),
                                                sha256_file(path)))
        return name

    # -- lookups ---------------------------------------------------------------------------

    def use(self, *tables: str) -> None:
        for t in tables:
            if t not in self._used:
                self._used.add(t)
                self.report.mappings.append(m.table(t).ref())

    def method_lookup(self, values_sql: str, label: str) -> str:
        """Arrest or apprehension method → where apprehended, and whether attempting entry
        (``arrest_methods.csv``)."""
        def method(v: str) -> dict[str, object] | None:
            found = m.arrest_method(v)
            return None if found is None else {"at": found.at,
                                                "attempting": found.attempting_unlawful_entry}

        return self.lookup("_lk_method", values_sql, label, method,
                           {"at": "VARCHAR", "attempting": "BOOLEAN"})

    def lookup(self, name: str, values_sql: str, label: str,
               mapper: Callable[[str], dict[str, Any] | None], columns: dict[str, str]) -> str:
        """Map the distinct values of a column through ``mapper`` into a small table.

        ``values_sql`` selects one text column ``v``; ``mapper`` returns the looked-up
        columns for a value, or ``None`` when no mapping row covers it (reported as
        unmapped under ``label`` with its row count). The table has ``v``, ``mapped`` and
        ``columns``.
        """
        rows = self.con.execute(
            f"SELECT v, count(*) FROM ({values_sql}) WHERE v IS NOT NULL GROUP BY v "
            "ORDER BY count(*) DESC, v").fetchall()
        table = self.temp(name)
        decl = ", ".join(f"{ident(c)} {t}" for c, t in columns.items())
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (v VARCHAR, mapped BOOLEAN"
                         f"{', ' + decl if decl else ''})")
        data, unmapped = [], []
        for value, count in rows:
            got = mapper(str(value))
            if got is None:
                unmapped.append((str(value), int(count)))
                data.append([value, False, *(None for _ in columns)])
            else:
                data.append([value, True, *(got.get(c) for c in columns)])
        if data:
            marks = ", ".join("?" for _ in range(len(columns) + 2))
            self.con.executemany(f"INSERT INTO {table} VALUES ({marks})", data)
        if unmapped:
            self.report.unmapped[label] = unmapped
        return table

    def offences(self, entries: Iterable[tuple[str, m.Offence]]) -> str:
        """The offence table conviction sources join to: key, asserted, level, cat_*."""
        table = self.temp("_offences")
        cats = ", ".join(f"{ident(c)} BOOLEAN" for c in m.CATEGORY_COLUMNS)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (offence VARCHAR, "
                         f"asserted BOOLEAN, level VARCHAR, {cats})")
        data = []
        for key, off in entries:
            row = off.row()
            data.append([key, off.asserted, off.level, *(row[c] for c in m.CATEGORY_COLUMNS)])
        marks = ", ".join("?" for _ in range(len(m.CATEGORY_COLUMNS) + 3))
        self.con.executemany(f"INSERT INTO {table} VALUES ({marks})", data)
        return table

    # -- output ----------------------------------------------------------------------------

    def write_cases(self, exprs: dict[str, str], extras: dict[str, tuple[str, str]],
                    from_sql: str) -> None:
        """Create ``cases``: every schema column in order (unknown unless ``exprs`` gives
        it), then the extra breakdown columns ``name: (type, expr)``."""
        unknown = set(exprs) - set(CASE_COLUMNS)
        if unknown:
            raise AssertionError(f"not case columns: {sorted(unknown)}")
        decl = [f"{ident(c)} {t}" for c, t in CASE_COLUMNS.items()]
        decl += [f"{ident(c)} {t}" for c, (t, _) in extras.items()]
        sel = [f"CAST({exprs.get(c, 'NULL')} AS {t})" for c, t in CASE_COLUMNS.items()]
        sel += [f"CAST({e} AS {t})" for c, (t, e) in extras.items()]
        self.con.execute(f"CREATE OR REPLACE TABLE {CASES} ({', '.join(decl)})")
        self.con.execute(f"INSERT INTO {CASES} SELECT {', '.join(sel)} FROM {from_sql}")

    def write_convictions(self, sources_sql: str, offences: str) -> None:
        """Create ``convictions`` from rows ``(case_id, ord1, ord2, offence, conviction_date,
        incident)``: ``idx`` numbers each case's convictions in that order from 0."""
        decl = ", ".join(f"{ident(c)} {t}" for c, t in CONVICTION_COLUMNS.items())
        self.con.execute(f"CREATE OR REPLACE TABLE {CONVICTIONS} ({decl})")
        cols = []
        for c, t in CONVICTION_COLUMNS.items():
            if c == "idx":
                expr = "(row_number() OVER (PARTITION BY s.case_id ORDER BY s.ord1, s.ord2) - 1)"
            elif c in ("case_id", "conviction_date", "incident"):
                expr = f"s.{c}"
            elif c in ("level", "asserted") or c.startswith("cat_"):
                expr = f"o.{ident(c)}"
            else:
                expr = "NULL"
            cols.append(f"CAST({expr} AS {t})")
        self.con.execute(f"INSERT INTO {CONVICTIONS} SELECT {', '.join(cols)} FROM "
                         f"({sources_sql}) s JOIN {offences} o ON o.offence = s.offence")

    def finish(self, date_column: str) -> None:
        row = self.con.execute(
            f"SELECT count(*), min({ident(date_column)}), max({ident(date_column)}), "
            f"count(*) FILTER (WHERE {ident(date_column)} IS NULL) FROM {CASES}").fetchone()
        assert row is not None
        self.report.cases = int(row[0])
        self.report.date_range = (row[1], row[2])
        self.report.cases_without_date = int(row[3])
        n = self.con.execute(f"SELECT count(*) FROM {CONVICTIONS}").fetchone()
        self.report.convictions = int(n[0]) if n else 0

    def count(self, sql: str) -> int:
        row = self.con.execute(sql).fetchone()
        return int(row[0]) if row and row[0] is not None else 0


class Adapter(ABC):
    """Reads one kind of ICE record into the population tables ``cases`` and
    ``convictions`` of a DuckDB connection."""

    id: str
    title: str
    description: str
    date_column: str
    file_glob: str
    sample_files: tuple[str, ...]
    assumptions: tuple[Assumption, ...] = ()

    def files(self, paths: Sequence[Path] | Path | None, sample: bool) -> list[Path]:
        """The input files: the shipped sample, or the given files and directories
        (a directory contributes its files matching :attr:`file_glob`)."""
        if sample or paths is None:
            found = [sample_dir() / name for name in self.sample_files]
            return found
        items = [paths] if isinstance(paths, Path | str) else list(paths)
        out: list[Path] = []
        for item in items:
            p = Path(item)
            if p.is_dir():
                hits = sorted(p.glob(self.file_glob))
                if not hits:
                    raise AdapterError(f"{p}: no files matching {self.file_glob!r} for "
                                       f"adapter {self.id}")
                out.extend(hits)
            elif p.is_file():
                out.append(p)
            else:
                raise AdapterError(f"{p}: no such file or directory")
        total = 0
        for path in out:
            try:
                total += check_size(path)
            except InputRefused as exc:
                raise AdapterError(str(exc)) from None
        if total > max_bytes():
            raise AdapterError(f"the files expand to {total:,} bytes together; the limit is "
                               f"{max_bytes():,} (DISCRETION_MAX_POPULATION_BYTES)")
        return out

    def load(self, paths: Sequence[Path] | Path | None, con: duckdb.DuckDBPyConnection, *,
             sample: bool = False, assume: Iterable[str] = ()) -> LoadReport:
        """Create ``cases`` and ``convictions`` in ``con`` from the records.

        ``paths`` is a file, a directory or a list of them; ``None`` (or ``sample=True``)
        loads the shipped sample. ``assume`` names assumptions from :attr:`assumptions`.
        """
        known = {a.name: a for a in self.assumptions}
        chosen = list(dict.fromkeys(assume))
        bad = [a for a in chosen if a not in known]
        if bad:
            names = ", ".join(sorted(known)) or "none"
            raise AdapterError(f"adapter {self.id} has no assumption {', '.join(bad)} "
                               f"(it offers: {names})")
        use_sample = sample or paths is None
        files = self.files(paths, use_sample)
        report = LoadReport(self.id, self.title, use_sample, self.date_column,
                            assumptions=[known[a] for a in chosen])
        start = time.perf_counter()
        ctx = Context(con, report)
        try:
            self._load(files, ctx, frozenset(chosen))
            ctx.finish(self.date_column)
        finally:
            ctx.drop_temps()
        report.seconds = time.perf_counter() - start
        return report

    @abstractmethod
    def _load(self, files: list[Path], ctx: Context, assume: frozenset[str]) -> None:
        """Fill ``cases`` and ``convictions`` from ``files``."""
