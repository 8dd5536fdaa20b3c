"""Stage: parse results → the Frictionless data package (CSV + Parquet + datapackage.json, per-document
slices, one zip), written from the schema source in datapackage/schema/ and nothing else.

The schema files are the single declaration of every resource and field: the CSV columns, the Parquet
types, the descriptor and the data dictionary all come from them. A row that carries a field the schema
does not declare, or a value of the wrong type (a float where money belongs), stops the build with an
error naming resource and field, so nobody can drop data silently. Every field of a stage's output
(`result.forms`, `result.validation`) is a resource and must be declared too.

Output is byte-identical for the same inputs: rows in a fixed order, no clock (`created` comes from the
schema source or SOURCE_DATE_EPOCH), fixed zip timestamps.
"""
from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import os
import shutil
import tempfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from decimal import Decimal
from operator import itemgetter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pacompute
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .model import Message
from .safepath import inside
from .schema import SCHEMA_DIR, _pattern, constraint_problem, decimal_problem, load_schema
from .severity import ERROR
from .zipwriter import ZIP_TIME, DEFLATED, LAST_BLOCK, LEVEL, ZipWriter, deflate_chunk, deflate_whole  # noqa: F401 - ZIP_TIME for the exports' zips


class SchemaError(ValueError):
    """A row does not match datapackage/schema/resources.json (undeclared field, wrong type)."""


class ValueProblem(SchemaError):
    """A value breaks its field's declaration (type, precision, pattern, enum, length): the data of one
    document is wrong, not the code; that document is left out and the others are published."""

    def __init__(self, text: str, row: dict):
        super().__init__(text)
        self.line = next((row[k] for k in ("source_line", "line_start") if isinstance(row.get(k), int)), None)


# ---------------------------------------------------------------------------------------------- rows

def collect_rows(results, failures) -> dict[str, list[dict]]:
    """Rows per resource, documents ordered by doc_id and each document's rows in the parser's order."""
    _, resources = load_schema()
    rows: dict[str, list[dict]] = {r["name"]: [] for r in resources}
    undeclared: dict[str, str] = {}
    for res in sorted(results, key=lambda r: r.document["doc_id"]):
        before = {name: len(got) for name, got in rows.items()}
        rows["documents"].append(res.document)
        rows["tables"] += res.table_rows()
        rows["facts"] += res.facts
        rows["cells"] += res.cells
        rows["sections"] += res.sections
        rows["glossary"] += res.glossary
        rows["parse_report"] += res.report_rows()
        for name, stage_rows in sorted(res.stage_rows().items()):
            if name in rows:
                rows[name] += stage_rows
            else:
                undeclared.setdefault(name, res.document["doc_id"])
        add_pages({name: got[before[name]:] for name, got in rows.items()}, res, resources)
        rows["pages"] += page_rows(res)
    if undeclared:
        raise SchemaError("; ".join(
            f"resource {n!r} (a stage output of {d}) is not declared in {SCHEMA_DIR / 'resources.json'}: "
            "add it there with its fields" for n, d in sorted(undeclared.items())))
    rows["build_report"] = [
        {"source_file": m.file, "source_line": m.line, "severity": m.severity, "message": m.text}
        for m in sorted(failures, key=lambda m: (m.file, m.line or 0, m.text))
    ]
    return rows


_PAGE_OF = (("source_line", "page"), ("line_start", "page_start"), ("line_end", "page_end"),
            ("source_lines", "pages"))


def add_pages(doc_rows: dict[str, list[dict]], result, resources: list[dict]) -> None:
    """Provenance for PDF sources, in one place for every resource: each published line also gets its
    page (source_line → page, line_start/line_end → page_start/page_end, source_lines → pages), where the
    resource declares that field. Text sources have no pages and leave the fields empty."""
    if not result.source.pages:  # a text source: every page field stays missing, which is empty
        return
    declared = {r["name"]: {f["name"] for f in r["fields"]} for r in resources}
    page_of = result.source.page_of
    for name, got in doc_rows.items():
        pairs = [(line, page) for line, page in _PAGE_OF if page in declared.get(name, ())]
        for row in got if pairs else ():
            for line, page in pairs:
                if line not in row:
                    continue
                if line == "source_lines":
                    nums = [page_of(int(n)) for n in str(row[line] or "").split() if n.isdigit()]
                    row[page] = " ".join(str(n) for n in dict.fromkeys(nums) if n)
                else:
                    row[page] = page_of(row[line])


def page_rows(result) -> list[dict]:
    """Rows of `pages`: the lines of the extracted text printed on each page of a PDF source."""
    src, doc_id = result.source, result.document["doc_id"]
    spans: dict[int, list[int]] = {}
    for line, page in enumerate(src.pages, 1):
        spans.setdefault(page, [line, line])[1] = line
    return [{"doc_id": doc_id, "page": n, "line_start": spans.get(n, [None, None])[0],
             "line_end": spans.get(n, [None, None])[1]} for n in range(1, (src.page_count or 0) + 1)]


def extracted_texts(results) -> dict[str, bytes]:
    """`sources/<doc_id>.txt`: the text extracted from each PDF source, the lines `source_line` counts."""
    return {f"sources/{r.document['doc_id']}.txt": ("\n".join(r.source.lines) + "\n").encode("utf-8")
            for r in sorted(results, key=lambda r: r.document["doc_id"]) if r.source.pages}


def typed_columns(resource: dict, rows: list[dict]) -> list[list]:
    """The rows as one list of Python values per declared field; empty text becomes None (CSV cannot tell
    them apart, so Parquet does not either). Checked a column at a time (types, then each distinct value's
    constraints); a column that fails is checked again a cell at a time, for the first wrong cell's message."""
    fields = resource["fields"]
    names = [f["name"] for f in fields]
    keys = set().union(*rows)
    extra = keys - set(names)
    if extra:  # every undeclared field at once, with a row that has the first, so one edit fixes them all
        first = next(row for row in rows if row.keys() & extra)
        raise SchemaError(
            f"resource {resource['name']!r}: field(s) {sorted(extra)} not declared in "
            f"{SCHEMA_DIR / 'resources.json'} (e.g. row {_where(first)}); declare each there with "
            "name, type, zh and en")
    return [_column(resource["name"], f, rows, col) for f, col in zip(fields, _raw_columns(names, rows, keys))]


def _raw_columns(names: list[str], rows: list[dict], keys: set[str]) -> list[list]:
    """Each field's values as the rows hold them (None where a row lacks the field). The fields every row
    has are taken a row at a time by one itemgetter (C loops, not a Python call per cell). `keys`: every
    key of the rows."""
    if not rows:
        return [[] for _ in names]
    present = keys if set(map(len, rows)) == {len(keys)} else keys.intersection(*rows)
    everywhere = [n for n in names if n in present]
    got: dict[str, list] = {}
    if len(everywhere) == 1:
        got[everywhere[0]] = list(map(itemgetter(everywhere[0]), rows))
    elif everywhere:
        got = dict(zip(everywhere, map(list, zip(*map(itemgetter(*everywhere), rows)))))
    return [got[n] if n in got else [row.get(n) for row in rows] if n in keys else [None] * len(rows)
            for n in names]


_TYPES = {"string": (str,), "integer": (int,), "boolean": (bool,), "number": (Decimal, int)}
_ALLOWED = {kind: {*types, type(None)} for kind, types in _TYPES.items()}


def _column(res_name: str, field: dict, rows: list[dict], values: list) -> list:
    """One field's `values`, as `_value` gives them cell by cell (which says what is wrong, when anything
    is): told by the set of their types and then each distinct value, not cell by cell."""
    name, kind = field["name"], field["type"]

    def each_cell() -> list:
        return [_value(res_name, field, row.get(name), row) for row in rows]

    if kind not in _TYPES or (kind == "string" and "separator" in field):  # lists joined, or an unknown type
        return each_cell()
    types = set(map(type, values))  # exact types: type(True) is bool, not an integer
    if str in types and kind != "string":  # empty text is missing in any column
        values = [None if v == "" else v for v in values]
        types = set(map(type, values))
    if not types <= _ALLOWED[kind]:
        return each_cell()
    try:
        distinct = set(values)  # equal values pass or fail alike, so each is checked once
    except TypeError:  # a signalling NaN cannot be hashed
        return each_cell()
    if kind == "string" and "" in distinct:
        values = [v or None for v in values]
        distinct.discard("")
    distinct.discard(None)
    if kind == "number":
        if int in types:
            values = [Decimal(v) if type(v) is int else v for v in values]
            distinct = {Decimal(v) for v in distinct}
        if any(decimal_problem(v) for v in distinct):
            return each_cell()
    if any(k in field for k in _CONSTRAINTS) and not _all_fit(field, kind, distinct):
        return each_cell()
    return values


def _all_fit(field: dict, kind: str, distinct: set) -> bool:
    """Whether every value of `distinct` (of the field's type, none missing) meets the field's constraints,
    as `constraint_problem` tells them one by one, here a constraint at a time over the whole set."""
    if not distinct:
        return True
    if "enum" in field and not distinct <= set(field["enum"]):
        return False
    if kind == "string":
        if "maxLength" in field and max(map(len, distinct)) > field["maxLength"]:
            return False
        if "pattern" in field and not all(map(_pattern(field["pattern"]).fullmatch, distinct)):
            return False
    elif kind in ("integer", "number"):
        if "minimum" in field and min(distinct) < field["minimum"]:
            return False
        if "maximum" in field and max(distinct) > field["maximum"]:
            return False
    return True


_CONSTRAINTS = ("enum", "pattern", "maxLength", "minimum", "maximum")


def _where(row: dict) -> str:
    return ", ".join(f"{k}={row[k]!r}" for k in ("doc_id", "table_id", "source_line", "source_file") if k in row)


def _value(res_name: str, field: dict, v, row: dict):
    if v is None or v == "":
        return None
    kind = field["type"]

    def wrong(why: str):
        shown = repr(v) if len(repr(v)) <= 80 else repr(v)[:60] + f"… ({len(str(v))} characters)"
        return ValueProblem(f"{res_name}.{field['name']}: {why}, got {type(v).__name__} {shown} (row {_where(row)})", row)

    if kind == "string":
        if isinstance(v, (list, tuple)) and "separator" in field:
            v = field["separator"].join(str(x) for x in v)
            if not v:
                return None
        if not isinstance(v, str):
            raise wrong("expected text")
    elif kind == "integer":
        if isinstance(v, bool) or not isinstance(v, int):
            raise wrong("expected an integer")
    elif kind == "boolean":
        if not isinstance(v, bool):
            raise wrong("expected true/false")
    elif kind == "number":
        # money is exact: Decimal (or int), never a binary float, and it must fit decimal128(precision, scale)
        if isinstance(v, bool) or not isinstance(v, (Decimal, int)):
            raise wrong("expected a decimal.Decimal (never float)")
        v = Decimal(v)
        problem = decimal_problem(v)
        if problem:
            raise wrong(f"the value does not fit the package's decimals: {problem}")
    else:
        raise SchemaError(f"{res_name}.{field['name']}: unknown type {kind!r} in the schema")
    problem = constraint_problem(field, v)
    if problem:
        raise wrong(problem)
    return v


# ------------------------------------------------------------------------------------------- formats

# CSV text per schema type: plain decimal text (never 1E+2), true/false, empty for missing
_TEXT = {"string": str, "integer": str, "number": lambda d: format(d, "f"),
         "boolean": lambda b: "true" if b else "false"}
_BOOLEAN_TEXT = {True: "true", False: "false", None: ""}


def text_columns(resource: dict, columns: list[list]) -> list[list]:
    """The columns as the CSV writes them: text and integers as they are (the csv module writes str(v), and
    None as nothing), amounts and booleans as _TEXT spells them."""
    out = []
    for f, col in zip(resource["fields"], columns):
        kind = f["type"]
        if kind in ("string", "integer"):
            out.append(col)
        elif kind == "number":
            out.append(["" if v is None else format(v, "f") for v in col])
        elif kind == "boolean" and set(map(type, col)) <= {bool, type(None)}:
            out.append(list(map(_BOOLEAN_TEXT.__getitem__, col)))
        else:
            out.append(["" if v is None else _TEXT[kind](v) for v in col])
    return out


def csv_bytes(resource: dict, text_cols: list[list], header: bool = True) -> bytes:
    """The CSV the standard csv module writes (excel dialect, "\n" line ends, minimal quoting) of these
    columns: a str as it is, None as nothing, anything else as str(v). Written a column at a time, quoting
    only where a column has a comma, a quote or a line break, then joined line by line (C loops)."""
    cols = [_csv_fields(col) for col in text_cols]
    if len(cols) == 1:  # a line of one empty field is written "" (else it would be an empty line)
        cols[0] = ['""' if v == "" else v for v in cols[0]]
    lines = [",".join(_csv_fields([f["name"] for f in resource["fields"]]))] if header else []
    if cols and cols[0]:
        lines.append("\n".join(map(",".join, zip(*cols))))
    return "".join(line + "\n" for line in lines).encode("utf-8")


def _csv_fields(col: list) -> list[str]:
    """A column's fields as the csv module writes them."""
    types = set(map(type, col))
    if types <= {str}:
        texts = col
    elif types <= {str, type(None)}:
        texts = ["" if v is None else v for v in col]
    elif types <= {int}:
        return list(map(str, col))  # no comma, quote or line break in an integer
    elif types <= {int, type(None)}:
        return ["" if v is None else str(v) for v in col]
    else:  # a str (or a subclass) is written as its text; anything else as str(v)
        texts = [v if isinstance(v, str) else "" if v is None else str(v) for v in col]
    blob = "".join(texts)
    if "," in blob or '"' in blob or "\n" in blob:  # a lone "\r" is not quoted (nor is it by the csv module)
        texts = [_quoted(v) if ("," in v or '"' in v or "\n" in v) else v for v in texts]
    return texts


def _quoted(v: str) -> str:
    return '"' + v.replace('"', '""') + '"'


def csv_header(resource: dict) -> bytes:
    return csv_bytes(resource, [[] for _ in resource["fields"]])


def arrow_type(field: dict) -> pa.DataType:
    dec = load_schema()[0]["decimal"]
    return {"string": pa.string(), "integer": pa.int64(), "boolean": pa.bool_(),
            "number": pa.decimal128(dec["precision"], dec["scale"])}[field["type"]]


def arrow_schema(resource: dict) -> pa.Schema:
    return pa.schema([pa.field(f["name"], arrow_type(f), metadata={"description": _desc(f)})
                      for f in resource["fields"]])


def arrow_table(resource: dict, columns: list[list]) -> pa.Table:
    schema = arrow_schema(resource)
    return pa.table([pa.array(c, type=f.type) for c, f in zip(columns, schema)], schema=schema)


def _desc(item: dict) -> str:
    return f"{item['zh']} / {item['en']}"


# -------------------------------------------------------------------------------------- descriptors

def field_descriptor(field: dict) -> dict:
    d = {"name": field["name"], "type": field["type"], "description": _desc(field)}
    if "unit" in field:
        d["unit"] = field["unit"]  # a money field says so (yuan), for the site and for users
    cons = {k: field[k] for k in ("required", "unique", "enum", "pattern", "minimum", "maximum", "maxLength") if k in field}
    if cons:
        d["constraints"] = cons
    return d


def resource_descriptor(resource: dict, data: bytes | None, parquet: str | None,
                        sha256: str | None = None, size: int | None = None,
                        parquet_sums: tuple[str, int] | None = None) -> dict:
    """`data` is the CSV's bytes, or None with its `sha256` and `size` when it was streamed; `parquet_sums`,
    the Parquet file's sha256 and size, recorded beside its path so nobody has to read it for them."""
    schema: dict = {"fields": [field_descriptor(f) for f in resource["fields"]]}
    if "primary_key" in resource:
        schema["primaryKey"] = resource["primary_key"]
    if "foreign_keys" in resource:
        schema["foreignKeys"] = [
            {"fields": fk["fields"], "reference": {"resource": fk["resource"], "fields": fk["reference"]}}
            for fk in resource["foreign_keys"]
        ]
    d = {"name": resource["name"], "path": f"{resource['name']}.csv", "profile": "tabular-data-resource",
         "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
         "title": resource["zh"], "description": resource["en"],
         "hash": f"sha256:{sha256 or hashlib.sha256(data).hexdigest()}",
         "bytes": len(data) if data is not None else size}
    if parquet:
        d["parquet_path"] = parquet  # same rows, real types (decimal128 amounts)
        if parquet_sums:
            d["parquet_hash"], d["parquet_bytes"] = f"sha256:{parquet_sums[0]}", parquet_sums[1]
    d["schema"] = schema
    return d


def created() -> str:
    """From the inputs, never the clock: SOURCE_DATE_EPOCH when the release sets it, else the schema's date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return load_schema()[0]["created"]


def package_descriptor(documents: list[dict], resources: list[dict]) -> dict:
    meta, _ = load_schema()
    rights = meta["rights"]
    # an id that changes exactly when the set of source files does: derived from their hashes
    inputs = "\n".join(sorted(f"{d['source_file']} {d['source_sha256']}" for d in documents))
    return {
        "id": f"urn:sha256:{hashlib.sha256(inputs.encode('utf-8')).hexdigest()}",
        "name": meta["name"],
        "profile": "tabular-data-package",
        "title": f"{meta['title']['zh']} / {meta['title']['en']}",
        "description": f"{meta['description']['zh']}\n\n{meta['description']['en']}\n\n"
                       f"{rights['zh']}\n\n{rights['en']}",
        "version": meta["version"],
        "created": created(),
        "keywords": meta["keywords"],
        "licenses": meta["licenses"],
        "sources": [
            {"title": f"{d['agency'] or d['doc_id']} {d['title']}".strip(), "path": d["source_file"],
             "doc_id": d["doc_id"], "sha256": d["source_sha256"]}
            for d in documents
        ],
        "resources": resources,
    }


def _json(obj) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _package_json(package: dict) -> bytes:
    """`_json(package)` for a package descriptor, with each resource's schema (the same in every document's
    slice, and the costliest part to encode) encoded once per process and put in its place."""
    resources = package["resources"]
    marks = [f"\0schema of resource {i}\0" for i in range(len(resources))]
    text = json.dumps(dict(package, resources=[dict(r, schema=m) for r, m in zip(resources, marks)]),
                      ensure_ascii=False, indent=2)
    tail = []  # the resources come last: each mark is replaced where it last appears, whatever a value holds
    for r, mark in reversed(list(zip(resources, marks))):
        text, found, rest = text.rpartition(json.dumps(mark))
        if not found:
            raise ValueError(f"{r['name']}: schema mark not found")
        tail.append(_schema_json(json.dumps(r["schema"], ensure_ascii=False)) + rest)
    return (text + "".join(reversed(tail)) + "\n").encode("utf-8")


@functools.lru_cache(maxsize=64)
def _schema_json(compact: str) -> str:
    """A resource's schema (given as compact JSON, which the C encoder makes fast) as `_json` writes it at its
    depth in a package descriptor: indented by 2, 6 spaces in."""
    return json.dumps(json.loads(compact), ensure_ascii=False, indent=2).replace("\n", "\n      ")


# -------------------------------------------------------------------------------------------- writer

# Each document's rows become a part as soon as they are made (in the worker that made them): the document's
# slice (its CSVs with header, and their descriptor) and, per resource, its CSV lines after the header
# deflated on their own for the zip. The package is then assembled by streaming the parts in doc_id order,
# so memory does not grow with the number of documents, and its Parquet files are read from its own CSVs,
# so the two always hold the same values.
PART_DONE = "part.json"  # written last: a folder without it is not a part
PART_ZIP = "zip.bin"  # the part's CSV lines per resource, deflated (zipwriter.deflate_chunk); offsets in part.json


def write_part(result, folder: Path, columns: dict | None = None) -> Message | None:
    """Write the package rows of one document into `folder` (a part). A value that breaks the schema
    (precision, overflow, a wrong type, an id off its pattern, a text over its length) leaves the document
    out: the located error is returned and no part is written. An undeclared field or resource is a fault
    of the code, not the data: it raises SchemaError. `columns`, when given, receives each resource's
    columns as its CSV was written from them ({resource: {field: text_columns' values}}), from which the
    same worker makes the document's downloads without reading its slice back (exports.package_of_columns)."""
    meta, resources = load_schema()
    rows = collect_rows([result], [])
    try:
        typed = {r["name"]: typed_columns(r, rows[r["name"]]) for r in resources if r["name"] != "build_report"}
        texts = {}
        for r in resources:
            if r["name"] in typed:
                texts[r["name"]], written = _csv_text(r, typed[r["name"]], rows[r["name"]])
                if columns is not None:
                    columns[r["name"]] = {f["name"]: col for f, col in zip(r["fields"], written)}
    except ValueProblem as exc:
        return Message(str(result.document.get("source_file") or result.source.path), exc.line, ERROR,
                       f"document not published: a value breaks the package schema: {exc}")
    folder.mkdir(parents=True, exist_ok=True)
    doc = result.document
    descriptors = []
    deflated: dict[str, list[int]] = {}
    (folder / "slice").mkdir(exist_ok=True)
    with open(folder / PART_ZIP, "wb") as chunks:
        for res in resources:
            if res["name"] not in typed:
                continue
            data = texts[res["name"]]  # its lines after the header go to the package's CSV
            (folder / "slice" / f"{res['name']}.csv").write_bytes(data)
            chunk = deflate_chunk(memoryview(data)[len(csv_header(res)):])
            deflated[res["name"]] = [chunks.tell(), len(chunk)]
            chunks.write(chunk)
            descriptors.append(resource_descriptor(res, data, None))
    (folder / "slice" / "datapackage.json").write_bytes(_package_json(package_descriptor([doc], descriptors)))
    for data in extracted_texts([result]).values():  # a PDF source: the text its lines count
        (folder / "source.txt").write_bytes(data)
    (folder / PART_DONE).write_bytes(_json({"document": doc, "pdf_text": bool(result.source.pages),
                                            "deflated": deflated}))
    return None


def _csv_text(res: dict, columns: list[list], rows: list[dict]) -> tuple[bytes, list[list]]:
    """The resource's CSV, and the columns it was written from (text_columns). A carriage return in a value would end its line for every CSV reader (Python's
    csv module does not quote it): the value is refused, as one breaking its declaration is."""
    written = text_columns(res, columns)
    data = csv_bytes(res, written)
    if b"\r" in data:
        for f, col in zip(res["fields"], columns):
            for v, row in zip(col, rows):
                if isinstance(v, str) and "\r" in v:
                    raise ValueProblem(f"{res['name']}.{f['name']}: a carriage return in the text "
                                       f"(row {_where(row)})", row)
    return data, written


def write_package(results, failures, out: Path) -> list[Message]:
    """Write the package of these documents (see `assemble`), their parts made here in a temporary folder.
    Returns every failure: the files not read (`failures`) and the documents left out here."""
    out = Path(out)
    failures = list(failures)
    with tempfile.TemporaryDirectory(prefix=".parts.", dir=out.parent if out.parent.is_dir() else None) as tmp:
        parts = []
        for i, res in enumerate(sorted(results, key=lambda r: r.document["doc_id"])):
            left_out = write_part(res, Path(tmp) / str(i))
            if left_out:
                failures.append(left_out)
            else:
                parts.append(Path(tmp) / str(i))
        assemble(parts, failures, out)
    return failures


def assemble(parts: list[Path], failures: list[Message], out: Path) -> None:
    """Write `out/datapackage.json`, `out/<resource>.csv|.parquet`, `out/docs/<doc_id>/` slices and the zip
    from the parts (folders written by `write_part`), streamed one part at a time in doc_id order.

    Everything is written first into a temporary folder beside `out` and moved into place at the end, so a
    build that fails on the way leaves the previous package whole. Every path is checked to lie inside."""
    out = Path(out)
    meta, resources = load_schema()
    heads = package_order(parts, failures)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    previous = out / "docs" if (out / "datapackage.json").is_file() and (out / "docs").is_dir() else None
    try:
        kept = _write_all(stage, meta, resources, heads, failures, previous)
        _move_into_place(stage, out, kept)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def package_order(parts: list[Path], failures: list[Message] | None = None) -> list[tuple[dict, Path]]:
    """(head, part) of the parts the package is made of, in its order: by doc_id, one part per doc_id (see
    `_one_per_doc_id`, whose messages go to `failures` when given). The downloads stage starts from it too."""
    heads = [(json.loads((p / PART_DONE).read_text(encoding="utf-8")), p) for p in parts]
    heads.sort(key=lambda h: (h[0]["document"]["doc_id"], h[0]["document"]["source_sha256"]))
    return _one_per_doc_id(heads, [] if failures is None else failures)


def _one_per_doc_id(heads: list[tuple[dict, Path]], failures: list[Message]) -> list[tuple[dict, Path]]:
    """doc_id is the primary key and names the slice's folder: a document whose id another already has (a
    sidecar pinning it) is left out with a located error. Which one stays depends on the bytes (heads are
    sorted by doc_id, then sha256), never on the file order."""
    kept: dict[str, dict] = {}
    out = []
    for head in heads:
        doc = head[0]["document"]
        first = kept.setdefault(doc["doc_id"], doc)
        if first is doc:
            out.append(head)
        else:
            failures.append(Message(str(doc.get("source_file")), None, ERROR,
                                    f"document not published: its doc_id {doc['doc_id']!r} is already that of "
                                    f"{first.get('source_file')}; pin another in its sidecar"))
    return out


ROW_GROUP = 200_000  # rows per Parquet row group at most,
ROW_GROUP_TEXT = 32 << 20  # and text bytes: a group ends at the row that reaches either. Cut by the rows' values
# alone, so the bytes never depend on the parts; the text bound keeps memory flat where rows are long (sections)


def _write_all(out: Path, meta: dict, resources: list[dict], heads: list[tuple[dict, Path]],
               failures: list[Message], previous: Path | None = None) -> dict[str, Path]:
    """The package into `out`. A document's slice that the previous package (`previous`, its docs/ folder)
    holds already, as links to the same part's files, is not linked again: returns {doc_id: slice} of those,
    which `_move_into_place` keeps where they are."""
    names: list[str] = []  # files in the package, in the zip's order
    csv_sums: dict[str, tuple[str, int]] = {}
    csv_entries: dict[str, tuple[int, int]] = {}  # resource CSVs streamed from the parts: their CRC-32 and size
    # each Parquet file is read from its CSV in a thread of its own while the next CSV is streamed
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = []
        parquet_sums: dict[str, tuple[str, int]] = {}
        for res in resources:
            name = res["name"]
            if name == "build_report":
                columns = typed_columns(res, collect_rows([], failures)["build_report"])
                data = csv_bytes(res, text_columns(res, columns))
                inside(out, f"{name}.csv").write_bytes(data)
                digest, size = hashlib.sha256(data), len(data)
                pq.write_table(arrow_table(res, columns), inside(out, f"{name}.parquet"), compression="zstd")
                written = inside(out, f"{name}.parquet").read_bytes()
                parquet_sums[f"{name}.parquet"] = (hashlib.sha256(written).hexdigest(), len(written))
            else:
                target = inside(out, f"{name}.csv")
                digest, size, crc = _stream_csv(target, res, [f"{p}/slice/{name}.csv" for _, p in heads])
                csv_entries[name] = (crc, size)
                pending.append(pool.submit(_parquet_for_zip, inside(out, f"{name}.parquet"), res, target))
            names += [f"{name}.csv", f"{name}.parquet"]
            csv_sums[name] = (digest.hexdigest(), size)
        inside(out, "README.md").write_bytes(package_readme().encode("utf-8"))
        names = ["datapackage.json", "README.md"] + names
        docs = inside(out, "docs")
        docs.mkdir()
        kept: dict[str, Path] = {}
        for head, part in heads:
            doc_id = head["document"]["doc_id"]
            if previous is not None and _same_files(f"{previous}/{doc_id}", f"{part}/slice"):
                kept[doc_id] = part / "slice"  # doc_id matches its declared pattern: a plain folder name
            else:
                _link_tree(part / "slice", inside(docs, doc_id))
            if head["pdf_text"]:
                target = inside(out, "sources", f"{doc_id}.txt")
                target.parent.mkdir(parents=True, exist_ok=True)
                _link(part / "source.txt", target)
                names.append(f"sources/{doc_id}.txt")
        parquet_entries = {}
        for job in pending:
            name, entry, sums = job.result()
            parquet_entries[name], parquet_sums[name] = entry, sums
    # the descriptor records each file's sha256 and size, the Parquet files' too: written once they are
    descriptors = [resource_descriptor(res, None, f"{res['name']}.parquet", *csv_sums[res["name"]],
                                       parquet_sums[f"{res['name']}.parquet"]) for res in resources]
    documents = [h["document"] for h, _ in heads]
    inside(out, "datapackage.json").write_bytes(_package_json(package_descriptor(documents, descriptors)))
    zip_path = inside(out, meta["zip_name"])
    digest, size = _write_zip(zip_path, out, names, csv_entries, parquet_entries, heads)
    inside(out, zip_path.name + SHA256_SUFFIX).write_text(f"{digest}  {zip_path.name}\n", encoding="utf-8")
    return kept


SHA256_SUFFIX = ".sha256"  # beside the zip: its sha256 as `sha256sum` writes it (`sha256sum -c` checks it)


def _parquet_for_zip(target: Path, res: dict, source: Path) -> tuple[str, tuple[Path, int, int, int], tuple[str, int]]:
    """The resource's Parquet file (from its CSV), then deflated for the zip into a file beside it whose
    name starts with a dot; returns its name, (that file, CRC-32, size, deflated size) and its (sha256, size)."""
    _stream_parquet(target, res, source)
    packed = target.with_name(f".{target.name}.deflate")
    co = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    crc = size = 0
    digest = hashlib.sha256()
    with open(target, "rb") as src, open(packed, "wb") as dst:
        while chunk := src.read(1 << 20):
            crc, size = zlib.crc32(chunk, crc), size + len(chunk)
            digest.update(chunk)
            dst.write(co.compress(chunk))
        dst.write(co.flush())
    return target.name, (packed, crc, size, packed.stat().st_size), (digest.hexdigest(), size)


def _write_zip(target: Path, out: Path, names: list[str], csv_entries: dict[str, tuple[int, int]],
               parquet_entries: dict[str, tuple[Path, int, int, int]], heads: list[tuple[dict, Path]]) -> tuple[str, int]:
    """The package in one zip: each resource CSV from its parts' deflated lines (see zipwriter), each
    Parquet file deflated beforehand (`_parquet_for_zip`), the rest deflated here. Returns the zip's sha256
    and size, taken as it is written."""
    _, resources = load_schema()
    by_name = {f"{r['name']}.csv": r for r in resources if r["name"] in csv_entries}
    with open(target, "wb") as raw:
        f = _Hashed(raw)
        zw = ZipWriter(f)
        for name in names:
            path = inside(out, name)
            if name in by_name:
                res = by_name[name]
                crc, size = csv_entries[res["name"]]
                head = deflate_chunk(csv_header(res))
                spans = [(f"{part}/{PART_ZIP}", *h["deflated"][res["name"]]) for h, part in heads]
                csize = len(head) + sum(n for _, _, n in spans) + len(LAST_BLOCK)
                zw.add(name, DEFLATED, crc, size, csize, functools.partial(_copy_chunks, head, spans))
            elif name in parquet_entries:
                packed, crc, size, csize = parquet_entries[name]
                zw.add(name, DEFLATED, crc, size, csize, functools.partial(_copy_file, packed))
                packed.unlink()
            else:
                data = path.read_bytes()
                packed = deflate_whole(data)
                zw.add(name, DEFLATED, zlib.crc32(data), len(data), len(packed), functools.partial(_write, packed))
        zw.close()
    return f.digest.hexdigest(), f.size


class _Hashed:
    """A file being written, and the sha256 and size of what has been written to it."""

    def __init__(self, f):
        self.f, self.digest, self.size = f, hashlib.sha256(), 0

    def write(self, data) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.f.write(data)

    def tell(self) -> int:
        return self.f.tell()


def _copy_chunks(head: bytes, spans: list[tuple[str, int, int]], dst) -> None:
    dst.write(head)
    for path, offset, length in spans:
        if length:
            with open(path, "rb") as src:
                src.seek(offset)
                data = src.read(length)
            if len(data) != length:
                raise SchemaError(f"{path}: cut short; delete the parts folder")
            dst.write(data)
    dst.write(LAST_BLOCK)


def _copy_file(path: Path, dst) -> None:
    with open(path, "rb") as src:
        shutil.copyfileobj(src, dst, 1 << 20)


def _write(data: bytes, dst) -> None:
    dst.write(data)


def _stream_csv(target: Path, res: dict, slices: list[str]):
    """The resource's CSV: its header, then the lines of each document's slice after the same header.
    Returns its sha256, size and CRC-32."""
    header = csv_header(res)
    digest = hashlib.sha256(header)
    size = len(header)
    crc = zlib.crc32(header)
    with open(target, "wb") as dst:
        dst.write(header)
        for part in slices:
            with open(part, "rb") as src:
                if src.read(len(header)) != header:
                    raise SchemaError(f"{part}: a part written for another schema; delete the parts folder")
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
                    digest.update(chunk)
                    crc = zlib.crc32(chunk, crc)
                    size += len(chunk)
    return digest, size, crc


def _stream_parquet(target: Path, res: dict, source: Path) -> None:
    """The resource's Parquet file, read from its CSV (`source`) in blocks: the same values, typed by the
    schema (empty text is null, as in `typed_columns`), in row groups of ROW_GROUP rows."""
    schema = arrow_schema(res)
    reader = pacsv.open_csv(
        # 1 MiB blocks: the reader keeps several in flight, and 16 MiB ones doubled the peak memory
        str(source), read_options=pacsv.ReadOptions(block_size=1 << 20),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=schema, strings_can_be_null=True, quoted_strings_can_be_null=True, null_values=[""],
            true_values=["true"], false_values=["false"]))
    pending: list[pa.RecordBatch] = []
    count = text = 0
    with pq.ParquetWriter(str(target), schema, compression="zstd") as writer:
        def write(table: pa.Table) -> None:
            writer.write_table(pa.Table.from_arrays(table.combine_chunks().columns, schema=schema))

        for batch in reader:
            pending.append(batch)
            count += batch.num_rows
            text += sum(_text_bytes(batch))
            while count >= ROW_GROUP or text >= ROW_GROUP_TEXT:
                whole = pa.Table.from_batches(pending)
                sizes = np.cumsum(_text_bytes(whole))
                cut = min(ROW_GROUP, int(np.searchsorted(sizes, ROW_GROUP_TEXT)) + 1, whole.num_rows)
                write(whole.slice(0, cut))
                rest = whole.slice(cut)
                pending, count, text = rest.to_batches(), rest.num_rows, int(sizes[-1] - sizes[cut - 1])
        if count:
            write(pa.Table.from_batches(pending))


def _text_bytes(data: pa.RecordBatch | pa.Table) -> np.ndarray:
    """Bytes of text in each row (all its text columns; null counts 0)."""
    total = np.zeros(data.num_rows, dtype=np.int64)
    for col in data.columns:
        if pa.types.is_string(col.type):
            total += pacompute.binary_length(col).fill_null(0).to_numpy()
    return total


def _link(src: Path, dst: Path) -> None:
    """A hard link where the file system allows one (a part may be kept in the cache), else a copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def _same_files(old: str, new: str) -> bool:
    """Whether folder `old` holds exactly the files of `new`, each a hard link to it (a slice linked by an
    earlier build from the same part, so nothing in it can differ). Paths as text: this runs for every
    file of every document."""
    try:
        names = sorted(os.listdir(new))
        if os.path.islink(old) or sorted(os.listdir(old)) != names:
            return False
        return all(os.path.samestat(os.stat(f"{old}/{n}", follow_symlinks=False), os.stat(f"{new}/{n}"))
                   for n in names)
    except OSError:
        return False


def _link_tree(src: Path, dst: Path) -> None:
    """Every file of `src` into `dst` (checked to lie inside by the caller): the names are the part's own."""
    dst.mkdir(parents=True, exist_ok=True)
    for name in sorted(os.listdir(src)):
        _link(src / name, dst / name)


def _move_into_place(stage: Path, out: Path, kept: dict[str, Path] | None = None) -> None:
    """Replace the package in `out` by the one written in `stage`. Each file is swapped by an atomic rename;
    the files of the previous package that the new one no longer has are removed, and what is not the
    package's (the schema sources living in datapackage/schema/) is left alone. The slices in `kept`
    ({doc_id: its part's slice}) stay in out/docs; only the others are swapped, one folder each."""
    out.mkdir(parents=True, exist_ok=True)
    _remove_previous(out, keep={p.name for p in stage.iterdir()})
    if kept and (out / "docs").is_dir():
        trash = inside(stage, ".previous-docs")
        trash.mkdir()
        for name in os.listdir(out / "docs"):  # changed or gone; names listed here are plain names
            if name not in kept:
                os.replace(out / "docs" / name, trash / name)
        for name in sorted(os.listdir(stage / "docs")):
            os.replace(stage / "docs" / name, out / "docs" / name)
        (stage / "docs").rmdir()
    else:
        for doc_id, slice_dir in (kept or {}).items():  # the previous docs/ went away meanwhile: link them
            _link_tree(slice_dir, inside(stage, "docs", doc_id))
    for folder in ("docs", "sources"):  # a folder cannot be renamed onto a full one: the old one goes to the stage
        if (stage / folder).is_dir() and (out / folder).is_dir():
            os.replace(out / folder, inside(stage, f".previous-{folder}"))
    for entry in sorted(stage.iterdir()):
        if not entry.name.startswith(".previous-"):
            os.replace(entry, inside(out, entry.name))


def _remove_previous(out: Path, keep: set[str]) -> None:
    """Remove what an earlier build wrote (listed in its descriptor) and the new one does not write, so no
    stale resource lingers; the schema sources that may live in the same folder are left alone."""
    old = out / "datapackage.json"
    if old.is_file():
        try:
            for res in json.loads(old.read_text(encoding="utf-8")).get("resources", []):
                for key in ("path", "parquet_path"):
                    p = res.get(key)
                    if isinstance(p, str) and "/" not in p and p not in keep and (out / p).is_file():
                        (out / p).unlink()
        except ValueError:
            return  # not ours or damaged: leave every other file alone
        for ours in ("docs", "sources"):  # only beside a package we wrote: slices and PDF texts
            if (out / ours).is_dir() and ours not in keep:
                shutil.rmtree(out / ours)


# --------------------------------------------------------------------------------- data dictionary

def data_dictionary_markdown() -> str:
    """The data dictionary as Markdown (Chinese first, English beside), rendered from the schema source."""
    meta, resources = load_schema()
    out = ["# 数据字典 / Data dictionary", "",
           f"{meta['title']['zh']}（{meta['title']['en']}），版本 version {meta['version']}。", "",
           "金额为精确十进制数：CSV 中为普通十进制文本，Parquet 中为 "
           f"decimal128({meta['decimal']['precision']}, {meta['decimal']['scale']})；空文本即缺失值。", "",
           "Amounts are exact decimals: plain decimal text in CSV, "
           f"decimal128({meta['decimal']['precision']}, {meta['decimal']['scale']}) in Parquet; "
           "empty text means missing (null).", "",
           "文字按原文保存，不作改动：以 =、+、-、@ 开头的文字在本数据包的 CSV 中原样保留（用电子表格软件打开时"
           "请注意）；网站上每张表格的 CSV 下载为电子表格准备，这类文字前加了撇号 '。个人手机号码和居民身份证号码"
           "在读取时即已遮盖（保留前 3 位和后 4 位）。", "",
           "Text is kept exactly as printed: a text starting with =, +, - or @ is left as it is in this package's "
           "CSV files (take care when opening them in a spreadsheet program); the site's per-table CSV downloads, "
           "made for spreadsheets, put an apostrophe ' before such text. Personal mobile and resident ID numbers "
           "are masked when the text is read (first 3 and last 4 digits kept).", ""]
    for res in resources:
        out += [f"## `{res['name']}` — {res['zh']} / {res['en']}", ""]
        if res.get("primary_key"):
            out.append(f"- 主键 Primary key: {', '.join(f'`{k}`' for k in res['primary_key'])}")
        for fk in res.get("foreign_keys", []):
            out.append(f"- 外键 Foreign key: {', '.join(f'`{k}`' for k in fk['fields'])} → "
                       f"`{fk['resource']}`.{', '.join(f'`{k}`' for k in fk['reference'])}")
        out += ["", "| 字段 Field | 类型 Type | 必填 Required | 说明 | Description | 约束 Constraints |",
                "|---|---|---|---|---|---|"]
        for f in res["fields"]:
            cons = []
            if f.get("unique"):
                cons.append("unique")
            if "enum" in f:
                cons.append("enum: " + ", ".join(f"`{v}`" for v in f["enum"]))
            if "pattern" in f:
                cons.append(f"pattern: `{f['pattern']}`")
            if "minimum" in f:
                cons.append(f"≥ {f['minimum']}")
            if "maximum" in f:
                cons.append(f"≤ {f['maximum']}")
            if "maxLength" in f:
                cons.append(f"≤ {f['maxLength']} characters")
            if "unit" in f:
                cons.append(f"unit: {f['unit']}")
            if "separator" in f:
                cons.append(f"list separated by {f['separator']!r}")
            out.append(f"| `{f['name']}` | {f['type']} | {'是 yes' if f.get('required') else ''} | "
                       f"{_md(f['zh'])} | {_md(f['en'])} | {_md('; '.join(cons))} |")
        out.append("")
        for f in res["fields"]:
            labels = f.get("enum_labels") or {v: " / ".join(n) for v, n in (f.get("enum_names") or {}).items()}
            if labels:  # what each coded value means, in the words the disclosures use
                out += [f"`{f['name']}` 取值 / values:", "", "| 取值 Value | 含义 Meaning |", "|---|---|"]
                out += [f"| `{v}` | {_md(labels[v])} |" for v in f["enum"]]
                out.append("")
    return "\n".join(out)


def package_readme() -> str:
    """The README inside the package (and the zip): what it is, whose text it is, then the dictionary."""
    meta, _ = load_schema()
    head = [f"# {meta['title']['zh']} / {meta['title']['en']}", "",
            meta["description"]["zh"], "", meta["description"]["en"], "",
            "## 许可与权利 / Licence and rights", "", meta["rights"]["zh"], "", meta["rights"]["en"], "",
            "`datapackage.json` 描述全部资源（Frictionless Data Package）；每个资源有 CSV 与同名 Parquet 文件。",
            "`datapackage.json` describes every resource (Frictionless Data Package); each resource is a CSV "
            "file with a Parquet file of the same stem.", ""]
    body = data_dictionary_markdown().split("\n")
    return "\n".join(head + ["#" + line if line.startswith("#") else line for line in body]) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
