"""Load: a written data package (its `datapackage.json` and the CSV files it declares) as typed rows.

The exports read the package, not the parser's objects, so each download holds exactly what the package
says. Values are typed by the declared field types: money as `Decimal` (never float), integers as int,
booleans as bool, empty text as None.
"""
from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from pathlib import Path

csv.field_size_limit(sys.maxsize)

_TYPED = {"string": str, "integer": int, "number": Decimal, "boolean": lambda t: t == "true"}


_PLAIN = {str, int, type(None)}


class Rows(Mapping):
    """Each resource's rows as dicts (field → value), made from its columns when first asked for: a
    document's workbook reads six resources row by row, its database reads every resource by column."""

    def __init__(self, columns: dict[str, dict[str, list]]):
        self._columns = columns
        self._made: dict[str, list[dict]] = {}

    def __getitem__(self, name: str) -> list[dict]:
        if name not in self._made:
            columns = self._columns[name]
            names = list(columns)
            self._made[name] = [dict(zip(names, values)) for values in zip(*columns.values())]
        return self._made[name]

    def __iter__(self):
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)


@dataclass
class Package:
    root: Path
    descriptor: dict
    columns: dict[str, dict[str, list]] = field(default_factory=dict)  # resource → field → its typed values
    rows: Rows = field(init=False, repr=False)
    _grouped: dict[str, dict[str, list[dict]]] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.rows = Rows(self.columns)

    def resource(self, name: str) -> dict:
        for r in self.descriptor.get("resources", []):
            if r.get("name") == name:
                return r
        raise KeyError(f"{self.root / 'datapackage.json'}: no resource {name!r}")

    def fields(self, name: str) -> list[dict]:
        return self.resource(name)["schema"]["fields"]

    def label(self, resource: str, name: str) -> str:
        """A column heading from the field's Chinese description: its first words (up to the first ：or （),
        with 元 kept when the field is money, then the field's own name, as in the CSV."""
        for f in self.fields(resource):
            if f["name"] == name:
                zh = f.get("description", "").split(" / ")[0].strip()
                short = re.split(r"[：:（(；;，,]", zh)[0].strip() or name
                if f["type"] == "number" and "元" in zh and "元" not in short:
                    short += "（元）"
                return f"{short}\n{name}"
        raise KeyError(f"{resource}.{name} is not declared")

    def by_doc(self, name: str) -> dict[str, list[dict]]:
        """A resource's rows grouped by doc_id, grouped once (each document's export asks again)."""
        if name not in self._grouped:
            out: dict[str, list[dict]] = {}
            for row in self.rows.get(name, []):
                out.setdefault(row.get("doc_id") or "", []).append(row)
            self._grouped[name] = out
        return self._grouped[name]


    def tuples(self, name: str, doc_id: str, fields: tuple[str, ...]) -> list[tuple]:
        """The `fields` of a resource's rows of `doc_id`, in order, as tuples read off its columns (no dict a
        row: a document's workbook reads every printed cell)."""
        columns = self.columns.get(name)
        if not columns:
            return []
        count = len(next(iter(columns.values())))
        nothing = [None] * count
        values = zip(*(columns.get(f) or nothing for f in fields))
        return [row for d, row in zip(columns.get("doc_id") or nothing, values) if d == doc_id]


    def grouped(self, name: str, doc_id: str, key: str, fields: tuple[str, ...]) -> dict[str, list[tuple]]:
        """`tuples` of the rows of `doc_id` grouped by their `key` field, each group in the rows' order."""
        columns = self.columns.get(name)
        if not columns:
            return {}
        count = len(next(iter(columns.values())))
        nothing = [None] * count
        keys = columns.get(key) or nothing
        values = zip(*(columns.get(f) or nothing for f in fields))
        if any(d != doc_id for d in columns.get("doc_id") or nothing):
            keep = [d == doc_id for d in columns.get("doc_id") or nothing]
            keys = [k for k, ok in zip(keys, keep) if ok]
            values = [v for v, ok in zip(values, keep) if ok]
        out: dict[str, list[tuple]] = {}
        for k, group in groupby(zip(keys, values), key=itemgetter(0)):  # a slice's rows come a table at a time
            out.setdefault(k, []).extend(map(itemgetter(1), group))
        return out


def read_package(root: Path, names: tuple[str, ...] | None = None) -> Package:
    """Every tabular resource the descriptor declares (or those in `names`), read from its own CSV `path` and
    typed by its schema. Meant for one document's slice (`docs/<doc_id>/`, or its part's `slice/`); the
    whole package is streamed instead (database.py, fiscal.py), never held in memory."""
    root = Path(root)
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    pkg = Package(root, descriptor)
    for res in descriptor.get("resources", []):
        if names is not None and res.get("name") not in names:
            continue
        if not isinstance(res.get("path"), str) or "/" in res["path"] or "\\" in res["path"] or res["path"].startswith("."):
            raise ValueError(f"{root / 'datapackage.json'}: resource {res.get('name')!r} has path {res.get('path')!r}; "
                             "expected a file name beside the descriptor")
        path = root / res["path"]
        types = {f["name"]: _TYPED[f["type"]] for f in res["schema"]["fields"]}
        with path.open(encoding="utf-8", newline="") as fh:
            lines = csv.reader(fh)
            header = next(lines, [])
            undeclared = [k for k in header if k not in types]
            if undeclared:
                raise ValueError(f"{path}: column(s) {undeclared} not declared in {root / 'datapackage.json'}")
            lines = list(lines)
        if any(len(line) != len(header) for line in lines):
            at = next(i for i, line in enumerate(lines) if len(line) != len(header))
            raise ValueError(f"{path}: record {at + 1} after the header has {len(lines[at])} cells, "
                             f"the header {len(header)}")
        texts = list(zip(*lines)) or [() for _ in header]
        pkg.columns[res["name"]] = {k: [v or None for v in col] if types[k] is str else  # text needs no conversion
                                    [types[k](v) if v else None for v in col] for k, col in zip(header, texts)}
    return pkg


def package_of_columns(root: Path, descriptor: dict, columns: dict[str, dict[str, list]]) -> Package:
    """The Package `read_package` reads from a slice, made from the columns its CSV files were written from
    (package.write_part, in the same worker) instead of reading them back: `columns` holds each resource's
    fields as the CSV writer was given them (package.text_columns: text and integers as values, None for
    nothing; amounts and booleans as their CSV text), typed here as `read_package` types that text."""
    pkg = Package(Path(root), descriptor)
    for res in descriptor.get("resources", []):
        if res.get("name") not in columns:
            continue
        given = columns[res["name"]]
        out = {}
        for f in res["schema"]["fields"]:
            col = given[f["name"]]
            if f["type"] in ("number", "boolean"):
                to = _TYPED[f["type"]]
                col = [None if v is None or v == "" else to(v) for v in col]
            elif not set(map(type, col)) <= _PLAIN:  # a str or int subclass (an enum): its
                to = str.__str__ if f["type"] == "string" else int.__int__  # plain value, as the CSV holds it
                col = [None if v is None else to(v) for v in col]
            out[f["name"]] = col
        pkg.columns[res["name"]] = out
    return pkg
