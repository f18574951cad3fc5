"""The RFC 6962 tree against published test vectors.

Vectors: the RFC 6962 reference leaves, roots and proofs used by Certificate Transparency's
Go implementation, as kept in transparency-dev/merkle ``proof/verify_test.go`` (leaves,
``roots``, ``inclusionProofs``, ``consistencyProofs``) and ``proof/proof_test.go`` (which
nodes each proof contains, for trees of size 7 and more).
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from discretion.audit import merkle
from discretion.audit.leaf import GENESIS, canonical, entry

LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
ROOTS = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]
# (leaf index, tree size, proof)
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (0, 1, []),
]
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]
HASHES = [merkle.leaf_hash(x) for x in LEAVES]


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert merkle.root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize("size", range(1, 9))
def test_roots(size: int) -> None:
    assert merkle.root(HASHES[:size]) == ROOTS[size - 1]
    frontier = merkle.Frontier()
    for h in HASHES[:size]:
        frontier.append(h)
    assert frontier.root() == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs(index: int, size: int, proof: list[str]) -> None:
    want = [bytes.fromhex(p) for p in proof]
    assert merkle.tree_of(HASHES).inclusion(index, size) == want
    assert merkle.verify_inclusion(index, size, HASHES[index], want, ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs(old: int, new: int, proof: list[str]) -> None:
    want = [bytes.fromhex(p) for p in proof]
    assert merkle.tree_of(HASHES).consistency(old, new) == want
    assert merkle.verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], want)


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION[:4])
def test_corrupted_inclusion_proofs_fail(index: int, size: int, proof: list[str]) -> None:
    good = [bytes.fromhex(p) for p in proof]
    root, leaf = ROOTS[size - 1], HASHES[index]
    bad_cases = [
        (index + 1, size, leaf, good, root), (index, size * 2, leaf, good, root),
        (index, size, merkle.leaf_hash(b"wrong"), good, root),
        (index, size, leaf, good, merkle.EMPTY_ROOT), (index, size, leaf, [*good, root], root),
        (index, size, leaf, [root, *good], root), (index, size, leaf, good[:-1], root),
    ]
    for i in range(len(good)):
        flipped = list(good)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        bad_cases.append((index, size, leaf, flipped, root))
    for args in bad_cases:
        assert not merkle.verify_inclusion(*args), args


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY[1:])
def test_corrupted_consistency_proofs_fail(old: int, new: int, proof: list[str]) -> None:
    good = [bytes.fromhex(p) for p in proof]
    r1, r2 = ROOTS[old - 1], ROOTS[new - 1]
    bad_cases = [(old, new, r2, r1, good), (old, new, r1, r2, []), (old, new, r1, r2, good[:-1]),
                 (old, new, r1, r2, [*good, r1]), (old, new, r1, r2, [r1, *good]),
                 (old - 1, new, r1, r2, good), (old, new * 2, r1, r2, good)]
    for i in range(len(good)):
        flipped = list(good)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        bad_cases.append((old, new, r1, r2, flipped))
    for args in bad_cases:
        assert not merkle.verify_consistency(*args), args


@given(st.integers(min_value=1, max_value=300), st.data())
def test_every_proof_verifies_for_any_size(n: int, data: st.DataObject) -> None:
    hashes = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(n)]
    tree = merkle.tree_of(hashes)
    index = data.draw(st.integers(0, n - 1))
    size = data.draw(st.integers(index + 1, n))
    root = merkle.root(hashes[:size])
    assert tree.subtree(0, size) == root
    assert merkle.verify_inclusion(index, size, hashes[index], tree.inclusion(index, size), root)
    old = data.draw(st.integers(1, size))
    assert merkle.verify_consistency(old, size, merkle.root(hashes[:old]), root,
                                     tree.consistency(old, size))
    frontier = merkle.Frontier()
    for i, h in enumerate(hashes[:size]):
        path = frontier.append(h)
        assert path == tree.inclusion(i, i + 1)
    assert frontier.root() == root


def test_leaf_bytes_are_the_canonical_json_of_the_event() -> None:
    payload = canonical({"request": 7, "note": "café \"quoted\"\n"})
    built = entry(3, "2026-01-01T00:00:00.000000Z", "ofc.garcia", "request.submitted", "request/7",
                  payload, GENESIS)
    assert built == canonical({
        "seq": 3, "time": "2026-01-01T00:00:00.000000Z", "actor": "ofc.garcia",
        "kind": "request.submitted", "subject": "request/7",
        "payload_sha256": hashlib.sha256(payload.encode()).hexdigest(), "prev": "0" * 64,
    }).encode()


def test_proofs_over_a_large_log_keep_the_cache_small_and_the_fetches_few() -> None:
    """A server serves proofs for months: the subtree cache must grow with the log's
    size / 128, not with the proofs served (it did, ~7 entries per proof), and a proof
    costs one fetch for its bottom levels, not one per level."""
    n = 20_000
    hashes = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(n)]
    fetches = []

    def fetch(lo: int, hi: int) -> list[bytes]:
        fetches.append((lo, hi))
        return hashes[lo:hi]
    tree = merkle.Tree(fetch)
    for i in range(2000):
        size = 1 + (i * 7919) % n
        index = (i * 104729) % size
        fetches.clear()
        proof = tree.inclusion(index, size)
        assert merkle.verify_inclusion(index, size, hashes[index], proof, merkle.root(hashes[:size]))
        # blocks of LOCAL leaves are fetched once to build the cached subtrees above them;
        # smaller ranges only for the path's bottom and the tree's ragged right edge
        assert sum(1 for lo, hi in fetches if hi - lo < merkle.LOCAL) <= 2
    assert len(tree.cache) <= 2 * n // merkle.LOCAL
    assert all(hi - lo >= merkle.LOCAL for lo, hi in tree.cache)
