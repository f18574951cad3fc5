"""Structure of every encoded policy: citations everywhere, stable content hashes."""

from __future__ import annotations

import re

from discretion import policies
from discretion.rules import Named

CONFIDENCE = re.compile(r"\[(V|S|M|NF)[\]:; ]")


def clauses(policy: policies.Policy) -> list[Named]:
    out = []
    for rung in policy.rungs:
        out += [n for n in rung.when.walk() if isinstance(n, Named) and n.id]
    return out


def test_every_clause_and_rung_carries_a_citation_with_confidence() -> None:
    for policy in policies.POLICIES.values():
        for rung in policy.rungs:
            assert CONFIDENCE.search(rung.citation), (policy.id, rung.id, rung.citation)
        for node in clauses(policy):
            assert CONFIDENCE.search(node.citation), (policy.id, node.id)


def test_clause_ids_are_unique_per_policy() -> None:
    for policy in policies.POLICIES.values():
        distinct = {n.uid: n.id for n in clauses(policy)}  # a shared clause may appear twice
        ids = list(distinct.values())
        assert len(ids) == len(set(ids)), policy.id


def test_hash_is_stable_and_content_addressed() -> None:
    p = policies.get("dhs-2021-09-30")
    assert p.hash == policies.get("dhs-2021-09-30").hash
    assert len({q.hash for q in policies.STATES.values()}) == len(policies.STATES)


def test_every_policy_has_documents_and_judgement_notes() -> None:
    for policy in policies.POLICIES.values():
        assert policy.documents and policy.notes
        assert policy.effective >= policy.issued


def test_policies_have_the_agreed_ids() -> None:
    assert list(policies.POLICIES) == ["dhs-2014-11-20", "dhs-2017-02-20", "dhs-2021-01-20",
                                       "ice-2021-02-18", "dhs-2021-09-30", "eo-2025-01-20"]


def test_docs_reference_is_current() -> None:
    from pathlib import Path

    from discretion.reference import markdown

    doc = Path(__file__).resolve().parent.parent / "docs" / "policies.md"
    assert doc.read_text() == markdown(), "regenerate: discretion policies -f markdown > docs/policies.md"
