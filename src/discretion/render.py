"""Readable text for decisions: the outcome first, then why, with citations."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from .decide import Decision

MARK = {"true": ("✔", "green"), "false": ("✘", "red"), "unknown": ("?", "yellow")}
ENFORCEMENT_STYLE = {"permitted": "bold green", "approval_required": "bold yellow",
                     "judgement": "bold cyan", "undetermined": "bold magenta"}
COLLAPSE_OVER = 4


def decision_text(d: Decision) -> RenderableType:
    data = d.to_dict()
    parts: list[RenderableType] = [_headline(d, data)]
    if data["judgement"]:
        parts.append(_judgements(data["judgement"]))
    if data["missing_facts"]:
        parts.append(_missing(data["missing_facts"]))
    if any(data["factors"].values()):
        parts.append(_factors(data["factors"]))
    if data["convictions"]:
        parts.append(_convictions(data["convictions"]))
    parts.append(explanation_tree(data["explanation"]))
    for warning in data["warnings"]:
        parts.append(Text(f"Warning: {warning}", style="yellow"))
    parts.append(Text(f"Policy {d.policy.id} ({d.policy.hash[:19]}…)", style="dim"))
    return Group(*parts)


def _headline(d: Decision, data: dict[str, Any]) -> Panel:
    lines = Text()
    lines.append("Enforcement: ", style="bold")
    lines.append(d.enforcement.replace("_", " "), style=ENFORCEMENT_STYLE[d.enforcement])
    if d.rung is not None:
        lines.append(f"\n{d.rung.label}\n", style="")
        lines.append(f"[{d.rung.citation}]", style="dim")
    elif len(d.possible) > 1:
        options = "; ".join(f"{r.label} ({r.enforcement})" for r in d.possible)
        lines.append(f"\nStill possible: {options}")
    lines.append("\nPriority: ", style="bold")
    if d.priority is not None:
        lines.append(f"{d.priority.label} [{d.priority.citation}]")
        if d.priority.exception:
            lines.append(f"\nException path: {d.priority.exception}", style="dim")
    else:
        lines.append("none decided" if d.rung is None else "none")
    if data["approval"]:
        a = data["approval"]
        lines.append("\nApproval: ", style="bold")
        lines.append(f"{a['who']}: {a['standard']} [{a['citation']}]")
    title = f"Case {d.case_id} under {d.policy.id}, assessed on {d.date.isoformat()}"
    return Panel(lines, title=title, title_align="left")


def _judgements(items: list[dict[str, Any]]) -> RenderableType:
    table = Table(title="Judgement a person must make", show_lines=False, expand=True)
    for col in ("determination", "who", "test", "if found / if not found", "citation"):
        table.add_column(col)
    for j in items:
        table.add_row(j["determination"].replace("_", " "), j["who"], j["test"],
                      f"{_answer(j.get('if_found'))} / {_answer(j.get('if_not_found'))}",
                      j["citation"])
    return table


def _answer(outcome: dict[str, Any] | None) -> str:
    if not outcome:
        return "—"
    words = outcome["enforcement"].replace("_", " ")
    return f"{words} ({outcome['priority']})" if outcome.get("priority") else words


def _missing(groups: list[list[dict[str, str]]]) -> RenderableType:
    text = Text("To decide, find out any one of these sets of facts:\n", style="bold")
    for i, group in enumerate(groups, 1):
        facts = "; ".join(f"{f['path']} ({f['meaning']})" for f in group)
        text.append(f"  {i}. {facts}\n")
    return text


def _factors(found: dict[str, list[dict[str, Any]]]) -> RenderableType:
    table = Table(title="Factors found (they inform the judgement; they do not decide it)",
                  expand=True)
    for col in ("side", "factor", "basis", "citation"):
        table.add_column(col)
    for side in ("aggravating", "mitigating"):
        for f in found[side]:
            table.add_row(side, f["label"], f["basis"], f["citation"])
    return table


def _convictions(items: list[dict[str, Any]]) -> RenderableType:
    text = Text("Offence classification:\n", style="bold")
    for c in items:
        cats = ", ".join(sorted(c["categories"])) or "no category established"
        text.append(f"  conviction {c['index']}: {cats}\n")
        text.append(f"    basis ({c['source']}): {c['basis']}\n", style="dim")
    return text


def explanation_tree(node: dict[str, Any]) -> Tree:
    tree = Tree(Text(node["label"], style="bold"))
    for child in node["children"]:
        _add(tree, child)
    return tree


def _label(node: dict[str, Any]) -> Text:
    mark, style = MARK.get(node.get("value", ""), ("•", "white"))
    text = Text(f"{mark} ", style=style)
    if "id" in node and "enforcement" not in node:
        text.append(f"{node['id']}: ", style="bold")
    text.append(node["label"])
    if "enforcement" in node:
        text.append(f" → {node['enforcement'].replace('_', ' ')}", style="italic")
    if node.get("citation"):
        text.append(f"  [{node['citation']}]", style="dim")
    if "conviction" in node and "children" in node:
        text.append(f"  (conviction {node['conviction']})", style="dim")
    return text


def _add(parent: Tree, node: dict[str, Any]) -> None:
    branch = parent.add(_label(node))
    if node.get("note"):
        branch.add(Text(f"note: {node['note']}", style="dim italic"))
    children = node.get("children", [])
    shown = _worth_showing(node, children)
    for child in shown:
        _add(branch, child)
    hidden = len(children) - len(shown)
    if hidden:
        branch.add(Text(f"… {hidden} more that did not decide it (see --format json)",
                        style="dim"))


def _worth_showing(node: dict[str, Any], children: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Long lists of conditions are cut to those that made the value (in text, not JSON)."""
    if len(children) <= COLLAPSE_OVER:
        return children
    value = node.get("value")
    if value == "unknown":
        return [c for c in children if c.get("value") != "false"]
    keep = [c for c in children if c.get("value") == value]
    return keep[:COLLAPSE_OVER] if value == "false" else keep
