"""Label rules the checks share: normalised row and column labels, the ordinal level of a row, totals,
and the names of the functional and economic classes (a 收支总表 names classes, it does not print codes).
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..text import TOTAL_END, label_key, outline_level, squash



@lru_cache(maxsize=8192)  # labels repeat across rows and rules
def ordinal_level(label: str) -> int:
    return outline_level(squash(label))


norm = label_key  # a label as compared


def is_subitem(label: str) -> bool:
    """其中：… rows are part of the row above, never a term of a sum."""
    return norm(label).startswith("其中")


def is_total_part(part: str) -> bool:
    p = norm(part)
    return bool(TOTAL_END.search(p)) and not p.startswith("其中")


GRAND_TOTAL = re.compile(r"^(?:收入|支出)?(?:总计|合计)$")
YEAR_TOTAL = re.compile(r"^本年(?:收入|支出)(?:合计|小计)$")
# rows after the year's total that carry money over: 上年结转, 年初结转和结余, 使用非财政拨款结余 … 年末结转结余
CARRY = re.compile(r"^(?:上年|年初|使用非财政拨款结余|用事业基金弥补|年末|年终|结转下年|结余分配)")
TABLE_TOTAL_ROW = re.compile(r"^(?:合计|总计|部门合计|本年(?:收入|支出)合计)$")


@lru_cache(maxsize=4096)
def col_parts(path: str) -> tuple[str, ...]:
    return tuple(squash(p) for p in path.split(" / ")) if path else ()


def last_part(path: str) -> str:
    parts = col_parts(path)
    return parts[-1] if parts else ""


def first_part(path: str) -> str:
    parts = col_parts(path)
    return parts[0] if parts else ""


@lru_cache(maxsize=4096)
def side_of(path: str) -> str:
    """收入 | 支出 for the two sides of a two-sided table, '' otherwise."""
    parts = col_parts(path)
    if parts:
        head = norm(parts[0])
        if head in ("收入", "支出"):
            return head
    return ""


