"""Read a written data package (datapackage.json + CSV files) into plain rows for the site generator.

Every value stays the text of the CSV: the site shows what the package says, and formats numbers itself.
The few resources the site's pages about the whole corpus need are read whole (`load_package(root, names)`);
a document's own rows come from its slice in the package (`docs/<doc_id>/<resource>.csv`), so generating
an agency's pages holds only that agency's rows, however large the corpus.
"""
from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..safepath import UnsafePath, inside

csv.field_size_limit(sys.maxsize)


@dataclass
class Package:
    root: Path
    descriptor: dict
    rows: dict[str, list[dict]] = field(default_factory=dict)
    _whole: dict[str, dict[str, list[dict]]] = field(default_factory=dict)  # resource → doc_id → rows

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

    def path(self, name: str) -> Path | None:
        """The CSV file of a declared resource, when it is there."""
        res = self.resource(name)
        path = self.root / str(res.get("path", "")) if res and res.get("path") else None
        return path if path is not None and path.is_file() else None

    def doc_rows(self, doc_id: str, name: str) -> list[dict]:
        """One document's rows of a resource: its slice when the package has one, else (a package without
        slices) the whole resource read once and split by document."""
        try:
            part = inside(self.root / "docs", f"{doc_id}/{name}.csv")
        except UnsafePath:
            part = None
        if part is not None and part.is_file():
            return read_rows(part)
        if name not in self._whole:
            whole: dict[str, list[dict]] = {}
            for r in (self.rows[name] if name in self.rows else read_rows(self.path(name)) if self.path(name) else []):
                whole.setdefault(r.get("doc_id", ""), []).append(r)
            self._whole[name] = whole
        return self._whole[name].get(doc_id, [])

    def doc_bytes(self, doc_id: str, name: str) -> bytes:
        """What `doc_rows` reads, as bytes (the slice's, or the rows' JSON), for a digest of it."""
        try:
            part = inside(self.root / "docs", f"{doc_id}/{name}.csv")
        except UnsafePath:
            part = None
        if part is not None and part.is_file():
            return part.read_bytes()
        return json.dumps(self.doc_rows(doc_id, name), ensure_ascii=False, sort_keys=True).encode("utf-8")

    def count(self, name: str) -> int | None:
        """The rows of a resource (None when the package lacks its file), read from its Parquet file's footer
        when there is one rather than by reading the CSV."""
        if name in self.rows:
            return len(self.rows[name])
        path = self.path(name)
        if path is None:
            return None
        parquet = path.with_suffix(".parquet")
        if parquet.is_file():
            try:
                import pyarrow.parquet as pq
                return pq.read_metadata(parquet).num_rows
            except Exception:  # noqa: BLE001 - counted from the CSV instead
                pass
        with path.open(encoding="utf-8-sig", newline="") as f:
            return max(sum(1 for _ in csv.reader(f)) - 1, 0)


def recorded_digests(root: Path) -> dict[str, tuple[str, int]]:
    """Path (in the package) → (sha256, bytes) of every file whose digest the build recorded as it wrote it:
    the resources in datapackage.json (their CSV and Parquet files), the zip in the `.sha256` file beside it,
    each document's slices in its own descriptor (whose bytes, read here, give its digest too) and the
    downloads in the exports manifest. The site lists these without reading them again; a digest that is not
    well formed is left out (the file is then read)."""
    root = Path(root)
    out: dict[str, tuple[str, int]] = {}

    def take(base: str, entries, key: str) -> None:
        for e in entries if isinstance(entries, list) else []:
            if not isinstance(e, dict) or not isinstance(e.get("path"), str) or not isinstance(e.get("bytes"), int):
                continue
            digest = str(e.get(key) or "").removeprefix("sha256:")
            if re.fullmatch(r"[0-9a-f]{64}", digest):
                out[f"{base}{e['path']}"] = (digest, e["bytes"])

    def descriptor(rel: str) -> dict:
        try:
            data = (root / rel).read_bytes()
            out[rel] = (hashlib.sha256(data).hexdigest(), len(data))
            got = json.loads(data)
            return got if isinstance(got, dict) else {}
        except (OSError, ValueError):
            return {}
    resources = descriptor("datapackage.json").get("resources")
    take("", resources, "hash")
    take("", [{"path": r.get("parquet_path"), "bytes": r.get("parquet_bytes"), "hash": r.get("parquet_hash")}
              for r in resources if isinstance(r, dict)] if isinstance(resources, list) else [], "hash")
    for recorded in sorted(root.glob("*.zip.sha256")):  # `sha256sum` lines: the digest, two spaces, the name
        try:
            digest, _, name = recorded.read_text(encoding="utf-8").strip().partition("  ")
            if "/" not in name and recorded.name == f"{name}.sha256":
                take("", [{"path": name, "bytes": (root / name).stat().st_size, "sha256": digest}], "sha256")
        except (OSError, ValueError):
            continue
    if (root / "docs").is_dir():
        for d in sorted((root / "docs").iterdir()):
            take(f"docs/{d.name}/", descriptor(f"docs/{d.name}/datapackage.json").get("resources"), "hash")
    take("", descriptor("exports/downloads.json").get("downloads"), "sha256")  # paths from the package root
    return out


def read_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [{k: (v or "") for k, v in row.items() if k is not None} for row in csv.DictReader(f)]


def load_package(root: Path, names: tuple[str, ...] | None = None) -> Package:
    """The package's descriptor and the rows of its resources (of `names` only, when given)."""
    root = Path(root)
    desc_path = root / "datapackage.json"
    descriptor = json.loads(desc_path.read_text(encoding="utf-8")) if desc_path.exists() else {"resources": []}
    pkg = Package(root=root, descriptor=descriptor)
    for res in descriptor.get("resources", []):  # every resource the package declares, by its own path
        name, path = res.get("name"), root / str(res.get("path", ""))
        if not name or not path.is_file() or (names is not None and name not in names):
            continue
        pkg.rows[name] = read_rows(path)
    return pkg


def int_or_none(text: str) -> int | None:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        try:
            return int(float(str(text).strip()))
        except (TypeError, ValueError):
            return None
