"""Kleene's three-valued logic: the laws the engine and SQL both rely on."""

from hypothesis import given
from hypothesis import strategies as st

from discretion.logic import Tri, all3, and3, any3, not3, or3, parse, refines, show

tri = st.sampled_from([True, False, None])


@given(tri, tri)
def test_commutative(a: Tri, b: Tri) -> None:
    assert and3(a, b) == and3(b, a)
    assert or3(a, b) == or3(b, a)


@given(tri, tri, tri)
def test_associative_and_distributive(a: Tri, b: Tri, c: Tri) -> None:
    assert and3(a, and3(b, c)) == and3(and3(a, b), c)
    assert or3(a, or3(b, c)) == or3(or3(a, b), c)
    assert and3(a, or3(b, c)) == or3(and3(a, b), and3(a, c))
    assert or3(a, and3(b, c)) == and3(or3(a, b), or3(a, c))


@given(tri, tri)
def test_de_morgan_and_absorption(a: Tri, b: Tri) -> None:
    assert not3(and3(a, b)) == or3(not3(a), not3(b))
    assert not3(or3(a, b)) == and3(not3(a), not3(b))
    assert and3(a, or3(a, b)) == a
    assert or3(a, and3(a, b)) == a


@given(tri)
def test_identity_double_negation_and_idempotence(a: Tri) -> None:
    assert and3(a, True) == a and or3(a, False) == a
    assert and3(a, False) is False and or3(a, True) is True
    assert not3(not3(a)) == a
    assert and3(a, a) == a and or3(a, a) == a


def test_excluded_middle_fails_for_unknown() -> None:
    # Kleene logic is not classical: "p or not p" is unknown when p is.
    assert or3(None, not3(None)) is None


@given(st.lists(tri, max_size=6), st.lists(tri, max_size=6))
def test_monotone_in_information(xs: list[Tri], fills: list[Tri]) -> None:
    """Replacing unknowns by values never changes a known result."""
    refined = [f if x is None and f is not None else x for x, f in zip(xs, fills + xs, strict=False)]
    for fn in (all3, any3):
        assert refines(fn(xs), fn(refined))


def test_empty_and_show_parse() -> None:
    assert all3([]) is True and any3([]) is False
    for v in (True, False, None):
        assert parse(show(v)) == v
