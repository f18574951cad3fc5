"""Queries over a population, as ``sqlglot`` SELECTs over ``cases`` and ``convictions``.

Layers, each computing its expressions once:
1. ``cv``: every conviction-level condition, per conviction row;
2. ``a``: every quantifier over convictions, per case (one GROUP BY);
3. ``rr``: every rung of every policy, per case;
4. codes: per case and policy, the rung values encoded as one small integer.

Per-row outcomes join each policy's outcome table (a VALUES list built from the
policy's own ladder); population counts group by the codes and read the outcome
table afterwards, which is the same function applied once per distinct code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from ..policy import Policy
from ..rules import Named
from .compile import AGG, CASE, RUNGS, CompiledPolicy, Compiler, _lit

CODES = "o"


@dataclass(frozen=True)
class Plan:
    """What to decide: policies, the date, assumptions, and counterfactual issue dates."""

    policies: Sequence[Policy]
    as_of: dt.date | str
    assume: Mapping[str, Any]
    as_if_issued: dt.date | None = None
    layout: str = "table"
    dialect: str = "duckdb"

    def shift(self, policy: Policy) -> dt.timedelta:
        return (self.as_if_issued - policy.issued) if self.as_if_issued else dt.timedelta(0)

    def as_of_sql(self) -> exp.Expr:
        if isinstance(self.as_of, dt.date):
            return _lit(self.as_of)
        return exp.column(self.as_of, table=CASE, quoted=True)


def compile_plan(plan: Plan) -> tuple[Compiler, list[CompiledPolicy]]:
    compiler = Compiler(plan.as_of_sql(), assume=dict(plan.assume), layout=plan.layout,
                        dialect=plan.dialect)
    for policy in plan.policies:
        compiler.shift = plan.shift(policy)
        compiler.plan_sharing([r.when for r in policy.ladder])
    compiled = []
    for policy in plan.policies:
        compiler.shift = plan.shift(policy)
        compiled.append(compiler.policy(policy))
    compiler.shift = dt.timedelta(0)
    return compiler, compiled


def _col(name: str, table: str) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def _subquery(select: exp.Select, alias: str) -> exp.Subquery:
    return exp.Subquery(this=select, alias=exp.TableAlias(this=exp.to_identifier(alias)))


def _rung_layer(compiler: Compiler, compiled: list[CompiledPolicy],
                extra: Sequence[str]) -> exp.Subquery:
    cols: list[exp.Expr] = [_col("id", CASE)]
    cols += [exp.alias_(_col(c, CASE), c, quoted=True) for c in extra]
    for i, cp in enumerate(compiled):
        cols += [exp.alias_(rung, f"r{i}_{k}") for k, rung in enumerate(cp.rungs)]
    return _subquery(exp.select(*cols).from_(_shared_layer(compiler)), RUNGS)


def _shared_layer(compiler: Compiler) -> exp.Expr:
    """``cases`` joined with the conviction aggregate, plus every shared condition once,
    under the alias ``p`` so rung expressions read it like the table itself."""
    base = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier(CASE)),
                      *(exp.alias_(e, name) for name, e in compiler.shared.values()))
    base = base.from_(exp.alias_(exp.table_("cases"), CASE, table=True))
    agg = compiler.aggregate_query()
    if agg is not None:
        base = base.join(_subquery(agg, AGG),
                         on=exp.EQ(this=_col("case_id", AGG), expression=_col("id", CASE)),
                         join_type="left")
    return _subquery(base, CASE)


def codes_query(plan: Plan, extra: Sequence[str] = ()) -> tuple[exp.Select, list[CompiledPolicy]]:
    """One row per case: ``id``, the extra columns, and ``code{i}`` for each policy."""
    compiler, compiled = compile_plan(plan)
    cols: list[exp.Expr] = [_col("id", RUNGS)]
    cols += [exp.alias_(_col(c, RUNGS), c, quoted=True) for c in extra]
    for i, cp in enumerate(compiled):
        refs = [exp.column(f"r{i}_{k}", table=RUNGS) for k in range(len(cp.rungs))]
        cols.append(exp.alias_(cp.code(refs), f"code{i}"))
    return exp.select(*cols).from_(_rung_layer(compiler, compiled, extra)), compiled


def _outcome_values(cp: CompiledPolicy, alias: str) -> exp.Expr:
    def text(value: str | None) -> exp.Expr:
        return exp.cast(exp.null(), "varchar") if value is None else exp.Literal.string(value)

    rows = [exp.Tuple(expressions=[exp.Literal.number(o.code), text(o.enforcement),
                                   text(o.priority), text(o.rung)]) for o in cp.outcomes]
    columns = [exp.to_identifier(c) for c in ("code", "e", "p", "r")]
    return exp.Values(expressions=rows, alias=exp.TableAlias(this=exp.to_identifier(alias),
                                                             columns=columns))


def outcomes_query(plan: Plan, extra: Sequence[str] = ()) -> exp.Select:
    """One row per case: ``id``, the extra columns, and for each policy i its
    enforcement ``e{i}``, priority id ``p{i}`` and deciding rung ``r{i}``."""
    codes, compiled = codes_query(plan, extra)
    select = exp.select(_col("id", CODES), *(_col(c, CODES) for c in extra)).from_(
        _subquery(codes, CODES))
    for i, cp in enumerate(compiled):
        table = f"t{i}"
        select = select.join(_outcome_values(cp, table), join_type="inner",
                             on=exp.EQ(this=exp.column("code", table=table),
                                       expression=exp.column(f"code{i}", table=CODES)))
        select = select.select(*(exp.alias_(exp.column(c, table=table), f"{c}{i}")
                                 for c in ("e", "p", "r")))
    return select


def counts_query(plan: Plan, by: Sequence[str] = ()) -> tuple[exp.Select, list[CompiledPolicy]]:
    """How many cases share each combination of breakdown values and codes."""
    codes, compiled = codes_query(plan, by)
    keys = [_col(b, CODES) for b in by] + [exp.column(f"code{i}", table=CODES)
                                            for i in range(len(compiled))]
    select = (exp.select(*keys, exp.alias_(exp.Count(this=exp.Star()), "n"))
              .from_(_subquery(codes, CODES)).group_by(*(k.copy() for k in keys)))
    return select, compiled


def _clauses(policy: Policy) -> list[Named]:
    """Every cited clause of the ladder, in reading order (outer before inner)."""
    seen: dict[int, Named] = {}
    for rung in policy.ladder:
        for node in rung.when.walk():
            if isinstance(node, Named) and node.id:
                seen.setdefault(node.uid, node)
    return list(seen.values())


def reasons_query(plan: Plan) -> tuple[exp.Select, list[CompiledPolicy]]:
    """Counts per combination of codes and, for each policy, the first true clause
    (``why{i}``): what made the difference when two policies disagree."""
    compiler, compiled = compile_plan(plan)
    rungs = _rung_layer(compiler, compiled, ())
    inner = rungs.this
    for i, cp in enumerate(compiled):
        compiler.shift = plan.shift(cp.policy)
        whens = [(compiler.node(c), exp.Literal.string(c.id)) for c in _clauses(cp.policy)]
        why: exp.Expr = exp.cast(exp.null(), "varchar")
        if whens:
            case = exp.Case()
            for cond, label in whens:
                case = case.when(exp.func("COALESCE", cond, exp.false()), label)
            why = case
        inner = inner.select(exp.alias_(why, f"why{i}"))
    compiler.shift = dt.timedelta(0)
    cols: list[exp.Expr] = []
    for i, cp in enumerate(compiled):
        refs = [exp.column(f"r{i}_{k}", table=RUNGS) for k in range(len(cp.rungs))]
        cols += [exp.alias_(cp.code(refs), f"code{i}"),
                 exp.alias_(exp.column(f"why{i}", table=RUNGS), f"why{i}")]
    codes = exp.select(*cols).from_(_subquery(inner, RUNGS))
    keys = [exp.column(f"{k}{i}", table=CODES) for i in range(len(compiled))
            for k in ("code", "why")]
    select = (exp.select(*keys, exp.alias_(exp.Count(this=exp.Star()), "n"))
              .from_(_subquery(codes, CODES)).group_by(*(k.copy() for k in keys)))
    return select, compiled
