"""The rule catalogue: every rule in the order the site lists it. Each rule is declared beside its check
(rules_*.py; value.cut_short in core.py), with its id, titles, basis, tolerance and the message templates of
its outcomes; the site page is rendered from those declarations."""
from __future__ import annotations

import re

from .core import CUT_SHORT, ROUNDING, ROUNDING_EN, Rule
from .rules_claims import CHANGES, COMPARISONS
from .rules_cross import (BASIC_TOTAL, FISCAL_GENERAL_BUDGET, GENERAL_BUDGET_WITHIN, PROJECTS, SUMMARY_EXPENDITURE,
                          SUMMARY_INCOME, THREE_PUBLIC_BASIC, THREE_PUBLIC_ITEMS)
from .rules_document import DATES, EMPTY_VS_STATED, PLACEHOLDERS
from .rules_forms import FORM_SOURCES, FORM_SPENT
from .rules_tables import (BUDGET_UNIT_GROUPS, CODE_HIERARCHY, COLUMN_TOTAL, DUPLICATE_CODE, ROW_TOTAL, STANDARD_TABLES,
                           SUMMARY_BALANCE, SUMMARY_GRAND_TOTAL, SUMMARY_YEAR_TOTAL)
from .rules_text import OPERATING_COSTS, TEXT_FIGURES

RULES: list[Rule] = [
    STANDARD_TABLES, ROW_TOTAL, COLUMN_TOTAL, CODE_HIERARCHY, BUDGET_UNIT_GROUPS, DUPLICATE_CODE, SUMMARY_BALANCE,
    SUMMARY_GRAND_TOTAL, SUMMARY_YEAR_TOTAL, SUMMARY_INCOME, SUMMARY_EXPENDITURE, FISCAL_GENERAL_BUDGET,
    GENERAL_BUDGET_WITHIN, BASIC_TOTAL, THREE_PUBLIC_ITEMS, THREE_PUBLIC_BASIC, PROJECTS, FORM_SOURCES, FORM_SPENT,
    TEXT_FIGURES, OPERATING_COSTS, CHANGES, COMPARISONS, DATES, PLACEHOLDERS, EMPTY_VS_STATED, CUT_SHORT,
]

RULE_BY_ID = {r.id: r for r in RULES}


def rule_catalogue() -> list[dict]:
    return [{"id": r.id, "group": r.group, "name_zh": r.name_zh, "title_zh": r.title_zh, "title_en": r.title_en, "basis": r.basis,
             "tolerance": r.tolerance, "severity": r.severity} for r in RULES]


GROUP_TITLES = {"completeness": "完整性 Completeness", "table": "表内 Within a table",
                "cross": "表间 Between tables", "text": "文字与表 Text and tables"}


# What the explanations claim, and whether a rule checks it: (claim, rule id or "" when not checked, why)
TEXT_CLAIMS: list[tuple[str, str, str]] = [
    ("关键词后直接给出的金额：收支总计（收入支出总计、收入预算总额 …）、收入合计、财政拨款、基本支出（基本保障支出）、"
     "项目支出、人员经费、公用经费、“三公”经费及各项、机关运行经费、各功能分类类级支出、政府性基金和国有资本经营预算",
     TEXT_FIGURES.id, "与其所指的表中数比对；说明其他资金（政府性基金 …）的句子不与一般公共预算或部门的表比对"),
    ("金额单独成行（关键词在上一行）", TEXT_FIGURES.id, "同一段落的各行连起来读"),
    ("比上年（比 YYYY 年执行数、较年初预算数）增加/减少 X，增长/下降 Y%，持平", CHANGES.id,
     "与本句（或上一句）所说的本年数、比较数核对；以科目编码开头的说明还与印有两年数的表核对"),
    ("决算数大于/小于/等于预算数，完成年初预算的 P%", COMPARISONS.id,
     "与本句或上一句紧挨着的年初预算数、决算数核对；文字未给出这两个数的“三公”经费（及各项）说法，"
     "与“三公”经费表本年的预算数、决算数核对"),
    ("截至 YYYY 年 12 月 31 日；标题和表题中的 YYYY 年度部门决算（预算）；本年（YYYY 年）", DATES.id,
     "与本文件年度核对；与上年比较的说法（与 2023 年度相比）不核对"),
    ("不在比较句中、却标为上一年的本年数（2024 年决算中“2023 年度收、支总计 516247561.00 元”，而此数正是本年表中的数）",
     DATES.id, "与本年表中对应数相同才报告；与本年表不符的他年数不判断"),
    ("XX、××、某某、〇〇 等模板占位符", PLACEHOLDERS.id, "全文（含表格）逐行查找"),
    ("空表而说明给出非零数；说明称“无…支出”而表中有数", EMPTY_VS_STATED.id, "按说明所指的表核对"),
    ("增减额、增减率的比较数既未写出、也不能由本句推出（如“比上年增加的主要原因”）", "",
     "找不到比较数：不核对，不报错"),
    ("“其中”之后列出多个数、再说“比上年减少 X”", "", "不能确定所比的是哪一个数：不核对"),
    ("预算中“三公”经费及各项比上年增加/减少 X", CHANGES.id,
     "与三公经费表印出的本年预算数和上年预算数（或执行数，按说法所指）核对"),
    ("决算中“三公”经费比上年的增减", "", "决算“三公”表不印上年数：只核对句内数字"),
    ("“比上年减少 X，其中：因公出国（境）费减少 0 万元 …”的分项增减（预算中的“三公”经费）", CHANGES.id,
     "按所属说法的比较年份，与“三公”经费表核对"),
    ("项目绩效、资产（房屋面积、车辆数）、政府采购金额", "", "没有可比对的公开表：不核对"),
    ("决算说明中各功能分类的年初预算数", "", "决算公开表不印年初预算数：只核对句内数字"),
]


def claims_markdown() -> list[str]:
    out = ["## 说明文字中哪些说法被核对 Which claims of the text are checked", "",
           "| 说法 Claim | 规则 Rule | 如何核对 How |", "|---|---|---|"]
    for claim, rule, how in TEXT_CLAIMS:
        cells = [claim, f"`{rule}`" if rule else "不核对 not checked", how]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return out + [""]


def catalogue_markdown() -> str:
    """The rule catalogue as a site page (Markdown), generated from the rules themselves."""
    out = ["# 校验规则 Validation rules", "",
           "每份公开文件都按下列规则校验，结果见 `findings`（每条含规则、严重程度、期望数、实际数、差额、表和源文件行）。",
           "Every disclosure is checked against these rules; the results are the `findings` resource.", "",
           f"容差 Tolerance: {ROUNDING}。 {ROUNDING_EN}.", ""]
    for group, title in GROUP_TITLES.items():
        rules = [r for r in RULES if r.group == group]
        if not rules:
            continue
        out += [f"## {title}", "", "| 规则 id | 名称 Name | 内容 Title | 依据 Basis | 容差 Tolerance | 严重程度 |",
                "|---|---|---|---|---|---|"]
        for r in rules:
            cells = [f"`{r.id}`", r.name_zh, f"{r.title_zh}<br>{r.title_en}", r.basis, r.tolerance, r.severity]
            out.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
        out.append("")
    out += outcomes_markdown()
    out += claims_markdown()
    return "\n".join(out)


_SLOT = re.compile(r"\{[^{}]*\}")


def shown(template: str) -> str:
    """A message template as a reader sees it on the page: each value to be filled in is “…”."""
    return _SLOT.sub("…", template)


def outcomes_markdown() -> list[str]:
    """What each rule reports, from its declared outcomes: severity and the message, Chinese and English."""
    out = ["## 每条规则报告什么 What each rule reports", "",
           "`findings` 中的 message / message_en 即按下列模板写成，“…”处为具体的表、行和金额。",
           "The message and message_en of a finding follow these templates; “…” stands for the table, line and "
           "amounts.", "", "| 规则 id | 严重程度 Severity | 提示 Message | Message |", "|---|---|---|---|"]
    for r in RULES:
        for o in r.outcomes.values():
            cells = [f"`{r.id}`", f"{o.severity.zh} {o.severity}", shown(o.zh), shown(o.en)]
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return out + [""]
