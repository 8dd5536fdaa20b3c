"""What a disclosure says about itself: its years and dates, template placeholders left unfilled, and tables
printed empty against what the text states for them (and the reverse).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

from ..schema import names_zh
from ..severity import WARNING
from .core import ZERO, Doc, Outcome, Rule, half_unit, val
from .lookup import is_current
from .rules_text import other_year_figures, text_figures
from .sentences import quote, sentences

# 截至 2024 年 12 月 31 日 · 截止2024年末 · 截至2024年12月底
AS_OF = re.compile(r"截[至止]\s*(20\d\d)\s*年\s*(?:12\s*月\s*(?:31\s*日|底|末)|末|底)")
# 2024 年度部门决算 · 2024年部门预算公开 · 2024年度部门决算表 (a heading or a table title)
DOC_YEAR = re.compile(r"(?<![\d与比较同])(20\d\d)\s*年(?:度)?\s*(?:部门|单位)?\s*(决算|预算)"
                      r"(?=\s*(?:公开|情况说明|说明|表|报告|编制|[—－]|$))")
# 本年度（2023 年） · 上年（2022年）
THIS_YEAR_IS = re.compile(r"(本|上)\s*年\s*度?\s*[（(]\s*(20\d\d)\s*年?\s*度?\s*[）)]")
_KIND_WORD = names_zh("documents", "kind")  # 决算 / 预算, as the schema names them

# a template placeholder standing where a name or a number belongs: XX局, ××万元, 某某单位, 〇〇
PLACEHOLDER = re.compile(r"(?<![A-Za-z])(?:[XxＸｘ]{2,}|[×✕]{2,}|某某|(?<![一二三四五六七八九十〇零])〇〇(?![一二三四五六七八九十〇零]))"
                         r"(?![A-Za-z])")


DATES = Rule("text.dates", "text", "年份与日期与本文件年度一致", "Years and dates agree with the fiscal year",
    "决算说明“截至 YYYY 年 12 月 31 日”的资产状况是本年度末的（预算为上年末的）；标题和表题中的"
    "“YYYY 年度部门决算（预算）”、以及“本年（YYYY 年）”“上年（YYYY 年）”须与本文件年度一致。"
    "与上年比较（与 2023 年度相比）是正常说法，不核对。",
    "不适用（年份不符即为 warning）", WARNING, {
        "as_of_final": Outcome(WARNING, "“{q}”：{fy} 年度决算应截至 {fy} 年末",
                               "“{q}”: a {fy} {kind_en} states assets as of the end of {want}"),
        "as_of_budget": Outcome(WARNING, "“{q}”：{fy} 年预算编制时的资产状况应截至 {want} 年末",
                                "“{q}”: a {fy} {kind_en} states assets as of the end of {want}"),
        "this_year_is": Outcome(WARNING, "“{q}”：本文件为 {fy} 年度，{which}年应为 {want} 年",
                                "“{q}”: the document is of {fy}; this names {year}"),
        "other_year_figure": Outcome(WARNING, "说明中“{q}”写的是 {year} 年，但这是本文件 {fy} 年度表中的数",
                                     "“{q}” names {year}, but the amount is the {fy} table's"),
        "heading_year": Outcome(WARNING, "标题“{title}”写的是 {year} 年度，本文件为 {fy} 年度",
                                "the heading names {year}; the document is of {fy}"),
        "table_title_year": Outcome(WARNING, "表题“{title}”写的是 {year} 年度，本文件为 {fy} 年度",
                                    "the table title names {year}; the document is of {fy}"),
    }, name_zh="年份与日期")


@DATES.checks
def check_dates(doc: Doc) -> list[dict] | None:
    """截至 … 12 月 31 日 is the end of the fiscal year in final accounts and of the year before in a budget;
    headings and table titles name the document's own year; 本年/上年 name the years they are."""
    fy = doc.fiscal_year
    if not fy:
        return None
    out = []
    for s in sentences(doc):
        for m in AS_OF.finditer(s.text):
            year = int(m.group(1))
            if re.search(r"[与比较同]\s*$", s.text[max(0, m.start() - 3):m.start()]) or \
                    re.match(r"[^，。；]{0,6}相比", s.text[m.end():]):
                continue  # 与截至 2023 年末相比: a comparison with the year before, not a date of this one
            want = fy if doc.kind == "final_accounts" else fy - 1
            if year != want:
                out.append(DATES.fail(doc, "as_of_final" if doc.kind == "final_accounts" else "as_of_budget",
                                      q=quote(s.text, m.start(), m.end(), 0), fy=fy, want=want,
                                      kind_en=doc.kind.replace("_", " "), lines=[s.line_at(m.start())]))
        for m in THIS_YEAR_IS.finditer(s.text):
            year, want = int(m.group(2)), fy if m.group(1) == "本" else fy - 1
            if year != want:
                out.append(DATES.fail(doc, "this_year_is", q=quote(s.text, m.start(), m.end(), 0), fy=fy,
                                      which=m.group(1), want=want, year=year, lines=[s.line_at(m.start())]))
        if is_title(s):
            out += _year_in_title(doc, s.text, s.line_at, whole=s.is_heading)
    for t in doc.tables:
        if t.title:
            out += _year_in_title(doc, t.title, lambda pos, n=t.block.line_start: n, t.table_id, whole=True)
    out += _this_years_figure_under_another_year(doc)
    return out


def _this_years_figure_under_another_year(doc: Doc) -> list[dict]:
    """'2023 年度收、支总计 516247561.00 元' in a 2024 final account, outside any comparison, where the amount
    is the 2024 table's: the year is wrong (a figure that matches no table of this year is not judged)."""
    out = []
    for year, kw, amount, rounding, line, q, before in other_year_figures(doc):
        if not amount:
            continue  # a zero matches too much to tell
        for c in kw.refs(doc, before):
            if c and abs(sum((val(f) for f in c), ZERO) - amount) <= rounding + sum((half_unit(f) for f in c), ZERO):
                out.append(DATES.fail(doc, "other_year_figure", q=q, year=year, fy=doc.fiscal_year,
                                      expected=amount, actual=amount, tables={f["table_id"] for f in c},
                                      lines=[line] + [f["source_line"] for f in c]))
                break
    return out


def is_title(s) -> bool:
    """A heading, or a line short enough to be one (a cover or contents line): where a year names the
    document itself."""
    return s.is_heading or len(s.text) <= 40


# a heading or title that compares years names the other year on purpose
_COMPARES = re.compile(r"上年|上一年|对比|比较|相比|变动|增减|执行|与\s*20\d\d|较\s*20\d\d|比\s*20\d\d"
                       # an evaluation or a plan names the years it covers; a range names two
                       r"|评价|规划|计划|20\d\d\s*年?\s*[-—–~～至到]\s*20\d\d")
_ANY_YEAR = re.compile(r"(?<!\d)(20\d\d)\s*年")


def _year_in_title(doc: Doc, text: str, line_at, table_id: str = "", whole: bool = False) -> list[dict]:
    """A title naming another year than the document's. In a heading or a table title (`whole`) every
    year counts, unless the title compares years; in a short line only 'YYYY 年度部门决算/预算' does."""
    out = []
    kind = _KIND_WORD.get(doc.kind)
    if whole and not _COMPARES.search(text):
        matches = [m for m in _ANY_YEAR.finditer(text)]
    else:
        matches = [m for m in DOC_YEAR.finditer(text) if kind is None or m.group(2) == kind]
    for m in matches:
        year = int(m.group(1))
        if year != doc.fiscal_year:
            out.append(DATES.fail(doc, "table_title_year" if table_id else "heading_year", title=text.strip()[:60],
                                  year=year, fy=doc.fiscal_year, tables=[table_id], lines=[line_at(m.start())]))
    return out


PLACEHOLDERS = Rule("text.placeholder", "text", "未填写的模板占位符", "Template placeholders left in",
    "“XX 局”“×× 万元”“某某单位”“〇〇”是公开模板中待填写的位置，公开文件中不应出现。",
    "不适用（出现即为 warning，每行一条）", WARNING, {"placeholder": Outcome(
        WARNING, "第 {n} 行“{q}”中的“{word}”是未填写的模板占位符", "line {n}: “{word}” is a template placeholder left in")}, name_zh="模板占位符")


# every PLACEHOLDER match is made of these characters: a line without any of them has none
_PLACEHOLDER_CHARS = "XxＸｘ×✕某〇"


def _lines_holding(lines: list[str], chars: str) -> list[int]:
    """The numbers (1-based, ascending) of the lines holding any of `chars`: found by str.find over the
    whole text, which is far cheaper than a regex run on every line (most texts hold none of them)."""
    text = "\n".join(lines)
    hits = set()
    for c in chars:
        i = text.find(c)
        while i != -1:
            hits.add(i)
            i = text.find(c, i + 1)
    if not hits:
        return []
    starts = list(accumulate((len(x) + 1 for x in lines[:-1]), initial=0))
    return sorted({bisect_right(starts, i) for i in hits})


@PLACEHOLDERS.checks
def check_placeholders(doc: Doc) -> list[dict] | None:
    """XX局, ××万元, 某某单位: template words never filled in, in the text, the headings or a table."""
    out = []
    lines = doc.result.source.lines
    for n in _lines_holding(lines, _PLACEHOLDER_CHARS):
        text = lines[n - 1]
        for m in PLACEHOLDER.finditer(text):
            a, b = max(0, m.start() - 10), min(len(text), m.end() + 10)
            q = text[a:b].strip()
            out.append(PLACEHOLDERS.fail(doc, "placeholder", n=n, q=q, word=m.group(0), lines=[n]))
            break  # one per line
    return out


# ------------------------------------------------------------------------------------------ empty tables

# the tables a statement of "none" can be about, by the words that name them
_NONE_OF = [
    ("government_fund", re.compile(r"政府性基金")),
    ("state_capital", re.compile(r"国有资本经营")),
    ("three_public_costs", re.compile(r"[“\"]?三公[”\"]?经费")),
    ("operating_costs", re.compile(r"机关运行经费")),
]
# 无政府性基金预算财政拨款收入 · 没有使用国有资本经营预算拨款 · 未安排"三公"经费
_NONE = re.compile(r"(?:无|没有|未(?:发生|安排|使用|列支))(?:使用|安排)?(?P<what>[^，。；;、]{2,24}?)(?:收入|支出|拨款|经费|预算|安排)")


def _amounts(doc: Doc, table) -> list[dict]:
    """The table's amounts of the document's year (all of them when no column names a year)."""
    money = [f for f in table.facts if f["value_unit"] == "yuan"]
    return [f for f in money if is_current(doc, f["column_label"])] or money


def _spent(doc: Doc, table) -> list[dict]:
    """What a final account's table says was spent: its 决算 columns when it also prints the budget
    (a "三公" table's 预算数 0.95 beside a blank 决算数 is no spending)."""
    amounts = _amounts(doc, table)
    if doc.kind == "final_accounts":
        final = [f for f in amounts if "决算" in f["column_label"]]
        if final or any("预算" in f["column_label"] for f in amounts):
            return final
    return amounts


def _empty(doc: Doc, table) -> bool:
    """Asked of the same tables for every figure the text states: answered once per table."""
    known = doc.cache.setdefault("_empty_tables", {})
    if table.table_id not in known:
        known[table.table_id] = table.status == "empty" or all(val(f) == ZERO for f in _amounts(doc, table))
    return known[table.table_id]


EMPTY_VS_STATED = Rule("text.empty_vs_stated", "text", "空表与文字说明一致", "Empty tables against what the text states",
    "表印为空表（或全为 0）时，说明不应给出该表的非零数（如“三公”经费表为空而说明称预算 0.95 万元）；"
    "说明称“无政府性基金（国有资本经营、“三公”经费）…支出”时，相应表中不应印有本年金额。",
    "不适用（非零即为 warning）", WARNING, {
        "stated_for_empty": Outcome(WARNING, "说明中“{q}”给出{keyword} {actual} 元，而《{title}》为空表",
                                    "the text states {keyword} = {actual} yuan; the table is printed empty"),
        "none_but_printed": Outcome(WARNING, "说明称“{q}”，但《{title}》印有金额（如 {printed}，第 {printed_line} 行）",
                                    "the text says “{q}”, but the table prints amounts ({printed}, line {printed_line})"),
    }, name_zh="空表与文字说明")


@EMPTY_VS_STATED.checks
def check_empty_against_text(doc: Doc) -> list[dict] | None:
    """A table printed empty (or all zeros) while the text states a non-zero figure for it; a text that
    says there is none (无政府性基金…支出) while the table prints amounts."""
    out = []
    ran = False
    by_type: dict[str, list] = {}
    for t in doc.tables:
        by_type.setdefault(t.table_type, []).append(t)
    for tf in text_figures(doc):
        tables = by_type.get(_FIGURE_TABLE.get(tf.keyword.name, tf.table_type), [])
        if not tables:
            continue
        ran = True
        if tf.amount != ZERO and all(_empty(doc, t) for t in tables):
            t = tables[0]
            out.append(EMPTY_VS_STATED.fail(doc, "stated_for_empty", q=tf.quote, keyword=tf.keyword.name,
                                            title=t.title or t.table_type, expected=ZERO, actual=tf.amount,
                                            tables=[t.table_id for t in tables], lines=[tf.line, t.block.line_start]))
    for s in sentences(doc):
        for m in _NONE.finditer(s.text):
            what = m.group("what")
            lead = s.text[max(0, m.start() - 16):m.start()]
            years = {int(y) for y in re.findall(r"(20\d\d)", lead + what)}
            if (years and years != {doc.fiscal_year}) or re.search(r"上年|上一年", lead + what):
                continue  # a statement about another year
            for ttype, rx in _NONE_OF:
                if not rx.search(m.group(0)):
                    continue
                for t in by_type.get(ttype, []):
                    ran = True
                    amounts = [f for f in _spent(doc, t) if val(f) != ZERO]
                    if amounts:
                        f = max(amounts, key=lambda f: abs(val(f)))
                        out.append(EMPTY_VS_STATED.fail(
                            doc, "none_but_printed", q=quote(s.text, m.start(), m.end(), 8), title=t.title or ttype,
                            printed=f["published_value"], printed_line=f["source_line"], expected=ZERO,
                            actual=val(f), tables=[t.table_id], lines=[s.line_at(m.start()), f["source_line"]]))
                break
    return out if ran else None


# figures whose own table is not the one text.figures compares them with: a fund's income is its table's
_FIGURE_TABLE = {"政府性基金预算拨款收入": "government_fund", "国有资本经营预算拨款收入": "state_capital"}


__all__ = ["check_dates", "check_placeholders", "check_empty_against_text"]
