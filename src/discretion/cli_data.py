"""Data commands for the ``discretion`` CLI: ``synth`` and ``sources``.

Register with ``app.command("synth")(cli_data.synth_command)`` and
``app.command("sources")(cli_data.sources_command)``, or mount :data:`app`.
Also runnable on its own: ``python -m discretion.cli_data synth --rows 1000 --out pop.parquet``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .simulate.adapters import ADAPTERS
from .simulate.synth import synth

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Population data: adapters for ICE records and synthetic populations.")
out = Console(soft_wrap=False, width=120)
err = Console(stderr=True)


@app.command("synth")
def synth_command(
    rows: Annotated[int, typer.Option("--rows", min=0, help="Number of cases.")],
    out_path: Annotated[Path, typer.Option("--out", help="Parquet file to write.")],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same file.")]
    = 20_160_101,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Write a synthetic population (population Parquet format) calibrated to ICE data."""
    if out_path.suffix.lower() not in (".parquet", ".pq"):
        err.print(f"--out {out_path}: the population format is Parquet (.parquet)")
        raise typer.Exit(2)
    start = time.perf_counter()
    synth(rows, out_path, seed, progress=progress)
    out.print(f"wrote {rows:,} synthetic cases to {out_path} in "
              f"{time.perf_counter() - start:.1f} s (seed {seed}). Synthetic: it describes no one.")


@app.command("sources")
def sources_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the adapters for real ICE records, their files and assumptions."""
    if as_json:
        data = [{"id": a.id, "title": a.title, "description": a.description,
                 "date_column": a.date_column, "files": a.file_glob,
                 "assumptions": [{"name": x.name, "meaning": x.meaning} for x in a.assumptions]}
                for a in ADAPTERS.values()]
        out.print_json(json.dumps(data))
        return
    table = Table("adapter", "records", "files", "assessed on", "assumptions (opt-in)")
    for a in ADAPTERS.values():
        table.add_row(a.id, a.title, a.file_glob, a.date_column,
                      ", ".join(x.name for x in a.assumptions) or "-")
    out.print(table)


if __name__ == "__main__":
    app()
