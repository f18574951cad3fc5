"""Three-valued (Kleene) truth: ``True``, ``False`` and ``None`` for unknown.

Plain Python values keep the explaining evaluator fast and map one-to-one onto
SQL, where NULL is unknown and AND / OR / NOT already follow Kleene's tables.

>>> and3(True, None)
>>> and3(False, None)
False
>>> or3(True, None)
True
>>> not3(None)
>>> show(None)
'unknown'
"""

from __future__ import annotations

from collections.abc import Iterable

Tri = bool | None
"""A truth value: True, False, or None for unknown."""


def not3(x: Tri) -> Tri:
    return None if x is None else not x


def and3(*xs: Tri) -> Tri:
    return all3(xs)


def or3(*xs: Tri) -> Tri:
    return any3(xs)


def all3(xs: Iterable[Tri]) -> Tri:
    """Kleene conjunction: false wins, then unknown, and the empty conjunction is true."""
    unknown = False
    for x in xs:
        if x is False:
            return False
        if x is None:
            unknown = True
    return None if unknown else True


def any3(xs: Iterable[Tri]) -> Tri:
    """Kleene disjunction: true wins, then unknown, and the empty disjunction is false."""
    unknown = False
    for x in xs:
        if x is True:
            return True
        if x is None:
            unknown = True
    return None if unknown else False


def is_known(x: Tri) -> bool:
    return x is not None


def refines(coarse: Tri, fine: Tri) -> bool:
    """True when ``fine`` carries at least the information of ``coarse``.

    The information order: unknown is below both true and false.
    """
    return coarse is None or coarse == fine


def show(x: Tri) -> str:
    return "unknown" if x is None else ("true" if x else "false")


def parse(text: str) -> Tri:
    """Parse ``true`` / ``false`` / ``unknown`` (the words :func:`show` writes)."""
    words = {"true": True, "false": False, "unknown": None}
    key = text.strip().lower()
    if key not in words:
        raise ValueError(f"expected true, false or unknown, got {text!r}")
    return words[key]
