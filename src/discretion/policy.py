"""A policy: its documents, dates, and an ordered ladder of outcomes.

A ladder reads like the memo: "Priority 1 if ...; otherwise Priority 2 if ...;
otherwise, outside the priorities, an FOD must approve". The first rung whose
condition is true decides. While an earlier rung is unknown, every rung that is
still reachable is *possible*; the decision is made when all possible rungs agree.
That rule is monotone: learning a fact can only remove possibilities.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .logic import Tri
from .rules import Node

Enforcement = Literal["permitted", "approval_required", "judgement", "undetermined"]
ENFORCEMENTS: tuple[Enforcement, ...] = ("permitted", "approval_required", "judgement",
                                         "undetermined")
Confidence = Literal["V", "S", "M"]
CONFIDENCE_WORDS = {
    "V": "verified against the text or a near-verbatim reproduction",
    "S": "from a secondary summary; the primary text was not seen",
    "M": "from memory of the primary text; awaits the primary text",
}


@dataclass(frozen=True)
class Document:
    """A source document: what it is, who issued it, and where the primary text lives."""

    title: str
    issuer: str
    date: dt.date
    reference: str

    def spec(self) -> dict[str, Any]:
        return {"title": self.title, "issuer": self.issuer, "date": self.date.isoformat(),
                "reference": self.reference}


@dataclass(frozen=True)
class Category:
    """One of the policy's own priority categories."""

    id: str
    label: str
    rank: int
    citation: str
    exception: str = ""

    def spec(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "label": self.label, "rank": self.rank,
                               "citation": self.citation}
        if self.exception:
            out["exception"] = self.exception
        return out


@dataclass(frozen=True)
class Approval:
    """Who must approve an action outside the priorities, on what standard."""

    role: str
    who: str
    standard: str
    citation: str

    def spec(self) -> dict[str, Any]:
        return {"role": self.role, "who": self.who, "standard": self.standard,
                "citation": self.citation}


@dataclass(frozen=True)
class Factor:
    """A consideration a totality or threat assessment weighs."""

    id: str
    label: str
    side: Literal["aggravating", "mitigating"]
    citation: str

    def spec(self) -> dict[str, Any]:
        return dict(self._spec)

    @functools.cached_property
    def _spec(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "side": self.side, "citation": self.citation}


@dataclass(frozen=True)
class Judgement:
    """What a person must still assess: the determination, who makes it, and the test."""

    determination: str
    who: str
    test: str
    citation: str
    factors: tuple[Factor, ...] = ()

    def spec(self) -> dict[str, Any]:
        return {"determination": self.determination, "who": self.who, "test": self.test,
                "citation": self.citation, "factors": [f.spec() for f in self.factors]}


@dataclass(frozen=True)
class Rung:
    """One outcome of the ladder and the condition that leads to it."""

    id: str
    when: Node
    enforcement: Enforcement
    label: str
    citation: str
    priority: Category | None = None
    approval: Approval | None = None
    judgement: Judgement | None = None
    note: str = ""

    @property
    def key(self) -> tuple[str, str | None]:
        """What the decision reports: two rungs with one key are one outcome."""
        return self.enforcement, self.priority.id if self.priority else None

    def spec(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "label": self.label, "enforcement": self.enforcement,
                               "citation": self.citation, "when": self.when.spec()}
        for name in ("priority", "approval", "judgement"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value.spec()
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Policy:
    """One encoded source document (or a set read together), with its ladder."""

    id: str
    title: str
    summary: str
    documents: tuple[Document, ...]
    issued: dt.date
    effective: dt.date
    ladder: tuple[Rung, ...]
    otherwise: Rung
    notes: tuple[str, ...] = ()
    factors: tuple[Factor, ...] = ()
    hash: str = field(init=False, default="")

    def __post_init__(self) -> None:
        ids = [r.id for r in (*self.ladder, self.otherwise)]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.id}: rung ids repeat: {ids}")
        digest = hashlib.sha256(json.dumps(self.spec(), sort_keys=True).encode()).hexdigest()
        object.__setattr__(self, "hash", "sha256:" + digest)

    @property
    def rungs(self) -> tuple[Rung, ...]:
        return (*self.ladder, self.otherwise)

    @functools.cached_property
    def categories(self) -> tuple[Category, ...]:
        seen: dict[str, Category] = {}
        for rung in self.rungs:
            if rung.priority is not None:
                seen.setdefault(rung.priority.id, rung.priority)
        return tuple(seen.values())

    def spec(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "summary": self.summary,
            "documents": [d.spec() for d in self.documents],
            "issued": self.issued.isoformat(), "effective": self.effective.isoformat(),
            "ladder": [r.spec() for r in self.ladder], "otherwise": self.otherwise.spec(),
            "notes": list(self.notes), "factors": [f.spec() for f in self.factors],
        }

    # -- the ladder's semantics: one definition for both evaluators -----------------------

    @functools.cached_property
    def ranked(self) -> bool:
        return len({c.rank for c in self.categories}) > 1

    def key(self, rung: Rung) -> tuple[str, str | None]:
        """Two rungs give one answer when enforcement and (for ranked policies) priority
        agree. Unranked priorities (the 2021 memos, EO 13768) all mean "a priority", so a
        person certainly in one is a priority whether or not they are also in another."""
        enforcement, priority = rung.key
        if priority is not None and not self.ranked:
            priority = "priority"
        return enforcement, priority

    def possible(self, values: Sequence[Tri]) -> list[Rung]:
        """The rungs still possible given each ladder rung's truth value: every rung not
        false up to the first true one; the default rung if no rung is true."""
        out = []
        for rung, value in zip(self.ladder, values, strict=False):
            if value is not False:
                out.append(rung)
            if value is True:
                return out
        return [*out, self.otherwise]

    def outcome(self, possible: Sequence[Rung]) -> tuple[Enforcement, Category | None, Rung | None]:
        """Enforcement, priority and deciding rung: decided when all possible rungs agree;
        the enforcement alone when they agree on it; otherwise undetermined."""
        decided = possible[-1]
        if len({self.key(r) for r in possible}) == 1:
            return decided.enforcement, decided.priority, decided
        if len({r.enforcement for r in possible}) == 1:
            return decided.enforcement, None, None
        return "undetermined", None, None

    def rung(self, rung_id: str) -> Rung:
        for rung in self.rungs:
            if rung.id == rung_id:
                return rung
        raise KeyError(rung_id)
