"""Checks between the tables of one document: 收支总表 ↔ 收入表 / 支出表, 财政拨款收支总表 ↔ 一般公共预算支出表,
the basic-expenditure totals, the "三公" table (its own sums and against the basic-expenditure items), and the
performance forms against 项目支出."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from ..model import Table
from ..codes import functional_class
from ..text import UNIT_FACTOR
from ..severity import ERROR, INFO, WARNING
from .core import (PAIR_BOUND, PAIR_OUTCOMES, PAIR_ROUNDING, ROUNDING, SUM_OUTCOMES, ZERO, Doc, Outcome, Rule,
                   TRow, compare_equal, compare_sum, fmt, half_unit, val)
from .labels import (col_parts, first_part, is_subitem, is_total_part, last_part, norm,
                     side_of)
from .lookup import dedup, first_amount_col, is_current, named_col, table_total, total_col

# income sources: how a 收支总表 row and a 收入表 column name them
SOURCES = {
    "一般公共预算": re.compile(r"^一般公共预算(?:财政)?(?:拨款)?(?:预算)?(?:收入)?$"),
    "政府性基金": re.compile(r"^政府性基金(?:预算)?(?:财政)?(?:拨款)?(?:预算)?(?:收入)?$"),
    "国有资本经营": re.compile(r"^国有资本经营(?:预算)?(?:财政)?(?:拨款)?(?:收入)?$"),
    "财政拨款": re.compile(r"^财政拨款(?:预算)?收入$"),
    "财政专户": re.compile(r"^财政专户管理资金(?:收入)?$"),
    "事业收入": re.compile(r"^事业(?:预算)?收入$"),
    "上级补助收入": re.compile(r"^上级补助(?:预算)?收入$"),
    "附属单位上缴收入": re.compile(r"^附属单位上缴(?:预算)?收入$"),
    "经营收入": re.compile(r"^(?:事业单位)?经营(?:预算)?收入$"),
    "其他收入": re.compile(r"^其他(?:预算)?收入$"),
    "单位资金": re.compile(r"^单位资金$"),
}
# expenditure kinds a 收支总表 (部门预算 template) lists instead of functional classes
SPEND_KINDS = {
    "行政支出": re.compile(r"^行政支出$"), "事业支出": re.compile(r"^事业支出$"),
    "经营支出": re.compile(r"^(?:事业单位)?经营支出$"), "上缴上级支出": re.compile(r"^上缴上级支出$"),
    "对附属单位补助支出": re.compile(r"^对附属单位补助支出$"),
}


def _label_exists(table: Table, rx: re.Pattern) -> bool:
    """A row label printed in the table, with or without an amount (a blank amount is a zero)."""
    return any(rx.search(norm(c["text"])) for c in table.cells)


def _summary_row(doc: Doc, table: Table, side: str, rx: re.Pattern) -> list[TRow]:
    rows = [r for r in doc.rows(table) if r.facts and side_of(r.facts[0]["column_label"]) == side
            and rx.search(r.key) and not is_subitem(r.label)]
    return rows[:1]


def _first_col(row: TRow) -> dict | None:
    return row.first(lambda p: is_total_part(last_part(p))) or row.first(lambda p: True)


def _income_column(doc: Doc, table: Table, rx: re.Pattern) -> str | None:
    """The income table's column for a source: its 小计 when the source is subdivided."""
    paths = [c.path for c in table.columns if c.kind == "amount" and c.path and is_current(doc, c.path)]
    for p in paths:
        parts = col_parts(p)
        for i, part in enumerate(parts):
            if rx.search(norm(part)):
                if i == len(parts) - 1:
                    sub = [q for q in paths if col_parts(q)[:i + 1] == parts[:i + 1] and len(col_parts(q)) > i + 1
                           and is_total_part(col_parts(q)[i + 1])]
                    return sub[0] if sub else p
                if is_total_part(parts[i + 1]):
                    return p
    return None


SUMMARY_INCOME = Rule("cross.summary_income", "cross", "收支总表 ↔ 收入表（按收入来源）", "Summary ↔ income table by source",
    "收支总表收入方各项与收入表合计行同名各栏是同一笔钱，金额必须一致。",
    PAIR_ROUNDING, ERROR, PAIR_OUTCOMES,
    name_zh="总表与收入表一致")


@SUMMARY_INCOME.checks
def check_summary_income(doc: Doc) -> list[dict] | None:
    summ, inc = doc.first("income_expenditure_summary"), doc.first("income")
    if summ is None or inc is None:
        return None
    out = []
    ran = False
    for key, rx in SOURCES.items():
        col = _income_column(doc, inc, rx)
        srows = _summary_row(doc, summ, "收入", rx)
        if col is None or (not srows and not _label_exists(summ, rx)):
            continue
        s_fact = _first_col(srows[0]) if srows else None
        i_facts = table_total(doc, inc, lambda p, c=col: p == c)
        if i_facts is None:
            i_facts = []
        if val(s_fact) == ZERO and sum((val(f) for f in i_facts), ZERO) == ZERO:
            continue
        ran = True
        out += compare_equal(doc, SUMMARY_INCOME, s_fact, None, f"收支总表与收入表的“{key}”",
                             f"summary vs income table, source '{key}'", b_facts=i_facts,
                             a_facts=[s_fact] if s_fact else [])
    # the year's total
    yrows = _summary_row(doc, summ, "收入", re.compile(r"^本年收入(?:合计|小计)$"))
    tot = table_total(doc, inc, lambda p: is_current(doc, p) and norm(first_part(p)) in ("本年收入合计", "本年收入"))
    if yrows and tot is not None:
        ran = True
        out += compare_equal(doc, SUMMARY_INCOME, _first_col(yrows[0]), None,
                             "收支总表本年收入合计与收入表合计", "summary year income total vs income table total",
                             b_facts=tot)
    return out if ran else None


def class_facts(doc: Doc, table: Table, code: str, pred) -> list[dict] | None:
    """The facts that make up a functional class in a table: its 类 rows (one per budget unit), else the
    款/项 rows under it at the shortest printed level; None when the table shows nothing of the class."""
    rows = [r for r in doc.rows(table) if r.code_kind == "functional" and r.code.startswith(code)]
    if not rows:
        return None
    n = min(len(r.code) for r in rows)
    rows = dedup([r for r in rows if len(r.code) == n])
    return [f for r in rows for f in [r.first(pred)] if f is not None]


SUMMARY_EXPENDITURE = Rule("cross.summary_expenditure", "cross", "收支总表 ↔ 支出表（按功能分类类级）",
    "Summary ↔ expenditure table by class",
    "收支总表支出方按功能分类的各类（或行政、事业支出等）与支出表相应类级科目的合计必须一致。",
    PAIR_ROUNDING, ERROR, PAIR_OUTCOMES,
    name_zh="总表与支出表一致")


@SUMMARY_EXPENDITURE.checks
def check_summary_expenditure(doc: Doc) -> list[dict] | None:
    summ, exp = doc.first("income_expenditure_summary"), doc.first("expenditure")
    if summ is None or exp is None:
        return None
    out = []
    ran = False
    pred = total_col(doc) if any(total_col(doc)(c.path) for c in exp.columns if c.kind == "amount") \
        else first_amount_col(doc)
    for r in doc.rows(summ):
        if not r.facts or side_of(r.facts[0]["column_label"]) != "支出" or is_subitem(r.label):
            continue
        s_fact = _first_col(r)
        code = functional_class(r.label)
        if code:
            e = class_facts(doc, exp, code, pred)
            if e is None:
                continue
            ran = True
            out += compare_equal(doc, SUMMARY_EXPENDITURE, s_fact, None,
                                 f"收支总表与支出表的“{r.label}”（{code}）",
                                 f"summary vs expenditure table, class {code}", b_facts=e)
            continue
        for kind, rx in SPEND_KINDS.items():
            if rx.search(r.key):
                e = table_total(doc, exp, lambda p, rx=rx: is_current(doc, p) and bool(rx.search(norm(last_part(p)))))
                if e is None:
                    break
                ran = True
                out += compare_equal(doc, SUMMARY_EXPENDITURE, s_fact, None, f"收支总表与支出表的“{kind}”",
                                     f"summary vs expenditure table, '{kind}'", b_facts=e)
                break
    yrows = _summary_row(doc, summ, "支出", re.compile(r"^本年支出(?:合计|小计)$"))
    tot = table_total(doc, exp, pred)
    if yrows and tot is not None:
        ran = True
        out += compare_equal(doc, SUMMARY_EXPENDITURE, _first_col(yrows[0]), None,
                             "收支总表本年支出合计与支出表合计", "summary year expenditure total vs expenditure table",
                             b_facts=tot)
    return out if ran else None


_EXCLUDES_CARRY = re.compile(r"不含上年结转")


FISCAL_GENERAL_BUDGET = Rule("cross.fiscal_general_budget", "cross", "财政拨款收支总表 ↔ 一般公共预算支出表（按类）",
    "Fiscal grant summary ↔ general budget table by class",
    "财政拨款收支总表支出方一般公共预算栏的各类，等于一般公共预算支出表同一类级科目的合计（口径不同时不比对）。",
    PAIR_ROUNDING, ERROR, {**PAIR_OUTCOMES, "not_compared": Outcome(
        INFO, "{title}不含上年结转，而财政拨款收支总表含上年结转 {carry} 元，两表按类的金额口径不同，未比对",
        "the general budget table excludes the carry-over the fiscal grant summary includes; not compared")},
    name_zh="财政拨款总表与一般公共预算表一致")


@FISCAL_GENERAL_BUDGET.checks
def check_fiscal_general_budget(doc: Doc) -> list[dict] | None:
    fg, gb = doc.first("fiscal_grant_summary"), doc.first("general_budget_expenditure")
    if fg is None or gb is None:
        return None
    gb_pred = total_col(doc) if any(total_col(doc)(c.path) for c in gb.columns if c.kind == "amount") \
        else first_amount_col(doc)

    def fg_col(row: TRow) -> dict | None:
        # the 一般公共预算 column of a 财政拨款收支总表 that splits its expenditure by fund
        return row.first(lambda p: "一般公共预算" in norm(p)) or _first_col(row)

    carry = [r for r in doc.rows(fg) if r.facts and side_of(r.facts[0]["column_label"]) == "收入"
             and re.match(r"^(?:上年|年初)", r.key) and val(_first_col(r)) != ZERO]
    if _EXCLUDES_CARRY.search(norm(gb.title)) and carry:
        return [FISCAL_GENERAL_BUDGET.note(doc, "not_compared", title=gb.title, carry=fmt(val(_first_col(carry[0]))),
                                           tables=[fg.table_id, gb.table_id], lines=[carry[0].line])]
    out = []
    ran = False
    for r in doc.rows(fg):
        if not r.facts or side_of(r.facts[0]["column_label"]) != "支出":
            continue
        code = functional_class(r.label)
        f = fg_col(r)
        if code:
            g = class_facts(doc, gb, code, gb_pred)
            if g is None:
                continue
            ran = True
            out += compare_equal(doc, FISCAL_GENERAL_BUDGET, f, None,
                                 f"财政拨款收支总表（一般公共预算）与一般公共预算支出表的“{r.label}”（{code}）",
                                 f"fiscal grant summary vs general budget table, class {code}", b_facts=g)
        elif re.match(r"^本年支出(?:合计|小计)$", r.key):
            g = table_total(doc, gb, gb_pred)
            if g is None:
                continue
            ran = True
            out += compare_equal(doc, FISCAL_GENERAL_BUDGET, f, None,
                                 "财政拨款收支总表本年支出合计（一般公共预算）与一般公共预算支出表合计",
                                 "fiscal grant summary year total vs general budget table total", b_facts=g)
    return out if ran else None


def _total_pred(doc: Doc, table: Table):
    return total_col(doc) if any(total_col(doc)(c.path) for c in table.columns if c.kind == "amount") \
        else first_amount_col(doc)


def _by_code(doc: Doc, table: Table, pred) -> dict[str, dict]:
    """The first `pred` column of each functional code row, summed over budget units (a code printed under
    several units is one amount for the department)."""
    out: dict[str, list[dict]] = {}
    for r in dedup([r for r in doc.rows(table) if r.code_kind == "functional" and r.code]):
        f = r.first(pred)
        if f is not None:
            out.setdefault(r.code, []).append(f)
    return out


# beyond the rounding an error, within it a note: the same words
_GB_EXCEEDS = ("科目 {code} {label} 的{what}：一般公共预算支出表 {actual} 元，大于支出表（全部资金）{expected} 元",
               "code {code} {what}: the general budget table ({actual}) exceeds the expenditure table of all funds "
               "({expected})")
GENERAL_BUDGET_WITHIN = Rule("cross.general_budget_within_expenditure", "cross", "一般公共预算支出 ≤ 部门支出（逐科目）",
    "General budget ≤ all funds, code by code",
    "支出表反映部门全部资金，一般公共预算支出表只是其中财政拨款的一部分；同一科目（及其基本支出、项目支出）"
    "的一般公共预算数不能大于支出表的数。",
    PAIR_BOUND, ERROR,
    {"fail": Outcome(ERROR, *_GB_EXCEEDS), "rounding": Outcome(INFO, *_GB_EXCEEDS)},
    name_zh="一般公共预算不超过部门支出")


@GENERAL_BUDGET_WITHIN.checks
def check_general_budget_within_expenditure(doc: Doc) -> list[dict] | None:
    """The 支出表 covers all funds, the 一般公共预算支出表 one of them: code by code (and for 基本支出 and
    项目支出), the general budget amount is at most the department's."""
    gb, exp = doc.first("general_budget_expenditure"), doc.first("expenditure")
    if gb is None or exp is None:
        return None
    out = []
    ran = False
    for what, pattern in (("合计", None), ("基本支出", r"基本支出"), ("项目支出", r"项目支出")):
        g = _by_code(doc, gb, named_col(doc, pattern) if pattern else _total_pred(doc, gb))
        e = _by_code(doc, exp, named_col(doc, pattern) if pattern else _total_pred(doc, exp))
        levels = {len(c) for c in e}
        for code in sorted(c for c in g if len(c) in levels):  # a code the 支出表 prints at its level
            gf, ef = g[code], e.get(code, [])
            gv, ev = sum((val(f) for f in gf), ZERO), sum((val(f) for f in ef), ZERO)
            ran = True
            if gv <= ev:
                continue
            tol = sum((half_unit(f) for f in gf + ef), ZERO)
            out.append(GENERAL_BUDGET_WITHIN.differs(doc, gv - ev <= tol, code=code, label=gf[0]["row_label"],
                              what=what, expected=ev, actual=gv, tables=[gb.table_id, exp.table_id],
                              lines=[f["source_line"] for f in gf + ef], tolerance=tol))
    return out if ran else None


def basic_table_total(doc: Doc, table: Table) -> list[dict] | None:
    pred = total_col(doc) if any(total_col(doc)(c.path) for c in table.columns if c.kind == "amount") \
        else first_amount_col(doc)
    return table_total(doc, table, pred)


BASIC_TOTAL = Rule("cross.basic_total", "cross", "一般公共预算支出表基本支出 ↔ 基本支出表合计",
    "General budget basic total ↔ basic expenditure table total",
    "一般公共预算支出表的基本支出合计按经济分类展开即为基本支出表，两表合计必须一致。",
    PAIR_ROUNDING, ERROR, PAIR_OUTCOMES,
    name_zh="基本支出合计一致")


@BASIC_TOTAL.checks
def check_basic_total(doc: Doc) -> list[dict] | None:
    gb, basic = doc.first("general_budget_expenditure"), doc.first("general_budget_basic_expenditure")
    if gb is None or basic is None:
        return None
    g = table_total(doc, gb, named_col(doc, r"基本支出"))
    b = basic_table_total(doc, basic)
    if g is None or b is None:
        return None
    return compare_equal(doc, BASIC_TOTAL, None, None, "一般公共预算支出表的基本支出合计与基本支出表合计",
                         "general budget table basic total vs basic expenditure table total",
                         a_facts=g, b_facts=b)


# --------------------------------------------------------------------------- "三公"

ITEMS_ZH = {"total": "合计", "abroad": "因公出国（境）费", "vehicle": "公务用车购置及运行费",
            "purchase": "公务用车购置费", "operation": "公务用车运行维护费", "reception": "公务接待费"}


def tpc_item(text: str) -> str:
    t = norm(text)
    if "因公出国" in t:
        return "abroad"
    if "公务接待" in t:
        return "reception"
    if "公务用车购置及运行" in t or "公务用车购置和运行" in t:
        return "vehicle"
    if "公务用车购置" in t:
        return "purchase"
    if "公务用车运行" in t:
        return "operation"
    if re.search(r"(?:合计|总计|小计)$", t):
        return "total"
    return ""


@dataclass
class TpcGroup:
    name: str  # 2024年预算数 / 2024年度决算数 / 2023年预算数 / 合计 …
    items: dict[str, dict] = field(default_factory=dict)


def tpc_groups(doc: Doc, table: Table) -> list[TpcGroup]:
    """The amounts of a "三公" table by group (year / budget or actuals) and item. Printed either with the
    items as columns (合计 | 因公出国 | 公务用车 小计 购置 运行 | 公务接待, once per year) or as rows."""
    rows = doc.rows(table)
    row_items = {id(r): tpc_item(r.label) for r in rows}
    groups: list[TpcGroup] = []
    if any(row_items[id(r)] and row_items[id(r)] != "total" for r in rows):
        cols = sorted({f["column_label"]: f["column_index"] for r in rows for f in r.facts}.items(),
                      key=lambda kv: kv[1])
        for col, _ in cols:
            g = TpcGroup(col)
            for r in rows:
                f = r.get(col)
                if f is not None and row_items[id(r)]:
                    g.items.setdefault(row_items[id(r)], f)
            groups.append(g)
        return groups
    for r in rows:
        cur: TpcGroup | None = None
        for f in sorted(r.facts, key=lambda f: f["column_index"]):
            parts = col_parts(f["column_label"])
            last = parts[-1] if parts else ""
            item = tpc_item(last)
            if item == "total" and any("公务用车" in norm(p) for p in parts[:-1]):
                item = "vehicle"
            if item == "total" or cur is None:
                # each group starts at its 合计: the position decides, since the year header above a group
                # is printed over only part of it in some extractions
                cur = TpcGroup(parts[0] if len(parts) > 1 else f["column_label"])
                groups.append(cur)
            if item:
                cur.items.setdefault(item, f)
    return groups


def current_groups(doc: Doc, groups: list[TpcGroup]) -> list[TpcGroup]:
    cur = [g for g in groups if is_current(doc, g.name)]
    return cur or groups[-1:]


def main_group(doc: Doc, groups: list[TpcGroup]) -> TpcGroup | None:
    """The group the basic-expenditure items belong under: this year's actuals (决算) in final accounts,
    this year's budget otherwise; the 合计 column in a table by fund."""
    cur = current_groups(doc, groups)
    if doc.kind == "final_accounts":
        acts = [g for g in cur if "决算" in norm(g.name)]
        if acts:
            return acts[0]
    tot = [g for g in cur if is_total_part(last_part(g.name))]
    return (tot or cur or [None])[0]


THREE_PUBLIC_ITEMS = Rule("three_public.items", "cross", "“三公”经费合计 = 三项之和", "'Three public costs' total = its items",
    "“三公”经费是因公出国（境）费、公务用车购置及运行费、公务接待费之和；公务用车购置及运行费是购置费与运行维护费之和。",
    ROUNDING, ERROR, SUM_OUTCOMES,
    name_zh="“三公”经费合计")


@THREE_PUBLIC_ITEMS.checks
def check_three_public_items(doc: Doc) -> list[dict] | None:
    out = []
    ran = False
    for table in doc.of_type("three_public_costs"):
        for g in tpc_groups(doc, table):
            it = g.items
            if "total" in it and any(k in it for k in ("abroad", "vehicle", "reception")):
                parts = [it[k] for k in ("abroad", "vehicle", "reception") if k in it]
                if "vehicle" not in it:
                    parts += [it[k] for k in ("purchase", "operation") if k in it]
                ran = True
                out += compare_sum(doc, THREE_PUBLIC_ITEMS, it["total"], parts,
                                   f"{table.title} {g.name} 合计 = 因公出国（境）费 + 公务用车购置及运行费 + 公务接待费",
                                   f"{table.table_id} {g.name}: total = abroad + vehicles + reception")
            if "vehicle" in it and any(k in it for k in ("purchase", "operation")):
                ran = True
                out += compare_sum(doc, THREE_PUBLIC_ITEMS, it["vehicle"],
                                   [it[k] for k in ("purchase", "operation") if k in it],
                                   f"{table.title} {g.name} 公务用车购置及运行费 = 购置费 + 运行维护费",
                                   f"{table.table_id} {g.name}: vehicles = purchase + operation")
    return out if ran else None


# the basic-expenditure item that is part of a "三公" item: (economic code, name pattern, 三公 item)
TPC_ECONOMIC = [
    ("30217", re.compile(r"^公务接待费$"), "reception"),
    ("30231", re.compile(r"^公务用车运行(?:维护)?(?:费)?$"), "operation"),
    ("30212", re.compile(r"^因公出国（?境）?费(?:用)?$"), "abroad"),
    ("31013", re.compile(r"^公务用车购置(?:费)?$"), "purchase"),
]


def basic_item(doc: Doc, table: Table, code: str, rx: re.Pattern) -> dict | None:
    for r in doc.rows(table):
        if (r.code == code and not r.pseudo_code) or (r.pseudo_code or not r.code) and rx.search(r.key):
            f = r.first(lambda p: is_current(doc, p))
            if f is not None:
                return f
    return None


_TPC_EXCEEDS = ("基本支出表 {code} {label} {actual} 元，大于“三公”经费表{group}{item_zh} {expected} 元"
                "（基本支出部分不能超过“三公”经费全额）",
                "basic expenditure item {code} ({actual}) exceeds the 'three public costs' {item} of {group} ({expected})")
THREE_PUBLIC_BASIC = Rule("cross.three_public_basic", "cross", "基本支出中的三公项目 ≤ “三公”经费", "Basic-expenditure items ≤ 'three public costs'",
    "“三公”经费含基本支出和项目支出，基本支出表的公务接待费(30217)、公务用车运行维护费(30231)、"
    "因公出国（境）费用(30212)、公务用车购置(31013)不能超过“三公”经费表的相应金额。",
    PAIR_BOUND, ERROR, {"fail": Outcome(ERROR, *_TPC_EXCEEDS), "rounding": Outcome(INFO, *_TPC_EXCEEDS)},
    name_zh="基本支出中的“三公”项目")


@THREE_PUBLIC_BASIC.checks
def check_three_public_basic(doc: Doc) -> list[dict] | None:
    tpc, basic = doc.first("three_public_costs"), doc.first("general_budget_basic_expenditure")
    if tpc is None or basic is None:
        return None
    g = main_group(doc, tpc_groups(doc, tpc))
    if g is None:
        return None
    out = []
    ran = False
    for code, rx, item in TPC_ECONOMIC:
        b = basic_item(doc, basic, code, rx)
        if b is None or val(b) == ZERO:
            continue
        whole = g.items.get(item)
        if whole is None and item in ("purchase", "operation") and "vehicle" in g.items:
            whole = g.items["vehicle"]  # a table that prints only 公务用车购置及运行费
        ran = True
        tol = half_unit(b) + half_unit(whole)
        if val(b) <= val(whole):
            continue
        within = val(b) - val(whole) <= tol
        out.append(THREE_PUBLIC_BASIC.differs(doc, within, code=code, label=b["row_label"], group=g.name,
                          item_zh=ITEMS_ZH[item], item=item, expected=val(whole), actual=val(b),
                          tables=[tpc.table_id, basic.table_id],
                          lines=[b["source_line"], whole["source_line"] if whole else None], tolerance=tol))
    return out if ran else None


# forms some budget systems (山西 预算一体化) also print for basic expenditure: not project expenditure
_BASIC_FORM = re.compile(r"^(?:公用经费|人员类|人员经费|基本支出)(?:项目)?$")


def _form_amount(doc: Doc, p: dict):
    """A form's year funds: in final accounts the executed amount (自评表 全年执行数), else 年度资金总额."""
    if doc.kind == "final_accounts":
        spent = next((f["value"] for f in doc.forms.project_funds
                      if f["project_id"] == p.get("project_id") and f["source"] == "total" and f["measure"] == "spent"
                      and f["side"] == "income" and f["period"] != "implementation"), None)
        if spent is not None:
            return spent
    return p.get("funds_total")


PROJECTS = Rule("cross.projects", "cross", "项目绩效目标表资金 ↔ 项目支出", "Project forms' funds ↔ project expenditure",
    "部门公开的项目绩效目标表覆盖全部项目支出时，各表年度资金总额之和等于支出表的项目支出合计。",
    "必须相等；不等为 warning（绩效目标表未必覆盖全部项目）；无项目表时不适用", WARNING, {
        "partial": Outcome(INFO, "{n} 张项目绩效表的{what}合计 {actual} 元，为项目支出 {expected} 元的 {share}%（绩效表未覆盖全部项目）",
                           "the {n} project forms cover {actual} of {expected} yuan of project expenditure ({share}%)"),
        "fail": Outcome(WARNING, "{n} 张项目绩效表的{what}合计 {actual} 元，超过项目支出 {expected} 元",
                        "the {n} project forms total {actual} yuan, more than the {expected} of project expenditure"),
    },
    name_zh="项目表资金与项目支出一致")


@PROJECTS.checks
def check_projects(doc: Doc) -> list[dict] | None:
    projects = [p for p in doc.forms.projects
                if _form_amount(doc, p) is not None and not p.get("parent_project_id")
                and not _BASIC_FORM.match(norm(p.get("name", "")))]
    if not projects:
        return None
    cands: list[list[dict]] = []
    for ttype in ("expenditure", "general_budget_expenditure"):
        for t in doc.of_type(ttype):
            got = table_total(doc, t, named_col(doc, r"项目支出"))
            if got:
                cands.append(got)
    for t in doc.of_type("project_expenditure"):
        got = table_total(doc, t, total_col(doc))
        if got:
            cands.append(got)
    if not cands:
        return None
    forms = sum((_form_amount(doc, p) for p in projects), ZERO)
    # a form printed in 万元 to two decimals is rounded by up to 50 元
    form_tol = sum((Decimal("0.005") * UNIT_FACTOR.get(p.get("funds_unit") or "元", 1) for p in projects), ZERO)
    best = None
    for c in cands:
        total = sum((val(f) for f in c), ZERO)
        tol = form_tol + sum((half_unit(f) for f in c), ZERO)
        if abs(forms - total) <= tol:
            return []
        if best is None or abs(forms - total) < abs(forms - best[0]):
            best = (total, c, tol)
    total, ref, tol = best
    what = "执行数" if doc.kind == "final_accounts" else "年度资金总额"
    lines = [p.get("source_line") for p in projects] + [f["source_line"] for f in ref]
    tids = {f["table_id"] for f in ref}
    if forms < total:
        share = (forms / total * 100).quantize(Decimal("0.01")) if total else ZERO
        return [PROJECTS.note(doc, "partial", n=len(projects), what=what, share=share, expected=total, actual=forms,
                              tables=tids, lines=lines, tolerance=tol)]
    return [PROJECTS.fail(doc, n=len(projects), what=what, expected=total, actual=forms, tables=tids, lines=lines,
                          tolerance=tol)]


__all__ = [
    "check_summary_income", "check_summary_expenditure", "check_fiscal_general_budget", "check_basic_total",
    "check_three_public_items", "check_three_public_basic", "check_projects",
    "check_general_budget_within_expenditure",
    "tpc_groups", "current_groups", "main_group", "basic_table_total", "class_facts", "SOURCES",
]
