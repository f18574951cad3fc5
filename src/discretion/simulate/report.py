"""Charts (PNG, matplotlib) and a self-contained HTML report of a simulation.

The HTML embeds its charts as data URIs and its styles inline: it loads nothing from
anywhere, so it can be opened offline or mailed as one file.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from .compile import ENFORCEMENTS
from .run import Comparison, Simulation

# Colour-blind-safe (Okabe-Ito), with undetermined in grey.
COLOURS = {"permitted": "#009E73", "approval_required": "#E69F00", "judgement": "#0072B2",
           "undetermined": "#BBBBBB"}
WORDS = {"permitted": "permitted", "approval_required": "approval required",
         "judgement": "judgement", "undetermined": "undetermined"}


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def outcomes_chart(sim: Simulation) -> bytes:
    """One bar per policy: the share of each outcome, undetermined in grey. Under each bar,
    one line per outcome: how far its share could reach if the unknowns went its way."""
    data = sim.to_dict()["policies"]
    ids = list(data)
    decided = [e for e in ENFORCEMENTS if e != "undetermined"]
    fig, ax = plt.subplots(figsize=(9, 0.95 * len(ids) + 1.6))
    for row, pid in enumerate(ids):
        left = 0.0
        for e in ENFORCEMENTS:
            share = data[pid]["shares"][e]
            ax.barh(row, share, left=left, height=0.5, color=COLOURS[e], edgecolor="white",
                    label=WORDS[e] if row == 0 else None)
            if share >= 0.06:
                ax.text(left + share / 2, row, f"{share:.0%}", ha="center", va="center",
                        fontsize=8, color="black")
            left += share
        for k, e in enumerate(decided):
            low, high = (data[pid]["bound_shares"][e][b] for b in ("low", "high"))
            if high > 0:
                y = row + 0.32 + 0.1 * k
                ax.plot([low, high], [y, y], color=COLOURS[e], lw=2, solid_capstyle="butt")
                ax.plot([high], [y], marker="|", color=COLOURS[e], markersize=6)
    ax.set_yticks(range(len(ids)), ids)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("share of cases; lines under a bar: the range of each outcome if the unknown "
                  "facts went its way")
    total = next(iter(data.values()))["total"] if data else 0
    ax.set_title(f"Outcome of each policy over {total:,} cases")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1 - 0.3 / (len(ids) + 1)), ncol=4,
              frameon=False)
    return _png(fig)


def groups_chart(sim: Simulation) -> bytes | None:
    """Share permitted (with its range) per group of the first breakdown column."""
    data = sim.to_dict()
    if not data["by"] or not data["groups"] or len(data["groups"]) > 40:
        return None
    column = data["by"][0]
    labels = [str(g["group"][column]) for g in data["groups"]]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for pid in data["policies"]:
        low = [g["policies"][pid]["bound_shares"]["permitted"]["low"] for g in data["groups"]]
        high = [g["policies"][pid]["bound_shares"]["permitted"]["high"] for g in data["groups"]]
        xs = range(len(labels))
        line = ax.plot(xs, low, marker="o", label=pid)[0]
        ax.fill_between(xs, low, high, alpha=0.15, color=line.get_color())
    ax.set_xticks(range(len(labels)), labels, rotation=45 if len(labels) > 8 else 0, ha="right")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylim(0, 1)
    ax.set_ylabel("share permitted (band: if unknowns went its way)")
    ax.set_xlabel(column)
    ax.set_title(f"Share of cases permitted, by {column}")
    ax.legend(fontsize=8, frameon=False)
    return _png(fig)


def flips_chart(cmp: Comparison) -> bytes:
    """The flip matrix as a heat map: rows policy A's outcome, columns policy B's."""
    grid = [[cmp.matrix[a][b] for b in ENFORCEMENTS] for a in ENFORCEMENTS]
    fig, ax = plt.subplots(figsize=(6.5, 5))
    ax.imshow(grid, cmap="Blues")
    for i, row in enumerate(grid):
        for j, n in enumerate(row):
            share = n / cmp.total if cmp.total else 0
            ax.text(j, i, f"{n:,}\n{share:.1%}", ha="center", va="center", fontsize=8,
                    color="white" if n > max(max(r) for r in grid) / 2 else "black")
    words = [WORDS[e] for e in ENFORCEMENTS]
    ax.set_xticks(range(4), words, rotation=20)
    ax.set_yticks(range(4), words)
    ax.set_xlabel(f"under {cmp.b.id}")
    ax.set_ylabel(f"under {cmp.a.id}")
    ax.set_title(f"How {cmp.total:,} cases move from {cmp.a.id} to {cmp.b.id}")
    return _png(fig)


def write_pngs(sim: Simulation, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / "outcomes.png"]
    written[0].write_bytes(outcomes_chart(sim))
    by = groups_chart(sim)
    if by is not None:
        written.append(directory / f"by-{sim.by[0]}.png")
        written[-1].write_bytes(by)
    return written


# -- HTML ------------------------------------------------------------------------------------

STYLE = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a1a1a;max-width:62rem;
margin:2rem auto;padding:0 1rem}h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}th,td{border:1px solid #bbb;
padding:.3rem .6rem;text-align:right}th{background:#f0f0f0}td.l,th.l{text-align:left}
img{max-width:100%;height:auto}code{background:#f4f4f4;padding:0 .2rem}.note{color:#444}
"""


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode()
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def _e(value: Any) -> str:
    return html.escape(str(value))


def _table(head: list[str], rows: list[list[Any]]) -> str:
    ths = "".join(f'<th class="{"l" if i == 0 else ""}">{_e(h)}</th>' for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f'<td class="{"l" if i == 0 else ""}">{_e(c)}</td>'
                                    for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{ths}</tr></thead><tbody>{body}</tbody></table>"


def _pct(n: int, total: int) -> str:
    return f"{n / total:.1%}" if total else "—"


def html_report(sim: Simulation, cmp: Comparison | None = None) -> str:
    data = sim.to_dict()
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
             "<title>discretion: simulation report</title>",
             f"<style>{STYLE}</style></head><body>",
             "<h1>Simulation report</h1>",
             "<p class='note'>Each policy was applied to every case in one query. Outcomes "
             "that hang on facts the records lack are <em>undetermined</em>; the ranges show "
             "how far each outcome could reach if those facts went its way.</p>"]
    parts.append(_img(outcomes_chart(sim), "Share of each outcome per policy"))
    parts.append("<h2>Outcomes</h2>")
    rows = []
    for pid, p in data["policies"].items():
        total = p["total"]
        for e in ENFORCEMENTS:
            b = p["bounds"][e]
            rows.append([pid, WORDS[e], f"{p['enforcement'][e]:,}", _pct(p["enforcement"][e], total),
                         f"{_pct(b['low'], total)} – {_pct(b['high'], total)}"])
    parts.append(_table(["policy", "outcome", "cases", "share", "range if unknowns resolve"],
                        rows))
    parts.append("<h2>Priorities</h2>")
    rows = [[pid, c["label"], f"{c['count']:,}", _pct(c["count"], p["total"]),
             f"{_pct(c['low'], p['total'])} – {_pct(c['high'], p['total'])}"]
            for pid, p in data["policies"].items() for c in p["priority"].values()]
    parts.append(_table(["policy", "priority category", "cases", "share", "range"], rows))
    chart = groups_chart(sim)
    if chart is not None:
        parts.append(f"<h2>By {_e(data['by'][0])}</h2>" + _img(chart, "Share permitted by group"))
    if cmp is not None:
        parts += _comparison(cmp)
    parts.append("<h2>How this was computed</h2><ul>")
    date = data["date"]
    parts.append(f"<li>Assessed on: {_e(date['column'] if isinstance(date, dict) else date)}"
                 f"{' (a column: each case on its own date)' if isinstance(date, dict) else ''}</li>")
    if data["counterfactual"]:
        parts.append(f"<li>Counterfactual: {_e(data['counterfactual']['note'])} "
                     f"({_e(data['counterfactual']['as_if_issued'])}).</li>")
    parts.append(f"<li>Engine: {_e(data['engine'])}; {data['seconds']} s.</li>")
    if data["assumptions"]:
        for a in data["assumptions"]:
            parts.append(f"<li>Assumption: <code>{_e(a['assume'])}</code>: {_e(a['meaning'])}</li>")
    else:
        parts.append("<li>No assumptions: every fact the records lack stayed unknown.</li>")
    parts.append("</ul><h2>Population</h2><ul>")
    parts += [f"<li>{_e(n)}</li>" for n in data["notes"]]
    parts.append("</ul></body></html>")
    return "".join(parts)


def _comparison(cmp: Comparison) -> list[str]:
    out = [f"<h2>From {_e(cmp.a.id)} to {_e(cmp.b.id)}</h2>", _img(flips_chart(cmp), "Flip matrix")]
    rows = [[f"{c['count']:,}", f"{c['a']['enforcement']} {c['a']['priority'] or ''}".strip(),
             c["a"]["reason"], f"{c['b']['enforcement']} {c['b']['priority'] or ''}".strip(),
             c["b"]["reason"]] for c in cmp.changes[:25]]
    out.append(_table(["cases", f"under {cmp.a.id}", "because", f"under {cmp.b.id}", "because"],
                      rows))
    return out
