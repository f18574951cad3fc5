"""Decide one case under one policy on one date, and explain the decision.

``decide`` walks the policy's ladder (see :mod:`discretion.policy`), records a trace
of every clause it evaluated, and, when the outcome hangs on unknown facts, searches
for the smallest sets of facts that would settle it (:func:`missing_facts`).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from dataclasses import dataclass, field
from typing import Any

from . import policies
from .cases import Case
from .factors import find_factors
from .facts import FACTS, Record, read_case
from .logic import Tri, show
from .offences import classify
from .policy import Category, Policy, Rung
from .rules import AnyConviction, Env, F, IncidentsAtLeast, Leaf, Node, T, Trace, U, template

MAX_SET_SIZE = 3
MAX_CHECKS = 3000


@dataclass
class RungResult:
    rung: Rung
    value: Tri
    trace: Trace


@dataclass
class Decision:
    """A decision in the common vocabulary, with everything needed to explain it."""

    case_id: str
    policy: Policy
    date: dt.date
    enforcement: str
    priority: Category | None
    rung: Rung | None
    possible: list[Rung]
    results: list[RungResult]
    missing: list[list[str]] = field(default_factory=list)
    factors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    record: Record | None = None
    consequences: dict[str, tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=dict)

    @property
    def approval(self) -> dict[str, Any] | None:
        rung = self.rung
        if self.enforcement == "approval_required" and rung is not None and rung.approval:
            return rung.approval.spec()
        return None

    @property
    def judgements(self) -> list[dict[str, Any]]:
        """The determinations a person must make, with what each answer would lead to."""
        seen: dict[str, dict[str, Any]] = {}
        for rung in self.possible:
            if rung.judgement is not None:
                spec = rung.judgement.spec()
                spec.pop("factors", None)
                name = rung.judgement.determination
                entry = {**spec, "rung": rung.id}
                if name in self.consequences:
                    entry["if_found"], entry["if_not_found"] = self.consequences[name]
                seen.setdefault(name, entry)
        return list(seen.values())

    def explanation(self) -> dict[str, Any]:
        children = []
        for result in self.results:
            entry: dict[str, Any] = {
                "label": result.rung.label, "id": result.rung.id, "value": show(result.value),
                "citation": result.rung.citation, "enforcement": result.rung.enforcement,
                "children": [result.trace.to_dict()],
            }
            if result.rung.note:
                entry["note"] = result.rung.note
            children.append(entry)
        return {"label": f"{self.policy.title}, assessed on {self.date.isoformat()}",
                "policy": self.policy.id, "outcome": self.enforcement, "children": children}

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case_id,
            "enforcement": self.enforcement,
            "priority": self.priority.spec() if self.priority else None,
            "approval": self.approval,
            "judgement": self.judgements,
            "missing_facts": [[_fact_entry(p) for p in group] for group in self.missing],
            "factors": self.factors,
            "possible": [{"rung": r.id, "enforcement": r.enforcement,
                          "priority": r.priority.id if r.priority else None}
                         for r in self.possible],
            "policy": {"id": self.policy.id, "title": self.policy.title,
                       "hash": self.policy.hash, "date": self.date.isoformat()},
            "convictions": conviction_bases(self.record),
            "warnings": self.warnings,
            "explanation": self.explanation(),
        }


def _fact_entry(path: str) -> dict[str, str]:
    general = template(path)
    meanings = sorted({f.meaning for f in FACTS.values() if f.path == general})
    return {"path": path, "meaning": "; ".join(meanings)}


def conviction_bases(record: Record | None) -> list[dict[str, Any]]:
    """How each conviction was classified: the source and its basis."""
    if record is None or record.case is None:
        return []
    out = []
    for i, conviction in enumerate(record.case.convictions or ()):
        c = classify(conviction)
        out.append({"index": i, "source": c.source, "basis": c.basis,
                    "categories": {k: v for k, v in c.known().items() if v},
                    "unknown_categories": sorted(k for k, v in c.values.items() if v is None)})
    return out


# -- the ladder -------------------------------------------------------------------------

def _key(policy: Policy, rung: Rung) -> tuple[str, str | None]:
    return policy.key(rung)


def _walk(policy: Policy, env: Env) -> tuple[list[RungResult], list[Rung]]:
    """Trace each rung until one is true (later rungs cannot matter)."""
    results: list[RungResult] = []
    for rung in policy.ladder:
        trace = rung.when.trace(env)
        results.append(RungResult(rung, trace.value, trace))
        if trace.value is True:
            break
    else:
        results.append(RungResult(policy.otherwise, True, policy.otherwise.when.trace(env)))
    return results, policy.possible([r.value for r in results])


# -- missing facts ------------------------------------------------------------------------

@functools.cache
def _leaves(rung: Rung) -> tuple[Leaf, ...]:
    return tuple({leaf.uid: leaf for leaf in rung.when.leaves()}.values())


@functools.cache
def _quantifiers(rung: Rung) -> tuple[Node, ...]:
    return tuple({n.uid: n for n in rung.when.walk()
                  if isinstance(n, AnyConviction | IncidentsAtLeast)}.values())


def _unknown_paths(rung: Rung, env: Env) -> set[str]:
    """Paths of the case file whose facts some unknown leaf (or quantifier) of the rung reads."""
    paths: set[str] = set()
    for node in _quantifiers(rung):
        paths |= node.implicit_paths(env)
    for leaf in _leaves(rung):
        if not leaf.facts:
            continue
        for index in range(len(env.convictions)) if leaf.on_conviction else (-1,):
            env.conv = env.convictions[index] if index >= 0 else {}
            env.conv_index = index
            if leaf.eval(env) is None:
                paths.update(leaf.unknown_paths(env))
    env.conv_index = -1
    return paths


class _Search:
    """Possible-value masks of each rung, recomputed only for rungs a set of paths touches."""

    def __init__(self, policy: Policy, env: Env):
        self.policy, self.env = policy, env
        self.rung_paths = [frozenset(_unknown_paths(r, env)) for r in policy.ladder]
        env.start_check(frozenset())
        self.base = [r.when.possible(env, frozenset()) for r in policy.ladder]
        self._memo: dict[tuple[int, frozenset[str]], int] = {}

    def masks(self, free: frozenset[str]) -> list[int]:
        """Each rung's mask depends only on the free paths it reads: computed once each."""
        out = []
        for k, (rung, paths, base) in enumerate(zip(self.policy.ladder, self.rung_paths,
                                                    self.base, strict=True)):
            mine = paths & free
            if not mine:
                out.append(base)
                continue
            key = (k, mine)
            if key not in self._memo:
                self.env.start_check(mine)
                self._memo[key] = rung.when.possible(self.env, mine)
            out.append(self._memo[key])
        return out

    def settled(self, free: frozenset[str]) -> bool:
        """Whether, once ``free`` is known, every completion is decided (not necessarily
        the same way).

        A completion is undecided when some rung stays unknown while a later rung with a
        different answer is still reachable. Rung values are drawn from each rung's mask
        independently, which can only over-report undecided completions: a set reported
        as settling surely does.
        """
        policy = self.policy
        rungs = [*policy.ladder, policy.otherwise]
        masks = [*self.masks(free), T]
        keys = [_key(policy, r) for r in rungs]
        can_pass = [bool(m & (F | U)) for m in masks]
        for i, m in enumerate(masks):
            if m & U and self._differs_later(i, keys, masks, can_pass):
                return False
            if not can_pass[i]:
                return True  # this rung is surely true: nothing after it is reachable
        return True

    @staticmethod
    def _differs_later(i: int, keys: list[tuple[str, str | None]], masks: list[int],
                       can_pass: list[bool]) -> bool:
        """A rung after ``i`` with another answer is reachable while ``i`` is unknown."""
        for k in range(i + 1, len(masks)):
            if masks[k] & (T | U) and keys[k] != keys[i]:
                return True
            if not can_pass[k]:
                return False
        return False


def missing_facts(policy: Policy, env: Env) -> list[list[str]]:
    """The smallest sets of unknown facts (as case-file paths) whose values would settle
    the outcome whatever those values turn out to be, smallest first.

    Sets of up to three are searched with a sound over-approximation (a set is reported
    only if it surely settles the outcome). If none is found, the one set of every unknown
    the open rungs read is returned: once all of them are known, every rung is known.
    """
    search = _Search(policy, env)
    # Only rungs still unknown can change the outcome. (Freeing one path alone may change no
    # rung, as in "(x and y) or z", yet matter together with others: no pre-filter on that.)
    relevant = sorted(set().union(*(paths for paths, base in zip(search.rung_paths, search.base,
                                                                  strict=True) if base & U)))
    found: list[frozenset[str]] = []
    checks = 0
    # Many unknown fields make large sets unlikely to be the smallest and costly to try:
    # search smaller sets only (the fallback below still settles the outcome).
    largest = MAX_SET_SIZE if len(relevant) <= 10 else (2 if len(relevant) <= 18 else 1)
    for size in range(1, min(largest, len(relevant)) + 1):
        for combo in itertools.combinations(relevant, size):
            chosen = frozenset(combo)
            if any(f <= chosen for f in found):
                continue
            checks += 1
            if checks > MAX_CHECKS:
                break
            if search.settled(chosen):
                found.append(chosen)
    if not found and relevant:
        found.append(frozenset(relevant))
    order = {p: i for i, p in enumerate(relevant)}
    return [sorted(f, key=order.__getitem__) for f in found]


# -- entry point -------------------------------------------------------------------------

def decide(subject: Case | Record, policy: Policy | str | None = None,
           date: dt.date | None = None, *, shift_days: int = 0,
           today: dt.date | None = None) -> Decision:
    """Decide ``subject`` under ``policy`` (default: the one in force) on ``date``.

    The date defaults to the case's request date, then today.
    """
    record = subject if isinstance(subject, Record) else read_case(subject)
    day = date or record.request_date or today or dt.date.today()
    chosen = (policies.in_force(day) if policy is None
              else policies.get(policy) if isinstance(policy, str) else policy)
    env = Env(record.row, record.convictions, day, dt.timedelta(days=shift_days))
    results, possible = _walk(chosen, env)
    enforcement, priority, rung = chosen.outcome(possible)
    decision = Decision(record.id, chosen, day, enforcement, priority, rung, possible, results,
                        record=record)
    if rung is None:
        decision.missing = missing_facts(chosen, env)
    if chosen.factors:
        decision.factors = find_factors(record, chosen.factors, day)
    decision.warnings = _warnings(record, chosen, day, shift_days)
    decision.consequences = _consequences(chosen, record, possible, env)
    return decision


def _consequences(policy: Policy, record: Record, possible: list[Rung],
                  env: Env) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """For each determination a possible rung waits on, the outcome if it were recorded as
    found and as not found: what the person's judgement will decide."""
    out: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for rung in possible:
        if rung.judgement is None:
            continue
        fact = f"determination_{rung.judgement.determination}"
        if fact not in FACTS or rung.judgement.determination in out:
            continue
        answers = []
        for value in (True, False):
            row = {**record.row, fact: value}
            trial = Env(row, record.convictions, env.as_of, env.shift)
            values = []
            for step in policy.ladder:
                values.append(step.when.eval(trial))
                if values[-1] is True:
                    break
            enforcement, priority, decided = policy.outcome(policy.possible(values))
            answers.append({"enforcement": enforcement,
                            "priority": priority.id if priority else None,
                            "rung": decided.id if decided else None})
        out[rung.judgement.determination] = (answers[0], answers[1])
    return out


def _warnings(record: Record, policy: Policy, day: dt.date, shift_days: int) -> list[str]:
    out = []
    windows = policies.windows_of(policy.id)
    if shift_days:
        out.append(f"counterfactual: the policy's date cut-offs are moved by {shift_days} days")
    elif windows and not any(w.covers(day) for w in windows):
        out.append(f"{policy.id} was not in force on {day.isoformat()}; it is applied as if it "
                   "were")
    out += _contradictions(record)
    later = _events_after(record, day)
    if later:
        out.append(f"the case records events after the assessment date {day.isoformat()}: "
                   + ", ".join(later) + "; they are taken into account as facts of the case")
    return out


def _contradictions(record: Record) -> list[str]:
    """Facts that cannot all be true; the rules read each as given, so say so."""
    row, out = record.row, []
    since, first = row["continuous_presence_since"], row["first_entry_date"]
    if row["entry_count"] == 0 and since is not None:
        out.append("the case gives a date of continuous presence but lists no entries; the "
                   "entries decide presence before a cut-off")
    elif since is not None and first is not None and since < first:
        out.append(f"continuous presence since {since.isoformat()} starts before the first "
                   f"recorded entry ({first.isoformat()})")
    return out


def _events_after(record: Record, day: dt.date) -> list[str]:
    row = record.row
    events = [("last entry", row["last_entry_date"]), ("apprehension", row["apprehension_date"]),
              ("release", row["release_date"]), ("final order", row["final_order_date"]),
              ("removal", row["last_removal_date"])]
    events += [(f"conviction {i}", c["conviction_date"]) for i, c in enumerate(record.convictions)]
    return [f"{name} {when.isoformat()}" for name, when in events if when is not None and when > day]
