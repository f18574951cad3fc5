"""RFC 6962 Merkle tree hashing, proofs and proof verification (§2.1).

Leaf hash ``H(0x00 ‖ entry)``, node hash ``H(0x01 ‖ left ‖ right)``, SHA-256. The tree of
n leaves splits at k, the largest power of two smaller than n. Building the root bottom
up, carrying an odd last node to the next level unchanged, gives the same tree, and is
how :func:`root` and :func:`levels` compute it without recursion.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def levels(hashes: Sequence[bytes]) -> list[list[bytes]]:
    """Every level of the tree over ``hashes``, leaves first, root last."""
    out = [list(hashes)]
    sha = hashlib.sha256
    level = out[0]
    while len(level) > 1:
        nxt = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        out.append(nxt)
        level = nxt
    return out


def root(hashes: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes (the empty tree's root is SHA-256 of nothing)."""
    if not hashes:
        return EMPTY_ROOT
    return levels(hashes)[-1][0]


LOCAL = 256  # subtrees this small are hashed from one fetch of their leaves, never cached


class Tree:
    """Subtree hashes over a list of leaf hashes, any range, memoised when perfect.

    ``subtree(lo, hi)`` is MTH(D[lo:hi]); proofs need only such ranges. Perfect,
    aligned subtrees never change as the log grows, so they are safe to cache; only those
    of :data:`LOCAL` leaves or more are, about one entry per 128 leaves. Caching the small
    ones too (every proof adds up to seven, rarely read again) grew a long-running
    server's memory with every proof served: 7 MB after 8,000 proofs over 150,000
    entries, found by ``benchmarks/soak.py``.
    """

    def __init__(self, fetch: Callable[[int, int], Sequence[bytes]]):
        self.fetch = fetch
        self.cache: dict[tuple[int, int], bytes] = {}

    def subtree(self, lo: int, hi: int) -> bytes:
        n = hi - lo
        if n == 1:
            return self.fetch(lo, hi)[0]
        cacheable = n >= LOCAL and n & (n - 1) == 0 and lo % n == 0
        if cacheable and (lo, hi) in self.cache:
            return self.cache[(lo, hi)]
        if n <= LOCAL:
            value = root(self.fetch(lo, hi))
        else:
            k = _split(n)
            value = node_hash(self.subtree(lo, lo + k), self.subtree(lo + k, hi))
        if cacheable:
            self.cache[(lo, hi)] = value
        return value

    def inclusion(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[0:size]) of RFC 6962 §2.1.1."""
        if not 0 <= index < size:
            raise ValueError(f"leaf {index} is not in a tree of size {size}")
        return self._path(index, 0, size)

    def _path(self, m: int, lo: int, hi: int) -> list[bytes]:
        n = hi - lo
        if n <= LOCAL:  # the bottom of the path from one fetch, not one per level
            return _local_path(m, self.fetch(lo, hi))
        k = _split(n)
        if m < k:
            return [*self._path(m, lo, lo + k), self.subtree(lo + k, hi)]
        return [*self._path(m - k, lo + k, hi), self.subtree(lo, lo + k)]

    def consistency(self, old: int, new: int) -> list[bytes]:
        """PROOF(old, D[0:new]) of RFC 6962 §2.1.2."""
        if not 0 < old <= new:
            raise ValueError(f"no consistency proof from size {old} to size {new}")
        if old == new:
            return []
        return self._subproof(old, 0, new, True)

    def _subproof(self, m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
        n = hi - lo
        if m == n:
            return [] if whole else [self.subtree(lo, hi)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, lo, lo + k, whole), self.subtree(lo + k, hi)]
        return [*self._subproof(m - k, lo + k, hi, False), self.subtree(lo, lo + k)]


def _local_path(m: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(m, hashes) over leaves in memory."""
    if len(hashes) == 1:
        return []
    k = _split(len(hashes))
    if m < k:
        return [*_local_path(m, hashes[:k]), root(hashes[k:])]
    return [*_local_path(m - k, hashes[k:]), root(hashes[:k])]


def tree_of(hashes: Sequence[bytes]) -> Tree:
    return Tree(lambda lo, hi: hashes[lo:hi])


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to (RFC 9162 §2.1.3.2); raises on a bad shape."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    if len(leaf) != 32 or any(len(p) != 32 for p in proof):
        raise ValueError("hashes must be 32 bytes")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ValueError("proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn & 1 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("proof too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_: bytes) -> bool:
    try:
        return root_from_inclusion(index, size, leaf, proof) == root_
    except ValueError:
        return False


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2 consistency-proof verification."""
    if old > new or old < 0:
        return False
    if old == new:
        return not proof and old_root == new_root
    if old == 0:
        return not proof
    if not proof or any(len(p) != 32 for p in proof):
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # old is a power of two: its root starts the path
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn & 1 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


class Frontier:
    """The compact range [0, size): roots of the perfect subtrees, largest first.

    Appending costs O(log n) hashes and yields the new root, and the receipt of the new
    leaf: its inclusion path in the tree that ends with it, which is the old frontier
    read smallest first.
    """

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()):
        if len(nodes) != size.bit_count():
            raise ValueError("frontier does not match the tree size")
        self.size, self.nodes = size, list(nodes)

    @classmethod
    def decode(cls, size: int, blob: bytes) -> Frontier:
        return cls(size, [blob[i:i + 32] for i in range(0, len(blob), 32)])

    def encode(self) -> bytes:
        return b"".join(self.nodes)

    def append(self, leaf: bytes) -> list[bytes]:
        """Add a leaf hash; returns its inclusion path in the new tree."""
        path = self.nodes[::-1]
        node, size = leaf, self.size
        while size & 1:
            node = node_hash(self.nodes.pop(), node)
            size >>= 1
        self.nodes.append(node)
        self.size += 1
        return path

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        r = self.nodes[-1]
        for node in reversed(self.nodes[:-1]):
            r = node_hash(node, r)
        return r
