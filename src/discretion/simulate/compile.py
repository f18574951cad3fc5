"""Compile a policy's rule tree to SQL: one query decides every row of a population.

The same nodes the explaining evaluator walks become ``sqlglot`` expressions, so no
policy is written twice. SQL's NULL is unknown and its AND / OR / NOT are already
Kleene's; the few constructs SQL lacks are spelled out here:

- quantifiers over convictions become columns of one aggregate over the
  ``convictions`` table (grouped by case, shared by every policy in the query), with
  three-valued "any" encoded as MAX over 0 (false), 1 (unknown), 2 (true);
- "is known" tests become ``IS NOT NULL``; recorded determinations ``COALESCE(x, FALSE)``;
- the ladder's possible-rung rule becomes CASE expressions over the rung values.

Two layouts of convictions (see :mod:`discretion.population`): ``table``, a child table
``convictions`` (alias ``c``) aggregated per case and joined as ``a`` (every engine);
``list``, a column ``cases.convictions`` holding a list of structs, read with list
lambdas (DuckDB and Spark), which needs no grouping and no join.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import singledispatchmethod
from typing import Any

import sqlglot
from sqlglot import exp

from ..facts import FACTS
from ..logic import Tri
from ..policy import Enforcement, Policy
from ..rules import (
    AS_OF,
    AgeAtLeast,
    All,
    AnyConviction,
    AnyOf,
    AssessedAfter,
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
    YearsBeforeAsOf,
    years_before,
)

CASE, CONV, AGG, CONV_VALUES, RUNGS = "p", "c", "a", "cv", "rr"
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


@dataclass(frozen=True)
class Outcome:
    """What one combination of rung values means, computed by the policy's own ladder."""

    code: int
    enforcement: str
    priority: str | None
    rung: str | None
    possible_enforcements: frozenset[str]
    possible_priorities: frozenset[str]


@dataclass
class CompiledPolicy:
    """SQL for each rung's value, and the outcome of every combination of rung values.

    A row's rungs are encoded as one integer, the *code*: sum of 3**k times 0 (false),
    1 (unknown) or 2 (true) for rung k. The ladder has at most a handful of rungs, so
    the outcome of every code is tabulated by :meth:`Policy.possible` and
    :meth:`Policy.outcome`, the same functions the explaining path uses.
    """

    policy: Policy
    rungs: list[exp.Expr]
    outcomes: list[Outcome]

    def code(self, columns: Sequence[exp.Expr]) -> exp.Expr:
        total: exp.Expr = exp.Literal.number(0)
        for k, col in enumerate(columns):
            digit = exp.Mul(this=exp.paren(tri_digit(col)), expression=exp.Literal.number(3**k))
            total = exp.Add(this=total, expression=digit)
        return total


def tri_digit(value: exp.Expr) -> exp.Expr:
    """0 for false, 1 for unknown, 2 for true: arithmetic, which engines run faster than CASE."""
    as_int = exp.Mul(this=exp.cast(value.copy(), "int"), expression=exp.Literal.number(2))
    return exp.func("COALESCE", as_int, exp.Literal.number(1))


def outcome_table(policy: Policy) -> list[Outcome]:
    values: list[Tri] = [False, None, True]
    out = []
    for code in range(3 ** len(policy.ladder)):
        digits = [values[(code // 3**k) % 3] for k in range(len(policy.ladder))]
        possible = policy.possible(digits)
        enforcement, priority, rung = policy.outcome(possible)
        out.append(Outcome(code, enforcement, priority.id if priority else None,
                           rung.id if rung else None,
                           frozenset(r.enforcement for r in possible),
                           frozenset(r.priority.id for r in possible if r.priority)))
    return out


@dataclass
class Compiler:
    """Compiles nodes against one assessment date (a literal or a column) and assumptions.

    ``assume`` fills unknown facts with stated values (fact name -> value); it never
    overrides a known one.
    """

    as_of: exp.Expr
    shift: dt.timedelta = dt.timedelta(0)
    assume: Mapping[str, Any] = field(default_factory=dict)
    layout: str = "table"
    dialect: str = "duckdb"
    aggregates: dict[str, tuple[str, exp.Expr]] = field(default_factory=dict)
    conviction_values: dict[str, tuple[str, exp.Expr]] = field(default_factory=dict)
    shared: dict[str, tuple[str, exp.Expr]] = field(default_factory=dict)
    share_keys: set[str] = field(default_factory=set)
    _uses: dict[str, int] = field(default_factory=dict)
    _sharing: bool = False
    _conviction_level: bool = False

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
        if isinstance(value, YearsBeforeAsOf):
            return self._years_before_as_of(value.years)
        return _lit(value)

    def _years_before_as_of(self, years: int) -> exp.Expr:
        if isinstance(self.as_of, exp.Cast) and isinstance(self.as_of.this, exp.Literal):
            return _lit(years_before(dt.date.fromisoformat(self.as_of.this.name), years))
        return exp.DateSub(this=self.as_of.copy(), expression=exp.Literal.number(years),
                           unit=exp.var("YEAR"))

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
        # Born on or before the same day ``years`` earlier.
        return exp.LTE(this=self.fact("birth_date"), expression=self._years_before_as_of(node.years))

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
    def _assessed_after(self, node: AssessedAfter) -> exp.Expr:
        return exp.GT(this=self.as_of.copy(), expression=self.operand(node.cutoff))

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
        if _never_unknown(node.test):
            # A known test: (test and then) or (not test and otherwise), no CASE needed.
            return exp.or_(exp.and_(exp.paren(test), exp.paren(then)),
                           exp.and_(exp.not_(exp.paren(test.copy())), exp.paren(other)))
        agree = _case((exp.EQ(this=then.copy(), expression=other.copy()), then.copy()))
        return _case((test, then), (exp.not_(test.copy()), other), default=agree)

    @node.register
    def _named(self, node: Named) -> exp.Expr:
        key = self._key(node)
        if self._sharing or self._conviction_level or key not in self.share_keys:
            return self.node(node.node)
        return self._shared(key, lambda: self.node(node.node))

    def _shared(self, key: str, build: Callable[[], exp.Expr]) -> exp.Expr:
        """A case-level condition used more than once (across rungs and policies), computed
        once per case in the layer below the rungs and referenced by column."""
        if key not in self.shared:
            self._sharing = True
            try:
                self.shared[key] = (f"s{len(self.shared) + 1}", build())
            finally:
                self._sharing = False
        return exp.column(self.shared[key][0], table=CASE)

    def _conviction_level_node(self, pred: Node) -> exp.Expr:
        self._conviction_level = True
        try:
            return self.node(pred)
        finally:
            self._conviction_level = False

    def _conviction_value(self, pred: Node) -> exp.Column:
        """A conviction-level condition, computed once per conviction row as a column."""
        key = self._key(pred)
        if key not in self.conviction_values:
            self.conviction_values[key] = (f"v{len(self.conviction_values) + 1}",
                                           self._conviction_level_node(pred))
        return exp.column(self.conviction_values[key][0], table=CONV_VALUES)

    def _over_list(self, template: str, **parts: exp.Expr) -> exp.Expr:
        """A list expression in Spark's spelling (sqlglot renders it for DuckDB too), over
        ``p.convictions`` with the lambda variable ``c``."""
        tree = sqlglot.parse_one(template, read="spark")
        return exp.replace_placeholders(tree, items=_col("convictions", CASE), **parts)

    @node.register
    def _any_conviction(self, node: AnyConviction) -> exp.Expr:
        if not self._sharing:
            return self._shared(self._key(node), lambda: self._any_conviction(node))
        if self.layout == "list":
            col: exp.Expr = self._over_list("ARRAY_MAX(TRANSFORM(:items, c -> :body))",
                                            body=tri_digit(self._conviction_level_node(node.pred)))
        else:
            pred = self._conviction_value(node.pred)
            col = self._aggregate(node, exp.Max(this=tri_digit(pred)))
        list_unknown = exp.Is(this=self.fact("conviction_count"), expression=exp.null())
        return _case((exp.EQ(this=col, expression=exp.Literal.number(2)), exp.true()),
                     (exp.or_(list_unknown, exp.EQ(this=col.copy(), expression=exp.Literal.number(1))),
                      NULL_BOOL.copy()),
                     default=exp.false())

    @node.register
    def _incidents(self, node: IncidentsAtLeast) -> exp.Expr:
        """Bounds on the number of separate incidents (see :class:`IncidentsAtLeast`):
        identified incidents counted once; unidentified convictions counted as one at
        least (if no identified incident counts) and as separate at most."""
        if not self._sharing:
            return self._shared(self._key(node), lambda: self._incidents(node))
        sure, sure_unidentified, maybe = (
            self._incidents_list(node) if self.layout == "list" else self._incidents_table(node))
        zero, n = exp.Literal.number(0), exp.Literal.number(node.n)
        lower = exp.Add(this=sure, expression=_case(
            (exp.and_(exp.EQ(this=sure.copy(), expression=zero.copy()), sure_unidentified),
             exp.Literal.number(1)), default=zero.copy()))
        list_known = exp.Not(this=exp.Is(this=self.fact("conviction_count"), expression=exp.null()))
        return _case((exp.GTE(this=lower, expression=n), exp.true()),
                     (exp.and_(list_known, exp.LT(this=maybe, expression=n.copy())), exp.false()),
                     default=NULL_BOOL.copy())

    def _incidents_table(self, node: IncidentsAtLeast) -> tuple[exp.Expr, exp.Expr, exp.Expr]:
        pred = self._conviction_value(node.pred)
        incident = exp.column("incident", table=CONV_VALUES, quoted=True)
        unidentified = exp.Is(this=incident.copy(), expression=exp.null())

        def distinct(cond: exp.Expr, part: str) -> exp.Expr:
            value = _case((cond, incident.copy()))
            if self.dialect == "postgres":
                count: exp.Expr = exp.Count(this=exp.Distinct(expressions=[value]))
            else:
                # DuckDB's COUNT(DISTINCT) per group is several times slower than
                # collecting the few ids of each case and de-duplicating the list.
                count = exp.ArraySize(this=exp.ArrayDistinct(this=exp.ArrayAgg(this=value)))
            return exp.func("COALESCE", self._aggregate(node, count, part), exp.Literal.number(0))

        def total(cond: exp.Expr, part: str) -> exp.Expr:
            agg = exp.Sum(this=_case((exp.and_(cond, unidentified.copy()), exp.Literal.number(1)),
                                     default=exp.Literal.number(0)))
            return exp.func("COALESCE", self._aggregate(node, agg, part), exp.Literal.number(0))

        sure = distinct(is_true(pred), "sure")
        sure_unidentified = exp.GT(this=total(is_true(pred), "sure?"),
                                   expression=exp.Literal.number(0))
        maybe = exp.Add(this=distinct(not_false(pred), "maybe"),
                        expression=total(not_false(pred), "maybe?"))
        return sure, sure_unidentified, maybe

    def _incidents_list(self, node: IncidentsAtLeast) -> tuple[exp.Expr, exp.Expr, exp.Expr]:
        pred = self._conviction_level_node(node.pred)
        incident = exp.column("incident", table=CONV, quoted=True)

        def distinct(cond: exp.Expr) -> exp.Expr:
            return self._size(self._over_list(
                "ARRAY_DISTINCT(FILTER(TRANSFORM(:items, c -> CASE WHEN :cond THEN :inc END), "
                "x -> x IS NOT NULL))", cond=cond, inc=incident.copy()))

        def unidentified(cond: exp.Expr) -> exp.Expr:
            return self._size(self._over_list("FILTER(:items, c -> :cond AND :inc IS NULL)",
                                              cond=cond, inc=incident.copy()))

        sure = distinct(is_true(pred))
        sure_unidentified = exp.GT(this=unidentified(is_true(pred)), expression=exp.Literal.number(0))
        maybe = exp.Add(this=distinct(not_false(pred)), expression=unidentified(not_false(pred)))
        return sure, sure_unidentified, maybe

    @staticmethod
    def _size(items: exp.Expr) -> exp.Expr:
        # An unknown (NULL) list has no known elements; engines disagree on SIZE(NULL).
        return _case((exp.Is(this=_col("convictions", CASE), expression=exp.null()),
                      exp.Literal.number(0)), default=exp.ArraySize(this=items))

    def plan_sharing(self, nodes: Sequence[Node]) -> None:
        """Mark the case-level named conditions that occur more than once among ``nodes``
        (the rungs of every policy in the query, each under its own cut-off shift)."""
        seen = self._uses

        def visit(node: Node, in_conviction: bool) -> None:
            if isinstance(node, Named) and not in_conviction:
                key = self._key(node)
                seen[key] = seen.get(key, 0) + 1
            inner = in_conviction or isinstance(node, AnyConviction | IncidentsAtLeast)
            for child in node.children():
                visit(child, inner)

        for node in nodes:
            visit(node, False)
        self.share_keys |= {k for k, n in seen.items() if n > 1}

    def _key(self, node: Node, part: str = "") -> str:
        """Identity of a condition's logic: clause names and citations do not count, so
        the same test under two memos' clauses is computed once."""
        logic = _logic(node.node.spec() if isinstance(node, Named) else node.spec())
        kind = type(node.node if isinstance(node, Named) else node).__name__
        return json.dumps([kind, logic, part, self.shift.days,
                           sorted(self.assume.items(), key=str)], sort_keys=True, default=str)

    def _aggregate(self, node: Node, agg: exp.Expr, part: str = "") -> exp.Column:
        key = self._key(node, part)
        if key not in self.aggregates:
            self.aggregates[key] = (f"q{len(self.aggregates) + 1}", agg)
        return exp.column(self.aggregates[key][0], table=AGG)

    def aggregate_query(self) -> exp.Select | None:
        """One pass over ``convictions``: each condition once per row, then every
        quantifier's column per case."""
        if not self.aggregates:
            return None
        values = exp.select(exp.column("case_id", table=CONV, quoted=True),
                            exp.column("incident", table=CONV, quoted=True),
                            *(exp.alias_(e, name) for name, e in self.conviction_values.values()))
        values = values.from_(exp.alias_(exp.table_("convictions"), CONV, table=True))
        cols = [exp.alias_(agg, name) for name, agg in self.aggregates.values()]
        return (exp.select(exp.column("case_id", table=CONV_VALUES, quoted=True), *cols)
                .from_(exp.Subquery(this=values,
                                    alias=exp.TableAlias(this=exp.to_identifier(CONV_VALUES))))
                .group_by(exp.column("case_id", table=CONV_VALUES, quoted=True)))

    # -- a policy ---------------------------------------------------------------------------

    def policy(self, policy: Policy) -> CompiledPolicy:
        return CompiledPolicy(policy, [self.node(r.when) for r in policy.ladder],
                              outcome_table(policy))


def _logic(spec: Any) -> Any:
    """A spec without its words: named wrappers unwrapped, labels and citations dropped."""
    if isinstance(spec, dict):
        if "named" in spec:
            return _logic(spec["rule"])
        return {k: _logic(v) for k, v in spec.items() if k not in ("label", "citation", "note")}
    if isinstance(spec, list):
        return [_logic(v) for v in spec]
    return spec


def _col(name: str, table: str) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def _never_unknown(node: Node) -> bool:
    """A flag on a fact every record knows (e.g. whether legal review asserted categories)."""
    return isinstance(node, Flag) and all(FACTS[f].always_known for f in node.facts)


ENFORCEMENTS: tuple[Enforcement, ...] = ("permitted", "approval_required", "judgement",
                                         "undetermined")
