"""Label rules the checks share: normalised row and column labels, the ordinal level of a row, totals,
and the names of the functional and economic classes (a 收支总表 names classes, it does not print codes).
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..text import ORDINAL, TOTAL_END, outline_level, squash

_PUNCT = re.compile(r"[\s\-－—–:：*“”\"'`]")


@lru_cache(maxsize=8192)  # labels repeat across rows and rules
def ordinal_level(label: str) -> int:
    return outline_level(squash(label))


@lru_cache(maxsize=16384)  # labels repeat across rows, tables and rules
def norm(label: str) -> str:
    """A label without ordinal, spaces, dashes, quotes and (half/full-width) bracket differences."""
    t = squash(label or "")
    t = ORDINAL.sub("", t, count=1)
    t = t.replace("(", "（").replace(")", "）")
    return _PUNCT.sub("", t)


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


# 支出功能分类 类 names → codes (2024 edition; names as printed in the 收支总表 rows).
FUNCTIONAL_CLASSES = {
    "一般公共服务支出": "201", "外交支出": "202", "国防支出": "203", "公共安全支出": "204", "教育支出": "205",
    "科学技术支出": "206", "文化旅游体育与传媒支出": "207", "社会保障和就业支出": "208", "社会保险基金支出": "209",
    "卫生健康支出": "210", "节能环保支出": "211", "城乡社区支出": "212", "农林水支出": "213", "交通运输支出": "214",
    "资源勘探工业信息等支出": "215", "商业服务业等支出": "216", "金融支出": "217", "援助其他地区支出": "219",
    "自然资源海洋气象等支出": "220", "住房保障支出": "221", "粮油物资储备支出": "222",
    "国有资本经营预算支出": "223", "灾害防治及应急管理支出": "224", "预备费": "227", "其他支出": "229",
    "转移性支出": "230", "债务还本支出": "231", "债务付息支出": "232", "债务发行费用支出": "233",
    "抗疫特别国债安排的支出": "234",
}

# 支出经济分类 (部门) 类 names → codes, for basic-expenditure tables printed without codes.
ECONOMIC_CLASSES = {
    "工资福利支出": "301", "商品和服务支出": "302", "对个人和家庭的补助": "303", "债务利息及费用支出": "307",
    "资本性支出": "310", "对企业补助": "312", "对社会保障基金补助": "313", "其他支出": "399",
}


def functional_class(label: str) -> str:
    """The 类 code a 收支总表 row names (一、一般公共服务支出 → 201), or ''."""
    n = norm(label)
    if n in FUNCTIONAL_CLASSES:
        return FUNCTIONAL_CLASSES[n]
    # truncated by the extraction: 灾害防治及应急管理支 → 224
    if len(n) >= 6:
        hits = [c for name, c in FUNCTIONAL_CLASSES.items() if name.startswith(n)]
        if len(hits) == 1:
            return hits[0]
    return ""


def economic_class(label: str) -> str:
    return ECONOMIC_CLASSES.get(norm(label), "")
