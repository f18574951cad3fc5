"""ICE ERO-LESA national arrests and removals, FY2016–FY2019 (FOIA 2019-ICFO-53623,
published by UWCHR). No conviction field and no person key: what these files can say
comes from the processing disposition, the final charge section and the arrest method.
"""

from __future__ import annotations

import re
from pathlib import Path

from .. import mappings as m
from .base import (
    Adapter,
    Assumption,
    Context,
    clean,
    fiscal_year,
    gender,
    us_date,
)
from .effects import (
    EFFECT_COLUMNS,
    EFFECT_SELECT,
    aggregate,
    disposition_lookup,
    effect_row,
    implied_conviction_rows,
    implied_offences,
)

ER_AT_BORDER = Assumption(
    "expedited-removal-at-border",
    "cases processed by expedited removal (ER, ER/CF, ER/LR) are taken as apprehended at "
    "the border attempting to enter unlawfully (apprehension_at = 'border': border and port "
    "of entry are not told apart). Expedited removal also reached people found inland within "
    "14 days of entry (2004 designation) and, from July 2019, anywhere within two years.")

REMOVAL_COLUMNS = ("Area of Responsibility", "Apprehension Date", "Processing Disposition Code",
                   "Citizenship", "Gender", "Final Charge Section", "Departed Date",
                   "Removal Date")
ARREST_COLUMNS = ("Area of Responsibility", "Apprehension Date", "Apprehension Method",
                  "Apprehension Landmark", "Processing Disposition", "Citizenship", "Gender")

NOTES = [
    "These files have no conviction, criminality or person field: conviction_count is unknown "
    "for every case, and the only convictions written are those a removal ground or "
    "disposition requires (e.g. 237(a)(2)(A)(iii) or administrative removal: an "
    "aggravated-felony conviction).",
    "Birth dates are redacted in every row: birth_date (and so age) is unknown.",
    "A charge is a lower bound: a person removed on an immigration ground may also have "
    "convictions; absence of a criminal ground proves nothing.",
    "Prior removals are known to exist (prior_removal) but not their number or dates: "
    "removal_count and removal dates stay unknown.",
]


def file_stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".csv", ".txt"):
        name = name.removesuffix(suffix)
    return name


def _files_table(ctx: Context, files: list[Path]) -> str:
    name = ctx.temp("_files")
    ctx.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} (_file INTEGER, stem VARCHAR, fy INTEGER)")
    rows = []
    for i, p in enumerate(files):
        found = re.search(r"FY\s*(\d{4})", p.name, re.IGNORECASE)
        rows.append([i, file_stem(p), int(found.group(1)) if found else None])
    ctx.con.executemany(f"INSERT INTO {name} VALUES (?, ?, ?)", rows)
    return name


def _implausible(ctx: Context, table: str, column: str, label: str, upper: str) -> None:
    n = ctx.count(f"SELECT count(*) FROM {table} WHERE {column} IS NOT NULL AND "
                  f"({column} < DATE '1900-01-01' OR {column} > {upper})")
    if n:
        ctx.report.notes.append(f"{n:,} {label} before 1900 or after the record's own date "
                                "were set to unknown.")


class NationalRemovals(Adapter):
    id = "ice-national-removals"
    title = "ICE removals, national, FY2016–FY2019"
    description = ("ICE ERO-LESA removal records (FOIA 2019-ICFO-53623, UWCHR): area of "
                   "responsibility, apprehension date, processing disposition code, final "
                   "charge section, departed and removal dates.")
    date_column = "departed_date"
    file_glob = "ICERemovals_FY*.csv*"
    sample_files = tuple(f"ICERemovals_FY{y}-sample.csv.gz" for y in (2016, 2017, 2018, 2019))
    assumptions = (ER_AT_BORDER,)

    def _load(self, files: list[Path], ctx: Context, assume: frozenset[str]) -> None:
        con = ctx.con
        raw = ctx.read_raw(files, skip=5, columns=REMOVAL_COLUMNS)
        ftab = _files_table(ctx, files)
        ctx.use("dispositions", "charge_sections")
        disp = disposition_lookup(ctx, f"SELECT {clean('Processing Disposition Code')} AS v FROM {raw}",
                                  "Processing Disposition Code", "removal")
        charge = ctx.lookup("_lk_charge", f"SELECT {clean('Final Charge Section')} AS v FROM {raw}",
                            "Final Charge Section", lambda v: effect_row(m.charge_effects(v)),
                            EFFECT_COLUMNS)
        base = ctx.temp("_base")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {base} AS
            SELECT f.stem || ':' || lpad(r._row::VARCHAR, 7, '0') AS id,
                   {us_date('Apprehension Date')} AS appr,
                   {us_date('Departed Date')} AS departed,
                   {us_date('Removal Date')} AS removal,
                   {clean('Processing Disposition Code')} AS disposition,
                   {clean('Final Charge Section')} AS charge,
                   {clean('Area of Responsibility')} AS aor,
                   {clean('Citizenship')} AS citizenship,
                   {gender('Gender')} AS gender,
                   f.fy AS file_fy
            FROM {raw} r JOIN {ftab} f USING (_file)""")
        _implausible(ctx, base, "appr", "apprehension dates", "coalesce(departed, removal)")
        agg = aggregate(ctx, f"""
            SELECT b.id AS case_id, {EFFECT_SELECT} FROM {base} b JOIN {disp} l ON l.v = b.disposition
            WHERE l.mapped
            UNION ALL
            SELECT b.id, {EFFECT_SELECT} FROM {base} b JOIN {charge} l ON l.v = b.charge WHERE l.mapped""")
        conflicts = ctx.count(f"SELECT count(*) FROM {agg} WHERE manner_conflict")
        if conflicts:
            ctx.report.notes.append(f"{conflicts:,} cases whose disposition and charge disagree on "
                                    "the manner of entry: left unknown.")
        border = "er_at_border" if ER_AT_BORDER.name in assume else ""
        appr_ok = ("CASE WHEN b.appr >= DATE '1900-01-01' AND b.appr <= coalesce(b.departed, "
                   "b.removal) THEN b.appr END")
        exprs = {
            "id": "b.id",
            "apprehension_date": appr_ok,
            "final_order": "a.final_order",
            "last_entry_manner": "a.last_entry_manner",
            "terrorism": "a.terrorism",
            "espionage": "a.espionage",
            "fraud_before_agency": "a.fraud_before_agency",
        }
        if border:
            exprs["apprehension_at"] = "CASE WHEN a.expedited_removal THEN 'border' END"
            exprs["attempting_unlawful_entry"] = "CASE WHEN a.expedited_removal THEN TRUE END"
        extras = {
            "fiscal_year": ("INTEGER", f"coalesce(b.file_fy, {fiscal_year('b.departed')})"),
            "year": ("INTEGER", "year(b.departed)"),
            "area_of_responsibility": ("VARCHAR", "b.aor"),
            "departed_date": ("DATE", "b.departed"),
            "removal_date": ("DATE", "b.removal"),
            "disposition": ("VARCHAR", "b.disposition"),
            "charge_section": ("VARCHAR", "b.charge"),
            "expedited_removal": ("BOOLEAN", "coalesce(a.expedited_removal, FALSE)"),
            "prior_removal": ("BOOLEAN", "a.prior_removal"),
            "gender": ("VARCHAR", "b.gender"),
            "citizenship": ("VARCHAR", "b.citizenship"),
        }
        ctx.write_cases(exprs, extras, f"{base} b LEFT JOIN {agg} a ON a.case_id = b.id")
        offences = ctx.offences(implied_offences())
        ctx.write_convictions(implied_conviction_rows(f"{agg}_conv", 1), offences)
        ctx.report.notes.extend(NOTES)
        if not border:
            ctx.report.notes.append(
                "Place of apprehension is unknown: expedited removal does not by itself show "
                "apprehension at the border (see the expedited-removal-at-border assumption).")
        ctx.report.notes.append(
            "Assessed on the departed date; the removal date is when ICE counted the removal "
            "(they differ for late-confirmed removals).")


class NationalArrests(Adapter):
    id = "ice-national-arrests"
    title = "ICE ERO administrative arrests, national, FY2016–FY2019"
    description = ("ICE ERO-LESA administrative arrest records (FOIA 2019-ICFO-53623, UWCHR): "
                   "area of responsibility, apprehension date, method and landmark, processing "
                   "disposition.")
    date_column = "apprehension_date"
    file_glob = "EROArrests_FY*.csv*"
    sample_files = tuple(f"EROArrests_FY{y}-sample.csv.gz" for y in (2016, 2017, 2018, 2019))
    assumptions = (ER_AT_BORDER,)

    def _load(self, files: list[Path], ctx: Context, assume: frozenset[str]) -> None:
        con = ctx.con
        raw = ctx.read_raw(files, skip=5, columns=ARREST_COLUMNS)
        ftab = _files_table(ctx, files)
        ctx.use("dispositions", "arrest_methods")
        disp = disposition_lookup(ctx, f"SELECT {clean('Processing Disposition')} AS v FROM {raw}",
                                  "Processing Disposition", "arrest")

        meth = ctx.method_lookup(f"SELECT {clean('Apprehension Method')} AS v FROM {raw}",
                                 "Apprehension Method")
        base = ctx.temp("_base")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {base} AS
            SELECT f.stem || ':' || lpad(r._row::VARCHAR, 7, '0') AS id,
                   {us_date('Apprehension Date')} AS appr,
                   {clean('Apprehension Method')} AS method,
                   {clean('Apprehension Landmark')} AS landmark,
                   {clean('Processing Disposition')} AS disposition,
                   {clean('Area of Responsibility')} AS aor,
                   {clean('Citizenship')} AS citizenship,
                   {gender('Gender')} AS gender,
                   f.fy AS file_fy
            FROM {raw} r JOIN {ftab} f USING (_file)""")
        agg = aggregate(ctx, f"""
            SELECT b.id AS case_id, {EFFECT_SELECT} FROM {base} b JOIN {disp} l ON l.v = b.disposition
            WHERE l.mapped""")
        er = ER_AT_BORDER.name in assume
        at = "coalesce(mt.at, CASE WHEN a.expedited_removal THEN 'border' END)" if er else "mt.at"
        attempting = ("coalesce(mt.attempting, CASE WHEN a.expedited_removal THEN TRUE END)"
                      if er else "mt.attempting")
        exprs = {
            "id": "b.id",
            "apprehension_date": "b.appr",
            "apprehension_at": at,
            "attempting_unlawful_entry": attempting,
            "final_order": "a.final_order",
        }
        extras = {
            "fiscal_year": ("INTEGER", f"coalesce(b.file_fy, {fiscal_year('b.appr')})"),
            "year": ("INTEGER", "year(b.appr)"),
            "area_of_responsibility": ("VARCHAR", "b.aor"),
            "arrest_method": ("VARCHAR", "b.method"),
            "apprehension_landmark": ("VARCHAR", "b.landmark"),
            "disposition": ("VARCHAR", "b.disposition"),
            "expedited_removal": ("BOOLEAN", "coalesce(a.expedited_removal, FALSE)"),
            "prior_removal": ("BOOLEAN", "a.prior_removal"),
            "gender": ("VARCHAR", "b.gender"),
            "citizenship": ("VARCHAR", "b.citizenship"),
        }
        ctx.write_cases(exprs, extras,
                        f"{base} b LEFT JOIN {agg} a ON a.case_id = b.id "
                        f"LEFT JOIN {meth} mt ON mt.v = b.method")
        offences = ctx.offences(implied_offences())
        ctx.write_convictions(implied_conviction_rows(f"{agg}_conv", 1), offences)
        ctx.report.notes.extend(NOTES[:3])
        ctx.report.notes.append(
            "Where the arrest method places the arrest in the interior (jails, prisons, "
            "at-large and probation arrests), apprehension_at is 'interior' and "
            "attempting_unlawful_entry false; other methods leave both unknown.")


