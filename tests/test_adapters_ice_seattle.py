"""The Seattle AOR adapters (Most Serious Conviction records)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from adapters_util import assert_schema, by_id, convictions_of, write_gz
from discretion.simulate.adapters import ADAPTERS

PRE = ['"ERO-LESA Statistical Tracking Unit"|||||||', '"For Official Use Only (FOUO)/Pre-decisional"|||||||',
       '"UW v. DHS - ICE Productions"|||||||', '"Please review the last tab for footnotes."|||||||',
       "|||||||", '"FY2012 - FY2019 YTD ERO Administrative Arrests, Seattle AOR"|||||||']
HEAD = ('"Arrest Date"|"Date of Birth"|"Gender"|"Country of Citizenship"|"Event Number"|'
        '"Apprehension Landmark"|"Arrest Method"|"Most Serious Conviction"')


def arrest(date: str, method: str, msc: str) -> str:
    return (f'{date}|"(b)(6),(b)(7)c)"|"Male"|"MEXICO"|"(b)(7)e)"|"KING COUNTY JAIL"|"{method}"|'
            + (f'"{msc}"' if msc else ""))


def load(tmp_path: Path, lines: list[str], assume: tuple[str, ...] = ()) -> duckdb.DuckDBPyConnection:
    path = write_gz(tmp_path / "arrests.csv.gz", [*PRE, HEAD, *lines])
    con = duckdb.connect()
    ADAPTERS["ice-seattle-arrests"].load(path, con, assume=assume)
    assert_schema(con)
    return con


ROWS = [
    arrest("3/1/2014", "CAP Local Incarceration", ""),                        # 1 before MSC
    arrest("3/1/2016", "CAP Local Incarceration", ""),                        # 2 blank, recorded era
    arrest("3/1/2016", "Non-Custodial Arrest", "Driving Under Influence Liquor"),  # 3
    arrest("3/1/2017", "ERO Reprocessed Arrest", "Domestic Violence"),       # 4
    arrest("3/1/2018", "Located", "Offence ICE never wrote"),                # 5
    arrest("3/1/2018", "Located", "Illegal Re-Entry (INA SEC.101(a)(43)(O), 8USC1326 only)"),  # 6
]


def _c(con: duckdb.DuckDBPyConnection) -> dict[int, dict[str, object]]:
    return {int(k.rsplit(":", 1)[1]): v for k, v in by_id(con).items()}


def test_msc_is_one_conviction_and_an_unknown_total(tmp_path: Path) -> None:
    con = load(tmp_path, ROWS)
    c = _c(con)
    assert all(v["conviction_count"] is None for v in c.values())
    ids = {i: k for k, v in by_id(con).items() for i in [int(k.rsplit(":", 1)[1])]}
    dui = convictions_of(con, ids[3])
    assert len(dui) == 1 and dui[0]["cat_dui"] is True and dui[0]["asserted"] is False
    assert dui[0]["level"] is None and dui[0]["incident"] == "msc"
    dv = convictions_of(con, ids[4])[0]
    assert dv["cat_domestic_violence"] is True and dv["cat_theft"] is None
    unknown = convictions_of(con, ids[5])[0]
    assert all(unknown[k] is None for k in unknown if k.startswith("cat_"))
    reentry = convictions_of(con, ids[6])[0]
    assert reentry["level"] == "felony" and reentry["cat_aggravated_felony_O"] is None
    assert convictions_of(con, ids[1]) == [] and convictions_of(con, ids[2]) == []
    assert c[3]["msc"] == "Driving Under Influence Liquor" and c[3]["fiscal_year"] == 2016
    assert c[1]["apprehension_at"] == "interior" and c[1]["attempting_unlawful_entry"] is False
    assert c[4]["apprehension_at"] is None


def test_blank_msc_assumption_only_from_fy2015(tmp_path: Path) -> None:
    con = load(tmp_path, ROWS, ("blank-msc-means-no-conviction",))
    c = _c(con)
    assert c[1]["conviction_count"] is None      # FY2014: not recorded yet
    assert c[2]["conviction_count"] == 0         # FY2016 blank: none, by assumption
    assert c[3]["conviction_count"] is None      # a conviction, total unknown


def test_unmapped_msc_is_reported(tmp_path: Path) -> None:
    path = write_gz(tmp_path / "arrests.csv.gz", [*PRE, HEAD, *ROWS])
    report = ADAPTERS["ice-seattle-arrests"].load(path, duckdb.connect())
    assert report.unmapped["Most Serious Conviction"] == [("Offence ICE never wrote", 1)]
    assert any("not recorded before FY2015" in n for n in report.notes)


def test_other_removals_case_categories(tmp_path: Path) -> None:
    pre = [p[:-1] for p in PRE]
    head = ('"Departed Date"|"Date of Birth"|"Gender"|"Country of Citizenship"|"Event Number"|'
            '"Most Serious Conviction"|"Case Category"')
    lines = [
        '1/3/2017|"(b)(6),(b)(7)c)"|"Male"|"MEXICO"|"(b)(7)e)"||"[16] Reinstated Final Order"',
        '1/3/2017|"(b)(6),(b)(7)c)"|"Female"|"MEXICO"|"(b)(7)e)"|"Assault"|'
        '"[11] Administrative Deportation / Removal"',
        '1/3/2012|"(b)(6),(b)(7)c)"|"Male"|"MEXICO"|"(b)(7)e)"||"[9] VR Under Safeguards"',
    ]
    path = write_gz(tmp_path / "other-removals.csv.gz", [*pre, head, *lines])
    con = duckdb.connect()
    ADAPTERS["ice-seattle-removals"].load(path, con, assume=["blank-msc-means-no-conviction"])
    assert_schema(con)
    c = _c(con)
    assert c[1]["final_order"] is True and c[1]["prior_removal"] is True
    assert c[1]["conviction_count"] == 0
    assert c[3]["final_order"] is None and c[3]["conviction_count"] is None  # FY2012
    second = next(k for k in by_id(con) if k.endswith(":000002"))
    conv = convictions_of(con, second)
    assert next(x["incident"] for x in conv) == "msc" and len(conv) == 2
    assert conv[1]["cat_aggravated_felony"] is True and conv[1]["asserted"] is True
    assert c[2]["conviction_count"] is None and c[2]["gender"] == "female"
