"""The downloads made after the package (pipeline/exports): a workbook per document, opened here with openpyxl
as a spreadsheet user would; the SQLite database; the Fiscal Data Package view; their listing on the site.

Everything is compared with the package's own CSV rows, never with numbers written into the test."""
from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import sqlite3
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from package_build import ROOT, session_package
from pipeline.exports import EXPORTS, read_manifest, workbook_path, write_exports
from pipeline.exports.source import read_package
from pipeline.exports.workbook import Sheet, table_sheet, workbook_bytes
from pipeline.text import UNIT_FACTOR, is_amount, is_current_year

FIXED_SHEETS = {"封面", "项目及绩效指标", "数据质量检查"}
TOP = 3  # sheet row of a table's first printed row (title and unit above it)


@pytest.fixture(scope="module")
def pkg(tmp_path_factory) -> Path:
    return session_package(tmp_path_factory)


@pytest.fixture(scope="module")
def rows(pkg) -> dict[str, list[dict]]:
    out = {}
    for name in ("documents", "tables", "facts", "cells", "projects", "indicators", "findings"):
        with (pkg / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
            out[name] = list(csv.DictReader(fh))
    return out


@pytest.fixture(scope="module")
def books(pkg, rows) -> dict[str, object]:
    return {d["doc_id"]: load_workbook(pkg / workbook_path(d["doc_id"])) for d in rows["documents"]}


def by(rows: list[dict], key: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        out[r[key]].append(r)
    return out


def table_sheets(book, tables: list[dict]):
    """(worksheet, table row) for each table of a document, in the package's order."""
    sheets = [ws for ws in book.worksheets if ws.title not in FIXED_SHEETS]
    assert len(sheets) == len(tables), ([ws.title for ws in sheets], [t["table_id"] for t in tables])
    return list(zip(sheets, tables))


def covering(ws) -> dict[tuple[int, int], object]:
    """(row, col) → the value shown there: a merged range shows its first cell's value everywhere."""
    out = {}
    for rng in ws.merged_cells.ranges:
        v = ws.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                out[(r, c)] = v
    return out


# ------------------------------------------------------------------------------------------ workbooks

def test_every_document_has_a_workbook_with_cover_tables_projects_and_findings(books, rows):
    tables = by(rows["tables"], "doc_id")
    for doc_id, book in books.items():
        assert book.sheetnames[0] == "封面"
        assert {"项目及绩效指标", "数据质量检查"} <= set(book.sheetnames)
        table_sheets(book, tables[doc_id])  # one sheet per table, in order


def test_header_cells_are_merged_as_printed(books, rows):
    """Each amount's column path (facts.column_label) reads top-down in the header cells that cover its column:
    a group header printed once over several columns must be merged over all of them, and only them."""
    tables, facts = by(rows["tables"], "doc_id"), by(rows["facts"], "table_id")
    checked = spans_wide = spans_tall = 0
    for doc_id, book in books.items():
        for ws, t in table_sheets(book, tables[doc_id]):
            h = int(t["header_rows"] or 0)
            cover = covering(ws)
            header = [rng for rng in ws.merged_cells.ranges if rng.min_row >= TOP]
            spans_wide += sum(rng.max_col > rng.min_col for rng in header)
            spans_tall += sum(rng.max_row > rng.min_row for rng in header)
            for f in facts[t["table_id"]]:
                col = int(f["column_index"])
                shown = [cover.get((r, col), ws.cell(r, col).value) for r in range(TOP, TOP + h)]
                shown = [str(v) for v in shown if v is not None]
                rest = iter(shown)
                assert all(any(part == s for s in rest) for part in f["column_label"].split(" / ")), (
                    f"{ws.title} column {col}: header shows {shown}, the fact's column is {f['column_label']!r}")
                checked += 1
    assert checked == len(rows["facts"])
    assert spans_wide and spans_tall  # the five documents do print group headers and tall label headers


def test_amounts_are_numbers_equal_to_the_facts(books, rows):
    """Row by row: the numbers of a printed row sit in the facts' columns and, times the table's unit, equal
    the facts' values; nothing else in a table sheet is a number."""
    tables, facts = by(rows["tables"], "doc_id"), by(rows["facts"], "table_id")
    for doc_id, book in books.items():
        for ws, t in table_sheets(book, tables[doc_id]):
            want = defaultdict(dict)
            for f in facts[t["table_id"]]:
                if f["value"]:
                    factor = UNIT_FACTOR[f["published_unit"]] if f["value_unit"] == "yuan" else Decimal(1)
                    want[f["source_line"]][int(f["column_index"])] = (Decimal(f["value"]), factor)
            got = defaultdict(dict)
            for row in ws.iter_rows(min_row=TOP):
                for cell in row:
                    if isinstance(cell.value, (int, float)):
                        assert "#,##0" in cell.number_format, (ws.title, cell.coordinate, cell.number_format)
                        got[cell.row][cell.column] = Decimal(repr(cell.value))
            assert len(got) == len(want), f"{ws.title}: {len(got)} rows with numbers, {len(want)} with facts"
            for nums, line in zip((got[r] for r in sorted(got)), sorted(want, key=int)):
                assert set(nums) == set(want[line]), f"{ws.title} line {line}: columns {sorted(nums)} ≠ {sorted(want[line])}"
                for col, (value, factor) in want[line].items():
                    assert nums[col] * factor == value, f"{ws.title} line {line} column {col}: {nums[col]} × {factor} ≠ {value}"


def test_every_printed_cell_is_in_its_sheet(books, rows):
    """Nothing lost: each cell of a table is in its sheet, as a number when it is a fact, else as its text."""
    from pipeline.spreadsheet import neutralise

    tables, cells = by(rows["tables"], "doc_id"), by(rows["cells"], "table_id")
    fact_at = {(f["table_id"], f["source_line"], f["column_index"]) for f in rows["facts"] if f["value"]}
    for doc_id, book in books.items():
        for ws, t in table_sheets(book, tables[doc_id]):
            shown = Counter(c.value for row in ws.iter_rows(min_row=TOP) for c in row if isinstance(c.value, str))
            printed = Counter(neutralise(c["text"]) for c in cells[t["table_id"]]
                              if (t["table_id"], c["source_line"], c["grid_col"] or c["col"]) not in fact_at)
            header = Counter(c.value for row in ws.iter_rows(min_row=TOP, max_row=TOP + int(t["header_rows"] or 0) - 1)
                             for c in row if isinstance(c.value, str))
            missing = printed - shown
            # header text is shown with the extraction's wrapping undone (科目 编码 → 科目编码)
            assert all(re.sub(r"\s+", "", m) in {re.sub(r"\s+", "", h) for h in header} for m in missing), (ws.title, missing)


def test_codes_keep_leading_zeros_and_stay_text(books, rows):
    tables, cells = by(rows["tables"], "doc_id"), by(rows["cells"], "table_id")
    codes = 0
    for doc_id, book in books.items():
        for ws, t in table_sheets(book, tables[doc_id]):
            shown = Counter(c.value for row in ws.iter_rows(min_row=TOP) for c in row if isinstance(c.value, str))
            for c in cells[t["table_id"]]:
                if re.fullmatch(r"\d{2,7}", c["text"]) and int(c["row"]) > int(t["header_rows"] or 0):
                    if not is_amount(c["text"]) or c["text"].startswith("0") or len(c["text"]) in (3, 5, 7):
                        codes += 1
                        assert shown[c["text"]], f"{ws.title}: code {c['text']!r} (line {c['source_line']}) is not text"
    assert codes > 100


def test_codes_split_over_cells_keep_their_zeros(tmp_path):
    """A variant printed as 类|款|项 in three cells (208 | 01 | 01): each piece is text, zeros kept."""
    table = {"table_id": "x-t01", "title": "支出表", "unit": "万元", "header_rows": 1, "line_start": 1, "line_end": 2}
    cells = [{"row": 1, "col": c, "grid_col": c, "text": t, "source_line": 1}
             for c, t in enumerate(["类", "款", "项", "科目名称", "合计"], 1)]
    cells += [{"row": 2, "col": c, "grid_col": c, "text": t, "source_line": 2}
              for c, t in enumerate(["208", "01", "01", "行政运行", "1,234.50"], 1)]
    fact = {"source_line": 2, "column_index": 5, "value": Decimal("12345000"), "value_unit": "yuan",
            "published_unit": "万元", "decimals": 2}
    sheet = table_sheet("t", table, cells, [fact])
    path = tmp_path / "x.xlsx"
    path.write_bytes(workbook_bytes([sheet], __import__("datetime").datetime(2026, 1, 1), "x"))
    ws = load_workbook(path)["t"]
    assert [ws.cell(TOP + 1, c).value for c in range(1, 4)] == ["208", "01", "01"]
    assert ws.cell(TOP + 1, 2).data_type == "s" and ws.cell(TOP + 1, 2).number_format == "@"
    assert ws.cell(TOP + 1, 5).value == 1234.5 and ws.cell(TOP + 1, 5).number_format == "#,##0.00"


def test_an_unknown_money_unit_is_reported_not_guessed():
    from pipeline.exports.workbook import amount_cell

    fact = {"table_id": "x-t01", "source_line": 7, "value": Decimal("1000"), "value_unit": "yuan",
            "published_unit": "千元", "decimals": 0}
    with pytest.raises(ValueError, match="x-t01 line 7.*千元"):
        amount_cell(fact)


def test_no_cell_is_a_formula(books):
    for doc_id, book in books.items():
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", (doc_id, ws.title, c.coordinate)
                    if isinstance(c.value, str):
                        assert not c.value.lstrip().startswith("="), (doc_id, ws.title, c.coordinate, c.value)
                        if c.value.lstrip().startswith(("+", "-", "@")):
                            assert is_amount(c.value.strip()) or set(c.value.strip()) <= set("-—－–/"), (
                                doc_id, ws.title, c.coordinate, c.value)


def test_planted_formulas_are_neutralised(tmp_path):
    planted = ['=HYPERLINK("http://example.invalid","点此")', "@SUM(A1:A9)", "+1+cmd|' /C calc'!A0", "-2+3"]
    table = {"table_id": "x-t01", "title": "=1+1", "unit": "元", "header_rows": 1, "line_start": 1, "line_end": 2}
    cells = [{"row": 1, "col": 1, "grid_col": 1, "text": "=项目", "source_line": 1}]
    cells += [{"row": 2, "col": c, "grid_col": c, "text": t, "source_line": 2} for c, t in enumerate(planted, 1)]
    cells += [{"row": 3, "col": 1, "grid_col": 1, "text": "-", "source_line": 3},
              {"row": 3, "col": 2, "grid_col": 2, "text": "-12.50", "source_line": 3}]
    path = tmp_path / "x.xlsx"
    path.write_bytes(workbook_bytes([table_sheet("t", table, cells, [])], __import__("datetime").datetime(2026, 1, 1), "x"))
    ws = load_workbook(path)["t"]
    values = {c.value for row in ws.iter_rows() for c in row if c.value is not None}
    for text in planted + ["=项目"]:
        assert "'" + text in values and text not in values, text
    assert "=1+1" not in values and "'=1+1" in values
    assert {"-", "-12.50"} <= values  # a dash and a printed number are data, left as printed
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_text_longer_than_a_cell_is_cut_with_a_note(tmp_path):
    from pipeline.exports.workbook import EXCEL_TEXT_MAX, TOO_LONG, text

    long = "说明" * 20000
    sheet = Sheet("t")
    sheet.put(1, 1, text(long))
    sheet.put(1, 2, text("短"))
    path = tmp_path / "x.xlsx"
    path.write_bytes(workbook_bytes([sheet], __import__("datetime").datetime(2026, 1, 1), "x"))
    ws = load_workbook(path)["t"]
    assert len(ws["A1"].value) == EXCEL_TEXT_MAX and ws["A1"].value.endswith(TOO_LONG)
    assert long.startswith(ws["A1"].value[:-len(TOO_LONG)]) and ws["B1"].value == "短"


def test_cover_sheet_names_source_licence_build_date_and_agency_page(books, rows, pkg):
    descriptor = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    docs = {d["doc_id"]: d for d in rows["documents"]}
    for doc_id, book in books.items():
        ws = book["封面"]
        fields = {r[0].value.split(" ")[0]: r[1] for r in ws.iter_rows(min_row=3, max_col=2) if r[0].value}
        assert fields["生成日期"].value == descriptor["created"]
        assert descriptor["licenses"][0]["name"] in fields["许可"].value
        assert docs[doc_id]["source_file"] in fields["来源"].value
        assert fields["原文"].value == docs[doc_id]["source_sha256"]
        page = fields["部门页面"]
        assert f"agency/{docs[doc_id]['agency_id']}/" in str(page.value)
        assert (page.hyperlink is not None) == str(page.value).startswith("http")


def test_projects_sheet_has_one_row_per_indicator(books, rows, pkg):
    indicators, projects = by(rows["indicators"], "doc_id"), by(rows["projects"], "doc_id")
    name_label = read_package(pkg).label("indicators", "name")
    for doc_id, book in books.items():
        ws = book["项目及绩效指标"]
        with_indicators = {i["project_id"] for i in indicators[doc_id]}
        bare = [p for p in projects[doc_id] if p["project_id"] not in with_indicators]
        assert ws.max_row - 1 == len(indicators[doc_id]) + len(bare)
        heads = [c.value for c in ws[1]]
        assert heads.count(name_label) == 1, heads
        col = heads.index(name_label)
        names = Counter(r[col].value for r in ws.iter_rows(min_row=2))
        assert names == Counter(i["name"] or None for i in indicators[doc_id]) + Counter({None: len(bare)})


def test_findings_sheet_lists_the_documents_findings(books, rows):
    findings = by(rows["findings"], "doc_id")
    for doc_id, book in books.items():
        ws = book["数据质量检查"]
        assert sorted(str(r[1].value) for r in ws.iter_rows(min_row=2)) == sorted(f["rule_id"] for f in findings[doc_id])


# ------------------------------------------------------------------------------------------- database

def test_database_has_declared_types_keys_and_indexes(pkg):
    descriptor = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    con = sqlite3.connect(pkg / EXPORTS / "fiscal-disclosures.sqlite")
    sql_type = {"string": "TEXT", "integer": "INTEGER", "number": "REAL", "boolean": "BOOLEAN"}
    for res in descriptor["resources"]:
        name, schema = res["name"], res["schema"]
        info = con.execute(f'PRAGMA table_info("{name}")').fetchall()
        assert [(c[1], c[2]) for c in info] == [(f["name"], sql_type[f["type"]]) for f in schema["fields"]], name
        pk = [c[1] for c in sorted(info, key=lambda c: c[5]) if c[5]]
        assert pk == schema.get("primaryKey", []), name
        indexed = {con.execute(f'PRAGMA index_info("{i[1]}")').fetchone()[2]
                   for i in con.execute(f'PRAGMA index_list("{name}")').fetchall()}
        for col in ("doc_id", "code"):
            if col in [f["name"] for f in schema["fields"]]:
                assert col in indexed, f"{name}.{col} has no index"
        count = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        with (pkg / res["path"]).open(encoding="utf-8") as fh:
            assert count == sum(1 for _ in csv.DictReader(fh)), name
    declared = [(r["name"], f["name"], f["type"], f.get("description")) for r in descriptor["resources"]
                for f in r["schema"]["fields"]]
    assert con.execute('SELECT resource, field, type, description FROM "_fields" '
                       'ORDER BY (SELECT rowid FROM "_resources" WHERE resource = "_fields".resource), position'
                       ).fetchall() == declared
    fks = con.execute('PRAGMA foreign_key_list("facts")').fetchall()
    assert {(fk[2], fk[3]) for fk in fks} >= {("tables", "table_id")}


def test_database_amounts_equal_the_package_to_its_decimal_places(pkg, rows):
    con = sqlite3.connect(pkg / EXPORTS / "fiscal-disclosures.sqlite")
    stored = {(t, line, col): v for t, line, col, v in
              con.execute("SELECT table_id, source_line, column_index, value FROM facts")}
    for f in rows["facts"]:
        v = stored[(f["table_id"], int(f["source_line"]), int(f["column_index"]))]
        if f["value"] == "":
            assert v is None
        else:
            assert isinstance(v, float) and round(Decimal(repr(v)), 4) == Decimal(f["value"]), f


def readme_sql() -> str:
    blocks = re.findall(r"^```python[ \t]*\n(.*?)^```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S | re.M)
    ours = [b for b in blocks if "fiscal-disclosures.sqlite" in b]
    assert len(ours) == 1, "the README shows one SQLite snippet"
    return re.search(r'"""(.*?)"""', ours[0], re.S).group(1)


def test_readme_sql_gives_three_public_costs_by_agency_and_year(pkg, rows):
    """The README's query, run on the database file: a total for every document with a 三公 table (budget and
    outturn where a final account prints both), each a printed fact of that table in the document's own year."""
    con = sqlite3.connect(pkg / EXPORTS / "fiscal-disclosures.sqlite")
    result = con.execute(readme_sql()).fetchall()
    docs = {d["doc_id"]: d for d in rows["documents"]}
    three = {t["table_id"] for t in rows["tables"] if t["table_type"] == "three_public_costs"}
    facts = [f for f in rows["facts"] if f["table_id"] in three]
    assert {(r[0], r[1]) for r in result} == {(docs[f["doc_id"]]["agency"], int(docs[f["doc_id"]]["fiscal_year"]))
                                              for f in facts}
    for agency, year, kind, column, wan in result:
        assert is_current_year(column, year) and "合计" in column, column
        match = [f for f in facts if docs[f["doc_id"]]["agency"] == agency and f["column_label"] == column
                 and f["row_label"] in ("", "合计")]
        assert match and all(round(Decimal(f["value"]) / 10000, 2) == round(Decimal(repr(wan)), 2) for f in match)


# -------------------------------------------------------------------------------- fiscal data package

def test_fiscal_data_package_validates_and_follows_the_model(pkg, rows):
    from frictionless import validate

    folder = pkg / EXPORTS / "fiscal-data-package"
    report = validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["type", "note"])[:5]
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    fields = {r["name"]: {f["name"]: f["type"] for f in r["schema"]["fields"]} for r in descriptor["resources"]}
    model = descriptor["model"]
    assert model["measures"]
    for m in model["measures"].values():  # a measure: a numeric source field and an ISO 4217 currency
        assert fields[m["resource"]][m["source"]] == "number" and re.fullmatch(r"[A-Z]{3}", m["currency"])
    kinds = {}
    for name, d in model["dimensions"].items():
        assert d["dimensionType"] in {"datetime", "entity", "classification", "activity", "fact", "location", "other"}
        attrs = d["attributes"]
        for a in attrs.values():
            assert a["source"] in fields[a["resource"]], (name, a)
            assert a.get("labelfor", next(iter(attrs))) in attrs and a.get("parent", next(iter(attrs))) in attrs
        assert set(d["primaryKey"]) <= set(attrs)
        kinds[d.get("classificationType") or d["dimensionType"]] = name
    assert {"functional", "economic", "entity", "datetime"} <= set(kinds)
    with (folder / "fiscal-facts.csv").open(encoding="utf-8") as fh:
        view = list(csv.DictReader(fh))
    money = [f for f in rows["facts"] if f["value_unit"] == "yuan" and f["value"]]
    assert len(view) == len(money)
    assert sum(Decimal(r["amount"]) for r in view) == sum(Decimal(f["value"]) for f in money)
    codes = Counter(f["code_kind"] for f in money)
    assert sum(bool(r["functional_code"]) for r in view) == codes["functional"]
    assert sum(bool(r["economic_code"]) for r in view) == codes["economic"]


# ------------------------------------------------------------------------------ listing and rebuilds

def test_manifest_lists_every_download_with_size_and_sha256_at_a_stable_path(pkg, rows):
    entries = read_manifest(pkg)
    paths = {e["path"] for e in entries}
    assert {workbook_path(d["doc_id"]) for d in rows["documents"]} <= paths
    assert f"{EXPORTS}/fiscal-disclosures.sqlite" in paths
    assert f"{EXPORTS}/fiscal-data-package/datapackage.json" in paths
    for e in entries:
        data = (pkg / e["path"]).read_bytes()
        assert e["bytes"] == len(data) and e["sha256"] == hashlib.sha256(data).hexdigest()
        assert not re.search(r"\d{8}|[0-9a-f]{16}", e["path"].replace(e.get("doc_id", "~"), "")), e["path"]


def test_one_failing_workbook_leaves_the_others_and_stale_files_go(tmp_path, pkg, rows, monkeypatch):
    import pipeline.exports.workbook as workbook

    out = tmp_path / "datapackage"
    shutil.copytree(pkg, out)
    stale = out / EXPORTS / "xlsx" / "gone-2020-budget.xlsx"
    stale.write_bytes(b"old")
    manifest = json.loads((out / EXPORTS / "downloads.json").read_text(encoding="utf-8"))
    manifest["downloads"].append({"path": f"{EXPORTS}/xlsx/gone-2020-budget.xlsx"})
    (out / EXPORTS / "downloads.json").write_text(json.dumps(manifest), encoding="utf-8")
    bad = rows["documents"][0]
    real = workbook.document_sheets

    def failing(pkg_, doc, url):
        if doc["doc_id"] == bad["doc_id"]:
            raise ValueError("planted")
        return real(pkg_, doc, url)

    monkeypatch.setattr(workbook, "document_sheets", failing)
    problems, _ = write_exports(out)
    assert len(problems) == 1 and bad["source_file"] in problems[0] and "planted" in problems[0]
    assert not stale.exists() and not (out / workbook_path(bad["doc_id"])).exists()
    for d in rows["documents"][1:]:
        assert (out / workbook_path(d["doc_id"])).read_bytes() == (pkg / workbook_path(d["doc_id"])).read_bytes()


def test_a_failing_database_leaves_the_other_downloads(tmp_path, pkg, monkeypatch):
    import pipeline.exports.database as database

    out = tmp_path / "datapackage"
    shutil.copytree(pkg, out)

    def broken(*args):
        raise ValueError("planted: 3 rows break a foreign key")

    monkeypatch.setattr(database, "write_database", broken)
    problems, _ = write_exports(out)
    assert len(problems) == 1 and "database not written" in problems[0] and "planted" in problems[0]
    listed = {e["kind"] for e in read_manifest(out)}
    assert listed == {"xlsx", "fiscal-data-package"}
    assert not (out / EXPORTS / "fiscal-disclosures.sqlite").exists()  # the earlier build's is not left behind


def test_site_lists_downloads_with_checksums_and_links_each_workbook(tmp_path, pkg, rows):
    from pipeline.site import generate
    from pipeline.site.stash import read_page

    docs_dir = tmp_path / "docs"
    generate(pkg, docs_dir)
    data_page = "".join(read_page(docs_dir, p.relative_to(docs_dir).as_posix())  # the page and its parts
                        for p in [docs_dir / "data.md", *sorted((docs_dir / "data").glob("*.md"))])
    for e in read_manifest(pkg):
        assert f'downloads/package/{e["path"]}"' in data_page and e["sha256"] in data_page
    served = [p for p in (docs_dir / "downloads").rglob("*") if p.is_file()]
    assert any(p.suffix == ".zip" for p in served) and any(p.parent.name == "tables" for p in served)
    for p in served:  # every download the site offers, with its size and sha256
        rel = p.relative_to(docs_dir).as_posix()
        assert re.search(f'href="(?:\\.\\./)+{re.escape(rel)}"', data_page) and hashlib.sha256(p.read_bytes()).hexdigest() in data_page, rel
    pages = "".join(read_page(docs_dir, f"agency/{p.name}") for p in (docs_dir / "agency").glob("*.md"))
    for d in rows["documents"]:
        assert f'downloads/package/{workbook_path(d["doc_id"])}"' in pages
        assert (docs_dir / "downloads" / "package" / workbook_path(d["doc_id"])).is_file()


def test_reading_the_package_types_money_as_decimal(pkg):
    p = read_package(pkg)
    values = [f["value"] for f in p.rows["facts"] if f["value"] is not None]
    assert values and all(isinstance(v, Decimal) for v in values)
    assert all(isinstance(f["source_line"], int) for f in p.rows["facts"])


def test_site_url_is_read_as_mkdocs_reads_it(tmp_path, monkeypatch):
    from pipeline.exports import site_url

    config = tmp_path / "mkdocs.yml"
    config.write_text('site_name: x\nsite_url: !ENV [SITE_URL, "http://127.0.0.1:8000/"]  # local default\n')
    monkeypatch.delenv("SITE_URL", raising=False)
    assert site_url(config) == "http://127.0.0.1:8000/"
    monkeypatch.setenv("SITE_URL", "https://example.org/fiscal")
    assert site_url(config) == "https://example.org/fiscal/"
    config.write_text("site_url: 'https://example.net/'\n")
    assert site_url(config) == "https://example.net/"
    config.write_text("site_url: !ENV [SITE_URL]\n")
    monkeypatch.delenv("SITE_URL")
    assert site_url(config) == ""
    config.write_text("site_url: javascript:alert(1)\n")
    assert site_url(config) == ""


def test_sheet_names_follow_excels_rules():
    from pipeline.exports.workbook import sheet_name

    used: set[str] = set()
    names = [sheet_name("01 一般公共预算“三公”经费支出表（按经济分类科目）: [草稿]/?*", used) for _ in range(3)]
    assert len(set(n.lower() for n in names)) == 3
    assert all(len(n) <= 31 and not re.search(r"[\[\]:*?/\\']", n) for n in names)
    assert Sheet("x").name == "x"


# ------------------------------------------------------------------------------------------- at scale

def _downloads(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted((folder / EXPORTS).rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def worker_builds(tmp_path_factory) -> dict[str, Path]:
    """The CLI's build of three disclosures with 1 and with 2 workers, each with a parts folder of its own,
    and a rebuild on the cached parts of the second."""
    from pipeline.cli import main

    tmp = tmp_path_factory.mktemp("exports-workers")
    src = tmp / "src"
    src.mkdir()
    for p in sorted((ROOT / "disclosures").glob("*.txt"))[:3]:
        shutil.copyfile(p, src / p.name)
    out = {}
    for label, workers, parts in (("one", "1", "parts1"), ("two", "2", "parts2"), ("cached", "2", "parts2")):
        assert main(["build", "--sources", str(src), "--out", str(tmp / label), "--cache", "",
                     "--workers", workers, "--parts", str(tmp / parts)]) == 0
        out[label] = tmp / label
    out["parts"] = tmp / "parts2"
    return out


def test_downloads_are_byte_identical_whatever_the_workers_and_the_cache(worker_builds):
    one, two, cached = (_downloads(worker_builds[k]) for k in ("one", "two", "cached"))
    assert any(name.endswith(".xlsx") for name in one) and f"{EXPORTS}/fiscal-disclosures.sqlite" in one
    assert one.keys() == two.keys() == cached.keys()
    assert [n for n in one if not one[n] == two[n] == cached[n]] == []


def test_each_workbook_is_made_by_its_worker_and_linked_from_its_part(worker_builds, tmp_path):
    """The workbooks are made with the documents' parts (in the workers) and only linked by the exports stage;
    made again from the package's slices alone, without the parts, they are the same bytes."""
    pkg = worker_builds["two"]
    kept = {p.read_bytes() for p in worker_builds["parts"].glob("*/downloads/*.xlsx")}
    books = [pkg / workbook_path(d["doc_id"]) for d in read_package(pkg, ("documents",)).rows["documents"]]
    assert len(kept) == len(books) == 3
    assert {b.read_bytes() for b in books} == kept and all(b.stat().st_nlink > 1 for b in books)
    copy = tmp_path / "datapackage"
    shutil.copytree(pkg, copy)
    problems, _ = write_exports(copy)  # no parts: every workbook made here, from docs/<doc_id>/
    assert problems == [] and _downloads(copy) == _downloads(pkg)


def test_a_workbook_kept_for_another_site_address_is_not_used(worker_builds, tmp_path):
    """A cached workbook links the agency page of the site it was made for: another address makes it again."""
    copy = tmp_path / "datapackage"
    shutil.copytree(worker_builds["two"], copy)
    parts = sorted(worker_builds["parts"].iterdir())
    problems, _ = write_exports(copy, "https://example.org/fiscal/", parts)
    assert problems == []
    for d in read_package(copy, ("documents",)).rows["documents"]:
        page = {r[0].value.split(" ")[0]: r[1].value
                for r in load_workbook(copy / workbook_path(d["doc_id"]))["封面"].iter_rows(min_row=3, max_col=2)
                if r[0].value}["部门页面"]
        assert page == f"https://example.org/fiscal/agency/{d['agency_id']}/#doc-{d['doc_id']}"
        assert (copy / workbook_path(d["doc_id"])).stat().st_nlink == 1  # made here, not a part's


def test_a_sheet_excel_cannot_hold_is_refused_not_cut(tmp_path):
    from pipeline.exports.workbook import EXCEL_COLUMNS, EXCEL_ROWS

    for rows in ([[None]] * (EXCEL_ROWS + 1), [[None] * (EXCEL_COLUMNS + 1)]):
        with pytest.raises(ValueError, match=r"sheet '02 支出表'.*1,048,576 rows and 16,384 columns"):
            workbook_bytes([Sheet("01 收入表"), Sheet("02 支出表", rows=rows)],
                           __import__("datetime").datetime(2026, 1, 1), "x")


def test_database_holds_every_row_of_the_package_in_its_order(pkg):
    """Merged from the documents' databases: every row of every table, in the package's order, each value of
    its declared type, amounts the float nearest their exact decimal."""
    con = sqlite3.connect(pkg / EXPORTS / "fiscal-disclosures.sqlite")
    descriptor = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    for res in descriptor["resources"]:
        fields = res["schema"]["fields"]
        stored = con.execute(f'SELECT * FROM "{res["name"]}" ORDER BY rowid').fetchall()
        with (pkg / res["path"]).open(encoding="utf-8", newline="") as fh:
            printed = [tuple(r[f["name"]] for f in fields) for r in csv.DictReader(fh)]
        assert len(stored) == len(printed), res["name"]
        for got, want in zip(stored, printed):
            for v, text, f in zip(got, want, fields):
                expected = (None if text == "" else float(Decimal(text)) if f["type"] == "number" else
                            int(text) if f["type"] == "integer" else int(text == "true") if f["type"] == "boolean"
                            else text)  # SQLite keeps a boolean as 0 or 1
                assert v == expected and type(v) is type(expected), (res["name"], f["name"], v, text)


def test_a_document_whose_keys_break_leaves_the_database_out_located(tmp_path, pkg, rows):
    """A document's rows that refer to a row it does not have (a fact of a table not in tables) fail closed:
    no database, a message naming the document; the workbooks are still written."""
    out = tmp_path / "datapackage"
    shutil.copytree(pkg, out)
    doc = rows["documents"][-1]
    tables = out / "docs" / doc["doc_id"] / "tables.csv"
    lines = tables.read_text(encoding="utf-8").splitlines(keepends=True)
    tables.unlink()  # replaced, never written through (a slice file may be a hard link into a part)
    tables.write_text("".join(lines[:2]), encoding="utf-8")  # the header and the first table only
    problems, _ = write_exports(out)
    assert len(problems) >= 1 and all(doc["source_file"] in p for p in problems), problems
    assert any("database not written" in p and "refers to a row of 'tables'" in p for p in problems), problems
    assert not (out / EXPORTS / "fiscal-disclosures.sqlite").exists()
    assert (out / workbook_path(rows["documents"][0]["doc_id"])).is_file()


def test_the_fiscal_view_keeps_the_packages_text_of_each_amount(pkg, rows):
    with (pkg / EXPORTS / "fiscal-data-package" / "fiscal-facts.csv").open(encoding="utf-8", newline="") as fh:
        view = {(r["table_id"], r["source_line"], r["column_index"]): r for r in csv.DictReader(fh)}
    money = [f for f in rows["facts"] if f["value_unit"] == "yuan" and f["value"]]
    assert len(view) == len(money)
    for f in money:
        r = view[(f["table_id"], f["source_line"], f["column_index"])]
        assert (r["amount"], r["published_value"], r["row_label"]) == (f["value"], f["published_value"], f["row_label"])


# ------------------------------------------------------------------------------------ the xlsx writer

def xlsxwriter_bytes(sheets: list[Sheet], created, title: str) -> bytes:
    """The same sheets written by XlsxWriter, which wrote the workbooks before our writer: the reference it is
    measured against (pinned for this test only)."""
    import io

    import xlsxwriter

    from pipeline.exports.xlsx import STYLES

    spec = {"title": {"bold": True, "font_size": 14},
            "head": {"bold": True, "border": 1, "border_color": "#999999", "bg_color": "#EEF2F7", "align": "center",
                     "valign": "vcenter", "text_wrap": True, "num_format": "@"},
            "label": {"bold": True, "valign": "top", "num_format": "@"}, "text": {"valign": "top", "num_format": "@"},
            "num": {}, "link": {"font_color": "#0563C1", "underline": 1}}
    assert spec.keys() == STYLES.keys()
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                   "strings_to_urls": False})
    wb.set_properties({"title": title, "created": created})
    formats = {}

    def fmt(style, number_format):
        if (style, number_format) not in formats:
            formats[(style, number_format)] = wb.add_format({**spec[style], **({"num_format": number_format} if number_format else {})})
        return formats[(style, number_format)]

    for sh in sheets:
        ws = wb.add_worksheet(sh.name)
        spans = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in sh.merges}
        for r, row in enumerate(sh.rows):
            for c, cell in enumerate(row):
                if cell is None:
                    continue
                f = fmt(cell.style, cell.number_format)
                value = float(cell.value) if isinstance(cell.value, Decimal) else cell.value
                end = spans.pop((r + 1, c + 1), None)
                if end:
                    ws.merge_range(r, c, end[0] - 1, end[1] - 1, "", f)
                if cell.link:
                    ws.write_url(r, c, cell.link, f, string=str(value))
                elif isinstance(value, str):
                    ws.write_string(r, c, value, f)
                elif value is None:
                    ws.write_blank(r, c, None, f)
                else:
                    ws.write_number(r, c, value, f)
        for (r1, c1), (r2, c2) in spans.items():
            ws.merge_range(r1 - 1, c1 - 1, r2 - 1, c2 - 1, "", fmt("head", ""))
        for c, w in sorted(sh.widths.items()):
            ws.set_column(c - 1, c - 1, w)
        if sh.freeze:
            ws.freeze_panes(sh.freeze[0] - 1, sh.freeze[1] - 1)
    wb.close()
    return buf.getvalue()


def as_read(data: bytes) -> dict:
    """Everything a reader sees in a workbook, as openpyxl reads it: per sheet each cell's value, type, number
    format, font, fill, border, alignment and link, the merged ranges, column widths and frozen panes."""
    import io

    book = load_workbook(io.BytesIO(data))
    out = {"sheets": book.sheetnames, "title": book.properties.title, "created": book.properties.created}
    for ws in book.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not c.has_style:
                    continue
                f, a, b = c.font, c.alignment, c.border
                cells[c.coordinate] = (
                    c.value, c.data_type, c.number_format, bool(f.b), f.sz, f.u,
                    f.color.rgb if f.color is not None and f.color.type == "rgb" else None,
                    c.fill.fill_type, c.fill.fgColor.rgb if c.fill.fill_type else None,
                    tuple((s.style, s.color.rgb if s.color is not None else None) for s in (b.left, b.right, b.top, b.bottom)),
                    a.horizontal, a.vertical, bool(a.wrap_text),
                    (c.hyperlink.target, c.hyperlink.location) if c.hyperlink else None)
        widths = {c: round(d.width, 4) for d in ws.column_dimensions.values() if d.customWidth
                  for c in range(d.min, d.max + 1)}
        out[ws.title] = (cells, sorted(str(r) for r in ws.merged_cells.ranges), widths, ws.freeze_panes)
    return out


def test_our_workbooks_read_as_xlsxwriters_do(pkg, rows):
    """Every document's sheets, written by our writer and by XlsxWriter, read back the same in every respect a
    reader sees (values, types, formats, fonts, fills, borders, alignment, links, merges, widths, panes)."""
    from pipeline.exports import agency_page, read_slice
    from pipeline.exports.workbook import document_sheets

    created = __import__("datetime").datetime(2026, 1, 2, 3, 4, 5)
    for d in rows["documents"]:
        slice_pkg, doc = read_slice(pkg / "docs" / d["doc_id"])
        sheets = document_sheets(slice_pkg, doc, agency_page(doc, "https://example.org/site/"))
        ours, theirs = as_read(workbook_bytes(sheets, created, d["doc_id"])), as_read(xlsxwriter_bytes(sheets, created, d["doc_id"]))
        assert ours.keys() == theirs.keys()
        for key in ours:
            assert ours[key] == theirs[key], (d["doc_id"], key)


def test_the_writer_keeps_awkward_text_as_printed(tmp_path):
    """Control characters, a literal _x0041_, spaces at the ends, markup, a link with a query and an anchor,
    a sheet name with & and a frozen corner: read back as XlsxWriter's are, and as written."""
    from pipeline.exports.workbook import Cell

    sheet = Sheet("收入 & 支出")
    awkward = ["a\x01b\x1fc", "_x0041_ 原样", "  两端空格  ", "<b>&amp;</b>", "行一\n行二", "\t制表"]
    for c, value in enumerate(awkward, 1):
        sheet.put(1, c, Cell(value, "text"))
    sheet.put(2, 1, Cell("链接", "link", link="https://example.org/a?b=1&c=2#doc-x_y"))
    sheet.put(2, 2, Cell(Decimal("1234567.8912"), "num", "#,##0.0000"))
    sheet.put(2, 3, Cell(2024, "num", "0"))
    sheet.put(3, 1, Cell("表头", "head"))
    sheet.merges.append((3, 1, 4, 3))
    sheet.merges.append((6, 2, 6, 4))  # nothing printed in its first cell
    sheet.widths = {1: 12, 2: 12, 3: 30}
    sheet.freeze = (2, 2)
    created = __import__("datetime").datetime(2026, 1, 1)
    data = workbook_bytes([Sheet("封面"), sheet], created, "标题 & <测试>")
    ours = as_read(data)
    assert ours == as_read(xlsxwriter_bytes([Sheet("封面"), sheet], created, "标题 & <测试>"))
    cells = ours["收入 & 支出"][0]
    shown = [cells[f"{col}1"][0] for col in "ABCDEF"]
    assert shown[1:] == awkward[1:]
    assert shown[0] == "a_x0001_b_x001F_c"  # control characters in Excel's escape, which Excel reads back (openpyxl does not)
    assert cells["A2"][-1] == ("https://example.org/a?b=1&c=2", "doc-x_y") and cells["B2"][0] == 1234567.8912
    assert workbook_bytes([Sheet("封面"), sheet], created, "标题 & <测试>") == data  # the same bytes each time


def test_the_fiscal_view_is_its_documents_pieces_and_a_broken_slice_is_reported_located(tmp_path, pkg, rows):
    """The view is each document's lines (made with its part, or here from its slice) in doc_id order, after
    one header; a fact whose table its slice lacks leaves the view out, with a message naming the file and
    the table, never a wrong join."""
    from pipeline.exports.fiscal import slice_piece

    view = (pkg / EXPORTS / "fiscal-data-package" / "fiscal-facts.csv").read_bytes()
    ids = sorted(d["doc_id"] for d in rows["documents"])
    pieces = [slice_piece(pkg / "docs" / i) for i in ids]
    assert sum(map(bool, pieces)) >= 5 and view.split(b"\n", 1)[1] == b"".join(pieces)

    out = tmp_path / "datapackage"
    shutil.copytree(pkg, out, ignore=shutil.ignore_patterns("exports"))
    facts = out / "docs" / ids[0] / "facts.csv"
    lines = facts.read_text(encoding="utf-8").splitlines(keepends=True)
    table_id = next(r["table_id"] for r in csv.DictReader(lines) if r["value_unit"] == "yuan" and r["value"])
    facts.unlink()  # a copy of the slice's file: rewritten, not edited through a link
    facts.write_text("".join(lines).replace(table_id, "t-not-there"), encoding="utf-8")
    problems, _ = write_exports(out)
    assert [p for p in problems if "Fiscal Data Package not written" in p and f"{ids[0]}/facts.csv" in p
            and "'t-not-there'" in p]
    assert any(e["kind"] == "xlsx" for e in read_manifest(out))


def test_a_workers_columns_give_the_package_reading_its_slice_gives(tmp_path):
    """The worker makes a document's downloads from the columns it wrote the slice's CSV files from, not by
    reading them back: typed, they equal what reading the slice gives, value for value and type for type
    (an amount's Decimal as its CSV text, not as computed), for every disclosure and for planted awkward
    values (text with a line break, quotes and spaces at its ends; a zero)."""
    from pipeline.build import document_job, shown_path
    from pipeline.exports.source import package_of_columns
    from pipeline.package import write_part

    sources = sorted((ROOT / "disclosures").iterdir())
    assert any(p.suffix == ".pdf" for p in sources)
    compared = 0
    for i, path in enumerate(p for p in sources if p.suffix in (".txt", ".pdf")):
        result = document_job(path, shown_path(path, ROOT), None, None, True)
        if i == 0:
            result.sections[0]["text"] = ' "引号" 与\n换行, 逗号 '
            result.facts[0]["value"] = result.facts[0]["value"] * 0  # a zero, printed as 0.00 or 0
        columns: dict = {}
        assert write_part(result, tmp_path / str(i), columns) is None
        slice_dir = tmp_path / str(i) / "slice"
        read = read_package(slice_dir)
        made = package_of_columns(slice_dir, json.loads((slice_dir / "datapackage.json").read_text("utf-8")), columns)
        assert made.columns.keys() == read.columns.keys() and read.columns
        for name, fields in read.columns.items():
            for field, values in fields.items():
                assert [(type(v), str(v)) for v in made.columns[name][field]] == [(type(v), str(v)) for v in values], \
                    (path.name, name, field)
                compared += len(values)
        assert made.rows["sections"] == read.rows["sections"]
    assert compared > 10_000


def test_a_database_merged_beside_the_package_is_used_only_when_it_holds_the_packages_documents(
        worker_builds, tmp_path, monkeypatch):
    """The build starts merging the workers' databases before the package is written; the exports stage
    finishes that merge only when it holds the package's documents (same bytes as a merge made after), and
    otherwise stops it, removes its file and merges again."""
    from pipeline.exports import start_database
    import pipeline.exports.database as database

    parts = sorted(p for p in worker_builds["parts"].iterdir() if (p / "part.json").is_file())
    assert len(parts) == 3
    copy = tmp_path / "datapackage"
    shutil.copytree(worker_builds["two"], copy)
    want = _downloads(worker_builds["two"])

    short = start_database(copy, parts[1:])  # a document short: not the package's
    problems, _ = write_exports(copy, parts=parts, database=short)
    assert problems == [] and short.done and _downloads(copy) == want
    assert not [p for p in (copy / EXPORTS).iterdir() if p.name.startswith(".")]

    merged_after = []
    monkeypatch.setattr(database, "write_database", lambda *a: merged_after.append(a))
    whole = start_database(copy, list(reversed(parts)))  # any order given: the package's is used
    problems, _ = write_exports(copy, parts=parts, database=whole)
    assert problems == [] and merged_after == [] and _downloads(copy) == want


# ------------------------------------------------------------------ fast paths against the rules they shortcut

def widths_by_the_rule(sheet: Sheet) -> dict[int, float]:
    """Column widths as the rule says, cell by cell over the finished sheet (the workbook measures them while
    it puts a table's cells, and remembers a text's width): the longest text of a column, a character from
    U+2E81 on counting two, its longest line, 2 of margin, between 8 and 50; blank cells and ranges merged across
    columns left out; numbers measured as shown with thousands separators."""
    merged = {(r, c) for r1, c1, r2, c2 in sheet.merges if c2 > c1
              for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    out: dict[int, float] = {}
    for r, row in enumerate(sheet.rows, 1):
        for c, cell in enumerate(row, 1):
            if cell is None or cell.value is None or (r, c) in merged:
                continue
            shown = f"{cell.value:,}" if cell.style == "num" else str(cell.value)
            lines = shown.split("\n")
            w = min(max(len(x) + sum(ch >= "\u2e81" for ch in x) for x in lines) + 2, 50)
            out[c] = max(out.get(c, 8), w)
    return out


AWKWARD = ["", "科目编码", "208", "01", "行政运行（含<b>标记</b> & 符号）", "😀 表情 emoji", "ｆｕｌｌ　ｗｉｄｔｈ",
           "第一行\n第二行更长一些的文字", "a\nbb\nccc", "=SUM(A1:A2)", "\u3000=1+1", " +cmd", "-", "-12.50",
           "x" * 60, "长" * 30, "\u2e80\u2e81", "1,234.50", "合计"]


def test_a_tables_cells_and_widths_made_inline_are_those_put_and_measured_one_by_one():
    """table_sheet puts the body's cells and measures their columns in one pass: the sheet is the one Sheet.put
    makes cell by cell (no trailing blank dropped, a second cell under one header column kept at its own column)
    and its widths are the rule's, on awkward text (wide CJK, emoji, markup, several lines, formula-like, empty)."""
    from pipeline.exports.workbook import amount_cell, text

    table = {"table_id": "x-t01", "title": "收入支出表", "unit": "万元", "header_rows": 2, "line_start": 1,
             "line_end": 9, "note": "注：😀 说明"}
    cells = [{"row": 1, "col": 1, "grid_col": 1, "text": "项目", "source_line": 1},
             {"row": 1, "col": 2, "grid_col": 2, "text": "本年预算数（很长的表头文字，超过五十个字符宽度的那一种，看看会不会被截到五十）", "source_line": 1},
             {"row": 2, "col": 2, "grid_col": 2, "text": "小计", "source_line": 2},
             {"row": 2, "col": 3, "grid_col": 3, "text": "基本支出", "source_line": 2}]
    line = 3
    for i, t in enumerate(AWKWARD):
        cells.append({"row": 3 + i, "col": 1, "grid_col": 1, "text": t, "source_line": line + i})
        cells.append({"row": 3 + i, "col": 2, "grid_col": 3 if i % 5 == 0 else 2, "text": t[::-1], "source_line": line + i})
    cells.append({"row": 8, "col": 4, "grid_col": 3, "text": "同列第二格", "source_line": line + 5})  # under a taken column
    cells.append({"row": 30, "col": 2, "grid_col": 2, "text": "", "source_line": 40})  # an empty last cell
    facts = [{"source_line": line + 2, "column_index": 2, "value": Decimal("12345000.5"), "value_unit": "yuan",
              "published_unit": "万元", "decimals": 2, "table_id": "x-t01"},
             {"source_line": line + 3, "column_index": 2, "value": None, "value_unit": "yuan",
              "published_unit": "万元", "decimals": 2, "table_id": "x-t01"}]  # a dash: its text stands
    sheet = table_sheet("t", table, cells, facts)

    expected = Sheet("t")  # the body put cell by cell, as the workbook did before
    body = [c for c in cells if c["row"] > 2]
    for r, row in enumerate(sheet.rows[:TOP + 1], 1):  # title, unit and header rows
        for c, cell in enumerate(row, 1):
            expected.put(r, c, cell)
    amounts = {(f["source_line"], f["column_index"]): f for f in facts}
    for c in body:
        col = c["grid_col"] or c["col"]
        fact = amounts.get((c["source_line"], col))
        cell = (amount_cell(fact) if fact else None) or text(c["text"])
        r = TOP + c["row"] - 1
        if expected.get(r, col) is not None:
            col = c["col"]
        assert expected.get(r, col) is None
        expected.put(r, col, cell)
    expected.put(len(expected.rows) + 2, 1, text(table["note"]))
    assert sheet.rows == expected.rows
    assert sheet.get(TOP + 7, 4).value == "同列第二格" and sheet.get(TOP + 7, 3).value == AWKWARD[5][::-1]
    assert sheet.rows[TOP + 30 - 2] == [None, None]  # the empty last cell still makes its row, as put did
    assert sheet.widths == widths_by_the_rule(sheet)
    assert sheet.widths[2] == 50 and sheet.widths[1] > 8


def test_every_sheet_of_every_document_has_the_rules_widths(pkg, rows):
    from pipeline.exports import agency_page, read_slice
    from pipeline.exports.workbook import document_sheets

    measured = 0
    for d in rows["documents"]:
        slice_pkg, doc = read_slice(pkg / "docs" / d["doc_id"])
        for sheet in document_sheets(slice_pkg, doc, agency_page(doc, "")):
            if sheet.name != "封面":  # the cover's widths are set, not measured
                assert sheet.widths == widths_by_the_rule(sheet), (d["doc_id"], sheet.name)
                measured += 1
    assert measured > 50


def test_text_cells_made_in_bulk_and_shared_are_texts():
    """_texts makes plain text's cells without calling `text` and shares a repeated text's cell: each is the
    cell `text` makes, for awkward values and for values that are equal keys (1, True, 1.0, "1")."""
    from pipeline.exports.workbook import EXCEL_TEXT_MAX, _texts, text

    values = AWKWARD + [None, 1, True, 1.0, "1", Decimal("1.00"), "=" + "x" * (EXCEL_TEXT_MAX - 1),
                        "y" * (EXCEL_TEXT_MAX + 1), "z" * EXCEL_TEXT_MAX]
    for _ in range(2):  # made, then shared
        made = _texts(values + values[::-1])
        assert [(c.value, c.style) if c else c for c in made] == \
               [(c.value, c.style) if c else c for c in map(text, values + values[::-1])]
    assert [type(c.value) for c in _texts([1, True, 1.0])] == [str] * 3
    assert [c.value for c in _texts([1, True, 1.0, "1"])] == ["1", "True", "1.0", "1"]


def test_rows_inserted_many_a_statement_are_those_inserted_one_by_one(tmp_path):
    """The worker's database inserts many rows a statement: the same rows in the same order, of the same
    SQLite types, for every count around a statement's size, with columns of nothing or of one value (bound once)."""
    from pipeline.exports.database import ROWS_A_STATEMENT, insert_rows

    k = ROWS_A_STATEMENT
    TYPES = ["TEXT", "INTEGER", "REAL", "BOOLEAN", "TEXT", "INTEGER", "REAL", "INTEGER", "TEXT", "TEXT", "BOOLEAN",
             "TEXT", "TEXT", "TEXT"]  # declared types: SQLite converts by them (its affinity)
    for count in (0, 1, 2, k - 1, k, k + 1, 3 * k + 5):
        columns = [[f"文本{i}" if i % 3 else None for i in range(count)], list(range(count)),
                   [i / 7 if i % 2 else None for i in range(count)], [bool(i % 2) for i in range(count)],
                   ["" for _ in range(count)], [10 ** 15 + i for i in range(count)], [0.1 * i for i in range(count)],
                   [None] * count, ["doc-'1'"] * count, [7] * count, [True] * count, [1.0] * count,  # nothing, or one value
                   [1] * (count - 1) + [True] * min(count, 1), ["x"] * (count - 1) + [None] * min(count, 1)]
        for chosen in (columns, columns[7:9], columns[7:8]):  # also: every column fixed, or nothing at all
            names = "abcdefghijklmn"[:len(chosen)]
            kinds = TYPES[:len(chosen)] if len(chosen) == len(columns) else TYPES[7:7 + len(chosen)]
            found = []
            for how in ("many", "one"):
                con = sqlite3.connect(tmp_path / f"{how}-{count}-{len(chosen)}.sqlite")
                con.execute(f"CREATE TABLE t ({', '.join(f'{n} {kind}' for n, kind in zip(names, kinds))})")
                if how == "many":
                    insert_rows(con, "t", chosen)
                else:
                    con.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(chosen))})", zip(*chosen))
                stored = ", ".join(f"typeof({n})" for n in names)
                found.append(con.execute(f"SELECT rowid, *, {stored} FROM t ORDER BY rowid").fetchall())
                con.close()
            assert found[0] == found[1] and len(found[0]) == count
