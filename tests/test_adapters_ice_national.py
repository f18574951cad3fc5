"""The national ICE adapters: shipped samples, and small files written here in ICE's layout."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from adapters_util import assert_schema, by_id, convictions_of, write_gz
from discretion.simulate.adapters import ADAPTERS, AdapterError, get_adapter

PRE = ['"ERO-LESA Statistical Tracking Unit"|||||||||',
       '"For Official Use Only (FOUO)/Pre-decisional"|||||||||',
       '"2019-ICFO-53623"|||||||||', "|||||||||", '"ICE Removals for FY2018"|||||||||']
HEAD = ('"Area of Responsibility"|"Apprehension Date"|"Processing Disposition Code"|"Birth Date"|'
        '"Citizenship"|"Gender"|"RC Threat Level"|"Final Charge Section"|"Departed Date"|"Removal Date"')


def removal(aor: str, appr: str, disp: str, charge: str, departed: str = "10/2/2017") -> str:
    return (f'"{aor} Area of Responsibility"|{appr}|"{disp}"|"(B)(6);(B)(7)(C) "|"MEXICO"|"Male"|'
            f'"NA"|"{charge}"|{departed}|{departed}')


@pytest.fixture
def removals_file(tmp_path: Path) -> Path:
    return write_gz(tmp_path / "ICERemovals_FY2018.csv.gz", [*PRE, HEAD,
        removal("Dallas", "9/28/2017", "REINST", "212a9Aii"),          # 1
        removal("Dallas", "9/28/2017", "ADMDPT", "237a2Aiii"),         # 2
        removal("Chicago", "8/21/2017", "WA/NTA", "212a6Ai"),          # 3
        removal("San Diego", "9/30/2017", "ER", "212a7AiI"),           # 4
        removal("Houston", "7/2/0999", "WA/NTA", "237a2Aii"),          # 5
        removal("Miami", "", "ZZZ", "999q"),                           # 6
        removal("Boston", "9/1/2017", "WA/NTA", "237A1CI"),            # 7
        '"Dallas Area of Responsibility"|9/1/2017|"REINST"',           # malformed
    ])


def test_every_adapter_loads_its_sample() -> None:
    con = duckdb.connect()
    for adapter in ADAPTERS.values():
        report = adapter.load(None, con)
        assert report.sample and report.cases > 500, adapter.id
        assert report.cases == report.rows_read - sum(s.rows for s in report.skipped)
        assert_schema(con)
        assert report.unmapped == {}, (adapter.id, report.unmapped)
        assert report.date_column in [r[0] for r in con.execute("DESCRIBE cases").fetchall()]


def test_removals_facts(removals_file: Path) -> None:
    con = duckdb.connect()
    report = ADAPTERS["ice-national-removals"].load(removals_file, con)
    assert_schema(con)
    cases = by_id(con)
    c = {int(k.rsplit(":", 1)[1]): v for k, v in cases.items()}
    assert report.cases == 7 and report.skipped[0].rows == 1
    # Reinstatement: a prior removal and a final order are known; nothing about entry.
    assert c[1]["final_order"] is True and c[1]["prior_removal"] is True
    assert c[1]["removal_count"] is None and c[1]["last_entry_manner"] is None
    assert c[1]["conviction_count"] is None
    # Administrative removal and an aggravated-felony ground: one asserted conviction.
    conv = convictions_of(con, "ICERemovals_FY2018:0000002")
    assert len(conv) == 1
    assert conv[0]["asserted"] is True and conv[0]["cat_aggravated_felony"] is True
    assert conv[0]["cat_aggravated_felony_F"] is None and conv[0]["level"] is None
    assert conv[0]["cat_dui"] is None
    # Present without admission: entered without inspection; no order known.
    assert c[3]["last_entry_manner"] == "without_inspection" and c[3]["final_order"] is None
    # Expedited removal: a final order, but the border is not assumed.
    assert c[4]["final_order"] is True and c[4]["apprehension_at"] is None
    assert c[4]["expedited_removal"] is True
    # An impossible date is unknown; two CIMT convictions are two incidents.
    assert c[5]["apprehension_date"] is None
    two = convictions_of(con, "ICERemovals_FY2018:0000005")
    assert len(two) == 2 and two[0]["incident"] != two[1]["incident"]
    assert all(x["cat_aggravated_felony"] is None for x in two)
    # Unknown codes are reported, not guessed.
    assert c[6]["final_order"] is None and c[6]["apprehension_date"] is None
    assert ("ZZZ", 1) in report.unmapped["Processing Disposition Code"]
    assert ("999q", 1) in report.unmapped["Final Charge Section"]
    # Upper-case charge codes.
    assert c[7]["last_entry_manner"] == "inspected"
    assert c[1]["fiscal_year"] == 2018 and c[1]["area_of_responsibility"].startswith("Dallas")
    assert c[1]["departed_date"].isoformat() == "2017-10-02"


def test_expedited_removal_at_border_only_when_assumed(removals_file: Path) -> None:
    con = duckdb.connect()
    report = ADAPTERS["ice-national-removals"].load(removals_file, con,
                                                    assume=["expedited-removal-at-border"])
    assert [a.name for a in report.assumptions] == ["expedited-removal-at-border"]
    c = by_id(con)["ICERemovals_FY2018:0000004"]
    assert c["apprehension_at"] == "border" and c["attempting_unlawful_entry"] is True
    assert by_id(con)["ICERemovals_FY2018:0000003"]["apprehension_at"] is None
    assert any("ASSUMED" in line for line in report.lines())


def test_arrests_place_from_method(tmp_path: Path) -> None:
    head = ('"Area of Responsibility"|"Apprehension Date"|"Apprehension Method"|'
            '"Apprehension Landmark"|"Operation"|"Processing Disposition"|"Birth Date"|'
            '"Citizenship"|"Gender"')
    pre = [x.replace("|||||||||", "||||||||") for x in PRE]
    path = write_gz(tmp_path / "EROArrests_FY2017.csv.gz", [*pre, head,
        '"Dallas Area of Responsibility"|10/1/2016|"CAP Local Incarceration"|"DALLAS COUNTY JAIL"||'
        '"REINSTATEMENT OF DEPORT ORDER I-871"|"(B)(6);(B)(7)(C) "|"MEXICO"|"Male"',
        '"Dallas Area of Responsibility"|10/1/2016|"ERO Reprocessed Arrest"|"X"|"(B)(7)(E) "|'
        '"ADMINISTRATIVE DEPORTATION I-851/I-851A"|"(B)(6);(B)(7)(C) "|"MEXICO"|"Female"',
    ])
    con = duckdb.connect()
    ADAPTERS["ice-national-arrests"].load(path, con)
    assert_schema(con)
    c = by_id(con)
    jail, reprocessed = c["EROArrests_FY2017:0000001"], c["EROArrests_FY2017:0000002"]
    assert jail["apprehension_at"] == "interior" and jail["attempting_unlawful_entry"] is False
    assert jail["final_order"] is True and jail["prior_removal"] is True
    assert reprocessed["apprehension_at"] is None and reprocessed["final_order"] is None
    assert reprocessed["gender"] == "female"
    conv = convictions_of(con, "EROArrests_FY2017:0000002")
    assert len(conv) == 1 and conv[0]["cat_aggravated_felony"] is True


def test_directory_finds_the_files(tmp_path: Path, removals_file: Path) -> None:
    con = duckdb.connect()
    report = ADAPTERS["ice-national-removals"].load(tmp_path, con)
    assert len(report.files) == 1 and report.cases == 7
    with pytest.raises(AdapterError, match="no files matching"):
        ADAPTERS["ice-national-arrests"].load(tmp_path, con)


def test_errors_name_the_problem(tmp_path: Path, removals_file: Path) -> None:
    con = duckdb.connect()
    with pytest.raises(AdapterError, match=r"missing column.*Apprehension Method"):
        ADAPTERS["ice-national-arrests"].load(removals_file, con)
    with pytest.raises(AdapterError, match="no assumption nope"):
        ADAPTERS["ice-national-removals"].load(removals_file, con, assume=["nope"])
    with pytest.raises(AdapterError, match="no such file"):
        ADAPTERS["ice-national-removals"].load(tmp_path / "missing.csv.gz", con)
    with pytest.raises(AdapterError, match="choose one of"):
        get_adapter("ice-everything")


def test_report_serialises(removals_file: Path) -> None:
    report = ADAPTERS["ice-national-removals"].load(removals_file, duckdb.connect())
    data = report.to_dict()
    assert data["cases"] == 7 and data["date_column"] == "departed_date"
    assert data["files"][0]["sha256"] and data["mappings"]
    assert data["skipped"][0]["rows"] == 1
