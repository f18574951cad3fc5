"""The rule tree: nodes that decide a record in three-valued logic and explain how.

Each node can
- ``eval(env)``: its truth value, fast, without a trace;
- ``trace(env)``: its truth value with the tree of what it read and why;
- ``spec()``: a canonical description (for the policy's content hash and the docs).

Leaves read facts (see :mod:`discretion.facts`); inner nodes combine truth values
with Kleene's AND / OR / NOT, which is also what SQL does with NULL. The SQL
compiler walks the same nodes, so a policy is written once.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .facts import FACTS, Row
from .logic import Tri, show

_uids = itertools.count(1)

# Possible-value masks for missing-fact search: which truth values a node can still
# take if the facts at some paths were learnt (see :meth:`Node.possible`).
T, F, U = 1, 2, 4
Free = frozenset[str]


def mask(value: Tri) -> int:
    return U if value is None else (T if value else F)


def _table(op: Callable[[Tri, Tri], Tri]) -> list[list[int]]:
    vals: list[tuple[int, Tri]] = [(T, True), (F, False), (U, None)]
    out = [[0] * 8 for _ in range(8)]
    for a in range(8):
        for b in range(8):
            for bit_a, va in vals:
                for bit_b, vb in vals:
                    if a & bit_a and b & bit_b:
                        out[a][b] |= mask(op(va, vb))
    return out


def _and(a: Tri, b: Tri) -> Tri:
    return False if a is False or b is False else (None if a is None or b is None else True)


def _or(a: Tri, b: Tri) -> Tri:
    return True if a is True or b is True else (None if a is None or b is None else False)


AND_MASK, OR_MASK = _table(_and), _table(_or)


def not_mask(m: int) -> int:
    return (m & U) | (F if m & T else 0) | (T if m & F else 0)


@dataclass(frozen=True, slots=True)
class Cutoff:
    """A date a policy names (e.g. 2020-11-01). Counterfactual runs move it by an offset."""

    date: dt.date

    def at(self, env: Env) -> dt.date:
        return self.date + env.shift if env.shift else self.date


class _AsOf:
    """The date a case is assessed on."""

    def __repr__(self) -> str:
        return "AS_OF"


AS_OF = _AsOf()


@dataclass(frozen=True, slots=True)
class YearsBeforeAsOf:
    """The date ``years`` years before the assessment date (a limitation period)."""

    years: int

    def at(self, env: Env) -> dt.date:
        return years_before(env.as_of, self.years)


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


Operand = Cutoff | _AsOf | YearsBeforeAsOf | dt.date | int | str


def _operand(value: Operand, env: Env) -> Any:
    if isinstance(value, Cutoff | YearsBeforeAsOf):
        return value.at(env)
    if value is AS_OF:
        return env.as_of
    return value


def _show_operand(value: Operand) -> str:
    if isinstance(value, Cutoff):
        return value.date.isoformat()
    if value is AS_OF:
        return "the assessment date"
    if isinstance(value, YearsBeforeAsOf):
        return f"{value.years} years before the assessment date"
    return str(value)


class Env:
    """What a node evaluates against: one record, the assessment date, and a cut-off shift."""

    __slots__ = ("as_of", "conv", "conv_index", "convictions", "free_templates", "memo", "row",
                 "shift")

    def __init__(self, row: Row, convictions: Sequence[Row], as_of: dt.date,
                 shift: dt.timedelta = dt.timedelta(0)):
        self.row = row
        self.convictions = convictions
        self.as_of = as_of
        self.shift = shift
        self.conv: Row = {}
        self.conv_index = -1
        # Masks of shared named conditions within one missing-fact check (see Named.possible).
        self.memo: dict[tuple[int, int], int] = {}
        self.free_templates: frozenset[str] = frozenset()

    def start_check(self, free: Free) -> None:
        """Reset the per-check memo before computing masks for a new set of free paths."""
        self.memo.clear()
        self.free_templates = frozenset(template(p) for p in free)

    def get(self, fact: str) -> Any:
        return self.row[fact]


class Trace:
    """One evaluated node: its value, what it read, and its evaluated children."""

    __slots__ = ("children", "index", "node", "read", "value")

    def __init__(self, node: Node, value: Tri, children: list[Trace] | tuple[()] = (),
                 index: int = -1, read: tuple[Any, ...] = ()):
        self.node, self.value, self.children = node, value, children
        self.index, self.read = index, read

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.node.describe(self), "value": show(self.value)}
        self.node.annotate(out)
        if self.index >= 0:
            out["conviction"] = self.index
        if isinstance(self.node, Leaf):
            out["facts"] = [
                {"fact": name, "path": _path(name, self.index), "value": _jsonable(v)}
                for name, v in zip(self.node.facts, self.read, strict=True)
            ]
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out


CONVICTIONS = FACTS["conviction_count"].path
"""The path of the list of convictions: quantifiers over it read whether it is known."""


def template(path: str) -> str:
    """A path with its conviction index removed: ``convictions[2].x`` -> ``convictions[].x``."""
    if path.startswith("convictions["):
        return "convictions[]" + path[path.index("]") + 1:]
    return path


def _path(name: str, index: int) -> str:
    path = FACTS[name].path
    return path.replace("[]", f"[{index}]", 1) if index >= 0 else path


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


class Node:
    """A rule: something true, false or unknown of a record."""

    label: str = ""

    def __init__(self) -> None:
        self.uid = next(_uids)

    def eval(self, env: Env) -> Tri:
        raise NotImplementedError

    def trace(self, env: Env) -> Trace:
        raise NotImplementedError

    def children(self) -> tuple[Node, ...]:
        return ()

    def implicit_paths(self, env: Env) -> set[str]:
        """Unknown case-file paths this node reads besides its leaves' facts."""
        return set()

    def possible(self, env: Env, free: Free) -> int:
        """The truth values this node could take once the facts at ``free`` paths are known.

        Children are treated as independent, so the answer may include values no
        real completion reaches; it never misses one. That keeps missing-fact
        search sound (every set it reports decides) and linear in the tree.
        """
        raise NotImplementedError

    def spec(self) -> dict[str, Any]:
        raise NotImplementedError

    def describe(self, trace: Trace) -> str:
        return self.label

    def annotate(self, out: dict[str, Any]) -> None:
        """Add this node's own keys (id, citation, ...) to its explanation entry."""

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children():
            yield from child.walk()

    def leaves(self) -> Iterator[Leaf]:
        return (n for n in self.walk() if isinstance(n, Leaf))


# -- leaves --------------------------------------------------------------------------------

class Leaf(Node):
    """A test of one or more facts. ``facts`` names what it reads, for missing-fact search."""

    facts: tuple[str, ...] = ()
    on_conviction: bool = False

    def __init__(self) -> None:
        super().__init__()
        self._paths: dict[int, tuple[str, ...]] = {}

    def test(self, env: Env, values: tuple[Any, ...]) -> Tri:
        raise NotImplementedError

    _single: str | None = None  # the one fact most leaves read, set by _check_facts

    def _values(self, env: Env) -> tuple[Any, ...]:
        source = env.conv if self.on_conviction else env.row
        single = self._single
        if single is not None:
            return (source[single],)
        return tuple([source[f] for f in self.facts])

    def eval(self, env: Env) -> Tri:
        return self.test(env, self._values(env))

    def trace(self, env: Env) -> Trace:
        values = self._values(env)
        return Trace(self, self.test(env, values), index=env.conv_index, read=values)

    def paths(self, index: int) -> tuple[str, ...]:
        cache = self._paths
        found = cache.get(index)
        if found is None:
            found = cache[index] = tuple(_path(f, index) for f in self.facts)
        return found

    def unknown_paths(self, env: Env) -> tuple[str, ...]:
        """Paths of the facts this leaf reads that are unknown here."""
        paths = self.paths(env.conv_index)
        return tuple(p for p, v in zip(paths, self._values(env), strict=True) if v is None)

    def possible(self, env: Env, free: Free) -> int:
        value = self.test(env, self._values(env))
        if value is None and self.facts:
            unknown = self.unknown_paths(env)
            if unknown and all(p in free for p in unknown):
                return T | F
        return mask(value)

    def _check_facts(self) -> None:
        self._single = self.facts[0] if len(self.facts) == 1 else None
        for name in self.facts:
            fact = FACTS.get(name)
            if fact is None:
                raise ValueError(f"unknown fact {name!r}")
            if (fact.level == "conviction") != self.on_conviction:
                raise ValueError(f"fact {name!r} is {fact.level}-level; rule {self!r} is not")


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}
_OP_WORDS = {"<": "is before" , "<=": "is on or before", ">": "is after", ">=": "is on or after",
             "==": "is", "!=": "is not"}
_NUM_WORDS = {"<": "is less than", "<=": "is at most", ">": "is more than", ">=": "is at least",
              "==": "is", "!=": "is not"}


class Flag(Leaf):
    """A yes/no fact, read as it stands."""

    def __init__(self, fact: str, label: str, *, conviction: bool = False):
        super().__init__()
        self.facts, self.label, self.on_conviction = (fact,), label, conviction
        self._check_facts()

    def test(self, env: Env, values: tuple[Any, ...]) -> Tri:
        value: Tri = values[0]
        return value

    def spec(self) -> dict[str, Any]:
        return {"flag": self.facts[0]}

    def __repr__(self) -> str:
        return f"Flag({self.facts[0]!r})"


class Compare(Leaf):
    """A fact compared with a date, a number, a word or the assessment date."""

    def __init__(self, fact: str, op: str, operand: Operand, label: str = "",
                 *, conviction: bool = False):
        super().__init__()
        if op not in _OPS:
            raise ValueError(f"unknown operator {op!r}")
        self.facts, self.op, self.operand = (fact,), op, operand
        self.on_conviction = conviction
        self.label = label
        self._fn = _OPS[op]
        self._check_facts()

    def test(self, env: Env, values: tuple[Any, ...]) -> Tri:
        value = values[0]
        if value is None:
            return None
        return self._fn(value, _operand(self.operand, env))

    def describe(self, trace: Trace) -> str:
        fact = FACTS[self.facts[0]]
        words = _OP_WORDS if fact.kind == "date" else _NUM_WORDS
        shown = "unknown" if not trace.read or trace.read[0] is None else _jsonable(trace.read[0])
        base = self.label or f"{fact.meaning} {words[self.op]} {_show_operand(self.operand)}"
        return f"{base} ({fact.meaning}: {shown})" if self.label else f"{base} ({shown})"

    def spec(self) -> dict[str, Any]:
        return {"compare": self.facts[0], "op": self.op, "to": _show_operand(self.operand)}

    def __repr__(self) -> str:
        return f"Compare({self.facts[0]!r} {self.op} {self.operand!r})"


class OneOf(Leaf):
    """A text fact is one of the listed words."""

    def __init__(self, fact: str, values: Sequence[str], label: str, *, conviction: bool = False):
        super().__init__()
        self.facts, self.values, self.label = (fact,), frozenset(values), label
        self.on_conviction = conviction
        self._check_facts()

    def test(self, env: Env, values: tuple[Any, ...]) -> Tri:
        return None if values[0] is None else values[0] in self.values

    def describe(self, trace: Trace) -> str:
        shown = "unknown" if trace.read[0] is None else trace.read[0]
        return f"{self.label} ({FACTS[self.facts[0]].meaning}: {shown})"

    def spec(self) -> dict[str, Any]:
        return {"one_of": self.facts[0], "values": sorted(self.values)}


class Found(Leaf):
    """A determination a person recorded is true. No recorded finding reads as false.

    Determinations are judgements a policy leaves to a person; the engine never
    treats their absence as a fact to look up. A policy that needs one routes the
    case to ``judgement`` instead (see :class:`discretion.policy.Rung`).
    """

    def __init__(self, name: str, label: str):
        super().__init__()
        self.facts, self.label = (f"determination_{name}",), label
        self.name = name
        self._check_facts()

    def test(self, env: Env, values: tuple[Any, ...]) -> Tri:
        return values[0] is True

    def describe(self, trace: Trace) -> str:
        found = trace.read[0]
        state = "not recorded" if found is None else ("recorded: yes" if found else "recorded: no")
        return f"{self.label} ({state})"

    def spec(self) -> dict[str, Any]:
        return {"found": self.name}


class Recorded(Found):
    """A determination has been recorded, whatever its value."""

    def test(self, env: Env, values: tuple[Any, ...]) -> Tri:
        return values[0] is not None

    def spec(self) -> dict[str, Any]:
        return {"recorded": self.name}


class AgeAtLeast(Leaf):
    """At least ``years`` old on the assessment date."""

    def __init__(self, years: int, label: str = ""):
        super().__init__()
        self.facts, self.years = ("birth_date",), years
        self.label = label or f"at least {years} years old on the assessment date"
        self._check_facts()

    def test(self, env: Env, values: tuple[Any, ...]) -> Tri:
        born: dt.date | None = values[0]
        if born is None:
            return None
        return born <= years_before(env.as_of, self.years)

    def describe(self, trace: Trace) -> str:
        born = trace.read[0] if trace.read else None
        return f"{self.label} (born {'unknown' if born is None else born.isoformat()})"

    def spec(self) -> dict[str, Any]:
        return {"age_at_least": self.years}


def age_on(born: dt.date, day: dt.date) -> int:
    """Whole years of age on ``day`` (a 29 February birthday counts on 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class TimeToServeAtLeast(Leaf):
    """Custodial time to be served (sentence less suspension) is at least ``days``."""

    def __init__(self, days: int, label: str):
        super().__init__()
        self.facts, self.days, self.label = ("sentence_days", "suspended_days"), days, label
        self.on_conviction = True
        self._check_facts()

    def test(self, env: Env, values: tuple[Any, ...]) -> Tri:
        sentence, suspended = values
        if sentence is None:
            return None
        if sentence < self.days:
            return False
        if suspended is None:
            return None
        return bool(sentence - suspended >= self.days)

    def describe(self, trace: Trace) -> str:
        sentence, suspended = trace.read
        return (f"{self.label} (sentence {_days(sentence)}, suspended {_days(suspended)})")

    def spec(self) -> dict[str, Any]:
        return {"time_to_serve_at_least": self.days}


def _days(value: int | None) -> str:
    return "unknown" if value is None else f"{value} days"


class AssessedAfter(Leaf):
    """The assessment date is after a cut-off: nothing dated after the assessment date
    can have happened yet, so an unknown entry cannot be after a later cut-off."""

    def __init__(self, cutoff: Cutoff, label: str = ""):
        super().__init__()
        self.cutoff = cutoff
        self.label = label or f"assessed after {cutoff.date.isoformat()}"

    def test(self, env: Env, values: tuple[Any, ...]) -> Tri:
        return env.as_of > self.cutoff.at(env)

    def spec(self) -> dict[str, Any]:
        return {"assessed_after": self.cutoff.date.isoformat()}


class Const(Leaf):
    """A fixed truth value, e.g. unknown where the law leaves a question open."""

    def __init__(self, value: Tri, label: str):
        super().__init__()
        self.value, self.label = value, label

    def test(self, env: Env, values: tuple[Any, ...]) -> Tri:
        return self.value

    def spec(self) -> dict[str, Any]:
        return {"const": show(self.value)}


# -- combinations --------------------------------------------------------------------------

class All(Node):
    def __init__(self, *nodes: Node, label: str = "all of"):
        super().__init__()
        self.nodes, self.label = nodes, label

    def eval(self, env: Env) -> Tri:
        unknown = False
        for node in self.nodes:
            value = node.eval(env)
            if value is False:
                return False
            if value is None:
                unknown = True
        return None if unknown else True

    def trace(self, env: Env) -> Trace:
        # Stops at the first false condition: the explanation shows what decided it.
        kids = []
        value: Tri = True
        for node in self.nodes:
            kid = node.trace(env)
            kids.append(kid)
            if kid.value is False:
                value = False
                break
            if kid.value is None:
                value = None
        return Trace(self, value, kids, env.conv_index)

    def children(self) -> tuple[Node, ...]:
        return self.nodes

    def possible(self, env: Env, free: Free) -> int:
        out = T
        for node in self.nodes:
            out = AND_MASK[out][node.possible(env, free)]
        return out

    def spec(self) -> dict[str, Any]:
        return {"all": [n.spec() for n in self.nodes]}


class AnyOf(Node):
    def __init__(self, *nodes: Node, label: str = "any of"):
        super().__init__()
        self.nodes, self.label = nodes, label

    def eval(self, env: Env) -> Tri:
        unknown = False
        for node in self.nodes:
            value = node.eval(env)
            if value is True:
                return True
            if value is None:
                unknown = True
        return None if unknown else False

    def trace(self, env: Env) -> Trace:
        # Stops at the first true condition: the explanation shows what decided it.
        kids = []
        value: Tri = False
        for node in self.nodes:
            kid = node.trace(env)
            kids.append(kid)
            if kid.value is True:
                value = True
                break
            if kid.value is None:
                value = None
        return Trace(self, value, kids, env.conv_index)

    def children(self) -> tuple[Node, ...]:
        return self.nodes

    def possible(self, env: Env, free: Free) -> int:
        out = F
        for node in self.nodes:
            out = OR_MASK[out][node.possible(env, free)]
        return out

    def spec(self) -> dict[str, Any]:
        return {"any": [n.spec() for n in self.nodes]}


class Not(Node):
    def __init__(self, node: Node, label: str = ""):
        super().__init__()
        self.node = node
        self.label = label or f"not: {node.label}"

    def eval(self, env: Env) -> Tri:
        value = self.node.eval(env)
        return None if value is None else not value

    def trace(self, env: Env) -> Trace:
        kid = self.node.trace(env)
        return Trace(self, None if kid.value is None else not kid.value, [kid], env.conv_index)

    def children(self) -> tuple[Node, ...]:
        return (self.node,)

    def possible(self, env: Env, free: Free) -> int:
        return not_mask(self.node.possible(env, free))

    def spec(self) -> dict[str, Any]:
        return {"not": self.node.spec()}


class IfKnown(Node):
    """Use ``then`` when ``fact`` is known, ``otherwise`` when it is not.

    For facts that are only evidence of something else: an explicit date of
    continuous presence settles the question; without one, the entries and
    removals may still show an absence.
    """

    def __init__(self, fact: str, then: Node, otherwise: Node, label: str):
        super().__init__()
        if fact not in FACTS:
            raise ValueError(f"unknown fact {fact!r}")
        self.fact, self.then, self.otherwise, self.label = fact, then, otherwise, label
        self.on_conviction = FACTS[fact].level == "conviction"

    def _pick(self, env: Env) -> Node:
        source = env.conv if self.on_conviction else env.row
        return self.then if source[self.fact] is not None else self.otherwise

    def eval(self, env: Env) -> Tri:
        return self._pick(env).eval(env)

    def trace(self, env: Env) -> Trace:
        kid = self._pick(env).trace(env)
        return Trace(self, kid.value, [kid], env.conv_index)

    def children(self) -> tuple[Node, ...]:
        return (self.then, self.otherwise)

    def possible(self, env: Env, free: Free) -> int:
        source = env.conv if self.on_conviction else env.row
        if source[self.fact] is not None or _path(self.fact, env.conv_index) in free:
            return self.then.possible(env, free)
        return self.otherwise.possible(env, free)

    def spec(self) -> dict[str, Any]:
        return {"if_known": self.fact, "then": self.then.spec(), "else": self.otherwise.spec()}


class Branch(Node):
    """``then`` where ``test`` is true, ``otherwise`` where it is false.

    Used where one fact switches how a question is answered: categories asserted by
    legal review replace those derived from the offence tables. An unknown test
    still decides when both branches agree.
    """

    def __init__(self, test: Node, then: Node, otherwise: Node, label: str):
        super().__init__()
        self.test, self.then, self.otherwise, self.label = test, then, otherwise, label

    @staticmethod
    def _mux(t: Tri, o: Tri) -> Tri:
        return t if t == o else None

    def eval(self, env: Env) -> Tri:
        test = self.test.eval(env)
        if test is None:
            return self._mux(self.then.eval(env), self.otherwise.eval(env))
        return (self.then if test else self.otherwise).eval(env)

    def trace(self, env: Env) -> Trace:
        test = self.test.trace(env)
        if test.value is None:
            kids = [test, self.then.trace(env), self.otherwise.trace(env)]
            value = self._mux(kids[1].value, kids[2].value)
        else:
            kids = [test, (self.then if test.value else self.otherwise).trace(env)]
            value = kids[1].value
        return Trace(self, value, kids, env.conv_index)

    def possible(self, env: Env, free: Free) -> int:
        test = self.test.possible(env, free)
        out = 0
        if test & T:
            out |= self.then.possible(env, free)
        if test & F:
            out |= self.otherwise.possible(env, free)
        if test & U:
            out |= U | (self.then.possible(env, free) & self.otherwise.possible(env, free))
        return out

    def children(self) -> tuple[Node, ...]:
        return (self.test, self.then, self.otherwise)

    def spec(self) -> dict[str, Any]:
        return {"if": self.test.spec(), "then": self.then.spec(), "else": self.otherwise.spec()}


class Named(Node):
    """A named condition: a clause of a memo (with its citation) or a shared definition."""

    def __init__(self, node: Node, label: str, *, id: str = "", citation: str = "",
                 note: str = ""):
        super().__init__()
        self.node, self.label, self.id, self.citation, self.note = node, label, id, citation, note

    def eval(self, env: Env) -> Tri:
        return self.node.eval(env)

    def trace(self, env: Env) -> Trace:
        kid = self.node.trace(env)
        return Trace(self, kid.value, [kid], env.conv_index)

    def children(self) -> tuple[Node, ...]:
        return (self.node,)

    @functools.cached_property
    def templates(self) -> frozenset[str]:
        """Which case-file fields (conviction index removed) this condition reads."""
        out: set[str] = set()
        for node in self.walk():
            if isinstance(node, Leaf):
                out.update(FACTS[f].path for f in node.facts)
            elif isinstance(node, IfKnown):
                out.add(FACTS[node.fact].path)
            elif isinstance(node, AnyConviction | IncidentsAtLeast):
                out.add(CONVICTIONS)
                if isinstance(node, IncidentsAtLeast):
                    out.add(FACTS["incident"].path)
        return frozenset(out)

    def possible(self, env: Env, free: Free) -> int:
        # A condition reading none of the free fields keeps its value; one shared between
        # rungs (and policies) is computed once per check.
        if not self.templates & env.free_templates:
            return mask(self.node.eval(env))
        key = (self.uid, env.conv_index)
        found = env.memo.get(key)
        if found is None:
            found = env.memo[key] = self.node.possible(env, free)
        return found

    def annotate(self, out: dict[str, Any]) -> None:
        if self.id:
            out["id"] = self.id
        if self.citation:
            out["citation"] = self.citation
        if self.note:
            out["note"] = self.note

    def spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"named": self.label, "rule": self.node.spec()}
        for key in ("id", "citation", "note"):
            if getattr(self, key):
                spec[key] = getattr(self, key)
        return spec


def clause(id: str, label: str, citation: str, node: Node, note: str = "") -> Named:
    """A clause of a memo: an id, a one-line paraphrase, its citation, and the rule."""
    return Named(node, label, id=id, citation=citation, note=note)


# -- quantifiers over convictions --------------------------------------------------------

def _separate(items: list[tuple[str | None, None]]) -> int:
    """Incidents counted as many as they can be: each unknown id its own incident."""
    return len({inc for inc, _ in items if inc is not None}) + sum(1 for inc, _ in items
                                                                   if inc is None)


def _merged(incidents: list[str | None]) -> int:
    """Incidents counted as few as they can be: unknown ids join an identified one."""
    known = {inc for inc in incidents if inc is not None}
    return len(known) if known else min(1, len(incidents))


class AnyConviction(Node):
    """Some conviction satisfies ``pred``. An unknown list of convictions is unknown."""

    def __init__(self, pred: Node, label: str):
        super().__init__()
        self.pred, self.label = pred, label

    def eval(self, env: Env) -> Tri:
        unknown = env.row["conviction_count"] is None
        for i, conv in enumerate(env.convictions):
            env.conv, env.conv_index = conv, i
            value = self.pred.eval(env)
            if value is True:
                env.conv_index = -1
                return True
            if value is None:
                unknown = True
        env.conv_index = -1
        return None if unknown else False

    def trace(self, env: Env) -> Trace:
        kids = []
        for i, conv in enumerate(env.convictions):
            env.conv, env.conv_index = conv, i
            kids.append(self.pred.trace(env))
        env.conv_index = -1
        values = [k.value for k in kids]
        if True in values:
            value: Tri = True
        elif None in values or env.row["conviction_count"] is None:
            value = None
        else:
            value = False
        return Trace(self, value, kids)

    def describe(self, trace: Trace) -> str:
        if not trace.children:
            return f"{self.label} (no convictions{' known' if trace.value is None else ''})"
        return self.label

    def children(self) -> tuple[Node, ...]:
        return (self.pred,)

    def implicit_paths(self, env: Env) -> set[str]:
        return {CONVICTIONS} if env.row["conviction_count"] is None else set()

    def possible(self, env: Env, free: Free) -> int:
        if env.row["conviction_count"] is None and CONVICTIONS in free:
            return T | F  # learning the list means learning the convictions and their details
        out = U if env.row["conviction_count"] is None else F
        for i, conv in enumerate(env.convictions):
            env.conv, env.conv_index = conv, i
            out = OR_MASK[out][self.pred.possible(env, free)]
        env.conv_index = -1
        return out

    def spec(self) -> dict[str, Any]:
        return {"any_conviction": self.pred.spec()}


class IncidentsAtLeast(Node):
    """Convictions satisfying ``pred`` arose from at least ``n`` separate incidents.

    Convictions sharing an ``incident`` id arose from one incident and different ids
    are different incidents. A conviction without an id may be its own incident or
    part of another: the lower bound counts it only if no identified incident does,
    the upper bound counts it as separate.
    """

    def __init__(self, pred: Node, n: int, label: str):
        super().__init__()
        self.pred, self.n, self.label = pred, n, label

    def _bounds(self, values: list[tuple[Tri, str | None]], list_known: bool) -> Tri:
        sure = len({inc for v, inc in values if v is True and inc is not None})
        if sure == 0 and any(v is True for v, _ in values):
            sure = 1
        maybe = len({inc for v, inc in values if v is not False and inc is not None}) + sum(
            1 for v, inc in values if v is not False and inc is None)
        if sure >= self.n:
            return True
        if list_known and maybe < self.n:
            return False
        return None

    def _collect(self, env: Env, fn: Callable[[Env], Any]) -> list[Any]:
        out = []
        for i, conv in enumerate(env.convictions):
            env.conv, env.conv_index = conv, i
            out.append(fn(env))
        env.conv_index = -1
        return out

    def eval(self, env: Env) -> Tri:
        values = self._collect(env, lambda e: (self.pred.eval(e), e.conv["incident"]))
        return self._bounds(values, env.row["conviction_count"] is not None)

    def trace(self, env: Env) -> Trace:
        kids = self._collect(env, self.pred.trace)
        values = [(k.value, env.convictions[k.index]["incident"]) for k in kids]
        value = self._bounds(values, env.row["conviction_count"] is not None)
        return Trace(self, value, kids)

    def describe(self, trace: Trace) -> str:
        return f"{self.label} (incident ids known: see each conviction)"

    def children(self) -> tuple[Node, ...]:
        return (self.pred,)

    def implicit_paths(self, env: Env) -> set[str]:
        out = {CONVICTIONS} if env.row["conviction_count"] is None else set()
        return out | {_path("incident", i) for i, conv in enumerate(env.convictions)
                      if conv["incident"] is None}

    def possible(self, env: Env, free: Free) -> int:
        if env.row["conviction_count"] is None and CONVICTIONS in free:
            return T | F
        rows = self._collect(env, lambda e: (self.pred.possible(e, free), e.conv["incident"],
                                             _path("incident", e.conv_index) in free))
        known = env.row["conviction_count"] is not None
        # Incidents learnt (free) may turn out to be anything: count them at their worst
        # for each bound; incidents not learnt stay unknown.
        max_sure = _separate([(inc, None) for m, inc, _ in rows if m & T])
        min_sure = _merged([inc for m, inc, _ in rows if m == T])
        min_maybe = _merged([inc for m, inc, _ in rows if not m & F])
        max_maybe = _separate([(inc, None) for m, inc, _ in rows if m & (T | U)])
        out = T if max_sure >= self.n else 0
        if known and min_maybe < self.n:
            out |= F
        open_ = not known or any(m & U or (inc is None and not learnt) for m, inc, learnt in rows)
        if open_ and min_sure < self.n and (not known or max_maybe >= self.n):
            out |= U
        return out

    def spec(self) -> dict[str, Any]:
        return {"incidents_at_least": self.n, "of": self.pred.spec()}
