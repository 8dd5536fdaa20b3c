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
import hashlib
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path

from ..codes import ECONOMIC_NAMES, FUNCTIONAL_NAMES
from ..safepath import inside

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


DOCUMENT_COLUMNS = ["doc_id", "agency_id", "agency", "fiscal_year", "kind"]
TABLE_COLUMNS = ["doc_id", "table_id", "table_type", "title"]
FACT_COLUMNS = ["doc_id", "table_id", "source_line", "column_index", "code", "code_kind", "row_label", "column_label",
                "value", "value_unit", "published_value", "published_unit"]


def document_rows(doc: dict, tables: list[dict], facts: list[dict], where: Path) -> list[list[str]]:
    """One document's rows of the view (one per money fact, in the facts' order), from its documents row, its
    tables and its facts as text exactly as the package's CSV files print them (`where`: the slice, named in
    a message when a fact's table is not there)."""
    by_id = {t["table_id"]: t for t in tables}
    out = []
    for f in facts:
        if f["value_unit"] != "yuan" or not f["value"]:
            continue
        t = by_id.get(f["table_id"])
        if t is None:
            raise ValueError(f"{where / 'facts.csv'}: table {f['table_id']!r} of doc_id {doc['doc_id']!r} is not in "
                             "tables.csv")
        code, kind = f["code"], f["code_kind"]
        fn = code if kind == "functional" else ""
        ec = code if kind == "economic" else ""
        out.append([f["doc_id"], f["table_id"], f["source_line"], f["column_index"], doc["agency_id"], doc["agency"],
                    doc["fiscal_year"], doc["kind"], PHASE.get(doc["kind"], ""), t["table_type"], t["title"],
                    fn, fn[:3], FUNCTIONAL_NAMES.get(fn[:3], ""), ec, ec[:3], ECONOMIC_NAMES.get(ec[:3], ""),
                    f["row_label"], f["column_label"], f["value"], f["published_value"], f["published_unit"]])
    return out


def piece(doc: dict, tables: list[dict], facts: list[dict], where: Path) -> bytes:
    """A document's lines of the view's CSV (no header): the view is its documents' pieces in doc_id order,
    each made with its part and kept there, so a rebuild makes again only the changed document's."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(document_rows(doc, tables, facts, where))
    return buf.getvalue().encode("utf-8")


def slice_piece(slice_dir: Path) -> bytes:
    """`piece` of the one document whose slice is in `slice_dir`, read from its CSV files as text."""
    def rows(name: str, columns: list[str]) -> list[dict]:
        with open(Path(slice_dir) / f"{name}.csv", encoding="utf-8", newline="") as fh:
            return [{k: row.get(k) or "" for k in columns} for row in csv.DictReader(fh)]

    docs = rows("documents", DOCUMENT_COLUMNS)
    if len(docs) != 1:
        raise ValueError(f"{Path(slice_dir) / 'documents.csv'}: {len(docs)} documents; a document's slice holds one")
    return piece(docs[0], rows("tables", TABLE_COLUMNS), rows("facts", FACT_COLUMNS), Path(slice_dir))


def columns_piece(slice_dir: Path, columns: dict[str, dict[str, list]]) -> bytes:
    """`piece` from the columns the slice's CSV files were written from (package.write_part), as their text."""
    def rows(name: str, wanted: list[str]) -> list[dict]:
        given = columns[name]
        texts = [[v if type(v) is str else _text(v) for v in given[k]] for k in wanted]
        return [dict(zip(wanted, values)) for values in zip(*texts)]

    docs = rows("documents", DOCUMENT_COLUMNS)
    if len(docs) != 1:
        raise ValueError(f"{Path(slice_dir) / 'documents.csv'}: {len(docs)} documents; a document's slice holds one")
    return piece(docs[0], rows("tables", TABLE_COLUMNS), rows("facts", FACT_COLUMNS), Path(slice_dir))


def _text(v) -> str:
    """A value as the CSV writer prints it: nothing for None, a text's own characters, str() of the rest."""
    return "" if v is None else str.__str__(v) if isinstance(v, str) else str(v)


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


def write_fiscal_package(root: Path, folder: Path, pieces: Iterable[bytes]) -> list[str]:
    """Write the view into `folder`: its CSV (its header, then each document's `piece` in the package's doc_id
    order, hashed as they are written, moved into place whole) and its datapackage.json. Returns the file
    names written, the CSV first."""
    descriptor = json.loads((Path(root) / "datapackage.json").read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    target = inside(folder, f"{RESOURCE}.csv")
    tmp = target.with_name(f".{target.name}.tmp")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(name for name, *_ in FIELDS)
    header = buf.getvalue().encode("utf-8")
    digest, size = hashlib.sha256(header), len(header)
    with open(tmp, "wb") as fh:
        fh.write(header)
        for data in pieces:
            fh.write(data)
            digest.update(data)
            size += len(data)
    os.replace(tmp, target)
    digest = digest.hexdigest()
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
