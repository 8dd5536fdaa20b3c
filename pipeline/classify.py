"""Which standard table a block is (`table_type` of the data contract), from its printed title."""
from __future__ import annotations

import re

# Order matters: the first rule whose pattern is found in the title wins ("一般公共预算“三公”经费支出表"
# is a 三公 table before it is a 一般公共预算 table).
RULES: list[tuple[str, re.Pattern]] = [
    ("other", re.compile(r"目\s*录")),
    ("performance", re.compile(r"绩效")),
    ("three_public_costs", re.compile(r"三公")),
    ("government_fund", re.compile(r"政府性基金")),
    ("state_capital", re.compile(r"国有资本经营")),
    ("operating_costs", re.compile(r"机关运行经费")),
    ("project_expenditure", re.compile(r"项目支出")),
    ("fiscal_grant_summary", re.compile(r"财政拨款收(?:入)?支(?:出)?.*总表")),
    ("general_budget_basic_expenditure", re.compile(r"基本支出")),
    ("general_budget_expenditure", re.compile(r"一般公共预算.*支出")),
    ("income_expenditure_summary", re.compile(r"收(?:入)?支(?:出)?.*总表")),
    ("income", re.compile(r"收入")),
    ("expenditure", re.compile(r"支出")),
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
