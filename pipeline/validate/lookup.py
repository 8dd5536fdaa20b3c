"""Where a table keeps its totals: the 合计 row, else the top budget unit, else the top code level; and
which column is the current year's total, basic or project column."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from ..model import Table
from .core import Doc, TRow
from ..text import is_current_year
from .labels import TABLE_TOTAL_ROW, col_parts, is_total_part, norm

# the rules ask it of every fact's column label, over and over; a document has a few dozen labels
_is_current_year = lru_cache(maxsize=4096)(is_current_year)


def is_current(doc: Doc, path: str) -> bool:
    return _is_current_year(path, doc.fiscal_year)


def total_col(doc: Doc) -> Callable[[str], bool]:
    """The current year's 合计 column (合计 / 本年支出合计 / 2024年预算数 / 合计 …)."""
    return lambda p: is_current(doc, p) and any(is_total_part(x) for x in col_parts(p))


def named_col(doc: Doc, pattern: str) -> Callable[[str], bool]:
    rx = re.compile(pattern)
    return lambda p: is_current(doc, p) and bool(rx.search(norm(p)))


def first_amount_col(doc: Doc) -> Callable[[str], bool]:
    return lambda p: is_current(doc, p)


def has_column(table: Table, pred: Callable[[str], bool]) -> bool:
    return any(pred(f["column_label"]) for f in table.facts if f["value_unit"] == "yuan")


def total_row(doc: Doc, table: Table) -> TRow | None:
    rows = doc.rows(table)
    for r in rows:
        if not r.code and TABLE_TOTAL_ROW.match(r.key):
            return r
    # a first row without code or label above coded rows is the total whose 合计 label was not printed
    if rows and not rows[0].code and rows[0].key == "" and any(r.code for r in rows[1:]):
        return rows[0]
    if len(rows) == 1 and not rows[0].code:
        return rows[0]  # a one-row table (部门支出预算表) is its own total
    return None


def dedup(rows: list[TRow]) -> list[TRow]:
    """A code printed twice with the same amounts counts once (the duplicate-code rule reports it)."""
    seen: dict[tuple, TRow] = {}
    out = []
    for r in rows:
        if not r.code:  # only a code can be a repeat; its signature is not made
            out.append(r)
            continue
        sig = (r.code, r.budget_unit, tuple(sorted((f["column_label"], f["value"]) for f in r.facts)))
        if sig in seen:
            continue
        seen[sig] = r
        out.append(r)
    return out


def top_rows(doc: Doc, table: Table) -> list[TRow]:
    """The rows that add up to the whole table: top budget units, else the shortest codes."""
    rows = doc.rows(table)
    units = [r for r in rows if r.code_kind == "budget_unit" and r.code]
    if units:
        top = min(len(r.code) for r in units)
        return dedup([r for r in units if len(r.code) == top])
    coded = [r for r in rows if r.code and r.code_kind in ("functional", "economic")]
    if coded:
        top = min(len(r.code) for r in coded)
        return dedup([r for r in coded if len(r.code) == top])
    return []


def table_total(doc: Doc, table: Table, pred: Callable[[str], bool]) -> list[dict] | None:
    """The facts whose sum is the table's total in the first column `pred` accepts; [] when the column
    exists but the total is blank (zero); None when the table has no such column or no total."""
    if not has_column(table, pred):
        return None
    tr = total_row(doc, table)
    if tr is not None:
        f = tr.first(pred)
        if f is not None or tr.has_value():
            return [f] if f else []
    tops = top_rows(doc, table)
    if not tops:
        return None
    out = []
    for r in tops:
        f = r.first(pred)
        if f is not None:
            out.append(f)
    return out
