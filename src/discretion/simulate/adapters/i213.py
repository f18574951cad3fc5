"""DHS Form I-213 records of the Seattle Area of Responsibility, 2021–2025 (UWCHR,
``i-213-sea-22-25``).

The richest of the files: apprehension date and method, the date and class of admission
of the last entry, the INA charges (a JSON list) and the criminal history as a JSON list
of ``{CHARGE_DATE, NCIC_CATEGORY, CHARGE_STATUS}``. UWCHR notes that the criminal list
"may not be complete", so by default a listed conviction is a row and the totals stay
unknown; the ``i213-charges-complete`` assumption takes the list as complete.
"""

from __future__ import annotations

from pathlib import Path

from .. import mappings as m
from .base import Adapter, Assumption, Context, clean, fiscal_year, gender
from .effects import (
    EFFECT_COLUMNS,
    EFFECT_SELECT,
    aggregate,
    disposition_lookup,
    effect_row,
    implied_conviction_rows,
    implied_offences,
)
from .ice_national import ER_AT_BORDER

CHARGES_COMPLETE = Assumption(
    "i213-charges-complete",
    "the I-213 criminal-charge list is taken as complete: conviction_count is the number of "
    "'Convicted' charges and pending_charge_count the number of 'Pending' ones (0 when no "
    "list is given). Not applied to a case with a charge of unknown status, or whose INA "
    "charges require a conviction the list may or may not contain. UWCHR warns the list may "
    "not be complete.")
ONLY_ENTRY = Assumption(
    "i213-entry-is-only-entry",
    "the I-213's last entry is taken as the person's only recorded entry (entry_count = 1, "
    "first_entry_date = last_entry_date), except where a prior removal is known. A person "
    "who entered, left and came back earlier is counted wrongly.")

COLUMNS = ("site_code", "area_of_responsibility_name", "processing_disposition_descr",
           "citizenship_country_descr", "gender_code", "age", "apprehension_date",
           "apprehension_method_descr", "apprehension_landmark_descr", "entry_date",
           "entry_admission_class_descr", "admin_charges", "criminal_charges")

ADMIN_JSON = '[{"OFFENSE_DATE":"VARCHAR","CHARGE_SECTION_CODE":"VARCHAR","CHARGE_DESCRIPTION":"VARCHAR"}]'
CRIMINAL_JSON = '[{"CHARGE_DATE":"VARCHAR","NCIC_CATEGORY":"VARCHAR","CHARGE_STATUS":"VARCHAR"}]'


class I213(Adapter):
    id = "ice-i213"
    title = "DHS Form I-213 arrest records, Seattle AOR, 2021–2025"
    description = ("I-213 'Record of Deportable/Inadmissible Alien' records for the Seattle "
                   "AOR (UWCHR): apprehension, last entry, INA charges and criminal charges "
                   "with NCIC category and status.")
    date_column = "apprehension_date"
    file_glob = "*i213*.csv*"
    sample_files = ("sea-i213s-sample.csv.gz",)
    assumptions = (CHARGES_COMPLETE, ONLY_ENTRY, ER_AT_BORDER)

    def _load(self, files: list[Path], ctx: Context, assume: frozenset[str]) -> None:
        con = ctx.con
        raw = ctx.read_raw(files, skip=0, columns=COLUMNS)
        base = ctx.temp("_base")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {base} AS
            SELECT 'i213:' || _file || ':' || lpad(_row::VARCHAR, 6, '0') AS id,
                   try_cast({clean('apprehension_date')} AS DATE) AS appr,
                   try_cast({clean('entry_date')} AS DATE) AS entry_raw,
                   {clean('entry_admission_class_descr')} AS admission,
                   {clean('processing_disposition_descr')} AS disposition,
                   {clean('apprehension_method_descr')} AS method,
                   {clean('apprehension_landmark_descr')} AS landmark,
                   {clean('site_code')} AS site,
                   {clean('area_of_responsibility_name')} AS aor,
                   {clean('citizenship_country_descr')} AS citizenship,
                   {gender('gender_code')} AS gender,
                   try_cast({clean('age')} AS INTEGER) AS age,
                   {clean('admin_charges')} AS admin_json,
                   {clean('criminal_charges')} AS criminal_json
            FROM {raw}""")
        bad_json = ctx.count(f"SELECT count(*) FROM {base} WHERE (admin_json IS NOT NULL AND NOT "
                             "json_valid(admin_json)) OR (criminal_json IS NOT NULL AND NOT "
                             "json_valid(criminal_json))")
        if bad_json:
            ctx.report.notes.append(f"{bad_json:,} rows with a charge list that is not valid JSON: "
                                    "that list is treated as absent.")
        bad_entry = ctx.count(f"SELECT count(*) FROM {base} WHERE entry_raw IS NOT NULL AND "
                              "(entry_raw < DATE '1900-01-01' OR entry_raw > appr)")
        if bad_entry:
            ctx.report.notes.append(f"{bad_entry:,} entry dates before 1900 or after the "
                                    "apprehension were set to unknown.")
        admin = ctx.temp("_admin")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {admin} AS
            SELECT b.id AS case_id, trim(c.CHARGE_SECTION_CODE) AS code
            FROM {base} b, unnest(from_json(b.admin_json, '{ADMIN_JSON}')) AS t(c)
            WHERE json_valid(b.admin_json) AND c.CHARGE_SECTION_CODE IS NOT NULL""")
        crim = ctx.temp("_criminal")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {crim} AS
            SELECT b.id AS case_id, t.pos, try_cast(t.c.CHARGE_DATE AS DATE) AS charge_date,
                   nullif(trim(t.c.NCIC_CATEGORY), 'IIDS ETL NULL') AS category,
                   trim(t.c.CHARGE_STATUS) AS status
            FROM {base} b, unnest(from_json(b.criminal_json, '{CRIMINAL_JSON}'))
                 WITH ORDINALITY AS t(c, pos)
            WHERE json_valid(b.criminal_json)""")
        ctx.use("charge_sections", "dispositions", "arrest_methods", "admission_classes",
                "ncic_categories", "charge_status")
        charge = ctx.lookup("_lk_charge", f"SELECT code AS v FROM {admin}", "admin_charges code",
                            lambda v: effect_row(m.charge_effects(v)), EFFECT_COLUMNS)
        disp = disposition_lookup(ctx, f"SELECT disposition AS v FROM {base}",
                                  "processing_disposition_descr", "arrest")

        meth = ctx.method_lookup(f"SELECT method AS v FROM {base}", "apprehension_method_descr")
        adm = ctx.lookup("_lk_admission", f"SELECT admission AS v FROM {base}",
                         "entry_admission_class_descr",
                         lambda v: {"manner": m.admission_class(v)[0]}, {"manner": "VARCHAR"})
        cats = m.ncic_category_offences()

        def category(v: str) -> dict[str, object] | None:
            key = m.norm_literal(v)
            return {"offence": "ncic-category:" + key} if key in cats else None

        cat = ctx.lookup("_lk_ncic", f"SELECT category AS v FROM {crim}", "NCIC_CATEGORY",
                         category, {"offence": "VARCHAR"})
        roles = m.charge_statuses()
        status = ctx.lookup("_lk_status", f"SELECT status AS v FROM {crim}", "CHARGE_STATUS",
                            lambda v: ({"role": roles[m.norm_literal(v)]}
                                       if m.norm_literal(v) in roles else None),
                            {"role": "VARCHAR"})
        agg = aggregate(ctx, f"""
            SELECT b.id AS case_id, {EFFECT_SELECT} FROM {base} b JOIN {disp} l ON l.v = b.disposition
            WHERE l.mapped
            UNION ALL
            SELECT a.case_id, {EFFECT_SELECT} FROM {admin} a JOIN {charge} l ON l.v = a.code
            WHERE l.mapped
            UNION ALL
            SELECT b.id, NULL, NULL, l.manner, 0, NULL, NULL, NULL, NULL, FALSE, 'admission'
            FROM {base} b JOIN {adm} l ON l.v = b.admission WHERE l.manner IS NOT NULL""")
        conflicts = ctx.count(f"SELECT count(*) FROM {agg} WHERE manner_conflict")
        if conflicts:
            ctx.report.notes.append(
                f"{conflicts:,} cases whose class of admission and INA charges disagree on the "
                "manner of the last entry: left unknown.")
        hist = ctx.temp("_history")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {hist} AS
            SELECT c.case_id,
                   count(*) AS listed,
                   count(*) FILTER (WHERE s.role = 'conviction') AS convicted,
                   count(*) FILTER (WHERE s.role = 'pending') AS pending,
                   count(*) FILTER (WHERE s.role IS NULL OR s.role = 'unknown') AS unknown_status
            FROM {crim} c LEFT JOIN {status} s ON s.v = c.status GROUP BY c.case_id""")
        codes = ctx.temp("_codes")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {codes} AS SELECT case_id, "
                    f"string_agg(DISTINCT code, ',' ORDER BY code) AS codes FROM {admin} GROUP BY case_id")

        complete = CHARGES_COMPLETE.name in assume
        only_entry = ONLY_ENTRY.name in assume
        er = ER_AT_BORDER.name in assume
        entry = ("CASE WHEN b.entry_raw >= DATE '1900-01-01' AND b.entry_raw <= b.appr "
                 "THEN b.entry_raw END")
        countable = (f"(coalesce(h.unknown_status, 0) = 0 AND b.id NOT IN "
                     f"(SELECT case_id FROM {agg}_conv))")
        exprs: dict[str, str] = {
            "id": "b.id",
            "apprehension_date": "b.appr",
            "apprehension_at": ("coalesce(mt.at, CASE WHEN a.expedited_removal THEN 'border' END)"
                                if er else "mt.at"),
            "attempting_unlawful_entry": (
                "coalesce(mt.attempting, CASE WHEN a.expedited_removal THEN TRUE END)"
                if er else "mt.attempting"),
            "last_entry_date": entry,
            "last_entry_manner": "a.last_entry_manner",
            "final_order": "a.final_order",
            "terrorism": "a.terrorism",
            "espionage": "a.espionage",
            "fraud_before_agency": "a.fraud_before_agency",
        }
        # A 'Pending' charge listed shows one exists even where the list may be incomplete.
        exprs["pending_charge"] = "CASE WHEN h.pending > 0 THEN TRUE END"
        if complete:
            exprs["conviction_count"] = f"CASE WHEN {countable} THEN coalesce(h.convicted, 0) END"
            exprs["pending_charge_count"] = f"CASE WHEN {countable} THEN coalesce(h.pending, 0) END"
            exprs["pending_charge"] = (f"CASE WHEN {countable} THEN coalesce(h.pending, 0) > 0 "
                                       "WHEN h.pending > 0 THEN TRUE END")
        if only_entry:
            one = f"({entry}) IS NOT NULL AND a.prior_removal IS NOT TRUE"
            exprs["entry_count"] = f"CASE WHEN {one} THEN 1 END"
            exprs["first_entry_date"] = f"CASE WHEN {one} THEN {entry} END"
        extras = {
            "fiscal_year": ("INTEGER", fiscal_year("b.appr")),
            "year": ("INTEGER", "year(b.appr)"),
            "area_of_responsibility": ("VARCHAR", "b.aor"),
            "site_code": ("VARCHAR", "b.site"),
            "disposition": ("VARCHAR", "b.disposition"),
            "arrest_method": ("VARCHAR", "b.method"),
            "apprehension_landmark": ("VARCHAR", "b.landmark"),
            "charge_sections": ("VARCHAR", "cd.codes"),
            "entry_admission_class": ("VARCHAR", "b.admission"),
            "criminal_charges_listed": ("INTEGER", "coalesce(h.listed, 0)"),
            "convictions_listed": ("INTEGER", "coalesce(h.convicted, 0)"),
            "pending_charges_listed": ("INTEGER", "coalesce(h.pending, 0)"),
            "prior_removal": ("BOOLEAN", "a.prior_removal"),
            "expedited_removal": ("BOOLEAN", "coalesce(a.expedited_removal, FALSE)"),
            "age_at_apprehension": ("INTEGER", "b.age"),
            "gender": ("VARCHAR", "b.gender"),
            "citizenship": ("VARCHAR", "b.citizenship"),
        }
        ctx.write_cases(exprs, extras,
                        f"{base} b LEFT JOIN {agg} a ON a.case_id = b.id "
                        f"LEFT JOIN {meth} mt ON mt.v = b.method "
                        f"LEFT JOIN {hist} h ON h.case_id = b.id "
                        f"LEFT JOIN {codes} cd ON cd.case_id = b.id")
        entries = [("ncic-category:" + k, o) for k, o in cats.items()]
        entries.append(("unknown", m.UNKNOWN_OFFENCE))
        offences = ctx.offences([*entries, *implied_offences()])
        listed = (f"SELECT c.case_id, 0 AS ord1, c.pos AS ord2, "
                  f"coalesce(l.offence, 'unknown') AS offence, NULL::DATE AS conviction_date, "
                  "coalesce('charge-date:' || c.charge_date::VARCHAR, 'charge:' || c.pos) AS incident "
                  f"FROM {crim} c JOIN {status} s ON s.v = c.status AND s.role = 'conviction' "
                  f"LEFT JOIN {cat} l ON l.v = c.category")
        ctx.write_convictions(listed + " UNION ALL " + implied_conviction_rows(f"{agg}_conv", 1),
                              offences)
        self._notes(ctx, complete)

    @staticmethod
    def _notes(ctx: Context, complete: bool) -> None:
        notes = ctx.report.notes
        if not complete:
            notes.append("The criminal-charge list 'may not be complete' (UWCHR): conviction_count "
                         "and pending_charge_count stay unknown; listed convictions are rows, and "
                         "listed pending charges are counted in pending_charges_listed.")
        notes.extend([
            "A listed conviction has an NCIC category (a family of offences), not an offence: a "
            "category is known only where every NCIC code of the family agrees (a Larceny "
            "conviction is theft; an Assault conviction says nothing of domestic violence).",
            "Charge dates are not conviction dates: conviction_date is unknown. Charges with "
            "the same charge date are taken as one incident, charges on different dates as "
            "separate incidents.",
            "INA charges are DHS's charges at arrest: a charge that requires a conviction "
            "(237(a)(2)(A)(iii), ...) gives a conviction row, which may repeat a listed one.",
            "The I-213 gives the date and class of admission of the last entry: last_entry_date "
            "and last_entry_manner. The number of entries and the first entry are unknown, and "
            "the policies' entry tests need entry_count (see i213-entry-is-only-entry).",
            "Age at apprehension is given (age_at_apprehension) but not the birth date: "
            "birth_date stays unknown.",
            "I-213 forms document a subset of ICE arrests and may under-represent some "
            "populations (UWCHR).",
        ])
