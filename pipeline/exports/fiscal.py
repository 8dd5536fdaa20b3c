"""A Fiscal Data Package view of `facts`: the amounts in 元 as one flat table, with the logical model that
OpenSpending reads (a measure, and dimensions for the functional and economic classification, the agency,
the year and the kind of document).

One row per money fact (percentages are not money and stay in the package's `facts`). The row keeps the fact's
key (`table_id`, `source_line`, `column_index`), so every amount still leads back to its printed line. The
descriptor's profile is `tabular-data-package`, so `frictionless validate` checks it anywhere; the `model`
follows the Fiscal Data Package specification (measures with a source field and an ISO 4217 currency;
dimensions with attributes, a primary key, `dimensionType` and `classificationType`).
"""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from ..codes import ECONOMIC_NAMES, FUNCTIONAL_NAMES
from ..safepath import inside
from .files import file_sha256

RESOURCE = "fiscal-facts"
PHASE = {"budget": "approved", "final_accounts": "executed"}  # 部门预算 is the approved budget; 决算 the outturn

# (name, type, zh, en) of the view's columns, in order
FIELDS = [
    ("doc_id", "string", "文件标识", "Document id"),
    ("table_id", "string", "表格标识", "Table id"),
    ("source_line", "integer", "原文行号", "Line of the source text the amount was printed on"),
    ("column_index", "integer", "表头列号", "Header column of the amount"),
    ("agency_id", "string", "部门标识", "Agency id"),
    ("agency", "string", "部门名称", "Agency as published"),
    ("fiscal_year", "integer", "年度", "Fiscal year of the document"),
    ("kind", "string", "文件类型（budget 预算 | final_accounts 决算）", "Document kind"),
    ("phase", "string", "预算阶段（approved 批复预算 | executed 决算执行数）", "Budget phase (Fiscal Data Package terms)"),
    ("table_type", "string", "表格类型", "Table type"),
    ("table_title", "string", "表格标题（按原文）", "Table title as published"),
    ("functional_code", "string", "支出功能分类科目编码", "Functional classification code"),
    ("functional_class", "string", "支出功能分类类级编码", "Functional classification class (类) code"),
    ("functional_class_name", "string", "支出功能分类类级名称", "Functional classification class name"),
    ("economic_code", "string", "支出经济分类科目编码", "Economic classification code"),
    ("economic_class", "string", "支出经济分类类级编码", "Economic classification class (类) code"),
    ("economic_class_name", "string", "支出经济分类类级名称", "Economic classification class name"),
    ("row_label", "string", "行标签（按原文）", "Row label as published"),
    ("column_label", "string", "列标题路径（按原文）", "Column header path as published"),
    ("amount", "number", "金额（元）", "Amount in yuan"),
    ("published_value", "string", "原文数字", "The number as printed"),
    ("published_unit", "string", "原文单位", "Unit as printed"),
]


def fiscal_rows(root: Path, descriptor: dict):
    """The view's rows, one per money fact, as text exactly as the package's CSV files print it, streamed:
    documents, tables and facts are read side by side, one document at a time (the package writes every
    resource in doc_id order), so memory holds one document's rows whatever the package's size."""
    docs = per_document(csv_batches(root, descriptor, "documents", ["doc_id", "agency_id", "agency", "fiscal_year", "kind"]),
                        root / "documents.csv")
    tables = per_document(csv_batches(root, descriptor, "tables", ["doc_id", "table_id", "table_type", "title"]),
                          root / "tables.csv")
    wanted = ["doc_id", "table_id", "source_line", "column_index", "code", "code_kind", "row_label", "column_label",
              "value", "value_unit", "published_value", "published_unit"]
    doc_rows: tuple[str, list[dict]] = ("", [])
    table_rows: tuple[str, list[dict]] = ("", [])
    for doc_id, facts in per_document(csv_batches(root, descriptor, "facts", wanted), root / "facts.csv"):
        doc_rows = _advance(docs, doc_rows, doc_id)
        table_rows = _advance(tables, table_rows, doc_id)
        if len(doc_rows[1]) != 1:
            raise ValueError(f"{root / 'documents.csv'}: {len(doc_rows[1])} rows for doc_id {doc_id!r}, which facts.csv has")
        d = doc_rows[1][0]
        by_id = {t["table_id"]: t for t in table_rows[1]}
        for f in facts:
            if f["value_unit"] != "yuan" or not f["value"]:
                continue
            t = by_id.get(f["table_id"])
            if t is None:
                raise ValueError(f"{root / 'facts.csv'}: table {f['table_id']!r} of doc_id {doc_id!r} is not in tables.csv")
            code, kind = f["code"], f["code_kind"]
            fn = code if kind == "functional" else ""
            ec = code if kind == "economic" else ""
            yield {
                "doc_id": f["doc_id"], "table_id": f["table_id"], "source_line": f["source_line"],
                "column_index": f["column_index"], "agency_id": d["agency_id"], "agency": d["agency"],
                "fiscal_year": d["fiscal_year"], "kind": d["kind"], "phase": PHASE.get(d["kind"], ""),
                "table_type": t["table_type"], "table_title": t["title"],
                "functional_code": fn, "functional_class": fn[:3],
                "functional_class_name": FUNCTIONAL_NAMES.get(fn[:3], ""),
                "economic_code": ec, "economic_class": ec[:3], "economic_class_name": ECONOMIC_NAMES.get(ec[:3], ""),
                "row_label": f["row_label"], "column_label": f["column_label"], "amount": f["value"],
                "published_value": f["published_value"], "published_unit": f["published_unit"],
            }


def per_document(batches, where: Path):
    """(doc_id, rows) for each document in turn, from blocks of a resource written in doc_id order; a doc_id
    that comes back after another, or goes backwards, is refused (the order is what lets us stream)."""
    current, rows = None, []
    for batch in batches:
        for row in batch.to_pylist():
            if row["doc_id"] != current:
                if current is not None and row["doc_id"] < current:
                    raise ValueError(f"{where}: doc_id {row['doc_id']!r} after {current!r}; the package writes its rows "
                                     "in doc_id order, these are not")
                if rows:
                    yield current, rows
                current, rows = row["doc_id"], []
            rows.append(row)
    if rows:
        yield current, rows


def _advance(groups, held: tuple[str, list[dict]], doc_id: str) -> tuple[str, list[dict]]:
    """The group of `doc_id` from `groups` (read forward from `held`); no rows when it has none."""
    while held[0] < doc_id:
        held = next(groups, (chr(0x10FFFF), []))
    return held if held[0] == doc_id else (doc_id, [])


def csv_batches(root: Path, descriptor: dict, name: str, columns: list[str]):
    """Blocks of a resource's CSV file (the package's own text: every column read as text, "" for empty),
    streamed, so memory holds one block whatever the file's size."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    res = next((r for r in descriptor["resources"] if r.get("name") == name), None)
    if res is None:
        raise KeyError(f"{root / 'datapackage.json'}: no resource {name!r}")
    reader = pcsv.open_csv(inside(root, res.get("path") or ""),
                           read_options=pcsv.ReadOptions(block_size=1 << 22),
                           parse_options=pcsv.ParseOptions(newlines_in_values=True),
                           convert_options=pcsv.ConvertOptions(column_types={c: pa.string() for c in columns},
                                                               include_columns=columns))
    yield from reader


def attr(source: str, **more) -> dict:
    return {"source": source, "resource": RESOURCE, **more}


def classification(kind: str, title: str) -> dict:
    """A classification dimension: the row's code, under its 类 (first three digits) with their names."""
    return {
        "dimensionType": "classification", "classificationType": kind, "title": title,
        "attributes": {"class": attr(f"{kind}_class"), "class_name": attr(f"{kind}_class_name", labelfor="class"),
                       "code": attr(f"{kind}_code", parent="class"), "label": attr("row_label", labelfor="code")},
        "primaryKey": ["code"],
    }


def model() -> dict:
    return {
        "measures": {
            "amount": {"source": "amount", "resource": RESOURCE, "currency": "CNY", "factor": 1,
                       "title": "金额（元） Amount (yuan)"},
        },
        "dimensions": {
            "functional_classification": classification("functional", "支出功能分类 Functional classification"),
            "economic_classification": classification("economic", "支出经济分类 Economic classification"),
            "agency": {
                "dimensionType": "entity", "title": "部门 Agency",
                "attributes": {"id": attr("agency_id"), "name": attr("agency", labelfor="id")},
                "primaryKey": ["id"],
            },
            "year": {
                "dimensionType": "datetime", "title": "年度 Fiscal year",
                "attributes": {"year": attr("fiscal_year")},
                "primaryKey": ["year"],
            },
            "kind": {
                "dimensionType": "other", "title": "预算或决算 Budget or final accounts",
                "attributes": {"kind": attr("kind"), "phase": attr("phase")},
                "primaryKey": ["kind"],
            },
            "column": {
                "dimensionType": "other", "title": "列（上年/本年、基本/项目支出等） Column",
                "attributes": {"column_label": attr("column_label")},
                "primaryKey": ["column_label"],
            },
            "line": {
                "dimensionType": "fact", "title": "原文位置 Where it was printed",
                "attributes": {"doc_id": attr("doc_id"), "table_id": attr("table_id"),
                               "table_type": attr("table_type"), "table_title": attr("table_title"),
                               "source_line": attr("source_line"), "column_index": attr("column_index"),
                               "published_value": attr("published_value"),
                               "published_unit": attr("published_unit")},
                "primaryKey": ["table_id", "source_line", "column_index"],
            },
        },
    }


def write_fiscal_package(root: Path, folder: Path) -> list[str]:
    """Write the view into `folder`: its CSV (streamed, hashed as it is written, moved into place whole) and
    its datapackage.json. Returns the file names written, the CSV first."""
    descriptor = json.loads((Path(root) / "datapackage.json").read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    target = inside(folder, f"{RESOURCE}.csv")
    tmp = target.with_name(f".{target.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(name for name, *_ in FIELDS)
        w.writerows([r[name] for name, *_ in FIELDS] for r in fiscal_rows(root, descriptor))
    digest, size = file_sha256(tmp)
    os.replace(tmp, target)
    meta = descriptor
    view = {
        "name": f"{meta.get('name', 'fiscal-disclosures')}-fiscal",
        "title": "部门预算决算金额（Fiscal Data Package） / Budget and final-accounts amounts as a Fiscal Data Package",
        "description": ("facts 中以元计的全部金额，一行一个，附部门、年度、预算或决算、功能分类与经济分类；"
                        "按 Fiscal Data Package 的 model（measures 与 dimensions）描述，可供 OpenSpending 读取。"
                        "同一科目在不同表、不同列（上年数、本年数、基本支出、项目支出……）各有一行，"
                        "汇总前请按 table_type 与 column_label 选定口径。\n\n"
                        "Every amount in yuan from `facts`, one per row, with agency, year, budget or final accounts "
                        "and functional and economic classification, described by a Fiscal Data Package model. "
                        "The same code appears once per table and column (prior year, this year, basic, project …): "
                        "pick table_type and column_label before summing."),
        "profile": "tabular-data-package",
        "version": meta.get("version"),
        "created": meta.get("created"),
        "licenses": meta.get("licenses", []),
        "sources": meta.get("sources", []),
        "countryCode": "CN",
        "granularity": "aggregated",
        "resources": [{
            "name": RESOURCE, "path": f"{RESOURCE}.csv", "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8",
            "hash": f"sha256:{digest}", "bytes": size,
            "schema": {
                "fields": [{"name": n, "type": k, "description": f"{zh} / {en}"} for n, k, zh, en in FIELDS],
                "primaryKey": ["table_id", "source_line", "column_index"],
            },
        }],
        "model": model(),
    }
    inside(folder, "datapackage.json").write_text(json.dumps(view, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [f"{RESOURCE}.csv", "datapackage.json"]
