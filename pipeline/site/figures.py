"""Headline figures and chart series of one document, picked from its facts by table_type, row_label and
column_label. Each figure keeps the fact it came from, so the page can link it to its source line.

The disclosures print the same number under many headers; the rules below prefer the current year's total
column and the table's total row, and give up (None) rather than guess across tables.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from ..codes import ECONOMIC_NAMES, FUNCTIONAL_NAMES, economic_class
from ..text import is_current_year, label_key, parse_amount
from .load import int_or_none

TOTAL_ROWS = ("合计", "总计", "本年合计")


def dec(text) -> Decimal | None:
    """A package value (text or number) as a Decimal, read by the one amount parser; None when blank."""
    return None if text is None else parse_amount(str(text))


@dataclass
class Comparison:
    """The same row of the same table in another column: the previous year's, or (final accounts) the
    budget the year started with."""
    column: str  # the column's first header, as printed: 上年预算数, 2023年执行数（决算数）, 年初预算数
    value: Decimal
    fact: dict


@dataclass
class Figure:
    key: str
    label: str
    value: Decimal | None  # 元 (or percent for shares)
    fact: dict | None = None  # the fact it was read from (table_id, source_line, published_value …)
    note: str = ""
    text: dict | None = None  # a text_figures row, when the figure is stated only in the explanations
    prior: Comparison | None = None
    budget: Comparison | None = None
    findings: list[dict] = field(default_factory=list)

    @property
    def source_line(self):
        src = self.fact or self.text
        return src.get("source_line") if src else None


# headline key → the text_figures measures that state it, best first (issue 18 names them)
TEXT_MEASURES = {
    "income": ("收入合计", "收入总计", "收支总计"), "expenditure": ("支出合计", "支出总计", "收支总计"),
    "basic": ("基本支出",), "project": ("项目支出",), "three_public": ("三公经费",),
    "personnel": ("人员经费",), "public": ("公用经费",),
}
_PRIOR_HEAD = re.compile(r"上年(?:度|预算|决算|执行|数)|上一年|去年")  # not 上年结转: this year's money
_CHANGE_HEAD = re.compile(r"增减|增长|减少|变动|比上年|比较|[%％]")
_YEAR = re.compile(r"(20\d\d)")
_TOTAL_SEG = ("合计", "小计", "总计", "金额")


def _rest(segs: list[str]) -> tuple[str, ...]:
    """The header path below the year/kind header; a lone total segment counts as none."""
    rest = tuple(label_key(s) for s in segs[1:])
    return () if rest in ((), *(((t,) for t in _TOTAL_SEG))) else rest


def _segments(col: str) -> list[str]:
    return [s.strip() for s in (col or "").split("/")]


def column_score(col: str, year: int | None, kind: str) -> int | None:
    """How much a column looks like the current year's total; None = never (changes, last year, %)."""
    if not is_current_year(col, year):
        return None
    score = 0
    if "合计" in col or "小计" in col:
        score += 2
    if year and str(year) in col:
        score += 1
    if "本年" in col:
        score += 1
    if kind == "final_accounts" and "决算" in col:
        score += 1
    if kind == "budget" and "预算" in col:
        score += 1
    return score


def best_column(facts: list[dict], year: int | None, kind: str) -> str | None:
    best: tuple | None = None
    for f in facts:
        if f.get("value_unit") != "yuan":
            continue
        s = column_score(f.get("column_label", ""), year, kind)
        if s is None:
            continue
        key = (-s, int(f.get("column_index") or 0) if str(f.get("column_index") or "").isdigit() else 0)
        if best is None or key < best[0]:
            best = (key, f.get("column_label", ""))
    return best[1] if best else None


class DocFacts:
    def __init__(self, document: dict, tables: list[dict], facts: list[dict]):
        self.doc = document
        self.year = int_or_none(document.get("fiscal_year"))
        self.kind = document.get("kind", "")
        self.ttype = {t["table_id"]: t.get("table_type", "") for t in tables}
        self.by_type: dict[str, list[dict]] = {}
        self.by_table: dict[str, list[dict]] = {}
        for f in facts:
            self.by_type.setdefault(self.ttype.get(f.get("table_id", ""), ""), []).append(f)
            self.by_table.setdefault(f.get("table_id", ""), []).append(f)

    def of(self, *types: str) -> list[dict]:
        return [f for t in types for f in self.by_type.get(t, [])]

    def _first_table(self, facts: list[dict]) -> list[dict]:
        """Facts of the first table among these (a document may print two tables of one type)."""
        if not facts:
            return []
        tid = facts[0].get("table_id")
        return [f for f in facts if f.get("table_id") == tid]

    def pick(self, facts: list[dict], rows: tuple[str, ...], col_test, prefer_total_col=True) -> dict | None:
        cands = [f for f in facts if label_key(f.get("row_label", "")) in rows and col_test(f.get("column_label", ""))
                 and f.get("value_unit") == "yuan" and dec(f.get("value")) is not None]
        if not cands:
            return None
        for r in rows:  # the first row name wins (本年收入合计 before 收入总计)
            rc = [f for f in cands if label_key(f.get("row_label", "")) == r]
            if rc:
                if prefer_total_col:
                    col = best_column(rc, self.year, self.kind)
                    if col is not None:
                        rc = [f for f in rc if f.get("column_label") == col] or rc
                return rc[0]
        return None

    # --- headline figures -------------------------------------------------------------------------
    def total(self, side: str) -> Figure:
        label = "总收入" if side == "收入" else "总支出"
        rows = (f"本年{side}合计", f"{side}合计", f"本年{side}总计")
        summary = self.of("income_expenditure_summary")
        f = self.pick(summary, rows, lambda c: c.startswith(side) or side in c or "/" not in c)
        if f is None:
            f = self.pick(summary, (f"{side}总计", "总计"), lambda c: c.startswith(side))
        if f is None:  # 收入总表 / 支出总表: the total row
            table = "income" if side == "收入" else "expenditure"
            f = self.pick(self.of(table), TOTAL_ROWS + (f"本年{side}合计",), lambda c: True)
        return Figure("income" if side == "收入" else "expenditure", label, dec(f["value"]) if f else None, f)

    def basic_project(self) -> tuple[Figure, Figure]:
        out = []
        for name in ("基本支出", "项目支出"):
            f = None
            for ttype in ("expenditure", "general_budget_expenditure"):
                facts = self.of(ttype)
                f = self.pick(facts, TOTAL_ROWS + ("本年支出合计", "支出合计"),
                              lambda c, n=name: _segments(c)[-1] == n and column_score(c, self.year, self.kind) is not None,
                              prefer_total_col=False)
                if f is None:  # 中卫: the agency's own budget-unit row is the total
                    units = [x for x in facts if x.get("code_kind") == "budget_unit" and len(x.get("code", "")) <= 3
                             and _segments(x.get("column_label", ""))[-1] == name and dec(x.get("value")) is not None
                             and column_score(x.get("column_label", ""), self.year, self.kind) is not None]
                    f = units[0] if units else None
                if f is not None:
                    break
            out.append(Figure("basic" if name == "基本支出" else "project", name, dec(f["value"]) if f else None, f,
                              note="" if f is None else ""))
        return out[0], out[1]

    def three_public(self) -> Figure:
        facts = self.of("three_public_costs")
        if not facts:
            return Figure("three_public", "三公经费", None)
        year = str(self.year or "")
        word = "决算" if self.kind == "final_accounts" else "预算"

        def col_rank(c: str) -> int | None:
            segs = _segments(c)
            if segs[-1] not in ("合计", "总计") and "/" in c:
                return None
            if "上年" in c:
                return None
            r = 0
            if year and year in segs[0]:
                r += 2
            if word in segs[0]:
                r += 1
            if "/" in c and len(segs) > 2:
                return None  # 公务用车购置及运行费 / 合计
            return r

        cands = []
        for f in facts:
            if f.get("value_unit") != "yuan" or dec(f.get("value")) is None:
                continue
            lbl = label_key(f.get("row_label", ""))
            if lbl and lbl not in TOTAL_ROWS and "三公" not in lbl:
                continue
            r = col_rank(f.get("column_label", ""))
            if r is None:
                continue
            cands.append((-r, 0 if lbl in TOTAL_ROWS else 1, f))
        if not cands:
            return Figure("three_public", "三公经费", None)
        cands.sort(key=lambda x: (x[0], x[1]))
        f = cands[0][2]
        return Figure("three_public", "三公经费", dec(f["value"]), f)

    def personnel_public(self) -> tuple[Figure, Figure]:
        facts = self.of("general_budget_basic_expenditure")
        out = []
        for name, alts in (("人员经费", ("人员经费", "人员支出")), ("公用经费", ("公用经费", "日常公用支出"))):
            f = self.pick(facts, (f"{name}合计",), lambda c: True)
            if f is None:
                f = self.pick(facts, TOTAL_ROWS, lambda c, a=alts: _segments(c)[-1] in a
                              or any(_segments(c)[0] == x for x in a), prefer_total_col=False)
            out.append(Figure("personnel" if name == "人员经费" else "public", name, dec(f["value"]) if f else None, f))
        return out[0], out[1]

    def compare(self, fig: Figure) -> None:
        """Fill fig.prior (the previous year's column of the same row) and, for final accounts, fig.budget
        (the budget column of the same row and year), from the table the figure was read from."""
        f = fig.fact
        if f is None:
            return
        segs = _segments(f.get("column_label", ""))
        rest, head = _rest(segs), label_key(segs[0])
        priors = []
        for x in self.by_table.get(f.get("table_id", ""), []):
            if (x is f or x.get("source_line") != f.get("source_line") or x.get("row_label") != f.get("row_label")
                    or x.get("value_unit") != "yuan" or dec(x.get("value")) is None):
                continue
            xs = _segments(x.get("column_label", ""))
            xhead = label_key(xs[0])
            if _rest(xs) != rest or _CHANGE_HEAD.search(xhead) or xhead == head:
                continue
            years = {int(y) for y in _YEAR.findall(xhead)}
            if _PRIOR_HEAD.search(xhead) or (self.year and years == {self.year - 1}):
                same_kind = ("预算" in xhead) == ("预算" in head)  # like for like first: 上年预算数 for a budget
                priors.append((0 if same_kind else 1, xhead, x))
            elif (self.kind == "final_accounts" and "预算" in xhead and "决算" not in xhead and "决算" in head
                  and not (years and self.year and years != {self.year})):
                fig.budget = fig.budget or Comparison(xhead, dec(x["value"]), x)
        if priors:
            priors.sort(key=lambda p: p[0])
            fig.prior = Comparison(priors[0][1], dec(priors[0][2]["value"]), priors[0][2])

    def from_text(self, figs: dict[str, Figure], text_figures: list[dict]) -> None:
        """A headline figure no table gives, taken from what the explanations state (issue 18's
        text_figures); the page marks it as such and links it to its line."""
        for key, measures in TEXT_MEASURES.items():
            fig = figs.get(key)
            if fig is None or fig.value is not None:
                continue
            for m in measures:
                # a final account's text stating its 年初预算 is not the year's figure
                rows = sorted((t for t in text_figures if t.get("measure") == m and dec(t.get("value")) is not None
                               and str(t.get("budget_in_final_accounts", "")).lower() != "true"),
                              key=lambda t: int_or_none(t.get("source_line")) or 0)
                if rows:
                    fig.value, fig.text = dec(rows[0]["value"]), rows[0]
                    break

    def headline(self, text_figures: list[dict] | None = None) -> dict[str, Figure]:
        inc, exp = self.total("收入"), self.total("支出")
        basic, project = self.basic_project()
        personnel, public = self.personnel_public()
        figs = {f.key: f for f in (inc, exp, basic, project, self.three_public(), personnel, public)}
        for fig in figs.values():
            self.compare(fig)
        self.from_text(figs, text_figures or [])
        if basic.value is not None and project.value is not None and basic.value + project.value > 0:
            s = basic.value + project.value
            figs["basic_share"] = Figure("basic_share", "基本支出占比", basic.value * 100 / s)
            figs["project_share"] = Figure("project_share", "项目支出占比", project.value * 100 / s)
        return figs


@dataclass
class Node:
    """One code of a classification in a drill-down: 类 → 款 → 项 (functional) or 类 → 款 (economic)."""
    code: str
    name: str
    value: Decimal  # 元
    facts: list[dict]  # the printed amounts it is read from; empty when summed from its children
    children: list["Node"] = field(default_factory=list)
    summed: bool = False  # not printed at this level: the sum of the level below


def drilldown(dfacts: "DocFacts", kind: str) -> tuple[list[Node], list[str], str | None]:
    """The classification tree of the document's general-budget (else all-funds) expenditure table, by
    functional code (类/款/项), or of its basic-expenditure table by economic code (类/款), in the table's
    current-year total column (per code: a table printed in lanes, 人员经费 | 公用经费, has one per lane). A code
    printed in several budget units is their sum; a code printed twice in one unit counts once. Returns
    (top-level nodes, the columns read, table_id)."""
    ttypes = (("general_budget_expenditure", "expenditure") if kind == "functional"
              else ("general_budget_basic_expenditure",))
    names = FUNCTIONAL_NAMES if kind == "functional" else ECONOMIC_NAMES
    levels = (3, 5, 7) if kind == "functional" else (3, 5)
    for ttype in ttypes:
        facts = dfacts._first_table(dfacts.of(ttype))
        coded = []
        for f in facts:
            code, ck = f.get("code", ""), f.get("code_kind", "")
            if not code and kind == "economic":
                code = economic_class(f.get("row_label", ""))
            if (not code.isdigit() or len(code) not in levels or ck == "budget_unit" or (ck and ck != kind)
                    or f.get("value_unit") != "yuan" or dec(f.get("value")) is None):
                continue
            coded.append((code, f))
        by_code: dict[str, list[dict]] = {}
        for code, f in coded:
            by_code.setdefault(code, []).append(f)
        printed: dict[str, dict[str, dict]] = {}  # code → budget unit → fact
        labels: dict[str, str] = {}
        cols: list[str] = []
        for code, fs in by_code.items():
            col = best_column(fs, dfacts.year, dfacts.kind)
            if col is None:
                continue
            if col not in cols:
                cols.append(col)
            for f in fs:
                if f.get("column_label") == col:
                    printed.setdefault(code, {}).setdefault(f.get("budget_unit", ""), f)
                    labels.setdefault(code, re.sub(r"\s+", "", f.get("row_label", "")))
        if not printed:
            continue

        def node(code: str) -> Node:
            kids = [] if len(code) == levels[-1] else [
                node(c) for c in sorted({c[: len(code) + 2] for c in printed if c.startswith(code) and len(c) > len(code)})]
            kids = [k for k in kids if k.value != 0 or k.children]
            kids.sort(key=lambda n: -n.value)
            fs = list(printed.get(code, {}).values())
            if fs:
                value, summed = sum((dec(f["value"]) for f in fs), Decimal(0)), False
            else:
                value, summed = sum((k.value for k in kids), Decimal(0)), True
            name = labels.get(code) or (names.get(code, "") if len(code) == 3 else "")
            return Node(code, name or code, value, fs, kids, summed)

        tops = [node(c) for c in sorted({c[:3] for c in printed})]
        tops = sorted((n for n in tops if n.value != 0), key=lambda n: -n.value)
        if tops:
            return tops, cols, facts[0].get("table_id")
    return [], [], None
