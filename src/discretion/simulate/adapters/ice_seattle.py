"""ICE ERO-LESA Seattle Area of Responsibility arrests and "other removals",
FY2012 – FY2019 YTD (UW v. DHS production, published by UWCHR).

Both files carry ICE's "Most Serious Conviction" (MSC): one offence literal, the most
serious of the person's convictions, so a non-blank MSC gives one conviction row and an
unknown total (``conviction_count`` NULL). A blank MSC is unknown by default: ICE did not
record the MSC before FY2015 (arrests) or FY2013 (removals), and never says that a blank
means no conviction afterwards. The ``blank-msc-means-no-conviction`` assumption reads it
so, from those years on, when asked.
"""

from __future__ import annotations

from pathlib import Path

from .. import mappings as m
from .base import Adapter, Assumption, Context, clean, fiscal_year, gender, us_date
from .effects import (
    EFFECT_COLUMNS,
    EFFECT_SELECT,
    aggregate,
    effect_row,
    implied_conviction_rows,
    implied_offences,
)

AOR = "Seattle Area of Responsibility"


def blank_msc(first_fy: int) -> Assumption:
    return Assumption(
        "blank-msc-means-no-conviction",
        f"a blank Most Serious Conviction from FY{first_fy} on is read as no conviction "
        f"(conviction_count = 0). ICE recorded the MSC only from FY{first_fy} and does not say "
        "that a blank means none; before then a blank stays unknown.")


def _msc_offences(ctx: Context, raw: str) -> tuple[str, list[tuple[str, m.Offence]]]:
    """Lookup of MSC literals to offence keys, and the offence entries they use."""
    ctx.use("msc")
    table = m.msc_offences()

    def mapper(v: str) -> dict[str, object] | None:
        key = m.norm_literal(v)
        return {"offence": "msc:" + key} if key in table else None

    lk = ctx.lookup("_lk_msc", f"SELECT {clean('Most Serious Conviction')} AS v FROM {raw}",
                    "Most Serious Conviction", mapper, {"offence": "VARCHAR"})
    entries = [("msc:" + k, o) for k, o in table.items()]
    entries.append(("unknown", m.UNKNOWN_OFFENCE))
    return lk, entries


def _msc_notes(ctx: Context, first_fy: int, assumed: bool) -> None:
    unmapped = sum(n for _, n in ctx.report.unmapped.get("Most Serious Conviction", []))
    ctx.report.notes.append(
        f"Most Serious Conviction was not recorded before FY{first_fy}: a blank MSC is unknown, "
        "not 'no conviction'" + (f" (before FY{first_fy}; from FY{first_fy} the assumption reads it as none)."
                                  if assumed else "."))
    ctx.report.notes.append(
        "A non-blank MSC is the most serious of the person's convictions: one conviction row "
        "(level, date and sentence unknown unless the literal says) and conviction_count "
        "unknown, since other convictions are not listed.")
    if unmapped:
        ctx.report.notes.append(f"{unmapped:,} MSC values have no mapping row: their conviction "
                                "row has every category unknown.")
    ctx.report.notes.append(
        "Birth dates and event numbers are redacted in every row: no age, and no way to link "
        "an arrest to a removal or to count people.")


class SeattleArrests(Adapter):
    id = "ice-seattle-arrests"
    title = "ICE ERO administrative arrests, Seattle AOR, FY2012–FY2019 YTD"
    description = ("ERO-LESA arrests for the Seattle Area of Responsibility (UW v. DHS, UWCHR): "
                   "arrest date, gender, citizenship, landmark, arrest method and the Most "
                   "Serious Conviction literal.")
    date_column = "apprehension_date"
    file_glob = "arrests*.csv*"
    sample_files = ("arrests-sample.csv.gz",)
    FIRST_FY = 2015
    assumptions = (blank_msc(FIRST_FY),)
    COLUMNS = ("Arrest Date", "Gender", "Country of Citizenship", "Apprehension Landmark",
               "Arrest Method", "Most Serious Conviction")

    def _load(self, files: list[Path], ctx: Context, assume: frozenset[str]) -> None:
        raw = ctx.read_raw(files, skip=6, columns=self.COLUMNS)
        lk, entries = _msc_offences(ctx, raw)
        ctx.use("arrest_methods")

        meth = ctx.method_lookup(f"SELECT {clean('Arrest Method')} AS v FROM {raw}",
                                 "Arrest Method")
        base = ctx.temp("_base")
        ctx.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {base} AS
            SELECT 'sea-arrests:' || _file || ':' || lpad(_row::VARCHAR, 6, '0') AS id,
                   {us_date('Arrest Date')} AS appr, {clean('Most Serious Conviction')} AS msc,
                   {clean('Arrest Method')} AS method,
                   {clean('Apprehension Landmark')} AS landmark,
                   {clean('Country of Citizenship')} AS citizenship, {gender('Gender')} AS gender
            FROM {raw}""")
        assumed = self.assumptions[0].name in assume
        fy = fiscal_year("b.appr")
        count = (f"CASE WHEN b.msc IS NULL AND {fy} >= {self.FIRST_FY} THEN 0 END"
                 if assumed else "NULL")
        exprs = {"id": "b.id", "apprehension_date": "b.appr", "apprehension_at": "mt.at",
                 "attempting_unlawful_entry": "mt.attempting", "conviction_count": count}
        extras = {
            "fiscal_year": ("INTEGER", fy), "year": ("INTEGER", "year(b.appr)"),
            "area_of_responsibility": ("VARCHAR", f"'{AOR}'"),
            "arrest_method": ("VARCHAR", "b.method"),
            "apprehension_landmark": ("VARCHAR", "b.landmark"),
            "msc": ("VARCHAR", "b.msc"),
            "gender": ("VARCHAR", "b.gender"), "citizenship": ("VARCHAR", "b.citizenship"),
        }
        ctx.write_cases(exprs, extras, f"{base} b LEFT JOIN {meth} mt ON mt.v = b.method")
        offences = ctx.offences(entries)
        ctx.write_convictions(
            f"SELECT b.id AS case_id, 0 AS ord1, 0 AS ord2, coalesce(l.offence, 'unknown') AS "
            f"offence, NULL::DATE AS conviction_date, 'msc' AS incident FROM {base} b "
            f"JOIN {lk} l ON l.v = b.msc", offences)
        _msc_notes(ctx, self.FIRST_FY, assumed)
        ctx.report.notes.append(
            "Where the arrest method places the arrest in the interior (jails, prisons, "
            "at-large and probation arrests), apprehension_at is 'interior' and "
            "attempting_unlawful_entry false; other methods leave both unknown.")


class SeattleRemovals(Adapter):
    id = "ice-seattle-removals"
    title = "ICE 'other removals', Seattle AOR, FY2012–FY2019 YTD"
    description = ("ERO-LESA removals other than expedited removal for the Seattle Area of "
                   "Responsibility (UW v. DHS, UWCHR): departed date, gender, citizenship, Most "
                   "Serious Conviction and ICE case category.")
    date_column = "departed_date"
    file_glob = "other-removals*.csv*"
    sample_files = ("other-removals-sample.csv.gz",)
    FIRST_FY = 2013
    assumptions = (blank_msc(FIRST_FY),)
    COLUMNS = ("Departed Date", "Gender", "Country of Citizenship", "Most Serious Conviction",
               "Case Category")

    def _load(self, files: list[Path], ctx: Context, assume: frozenset[str]) -> None:
        raw = ctx.read_raw(files, skip=6, columns=self.COLUMNS)
        lk, entries = _msc_offences(ctx, raw)
        ctx.use("case_categories")
        cat = ctx.lookup("_lk_category", f"SELECT {clean('Case Category')} AS v FROM {raw}",
                         "Case Category", lambda v: effect_row(m.case_category_effects(v)),
                         EFFECT_COLUMNS)
        base = ctx.temp("_base")
        ctx.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {base} AS
            SELECT 'sea-removals:' || _file || ':' || lpad(_row::VARCHAR, 6, '0') AS id,
                   {us_date('Departed Date')} AS departed,
                   {clean('Most Serious Conviction')} AS msc,
                   {clean('Case Category')} AS category,
                   {clean('Country of Citizenship')} AS citizenship, {gender('Gender')} AS gender
            FROM {raw}""")
        agg = aggregate(ctx, f"SELECT b.id AS case_id, {EFFECT_SELECT} FROM {base} b "
                             f"JOIN {cat} l ON l.v = b.category WHERE l.mapped")
        assumed = self.assumptions[0].name in assume
        fy = fiscal_year("b.departed")
        # A category that requires a conviction contradicts "no conviction": keep unknown.
        count = (f"CASE WHEN b.msc IS NULL AND {fy} >= {self.FIRST_FY} AND "
                 "b.id NOT IN (SELECT case_id FROM _agg_conv) THEN 0 END"
                 if assumed else "NULL")
        exprs = {"id": "b.id", "final_order": "a.final_order", "conviction_count": count}
        extras = {
            "fiscal_year": ("INTEGER", fy), "year": ("INTEGER", "year(b.departed)"),
            "area_of_responsibility": ("VARCHAR", f"'{AOR}'"),
            "departed_date": ("DATE", "b.departed"),
            "case_category": ("VARCHAR", "b.category"),
            "msc": ("VARCHAR", "b.msc"),
            "prior_removal": ("BOOLEAN", "a.prior_removal"),
            "gender": ("VARCHAR", "b.gender"), "citizenship": ("VARCHAR", "b.citizenship"),
        }
        ctx.write_cases(exprs, extras, f"{base} b LEFT JOIN {agg} a ON a.case_id = b.id")
        offences = ctx.offences([*entries, *implied_offences()])
        ctx.write_convictions(
            f"SELECT b.id AS case_id, 0 AS ord1, 0 AS ord2, coalesce(l.offence, 'unknown') AS "
            f"offence, NULL::DATE AS conviction_date, 'msc' AS incident FROM {base} b "
            f"JOIN {lk} l ON l.v = b.msc UNION ALL "
            + implied_conviction_rows(f"{agg}_conv", 1), offences)
        _msc_notes(ctx, self.FIRST_FY, assumed)
        ctx.report.notes.append(
            "'Other removals' exclude expedited removal (case categories 8F-8I), by ICE's "
            "definition; removals include returns. The apprehension date is not in this file.")
        ctx.report.notes.append(
            "A conviction a case category requires (administrative or judicial removal) is a "
            "second row beside the MSC: it may be the same conviction, which only adds an "
            "unknown row.")
