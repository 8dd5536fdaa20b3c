"""Text ↔ tables: the amounts the explanations (情况说明) state right after a keyword — 收支总计, 财政拨款,
基本支出, 人员经费, 公用经费, "三公" and its items, 机关运行经费 … — against the table figures they name.

Only an amount that follows its keyword directly ("基本支出 1658.73 万元", "预算为 850110.00 元") is read;
"比上年增加 0.30 万元" is not a figure of the keyword. A keyword can name more than one table figure
(基本支出 of all funds or of the general budget; "三公" 预算数 or 决算数): the text agrees when it matches any.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Callable

from ..model import Table
from ..codes import FUNCTIONAL_CLASSES, functional_class
from ..text import AMOUNT_IN_TEXT, UNIT_FACTOR, parse_amount_places
from ..severity import WARNING
from .core import ZERO, Doc, Outcome, Rule, half_last_digit, half_unit, val
from .sentences import quote, sentences
from .labels import GRAND_TOTAL, col_parts, norm, side_of
from .lookup import first_amount_col, named_col, table_total, total_col, total_row
from .rules_cross import (SOURCES, _first_col, _income_column, _label_exists, basic_table_total, class_facts,
                          current_groups, tpc_groups, tpc_item)

AMOUNT = re.compile(rf"({AMOUNT_IN_TEXT})\s*(万元|元)")
# words allowed between a keyword and its amount: 基本支出 1658.73 万元 · 预算为 850110.00 元 · **支出为 179800 元
CONNECT = re.compile(r"^(?:\*\*)?\s*(?:财政拨款)?\s*(?:年初预算|预算|决算|支出|收入|安排)?\s*(?:数|总额|金额)?\s*"
                     r"(?:为|是|共计|合计|共|达)?\s*[:：]?\s*$")
_OTHER_YEAR = re.compile(r"(20\d\d)\s*年")
_PRIOR = re.compile(r"上年|上一年|去年|比|较")
_COMPARING = re.compile(r"上年|上一年|去年|比|较|与|同期|相比|增|减")  # a sentence that compares years
# a keyword that is the tail of a longer name: 其他工资福利支出, 非同级财政拨款预算收入
_LONGER_NAME = re.compile(r"(?:其他|非同级|非本级|横向)$")
_GB_SCOPE = re.compile(r"一般公共预算|财政拨款")  # 基本支出 / 项目支出 of the general budget
# a clause or a section about another fund: its 基本支出, classes … are not the general budget's or the
# department's, and no table here is theirs to compare with
_FUND_SCOPE = {"government_fund": re.compile(r"政府性基金"), "state_capital": re.compile(r"国有资本经营")}
_CLAUSE_START = re.compile(r"[。；;！？]")

Candidate = list  # the facts whose sum is one table figure ([] = a printed blank: zero)


@dataclass(frozen=True)
class Keyword:
    name: str
    pattern: re.Pattern
    refs: Callable[[Doc, str], list[Candidate]]  # (doc, text just before the keyword)
    needs_three_public: bool = False  # an item of "三公" only in a paragraph about "三公"
    table_type: str = ""  # the table the figure belongs to (published with it in `text_figures`)
    general_budget_scope: bool = False  # the general budget's figure when the sentence says 一般公共预算


@dataclass(frozen=True)
class TextFigure:
    """One amount the explanations state for a keyword."""
    keyword: Keyword
    amount: Decimal  # 元
    rounding: Decimal  # half the last printed digit, 元
    line: int
    quote: str
    before: str  # the text just before the keyword (its scope: 一般公共预算 …)
    published_value: str
    published_unit: str
    table_type: str  # the table it names, for this sentence
    other_fund: bool = False  # a figure of another fund's (政府性基金 …) 基本支出, classes …: not compared
    budget_in_final: bool = False  # a final account's text naming the (年初)预算: only a 预算 column confirms it


def _table(doc: Doc, ttype: str) -> Table | None:
    return doc.first(ttype)


def _pred(doc: Doc, table: Table):
    return total_col(doc) if any(total_col(doc)(c.path) for c in table.columns if c.kind == "amount") \
        else first_amount_col(doc)


def _grand(doc: Doc, ttype: str, side: str = "") -> list[Candidate]:
    t = _table(doc, ttype)
    if t is None:
        return []
    out = []
    for r in doc.rows(t):
        if GRAND_TOTAL.match(r.key) and (not side or side_of(r.facts[0]["column_label"]) == side):
            f = _first_col(r)
            if f is not None:
                out.append([f])
    return out


def _year(doc: Doc, ttype: str, side: str) -> list[Candidate]:
    t = _table(doc, ttype)
    if t is None:
        return []
    rx = re.compile(rf"^本年{side}(?:合计|小计)$")
    return [[_first_col(r)] for r in doc.rows(t)
            if rx.match(r.key) and side_of(r.facts[0]["column_label"]) == side]


def _table_total(doc: Doc, ttype: str, pattern: str | None = None) -> list[Candidate]:
    t = _table(doc, ttype)
    if t is None:
        return []
    got = table_total(doc, t, named_col(doc, pattern) if pattern else _pred(doc, t))
    return [got] if got is not None else []


def _basic_split(pattern: str, row_label: str):
    def refs(doc: Doc, before: str) -> list[Candidate]:
        t = _table(doc, "general_budget_basic_expenditure")
        if t is None:
            return []
        out = [c for c in [table_total(doc, t, named_col(doc, pattern))] if c is not None]
        for r in doc.rows(t):
            if r.key == row_label:
                out.append([f for f in r.facts[:1]])
        return out
    return refs


def _basic_class(code: str):
    def refs(doc: Doc, before: str) -> list[Candidate]:
        t = _table(doc, "general_budget_basic_expenditure")
        if t is None:
            return []
        out = []
        for r in doc.rows(t):
            if r.code == code and r.code_kind == "economic":
                f = r.first(_pred(doc, t)) or r.first(first_amount_col(doc))
                out.append([f] if f else [])
        return out
    return refs


def _scoped(pattern: str):
    """基本支出 / 项目支出: of the general budget when the sentence says so, else of all funds (支出表) or
    of the general budget."""
    def refs(doc: Doc, before: str) -> list[Candidate]:
        gb = _table_total(doc, "general_budget_expenditure", pattern)
        if pattern == "基本支出":
            b = _table(doc, "general_budget_basic_expenditure")
            if b is not None:
                got = basic_table_total(doc, b)
                gb += [got] if got is not None else []
        if _GB_SCOPE.search(before[-14:]):
            return gb
        return _table_total(doc, "expenditure", pattern) + gb
    return refs


def _tpc(item: str):
    def refs(doc: Doc, before: str) -> list[Candidate]:
        out = []
        for t in doc.of_type("three_public_costs"):
            for g in current_groups(doc, tpc_groups(doc, t)):
                if item in g.items:
                    out.append([g.items[item]])
                elif "total" in g.items and _tpc_printed(t, item):
                    out.append([])  # the table prints the item, blank in this group: zero
        return out
    return refs


def _tpc_printed(table: Table, item: str) -> bool:
    texts = [c["text"] for c in table.cells] + [p for c in table.columns for p in col_parts(c.path)]
    return any(tpc_item(x) == item for x in texts)


def _operating(doc: Doc, before: str) -> list[Candidate]:
    t = _table(doc, "operating_costs")
    if t is None:
        return []
    tr = total_row(doc, t) or (doc.rows(t)[0] if doc.rows(t) else None)
    if tr is None:
        return []
    f = tr.first(_pred(doc, t)) or tr.first(first_amount_col(doc))
    return [[f]] if f else []


def _source(key: str):
    rx = SOURCES[key]

    def refs(doc: Doc, before: str) -> list[Candidate]:
        out = []
        for ttype in ("income_expenditure_summary", "fiscal_grant_summary"):
            t = _table(doc, ttype)
            if t is None:
                continue
            rows = [r for r in doc.rows(t) if rx.search(r.key) and side_of(r.facts[0]["column_label"]) == "收入"]
            facts = [f for r in rows for f in [_first_col(r)] if f is not None]
            out += [[f] for f in facts]
            if len(facts) > 1:
                out.append(facts)  # 一般公共预算 of the year and of the carry-over, together
            if not rows and _label_exists(t, rx):
                out.append([])
        inc = _table(doc, "income")
        if inc is not None:
            col = _income_column(doc, inc, rx)
            if col is not None:
                got = table_total(doc, inc, lambda p, c=col: p == c)
                out.append(got or [])
        return out
    return refs


def _class_refs(doc: Doc, before: str, name: str) -> list[Candidate]:
    """A functional class the text names (社会保障和就业支出 41651.06 万元): its row in the two 总表 (every
    column: 合计 / 当年 / 一般公共预算) and its 类 total in the 一般公共预算支出表 and the 支出表."""
    code = FUNCTIONAL_CLASSES[name]
    out: list[Candidate] = []
    for ttype in ("fiscal_grant_summary", "income_expenditure_summary"):
        t = _table(doc, ttype)
        if t is None:
            continue
        for r in doc.rows(t):
            if _functional_class(r.label) == code and side_of(r.facts[0]["column_label"]) == "支出":
                out += [[f] for f in r.facts]
    for ttype in ("general_budget_expenditure", "expenditure"):
        t = _table(doc, ttype)
        if t is not None:
            got = class_facts(doc, t, code, _pred(doc, t))
            if got:
                out.append(got)
    return out


# asked of every row of the two 总表 for each class a sentence names
_functional_class = lru_cache(maxsize=4096)(functional_class)


def _fiscal_income(doc: Doc, before: str) -> list[Candidate]:
    return _year(doc, "fiscal_grant_summary", "收入") + _source("财政拨款")(doc, before)


# a total named after a part is not the document's: 项目支出总预算, 基本支出总额, 一般公共预算支出总额,
# 政府采购支出总额 …
_NOT_A_PART = r"(?<!项目)(?<!基本)(?<!拨款)(?<!公共)(?<!基金)(?<!经营)(?<!采购)(?<!事业)(?<!其他)"
_TOTAL_WORD = r"总(?:计|额|预算|决算)"
_TPC, _OPS, _BASIC = "three_public_costs", "operating_costs", "general_budget_basic_expenditure"
_SUMMARY, _FISCAL, _INCOME = "income_expenditure_summary", "fiscal_grant_summary", "income"
_GB, _EXP = "general_budget_expenditure", "expenditure"

KEYWORDS: list[Keyword] = [
    Keyword("三公经费", re.compile(r"[“\"”]?三公[”\"“]?经费(?:财政拨款)?(?:支出)?"), _tpc("total"), table_type=_TPC),
    Keyword("公务用车购置及运行费", re.compile(r"公务用车购置(?:及|和)运行(?:维护)?费"), _tpc("vehicle"), True, _TPC),
    Keyword("公务用车购置费", re.compile(r"公务用车购置(?:费)?(?![及和])"), _tpc("purchase"), True, _TPC),
    Keyword("公务用车运行维护费", re.compile(r"公务用车运行(?:及)?(?:维护)?费"), _tpc("operation"), True, _TPC),
    Keyword("因公出国（境）费", re.compile(r"因公出国[（(]境[）)]费(?:用)?"), _tpc("abroad"), True, _TPC),
    Keyword("公务接待费", re.compile(r"公务接待费"), _tpc("reception"), True, _TPC),
    Keyword("机关运行经费", re.compile(r"机关运行经费"), _operating, table_type=_OPS),
    Keyword("人员经费", re.compile(r"人员经费"), _basic_split(r"人员(?:经费|支出)", "人员经费合计"), table_type=_BASIC),
    Keyword("公用经费", re.compile(r"公用经费"), _basic_split(r"公用(?:经费|支出)", "公用经费合计"), table_type=_BASIC),
    Keyword("工资福利支出", re.compile(r"工资福利支出"), _basic_class("301"), table_type=_BASIC),
    Keyword("商品和服务支出", re.compile(r"商品和服务支出"), _basic_class("302"), table_type=_BASIC),
    Keyword("对个人和家庭的补助", re.compile(r"对个人和家庭的补助"), _basic_class("303"), table_type=_BASIC),
    Keyword("资本性支出", re.compile(r"资本性支出"), _basic_class("310"), table_type=_BASIC),
    # 财政拨款收支总计 · 财政拨款收、支总计 · 财政拨款收入支出总计 · 财政拨款收支总预算
    Keyword("财政拨款收支总计", re.compile(rf"财政拨款(?:预算)?收(?:、|入)?支(?:出)?{_TOTAL_WORD}"),
            lambda d, b: _grand(d, _FISCAL), table_type=_FISCAL),
    # 收支总计 · 收、支总计 · 收入支出总计 · 收支总预算 (a side alone: 收入总预算, 支出预算总额 …)
    Keyword("收支总计", re.compile(rf"{_NOT_A_PART}收(?:、|入)?支(?:出)?{_TOTAL_WORD}"),
            lambda d, b: _grand(d, _SUMMARY), table_type=_SUMMARY),
    Keyword("收入总计", re.compile(rf"{_NOT_A_PART}(?<!预算)(?:预算|决算)?收入(?:预算|决算)?{_TOTAL_WORD}"),
            lambda d, b: _grand(d, _SUMMARY, "收入"), table_type=_SUMMARY),
    Keyword("支出总计", re.compile(rf"{_NOT_A_PART}(?<!预算)(?:预算|决算)?支出(?:预算|决算)?{_TOTAL_WORD}"),
            lambda d, b: _grand(d, _SUMMARY, "支出"), table_type=_SUMMARY),
    Keyword("一般公共预算支出", re.compile(r"一般公共预算(?:财政拨款)?支出|一般公共预算当年拨款"),
            lambda d, b: _table_total(d, _GB), table_type=_GB),
    Keyword("政府性基金预算支出", re.compile(r"政府性基金预算(?:财政拨款)?支出"),
            lambda d, b: _table_total(d, "government_fund"), table_type="government_fund"),
    Keyword("国有资本经营预算支出", re.compile(r"国有资本经营预算(?:财政拨款)?支出"),
            lambda d, b: _table_total(d, "state_capital"), table_type="state_capital"),
    # 基本保障支出: a wording of 基本支出 (通城 2024: 基本保障支出 1,098.14 + 项目支出 522 = 1,620.14)
    Keyword("基本支出", re.compile(r"基本(?:保障)?支出"), _scoped("基本支出"), table_type=_EXP,
            general_budget_scope=True),
    Keyword("项目支出", re.compile(r"项目支出"), _scoped("项目支出"), table_type=_EXP,
            general_budget_scope=True),
    Keyword("一般公共预算拨款收入", re.compile(r"一般公共预算(?:财政)?拨款(?:收入)?"), _source("一般公共预算"),
            table_type=_INCOME),
    Keyword("政府性基金预算拨款收入", re.compile(r"政府性基金预算(?:财政)?拨款(?:收入)?"), _source("政府性基金"),
            table_type=_INCOME),
    Keyword("国有资本经营预算拨款收入", re.compile(r"国有资本经营预算(?:财政)?拨款(?:收入)?"), _source("国有资本经营"),
            table_type=_INCOME),
    Keyword("财政拨款收入", re.compile(r"财政拨款(?:预算)?收入"), _fiscal_income, table_type=_FISCAL),
    Keyword("财政拨款支出", re.compile(r"财政拨款(?:预算)?支出"), lambda d, b: _year(d, _FISCAL, "支出"),
            table_type=_FISCAL),
    Keyword("收入合计", re.compile(r"(?:本年)?收入合计"), lambda d, b: _year(d, _SUMMARY, "收入"), table_type=_SUMMARY),
    Keyword("支出合计", re.compile(r"(?:本年)?支出合计"), lambda d, b: _year(d, _SUMMARY, "支出"), table_type=_SUMMARY),
    Keyword("事业收入", re.compile(r"事业(?:预算)?收入"), _source("事业收入"), table_type=_INCOME),
    Keyword("上级补助收入", re.compile(r"上级补助(?:预算)?收入"), _source("上级补助收入"), table_type=_INCOME),
    Keyword("附属单位上缴收入", re.compile(r"附属单位上缴(?:预算)?收入"), _source("附属单位上缴收入"), table_type=_INCOME),
    Keyword("经营收入", re.compile(r"(?<!事业单位)经营(?:预算)?收入"), _source("经营收入"), table_type=_INCOME),
    Keyword("其他收入", re.compile(r"其他(?:预算)?收入"), _source("其他收入"), table_type=_INCOME),
] + [
    # the functional classes by name; 其他支出 and 预备费 also name other things, so they are left out
    Keyword(name, re.compile(re.escape(name)), lambda d, b, n=name: _class_refs(d, b, n), table_type=_EXP)
    for name in sorted(FUNCTIONAL_CLASSES, key=len, reverse=True) if name not in ("其他支出", "预备费")
]


def required_chars(pattern: re.Pattern) -> frozenset[str]:
    """Characters every match of `pattern` holds: its literals outside any optional part, alternative or
    assertion (empty when it cannot tell). A text lacking one of them holds no match, told without the regex."""
    from re import _constants, _parser  # the stdlib's own reading of a pattern (Python 3.11)

    if pattern.flags & re.IGNORECASE:
        return frozenset()
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - no filter then; the regex still decides
        return frozenset()
    out: set[str] = set()

    def walk(seq) -> None:
        for op, av in seq:
            if op is _constants.LITERAL:
                out.add(chr(av))
            elif op is _constants.SUBPATTERN and not av[1] & re.IGNORECASE:  # (?i:…) matches other cases
                walk(av[-1])

    walk(parsed)
    return frozenset(out)


# each keyword with the characters any match of it holds: most sentences hold few keywords, and 60 regex
# searches a sentence were most of text_figures' time
_KEYWORD_CHARS = [(kw, required_chars(kw.pattern)) for kw in KEYWORDS]


def _line_text(doc: Doc, line: int) -> str:
    return doc.result.source.lines[line - 1]


def text_figures(doc: Doc) -> list[TextFigure]:
    """Every figure the explanations state right after a keyword, in the order of the text."""
    if "text_figures" in doc.cache:
        return doc.cache["text_figures"]
    out, other = [], []
    for para in sentences(doc):
        text, heading = para.text, para.heading
        if "元" not in text:
            continue  # a figure is an amount in 元 or 万元 (AMOUNT): a sentence without one has none
        taken: list[tuple[int, int]] = []
        found = []
        chars = set(text)
        for kw, needs in _KEYWORD_CHARS:
            if not needs <= chars:
                continue
            for m in kw.pattern.finditer(text):
                if any(a < m.end() and m.start() < b for a, b in taken):
                    continue  # inside a longer keyword already read
                a = AMOUNT.search(text, m.end(), m.end() + 24)
                if a is None or not CONNECT.match(text[m.end():a.start()]):
                    continue
                before = text[max(0, m.start() - 12):m.start()]
                years = {int(y) for y in _OTHER_YEAR.findall(before)}
                if _PRIOR.search(before[-4:]):
                    continue  # a figure of another year
                other_year = bool(years and doc.fiscal_year and years != {doc.fiscal_year})
                if _LONGER_NAME.search(before):
                    continue
                line = para.line_at(a.start())
                if kw.needs_three_public and "三公" not in heading and "三公" not in _line_text(doc, line):
                    continue
                taken.append((m.start(), a.end()))
                if other_year:
                    if len(years) == 1 and not _COMPARING.search(text[:m.start()]):
                        other.append((years.pop(), kw, a, m, para, before))
                    continue
                (number, decimals), unit = parse_amount_places(a.group(1)), a.group(2)
                factor = UNIT_FACTOR[unit]
                amount = number * factor
                rounding = half_last_digit(decimals, unit) if amount else ZERO
                ttype = kw.table_type
                if kw.general_budget_scope and _GB_SCOPE.search(before[-14:]):
                    ttype = _GB
                clause = text[max((c.end() for c in _CLAUSE_START.finditer(text, 0, m.start())), default=0):m.start()]
                fund = _fund_scope(kw, clause, heading)
                if fund:
                    ttype = fund
                found.append((a.start(), TextFigure(kw, amount, rounding, line, quote(text, m.start(), a.end()),
                                                    before, a.group(1), unit, ttype, other_fund=bool(fund),
                                                    budget_in_final=doc.kind == "final_accounts"
                                                    and "预算" in text[m.end():a.start()])))
        out += [f for _, f in sorted(found, key=lambda x: x[0])]
    doc.cache["text_figures"] = out
    doc.cache["_other_year_figures"] = other
    return out


def other_year_figures(doc: Doc) -> list[tuple[int, Keyword, Decimal, Decimal, int, str, str]]:
    """Figures a sentence gives for another year than the document's ("2023 年度收、支总计 …" in a 2024 final
    account), outside any comparison: (year, keyword, amount, rounding, line, quote, text before)."""
    text_figures(doc)
    out = []
    for year, kw, a, m, para, before in doc.cache["_other_year_figures"]:
        (number, decimals), unit = parse_amount_places(a.group(1)), a.group(2)
        amount = number * UNIT_FACTOR[unit]
        rounding = half_last_digit(decimals, unit) if amount else ZERO
        out.append((year, kw, amount, rounding, para.line_at(a.start()), quote(para.text, m.start(), a.end()), before))
    return out


_BUDGET_PART = re.compile(r"(?:20\d\d年度?)?(?:全年|年初)?预算(?:数)?")


def _budget_column(path: str) -> bool:
    """A column of budget figures (预算数 / 2024年度预算数 / 年初预算数), not one of a fund's name
    (一般公共预算)."""
    return any(_BUDGET_PART.fullmatch(norm(p)) for p in col_parts(path))


def _fund_scope(kw: Keyword, clause: str, heading: str) -> str:
    """The fund table a general keyword's figure belongs to when its clause or section is about that fund."""
    if kw.table_type in _FUND_SCOPE or any(rx.search(kw.name) for rx in _FUND_SCOPE.values()):
        return ""
    for ttype, rx in _FUND_SCOPE.items():
        if rx.search(clause) or rx.search(heading.rsplit(" > ", 1)[-1]):
            return ttype
    return ""


def text_figure_rows(doc: Doc) -> list[dict]:
    """The `text_figures` resource: what the explanations state, whether or not a table can confirm it
    (a document whose tables are published elsewhere still has its headline figures here)."""
    return [{"doc_id": doc.doc_id, "measure": f.keyword.name, "value": f.amount,
             "published_value": f.published_value, "published_unit": f.published_unit,
             "table_type": f.table_type, "source_line": f.line, "quote": f.quote,
             "budget_in_final_accounts": f.budget_in_final}
            for f in text_figures(doc)]


TEXT_FIGURES = Rule("text.figures", "text", "说明文字中的金额 ↔ 表中数", "Figures in the explanations ↔ the tables",
    "情况说明引用的总收入、财政拨款、各类支出、基本支出、人员经费、公用经费、“三公”经费及各项、机关运行经费等，"
    "必须与公开表中的同一数字一致；总计、合计不论措辞（收支总计、收入支出总计、收入预算总额 …）都与其所指的表的"
    "总计比对。说明其他资金（政府性基金 …）的句子不与一般公共预算或部门的表比对。",
    "文字数末位的一半加表中数末位的一半以内视为一致；超出为 warning", WARNING, {"differs": Outcome(
        WARNING, "说明中“{q}”的{keyword} {actual} 元，与表中对应数 {expected} 元不一致",
        "the text states {keyword} = {actual} yuan; the table shows {expected}")},
    name_zh="文字金额与表一致")


@TEXT_FIGURES.checks
def check_text_figures(doc: Doc) -> list[dict] | None:
    results = []
    ran = False
    for tf in text_figures(doc):
        if tf.other_fund:
            continue  # no table here is that fund's breakdown: not checked, never compared with another
        kw, amount, line, quote = tf.keyword, tf.amount, tf.line, tf.quote
        cands = [c for c in kw.refs(doc, tf.before) if c is not None]
        if tf.budget_in_final:  # 年初预算为 A in a final account: the tables' 决算 figures are not A
            cands = [c for c in cands if c and all(_budget_column(f["column_label"]) for f in c)]
        if not cands:
            continue
        ran = True
        best = None
        for c in cands:
            value = sum((val(f) for f in c), ZERO)
            tol = tf.rounding + sum((half_unit(f) for f in c), ZERO)
            if abs(value - amount) <= tol:
                best = None
                break
            if best is None or abs(value - amount) < abs(best[0] - amount):
                best = (value, c)
        else:
            if best is None:
                continue
            value, c = best
            results.append(TEXT_FIGURES.fail(doc, "differs", q=quote, keyword=kw.name, expected=value, actual=amount,
                                             tables={f["table_id"] for f in c},
                                             lines=[line] + [f["source_line"] for f in c]))
    return results if ran else None


OPERATING_COSTS = Rule("text.operating_costs", "text", "机关运行经费 ≤ 公用经费", "Operating costs ≤ public expenses",
    "机关运行经费是行政单位和参公事业单位用财政拨款安排的基本支出中的公用经费；未公开机关运行经费表时，"
    "说明中的机关运行经费不能超过基本支出表的公用经费合计。",
    "文字数末位的一半加表中数末位的一半以内视为不超过；超出为 warning", WARNING, {"exceeds": Outcome(
        WARNING, "说明中“{q}”的机关运行经费 {actual} 元，大于基本支出表的公用经费 {expected} 元",
        "the text states 机关运行经费 = {actual} yuan, more than the 公用经费 of the basic expenditure table "
        "({expected})")},
    name_zh="机关运行经费不超过公用经费")


@OPERATING_COSTS.checks
def check_operating_costs(doc: Doc) -> list[dict] | None:
    """机关运行经费 is the 公用经费 of the administrative (and 参公) units from fiscal grants: without a table
    of its own, the figure the text states can be at most the 公用经费 of the basic-expenditure table."""
    if _table(doc, "operating_costs") is not None:
        return None  # then text.figures compares it with that table
    stated = [x for x in text_figures(doc) if x.keyword.name == "机关运行经费"]
    ref = _basic_split(r"公用(?:经费|支出)", "公用经费合计")(doc, "")
    if not stated or not ref:
        return None
    bound = ref[0]
    limit = sum((val(f) for f in bound), ZERO)
    out = []
    for x in stated:
        amount, line, quote = x.amount, x.line, x.quote
        tol = x.rounding + sum((half_unit(f) for f in bound), ZERO)
        if amount <= limit + tol:
            continue
        out.append(OPERATING_COSTS.fail(doc, "exceeds", q=quote, expected=limit, actual=amount,
                                        tables={f["table_id"] for f in bound},
                                        lines=[line] + [f["source_line"] for f in bound], tolerance=tol))
    return out


__all__ = ["check_text_figures", "check_operating_costs", "text_figures", "text_figure_rows", "other_year_figures",
           "KEYWORDS"]
