"""Which standard table a block is (`table_type` of the data contract): from its printed title first, then,
when the title names no standard table (missing, cut, or worded in a way no rule knows), from the words of
its header and row labels. The keyword lists are data, here and only here."""
from __future__ import annotations

import re

from .segment import TABLE_NAME
from .text import squash

# Title rules. Order matters: the first rule whose pattern is found in the title wins ("一般公共预算“三公”
# 经费支出表" is a 三公 table before it is a 一般公共预算 table). Titles vary by province and year:
# 财政拨款收入支出决算总表 / 财政拨款收支决算总表, 一般公共预算财政拨款支出决算明细表, 部门收支总表 …
RULES: list[tuple[str, re.Pattern]] = [
    ("other", re.compile(r"目\s*录")),
    ("performance", re.compile(r"绩效")),
    ("three_public_costs", re.compile(r"三公")),
    ("government_fund", re.compile(r"政府性基金")),
    ("state_capital", re.compile(r"国有资本经营")),
    ("operating_costs", re.compile(r"机关运行经费")),
    ("project_expenditure", re.compile(r"项目支出")),
    ("fiscal_grant_summary", re.compile(r"财政拨款收(?:入)?支(?:出)?.*总表")),
    ("general_budget_basic_expenditure", re.compile(r"基本支出|经济(?:分类|科目)")),
    ("general_budget_expenditure", re.compile(r"一般公共预算.*支出")),
    ("income_expenditure_summary", re.compile(r"收(?:入)?支(?:出)?.*总表")),
    ("income", re.compile(r"收入")),
    ("expenditure", re.compile(r"支出")),
]

# Header and row vocabulary, for a table whose title names no standard table: (type, where the words are
# looked for: the header rows or the whole table, words that must all be printed). "a|b" is either word,
# "!a" a word that must not be printed. The first entry that matches wins.
HEADER_RULES: list[tuple[str, str, tuple[str, ...]]] = [
    ("performance", "table", ("一级指标", "二级指标")),
    ("performance", "table", ("绩效目标", "指标")),
    ("three_public_costs", "header", ("因公出国", "公务接待")),
    ("fiscal_grant_summary", "header", ("收入", "支出", "一般公共预算|政府性基金")),
    ("income_expenditure_summary", "header", ("收入", "支出", "项目")),
    ("general_budget_basic_expenditure", "header", ("人员经费", "公用经费")),
    ("general_budget_basic_expenditure", "header", ("经济分类",)),
    ("income", "header", ("收入", "事业收入|上级补助收入|财政专户|一般公共预算", "!支出")),
    ("expenditure", "header", ("基本支出", "项目支出", "!收入")),
    ("three_public_costs", "table", ("因公出国", "公务接待", "公务用车", "!工资福利")),  # items as rows
]

MONEY_TYPES = {
    "income_expenditure_summary", "income", "expenditure", "fiscal_grant_summary",
    "general_budget_expenditure", "general_budget_basic_expenditure", "three_public_costs",
    "government_fund", "state_capital", "operating_costs", "project_expenditure",
}

# The standard set each kind of disclosure is expected to carry (the completeness rule reads this).
STANDARD_SETS = {
    "final_accounts": [
        "income_expenditure_summary", "income", "expenditure", "fiscal_grant_summary",
        "general_budget_expenditure", "general_budget_basic_expenditure", "three_public_costs",
        "government_fund", "state_capital",
    ],
    "budget": [
        "income_expenditure_summary", "income", "expenditure", "fiscal_grant_summary",
        "general_budget_expenditure", "general_budget_basic_expenditure", "three_public_costs",
        "government_fund",
    ],
}


def table_type(title: str) -> str:
    t = re.sub(r"\s+", "", title)
    if not t:
        return "other"
    for kind, pattern in RULES:
        if pattern.search(t):
            return kind
    return "other"


def _has(text: str, word: str) -> bool:
    if word.startswith("!"):
        return word[1:] not in text
    return any(w in text for w in word.split("|"))


def type_from_vocabulary(header: list[list[str]], body: list[list[str]]) -> str:
    """The table type its header (and, for forms, its row) words name, or '' when they name none."""
    head = "\x00".join(squash(c) for r in header for c in r if c.strip())
    table = head + "\x00" + "\x00".join(squash(c) for r in body[:40] for c in r if c.strip())
    return next((kind for kind, where, words in HEADER_RULES
                 if all(_has(head if where == "header" else table, w) for w in words)), "")


def block_type(title: str, header: list[list[str]], body: list[list[str]]) -> tuple[str, str]:
    """(table type, basis): 'title' when the title names it, 'header' when only the header and row words
    do, '' when neither does (then the type is `other`)."""
    by_title = table_type(title)
    if by_title != "other" or re.search(r"目\s*录", title):
        return by_title, "title" if by_title != "other" else ""
    by_words = type_from_vocabulary(header, body)
    return (by_words, "header") if by_words else ("other", "")


_TOC_TAIL = re.compile(r"[.．…·]+\s*\d*$")


def listed_tables(toc: list[tuple[int, str]]) -> list[tuple[int, str, str]]:
    """(line, entry, table type) of the standard tables the outline (目录) lists."""
    out = []
    for line, entry in toc:
        name = _TOC_TAIL.sub("", squash(entry))
        if TABLE_NAME.search(name) and not re.match(r"^第.{1,3}部分", name):
            kind = table_type(name)
            if kind != "other":
                out.append((line, name, kind))
    return out
