"""The small rules that guard against wrong or hostile input, one by one: amounts as disclosures print
them, spreadsheet formulas, the package schema's limits, and the package stage's isolation and atomic
write. The whole hostile corpus, built end to end, is in test_hostile.py."""
from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from pipeline.build import parse_document
from pipeline.package import write_package
from pipeline.safepath import UnsafePath, inside
from pipeline.schema import decimal_problem, load_schema
from pipeline.spreadsheet import neutralise
from pipeline.text import is_placeholder, parse_amount

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("printed, value", [
    ("1,234.00", "1234.00"), ("(1,234.00)", "-1234.00"), ("（１，２３４．００）", "-1234.00"),
    ("１２３４．５６", "1234.56"), ("(0.50)", "-0.50"), ("－３１８．０１", "-318.01"), ("26.67％", "26.67"),
    ("+5.2%", "5.2"), ("−5", "-5"),
])
def test_amounts_as_printed(printed, value):
    got = parse_amount(printed)
    assert got == Decimal(value) and str(got) == value  # exact, printed precision kept


@pytest.mark.parametrize("printed", ["(1)", "（2024）", "1.2.3", "12,34", "abc", "", "１２三"])
def test_not_amounts(printed):
    assert parse_amount(printed) is None


@pytest.mark.parametrize("printed", ["-", "—", "——", "－", "－－", "―", "/", "／", " -- "])
def test_dash_placeholders(printed):
    assert is_placeholder(printed) and parse_amount(printed) is None


def test_decimal_limits_come_from_the_schema():
    dec = load_schema()[0]["decimal"]
    whole = dec["precision"] - dec["scale"]
    assert decimal_problem(Decimal("9" * whole + "." + "9" * dec["scale"])) is None
    assert "digits before" in decimal_problem(Decimal("1" + "0" * whole))
    assert "decimal places" in decimal_problem(Decimal("0." + "0" * dec["scale"] + "1"))
    assert decimal_problem(Decimal("1." + "0" * (dec["scale"] + 3))) is None  # trailing zeros fit exactly


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
                                  "\t=1", "  =1+1", "=1"])
def test_formulas_are_neutralised(text):
    out = neutralise(text)
    assert out == "'" + text


@pytest.mark.parametrize("text", ["-318.01", "+5", "(1,234.00)", "1,234", "-", "——", "行政运行", "", "2080101"])
def test_numbers_and_text_are_left_alone(text):
    assert neutralise(text) == text


def test_inside_refuses_paths_that_leave(tmp_path):
    assert inside(tmp_path, "docs", "abc") == (tmp_path / "docs" / "abc").resolve()
    for parts in (("..",), ("docs", "..", ".."), ("/etc/x",), ("../../../../tmp/x",), ("docs", ".."), (".",)):
        with pytest.raises(UnsafePath):
            inside(tmp_path, *parts)
    (tmp_path / "link").symlink_to("/tmp")
    with pytest.raises(UnsafePath):
        inside(tmp_path, "link", "x")


@pytest.fixture(scope="module")
def two_results():
    paths = sorted((ROOT / "disclosures").glob("*.txt"))[:2]
    return [parse_document(p, f"disclosures/{p.name}") for p in paths]


def _published_docs(out: Path) -> list[str]:
    return list(pd.read_csv(out / "documents.csv")["doc_id"])


@pytest.mark.parametrize("break_it", ["overflow", "decimals", "long_title", "bad_id", "year_text", "carriage_return"])
def test_a_value_that_breaks_the_schema_fails_only_its_document(tmp_path, two_results, break_it):
    good, bad = copy.deepcopy(two_results)
    fact = next(f for f in bad.facts if f["value"] is not None)
    if break_it == "overflow":
        fact["value"] = Decimal("123456789012345678901234")
    elif break_it == "decimals":
        fact["value"] = Decimal("1.23456789")
    elif break_it == "long_title":
        bad.document["title"] = "标题" * 400_000
    elif break_it == "bad_id":
        bad.document["agency_id"] = 'x" autofocus onfocus="alert(1)'
    elif break_it == "year_text":
        bad.document["fiscal_year"] = "abc"
    elif break_it == "carriage_return":  # Python's csv module would write it unquoted, ending the CSV line
        fact["row_label"] = "合计\r其中"
    out = tmp_path / "pkg"
    write_package([good, bad], [], out)
    assert _published_docs(out) == [good.document["doc_id"]]
    report = pd.read_csv(out / "build_report.csv").to_dict("records")
    assert len(report) == 1 and report[0]["severity"] == "error"
    assert report[0]["source_file"] == bad.source.path and "not published" in report[0]["message"]
    if break_it in ("overflow", "decimals", "carriage_return"):
        assert report[0]["source_line"] == fact["source_line"]
    assert len(report[0]["message"]) < 1000  # an 800,000-character value is not copied into the report
    assert not (out / "docs" / bad.document["doc_id"]).exists()


def test_a_failed_build_leaves_the_previous_package_intact(tmp_path, two_results, monkeypatch):
    out = tmp_path / "pkg"
    write_package(two_results[:1], [], out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    import pipeline.package as package

    def explode(*a, **k):
        raise OSError("disk full (simulated)")
    monkeypatch.setattr(package, "_stream_parquet", explode)
    with pytest.raises(OSError):
        write_package(two_results, [], out)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["pkg"]  # no temporary folder left behind


def test_a_doc_id_already_taken_is_not_published_twice(tmp_path, two_results):
    first, second = copy.deepcopy(two_results)
    second.document["doc_id"] = first.document["doc_id"]  # e.g. pinned in a sidecar to another's id
    for n, order in enumerate(([first, second], [second, first])):
        out = tmp_path / str(n)
        write_package(order, [], out)
        assert _published_docs(out) == [first.document["doc_id"]]
        kept = pd.read_csv(out / "documents.csv")["source_sha256"].tolist()
        assert kept == [min(first.document["source_sha256"], second.document["source_sha256"])]  # not by order
        report = pd.read_csv(out / "build_report.csv").to_dict("records")
        assert len(report) == 1 and "already that of" in report[0]["message"]
