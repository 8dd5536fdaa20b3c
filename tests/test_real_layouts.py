"""The published PDF read as a new user would read it, without the project's PDF reader: pdfplumber's text of
each page, then that page's tables as rows of tab-separated cells. The page text repeats every table's
words and numbers as loose lines before the rows, the cover wraps the year onto its own line, codes are
printed in 类|款|项 and 类|款 cells, notes stand between a title and its header (issue 9, families 1–4).

Fail closed: every amount the rows print is in `facts` under a column, none is left unplaced, and no
error finding is raised on this document (it has no inconsistency an error would name)."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from pipeline.build import parse_document
from pipeline.classify import MONEY_TYPES
from pipeline.build import run_stages

ROOT = Path(__file__).resolve().parent.parent
PDFS = sorted((ROOT / "disclosures").glob("*.pdf"))
DECIMAL = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+$")


def plain_reading(pdf_path: Path) -> str:
    pdfplumber = pytest.importorskip("pdfplumber")
    out = []
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            out.append(page.extract_text() or "")
            for table in page.extract_tables():
                out += ["\t".join((c or "").replace("\n", " ") for c in row) for row in table]
            out.append("")
    return "\n".join(out)


@pytest.fixture(scope="module", params=[p.name for p in PDFS])
def plain(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("plain") / (Path(request.param).stem + ".txt")
    path.write_text(plain_reading(ROOT / "disclosures" / request.param), encoding="utf-8")
    result = parse_document(path)
    run_stages([result])
    return result


def test_every_amount_of_the_rows_reaches_facts(plain, record_property):
    printed = Counter((no, c.strip()) for no, ln in enumerate(plain.source.lines, 1) if "\t" in ln
                      for c in ln.split("\t") if DECIMAL.match(c.strip()))
    facts = Counter((f["source_line"], f["published_value"]) for f in plain.facts if f["column_label"])
    placed = sum(min(n, facts[k]) for k, n in printed.items())
    record_property("plain_pdfplumber_coverage", f"{placed}/{sum(printed.values())}")
    assert sum(printed.values()) > 100
    assert placed >= 0.98 * sum(printed.values()), [k for k, n in printed.items() if facts[k] < n][:20]
    assert plain.unplaced_count == 0


def test_the_loose_copy_of_the_rows_is_neither_title_nor_text(plain):
    titles = [t.title for t in plain.tables if t.table_type in MONEY_TYPES]
    assert all(t.endswith("表") for t in titles), titles
    assert len(titles) == 9
    body = "\n".join(s["text"] for s in plain.sections)
    amounts = {f["published_value"] for f in plain.facts if "," in f["published_value"]}
    assert not [a for a in amounts if a in body]  # 2,940.05 … stand only in the rows, not in the sections


def test_cover_codes_and_notes(plain):
    doc = plain.document
    assert (doc["fiscal_year"], doc["kind"]) == (2024, "final_accounts") and doc["agency"].endswith("局")
    codes = {f["code"] for f in plain.facts}
    assert {"2010601", "2080505", "30201", "31002"} <= codes  # 类|款|项 and 类|款 cells joined
    assert not [f for f in plain.facts if re.fullmatch(r"\d{1,2}", f["published_value"])]  # a piece is no amount
    empty = [t for t in plain.tables if t.status == "empty"]
    assert empty and all(t.notes for t in empty)  # 注：…故本表无数据 printed before the rows


def test_no_error_finding(plain):
    errors = [f for f in plain.validation.findings if f["severity"] == "error"]
    assert not errors, errors
    assert not [f for f in plain.validation.findings if f["rule_id"] == "table.duplicate_code"]
