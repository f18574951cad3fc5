"""The population schema: the facts as table columns, shared by every engine.

A population is two tables. ``cases`` has one row per case: ``id`` and one column per
case-level fact (:data:`discretion.facts.CASE_FACTS`). ``convictions`` has one row per
known conviction: ``case_id``, ``idx`` and one column per conviction-level fact
(:data:`discretion.facts.CONVICTION_FACTS`). NULL is unknown, as ``None`` is in a record.

``conviction_count`` is the number of convictions when the list is complete, and NULL
when it is not: records that keep only the most serious conviction have one row in
``convictions`` and a NULL count. ``cat_*`` columns hold the category values from the
offence tables or legal review, before the law's thresholds (which are rules).
Extra columns (year, office, ...) may sit beside the facts for breakdowns.
"""

from __future__ import annotations

from typing import Any

from .facts import CASE_FACTS, CONVICTION_FACTS, Record

SQL_TYPES = {"bool": "BOOLEAN", "date": "DATE", "int": "BIGINT", "text": "VARCHAR"}

CASE_COLUMNS: dict[str, str] = {"id": "VARCHAR",
                                **{f.name: SQL_TYPES[f.kind] for f in CASE_FACTS}}
CONVICTION_COLUMNS: dict[str, str] = {"case_id": "VARCHAR", "idx": "INTEGER",
                                      **{f.name: SQL_TYPES[f.kind] for f in CONVICTION_FACTS}}


def record_rows(record: Record) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One record as a ``cases`` row and its ``convictions`` rows."""
    case = {"id": record.id, **record.row}
    convictions = [{"case_id": record.id, "idx": i, **conv}
                   for i, conv in enumerate(record.convictions)]
    return case, convictions


NOT_NULL = {f.name for f in CONVICTION_FACTS if f.always_known}
"""Conviction columns a population must fill (``asserted``: false where nothing was asserted)."""
