"""Read a written data package (datapackage.json + CSV files) into plain rows for the site generator.

Every value stays the text of the CSV: the site shows what the package says, and formats numbers itself.
"""
from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

csv.field_size_limit(sys.maxsize)


@dataclass
class Package:
    root: Path
    descriptor: dict
    rows: dict[str, list[dict]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> list[dict]:
        return self.rows.get(name, [])

    def by_doc(self, name: str) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for r in self[name]:
            out.setdefault(r.get("doc_id", ""), []).append(r)
        return out

    def resource(self, name: str) -> dict | None:
        for r in self.descriptor.get("resources", []):
            if r.get("name") == name:
                return r
        return None


def load_package(root: Path) -> Package:
    root = Path(root)
    desc_path = root / "datapackage.json"
    descriptor = json.loads(desc_path.read_text(encoding="utf-8")) if desc_path.exists() else {"resources": []}
    pkg = Package(root=root, descriptor=descriptor)
    for res in descriptor.get("resources", []):  # every resource the package declares, by its own path
        name, path = res.get("name"), root / str(res.get("path", ""))
        if not name or not path.is_file():
            continue
        with path.open(encoding="utf-8-sig", newline="") as f:
            pkg.rows[name] = [{k: (v or "") for k, v in row.items() if k is not None} for row in csv.DictReader(f)]
    return pkg


def int_or_none(text: str) -> int | None:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        try:
            return int(float(str(text).strip()))
        except (TypeError, ValueError):
            return None
