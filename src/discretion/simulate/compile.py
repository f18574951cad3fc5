"""Compile a policy's rule tree to SQL: one query decides every row of a population.

The same nodes the explaining evaluator walks become ``sqlglot`` expressions, so no
policy is written twice. SQL's NULL is unknown and its AND / OR / NOT are already
Kleene's; the few constructs SQL lacks are spelled out here:

- quantifiers over convictions become columns of one aggregate over the
  ``convictions`` table (grouped by case, shared by every policy in the query), with
  three-valued "any" encoded as MAX over 0 (false), 1 (unknown), 2 (true);
- "is known" tests become ``IS NOT NULL``; recorded determinations ``COALESCE(x, FALSE)``;
- the ladder's possible-rung rule becomes CASE expressions over the rung values.

Tables: ``cases`` (alias ``p``) and ``convictions`` (alias ``c``), with the columns of
:mod:`discretion.population`; the aggregate is joined as ``a``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import singledispatchmethod
from typing import Any

from sqlglot import exp

from ..facts import FACTS
from ..policy import Enforcement, Policy, Rung
from ..rules import (
    AS_OF,
    AgeAtLeast,
    All,
    AnyConviction,
    AnyOf,
    Branch,
    Compare,
    Const,
    Cutoff,
    Flag,
    Found,
    IfKnown,
    IncidentsAtLeast,
    Named,
    Node,
    Not,
    OneOf,
    Operand,
    Recorded,
    TimeToServeAtLeast,
)

CASE, CONV, AGG = "p", "c", "a"
_OPS = {"<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE, "==": exp.EQ, "!=": exp.NEQ}
NULL_BOOL = exp.cast(exp.null(), "boolean")


def _lit(value: Any) -> exp.Expr:
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "date")
    if isinstance(value, int):
        return exp.Literal.number(value)
    if value is None:
        return exp.null()
    return exp.Literal.string(str(value))


def _case(*whens: tuple[exp.Expr, exp.Expr],
          default: exp.Expr | None = None) -> exp.Expr:
    if not whens:
        return default if default is not None else exp.null()
    out = exp.Case()
    for cond, value in whens:
        out = out.when(cond, value)
    return out.else_(default) if default is not None else out


def not_false(e: exp.Expr) -> exp.Expr:
    return exp.func("COALESCE", e.copy(), exp.true())


def not_true(e: exp.Expr) -> exp.Expr:
    return exp.not_(exp.func("COALESCE", e.copy(), exp.false()))


def is_true(e: exp.Expr) -> exp.Expr:
    return exp.func("COALESCE", e.copy(), exp.false())


@dataclass
class CompiledPolicy:
    """SQL expressions for one policy: each rung, the outcome, and its bounds."""

    policy: Policy
    rungs: list[exp.Expr]
    enforcement: exp.Expr
    priority: exp.Expr
    rung: exp.Expr
    possible_enforcement: dict[str, exp.Expr]
    possible_priority: dict[str, exp.Expr]


@dataclass
class Compiler:
    """Compiles nodes against one assessment date (a literal or a column) and assumptions.

    ``assume`` fills unknown facts with stated values (fact name -> value); it never
    overrides a known one.
    """

    as_of: exp.Expr
    shift: dt.timedelta = dt.timedelta(0)
    assume: Mapping[str, Any] = field(default_factory=dict)
    aggregates: dict[str, tuple[str, exp.Expr]] = field(default_factory=dict)

    # -- facts --------------------------------------------------------------------------

    def fact(self, name: str) -> exp.Expr:
        table = CONV if FACTS[name].level == "conviction" else CASE
        col = exp.column(name, table=table, quoted=True)  # PostgreSQL folds unquoted names
        if name in self.assume:
            return exp.func("COALESCE", col, _lit(self.assume[name]))
        return col

    def operand(self, value: Operand) -> exp.Expr:
        if isinstance(value, Cutoff):
            return _lit(value.date + self.shift)
        if value is AS_OF:
            return self.as_of.copy()
        return _lit(value)

    # -- nodes ----------------------------------------------------------------------------

    @singledispatchmethod
    def node(self, node: Node) -> exp.Expr:
        raise TypeError(f"no SQL for {type(node).__name__}")

    @node.register
    def _flag(self, node: Flag) -> exp.Expr:
        return self.fact(node.facts[0])

    @node.register
    def _compare(self, node: Compare) -> exp.Expr:
        return _OPS[node.op](this=self.fact(node.facts[0]), expression=self.operand(node.operand))

    @node.register
    def _one_of(self, node: OneOf) -> exp.Expr:
        return exp.In(this=self.fact(node.facts[0]),
                      expressions=[_lit(v) for v in sorted(node.values)])

    @node.register
    def _found(self, node: Found) -> exp.Expr:
        col = self.fact(node.facts[0])
        if isinstance(node, Recorded):
            return exp.Not(this=exp.Is(this=col, expression=exp.null()))
        return is_true(col)

    @node.register
    def _age(self, node: AgeAtLeast) -> exp.Expr:
        if isinstance(self.as_of, exp.Cast) and isinstance(self.as_of.this, exp.Literal):
            day = dt.date.fromisoformat(self.as_of.this.name)
            return exp.LTE(this=self.fact("birth_date"), expression=_lit(_years_before(day, node.years)))
        latest = exp.DateSub(this=self.as_of.copy(), expression=exp.Literal.number(node.years),
                             unit=exp.var("YEAR"))
        return exp.LTE(this=self.fact("birth_date"), expression=latest)

    @node.register
    def _serve(self, node: TimeToServeAtLeast) -> exp.Expr:
        sentence, suspended = self.fact("sentence_days"), self.fact("suspended_days")
        days = exp.Literal.number(node.days)
        return _case(
            (exp.Is(this=sentence, expression=exp.null()), NULL_BOOL),
            (exp.LT(this=sentence.copy(), expression=days), exp.false()),
            (exp.Is(this=suspended, expression=exp.null()), NULL_BOOL),
            default=exp.GTE(this=exp.Sub(this=sentence.copy(), expression=suspended.copy()),
                            expression=days.copy()))

    @node.register
    def _const(self, node: Const) -> exp.Expr:
        return NULL_BOOL.copy() if node.value is None else _lit(node.value)

    @node.register
    def _all(self, node: All) -> exp.Expr:
        if not node.nodes:
            return exp.true()
        return exp.and_(*(exp.paren(self.node(n), copy=False) for n in node.nodes))

    @node.register
    def _any(self, node: AnyOf) -> exp.Expr:
        if not node.nodes:
            return exp.false()
        return exp.or_(*(exp.paren(self.node(n), copy=False) for n in node.nodes))

    @node.register
    def _not(self, node: Not) -> exp.Expr:
        return exp.not_(exp.paren(self.node(node.node), copy=False))

    @node.register
    def _if_known(self, node: IfKnown) -> exp.Expr:
        known = exp.Not(this=exp.Is(this=self.fact(node.fact), expression=exp.null()))
        return _case((known, self.node(node.then)), default=self.node(node.otherwise))

    @node.register
    def _branch(self, node: Branch) -> exp.Expr:
        test, then, other = self.node(node.test), self.node(node.then), self.node(node.otherwise)
        agree = _case((exp.EQ(this=then.copy(), expression=other.copy()), then.copy()))
        return _case((test, then), (exp.not_(test.copy()), other), default=agree)

    @node.register
    def _named(self, node: Named) -> exp.Expr:
        return self.node(node.node)

    @node.register
    def _any_conviction(self, node: AnyConviction) -> exp.Expr:
        pred = self.node(node.pred)
        three = _case((pred, exp.Literal.number(2)), (exp.not_(pred.copy()), exp.Literal.number(0)),
                      default=exp.Literal.number(1))
        col = self._aggregate(node, exp.Max(this=three))
        list_unknown = exp.Is(this=self.fact("conviction_count"), expression=exp.null())
        return _case((exp.EQ(this=col, expression=exp.Literal.number(2)), exp.true()),
                     (exp.or_(list_unknown, exp.EQ(this=col.copy(), expression=exp.Literal.number(1))),
                      NULL_BOOL.copy()),
                     default=exp.false())

    @node.register
    def _incidents(self, node: IncidentsAtLeast) -> exp.Expr:
        pred = self.node(node.pred)
        incident = self.fact("incident")
        sure = self._aggregate(node, exp.Count(this=exp.Distinct(
            expressions=[_case((is_true(pred), incident))])), "sure")
        maybe = self._aggregate(node, exp.Count(this=exp.Distinct(
            expressions=[_case((not_false(pred), incident.copy()))])), "maybe")
        n = exp.Literal.number(node.n)
        list_known = exp.Not(this=exp.Is(this=self.fact("conviction_count"), expression=exp.null()))
        return _case(
            (exp.GTE(this=exp.func("COALESCE", sure, exp.Literal.number(0)), expression=n),
             exp.true()),
            (exp.and_(list_known, exp.LT(this=exp.func("COALESCE", maybe, exp.Literal.number(0)),
                                         expression=n.copy())), exp.false()),
            default=NULL_BOOL.copy())

    def _aggregate(self, node: Node, agg: exp.Expr, part: str = "") -> exp.Column:
        key = json.dumps([type(node).__name__, node.spec(), part, sorted(self.assume.items(),
                                                                         key=str)],
                         sort_keys=True, default=str)
        if key not in self.aggregates:
            self.aggregates[key] = (f"q{len(self.aggregates) + 1}", agg)
        return exp.column(self.aggregates[key][0], table=AGG)

    def aggregate_query(self) -> exp.Select | None:
        """One pass over ``convictions``: every quantifier's column, per case."""
        if not self.aggregates:
            return None
        cols = [exp.alias_(agg, name) for name, agg in self.aggregates.values()]
        return (exp.select(exp.column("case_id", table=CONV), *cols)
                .from_(exp.alias_(exp.table_("convictions"), CONV, table=True))
                .group_by(exp.column("case_id", table=CONV)))

    # -- a policy ---------------------------------------------------------------------------

    def policy(self, policy: Policy) -> CompiledPolicy:
        rungs = [self.node(r.when) for r in policy.ladder]
        all_rungs = [*policy.ladder, policy.otherwise]
        possible = _possible(rungs)
        keys = _keys(policy)
        decided = _exactly_one(list(_flags_by(possible, keys).values()))
        by_enforcement = _flags_by(possible, [r.enforcement for r in all_rungs])
        only_one = _exactly_one(list(by_enforcement.values()))
        enforcement = _case(*((exp.and_(only_one.copy(), flag.copy()), exp.Literal.string(e))
                              for e, flag in by_enforcement.items()),
                            default=exp.Literal.string("undetermined"))
        first_true = [(is_true(r), all_rungs[i]) for i, r in enumerate(rungs)]
        priority = _case((decided, _case(*((c.copy(), _lit(_priority_id(r))) for c, r in first_true),
                                         default=_lit(_priority_id(policy.otherwise)))))
        rung_id = _case((decided.copy(), _case(*((c.copy(), _lit(r.id)) for c, r in first_true),
                                               default=_lit(policy.otherwise.id))))
        categories = [r.priority.id if r.priority else "" for r in all_rungs]
        by_priority = {k: v for k, v in _flags_by(possible, categories).items() if k}
        return CompiledPolicy(policy, rungs, enforcement, priority, rung_id, by_enforcement,
                              by_priority)


def _flags_by(possible: list[exp.Expr], labels: Sequence[Hashable]) -> dict[Any, exp.Expr]:
    """For each label, whether some rung carrying it is possible."""
    groups: dict[Any, list[exp.Expr]] = {}
    for flag, label in zip(possible, labels, strict=True):
        groups.setdefault(label, []).append(exp.paren(flag.copy()))
    return {label: exp.or_(*flags) for label, flags in groups.items()}


def _exactly_one(flags: list[exp.Expr]) -> exp.Expr:
    count: exp.Expr = exp.Literal.number(0)
    for flag in flags:
        count = exp.Add(this=count, expression=_case((flag.copy(), exp.Literal.number(1)),
                                                     default=exp.Literal.number(0)))
    return exp.EQ(this=exp.paren(count), expression=exp.Literal.number(1))


def _years_before(day: dt.date, years: int) -> dt.date:
    """The latest birth date of someone at least ``years`` old on ``day``."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _possible(rungs: list[exp.Expr]) -> list[exp.Expr]:
    """Rung k is possible when it is not false and no earlier rung is true; the default
    rung (last) when no rung is true."""
    out: list[exp.Expr] = []
    for k in range(len(rungs) + 1):
        earlier = [not_true(r) for r in rungs[:k]]
        here = [not_false(rungs[k])] if k < len(rungs) else []
        parts = [*earlier, *here]
        out.append(exp.and_(*parts) if parts else exp.true())
    return out


def _keys(policy: Policy) -> list[tuple[str, str | None]]:
    from ..decide import _key

    return [_key(policy, r) for r in (*policy.ladder, policy.otherwise)]


def _priority_id(rung: Rung) -> str | None:
    return rung.priority.id if rung.priority else None


ENFORCEMENTS: tuple[Enforcement, ...] = ("permitted", "approval_required", "judgement",
                                         "undetermined")
