"""The published data package: valid for frictionless (foreign keys included), reproducible byte for byte,
the same values in CSV and Parquet, money exact, and no field that the schema does not declare."""
from __future__ import annotations

import copy
import hashlib
import json
import math
import re
import shutil
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import frictionless
import pandas as pd
import pyarrow.parquet as pq
import pytest

from package_build import ROOT, build_package, session_package
from pipeline.build import discover, parse_document
from pipeline.model import Message
from pipeline.package import SchemaError, data_dictionary_markdown, load_schema, write_package

# The public data contract (../shared/DATA_CONTRACT.md): these names are binding.
CONTRACT = {
    "documents": "doc_id source_file source_sha256 agency fiscal_year kind unit title",
    "tables": "table_id doc_id table_type title unit line_start line_end status",
    "facts": "doc_id table_id row_label code column_label value value_unit published_value published_unit "
             "source_line",
    "cells": "doc_id table_id row col text source_line",
    "findings": "doc_id rule_id severity message expected actual difference table_ids source_lines",
    "projects": "project_id doc_id name department implementing_unit funds_total source_line",
    "project_funds": "project_id doc_id period source measure value published_value unit source_line page",
    "indicators": "project_id doc_id level1 level2 name operator target_value target_unit target_text "
                  "actual_text weight score source_line",
    "sections": "doc_id heading_path text line_start line_end",
    "glossary": "term definition doc_id",
}
CONTRACT_FKS = [("facts", "table_id", "tables"), ("tables", "doc_id", "documents"),
                ("cells", "table_id", "tables"), ("findings", "doc_id", "documents"),
                ("indicators", "project_id", "projects"), ("projects", "doc_id", "documents")]


@pytest.fixture(scope="session")
def pkg(tmp_path_factory) -> Path:
    return session_package(tmp_path_factory)


@pytest.fixture(scope="session")
def descriptor(pkg) -> dict:
    return json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def one_result():
    """A freshly parsed disclosure that has facts (the smallest such file, so the test stays quick)."""
    for path in sorted((ROOT / "disclosures").glob("*.txt"), key=lambda p: p.stat().st_size):
        result = parse_document(path, f"disclosures/{path.name}")
        if result.facts:
            return result
    pytest.fail("no disclosure gives any facts")


def test_schema_declares_the_contract():
    _, resources = load_schema()
    declared = {r["name"]: [f["name"] for f in r["fields"]] for r in resources}
    for name, fields in CONTRACT.items():
        assert name in declared, f"resource {name} missing from the schema"
        missing = [f for f in fields.split() if f not in declared[name]]
        assert not missing, f"{name}: contract fields {missing} not declared"
    fks = {(r["name"], fk["fields"][0], fk["resource"]) for r in resources for fk in r.get("foreign_keys", [])}
    assert set(CONTRACT_FKS) <= fks
    for r in resources:
        for f in r["fields"]:
            assert f["type"] in ("string", "integer", "number", "boolean"), (r["name"], f)
            assert f.get("zh") and f.get("en"), f"{r['name']}.{f['name']} needs zh and en descriptions"
            if "enum_labels" in f:
                assert list(f["enum_labels"]) == f["enum"], f"{r['name']}.{f['name']}: a label for each value"


def test_frictionless_validate_reports_valid(pkg, descriptor):
    report = frictionless.validate(pkg / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]
    assert report.stats["errors"] == 0
    assert report.stats["tasks"] == len(load_schema()[1])
    # the checks above only mean something if there is data: the parsed resources are not empty
    rows = {r["name"]: sum(1 for _ in open(pkg / r["path"], encoding="utf-8")) - 1 for r in descriptor["resources"]}
    for name in ("documents", "tables", "facts", "cells", "sections", "glossary"):
        assert rows[name] > 0, f"{name} is empty"
    assert rows["documents"] == len(discover(ROOT / "disclosures"))  # text and PDF


def test_frictionless_command_line_reports_valid(pkg):
    """The issue's own words: `frictionless validate datapackage/datapackage.json` reports valid, 0 errors."""
    proc = subprocess.run([sys.executable, "-m", "frictionless", "validate", "--json", "datapackage/datapackage.json"],
                          cwd=pkg.parent, capture_output=True, text=True, timeout=300)
    report = json.loads(proc.stdout)
    assert proc.returncode == 0 and report["valid"], proc.stdout[:3000]
    assert report["stats"]["errors"] == 0 and report["stats"]["warnings"] == 0


def _break_and_validate(tmp_path, pkg, resource: str, field: str, new_value: str):
    """Copy the package, set `field` of the first row of `resource` to new_value (keeping the descriptor's
    hash right so only the data is wrong) and validate it with frictionless."""
    bad = tmp_path / "bad"
    shutil.copytree(pkg, bad)
    path = bad / f"{resource}.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[0, field] = new_value
    data = df.to_csv(index=False, lineterminator="\n").encode("utf-8")
    path.write_bytes(data)
    desc = json.loads((bad / "datapackage.json").read_text(encoding="utf-8"))
    for res in desc["resources"]:
        if res["name"] == resource:
            res["hash"], res["bytes"] = f"sha256:{hashlib.sha256(data).hexdigest()}", len(data)
    (bad / "datapackage.json").write_text(json.dumps(desc, ensure_ascii=False), encoding="utf-8")
    return frictionless.validate(bad / "datapackage.json")


@pytest.mark.parametrize("resource,field", [("facts", "table_id"), ("tables", "doc_id"), ("cells", "table_id")])
def test_foreign_keys_are_checked_by_frictionless(tmp_path, pkg, resource, field):
    report = _break_and_validate(tmp_path, pkg, resource, field, "no-such-id")
    types = [e[0] for e in report.flatten(["type"])]
    assert not report.valid and types == ["foreign-key"], report.flatten(["type", "note"])


def test_enum_is_checked_by_frictionless(tmp_path, pkg):
    report = _break_and_validate(tmp_path, pkg, "tables", "table_type", "not_a_type")
    assert [e[0] for e in report.flatten(["type"])] == ["constraint-error"]


def test_two_builds_are_byte_identical(tmp_path, pkg):
    again = build_package(tmp_path / "datapackage")
    files_a = sorted(p.relative_to(pkg) for p in pkg.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert files_a == files_b
    differ = [str(f) for f in files_a if (pkg / f).read_bytes() != (again / f).read_bytes()]
    assert not differ, f"differ between two builds: {differ}"
    assert any(f.suffix == ".zip" for f in files_a) and any(f.suffix == ".parquet" for f in files_a)


def _plain(v):
    """pandas' missing markers → None, numpy scalars → Python ones, for an exact comparison."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    return v.item() if hasattr(v, "item") and not isinstance(v, Decimal) else v


def test_frictionless_and_parquet_give_the_same_values(pkg):
    package = frictionless.Package(pkg / "datapackage.json")
    for res in load_schema()[1]:
        name = res["name"]
        names = [f["name"] for f in res["fields"]]
        via_frictionless = [[row[n] for n in names] for row in package.get_resource(name).read_rows()]
        df = pd.read_parquet(pkg / f"{name}.parquet", dtype_backend="numpy_nullable")  # an int column with blanks stays int
        assert list(df.columns) == names
        via_parquet = [[_plain(v) for v in row] for row in df.itertuples(index=False)]
        assert len(via_frictionless) == len(via_parquet), name
        for i, (a, b) in enumerate(zip(via_frictionless, via_parquet)):
            for n, x, y in zip(names, a, b):
                # Decimal('1.20') == Decimal('1.2000'): equal as numbers, exactly; and a float never passes
                assert type(x) is type(y) and x == y, f"{name} row {i + 1} {n}: {x!r} vs {y!r}"


def test_parquet_types_are_real_and_money_is_decimal(pkg):
    import pyarrow as pa

    for res in load_schema()[1]:
        schema = pq.read_schema(pkg / f"{res['name']}.parquet")
        for f in res["fields"]:
            t = schema.field(f["name"]).type
            expected = {"string": pa.types.is_string, "integer": pa.types.is_int64,
                        "boolean": pa.types.is_boolean, "number": pa.types.is_decimal}[f["type"]]
            assert expected(t), f"{res['name']}.{f['name']}: {t}"
            assert not pa.types.is_floating(t)


def test_amounts_are_exactly_the_parsers_decimals(pkg, one_result):
    facts = pd.read_parquet(pkg / "facts.parquet")
    mine = facts[facts.doc_id == one_result.document["doc_id"]]
    got = [_plain(v) for v in mine["value"]]
    assert got == [f["value"] for f in one_result.facts]
    assert all(v is None or type(v) is Decimal for v in got)  # float 475800.0 == Decimal: check the type
    text = pd.read_csv(pkg / "facts.csv", dtype=str, keep_default_na=False)
    text = text[text.doc_id == one_result.document["doc_id"]]
    assert list(text["value"]) == ["" if f["value"] is None else format(f["value"], "f") for f in one_result.facts]


def test_undeclared_field_fails_loudly(tmp_path, one_result):
    result = copy.deepcopy(one_result)
    result.tables[0].cells[0]["font_size"] = 12
    with pytest.raises(SchemaError, match=r"'cells'.*font_size"):
        write_package([result], [], tmp_path / "out")
    assert not (tmp_path / "out" / "datapackage.json").exists()


def test_undeclared_resource_and_float_money_fail(tmp_path, one_result):
    from dataclasses import dataclass, field

    from pipeline.model import Validation

    @dataclass
    class WithBudgetLines(Validation):  # a stage output that grew a field nobody declared
        budget_lines: list[dict] = field(default_factory=list)

    result = copy.deepcopy(one_result)
    result.validation = WithBudgetLines(budget_lines=[{"doc_id": result.document["doc_id"]}])
    with pytest.raises(SchemaError, match="budget_lines"):
        write_package([result], [], tmp_path / "a")
    result = copy.deepcopy(one_result)
    fact = next(f for t in result.tables for f in t.facts if f["value"] is not None)
    fact["value"] = float(fact["value"])  # a wrong value is the document's fault: it alone is left out
    write_package([result], [], tmp_path / "b")
    assert len(pd.read_csv(tmp_path / "b" / "documents.csv")) == 0
    report = pd.read_csv(tmp_path / "b" / "build_report.csv").to_dict("records")
    assert len(report) == 1 and re.search(r"facts\.value.*float", report[0]["message"])
    assert report[0]["source_line"] == fact["source_line"]


def test_failures_land_in_build_report(tmp_path, one_result):
    out = tmp_path / "out"
    failures = [Message("disclosures/broken.txt", None, "error", "not text: looks like a binary file")]
    write_package([one_result], failures, out)
    report = pd.read_parquet(out / "build_report.parquet")
    assert report.to_dict("records")[0]["source_file"] == "disclosures/broken.txt"
    assert frictionless.validate(out / "datapackage.json").valid


def test_metadata_sources_and_licence(pkg, descriptor):
    meta, _ = load_schema()
    assert descriptor["created"] == meta["created"]  # from the schema source, not the clock
    assert descriptor["version"] == meta["version"]
    for src in descriptor["sources"]:
        assert hashlib.sha256((ROOT / src["path"]).read_bytes()).hexdigest() == src["sha256"]
    assert len(descriptor["sources"]) == len(discover(ROOT / "disclosures"))
    assert "agencies" in descriptor["description"] and "CC BY 4.0" in descriptor["description"]
    for res in descriptor["resources"]:
        assert (pkg / res["path"]).is_file() and (pkg / res["parquet_path"]).is_file()


def test_zip_holds_the_package_with_fixed_times(pkg, descriptor):
    with zipfile.ZipFile(pkg / load_schema()[0]["zip_name"]) as zf:
        names = zf.namelist()
        assert names[0] == "datapackage.json"
        # and the text extracted from each PDF source, which the PDF's source_line numbers count
        pdf_docs = pd.read_csv(pkg / "documents.csv", dtype=str, keep_default_na=False).query("page_count != ''")
        assert set(names) == {"datapackage.json", "README.md"} | {r["path"] for r in descriptor["resources"]} | {
            r["parquet_path"] for r in descriptor["resources"]} | {f"sources/{d}.txt" for d in pdf_docs.doc_id}
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        for n in names:
            assert zf.read(n) == (pkg / n).read_bytes()


def test_document_slices(pkg, descriptor):
    docs = pd.read_csv(pkg / "documents.csv", dtype=str)["doc_id"]
    assert sorted(p.name for p in (pkg / "docs").iterdir()) == sorted(docs)
    whole = pd.read_csv(pkg / "facts.csv", dtype=str, keep_default_na=False)
    for doc_id in docs:
        part = pd.read_csv(pkg / "docs" / doc_id / "facts.csv", dtype=str, keep_default_na=False)
        expected = whole[whole.doc_id == doc_id].reset_index(drop=True)
        pd.testing.assert_frame_equal(part, expected)
    first = pkg / "docs" / docs.iloc[0] / "datapackage.json"
    assert frictionless.validate(first).valid


def test_rows_sorted_by_doc_id(pkg):
    for res in load_schema()[1]:
        if "doc_id" in [f["name"] for f in res["fields"]]:
            ids = list(pd.read_parquet(pkg / f"{res['name']}.parquet", columns=["doc_id"])["doc_id"])
            assert ids == sorted(ids), res["name"]


def test_data_dictionary_lists_every_field():
    md = data_dictionary_markdown()
    for res in load_schema()[1]:
        assert f"## `{res['name']}`" in md
        for f in res["fields"]:
            assert f"| `{f['name']}` | {f['type']} |" in md and f["zh"].split("|")[0].strip() in md


def test_rebuild_leaves_no_stale_slices(tmp_path, pkg, one_result):
    out = tmp_path / "datapackage"
    shutil.copytree(pkg, out)
    (out / "schema").mkdir()  # the schema sources live in the default output folder: never touched
    (out / "schema" / "keep.json").write_text("{}")
    write_package([one_result], [], out)
    assert [p.name for p in (out / "docs").iterdir()] == [one_result.document["doc_id"]]
    assert (out / "schema" / "keep.json").is_file()
    assert len(pd.read_csv(out / "documents.csv")) == 1


def test_csv_bytes_writes_what_the_csv_module_writes():
    """package.csv_bytes writes its columns itself (a column at a time); the bytes must be those of the
    standard csv module (excel dialect, "\\n" line ends) for any text: commas, quotes, line breaks, a lone
    carriage return, spaces, empty text, None, integers, str subclasses and one-field lines."""
    import csv
    import io
    import random

    from pipeline.package import csv_bytes

    class Label(str):
        def __str__(self):  # the csv module writes a str subclass's text, not its __str__
            return "not this"

    rng = random.Random(16)
    alphabet = ['a', '中', ',', '"', '\n', '\r', ' ', "'", '=', '\t', '1', '.']
    def value():
        kind = rng.random()
        if kind < 0.15:
            return None
        if kind < 0.3:
            return rng.choice([0, -3, 12345678901234, True])
        if kind < 0.35:
            return Label(rng.choice(["x", "a,b", ""]))
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 6)))
    for width in (1, 2, 5):
        for kinds in ("mixed", "text", "integers"):
            for _ in range(30):
                n = rng.randrange(0, 8)
                if kinds == "text":
                    cols = [[rng.choice(["", "plain", "中文"]) for _ in range(n)] for _ in range(width)]
                elif kinds == "integers":
                    cols = [[rng.choice([None, 0, 7, -12]) for _ in range(n)] for _ in range(width)]
                else:
                    cols = [[value() for _ in range(n)] for _ in range(width)]
                res = {"fields": [{"name": f"f,{i}" if i == 1 else f"f{i}"} for i in range(width)]}
                buf = io.StringIO()
                w = csv.writer(buf, lineterminator="\n")
                w.writerow(f["name"] for f in res["fields"])
                w.writerows(zip(*cols))
                assert csv_bytes(res, cols) == buf.getvalue().encode("utf-8"), cols
                assert csv_bytes(res, cols, header=False) == buf.getvalue().encode("utf-8").split(b"\n", 1)[1]


def test_typed_columns_checks_every_cell_of_a_column(one_result):
    """Columns are typed from the set of their types and distinct values: a wrong value anywhere in a
    column (a bool among integers, an int among text, a number under its minimum, a value off its enum, a float) is still
    found and named, and rows that lack a field or hold empty text give None."""
    from pipeline.package import ValueProblem, collect_rows, typed_columns

    _, resources = load_schema()
    res = {r["name"]: r for r in resources}
    rows = collect_rows([one_result], [])
    cells = [dict(r) for r in rows["cells"]]
    typed = typed_columns(res["cells"], cells)
    assert len(typed) == len(res["cells"]["fields"]) and all(len(c) == len(cells) for c in typed)
    names = [f["name"] for f in res["cells"]["fields"]]
    for i, row in enumerate(cells[:50]):
        assert [c[i] for c in typed] == [None if row.get(n) in (None, "") else row.get(n) for n in names]
    for resource, field, bad in (("cells", "row", True), ("cells", "text", 5), ("cells", "grid_col", 0),
                                 ("facts", "value_unit", "euro"), ("facts", "value", 1.5)):
        broken = [dict(r) for r in rows[resource]]
        broken[len(broken) // 2][field] = bad
        with pytest.raises(ValueProblem, match=f"{resource}.{field}"):
            typed_columns(res[resource], broken)
    sparse = [dict(r) for r in cells]
    del sparse[0]["text"]
    sparse[1]["text"] = ""
    got = typed_columns(res["cells"], sparse)[names.index("text")]
    assert got[0] is None and got[1] is None and got[2] == cells[2]["text"]


def test_parquet_files_and_zip_have_their_digests_recorded(pkg, descriptor):
    """datapackage.json records each Parquet file's sha256 and size beside its CSV's, and the zip's sha256
    is in the `sha256sum` line beside it: the site lists them without reading the files again."""
    from pipeline.site.load import recorded_digests

    meta, _ = load_schema()
    recorded = recorded_digests(pkg)
    for res in descriptor["resources"]:
        data = (pkg / res["parquet_path"]).read_bytes()
        assert res["parquet_hash"] == f"sha256:{hashlib.sha256(data).hexdigest()}" and res["parquet_bytes"] == len(data)
        assert recorded[res["parquet_path"]] == (hashlib.sha256(data).hexdigest(), len(data))
    data = (pkg / meta["zip_name"]).read_bytes()
    line = (pkg / f"{meta['zip_name']}.sha256").read_text(encoding="utf-8")
    assert line == f"{hashlib.sha256(data).hexdigest()}  {meta['zip_name']}\n"
    assert recorded[meta["zip_name"]] == (hashlib.sha256(data).hexdigest(), len(data))
