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
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

csv.field_size_limit(sys.maxsize)

_TYPED = {"string": str, "integer": int, "number": Decimal, "boolean": lambda t: t == "true"}


@dataclass
class Package:
    root: Path
    descriptor: dict
    rows: dict[str, list[dict]] = field(default_factory=dict)
    _grouped: dict[str, dict[str, list[dict]]] = field(default_factory=dict, repr=False)

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
            typed = [(k, None if types[k] is str else types[k]) for k in header]  # text needs no conversion
            pkg.rows[res["name"]] = [{k: (v if to is None else to(v)) if v else None for (k, to), v in zip(typed, line)}
                                     for line in lines]
    return pkg
