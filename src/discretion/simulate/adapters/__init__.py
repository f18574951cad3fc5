"""Adapters: real ICE FOIA records into the population tables.

``ADAPTERS`` maps an adapter id to its :class:`Adapter`. Each reads one kind of record
and creates ``cases`` and ``convictions`` (the schema of :mod:`discretion.population`,
plus breakdown columns) in a DuckDB connection::

    con = duckdb.connect()
    report = ADAPTERS["ice-national-removals"].load(Path("data/ice-national"), con)
    print("\\n".join(report.lines()))

``load(None, con)`` (or ``sample=True``) reads the small sample shipped with the package.
"""

from __future__ import annotations

from .base import Adapter, AdapterError, Assumption, LoadReport, Skipped, SourceFile
from .i213 import I213
from .ice_national import NationalArrests, NationalRemovals
from .ice_seattle import SeattleArrests, SeattleRemovals

ADAPTERS: dict[str, Adapter] = {
    a.id: a for a in (
        SeattleArrests(),
        SeattleRemovals(),
        I213(),
        NationalRemovals(),
        NationalArrests(),
    )
}


def get_adapter(adapter_id: str) -> Adapter:
    """The adapter with this id; :class:`AdapterError` lists the ids if there is none."""
    try:
        return ADAPTERS[adapter_id]
    except KeyError:
        raise AdapterError(f"no adapter {adapter_id!r}; choose one of: "
                           f"{', '.join(sorted(ADAPTERS))}") from None


__all__ = ["ADAPTERS", "Adapter", "AdapterError", "Assumption", "LoadReport", "Skipped",
           "SourceFile", "get_adapter"]
