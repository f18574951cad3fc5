"""Facts from coded values (charges, dispositions, case categories), combined per case.

Each coded value maps to :class:`~discretion.simulate.mappings.Effects`. A case may have
several (a disposition and a charge; a list of charges): flags combine as "true if any
value establishes it", a manner of entry is kept only where the values agree (a conflict
is counted and left unknown), and the convictions a ground requires are written once per
kind (two grounds that each require an aggravated-felony conviction give one row).
"""

from __future__ import annotations

from typing import Any, Literal

from .. import mappings as m
from .base import Context

EFFECT_COLUMNS: dict[str, str] = {
    "final_order": "BOOLEAN", "prior_removal": "BOOLEAN", "last_entry_manner": "VARCHAR",
    "convictions": "INTEGER", "conviction_offence": "VARCHAR", "terrorism": "BOOLEAN",
    "espionage": "BOOLEAN", "fraud_before_agency": "BOOLEAN", "expedited_removal": "BOOLEAN",
    "effect_key": "VARCHAR",
}

FLAGS = ("final_order", "prior_removal", "terrorism", "espionage", "fraud_before_agency")


def implied_key(categories: frozenset[str]) -> str:
    return "implied:" + " ".join(sorted(categories))


def implied_offence(categories: frozenset[str]) -> m.Offence:
    """A conviction known only because a removal ground requires it."""
    if categories:
        basis = (f"required by the removal ground; {', '.join(sorted(categories))} asserted by "
                 "the charging or adjudicating authority, every other category unknown")
    else:
        basis = "required by the removal ground; the offence is not recorded"
    return m.Offence(m.asserted_categories(categories), None, basis, asserted=bool(categories))


def implied_offences() -> list[tuple[str, m.Offence]]:
    """Every implied-conviction kind the mapping tables can produce."""
    kinds: set[frozenset[str]] = {frozenset()}
    for name in ("charge_sections", "case_categories", "dispositions"):
        for row in m.table(name).rows:
            kinds.add(frozenset(row["conviction_categories"].split()))
    return [(implied_key(k), implied_offence(k)) for k in sorted(kinds, key=sorted)]


def disposition_lookup(ctx: Context, values_sql: str, label: str,
                       kind: Literal["arrest", "removal"]) -> str:
    """Processing disposition → its effects on the facts (``dispositions.csv``), read as an
    arrest's or a removal's (``kind``)."""
    return ctx.lookup("_lk_disp", values_sql, label,
                      lambda v: effect_row(m.disposition_effects(v, kind)), EFFECT_COLUMNS)


def effect_row(effects: m.Effects | None) -> dict[str, Any] | None:
    if effects is None:
        return None
    return {
        "final_order": effects.final_order, "prior_removal": effects.prior_removal,
        "last_entry_manner": effects.last_entry_manner, "convictions": effects.convictions,
        "conviction_offence": implied_key(effects.conviction_categories),
        "terrorism": effects.terrorism, "espionage": effects.espionage,
        "fraud_before_agency": effects.fraud_before_agency,
        "expedited_removal": effects.expedited_removal, "effect_key": effects.key,
    }


EFFECT_SELECT = ", ".join(f"l.{c}" for c in EFFECT_COLUMNS)


def aggregate(ctx: Context, effects_sql: str, table: str = "_agg") -> str:
    """Per-case facts from rows ``(case_id, <EFFECT_COLUMNS>)``; also creates
    ``{table}_conv``: the implied convictions ``(case_id, offence, n, key)``."""
    name = ctx.temp(table)
    flags = ", ".join(f"CASE WHEN bool_or({f}) THEN TRUE END AS {f}" for f in FLAGS)
    ctx.con.execute(f"CREATE OR REPLACE TEMP TABLE _eff AS {effects_sql}")
    ctx.temp("_eff")
    ctx.con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT case_id, {flags}, "
        "CASE WHEN count(DISTINCT last_entry_manner) = 1 THEN any_value(last_entry_manner) END "
        "AS last_entry_manner, count(DISTINCT last_entry_manner) > 1 AS manner_conflict, "
        "bool_or(expedited_removal) AS expedited_removal FROM _eff GROUP BY case_id")
    conv = ctx.temp(f"{table}_conv")
    ctx.con.execute(
        f"CREATE OR REPLACE TEMP TABLE {conv} AS SELECT case_id, conviction_offence AS offence, "
        "max(convictions) AS n, min(effect_key) AS key FROM _eff WHERE convictions > 0 "
        "GROUP BY case_id, conviction_offence")
    return name


def implied_conviction_rows(conv_table: str, ord1: int) -> str:
    """SQL rows ``(case_id, ord1, ord2, offence, conviction_date, incident)`` for the
    implied convictions: each its own incident (a ground requiring two convictions, such
    as two crimes not arising from a single scheme, gives two incidents)."""
    return (f"SELECT case_id, {ord1} AS ord1, k AS ord2, offence, NULL::DATE AS conviction_date, "
            f"'implied:' || key || ':' || k AS incident FROM {conv_table}, "
            "unnest(generate_series(1, n)) AS t(k)")
