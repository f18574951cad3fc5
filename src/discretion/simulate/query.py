"""Queries over a population: per-row outcomes, and counts with bounds per policy.

Both are plain ``sqlglot`` SELECTs over the tables ``cases`` and ``convictions``; an
engine only renders them in its dialect and runs them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from ..policy import Policy
from .compile import AGG, CASE, ENFORCEMENTS, CompiledPolicy, Compiler, _lit


@dataclass(frozen=True)
class Plan:
    """What to decide: policies, the date, assumptions, and counterfactual issue dates."""

    policies: Sequence[Policy]
    as_of: dt.date | str
    assume: Mapping[str, Any]
    as_if_issued: dt.date | None = None

    def shift(self, policy: Policy) -> dt.timedelta:
        return (self.as_if_issued - policy.issued) if self.as_if_issued else dt.timedelta(0)

    def as_of_sql(self) -> exp.Expr:
        if isinstance(self.as_of, dt.date):
            return _lit(self.as_of)
        return exp.column(self.as_of, table=CASE, quoted=True)


def compile_plan(plan: Plan) -> tuple[Compiler, list[CompiledPolicy]]:
    compiler = Compiler(plan.as_of_sql(), assume=dict(plan.assume))
    compiled = []
    for policy in plan.policies:
        compiler.shift = plan.shift(policy)
        compiled.append(compiler.policy(policy))
    compiler.shift = dt.timedelta(0)
    return compiler, compiled


def _from(compiler: Compiler) -> exp.Select:
    select = exp.select().from_(exp.alias_(exp.table_("cases"), CASE, table=True))
    agg = compiler.aggregate_query()
    if agg is not None:
        select = select.join(exp.Subquery(this=agg, alias=exp.TableAlias(this=exp.to_identifier(AGG))),
                             on=exp.EQ(this=exp.column("case_id", table=AGG),
                                       expression=exp.column("id", table=CASE)),
                             join_type="left")
    return select


def outcomes_query(plan: Plan, extra: Sequence[str] = ()) -> exp.Select:
    """One row per case: ``id``, extra columns, then per policy i ``e{i}`` (enforcement),
    ``p{i}`` (priority id), ``r{i}`` (deciding rung id) and possible-outcome flags
    ``pe{i}_{outcome}`` and ``pp{i}_{category}``."""
    compiler, compiled = compile_plan(plan)
    cols: list[exp.Expr] = [exp.column("id", table=CASE)]
    cols += [exp.alias_(exp.column(c, table=CASE, quoted=True), c, quoted=True) for c in extra]
    for i, cp in enumerate(compiled):
        cols += [exp.alias_(cp.enforcement, f"e{i}"), exp.alias_(cp.priority, f"p{i}"),
                 exp.alias_(cp.rung, f"r{i}")]
        cols += [exp.alias_(flag, f"pe{i}_{e}") for e, flag in cp.possible_enforcement.items()]
        cols += [exp.alias_(flag, f"pp{i}_{_safe(c)}") for c, flag in cp.possible_priority.items()]
    return _from(compiler).select(*cols)


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def _sum_if(cond: exp.Expr) -> exp.Expr:
    return exp.Sum(this=exp.Case().when(cond, exp.Literal.number(1)).else_(exp.Literal.number(0)))


def summary_query(plan: Plan, by: Sequence[str] = ()) -> tuple[exp.Select, list[dict[str, Any]]]:
    """Counts per group: for each policy, each enforcement outcome decided (lower bound)
    and possible (upper bound), and the same per priority category.

    Returns the query and a column guide: one entry per output column naming the
    policy, the measure and the outcome it counts.
    """
    inner = outcomes_query(plan, by).subquery("o")
    guide: list[dict[str, Any]] = [{"column": b, "kind": "group"} for b in by]
    cols: list[exp.Expr] = [exp.column(b, table="o", quoted=True) for b in by]
    cols.append(exp.alias_(exp.Count(this=exp.Star()), "total"))
    guide.append({"column": "total", "kind": "total"})
    _, compiled = compile_plan(plan)
    for i, cp in enumerate(compiled):
        pid = cp.policy.id
        for e in ENFORCEMENTS:
            name = f"e{i}_{e}"
            cols.append(exp.alias_(_sum_if(exp.EQ(this=exp.column(f"e{i}", table="o"),
                                                  expression=exp.Literal.string(e))), name))
            guide.append({"column": name, "kind": "decided", "policy": pid, "outcome": e})
            if e in cp.possible_enforcement:
                up = f"u{i}_{e}"
                cols.append(exp.alias_(_sum_if(exp.column(f"pe{i}_{e}", table="o")), up))
                guide.append({"column": up, "kind": "possible", "policy": pid, "outcome": e})
        for cat in cp.possible_priority:
            name = f"c{i}_{_safe(cat)}"
            cols.append(exp.alias_(_sum_if(exp.EQ(this=exp.column(f"p{i}", table="o"),
                                                  expression=exp.Literal.string(cat))), name))
            guide.append({"column": name, "kind": "priority", "policy": pid, "outcome": cat})
            up = f"v{i}_{_safe(cat)}"
            cols.append(exp.alias_(_sum_if(exp.column(f"pp{i}_{_safe(cat)}", table="o")), up))
            guide.append({"column": up, "kind": "priority_possible", "policy": pid,
                          "outcome": cat})
    select = exp.select(*cols).from_(inner)
    if by:
        select = select.group_by(*(exp.column(b, table="o", quoted=True) for b in by)).order_by(
            *(exp.column(b, table="o", quoted=True) for b in by))
    return select, guide


def flips_query(plan: Plan) -> exp.Select:
    """Two policies side by side: counts per (outcome, rung) under each."""
    if len(plan.policies) != 2:
        raise ValueError("a comparison needs exactly two policies")
    inner = outcomes_query(plan).subquery("o")
    keys = [exp.column(c, table="o") for c in ("e0", "r0", "e1", "r1")]
    return (exp.select(*keys, exp.alias_(exp.Count(this=exp.Star()), "n"))
            .from_(inner).group_by(*(k.copy() for k in keys))
            .order_by(exp.Ordered(this=exp.column("n"), desc=True)))
