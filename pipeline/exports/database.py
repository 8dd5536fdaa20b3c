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

import os
import sqlite3
from decimal import Decimal
from pathlib import Path

from .source import Package

# amounts are REAL, not DECIMAL: SQLite would give DECIMAL numeric affinity and store whole amounts as
# integers, so that `value / 10000` silently divides as integers
SQL_TYPE = {"string": "TEXT", "integer": "INTEGER", "boolean": "BOOLEAN", "number": "REAL"}
INDEXED = ("doc_id", "code")


def create_statements(pkg: Package) -> list[str]:
    """CREATE TABLE / CREATE INDEX for every declared resource, in the descriptor's order (documents first,
    so foreign keys point backwards)."""
    out = []
    for res in pkg.descriptor["resources"]:
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
        out.append(f"CREATE TABLE {_q(res['name'])} (\n  " + ",\n  ".join(cols) + "\n)")
        names = [f["name"] for f in schema["fields"]]
        for col in INDEXED:
            if col in names and _list(schema.get("primaryKey", []))[:1] != [col]:
                out.append(f"CREATE INDEX {_q(res['name'] + '_' + col)} ON {_q(res['name'])} ({_q(col)})")
    return out


def write_database(pkg: Package, path: Path) -> None:
    """Build the database in a temporary file beside `path`, check its foreign keys, then move it into place."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        tmp.unlink()
    con = sqlite3.connect(tmp)
    try:
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        for stmt in create_statements(pkg):
            con.execute(stmt)
        for res in pkg.descriptor["resources"]:
            names = [f["name"] for f in res["schema"]["fields"]]
            marks = ", ".join("?" * len(names))
            con.executemany(f"INSERT INTO {_q(res['name'])} VALUES ({marks})",
                            ([_sql(row.get(n)) for n in names] for row in pkg.rows.get(res["name"], [])))
        write_dictionary(con, pkg)
        con.commit()
        broken = con.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise ValueError(f"{path}: {len(broken)} rows break a foreign key, e.g. {broken[0]}")
        con.execute("VACUUM")
    finally:
        con.close()
    os.replace(tmp, path)


def write_dictionary(con: sqlite3.Connection, pkg: Package) -> None:
    """The data dictionary inside the file: `_resources` and `_fields` (the leading "_" keeps them apart from
    the package's resources), so whoever opens the database alone can read what each column means."""
    con.execute('CREATE TABLE "_resources" ("resource" TEXT PRIMARY KEY, "title" TEXT, "description" TEXT, '
                '"primary_key" TEXT, "source_csv" TEXT)')
    con.execute('CREATE TABLE "_fields" ("resource" TEXT NOT NULL REFERENCES "_resources" ("resource"), '
                '"position" INTEGER NOT NULL, "field" TEXT NOT NULL, "type" TEXT NOT NULL, "sql_type" TEXT NOT NULL, '
                '"description" TEXT, PRIMARY KEY ("resource", "field"))')
    for res in pkg.descriptor["resources"]:
        schema = res["schema"]
        con.execute('INSERT INTO "_resources" VALUES (?, ?, ?, ?, ?)',
                    (res["name"], res.get("title"), res.get("description"),
                     ", ".join(_list(schema.get("primaryKey", []))) or None, res.get("path")))
        con.executemany('INSERT INTO "_fields" VALUES (?, ?, ?, ?, ?, ?)',
                        [(res["name"], i, f["name"], f["type"], SQL_TYPE[f["type"]], f.get("description"))
                         for i, f in enumerate(schema["fields"], 1)])


def _sql(v):
    return float(v) if isinstance(v, Decimal) else v


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _list(v) -> list:
    return v if isinstance(v, list) else [v]
