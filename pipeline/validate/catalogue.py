"""The rule catalogue: every rule with its id, titles, basis and tolerance; the site page is rendered from it."""
from __future__ import annotations

from .core import Rule
from .rules_cross import (check_basic_total, check_fiscal_general_budget, check_general_budget_within_expenditure,
                          check_projects, check_summary_expenditure, check_summary_income, check_three_public_basic,
                          check_three_public_items)
from .rules_tables import (check_budget_units, check_code_hierarchy, check_column_totals, check_completeness,
                           check_duplicate_codes, check_row_totals, check_summary_balance, check_summary_grand_total,
                           check_summary_year_total)
from .rules_claims import check_changes, check_comparisons
from .rules_document import check_dates, check_empty_against_text, check_placeholders
from .rules_forms import check_form_sources, check_form_spent
from .rules_text import check_operating_costs, check_text_figures

ROUNDING = "n 个印出数之和可差 Σ 各数末位的一半（两位小数即 n × 0.005，按印出单位折元）：在此内为 info（舍入），超出为 error"
ROUNDING_EN = ("a sum of n printed amounts may differ by half the last printed digit of each (n × 0.005 at two "
               "decimals, in the printed unit, converted to yuan): within it `info` (rounding), beyond it `error`")

PAIR_ROUNDING = "两数末位的一半之和以内为 info（舍入），超出为 error"  # two printed amounts that should be equal
PAIR_BOUND = "超出不到两数末位的一半之和为 info（舍入），超出更多为 error"  # one amount bounded by another

RULES: list[Rule] = [
    Rule("completeness.standard_tables", "completeness", "标准公开表是否齐全", "Standard tables present",
         "财政部部门预决算公开模板规定了每类文件必须公开的表（预算 8 张、决算 公开01–09 表），无数据的表也应公开并说明。",
         "不适用（缺表为 warning；空表有说明、或文中称公开表另附，为 info）", "warning", check_completeness,
         name_zh="公开表齐全"),
    Rule("table.row_total", "table", "行内合计 = 各栏之和", "Row total = its columns",
         "表头中“合计/小计”栏是同一表头下各栏之和（合计 = 基本支出 + 项目支出；小计 = 一般公共预算 + 政府性基金 …）。",
         ROUNDING, "error", check_row_totals,
         name_zh="行内合计"),
    Rule("table.column_total", "table", "合计行 = 其下最高一级各行之和", "Total row = the top-level rows below it",
         "合计行是其下最高一级（预算单位，或类级科目；只列项级时为各项）各行之和。", ROUNDING, "error",
         check_column_totals,
         name_zh="合计行"),
    Rule("table.code_hierarchy", "table", "科目层级：类 = Σ款，款 = Σ项", "Code hierarchy: class = Σ sub-classes",
         "支出功能分类的类、款、项和经济分类的类、款逐级汇总，上级科目金额等于其下级科目之和（在同一预算单位内）。",
         ROUNDING, "error", check_code_hierarchy,
         name_zh="科目逐级汇总"),
    Rule("table.budget_unit_groups", "table", "预算单位 = 其下各科目（或所属单位）之和",
         "Budget unit = its classes (or its units)",
         "按预算单位分组的表中，单位行是其下所列类级科目之和，主管部门行是所属各单位之和。", ROUNDING, "error",
         check_budget_units,
         name_zh="预算单位汇总"),
    Rule("table.duplicate_code", "table", "同一科目在一张表中重复出现", "A code printed twice in one table",
         "同一预算单位内每个科目只应出现一次；重复的行会使合计与各行之和对不上。",
         "不适用（金额相同为 warning，金额不同为 error）", "warning", check_duplicate_codes,
         name_zh="科目重复"),
    Rule("summary.balance", "table", "收入总计 = 支出总计", "Income grand total = expenditure grand total",
         "收支总表和财政拨款收支总表是平衡表，收入方总计与支出方总计必须相等。", ROUNDING, "error",
         check_summary_balance,
         name_zh="收支平衡"),
    Rule("summary.grand_total", "table", "总计 = 本年合计 + 结转结余", "Grand total = year total + carry-over",
         "收支总表每一方的总计是本年收入（支出）合计加上年结转（年末结转结余）等各行之和。", ROUNDING, "error",
         check_summary_grand_total,
         name_zh="收支总计"),
    Rule("summary.year_total", "table", "本年合计 = 各项收入（支出）之和", "Year total = its items",
         "本年收入合计是各项收入（一、二、……）之和，本年支出合计是各类支出之和；带下级明细的行等于其明细之和。",
         ROUNDING, "error", check_summary_year_total,
         name_zh="本年收支合计"),
    Rule("cross.summary_income", "cross", "收支总表 ↔ 收入表（按收入来源）", "Summary ↔ income table by source",
         "收支总表收入方各项与收入表合计行同名各栏是同一笔钱，金额必须一致。",
         PAIR_ROUNDING, "error", check_summary_income,
         name_zh="总表与收入表一致"),
    Rule("cross.summary_expenditure", "cross", "收支总表 ↔ 支出表（按功能分类类级）",
         "Summary ↔ expenditure table by class",
         "收支总表支出方按功能分类的各类（或行政、事业支出等）与支出表相应类级科目的合计必须一致。",
         PAIR_ROUNDING, "error", check_summary_expenditure,
         name_zh="总表与支出表一致"),
    Rule("cross.fiscal_general_budget", "cross", "财政拨款收支总表 ↔ 一般公共预算支出表（按类）",
         "Fiscal grant summary ↔ general budget table by class",
         "财政拨款收支总表支出方一般公共预算栏的各类，等于一般公共预算支出表同一类级科目的合计（口径不同时不比对）。",
         PAIR_ROUNDING, "error", check_fiscal_general_budget,
         name_zh="财政拨款总表与一般公共预算表一致"),
    Rule("cross.general_budget_within_expenditure", "cross", "一般公共预算支出 ≤ 部门支出（逐科目）",
         "General budget ≤ all funds, code by code",
         "支出表反映部门全部资金，一般公共预算支出表只是其中财政拨款的一部分；同一科目（及其基本支出、项目支出）"
         "的一般公共预算数不能大于支出表的数。",
         PAIR_BOUND, "error",
         check_general_budget_within_expenditure,
         name_zh="一般公共预算不超过部门支出"),
    Rule("cross.basic_total", "cross", "一般公共预算支出表基本支出 ↔ 基本支出表合计",
         "General budget basic total ↔ basic expenditure table total",
         "一般公共预算支出表的基本支出合计按经济分类展开即为基本支出表，两表合计必须一致。",
         PAIR_ROUNDING, "error", check_basic_total,
         name_zh="基本支出合计一致"),
    Rule("three_public.items", "cross", "“三公”经费合计 = 三项之和", "'Three public costs' total = its items",
         "“三公”经费是因公出国（境）费、公务用车购置及运行费、公务接待费之和；公务用车购置及运行费是购置费与运行维护费之和。",
         ROUNDING, "error", check_three_public_items,
         name_zh="“三公”经费合计"),
    Rule("cross.three_public_basic", "cross", "基本支出中的三公项目 ≤ “三公”经费", "Basic-expenditure items ≤ 'three public costs'",
         "“三公”经费含基本支出和项目支出，基本支出表的公务接待费(30217)、公务用车运行维护费(30231)、"
         "因公出国（境）费用(30212)、公务用车购置(31013)不能超过“三公”经费表的相应金额。",
         PAIR_BOUND, "error", check_three_public_basic,
         name_zh="基本支出中的“三公”项目"),
    Rule("cross.projects", "cross", "项目绩效目标表资金 ↔ 项目支出", "Project forms' funds ↔ project expenditure",
         "部门公开的项目绩效目标表覆盖全部项目支出时，各表年度资金总额之和等于支出表的项目支出合计。",
         "必须相等；不等为 warning（绩效目标表未必覆盖全部项目）；无项目表时不适用", "warning", check_projects,
         name_zh="项目表资金与项目支出一致"),
    Rule("form.sources_sum", "cross", "绩效表资金总额 = 其下各来源之和", "A form's total = its fund sources",
         "绩效目标表和自评表的年度资金总额（合计）是其下财政拨款、上年结转、其他资金（或中央、省级、市县财政资金和"
         "单位自筹）之和，年初预算数、全年预算数、全年执行数各自成立；部门整体表的支出合计是基本支出与项目支出之和。"
         "某一口径未列出各来源时不核对。",
         PAIR_ROUNDING.replace("两数", "各数"), "error", check_form_sources, name_zh="绩效表资金来源之和"),
    Rule("form.spent_within_budget", "cross", "自评表全年执行数 ≤ 全年预算数", "A self-evaluation spends within its budget",
         "绩效自评表中，资金总额及每一来源的全年执行数不超过其全年预算数（执行率不超过 100%）；超出多为数字错列。",
         "超出不到两数末位的一半之和为 info（舍入），超出更多为 warning", "warning", check_form_spent,
         name_zh="执行数不超过预算数"),
    Rule("text.figures", "text", "说明文字中的金额 ↔ 表中数", "Figures in the explanations ↔ the tables",
         "情况说明引用的总收入、财政拨款、各类支出、基本支出、人员经费、公用经费、“三公”经费及各项、机关运行经费等，"
         "必须与公开表中的同一数字一致；总计、合计不论措辞（收支总计、收入支出总计、收入预算总额 …）都与其所指的表的"
         "总计比对。说明其他资金（政府性基金 …）的句子不与一般公共预算或部门的表比对。",
         "文字数末位的一半加表中数末位的一半以内视为一致；超出为 warning", "warning", check_text_figures,
         name_zh="文字金额与表一致"),
    Rule("text.operating_costs", "text", "机关运行经费 ≤ 公用经费", "Operating costs ≤ public expenses",
         "机关运行经费是行政单位和参公事业单位用财政拨款安排的基本支出中的公用经费；未公开机关运行经费表时，"
         "说明中的机关运行经费不能超过基本支出表的公用经费合计。",
         "文字数末位的一半加表中数末位的一半以内视为不超过；超出为 warning", "warning", check_operating_costs,
         name_zh="机关运行经费不超过公用经费"),
    Rule("text.change", "text", "说明中的增减额、增减率与其所比较的数一致", "Changes stated in the text add up",
         "“比上年增加 X 万元，增长 Y%”“与 2023 年执行数（A 万元）相比减少 X 万元”“与上年持平”：增减方向、增减额、"
         "增减率须与句中（或上一句）所说的本年数和比较数一致；按科目编码说明的（2080101 行政运行 …），"
         "还与同时印出两年数的表核对。找不到比较数的说法不核对。",
         "每个印出数末位的一半，在运算中逐项累加（增减率按区间计算）；超出为 warning", "warning", check_changes,
         name_zh="增减说明"),
    Rule("text.comparison", "text", "决算数大于/小于/等于预算数的说法与数字一致",
         "'Final above/below/equal to budget' agrees with the figures",
         "决算说明中“决算数大于（小于、等于）预算数”“完成年初预算的 P%”，须与本句或上一句所列的年初预算数和决算数一致。"
         "文字未给出这两个数时，“三公”经费（及各项）的说法与“三公”经费表本年的预算数、决算数核对；其他说法不核对。",
         "两数末位的一半之和以内视为相等；完成率按区间计算；超出为 warning", "warning", check_comparisons,
         name_zh="预决算比较说明"),
    Rule("text.dates", "text", "年份与日期与本文件年度一致", "Years and dates agree with the fiscal year",
         "决算说明“截至 YYYY 年 12 月 31 日”的资产状况是本年度末的（预算为上年末的）；标题和表题中的"
         "“YYYY 年度部门决算（预算）”、以及“本年（YYYY 年）”“上年（YYYY 年）”须与本文件年度一致。"
         "与上年比较（与 2023 年度相比）是正常说法，不核对。",
         "不适用（年份不符即为 warning）", "warning", check_dates, name_zh="年份与日期"),
    Rule("text.placeholder", "text", "未填写的模板占位符", "Template placeholders left in",
         "“XX 局”“×× 万元”“某某单位”“〇〇”是公开模板中待填写的位置，公开文件中不应出现。",
         "不适用（出现即为 warning，每行一条）", "warning", check_placeholders, name_zh="模板占位符"),
    Rule("text.empty_vs_stated", "text", "空表与文字说明一致", "Empty tables against what the text states",
         "表印为空表（或全为 0）时，说明不应给出该表的非零数（如“三公”经费表为空而说明称预算 0.95 万元）；"
         "说明称“无政府性基金（国有资本经营、“三公”经费）…支出”时，相应表中不应印有本年金额。",
         "不适用（非零即为 warning）", "warning", check_empty_against_text, name_zh="空表与文字说明"),
    Rule("value.cut_short", "table", "印出的数少印了末位小数", "A printed amount cut short",
         "表格列宽不足时，PDF 中的数字会被截去末位（1,234,567.8 而其组成部分之和为 1,234,567.83）；"
         "此数不是作者的计算错误，但公开的数字不完整。",
         "由上列求和类规则发现：印出位数少于组成部分、且等于其和截去（或舍入）到印出位数", "warning", None,
         name_zh="金额少印末位"),
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
     "text.figures", "与其所指的表中数比对；说明其他资金（政府性基金 …）的句子不与一般公共预算或部门的表比对"),
    ("金额单独成行（关键词在上一行）", "text.figures", "同一段落的各行连起来读"),
    ("比上年（比 YYYY 年执行数、较年初预算数）增加/减少 X，增长/下降 Y%，持平", "text.change",
     "与本句（或上一句）所说的本年数、比较数核对；以科目编码开头的说明还与印有两年数的表核对"),
    ("决算数大于/小于/等于预算数，完成年初预算的 P%", "text.comparison",
     "与本句或上一句紧挨着的年初预算数、决算数核对；文字未给出这两个数的“三公”经费（及各项）说法，"
     "与“三公”经费表本年的预算数、决算数核对"),
    ("截至 YYYY 年 12 月 31 日；标题和表题中的 YYYY 年度部门决算（预算）；本年（YYYY 年）", "text.dates",
     "与本文件年度核对；与上年比较的说法（与 2023 年度相比）不核对"),
    ("不在比较句中、却标为上一年的本年数（2024 年决算中“2023 年度收、支总计 516247561.00 元”，而此数正是本年表中的数）",
     "text.dates", "与本年表中对应数相同才报告；与本年表不符的他年数不判断"),
    ("XX、××、某某、〇〇 等模板占位符", "text.placeholder", "全文（含表格）逐行查找"),
    ("空表而说明给出非零数；说明称“无…支出”而表中有数", "text.empty_vs_stated", "按说明所指的表核对"),
    ("增减额、增减率的比较数既未写出、也不能由本句推出（如“比上年增加的主要原因”）", "",
     "找不到比较数：不核对，不报错"),
    ("“其中”之后列出多个数、再说“比上年减少 X”", "", "不能确定所比的是哪一个数：不核对"),
    ("预算中“三公”经费及各项比上年增加/减少 X", "text.change",
     "与三公经费表印出的本年预算数和上年预算数（或执行数，按说法所指）核对"),
    ("决算中“三公”经费比上年的增减", "", "决算“三公”表不印上年数：只核对句内数字"),
    ("“比上年减少 X，其中：因公出国（境）费减少 0 万元 …”的分项增减（预算中的“三公”经费）", "text.change",
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
    out += claims_markdown()
    return "\n".join(out)
