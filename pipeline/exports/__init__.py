"""Stage after `package`: downloads for the tools analysts already use, made from the written package alone.

`write_exports(package_dir)` writes into `<package_dir>/exports/`:
- `xlsx/<doc_id>.xlsx` — a workbook per document (workbook.py);
- `fiscal-disclosures.sqlite` — the whole package as one SQLite database (database.py);
- `fiscal-data-package/` — a Fiscal Data Package view of the amounts (fiscal.py);
- `downloads.json` — each of these with its path, size and sha256, for the site's data page.

Nothing here holds the package in memory. A document's workbook, database and lines of the fiscal view are
made from its slice, in the worker that made the document's part (`write_part_downloads`, kept with the
part): this stage links the workbooks, has SQLite merge the databases and joins the fiscal view's pieces
in doc_id order, making here only what a part lacks (from the document's slice). There is no workbook of
the whole package: at 1,000 documents it would hold millions of cells (cells alone pass Excel's 1,048,576
rows a sheet), no use to a reader in Excel; the SQLite file, the CSV and Parquet files serve that need.

Paths are stable (doc_id and fixed names, no dates or hashes), so a link keeps working across rebuilds;
the bytes depend on the package alone, so two builds give identical files. One document's workbook failing
leaves a located message and the other downloads are still written.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from ..safepath import UnsafePath, inside
from .files import file_sha256, link_or_copy
from .source import Package, package_of_columns, read_package

EXPORTS = "exports"
MANIFEST = "downloads.json"
DATABASE = "fiscal-disclosures.sqlite"
FISCAL_DIR = "fiscal-data-package"
REPO = Path(__file__).resolve().parents[2]


def workbook_path(doc_id: str) -> str:
    """Where a document's workbook lives, relative to the package folder (the site links it by this)."""
    return f"{EXPORTS}/xlsx/{doc_id}.xlsx"


def site_url(config: Path = REPO / "mkdocs.yml") -> str:
    """The published site's address as mkdocs.yml gives it (`site_url`, also in its `!ENV [SITE_URL, default]`
    form, which the publishing workflow fills in), ending in "/"; "" when none is set."""
    if not config.is_file():
        return ""
    m = re.search(r"^site_url:[ \t]*(.*?)[ \t]*(?:#.*)?$", config.read_text(encoding="utf-8"), re.M)
    value = m.group(1) if m else ""
    env = re.fullmatch(r"!ENV\s*\[\s*(\w+)\s*(?:,\s*(.*?)\s*)?\]", value)
    if env:
        value = os.environ.get(env.group(1)) or env.group(2) or ""
    value = value.strip("'\"")
    return value.rstrip("/") + "/" if re.match(r"https?://\S+$", value) else ""


def agency_page(doc: dict, base: str) -> str:
    """The document's section on its agency page: an address when the site's is known, else the site path."""
    return f"{base}agency/{doc.get('agency_id') or 'agency'}/#doc-{re.sub(r'[^A-Za-z0-9_-]+', '-', doc['doc_id'])}"


PART_DOWNLOADS = "downloads"  # in a document's part: its workbook and database, made by the worker that made the part


def read_slice(slice_dir: Path) -> tuple[Package, dict]:
    """The one document whose slice (`docs/<doc_id>/` of the package, or its part's `slice/`) is in
    `slice_dir`, typed, with its documents row: a document's downloads are made from its slice alone, so
    memory never holds the package."""
    pkg = read_package(slice_dir)
    return pkg, one_document(pkg)


def one_document(pkg: Package) -> dict:
    docs = pkg.rows.get("documents", [])
    if len(docs) != 1:
        raise ValueError(f"{pkg.root / 'documents.csv'}: {len(docs)} documents; a document's slice holds one")
    return docs[0]


def document_workbook(pkg: Package, doc: dict, base: str) -> bytes:
    from . import workbook  # looked up at call time: a test replaces document_sheets to plant a failure

    sheets = workbook.document_sheets(pkg, doc, agency_page(doc, base))
    name = f"{doc.get('agency') or ''} {doc.get('fiscal_year') or ''}"
    return workbook.workbook_bytes(sheets, _created(pkg), f"{name} {doc['doc_id']}")


def made_of(slice_dir: Path, *more: str) -> str:
    """A key for what a document's download is made of: its slice's descriptor (which holds the sha256 of
    every file of the slice, the package's `created`, licences and field descriptions) and `more` (the
    site's address). The code that makes it is in the key of the part it is kept in."""
    digest = hashlib.sha256((Path(slice_dir) / "datapackage.json").read_bytes())
    digest.update("\n".join(("",) + more).encode("utf-8"))
    return digest.hexdigest()[:40]


def workbook_name(slice_dir: Path, base: str) -> str:
    return made_of(slice_dir, base) + ".xlsx"


def database_name(slice_dir: Path) -> str:
    return made_of(slice_dir, "sqlite") + ".sqlite"


def fiscal_name(slice_dir: Path) -> str:
    return made_of(slice_dir, "fiscal") + ".csv"


def write_part_downloads(part: Path, base_url: str | None = None, columns: dict | None = None) -> None:
    """In the worker that has just written a document's part: the document's workbook and its database
    (merged later into the package's), kept in the part under `downloads/`, named by what they are made of,
    so the exports stage only links and merges them (and a cached part keeps them). Made from the `columns`
    the slice's CSV files were written from (package.write_part), typed as reading the slice would type them,
    else from the slice itself. What cannot be made here is made again by the exports stage, which reports why."""
    from .database import document_database
    from .fiscal import columns_piece, slice_piece

    base = site_url() if base_url is None else base_url
    slice_dir = Path(part) / "slice"
    folder = Path(part) / PART_DOWNLOADS
    try:
        if columns is None:
            pkg, doc = read_slice(slice_dir)
        else:
            descriptor = json.loads((slice_dir / "datapackage.json").read_text(encoding="utf-8"))
            pkg = package_of_columns(slice_dir, descriptor, columns)
            doc = one_document(pkg)
        folder.mkdir(exist_ok=True)
    except Exception:  # noqa: BLE001 - made again, and reported, by the exports stage
        return
    fiscal = (lambda: slice_piece(slice_dir)) if columns is None else (lambda: columns_piece(slice_dir, columns))
    for name, make in ((workbook_name(slice_dir, base), lambda path: path.write_bytes(document_workbook(pkg, doc, base))),
                       (database_name(slice_dir), lambda path: document_database(pkg, path)),
                       (fiscal_name(slice_dir), lambda path: path.write_bytes(fiscal()))):
        try:
            make(folder / name)
        except Exception:  # noqa: BLE001 - as above
            (folder / name).unlink(missing_ok=True)


def start_database(package_dir: Path, parts: list[Path]):
    """The package's database, merged from the databases the workers kept in `parts` in a thread of its own
    (database.Merge), started before the package is written so the two run side by side; `write_exports`
    finishes it when the package's documents are the ones merged, else merges again. None when a part has no
    database (the exports stage makes it)."""
    from ..package import load_schema, package_order, resource_descriptor
    from .database import Merge

    documents = []
    try:
        for head, part in package_order(parts):
            path = Path(part) / PART_DOWNLOADS / database_name(Path(part) / "slice")
            if not path.is_file():
                return None
            documents.append((head["document"]["doc_id"], path))
        out = Path(package_dir).resolve() / EXPORTS
        out.mkdir(parents=True, exist_ok=True)
        declared = {"resources": [resource_descriptor(r, b"", f"{r['name']}.parquet") for r in load_schema()[1]]}
        merge = Merge(declared, [path for _, path in documents], inside(out, DATABASE))
    except (OSError, ValueError, KeyError, sqlite3.Error):
        return None  # the package and the exports stage report it
    merge.documents = documents
    return merge


def write_exports(package_dir: Path, base_url: str | None = None,
                  parts: list[Path] | None = None, database=None) -> tuple[list[str], dict[str, float]]:
    """Write every download from the package in `package_dir` without holding it in memory: each document's
    workbook, database and lines of the fiscal view from its slice, linked, merged or joined from its part in
    `parts` where the worker made them already. `database`, from `start_database`, is the database merged
    meanwhile from the same parts: finished here when it holds the package's documents, else merged again.
    Returns (problems, seconds per kind)."""
    try:
        return _write_exports(Path(package_dir), base_url, parts, database)
    finally:
        if database is not None:
            database.cancel()  # not used (the stage failed before it): stopped, its file removed


def _write_exports(package_dir: Path, base_url: str | None, parts: list[Path] | None,
                   database) -> tuple[list[str], dict[str, float]]:
    import pyarrow as pa

    from .database import document_database, write_database
    from .fiscal import slice_piece, write_fiscal_package

    root = Path(package_dir)
    out = root / EXPORTS
    _remove_previous(out)
    timings: dict[str, float] = {}
    problems: list[str] = []
    start = time.perf_counter()
    documents = sorted(read_package(root, ("documents",)).rows.get("documents", []), key=lambda d: d["doc_id"])
    made = {p.name: p for part in parts or [] if (Path(part) / PART_DOWNLOADS).is_dir()
            for p in sorted((Path(part) / PART_DOWNLOADS).iterdir())}
    base = site_url() if base_url is None else base_url
    entries: list[dict] = []
    db = inside(out, DATABASE)
    finishing = None  # the database merged beside the package, finished in its thread while the rest is written
    if database is not None:
        wanted = [(doc["doc_id"], made.get(database_name(inside(root, "docs", doc["doc_id"])))) for doc in documents]
        if database.documents == wanted and database.path == db:
            finishing = database.finish_later(root)
        else:
            database.cancel()
    timings["read"] = time.perf_counter() - start

    start = time.perf_counter()
    for doc in documents:
        rel = workbook_path(doc["doc_id"])
        title = f"{doc.get('agency') or ''} {doc.get('fiscal_year') or ''} {doc.get('title') or ''}".strip()
        try:
            slice_dir = inside(root, "docs", doc["doc_id"])
            cached = made.get(workbook_name(slice_dir, base))
            if cached:
                target = inside(root, *rel.split("/"))
                target.parent.mkdir(parents=True, exist_ok=True)
                link_or_copy(cached, target)
                entries.append(_save(root, rel, None, "xlsx", title, doc["doc_id"]))
            else:
                data = document_workbook(*read_slice(slice_dir), base)
                entries.append(_save(root, rel, data, "xlsx", title, doc["doc_id"]))
        except Exception as exc:  # noqa: BLE001 - one document's surprise must not stop the other downloads
            problems.append(f"{doc.get('source_file') or doc['doc_id']}: workbook not written: {type(exc).__name__}: {exc}")
    timings["xlsx"] = time.perf_counter() - start

    def databases(scratch: Path):
        """Each document's database in doc_id order: its part's, or made here from its slice (one at a time)."""
        for doc in documents:
            slice_dir = inside(root, "docs", doc["doc_id"])
            cached = made.get(database_name(slice_dir))
            if cached:
                yield cached
                continue
            here = scratch / "document.sqlite"
            try:
                document_database(read_slice(slice_dir)[0], here)
            except (OSError, ValueError, KeyError, sqlite3.Error) as exc:
                raise ValueError(f"{doc.get('source_file') or doc['doc_id']}: {type(exc).__name__}: {exc}") from exc
            yield here

    def pieces():
        """Each document's lines of the fiscal view in doc_id order: its part's, or made here from its slice."""
        for doc in documents:
            slice_dir = inside(root, "docs", doc["doc_id"])
            cached = made.get(fiscal_name(slice_dir))
            try:
                yield cached.read_bytes() if cached else slice_piece(slice_dir)
            except (OSError, ValueError, KeyError) as exc:
                raise ValueError(f"{doc.get('source_file') or doc['doc_id']}: {type(exc).__name__}: {exc}") from exc

    start = time.perf_counter()
    fiscal_entries: list[dict] = []  # listed after the database, which is still being finished
    fiscal_problems: list[str] = []
    try:
        folder = inside(out, FISCAL_DIR)
        for name in write_fiscal_package(root, folder, pieces()):
            fiscal_entries.append(_save(root, f"{EXPORTS}/{FISCAL_DIR}/{name}", None, "fiscal-data-package",
                                 "Fiscal Data Package（facts 金额视图 / amounts view）"))
    except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
        fiscal_problems.append(f"{root / EXPORTS / FISCAL_DIR}: Fiscal Data Package not written: {type(exc).__name__}: {exc}")
    timings["fiscal"] = time.perf_counter() - start

    start = time.perf_counter()
    try:
        sums = None
        if finishing is not None:
            try:
                sums = finishing.result()
            except (OSError, ValueError, KeyError, sqlite3.Error, pa.ArrowException):
                finishing = None  # merged again below, which says why where it fails
        if finishing is None:
            db.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(prefix=".documents-", dir=out) as scratch:
                write_database(root, db, databases(Path(scratch)))
        entries.append(_save(root, f"{EXPORTS}/{DATABASE}", None, "sqlite",
                             "整个数据包的 SQLite 数据库 / the whole package as SQLite", sums=sums))
    except (OSError, ValueError, KeyError, sqlite3.Error, pa.ArrowException) as exc:  # the others are still written
        problems.append(f"{root / EXPORTS / DATABASE}: database not written: {type(exc).__name__}: {exc}")
    timings["sqlite"] = time.perf_counter() - start
    entries += fiscal_entries
    problems += fiscal_problems

    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    manifest = {"created": descriptor.get("created"), "downloads": entries}
    out.mkdir(parents=True, exist_ok=True)
    inside(out, MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return problems, timings


def run(package_dir: Path, parts: list[Path] | None = None, database=None) -> int:
    """The command line's call: write the downloads (linking the workbooks the workers made with the
    documents' `parts`, finishing the `database` merged meanwhile), report problems on stderr; 1 when none
    could be written."""
    try:
        problems, _ = write_exports(package_dir, parts=parts, database=database)
    except (OSError, ValueError, KeyError) as exc:  # UnsafePath is a ValueError
        print(f"error: cannot write the downloads to {Path(package_dir) / EXPORTS}: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 1
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    return 0


def read_manifest(package_dir: Path) -> list[dict]:
    """The downloads an earlier `write_exports` listed (empty when there are none)."""
    path = Path(package_dir) / EXPORTS / MANIFEST
    try:
        entries = json.loads(path.read_text(encoding="utf-8")).get("downloads", [])
    except (OSError, ValueError, AttributeError):
        return []  # none, or not ours: nothing to list or remove
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def _save(root: Path, rel: str, data: bytes | None, kind: str, title: str, doc_id: str = "",
          sums: tuple[str, int] | None = None) -> dict:
    """Write `data` to `root/rel` (a temporary file moved into place) and list it; None: list what is there
    (its sha256 and size `sums`, when given, else read)."""
    path = inside(root, *rel.split("/"))
    if data is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    sha256, size = sums or file_sha256(path)
    entry = {"path": rel, "kind": kind, "title": title, "bytes": size, "sha256": sha256}
    if doc_id:
        entry["doc_id"] = doc_id
    return entry


def _created(pkg: Package) -> datetime:
    """The package's `created` (from its inputs, never the clock) as the workbooks' date."""
    text = str(pkg.descriptor.get("created") or "1980-01-01T00:00:00Z")
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc).replace(tzinfo=None)


def _remove_previous(out: Path) -> None:
    """Remove the files an earlier run listed in its manifest, so no stale download lingers; nothing else."""
    for entry in read_manifest(out.parent):
        rel = entry.get("path", "")
        if isinstance(rel, str) and rel.startswith(EXPORTS + "/"):
            try:
                inside(out, *rel.split("/")[1:]).unlink(missing_ok=True)
            except (UnsafePath, OSError):
                continue  # not a file of ours: leave it
    (out / MANIFEST).unlink(missing_ok=True)
