"""The I-213 adapter: JSON charge lists, embedded newlines, entry and charges."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from adapters_util import assert_schema, by_id, convictions_of, write_gz
from discretion.simulate.adapters import ADAPTERS

COLUMNS = ("site_code|site_name|area_of_responsibility_code|area_of_responsibility_name|"
           "document_type_descr|doc_completion_date|processing_disposition_descr|"
           "citizenship_country_descr|gender_code|age|birth_country_descr|marital_status_descr|"
           "occupation_text|apprehension_date|apprehension_method_descr|apprehension_landmark_descr|"
           "app_ldmk_other_comment_text|entry_date|entry_port_of_entry_code|entry_port_of_entry_descr|"
           "entry_admission_class_descr|mother_citizenship_country_descr|"
           "father_citizenship_country_descr|spouse_citizenship_country_descr|"
           "health_status_comment_text|admin_charges|criminal_charges|child_count|week")


def q(value: object) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return '"' + text.replace('"', '""') + '"'


def record(*, disposition: str = "Warrant of Arrest/Notice to Appear", appr: str = "2023-05-02",
           method: str = "Non-Custodial Arrest", entry: str = "", admission: str = "",
           admin: list[str] | None = None, criminal: list[tuple[str, str, str]] | None = None,
           health: str = "The subject claims good health.") -> str:
    admin_json = q([{"OFFENSE_DATE": appr, "CHARGE_SECTION_CODE": c, "CHARGE_DESCRIPTION": "x"}
                    for c in admin]) if admin else ""
    crim_json = q([{"CHARGE_DATE": d, "NCIC_CATEGORY": n, "CHARGE_STATUS": s}
                   for d, n, s in criminal]) if criminal else ""
    fields = ["SEA", "SEATTLE, WA, DOCKET CONTROL OFFICE", "SEA", "Seattle Area of Responsibility",
              "I-213", "2023-05-03T00:00:00Z", disposition, "MEXICO", "M", "34", "MEXICO", "Single",
              "", appr, method, "SEATTLE", "SEATTLE, WA", entry, "UNK", "UNKNOWN, POE", admission,
              "", "", "", q(health), admin_json, crim_json, "", "2023-05-01"]
    return "|".join(fields)


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    lines = [COLUMNS,
             record(entry="2021-03-01", admission="Without Inspection", admin=["212a6Ai"],
                    criminal=[("2019-01-02", "Larceny", "Convicted"),
                              ("2019-01-02", "Traffic Offenses", "Convicted"),
                              ("2020-06-01", "Assault", "Pending"),
                              ("2018-01-01", "IIDS ETL NULL", "Dismissed")],
                    health="Claims good health.\nSecond line of the note."),          # 1
             record(disposition="REINSTATEMENT OF DEPORT ORDER I-871", admin=["212a9CiII"],
                    method="CAP Local Incarceration"),                                 # 2
             record(admin=["237a2Aiii", "237a1B"], entry="2010-01-01",
                    admission="Visitor For Pleasure"),                                 # 3
             record(admin=["212a6Ai"], entry="2015-01-01", admission="Visitor For Pleasure",
                    criminal=[("2014-01-01", "Dangerous Drugs", "IIDS ETL NULL")]),   # 4
             record(disposition="(b)(6), (b)(7)(c)", entry="2030-01-01")]              # 5
    path = write_gz(tmp_path / "sea-i213s-test.csv.gz", lines)
    db = duckdb.connect()
    report = ADAPTERS["ice-i213"].load(path, db)
    assert report.cases == 5 and report.unmapped == {}
    assert_schema(db)
    return db


def _c(con: duckdb.DuckDBPyConnection) -> dict[int, dict[str, object]]:
    return {int(k.rsplit(":", 1)[1]): v for k, v in by_id(con).items()}


def test_entry_and_charges(con: duckdb.DuckDBPyConnection) -> None:
    c = _c(con)
    assert c[1]["last_entry_manner"] == "without_inspection"
    assert str(c[1]["last_entry_date"]) == "2021-03-01"
    assert c[1]["entry_count"] is None and c[1]["first_entry_date"] is None
    assert c[1]["apprehension_at"] == "interior"
    assert c[2]["final_order"] is True and c[2]["prior_removal"] is True
    assert c[3]["last_entry_manner"] == "inspected"
    assert c[4]["last_entry_manner"] is None          # class and charge disagree
    assert c[5]["last_entry_date"] is None and c[5]["disposition"] is None
    assert c[1]["charge_sections"] == "212a6Ai" and c[3]["charge_sections"] == "237a1B,237a2Aiii"


def test_listed_convictions(con: duckdb.DuckDBPyConnection) -> None:
    c = _c(con)
    assert c[1]["conviction_count"] is None and c[1]["pending_charge_count"] is None
    assert c[1]["convictions_listed"] == 2 and c[1]["pending_charges_listed"] == 1
    first = next(k for k in by_id(con) if k.endswith(":000001"))
    conv = convictions_of(con, first)
    assert len(conv) == 2
    assert conv[0]["cat_theft"] is True and conv[1]["cat_dui"] is None
    assert conv[0]["incident"] == conv[1]["incident"] == "charge-date:2019-01-02"
    assert conv[0]["conviction_date"] is None
    third = next(k for k in by_id(con) if k.endswith(":000003"))
    af = convictions_of(con, third)
    assert len(af) == 1 and af[0]["asserted"] is True and af[0]["cat_aggravated_felony"] is True


def test_assumptions(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    path = next(tmp_path.glob("*.csv.gz"))
    db = duckdb.connect()
    report = ADAPTERS["ice-i213"].load(path, db, assume=["i213-charges-complete",
                                                          "i213-entry-is-only-entry"])
    assert len(report.assumptions) == 2
    c = _c(db)
    assert c[1]["conviction_count"] == 2 and c[1]["pending_charge_count"] == 1
    assert c[2]["conviction_count"] == 0 and c[2]["pending_charge_count"] == 0
    assert c[3]["conviction_count"] is None     # the charge requires a conviction not listed
    assert c[4]["conviction_count"] is None     # a charge of unknown status
    assert c[1]["entry_count"] == 1 and c[1]["first_entry_date"] == c[1]["last_entry_date"]
    assert c[2]["entry_count"] is None          # previously removed: not the only entry
