"""Completeness and the checks inside one table: row totals, column totals, the code hierarchy, budget-unit
groups, codes printed twice, and the two sides of a 收支总表."""
from __future__ import annotations

import re
from collections import defaultdict

from ..classify import STANDARD_SETS
from ..facts import EMPTY_NOTE
from ..schema import enum_names
from ..severity import INFO, ERROR, WARNING
from .core import ROUNDING, SUM_OUTCOMES, Doc, Outcome, Rule, TRow, compare_sum
from .labels import (CARRY, GRAND_TOTAL, YEAR_TOTAL, col_parts, is_subitem, is_total_part, last_part, norm,
                     ordinal_level, side_of)
from .lookup import dedup, is_current, top_rows, total_row

TYPE_NAMES = enum_names("tables", "table_type")  # type → (zh, en) short name, declared in the schema
# words the explanations use when a kind of funds is absent (无政府性基金预算财政拨款收支 …)
_TYPE_WORD = {"government_fund": "政府性基金", "state_capital": "国有资本经营", "three_public_costs": "三公"}
_ELSEWHERE = re.compile(r"另附|另行公开|单独公开|另册公开|另行发布")
_NONE_STMT = r"(?:无|没有|未安排|未使用|不涉及)[^。；]{0,16}%s|%s[^。；]{0,40}?(?<![\d.])0(?:\.0+)?\s*(?:万元|元)|%s[^。；]{0,20}(?:空表|无数据)"
_NONE_RX = {t: re.compile(_NONE_STMT % (w, w, w)) for t, w in _TYPE_WORD.items()}


def _text_lines(doc: Doc) -> list[tuple[int, str]]:
    in_table = set()
    for t in doc.tables:
        in_table.update(range(t.block.line_start, t.block.line_end + 1))
    return [(i + 1, s) for i, s in enumerate(doc.result.source.lines) if s.strip() and i + 1 not in in_table]


STANDARD_TABLES = Rule("completeness.standard_tables", "completeness", "标准公开表是否齐全", "Standard tables present",
    "财政部部门预决算公开模板规定了每类文件必须公开的表（预算 8 张、决算 公开01–09 表），无数据的表也应公开并说明。",
    "不适用（缺表为 warning；空表有说明、或文中称公开表另附，为 info）", WARNING, {
        "empty_stated": Outcome(INFO, "{type_zh}（{title}）为空表，已说明：{where}",
                                "the {type_en} is empty, with a statement"),
        "empty": Outcome(WARNING, "{type_zh}（{title}）为空表，表内和说明中均未说明为何无数据",
                         "the {type_en} is printed empty without a statement"),
        "published_elsewhere": Outcome(INFO, "{type_zh}未在本文件中公开，文中称公开表另附：{where}",
                                       "the {type_en} is not in this file; the text says the tables are published "
                                       "separately (另附)"),
        "none_stated": Outcome(INFO, "未公开{type_zh}，说明中称无此项收支：{where}",
                               "no {type_en}; the text states there are no such funds"),
        "missing": Outcome(WARNING, "缺少标准公开表：{type_zh}", "standard table missing: {type_en}"),
    },
    name_zh="公开表齐全")


@STANDARD_TABLES.checks
def check_completeness(doc: Doc) -> list[dict] | None:
    kind = doc.kind if doc.kind in STANDARD_SETS else ""
    if not kind:
        return None
    expected = list(STANDARD_SETS[kind])
    if any(t.table_type == "state_capital" for t in doc.tables) and "state_capital" not in expected:
        expected.append("state_capital")  # a budget template with the 国有资本 table carries it
    text = _text_lines(doc)
    elsewhere = [(n, s) for n, s in text if _ELSEWHERE.search(s) and "表" in s]
    out = []
    for ttype in expected:
        zh, en = TYPE_NAMES[ttype]
        tables = [t for t in doc.tables if t.table_type == ttype]
        if any(t.status == "parsed" and t.facts for t in tables):
            continue
        rx = _NONE_RX.get(ttype)
        stmt = [(n, s) for n, s in text if rx.search(s)] if rx else []  # only for a table missing or empty
        if tables:
            t = tables[0]
            noted = [x for x in t.notes if EMPTY_NOTE.search(x)]
            if noted or stmt:
                where = noted[0] if noted else stmt[0][1][:60]
                out.append(STANDARD_TABLES.note(doc, "empty_stated", type_zh=zh, type_en=en, title=t.title,
                                                where=where, tables=[t.table_id],
                                                lines=[t.block.line_start] + [n for n, _ in stmt[:1]]))
            else:
                out.append(STANDARD_TABLES.fail(doc, "empty", type_zh=zh, type_en=en, title=t.title,
                                                tables=[t.table_id], lines=[t.block.line_start]))
        elif elsewhere:
            out.append(STANDARD_TABLES.note(doc, "published_elsewhere", type_zh=zh, type_en=en,
                                            where=elsewhere[0][1][:60], lines=[elsewhere[0][0]]))
        elif stmt:
            out.append(STANDARD_TABLES.note(doc, "none_stated", type_zh=zh, type_en=en, where=stmt[0][1][:60],
                                            lines=[stmt[0][0]]))
        else:
            out.append(STANDARD_TABLES.fail(doc, "missing", type_zh=zh, type_en=en))
    return out


# --------------------------------------------------------------------------- within a table

_ROW_TOTAL_TYPES = {
    "income_expenditure_summary", "income", "expenditure", "fiscal_grant_summary", "general_budget_expenditure",
    "general_budget_basic_expenditure", "government_fund", "state_capital", "operating_costs",
    "project_expenditure",
}


def _column_tree(doc: Doc, table) -> list[tuple[str, list[str]]]:
    """(total column, its component columns) for each 合计/小计 column of a table's header. A total of this
    year never takes in a column of another year or of changes (上年数, 增减额)."""
    cols: dict[str, int] = {}
    for f in table.facts:
        if f["value_unit"] == "yuan":
            cols.setdefault(f["column_label"], f["column_index"])
    paths = sorted(cols, key=cols.get)
    parts = {p: col_parts(p) for p in paths}
    out = []
    top_done = False
    for t in paths:
        tp = parts[t]
        if not tp or not is_total_part(tp[-1]) or norm(tp[-1]).startswith("其中"):
            continue
        parent = tp[:-1]
        if not parent:
            if top_done:
                continue  # only the first top-level 合计 sums the whole row (a later 小计 heads its own group)
            top_done = True
        depth = len(parent)
        groups: dict[str, list[str]] = {}
        for c in paths:
            cp = parts[c]
            if c == t or len(cp) <= depth or cp[:depth] != parent:
                continue
            if side_of(c) != side_of(t) or (is_current(doc, t) and not is_current(doc, c)):
                continue
            child = cp[depth]
            if is_total_part(child) or is_subitem(child):
                continue
            groups.setdefault(child, []).append(c)
        comps = []
        for child, cs in groups.items():
            sub_totals = [c for c in cs if len(parts[c]) > depth + 1 and is_total_part(parts[c][depth + 1])]
            if sub_totals:
                comps.append(sub_totals[0])  # a group with its own 小计 counts by it
            else:
                comps.extend(c for c in cs if not any(is_subitem(x) for x in parts[c][depth + 1:]))
        if comps:
            out.append((t, comps))
    return out


ROW_TOTAL = Rule("table.row_total", "table", "行内合计 = 各栏之和", "Row total = its columns",
    "表头中“合计/小计”栏是同一表头下各栏之和（合计 = 基本支出 + 项目支出；小计 = 一般公共预算 + 政府性基金 …）。",
    ROUNDING, ERROR, SUM_OUTCOMES,
    name_zh="行内合计")


@ROW_TOTAL.checks
def check_row_totals(doc: Doc) -> list[dict] | None:
    out = []
    ran = False
    for table in doc.of_type(*_ROW_TOTAL_TYPES):
        tree = _column_tree(doc, table)
        if not tree:
            continue
        for row in doc.rows(table):
            for tcol, comps in tree:
                total = row.get(tcol)
                parts = [row.get(c) for c in comps]
                parts = [p for p in parts if p is not None]
                if total is None or not parts:
                    continue  # a row without the total or without any part printed says nothing
                ran = True
                out += compare_sum(doc, ROW_TOTAL, total, parts,
                                   f"{table.title} 第{row.line}行“{row.label or row.code}”的{tcol}",
                                   f"{table.table_id} line {row.line} '{row.label or row.code}' column {tcol}")
    return out if ran else None


COLUMN_TOTAL = Rule("table.column_total", "table", "合计行 = 其下最高一级各行之和", "Total row = the top-level rows below it",
    "合计行是其下最高一级（预算单位，或类级科目；只列项级时为各项）各行之和。", ROUNDING, ERROR,
    SUM_OUTCOMES,
    name_zh="合计行")


@COLUMN_TOTAL.checks
def check_column_totals(doc: Doc) -> list[dict] | None:
    """The 合计 row = Σ the rows at the top level below it (top budget units, else the shortest codes)."""
    out = []
    ran = False
    for table in doc.of_type(*_ROW_TOTAL_TYPES):
        tr = total_row(doc, table)
        if tr is None and table.table_type == "project_expenditure":
            ran |= _project_table_total(doc, table, out)
            continue
        if tr is None or len(doc.rows(table)) < 2:
            continue
        tops = [r for r in top_rows(doc, table) if r is not tr]
        if not tops:
            continue
        for f in tr.facts:
            parts = [p for r in tops for p in [r.get(f["column_label"])] if p is not None]
            ran = True
            out += compare_sum(doc, COLUMN_TOTAL, f, parts,
                               f"{table.title} 合计行（第{tr.line}行）{f['column_label']}",
                               f"{table.table_id} total row (line {tr.line}) column {f['column_label']}")
    return out if ran else None


_UNIT_ROW = re.compile(r"(?:合计|局|厅|中心|委员会|办公室|院|所|站|队|部门|单位)(?:（本级）)?$")


def _project_table_total(doc: Doc, table, out: list[dict]) -> bool:
    """项目支出表 printed without 合计 or codes: the department / unit rows at the top (兴县人力资源和社会保障局,
    once for the department and once for its unit) = Σ the project rows below them."""
    rows = doc.rows(table)
    lead = 0
    while lead < len(rows) and _UNIT_ROW.search(rows[lead].key):
        lead += 1
    if lead == 0 or lead == len(rows):
        return False
    head, projects = rows[0], rows[lead:]
    for f in head.facts:
        parts = [p for r in projects for p in [r.get(f["column_label"])] if p is not None]
        out += compare_sum(doc, COLUMN_TOTAL, f, parts,
                           f"{table.title} 第{head.line}行“{head.label}”{f['column_label']} = 其下 {len(projects)} 个项目之和",
                           f"{table.table_id} line {head.line} column {f['column_label']} = its {len(projects)} projects")
    return True


def _children(code: str, kind: str) -> int | None:
    if kind == "functional" and len(code) in (3, 5):
        return len(code) + 2
    if kind == "economic" and len(code) == 3:
        return 5
    return None


CODE_HIERARCHY = Rule("table.code_hierarchy", "table", "科目层级：类 = Σ款，款 = Σ项", "Code hierarchy: class = Σ sub-classes",
    "支出功能分类的类、款、项和经济分类的类、款逐级汇总，上级科目金额等于其下级科目之和（在同一预算单位内）。",
    ROUNDING, ERROR, SUM_OUTCOMES,
    name_zh="科目逐级汇总")


@CODE_HIERARCHY.checks
def check_code_hierarchy(doc: Doc) -> list[dict] | None:
    """类 = Σ 款, 款 = Σ 项, within one budget unit's rows, column by column."""
    out = []
    ran = False
    for table in doc.of_type(*_ROW_TOTAL_TYPES):
        rows = dedup([r for r in doc.rows(table) if r.code and r.code_kind in ("functional", "economic")])
        by_unit: dict[str, list[TRow]] = defaultdict(list)
        for r in rows:
            by_unit[r.budget_unit].append(r)
        for unit_rows in by_unit.values():
            for parent in unit_rows:
                n = _children(parent.code, parent.code_kind)
                if n is None:
                    continue
                kids = [r for r in unit_rows if len(r.code) == n and r.code.startswith(parent.code)
                        and r.code_kind == parent.code_kind]
                if not kids:
                    continue
                for f in parent.facts:
                    parts = [p for k in kids for p in [k.get(f["column_label"])] if p is not None]
                    ran = True
                    out += compare_sum(doc, CODE_HIERARCHY, f, parts,
                                       f"{table.title} {parent.code} {parent.label} 的{f['column_label']}"
                                       f"（= 下级 {len(kids)} 个科目之和）",
                                       f"{table.table_id} code {parent.code} column {f['column_label']} "
                                       f"(= its {len(kids)} sub-codes)")
    return out if ran else None


BUDGET_UNIT_GROUPS = Rule("table.budget_unit_groups", "table", "预算单位 = 其下各科目（或所属单位）之和",
    "Budget unit = its classes (or its units)",
    "按预算单位分组的表中，单位行是其下所列类级科目之和，主管部门行是所属各单位之和。", ROUNDING, ERROR,
    SUM_OUTCOMES,
    name_zh="预算单位汇总")


@BUDGET_UNIT_GROUPS.checks
def check_budget_units(doc: Doc) -> list[dict] | None:
    """A budget unit's row = Σ the class rows printed under it; a parent unit = Σ its units."""
    out = []
    ran = False
    for table in doc.of_type(*_ROW_TOTAL_TYPES):
        rows = doc.rows(table)
        units = [r for r in rows if r.code_kind == "budget_unit" and r.code]
        if not units:
            continue
        for u in units:
            subs = [r for r in units if len(r.code) > len(u.code) and r.code.startswith(u.code)]
            if subs:
                n = min(len(r.code) for r in subs)
                members = [r for r in subs if len(r.code) == n]
                what = "所属预算单位"
            else:
                members = dedup([r for r in rows if r.budget_unit == u.code and r is not u
                                 and r.code_kind == "functional" and r.code and len(r.code) == 3])
                what = "所列类级科目"
            if not members:
                continue
            for f in u.facts:
                parts = [p for m in members for p in [m.get(f["column_label"])] if p is not None]
                ran = True
                out += compare_sum(doc, BUDGET_UNIT_GROUPS, f, parts,
                                   f"{table.title} 预算单位 {u.code} {u.label} 的{f['column_label']}（= {what}之和）",
                                   f"{table.table_id} budget unit {u.code} column {f['column_label']}")
    return out if ran else None


DUPLICATE_CODE = Rule("table.duplicate_code", "table", "同一科目在一张表中重复出现", "A code printed twice in one table",
    "同一预算单位内每个科目只应出现一次；重复的行会使合计与各行之和对不上。",
    "不适用（金额相同为 warning，金额不同为 error）", WARNING, {
        "same": Outcome(WARNING, "{title} 科目 {code} {label} 印出 {n} 次（第{printed_on}行），金额相同，重复印出",
                        "{table_id}: code {code} printed {n} times (same amounts)"),
        "different": Outcome(ERROR, "{title} 科目 {code} {label} 印出 {n} 次（第{printed_on}行），金额不同",
                             "{table_id}: code {code} printed {n} times (different amounts)"),
    },
    name_zh="科目重复")


@DUPLICATE_CODE.checks
def check_duplicate_codes(doc: Doc) -> list[dict] | None:
    out = []
    ran = False
    for table in doc.of_type(*_ROW_TOTAL_TYPES):
        seen: dict[tuple, list[TRow]] = defaultdict(list)
        for r in doc.rows(table):
            if r.code and not r.pseudo_code:
                ran = True
                lane = tuple(sorted(f["column_label"] for f in r.facts))
                seen[(r.code, r.budget_unit, lane)].append(r)
        for (code, _, _), rs in seen.items():
            lines = sorted({r.line for r in rs})
            if len(lines) < 2:
                continue
            same = len({tuple(sorted((f["column_label"], f["value"]) for f in r.facts)) for r in rs}) == 1
            out.append(DUPLICATE_CODE.fail(doc, "same" if same else "different", title=table.title, code=code,
                                           label=rs[0].label, n=len(lines), printed_on="、".join(map(str, lines)),
                                           table_id=table.table_id, tables=[table.table_id], lines=lines))
    return out if ran else None


# --------------------------------------------------------------------------- two-sided summary tables

_SUMMARY_TYPES = ("income_expenditure_summary", "fiscal_grant_summary")


def _sides(doc: Doc, table) -> dict[str, list[TRow]]:
    """收入 and 支出 rows of a two-sided table, each in print order."""
    out: dict[str, list[TRow]] = {"收入": [], "支出": []}
    for r in doc.rows(table):
        s = side_of(r.facts[0]["column_label"])
        if s:
            out[s].append(r)
    return out


def _columns(rows: list[TRow]) -> list[str]:
    cols: dict[str, int] = {}
    for r in rows:
        for f in r.facts:
            cols.setdefault(f["column_label"], f["column_index"])
    return sorted(cols, key=cols.get)


def _grand(rows: list[TRow]) -> TRow | None:
    g = [r for r in rows if GRAND_TOTAL.match(r.key)]
    return g[-1] if g else None


def _year(rows: list[TRow]) -> TRow | None:
    y = [r for r in rows if YEAR_TOTAL.match(r.key)]
    return y[0] if y else None


SUMMARY_BALANCE = Rule("summary.balance", "table", "收入总计 = 支出总计", "Income grand total = expenditure grand total",
    "收支总表和财政拨款收支总表是平衡表，收入方总计与支出方总计必须相等。", ROUNDING, ERROR,
    SUM_OUTCOMES,
    name_zh="收支平衡")


@SUMMARY_BALANCE.checks
def check_summary_balance(doc: Doc) -> list[dict] | None:
    out = []
    ran = False
    for table in doc.of_type(*_SUMMARY_TYPES):
        sides = _sides(doc, table)
        gi, ge = _grand(sides["收入"]), _grand(sides["支出"])
        if not gi or not ge:
            continue
        fi = gi.first(lambda p: True)
        fe = ge.first(lambda p: is_total_part(last_part(p))) or ge.first(lambda p: True)
        if fi is None or fe is None:
            continue
        ran = True
        out += compare_sum(doc, SUMMARY_BALANCE, fe, [fi], f"{table.title} 支出总计 = 收入总计",
                           f"{table.table_id}: expenditure grand total = income grand total")
    return out if ran else None


SUMMARY_GRAND_TOTAL = Rule("summary.grand_total", "table", "总计 = 本年合计 + 结转结余", "Grand total = year total + carry-over",
    "收支总表每一方的总计是本年收入（支出）合计加上年结转（年末结转结余）等各行之和。", ROUNDING, ERROR,
    SUM_OUTCOMES,
    name_zh="收支总计")


@SUMMARY_GRAND_TOTAL.checks
def check_summary_grand_total(doc: Doc) -> list[dict] | None:
    """总计 = 本年收入合计 + 上年结转 … (and the same on the 支出 side), column by column."""
    out = []
    ran = False
    for table in doc.of_type(*_SUMMARY_TYPES):
        for side, rows in _sides(doc, table).items():
            g = _grand(rows)
            if g is None:
                continue
            gi = rows.index(g)
            y = _year(rows[:gi])
            if y is not None:
                yi = rows.index(y)
                terms = [y] + [r for r in rows[yi + 1:gi] if CARRY.match(r.key) and not is_subitem(r.label)]
            else:  # 一、本年收入 … 二、上年结转 … 收入总计
                terms = [r for r in rows[:gi] if ordinal_level(r.label) == 1]
            if not terms:
                continue
            for f in g.facts:
                parts = [p for r in terms for p in [r.get(f["column_label"])] if p is not None]
                if not parts:
                    continue
                ran = True
                out += compare_sum(doc, SUMMARY_GRAND_TOTAL, f, parts,
                                   f"{table.title} {side}方 {g.label}（{f['column_label']}）= "
                                   + " + ".join(r.label for r in terms),
                                   f"{table.table_id} {side} side grand total column {f['column_label']}")
    return out if ran else None


def _items_sum(rows: list[TRow], col: str) -> tuple[list[dict], int] | None:
    """Terms of a year total above it: the 一、 rows if any carries an amount, else the （一） rows."""
    for level in (1, 2):
        rs = [r for r in rows if ordinal_level(r.label) == level and not is_subitem(r.label)
              and not CARRY.match(r.key)]
        facts = [f for r in rs for f in [r.get(col)] if f is not None]
        if any(f["value"] is not None for f in facts):
            return facts, level
    return None


SUMMARY_YEAR_TOTAL = Rule("summary.year_total", "table", "本年合计 = 各项收入（支出）之和", "Year total = its items",
    "本年收入合计是各项收入（一、二、……）之和，本年支出合计是各类支出之和；带下级明细的行等于其明细之和。",
    ROUNDING, ERROR, SUM_OUTCOMES,
    name_zh="本年收支合计")


@SUMMARY_YEAR_TOTAL.checks
def check_summary_year_total(doc: Doc) -> list[dict] | None:
    """本年收入合计 = Σ the income items above it; an 一、 row with amounts under it = Σ those; a carry-over
    row (上年结转 / 年初结转和结余) = Σ the rows that break it down."""
    out = []
    ran = False
    for table in doc.of_type(*_SUMMARY_TYPES):
        for side, rows in _sides(doc, table).items():
            y = _year(rows)
            if y is not None:
                above = rows[:rows.index(y)]
                for f in y.facts:
                    got = _items_sum(above, f["column_label"])
                    if got is None:
                        continue
                    ran = True
                    out += compare_sum(doc, SUMMARY_YEAR_TOTAL, f, got[0],
                                       f"{table.title} {side}方 {y.label}（{f['column_label']}）= 各项之和",
                                       f"{table.table_id} {side} side year total column {f['column_label']}")
            # parents with a breakdown under them: 一、本年收入 → （一）…; 年初结转和结余 → 一、…
            for i, r in enumerate(rows):
                lvl = ordinal_level(r.label)
                is_carry = CARRY.match(r.key) and lvl == 0
                if not r.has_value() or not (lvl == 1 or is_carry):
                    continue
                kids: list[TRow] = []
                for k in rows[i + 1:]:
                    kl = ordinal_level(k.label)
                    if GRAND_TOTAL.match(k.key) or YEAR_TOTAL.match(k.key) or (lvl == 1 and kl == 1) \
                            or (is_carry and kl == 0):
                        break
                    kids.append(k)
                levels = sorted({ordinal_level(k.label) for k in kids if ordinal_level(k.label) > lvl})
                if not levels:
                    continue
                kids = [k for k in kids if ordinal_level(k.label) == levels[0] and not is_subitem(k.label)]
                for f in r.facts:
                    parts = [p for k in kids for p in [k.get(f["column_label"])] if p is not None]
                    if not parts:
                        continue
                    ran = True
                    out += compare_sum(doc, SUMMARY_YEAR_TOTAL, f, parts,
                                       f"{table.title} {side}方 {r.label}（{f['column_label']}）= 其下各项之和",
                                       f"{table.table_id} {side} side '{r.label}' = its breakdown")
    return out if ran else None


__all__ = [
    "check_completeness", "check_row_totals", "check_column_totals", "check_code_hierarchy",
    "check_budget_units", "check_duplicate_codes", "check_summary_balance", "check_summary_grand_total",
    "check_summary_year_total",
]
