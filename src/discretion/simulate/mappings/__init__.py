"""Project-owned mapping tables: values found in ICE records, and the facts they justify.

Each table is a CSV file beside this module, one row per value, every row with a
``basis`` column saying why (``README.md`` describes each table). The functions here
read the tables once, validate them, and answer one question each: what does this
record value tell us? ``None`` means the table has no row for the value (it is
*unmapped*, and adapters report it); a row whose fact columns are blank means the
value is known and tells nothing.

Offence categories are never written here by hand for NCIC codes or statutes: a row
names the code or statute and the project's own classifier
(:func:`discretion.offences.classify`) gives the categories, so a population and a
single case file classify the same offence the same way.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

from ...cases import CATEGORY_NAMES, Conviction
from ...logic import Tri
from ...offences import DESCRIPTIVE, ELEMENT, INA, classify
from ...offences.classify import ncic_rows

TABLE_FILES: dict[str, str] = {
    "msc": "msc.csv",
    "ncic_categories": "ncic_categories.csv",
    "charge_status": "charge_status.csv",
    "charge_sections": "charge_sections.csv",
    "dispositions": "dispositions.csv",
    "case_categories": "case_categories.csv",
    "arrest_methods": "arrest_methods.csv",
    "admission_classes": "admission_classes.csv",
}
"""Every mapping table, by name."""

MANNERS = ("without_inspection", "inspected", "paroled")
PLACES = ("border", "port_of_entry", "interior")
LEVELS = ("felony", "misdemeanor", "petty")
Stage = Literal["arrest", "removal"]


class MappingError(ValueError):
    """A mapping table row that breaks the table's rules; names the table, row and column."""


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    file: str
    rows: tuple[dict[str, str], ...]
    sha256: str

    def ref(self) -> str:
        return f"{self.file} ({len(self.rows)} rows, sha256 {self.sha256[:12]})"


@functools.cache
def table(name: str) -> Table:
    """One mapping table, read and checked (every row must carry a basis)."""
    file = TABLE_FILES[name]
    data = resources.files(__package__).joinpath(file).read_bytes()
    rows = tuple(csv.DictReader(data.decode("utf-8").splitlines()))
    for i, row in enumerate(rows, start=2):
        if not (row.get("basis") or "").strip():
            raise MappingError(f"{file} line {i}: every row needs a basis")
        if None in row or any(v is None for v in row.values()):
            raise MappingError(f"{file} line {i}: wrong number of fields")
    return Table(name, file, rows, hashlib.sha256(data).hexdigest())


_NON_ALNUM = re.compile(r"[^A-Z0-9]+")


def norm_literal(text: str) -> str:
    """Upper case, runs of anything but letters and digits to one space.

    >>> norm_literal("Aggravated Assault - Weapon")
    'AGGRAVATED ASSAULT WEAPON'
    """
    return _NON_ALNUM.sub(" ", text.upper()).strip()


def norm_code(text: str) -> str:
    """A charge code without spaces, dots or parentheses; case is kept.

    >>> norm_code("237(a)(2)(A)(v)"), norm_code("8 U.S.C. 1324c(a)(2)")
    ('237a2Av', '8USC1324ca2')
    """
    return re.sub(r"[\s().]", "", text)


# -- offence categories --------------------------------------------------------------------

CATEGORY_COLUMNS: tuple[str, ...] = tuple(f"cat_{name}" for name in CATEGORY_NAMES)


@dataclass(frozen=True, slots=True)
class Offence:
    """What one offence value tells: each category's truth value, a level, and why."""

    categories: dict[str, Tri]
    level: str | None
    basis: str
    asserted: bool = False

    def row(self) -> dict[str, Tri]:
        return {f"cat_{k}": self.categories[k] for k in CATEGORY_NAMES}


def _words(text: str, where: str) -> frozenset[str]:
    words = frozenset(text.split())
    unknown = words - set(CATEGORY_NAMES) - {"*"}
    if unknown:
        raise MappingError(f"{where}: unknown categories {sorted(unknown)}")
    return words


def own_categories(yes: str, maybe: str, ina: str, where: str = "") -> dict[str, Tri]:
    """Categories from ``yes``/``maybe``/``ina`` columns, read exactly as the NCIC table is.

    Descriptive and element categories: named in ``yes`` true, in ``maybe`` (or ``*``
    there) unknown, otherwise false. INA categories: false when ``ina`` is ``none``,
    true when named in ``yes``, otherwise unknown.
    """
    yes_w, maybe_w = _words(yes, where), _words(maybe, where)
    values: dict[str, Tri] = {}
    for cat in (*DESCRIPTIVE, *ELEMENT):
        if cat in yes_w:
            values[cat] = True
        else:
            values[cat] = None if (cat in maybe_w or "*" in maybe_w) else False
    for cat in INA:
        values[cat] = True if cat in yes_w else (False if ina == "none" else None)
    return values


def asserted_categories(named: frozenset[str]) -> dict[str, Tri]:
    """A conviction known only through a removal ground: the named categories true
    (asserted by the charging or adjudicating authority), every other one unknown."""
    return {cat: (True if cat in named else None) for cat in CATEGORY_NAMES}


UNKNOWN_OFFENCE = Offence(dict.fromkeys(CATEGORY_NAMES), None,
                          "the offence is not recorded: every category unknown")


@functools.cache
def msc_offences() -> dict[str, Offence]:
    """ICE 'Most Serious Conviction' literals (normalised) to their offence classification."""
    out: dict[str, Offence] = {}
    for i, row in enumerate(table("msc").rows, start=2):
        where = f"msc.csv line {i}"
        match = row["match"]
        level = row["level"] or None
        if level is not None and level not in LEVELS:
            raise MappingError(f"{where}: level {level!r} is not one of {LEVELS}")
        if match == "own":
            cats = own_categories(row["yes"], row["maybe"], row["ina"], where)
        elif match == "statute":
            found = classify(Conviction(statute=row["statute"]))
            if found.source != "statute":
                raise MappingError(f"{where}: statute {row['statute']!r} is not in the statute table")
            cats, level = dict(found.values), level or found.level
        elif match.startswith("ncic-"):
            if row["ncic_code"] not in ncic_rows():
                raise MappingError(f"{where}: NCIC code {row['ncic_code']!r} is not in the NCIC table")
            cats = dict(classify(Conviction(ncic_code=row["ncic_code"])).values)
        else:
            raise MappingError(f"{where}: match {match!r} is not own, statute or ncic-*")
        key = norm_literal(row["msc"])
        if key in out:
            raise MappingError(f"{where}: {row['msc']!r} duplicates an earlier row")
        out[key] = Offence(cats, level, f"{match}: {row['basis']}")
    return out


def ncic_family(families: tuple[str, ...]) -> dict[str, Tri]:
    """What an NCIC *category* (family) name tells about an offence in it: a category is
    true (or false) only when it is true (or false) for every code of the family."""
    codes = [c for c in ncic_rows() if c[:2] in families]
    if not codes:
        raise MappingError(f"no NCIC codes in families {families}")
    per_code = [classify(Conviction(ncic_code=c)).values for c in codes]
    out: dict[str, Tri] = {}
    for cat in CATEGORY_NAMES:
        vals = {v[cat] for v in per_code}
        out[cat] = vals.pop() if len(vals) == 1 else None
    return out


@functools.cache
def ncic_category_offences() -> dict[str, Offence]:
    """NCIC category names (normalised), as the I-213 file writes them, to classifications."""
    out: dict[str, Offence] = {}
    for row in table("ncic_categories").rows:
        families = tuple(row["families"].split())
        cats = ncic_family(families)
        out[norm_literal(row["ncic_category"])] = Offence(
            cats, None, f"{row['basis']} A category is known only where every code of the "
            "family agrees.")
    return out


ChargeRole = Literal["conviction", "pending", "none", "unknown"]


@functools.cache
def charge_statuses() -> dict[str, ChargeRole]:
    out: dict[str, ChargeRole] = {}
    for row in table("charge_status").rows:
        role = row["role"]
        if role not in ("conviction", "pending", "none", "unknown"):
            raise MappingError(f"charge_status.csv: role {role!r}")
        out[norm_literal(row["charge_status"])] = role  # type: ignore[assignment]
    return out


# -- facts from charges, dispositions and case categories ---------------------------------

@dataclass(frozen=True, slots=True)
class Effects:
    """The facts one record value justifies. ``None`` everywhere means: tells nothing."""

    key: str
    basis: str
    final_order: bool | None = None
    prior_removal: bool | None = None
    last_entry_manner: str | None = None
    convictions: int = 0
    conviction_categories: frozenset[str] = field(default_factory=frozenset)
    terrorism: bool | None = None
    espionage: bool | None = None
    fraud_before_agency: bool | None = None
    expedited_removal: bool = False


def _flag(row: dict[str, str], column: str, where: str) -> bool | None:
    value = (row.get(column) or "").strip()
    if value == "":
        return None
    if value != "true":
        raise MappingError(f"{where}: column {column} must be 'true' or blank, not {value!r}")
    return True


def _effects(row: dict[str, str], key: str, where: str) -> Effects:
    manner = (row.get("last_entry_manner") or "").strip() or None
    if manner is not None and manner not in MANNERS:
        raise MappingError(f"{where}: last_entry_manner {manner!r} is not one of {MANNERS}")
    count = (row.get("convictions") or "").strip()
    if count and not count.isdigit():
        raise MappingError(f"{where}: convictions must be a whole number, not {count!r}")
    cats = _words(row.get("conviction_categories") or "", where)
    if cats and not count:
        raise MappingError(f"{where}: conviction_categories need a convictions count")
    expedited = (row.get("expedited_removal") or "").strip()
    if expedited not in ("", "yes"):
        raise MappingError(f"{where}: expedited_removal must be 'yes' or blank")
    return Effects(
        key=key, basis=row["basis"],
        final_order=_flag(row, "final_order", where),
        prior_removal=_flag(row, "prior_removal", where),
        last_entry_manner=manner,
        convictions=int(count or 0),
        conviction_categories=cats,
        terrorism=_flag(row, "terrorism", where),
        espionage=_flag(row, "espionage", where),
        fraud_before_agency=_flag(row, "fraud_before_agency", where),
        expedited_removal=expedited == "yes",
    )


@functools.cache
def _charge_index() -> tuple[dict[str, Effects], dict[str, Effects]]:
    exact: dict[str, Effects] = {}
    upper: dict[str, list[Effects]] = {}
    for i, row in enumerate(table("charge_sections").rows, start=2):
        key = norm_code(row["code"])
        if key in exact:
            raise MappingError(f"charge_sections.csv line {i}: {row['code']!r} duplicates a row")
        eff = _effects(row, row["code"], f"charge_sections.csv line {i}")
        exact[key] = eff
        upper.setdefault(key.upper(), []).append(eff)
    unique_upper = {k: v[0] for k, v in upper.items() if len(v) == 1}
    return exact, unique_upper


def charge_effects(code: str) -> Effects | None:
    """Facts an INA (or U.S. Code) charge section justifies.

    Codes are matched without spaces, dots and parentheses, keeping case (``212a2AiI``
    and ``212a2Aii`` are different clauses). A code written all in upper case (ICE also
    writes ``237A1CI``) matches the one table row with that upper-case form, and none
    where two rows share it.
    """
    exact, upper = _charge_index()
    key = norm_code(code)
    found = exact.get(key)
    if found is None and key == key.upper():
        found = upper.get(key)
    return found


@functools.cache
def _disposition_index() -> dict[tuple[str, str], Effects]:
    out: dict[tuple[str, str], Effects] = {}
    for i, row in enumerate(table("dispositions").rows, start=2):
        stage = row["stage"]
        if stage not in ("any", "arrest", "removal"):
            raise MappingError(f"dispositions.csv line {i}: stage {stage!r}")
        key = norm_literal(row["disposition"])
        stages = ("arrest", "removal") if stage == "any" else (stage,)
        for s in stages:
            if (key, s) in out:
                raise MappingError(f"dispositions.csv line {i}: {row['disposition']!r} at "
                                   f"{s} duplicates a row")
            out[(key, s)] = _effects(row, row["disposition"], f"dispositions.csv line {i}")
    return out


def disposition_effects(value: str, stage: Stage) -> Effects | None:
    """Facts a processing disposition (code or description) justifies at arrest or removal."""
    return _disposition_index().get((norm_literal(value), stage))


@functools.cache
def _case_category_index() -> dict[str, Effects]:
    return {norm_literal(row["case_category"]):
            _effects(row, row["case_category"], f"case_categories.csv line {i}")
            for i, row in enumerate(table("case_categories").rows, start=2)}


def case_category_effects(value: str) -> Effects | None:
    return _case_category_index().get(norm_literal(value))


@dataclass(frozen=True, slots=True)
class Apprehension:
    at: str | None
    attempting_unlawful_entry: bool | None
    basis: str


@functools.cache
def _method_index() -> dict[str, Apprehension]:
    out: dict[str, Apprehension] = {}
    for i, row in enumerate(table("arrest_methods").rows, start=2):
        at = row["apprehension_at"] or None
        if at is not None and at not in PLACES:
            raise MappingError(f"arrest_methods.csv line {i}: apprehension_at {at!r}")
        attempting = row["attempting_unlawful_entry"]
        if attempting not in ("", "true", "false"):
            raise MappingError(f"arrest_methods.csv line {i}: attempting_unlawful_entry {attempting!r}")
        out[norm_literal(row["method"])] = Apprehension(
            at, None if attempting == "" else attempting == "true", row["basis"])
    return out


def arrest_method(value: str) -> Apprehension | None:
    """Where and how an apprehension method places the arrest."""
    return _method_index().get(norm_literal(value))


@functools.cache
def _admission_patterns() -> tuple[tuple[re.Pattern[str], str | None, str], ...]:
    out = []
    for i, row in enumerate(table("admission_classes").rows, start=2):
        manner = row["last_entry_manner"] or None
        if manner is not None and manner not in MANNERS:
            raise MappingError(f"admission_classes.csv line {i}: last_entry_manner {manner!r}")
        out.append((re.compile(row["pattern"], re.IGNORECASE), manner, row["basis"]))
    return tuple(out)


def admission_class(value: str) -> tuple[str | None, str]:
    """Manner of the last entry from an I-213 class of admission: the first pattern that
    matches the whole value wins (the table ends with a catch-all)."""
    for pattern, manner, basis in _admission_patterns():
        if pattern.fullmatch(value.strip()):
            return manner, basis
    return None, "no pattern matched"


def validate_all() -> dict[str, int]:
    """Read and check every table; return row counts. Raises :class:`MappingError`."""
    msc_offences()
    ncic_category_offences()
    charge_statuses()
    _charge_index()
    _disposition_index()
    _case_category_index()
    _method_index()
    _admission_patterns()
    return {name: len(table(name).rows) for name in TABLE_FILES}
