"""The whole package as one SQLite database: `sqlite3 fiscal-disclosures.sqlite`, then SQL.

Every resource the package declares becomes a table with its declared column types (TEXT, INTEGER, REAL,
BOOLEAN), its primary key and its foreign keys, plus an index on `doc_id` and on `code` wherever a table has
them; `_resources` and `_fields` carry the data dictionary (what each table and column means).

SQLite is chosen over a DuckDB file because its bytes are the same on every build (a DuckDB file carries
random identifiers), every tool opens it (sqlite3, Datasette, DuckDB's sqlite reader, pandas, Excel via ODBC) and Python has it built in.

SQLite has no exact decimal type: amounts are REAL (8-byte floats), which hold every amount below 10^11 元
exactly to the 4 decimal places the package keeps (a test checks each one); `published_value` keeps the
printed text. Round when summing.
"""
from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from itertools import chain
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..safepath import inside
from .files import file_sha256
from .source import Package

# amounts are REAL, not DECIMAL: SQLite would give DECIMAL numeric affinity and store whole amounts as
# integers, so that `value / 10000` silently divides as integers
SQL_TYPE = {"string": "TEXT", "integer": "INTEGER", "boolean": "BOOLEAN", "number": "REAL"}
INDEXED = ("doc_id", "code")


def create_statements(descriptor: dict) -> tuple[list[str], list[str]]:
    """CREATE TABLE for every declared resource, in the descriptor's order (documents first, so foreign keys
    point backwards), and the CREATE INDEX statements, run after the rows are in (an index built once over
    sorted keys is faster and more compact than one grown row by row)."""
    tables, indexes = [], []
    for res in descriptor["resources"]:
        schema = res["schema"]
        cols = []
        for f in schema["fields"]:
            kind = SQL_TYPE[f["type"]]
            required = " NOT NULL" if (f.get("constraints") or {}).get("required") else ""
            cols.append(f"{_q(f['name'])} {kind}{required}")
        if schema.get("primaryKey"):
            cols.append(f"PRIMARY KEY ({', '.join(map(_q, _list(schema['primaryKey'])))})")
        for fk in schema.get("foreignKeys", []):
            ref = fk["reference"]
            cols.append(f"FOREIGN KEY ({', '.join(map(_q, _list(fk['fields'])))}) REFERENCES {_q(ref['resource'])} "
                        f"({', '.join(map(_q, _list(ref['fields'])))})")
        tables.append(f"CREATE TABLE {_q(res['name'])} (\n  " + ",\n  ".join(cols) + "\n)")
        names = [f["name"] for f in schema["fields"]]
        for col in INDEXED:
            if col in names and _list(schema.get("primaryKey", []))[:1] != [col]:
                indexes.append(f"CREATE INDEX {_q(res['name'] + '_' + col)} ON {_q(res['name'])} ({_q(col)})")
    return tables, indexes


BATCH = 20_000  # rows per batch read from Parquet and inserted: memory stays flat whatever the package's size


def connect(path: Path, **options) -> sqlite3.Connection:
    """A new database file written in one go: no journal (it is made in a temporary file and moved into
    place whole), a bounded page cache."""
    con = sqlite3.connect(path, **options)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -65536")  # 64 MiB of pages
    return con


def document_database(pkg: Package, path: Path) -> None:
    """One document's rows (its slice, read typed) as a database with the package's tables, its foreign keys
    checked: made by the worker that made the document's part, merged by `write_database`. Every foreign key
    of the package points inside one document, so documents whose own keys hold make a package whose keys
    hold, and the merge need not check them again."""
    path = Path(path)
    path.unlink(missing_ok=True)
    con = connect(path)
    try:
        con.execute("BEGIN")  # one transaction for the tables and their rows
        for stmt in create_statements(pkg.descriptor)[0]:
            con.execute(stmt)
        for res in pkg.descriptor["resources"]:
            given = pkg.columns.get(res["name"])
            if not given:
                continue
            count = len(next(iter(given.values())))
            columns = [given.get(f["name"]) or [None] * count for f in res["schema"]["fields"]]
            columns = [[None if v is None else float(v) for v in col] if f["type"] == "number" else col
                       for f, col in zip(res["schema"]["fields"], columns)]
            insert_rows(con, res["name"], columns)
        con.commit()
        broken = con.execute("PRAGMA foreign_key_check").fetchmany(1)
        if broken:
            table, rowid, parent, _ = broken[0]
            raise ValueError(f"{pkg.root}: {table}.csv row {rowid} refers to a row of {parent!r} that is not there")
    finally:
        con.close()


VARIABLES = 999  # parameters a statement may have in every SQLite (later builds allow 32,766)
# rows an INSERT statement: more save steps but cost more to prepare, and a document's database is a new
# connection, so each statement is prepared anew (8 was the fastest of 4, 8, 16, 32 and 999 parameters' worth)
ROWS_A_STATEMENT = 8


def insert_rows(con: sqlite3.Connection, table: str, columns: list[list]) -> None:
    """The rows of `columns` into `table`, in order, ROWS_A_STATEMENT rows a statement (one step, not one a
    row as executemany of single rows takes) within VARIABLES, the rest one a statement. A column
    with nothing in it is NULL in the statement, and one text or integer in every row (a document's doc_id)
    is bound once a statement: each value bound costs as much as SQLite's own work for it."""
    count = len(columns[0]) if columns else 0
    if not count:
        return
    fixed, varying, slots = [], [], []  # slots: per column, "NULL", ("fixed", n) or ("varying", n)
    for col in columns:
        first = col[0]
        if first is None and col[-1] is None and col.count(None) == count:
            slots.append("NULL")
        elif type(first) in (str, int) and col[-1] == first and col.count(first) == count \
                and set(map(type, col)) == {type(first)}:
            fixed.append(first)
            slots.append(("fixed", len(fixed)))
        else:
            varying.append(col)
            slots.append(("varying", len(varying) - 1))
    width = len(varying)
    slots = tuple(slots)
    rows = list(zip(*varying)) if varying else [()] * count
    k = max(1, min(ROWS_A_STATEMENT, (VARIABLES - len(fixed)) // max(width, 1)))
    whole = len(rows) // k * k
    if whole:
        flat = list(chain.from_iterable(rows[:whole]))
        step = k * width
        con.executemany(_insert(table, slots, k),
                        [fixed + flat[i:i + step] for i in range(0, whole * width, step)] if width else
                        [fixed] * (whole // k))
    if whole < len(rows):
        con.executemany(_insert(table, slots, 1), [fixed + list(row) for row in rows[whole:]])


@lru_cache(maxsize=256)  # the same tables, with the same columns of nothing or of one value, document after document
def _insert(table: str, slots: tuple, k: int) -> str:
    """INSERT of k rows into `table`, placeholders numbered: the fixed values first, then row by row."""
    fixed = sum(1 for slot in slots if slot != "NULL" and slot[0] == "fixed")
    width = sum(1 for slot in slots if slot != "NULL" and slot[0] == "varying")
    rows = []
    for r in range(k):
        base = fixed + r * width + 1
        rows.append("(" + ", ".join(slot if slot == "NULL" else f"?{slot[1]}" if slot[0] == "fixed"
                                     else f"?{base + slot[1]}" for slot in slots) + ")")
    return f"INSERT INTO {_q(table)} VALUES {', '.join(rows)}"


class Merge:
    """The package's database, merged in a thread of its own (SQLite works without holding the GIL): its
    tables, each document's rows copied from `documents` (the databases `document_database` made, in the
    package's doc_id order) by SQLite itself, then the indexes. The build starts it as soon as the parts are
    made, so it runs beside the writing of the package; `finish` then adds `build_report` (streamed from the
    package's Parquet file) and the data dictionary, and moves the file into place. Written in a temporary
    file beside `path`; memory does not grow with the package. `descriptor` gives the tables (the package's,
    or the same declarations before the package is written: `finish` checks they are the same)."""

    def __init__(self, descriptor: dict, documents: Iterable[Path], path: Path):
        self.path = Path(path)
        self.statements = create_statements(descriptor)
        self.tmp = self.path.with_name(f".{self.path.name}.tmp")
        self.tmp.unlink(missing_ok=True)
        self._stop = self.done = False
        self.documents: list = []  # what the caller says `documents` are, to compare with what it needs later
        self._con = connect(self.tmp, check_same_thread=False)  # used by one thread at a time: the merge's, then finish's
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-merge")
        self._merged = self._pool.submit(self._documents, descriptor, documents)

    def _documents(self, descriptor: dict, documents: Iterable[Path]) -> None:
        con = self._con
        tables, indexes = self.statements
        for stmt in tables:
            con.execute(stmt)
        for part in documents:
            if self._stop:
                return
            con.execute("ATTACH DATABASE ? AS part", (str(part),))
            try:
                present = {n for (n,) in con.execute("SELECT name FROM part.sqlite_master WHERE type = 'table'")}
                for res in descriptor["resources"]:
                    if res["name"] not in present:
                        continue  # build_report: the package's, in finish
                    cols = ", ".join(_q(f["name"]) for f in res["schema"]["fields"])
                    con.execute(f"INSERT INTO main.{_q(res['name'])} ({cols}) "
                                f"SELECT {cols} FROM part.{_q(res['name'])} ORDER BY rowid")
                con.commit()
            except sqlite3.Error as exc:
                raise ValueError(f"{part}: {exc}") from exc
            finally:
                con.execute("DETACH DATABASE part")
        for stmt in indexes:
            con.execute(stmt)
        con.commit()

    def finish(self, root: Path) -> tuple[str, int]:
        """Wait for the documents' rows, add the package's `build_report` and the data dictionary, and move
        the file into place; returns its sha256 and size. Raises (and leaves nothing) when the merge failed or
        the package in `root` declares other tables than those merged."""
        return self.finish_later(root).result()

    def finish_later(self, root: Path) -> Future:
        """`finish` in the merge's thread, while the caller goes on: a future of its sha256 and size."""
        return self._pool.submit(self._finish, Path(root))

    def _finish(self, root: Path) -> tuple[str, int]:
        try:
            self._merged.result()  # run before, in this thread: done, or raises what stopped it
            descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
            if create_statements(descriptor) != self.statements:
                raise ValueError(f"{root / 'datapackage.json'}: declares other tables than the documents' databases were merged into")
            con = self._con
            for res in descriptor["resources"]:
                if res["name"] == "build_report":
                    names = [f["name"] for f in res["schema"]["fields"]]
                    con.executemany(f"INSERT INTO {_q(res['name'])} VALUES ({', '.join('?' * len(names))})", rows(root, res))
            write_dictionary(con, descriptor)
            con.commit()
            con.close()
            os.replace(self.tmp, self.path)
            sums = file_sha256(self.path)
        except BaseException:
            self._abandon()
            raise
        self.done = True
        return sums

    def _abandon(self) -> None:
        self._stop = self.done = True
        self._con.close()
        self.tmp.unlink(missing_ok=True)

    def cancel(self) -> None:
        """Stop after the document being merged (a finish under way ends first), and remove the temporary
        file of a merge not finished."""
        self._stop = True
        self._pool.shutdown(wait=True)
        if not self.done:
            self._abandon()


def write_database(root: Path, path: Path, documents: Iterable[Path]) -> None:
    """The package's database (see `Merge`), merged from `documents` and finished at once."""
    descriptor = json.loads((Path(root) / "datapackage.json").read_text(encoding="utf-8"))
    Merge(descriptor, documents, path).finish(root)


def rows(root: Path, res: dict):
    """A resource's rows as tuples in the package's order, read from its Parquet file batch by batch, with
    the declared columns (a file that lacks one is refused, naming it). Amounts become the float nearest
    their exact decimal: decimal128 → its decimal text → float64, which rounds correctly, as float(Decimal)."""
    names = [f["name"] for f in res["schema"]["fields"]]
    source = inside(root, res.get("parquet_path") or "")
    parquet = pq.ParquetFile(source)
    missing = [n for n in names if n not in parquet.schema_arrow.names]
    if missing:
        raise ValueError(f"{source}: no column(s) {missing} that {root / 'datapackage.json'} declares for {res['name']!r}")
    for batch in parquet.iter_batches(batch_size=BATCH, columns=names):
        columns = []
        for col in batch.columns:
            if pa.types.is_decimal(col.type):
                col = pc.cast(pc.cast(col, pa.string()), pa.float64())
            columns.append(col.to_pylist())
        yield from zip(*columns)


def write_dictionary(con: sqlite3.Connection, descriptor: dict) -> None:
    """The data dictionary inside the file: `_resources` and `_fields` (the leading "_" keeps them apart from
    the package's resources), so whoever opens the database alone can read what each column means."""
    con.execute('CREATE TABLE "_resources" ("resource" TEXT PRIMARY KEY, "title" TEXT, "description" TEXT, '
                '"primary_key" TEXT, "source_csv" TEXT)')
    con.execute('CREATE TABLE "_fields" ("resource" TEXT NOT NULL REFERENCES "_resources" ("resource"), '
                '"position" INTEGER NOT NULL, "field" TEXT NOT NULL, "type" TEXT NOT NULL, "sql_type" TEXT NOT NULL, '
                '"description" TEXT, PRIMARY KEY ("resource", "field"))')
    for res in descriptor["resources"]:
        schema = res["schema"]
        con.execute('INSERT INTO "_resources" VALUES (?, ?, ?, ?, ?)',
                    (res["name"], res.get("title"), res.get("description"),
                     ", ".join(_list(schema.get("primaryKey", []))) or None, res.get("path")))
        con.executemany('INSERT INTO "_fields" VALUES (?, ?, ?, ?, ?, ?)',
                        [(res["name"], i, f["name"], f["type"], SQL_TYPE[f["type"]], f.get("description"))
                         for i, f in enumerate(schema["fields"], 1)])


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _list(v) -> list:
    return v if isinstance(v, list) else [v]
