"""A synthetic population in the population file format, with the structure of the real
ICE records and proportions calibrated to published figures where we know them.

Every case is an ERO administrative arrest or an ICE removal of FY2016–FY2019. Its coded
fields (processing disposition, final charge section, arrest method) are drawn from the
joint frequencies measured in the real national files (``calibration/*.csv``), and the
facts they justify come from the same mapping tables the adapters use. Criminal history,
which the national files lack, is drawn from published ICE aggregates; the offences from
the Most Serious Conviction frequencies of the Seattle arrests file. Everything else, and
how often each fact is unknown, is invented: ``calibration/README.md`` and
:data:`PARAMETERS` say which number is which. A synthetic population is for exercising
and demonstrating the engine at scale, never for reporting on the real world.

Vectorised with NumPy and written chunk by chunk with PyArrow: ten million cases take
about a minute on two cores, in bounded memory.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..cases import CATEGORY_NAMES
from ..population import CASE_COLUMNS, CONVICTION_COLUMNS
from . import mappings as m

Arr = npt.NDArray[Any]
CHUNK = 250_000
EPOCH = np.datetime64("1970-01-01", "D")

PARAMETERS: dict[str, tuple[float, str]] = {
    # name: (value, source). "measured" = counted in the FOIA files; "published" = an ICE
    # annual report figure; "INVENTED" = our assumption, for shape only.
    "share_removals": (
        963_972 / (963_972 + 544_059),
        "measured: national removals vs arrests files, FY2016-19"),
    "arrest_convicted": (
        0.66,
        "published: ICE ERO FY2018 report, 105,140 of 158,581 arrests were convicted criminals"),
    "arrest_pending_only": (
        0.21,
        "published: ICE ERO FY2018 report, 32,977 of 158,581 had pending charges only"),
    "removal_convicted": (
        0.57,
        "published: ICE ERO FY2018 report, 145,262 of 256,085 removals were convicted criminals"),
    "removal_pending_only": (0.05, "INVENTED"),
    "female_removals": (92_175 / 963_972, "measured: national removals files"),
    "female_arrests": (44_482 / 544_059, "measured: national arrests files"),
    "apprehension_date_unknown": (
        14_235 / 963_972,
        "measured: national removals files (blank apprehension date)"),
    "extra_convictions_p": (
        0.55,
        "INVENTED: convictions per convicted case are 1 + geometric(0.55), mean about 1.8"),
    "conviction_count_known": (0.7, "INVENTED"),
    "msc_only_when_count_unknown": (
        0.6,
        "INVENTED: share of unknown-count cases listing only the most serious conviction, as ICE's "
        "MSC records do"),
    "same_incident": (0.25, "INVENTED: chance a further conviction shares the previous one's incident"),
    "level_felony": (0.30, "INVENTED"),
    "level_misdemeanor": (0.55, "INVENTED"),
    "level_petty": (0.02, "INVENTED (the rest of levels unknown)"),
    "sentence_unknown": (0.4, "INVENTED"),
    "sentence_median_days": (60.0, "INVENTED (log-normal, sigma 1.5; felonies four times longer)"),
    "conviction_date_unknown": (0.2, "INVENTED"),
    "asserted_by_legal_review": (0.03, "INVENTED"),
    "pending_unknown": (0.3, "INVENTED"),
    "birth_date_unknown": (0.2, "INVENTED (the real national files redact every birth date)"),
    "status_unknown": (0.6, "INVENTED"),
    "entry_date_unknown": (0.35, "INVENTED"),
    "entry_count_unknown": (0.5, "INVENTED"),
    "expedited_at_border": (0.7, "INVENTED: share of expedited removals placed at the border"),
    "interior_known": (0.5, "INVENTED: share of other removals placed in the interior"),
    "gang_participation": (0.015, "INVENTED"),
    "public_safety_determination": (
        0.08,
        "INVENTED: share of cases with a recorded determination (5% threat, 3% not)"),
}


def _p(name: str) -> float:
    return PARAMETERS[name][0]


@dataclass(frozen=True, slots=True)
class _Dist:
    labels: list[tuple[str, ...]]
    probs: Arr


def _calibration(name: str, key_columns: int) -> _Dist:
    text = resources.files("discretion.simulate").joinpath("calibration", name).read_text("utf-8")
    rows = list(csv.reader(text.splitlines()))[1:]
    labels = [tuple(r[:key_columns]) for r in rows]
    weights = np.array([float(r[key_columns]) for r in rows])
    return _Dist(labels, weights / weights.sum())


def _tri(rng: np.random.Generator, n: int, p_true: float, p_false: float) -> Arr:
    """int8: 1 true, 0 false, -1 unknown."""
    u = rng.random(n)
    return np.where(u < p_true, 1, np.where(u < p_true + p_false, 0, -1)).astype(np.int8)


def _days(dates: Arr) -> Arr:
    return (dates - EPOCH).astype(np.int32)


def _date_array(days: Arr, known: Arr) -> Any:
    return pa.array(days.astype(np.int32), type=pa.date32(), mask=~known)


def _bool_array(tri: Arr) -> Any:
    return pa.array(tri == 1, type=pa.bool_(), mask=tri < 0)


def _int_array(values: Arr, known: Arr) -> Any:
    return pa.array(values.astype(np.int64), type=pa.int64(), mask=~known)


def _str_array(labels: list[str | None], index: Arr) -> Any:
    dictionary = pa.array(labels, type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(index.astype(np.int32)), dictionary).cast(pa.string())


class _Tables:
    """Lookups built once: calibration draws and what each coded value means."""

    def __init__(self) -> None:
        self.removal = _calibration("removal_processing.csv", 2)
        self.arrest = _calibration("arrest_processing.csv", 2)
        self.area = _calibration("areas.csv", 1)
        self.citizenship = _calibration("citizenship.csv", 1)
        self.msc = _calibration("msc_frequency.csv", 1)
        offences = m.msc_offences()
        self.msc_offence = [offences.get(m.norm_literal(lab[0]), m.UNKNOWN_OFFENCE)
                            for lab in self.msc.labels]
        # category values per MSC literal: int8 (-1 unknown)
        self.msc_cats = np.array([[_tri_of(o.categories[c]) for c in CATEGORY_NAMES]
                                  for o in self.msc_offence], dtype=np.int8)
        self.msc_level = [o.level for o in self.msc_offence]
        self.removal_eff = [_combine(m.disposition_effects(d, "removal") if d else None,
                                     m.charge_effects(c) if c else None)
                            for d, c in self.removal.labels]
        self.arrest_eff = [_combine(m.disposition_effects(d, "arrest") if d else None, None)
                           for _, d in self.arrest.labels]
        self.arrest_place = [m.arrest_method(meth) if meth else None
                             for meth, _ in self.arrest.labels]


def _tri_of(value: bool | None) -> int:
    return -1 if value is None else int(value)


@dataclass(frozen=True, slots=True)
class _Eff:
    final_order: int
    prior_removal: int
    manner: str | None
    convictions: int
    aggravated_felony: bool
    expedited: bool


def _combine(*effects: m.Effects | None) -> _Eff:
    found = [e for e in effects if e is not None]
    manners = {e.last_entry_manner for e in found if e.last_entry_manner}
    return _Eff(
        final_order=1 if any(e.final_order for e in found) else -1,
        prior_removal=1 if any(e.prior_removal for e in found) else -1,
        manner=manners.pop() if len(manners) == 1 else None,
        convictions=max((e.convictions for e in found), default=0),
        aggravated_felony=any("aggravated_felony" in e.conviction_categories for e in found),
        expedited=any(e.expedited_removal for e in found),
    )


MANNERS = ["without_inspection", "inspected", "paroled"]
STATUSES = ["no_lawful_status", "lpr", "nonimmigrant", "asylum_applicant", "tps", "daca", "parole"]
STATUS_P = [0.85, 0.05, 0.04, 0.03, 0.01, 0.01, 0.01]


def schema() -> Any:
    """The Arrow schema of a synthetic population file."""
    kinds = {"VARCHAR": pa.string(), "DATE": pa.date32(), "BIGINT": pa.int64(),
             "BOOLEAN": pa.bool_(), "INTEGER": pa.int32()}
    fields = [pa.field(c, kinds[t]) for c, t in CASE_COLUMNS.items()]
    fields += [pa.field("record_type", pa.string()), pa.field("fiscal_year", pa.int32()),
               pa.field("year", pa.int32()), pa.field("area_of_responsibility", pa.string()),
               pa.field("disposition", pa.string()), pa.field("charge_section", pa.string()),
               pa.field("arrest_method", pa.string()), pa.field("departed_date", pa.date32()),
               pa.field("gender", pa.string()), pa.field("citizenship", pa.string())]
    conv = [pa.field(c, kinds[t]) for c, t in CONVICTION_COLUMNS.items()
            if c not in ("case_id", "idx")]
    fields.append(pa.field("convictions", pa.list_(pa.struct(conv))))
    return pa.schema(fields)


FY_REMOVALS = np.array([240_255, 226_119, 256_085, 241_513], dtype=float)
FY_ARRESTS = np.array([110_104, 143_470, 158_581, 131_904], dtype=float)


def _chunk(rng: np.random.Generator, start: int, n: int, t: _Tables, prefix: str) -> Any:
    cols: dict[str, Any] = {}
    removal = rng.random(n) < _p("share_removals")
    fy = np.where(removal, rng.choice(4, n, p=FY_REMOVALS / FY_REMOVALS.sum()),
                  rng.choice(4, n, p=FY_ARRESTS / FY_ARRESTS.sum())) + 2016
    fy_start = np.array([np.datetime64(f"{y - 1}-10-01") for y in range(2016, 2020)])
    event = fy_start[fy - 2016] + rng.integers(0, 365, n).astype("timedelta64[D]")

    rem_i = rng.choice(len(t.removal.labels), n, p=t.removal.probs)
    arr_i = rng.choice(len(t.arrest.labels), n, p=t.arrest.probs)
    def eff(get: Callable[[_Eff], Any], dtype: Any) -> Arr:
        on_removal = np.array([get(e) for e in t.removal_eff], dtype=dtype)
        on_arrest = np.array([get(e) for e in t.arrest_eff], dtype=dtype)
        return np.where(removal, on_removal[rem_i], on_arrest[arr_i])

    final_order = eff(lambda e: e.final_order, np.int8)
    prior_removal = eff(lambda e: e.prior_removal, np.int8)
    implied = eff(lambda e: e.convictions, np.int64)
    implied_af = eff(lambda e: e.aggravated_felony, bool)
    expedited = eff(lambda e: e.expedited, bool)
    manner_from = eff(lambda e: MANNERS.index(e.manner) if e.manner else -1, np.int8)

    # dates of apprehension and departure
    quick = expedited | (prior_removal == 1)
    lag = np.where(quick, rng.lognormal(np.log(12), 1.6, n), rng.lognormal(np.log(98), 1.8, n))
    lag = np.minimum(lag, 3650).astype("timedelta64[D]")
    appr = np.where(removal, event - lag, event)
    appr_known = ~(removal & (rng.random(n) < _p("apprehension_date_unknown")))
    cols["apprehension_date"] = _date_array(_days(appr), appr_known)

    # place of apprehension
    place = np.full(n, -1, dtype=np.int8)        # 0 border, 2 interior (index in PLACES)
    attempting = np.full(n, -1, dtype=np.int8)
    arr_place = np.array([-1 if a is None or a.at is None else m.PLACES.index(a.at)
                          for a in t.arrest_place], dtype=np.int8)
    arr_attempt = np.array([-1 if a is None or a.attempting_unlawful_entry is None
                            else int(a.attempting_unlawful_entry) for a in t.arrest_place],
                           dtype=np.int8)
    place = np.where(~removal, arr_place[arr_i], place)
    attempting = np.where(~removal, arr_attempt[arr_i], attempting)
    u = rng.random(n)
    border = removal & expedited & (u < _p("expedited_at_border"))
    interior = removal & ~expedited & (u < _p("interior_known"))
    place = np.where(border, 0, np.where(interior, 2, place)).astype(np.int8)
    attempting = np.where(border, 1, np.where(interior, 0, attempting)).astype(np.int8)
    cols["apprehension_at"] = _str_array([*m.PLACES, None], np.where(place < 0, 3, place))
    cols["attempting_unlawful_entry"] = _bool_array(attempting)

    # criminal history
    u = rng.random(n)
    convicted = np.where(removal, u < _p("removal_convicted"), u < _p("arrest_convicted"))
    pending_only = ~convicted & np.where(
        removal, u < _p("removal_convicted") + _p("removal_pending_only"),
        u < _p("arrest_convicted") + _p("arrest_pending_only"))
    convicted |= implied > 0
    pending_only &= ~convicted
    listed = np.where(convicted, 1 + rng.geometric(_p("extra_convictions_p"), n) - 1, 0)
    listed = np.minimum(np.maximum(listed, implied), 12)
    count_known = rng.random(n) < _p("conviction_count_known")
    msc_only = convicted & ~count_known & (rng.random(n) < _p("msc_only_when_count_unknown"))
    listed = np.where(msc_only, np.maximum(1, np.minimum(listed, implied)), listed)
    cols["conviction_count"] = _int_array(listed, count_known)
    pending = np.where(pending_only, 1 + rng.poisson(0.4, n),
                       np.where(convicted, rng.poisson(0.25, n), 0))
    pending_known = rng.random(n) >= _p("pending_unknown")
    cols["pending_charge_count"] = _int_array(pending, pending_known)
    # A listed pending charge is known even where the full count is not (INVENTED: half).
    listed_pending = (pending > 0) & (rng.random(n) < 0.5)
    cols["pending_charge"] = _bool_array(np.where(pending_known, (pending > 0).astype(np.int8),
                                                  np.where(listed_pending, 1, -1)).astype(np.int8))

    # entries and removals
    entry_known = rng.random(n) >= _p("entry_date_unknown")
    since = np.where(border | expedited, rng.integers(0, 15, n),
                     np.where(prior_removal == 1, rng.integers(15, 3 * 365, n),
                              rng.integers(1, 25 * 365, n)))
    last_entry = appr - since.astype("timedelta64[D]")
    cols["last_entry_date"] = _date_array(_days(last_entry), entry_known & appr_known)
    drawn_manner = rng.choice(4, n, p=[0.55, 0.3, 0.05, 0.10])
    manner = np.where(manner_from >= 0, manner_from, drawn_manner)
    cols["last_entry_manner"] = _str_array([*MANNERS, None], manner)
    count_entries = 1 + np.where(prior_removal == 1, 1 + rng.poisson(0.5, n), rng.poisson(0.3, n))
    entries_known = entry_known & appr_known & (rng.random(n) >= _p("entry_count_unknown"))
    cols["entry_count"] = _int_array(count_entries, entries_known)
    first_entry = np.where(count_entries > 1,
                           last_entry - rng.integers(30, 20 * 365, n).astype("timedelta64[D]"),
                           last_entry)
    cols["first_entry_date"] = _date_array(_days(first_entry), entries_known)
    presence_known = entries_known & (rng.random(n) < 0.15)
    cols["continuous_presence_since"] = _date_array(_days(last_entry), presence_known)
    removals = np.where(prior_removal == 1, 1 + rng.poisson(0.4, n), 0)
    removals_known = np.where(prior_removal == 1, rng.random(n) < 0.6, rng.random(n) < 0.3)
    removals_known &= entry_known & appr_known
    last_removal = last_entry - rng.integers(1, 365, n).astype("timedelta64[D]")
    first_removal = np.where(removals > 1, last_removal - rng.integers(30, 5 * 365, n)
                             .astype("timedelta64[D]"), last_removal)
    cols["removal_count"] = _int_array(removals, removals_known)
    cols["first_removal_date"] = _date_array(_days(first_removal), removals_known & (removals > 0))
    cols["last_removal_date"] = _date_array(_days(last_removal), removals_known & (removals > 0))
    cols["final_order"] = _bool_array(final_order)
    order_date = appr + (lag * rng.random(n)).astype("timedelta64[D]")
    cols["final_order_date"] = _date_array(_days(order_date), (final_order == 1) & appr_known
                                           & (rng.random(n) < 0.6))

    # person and conduct
    age = np.clip(rng.normal(32, 10, n), 1, 85)
    birth = appr - (age * 365.25).astype("timedelta64[D]")
    cols["birth_date"] = _date_array(_days(birth), rng.random(n) >= _p("birth_date_unknown"))
    status_i = rng.choice(len(STATUSES), n, p=STATUS_P)
    status_i = np.where(rng.random(n) < _p("status_unknown"), len(STATUSES), status_i)
    cols["status"] = _str_array([*STATUSES, None], status_i)
    custody = np.where(removal, np.where(rng.random(n) < 0.6, 1, 4),
                       np.where(place == 2, np.where(attempting == 0, 0, 4), 4))
    cols["custody_status"] = _str_array(["incarcerated", "detained", "released", "at_large", None],
                                        custody)
    released = convicted & (rng.random(n) < 0.2)
    release = appr - rng.integers(0, 30, n).astype("timedelta64[D]")
    cols["release_date"] = _date_array(_days(release), released & appr_known)
    gang = _tri(rng, n, _p("gang_participation"), 0.3)
    cols["gang_participation"] = _bool_array(gang)
    cols["gang_organization"] = _str_array(["criminal_street_gang", "transnational_criminal_organization",
                                            None], np.where(gang == 1, (rng.random(n) < 0.2)
                                                            .astype(np.int8), 2))
    for name, p_true, p_false in (("terrorism", 0.0005, 0.3), ("espionage", 0.0001, 0.3),
                                  ("national_security_other", 0.0005, 0.25),
                                  ("visa_program_abuse", 0.002, 0.2),
                                  ("fraud_before_agency", 0.01, 0.2),
                                  ("public_benefits_abuse", 0.002, 0.2),
                                  ("chargeable_conduct", 0.05, 0.15)):
        cols[name] = _bool_array(_tri(rng, n, p_true, p_false))
    cols["determination_public_safety_threat"] = _bool_array(_tri(rng, n, 0.05, 0.03))
    cols["determination_national_security_threat"] = _bool_array(_tri(rng, n, 0.001, 0.009))

    # convictions
    conv = _convictions(rng, t, listed, implied_af, convicted, appr, appr_known)
    sexual = np.zeros(n, dtype=bool)
    np.logical_or.at(sexual, conv["owner"], conv["sexual"])
    registration = np.where(sexual & (rng.random(n) < 0.6), 1,
                            np.where(rng.random(n) < 0.2, 0, -1)).astype(np.int8)
    cols["sex_offender_registration"] = _bool_array(registration)

    ids = pa.array(np.arange(start, start + n, dtype=np.int64)).cast(pa.string())
    cols["id"] = pc.binary_join_element_wise(prefix, ids, "")
    out: dict[str, Any] = {c: cols[c] for c in CASE_COLUMNS}
    out["record_type"] = _str_array(["arrest", "removal"], removal.astype(np.int8))
    out["fiscal_year"] = pa.array(fy.astype(np.int32))
    departed = np.where(removal, event, np.datetime64("NaT"))
    out["year"] = pa.array(event.astype("datetime64[Y]").astype(np.int32) + 1970)
    out["area_of_responsibility"] = _str_array([a[0] for a in t.area.labels],
                                               rng.choice(len(t.area.labels), n, p=t.area.probs))
    dispositions = [d for d, _ in t.removal.labels] + [d for _, d in t.arrest.labels] + [""]
    disp_i = np.where(removal, rem_i, len(t.removal.labels) + arr_i)
    out["disposition"] = _str_array([d or None for d in dispositions], disp_i)
    charges = [c or None for _, c in t.removal.labels] + [None]
    out["charge_section"] = _str_array(charges, np.where(removal, rem_i, len(charges) - 1))
    methods = [mm or None for mm, _ in t.arrest.labels] + [None]
    out["arrest_method"] = _str_array(methods, np.where(removal, len(methods) - 1, arr_i))
    out["departed_date"] = _date_array(_days(np.where(removal, departed, event)), removal)
    female = np.where(removal, rng.random(n) < _p("female_removals"),
                      rng.random(n) < _p("female_arrests"))
    out["gender"] = _str_array(["male", "female"], female.astype(np.int8))
    out["citizenship"] = _str_array([c[0] for c in t.citizenship.labels],
                                    rng.choice(len(t.citizenship.labels), n, p=t.citizenship.probs))
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(listed, out=offsets[1:])
    out["convictions"] = pa.ListArray.from_arrays(pa.array(offsets), conv["struct"])
    return pa.Table.from_pydict(out, schema=schema())


def _court(rng: np.random.Generator, k: int) -> Arr:
    u = rng.random(k)
    return np.where(u < 0.85, 1, np.where(u < 0.95, 0, -1)).astype(np.int8)


def _convictions(rng: np.random.Generator, t: _Tables, listed: Arr, implied_af: Arr,
                 convicted: Arr, appr: Arr, appr_known: Arr) -> dict[str, Any]:
    owner = np.repeat(np.arange(len(listed)), listed)
    k = len(owner)
    position = np.arange(k) - np.repeat(np.cumsum(listed) - listed, listed)
    offence = rng.choice(len(t.msc.labels), k, p=t.msc.probs)
    cats = t.msc_cats[offence].copy()                    # k x categories, int8
    af_col = CATEGORY_NAMES.index("aggravated_felony")
    implied_row = implied_af[owner] & (position == 0)
    asserted = implied_row | (rng.random(k) < _p("asserted_by_legal_review"))
    legal = asserted & ~implied_row
    cats[legal] = np.where(cats[legal] < 0, 0, cats[legal])
    af_legal = legal & (rng.random(k) < 0.25)
    cats[af_legal, af_col] = 1
    cats[af_legal, CATEGORY_NAMES.index("aggravated_felony_F")] = 1
    cats[implied_row] = -1
    cats[implied_row, af_col] = 1
    u = rng.random(k)
    level = np.where(u < _p("level_felony"), 0, np.where(
        u < _p("level_felony") + _p("level_misdemeanor"), 1,
        np.where(u < _p("level_felony") + _p("level_misdemeanor") + _p("level_petty"), 2, 3)))
    fixed = np.array([-1 if lv is None else ("felony", "misdemeanor", "petty").index(lv)
                      for lv in t.msc_level])[offence]
    level = np.where(fixed >= 0, fixed, level)
    level = np.where(implied_row, 3, level)
    sentence = rng.lognormal(np.log(_p("sentence_median_days")), 1.5, k)
    sentence = np.minimum(np.where(level == 0, sentence * 4, sentence), 36_500).astype(np.int64)
    sentence_known = (rng.random(k) >= _p("sentence_unknown")) & ~implied_row
    suspended = np.where(rng.random(k) < 0.6, 0, (sentence * rng.random(k)).astype(np.int64))
    back = rng.integers(30, 15 * 365, k).astype("timedelta64[D]")
    cdate = appr[owner] - back
    cdate_known = appr_known[owner] & (rng.random(k) >= _p("conviction_date_unknown")) & ~implied_row
    new_incident = (position == 0) | (rng.random(k) >= _p("same_incident"))
    incident_no = np.maximum.accumulate(np.where(new_incident, np.arange(k), 0))
    incident_no = incident_no - np.repeat(np.cumsum(listed) - listed, listed)
    incident = pc.binary_join_element_wise(
        "incident-", pa.array(incident_no.astype(np.int64)).cast(pa.string()), "")
    fields: dict[str, Any] = {
        "conviction_date": _date_array(_days(cdate), cdate_known),
        "level": _str_array(["felony", "misdemeanor", "petty", None], level),
        "sentence_days": _int_array(sentence, sentence_known),
        "suspended_days": _int_array(suspended, sentence_known),
        "incident": incident,
        "asserted": pa.array(asserted, type=pa.bool_()),
        # INVENTED: most convictions are in state courts, some federal, some unrecorded.
        "state_or_local": _bool_array(_court(rng, k)),
    }
    for j, name in enumerate(CATEGORY_NAMES):
        fields[f"cat_{name}"] = _bool_array(cats[:, j])
    sexual_col = CATEGORY_NAMES.index("sexual_abuse_or_exploitation")
    struct = pa.StructArray.from_arrays(list(fields.values()), names=list(fields))
    return {"struct": struct, "owner": owner, "sexual": cats[:, sexual_col] == 1}


def synth(rows: int, out: Path, seed: int = 20_160_101, *, progress: bool = False,
          chunk: int = CHUNK) -> Path:
    """Write ``rows`` synthetic cases to the Parquet population file ``out``.

    The same ``rows``, ``seed`` and ``chunk`` give the same file. ``progress`` shows a
    progress bar (for long runs on a terminal).
    """
    if rows < 0:
        raise ValueError("rows must be zero or more")
    tables = _Tables()
    seeds = np.random.SeedSequence(seed).spawn(max(1, -(-rows // chunk)))
    prefix = f"synth-{seed}-"
    out.parent.mkdir(parents=True, exist_ok=True)
    bar: Any = None
    if progress:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
        bar = Progress("[progress.description]{task.description}", BarColumn(),
                       MofNCompleteColumn(), TimeRemainingColumn())
        bar.start()
        task = bar.add_task(f"synth → {out.name}", total=rows)
    try:
        with pq.ParquetWriter(str(out), schema(), compression="zstd") as writer:
            if rows == 0:
                writer.write_table(schema().empty_table())
            for i, start in enumerate(range(0, rows, chunk)):
                n = min(chunk, rows - start)
                table = _chunk(np.random.default_rng(seeds[i]), start, n, tables, prefix)
                writer.write_table(table, row_group_size=n)
                if bar is not None:
                    bar.update(task, advance=n)
    finally:
        if bar is not None:
            bar.stop()
    return out


def parameters_table() -> list[tuple[str, float, str]]:
    """Every calibration parameter with its value and source (for docs and reports)."""
    return [(k, v, s) for k, (v, s) in PARAMETERS.items()]


__all__ = ["PARAMETERS", "parameters_table", "schema", "synth"]
