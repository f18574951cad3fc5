"""The oversight dashboard's charts: decisions counted by outcome, office, policy and
month, drawn server-side as PNG (the pages load no chart script)."""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

DIMENSIONS = {"outcome": "outcome", "office": "office", "policy": "policy", "month": "month"}
# Okabe-Ito, colour-blind safe; the bars also carry their counts as text.
COLOURS = {"approve": "#009E73", "deny": "#D55E00"}
WORDS = {"approve": "approved", "deny": "denied"}


def table(rows: list[dict[str, Any]], dimension: str) -> list[tuple[str, dict[str, int]]]:
    """Counts by ``dimension`` and outcome: [(value, {outcome: n})], sorted by value."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"approve": 0, "deny": 0})
    for row in rows:
        key = str(row[dimension] if dimension != "outcome" else WORDS.get(row["outcome"], row["outcome"]))
        out[key][row["outcome"]] = out[key].get(row["outcome"], 0) + int(row["count"])
    return sorted(out.items())


def png(rows: list[dict[str, Any]], dimension: str) -> bytes:
    data = table(rows, dimension)
    labels = [k for k, _ in data] or ["(none yet)"]
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    bottom = [0] * len(labels)
    for outcome in ("approve", "deny"):
        heights = [counts.get(outcome, 0) for _, counts in data] or [0]
        bars = ax.bar(labels, heights, bottom=bottom, color=COLOURS[outcome], label=WORDS[outcome])
        for bar, h, b in zip(bars, heights, bottom, strict=True):
            if h:
                ax.text(bar.get_x() + bar.get_width() / 2, b + h / 2, str(h), ha="center",
                        va="center", fontsize=9, color="black")
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_ylabel("decisions")
    ax.set_title(f"Decisions by {dimension}")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if len(labels) > 4:
        plt.setp(ax.get_xticklabels(), rotation=30, ha="right")
    ax.legend(frameon=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()
