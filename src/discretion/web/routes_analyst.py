"""Simulation: a shipped sample of real ICE records, or an uploaded population file,
decided under the chosen policies; counts with bounds and the comparison charts. It
reuses :mod:`discretion.simulate` (run, compare, report's charts) as the CLI does.

For the analyst role, whose home this is, and for headquarters, auditors and admins: a
simulation reads no stored case and no personal data (it costs CPU, so not every account
may run one). An analyst sees nothing else: no request, case, decision or audit log."""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from .. import policies
from ..simulate import report
from ..simulate.adapters import ADAPTERS
from ..simulate.compile import ENFORCEMENTS
from ..simulate.limits import InputRefused, check_size, max_bytes
from ..simulate.run import SimulationError, adapter_options, compare, engine_for, load, run
from .common import SIMULATION_ROLES, checked_form, render, require, text, workflow

router = APIRouter(include_in_schema=False)
SUFFIXES = (".csv", ".csv.gz", ".parquet")


def _page(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("errors", [])
    context.setdefault("values", {"source": "ice-seattle-arrests", "policy": []})
    return render(request, "analyst.html", status, adapters=list(ADAPTERS.values()),
                  policies=list(policies.POLICIES.values()), words=report.WORDS,
                  enforcements=ENFORCEMENTS, suffixes=SUFFIXES, **context)


@router.get("/analyst")
def analyst(request: Request) -> HTMLResponse:
    who = require(request, *SIMULATION_ROLES)
    workflow(request).log_access(who, "web/analyst")
    return _page(request)


@router.post("/analyst")
async def simulate(request: Request) -> Response:
    who = require(request, *SIMULATION_ROLES)
    form = await checked_form(request)
    values = {"source": text(form, "source"), "date": text(form, "date"),
              "assume": text(form, "assume"),
              "policy": [p for p in form.getlist("policy") if isinstance(p, str)]}
    with tempfile.TemporaryDirectory(prefix="discretion-web-") as tmp:
        try:
            path = await _saved_upload(form, Path(tmp))
            result = await to_thread.run_sync(_simulate, values, path)
        except SimulationError as exc:
            return _page(request, 422, values=values, errors=[_error(exc.field, exc.reason)])
        except InputRefused as exc:
            return _page(request, 413, values=values,
                         errors=[_error("population_file", str(exc).split(": ", 1)[-1])])
    await to_thread.run_sync(workflow(request).log_access, who,
                             f"web/analyst/simulate/{values['source'] if path is None else 'upload'}")
    return _page(request, values=values, result=result)


_FIELDS = {"--source": "source", "POPULATION": "population_file", "--policy": "policy",
           "--date": "date", "--assume": "assume", "population_file": "population_file"}
_LABELS = {"source": "Sample", "population_file": "Population file", "policy": "Policies",
           "date": "Assess on", "assume": "Assumptions"}


def _error(field: str, reason: str) -> dict[str, str]:
    name = _FIELDS.get(field, field)
    return {"field": name, "label": _LABELS.get(name, field), "reason": reason}


async def _saved_upload(form: FormData, folder: Path) -> Path | None:
    """The uploaded population, copied to ``folder`` and refused past the size limit
    (compressed files by their expanded size too, via :func:`check_size`)."""
    upload = form.get("population_file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    name = Path(upload.filename).name.lower()
    if not name.endswith(SUFFIXES):
        raise SimulationError("population_file", "use a .parquet, .csv or .csv.gz file")
    path = folder / ("population" + next(s for s in SUFFIXES[::-1] if name.endswith(s)))
    limit, written = max_bytes(), 0
    with path.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            written += len(chunk)
            if written > limit:
                raise InputRefused(f"the file is larger than the limit of {limit:,} bytes")
            out.write(chunk)
    await to_thread.run_sync(check_size, path)
    return path


def _simulate(values: dict[str, Any], path: Path | None) -> dict[str, Any]:
    source = None if path is not None else values["source"]
    if source is not None and source not in ADAPTERS:
        raise SimulationError("--source", f"choose one of {', '.join(ADAPTERS)}")
    assume = [a.strip() for a in values["assume"].splitlines() if a.strip()]
    named = [a for a in assume if "=" not in a and a in adapter_options(source)]
    population = load(source, path, None, named)
    try:
        sim = run(population, values["policy"], date=values["date"] or None, assume=assume)
        data = sim.to_dict()
        out: dict[str, Any] = {"data": data, "charts": [
            ("Share of each outcome under each policy, with the range each outcome could reach "
             "if the unknown facts went its way", _uri(report.outcomes_chart(sim)))]}
        if len(sim.counts) == 2:
            cmp = compare(engine_for("duckdb", population, None), sim.plan)
            out["comparison"] = cmp.to_dict()
            out["charts"].append((f"How cases move from {cmp.a.id} to {cmp.b.id}",
                                  _uri(report.flips_chart(cmp))))
        return out
    finally:
        population.con.close()


def _uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()
