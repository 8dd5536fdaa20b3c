"""Which standard table a block is (`table_type` of the data contract): from its printed title first, then,
when the title names no standard table (missing, cut, or worded in a way no rule knows), from the words of
its header and row labels. The keywords are data, in pipeline/vocabulary.py."""
from __future__ import annotations

import re

from .segment import TABLE_NAME
from .text import squash
from .vocabulary import HEADER_WORDS, OUTLINE_PART, TITLE_PATTERNS

# The keywords (title patterns, header and row words) are data, in pipeline/vocabulary.py; compiled once here.
RULES: list[tuple[str, re.Pattern]] = [(kind, re.compile(pattern)) for kind, pattern in TITLE_PATTERNS]
_OUTLINE = RULES[0][1]  # the first title rule is the outline's (目录)
_OUTLINE_PART = re.compile(OUTLINE_PART)

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
    t = "".join(title.split())  # no white space (str.split and the regex \s agree on what it is)
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
    return next((kind for kind, where, words in HEADER_WORDS
                 if all(_has(head if where == "header" else table, w) for w in words)), "")


def block_type(title: str, header: list[list[str]], body: list[list[str]]) -> tuple[str, str]:
    """(table type, basis): 'title' when the title names it, 'header' when only the header and row words
    do, '' when neither does (then the type is `other`)."""
    by_title = table_type(title)
    if by_title != "other" or _OUTLINE.search(title):
        return by_title, "title" if by_title != "other" else ""
    by_words = type_from_vocabulary(header, body)
    return (by_words, "header") if by_words else ("other", "")


_TOC_TAIL = re.compile(r"[.．…·]+\s*\d*$")


def listed_tables(toc: list[tuple[int, str]]) -> list[tuple[int, str, str]]:
    """(line, entry, table type) of the standard tables the outline (目录) lists."""
    out = []
    for line, entry in toc:
        name = _TOC_TAIL.sub("", squash(entry))
        if TABLE_NAME.search(name) and not _OUTLINE_PART.match(name):
            kind = table_type(name)
            if kind != "other":
                out.append((line, name, kind))
    return out
