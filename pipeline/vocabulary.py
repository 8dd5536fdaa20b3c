"""The words the pipeline looks for in a disclosure, as data: the keywords that classify a table
(classify.py) and the labels of the performance forms (forms/*, projects.py).

These are transform parameters, kept beside the code and apart from it (as PUDL keeps its): every value below
is a literal (strings, tuples, lists, dicts), the code only reads them, and a test checks both that this
module holds nothing else and that the modules using these words do not write a Chinese word out again.
The names the package *publishes* (table types, severities, kinds, units …) are not here: they are declared
once in datapackage/schema/resources.json (`enum_names`, read through pipeline/schema.py).

Conventions: a "pattern" is a regular expression searched in the text with white space removed; a "key" is a
cell as compared (pipeline/forms/vocab.key: wrap spaces and trailing colons removed). Order matters wherever
a list is said to be read "first match wins".
"""

# ================================================================ table classification (classify.py)
# Title rules, first match wins ("一般公共预算“三公”经费支出表" is a 三公 table before it is a 一般公共预算 table).
# Titles vary by province and year: 财政拨款收入支出决算总表 / 财政拨款收支决算总表, 一般公共预算财政拨款支出
# 决算明细表, 部门收支总表 … The first rule, the outline (目录), is also how an outline is recognised.
TITLE_PATTERNS = [
    ("other", r"目\s*录"),
    ("performance", r"绩效"),
    ("three_public_costs", r"三公"),
    ("government_fund", r"政府性基金"),
    ("state_capital", r"国有资本经营"),
    ("operating_costs", r"机关运行经费"),
    ("project_expenditure", r"项目支出"),
    ("fiscal_grant_summary", r"财政拨款收(?:入)?支(?:出)?.*总表"),
    ("general_budget_basic_expenditure", r"基本支出|经济(?:分类|科目)"),
    ("general_budget_expenditure", r"一般公共预算.*支出"),
    ("income_expenditure_summary", r"收(?:入)?支(?:出)?.*总表"),
    ("income", r"收入"),
    ("expenditure", r"支出"),
]

# Header and row words, for a table whose title names no standard table: (type, where the words are looked
# for: the header rows or the whole table, words that must all be printed). "a|b" is either word, "!a" a word
# that must not be printed. First match wins.
HEADER_WORDS = [
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

# An outline entry that heads a part of the document (第四部分 …), not a table.
OUTLINE_PART = r"^第.{1,3}部分"

# ================================================================ performance forms: which tables, which kind
FORM_NAME = "项目名称"  # the label that starts a project's form (and the one-big-table's name column)
FORM_HAS = "指标"  # a table of no standard type is a form when it prints 项目名称 and this
# a 项目名称 row with one of these is a header of a list, not the start of a form
NOT_A_FORM_START = ("一级指标", "项目类别", "单位名称")
# a whole-department sheet starts with its department's name (a prefix of the key)
DEPARTMENT_NAME = ("部门(单位)名称", "部门（单位）名称")
DEPARTMENT_NAME_EXACT = ("部门名称", "单位名称")
# the form's kind: words of its title, or of any of its cells
SELF_EVALUATION_TITLE = ("自评",)
SELF_EVALUATION_CELL = ("实际完成值", "全年执行数")
DEPARTMENT_TITLE = ("部门整体", "整体支出")

# ================================================================ head of a form: label → project field
PERIOD_LABELS = ("项目期", "实施期", "项目周期", "执行期", "项目日期", "项目实施期")
IMPLEMENTING_UNIT_LABELS = ("实施单位", "项目实施单位")
# (label, field), first match wins; a label may be followed by its value in the same cell, and a period label
# (any of PERIOD_LABELS) fills `period`
HEAD_LABELS = [
    ("项目名称", "name"), ("主管部门及代码", "department"), ("主管部门", "department"),
    ("项目实施单位", "implementing_unit"), ("实施单位", "implementing_unit"),
    ("项目属性", "attribute"), ("项目类型", "project_type"), ("项目类别", "category"),
    ("项目编码", "project_code"), ("项目代码", "project_code"),
]
HEAD_LABEL_AND = "及"  # 主管部门及代码: a longer label, not 主管部门 followed by its value
DESCRIPTIVE = {
    "项目概况": "overview", "立项依据": "basis", "项目设立必要性": "necessity",
    "保证项目实施的制度、措施": "measures", "项目实施计划": "plan",
    "部门职能概述": "functions", "年度工作任务": "tasks",
}
FOOTER = ("负责人", "经办人", "联系电话", "填报日期", "填报人", "项目单位", "审核人")  # prefixes of a key
YEAR_LINE = r"^[（(]?\d{4}\s*年度?[)）]?$"  # (2024年度) alone on a line: the form's year, nothing to read

# ================================================================ a form's funds
FUNDS_BLOCK = ("项目资金", "资金情况")  # prefixes of the key that opens the fund block
# fund row label → source (a project_funds source; period_total is the 实施期 total). Each entry: words that
# must all be in the key ("=a" the key is exactly a); first match wins.
FUND_SOURCES = [
    ("total", ("年度资金总额",)), ("total", ("=资金总额",)), ("total", ("=年度资金",)),
    ("period_total", ("实施期资金总额",)),
    ("central", ("中央财政",)),
    ("provincial", ("省级财政",)),
    ("local", ("市县", "财政")),
    ("self_raised", ("单位自筹",)),
    ("fiscal", ("财政拨款",)),
    ("carryover", ("上年结转",)),
    ("other", ("其他资金",)),
]
# a self-evaluation's fund columns: header word → measure; first match wins
FUND_MEASURES = [("年初预算", "budget_start"), ("全年预算", "budget_full"), ("全年执行", "spent"),
                 ("执行率", "rate"), ("分值", "weight"), ("得分", "score")]

# a whole-department sheet: 部门总体资金情况 (收入构成 / 支出构成 by source, 当年金额 | 占比 | 近两年收支金额)
DEPARTMENT_FUNDS = ("部门总体资金情况", "总体资金情况")
DEPARTMENT_CURRENT = "当年金额"
DEPARTMENT_SHARE = "占比"
DEPARTMENT_PRIOR = "近两年收支金额"
DEPARTMENT_SIDES = {"收入构成": "income", "支出构成": "spending"}
DEPARTMENT_SOURCES = {"财政拨款": "fiscal", "其他资金": "other", "基本支出": "basic", "项目支出": "project",
                      "合计": "total"}
YEAR_COLUMN = r"\d{4}年"  # a column headed by a year (2022 年)
# 项目支出情况: the projects a whole-department sheet lists, with their 合计 / 小计
DEPARTMENT_LIST = "项目支出情况"
LIST_TOTAL = ("合计", "小计")
# keys (prefixes) that end the list: the sheet's goals or indicators follow
LIST_ENDS = ("整体绩效", "长期目标", "年度目标")

# ================================================================ goals
GOAL_STARTS = ("年度总体目标", "总体目标", "整体绩效总目标", "项目总体目标", "绩效目标")
# a goal label (a key, or the prefix of one) → the project field its text fills
GOAL_HEADS = {
    "预期目标": "goals", "年度绩效目标": "goals", "年度目标": "goals",
    "实际完成情况": "goals_actual", "长期绩效目标": "goals_long_term", "实施期目标": "goals_period",
}
GOAL_HEAD_PREFIXES = [("长期目标", "goals_long_term"), ("年度目标", "goals")]

# ================================================================ indicators
# the phases an indicator belongs to (indicators.phase), as printed
PHASE_YEAR = "年度"
PHASE_IMPLEMENTATION = "实施期"
PHASE_LABELS = {
    "年度绩效指标": "年度", "年度绩效目标": "年度", "年度指标": "年度",
    "长期绩效指标": "长期", "长期绩效目标": "长期", "长期指标": "长期",
    "实施期绩效指标": "实施期", "实施期指标": "实施期",
}
IGNORED_IN_INDICATORS = {"绩效指标", "名称", "指标", "绩效目标", "年度绩效目标表"}
LEVEL1_HEADER = "一级指标"
LEVEL2_HEADER = "二级指标"
NAME_HEADERS = ("三级指标", "指标名称", "指标内容")  # the column of the indicator's name
INDICATOR_HEADER_NAMES = ("三级指标", "指标名称")  # with 二级指标 (or 一级指标 alone): a header of indicators
SCORE_TOTAL = ("总分", "合计", "总计")  # a self-evaluation's score line
# header of the target column split in two (近两年指标值 | 预期当年实现值)
TARGET_SPLIT = ("近两年指标值", "预期当年实现值")
PRIOR_YEAR_COLUMN = r"^\d{4}年?$"  # 2022年 | 2023年 under 近两年指标值
PLACEHOLDER = r"^(指标\d*[:：]?无?|[.。…·]+|—+|-+)$"  # template fillers: 指标2: / ..... / ——
NUMBERING = r"^指标\d+[:：]"  # 指标1：培训人员满意度 (the template's numbering)

# indicator-table column headers → the indicator field they fill; first match wins
ROLE_OF_HEADER = [
    ("偏差原因", "deviation_reason"), ("实际完成值", "actual_text"), ("实际完成", "actual_text"),
    ("预期当年实现值", "target_text"), ("近两年指标值", "prior"),
    ("指标值确定依据", "basis"), ("绩效标准", "basis"), ("评(计)分标准", "basis"),
    ("性质", "nature"), ("度量单位", "unit"), ("计量单位", "unit"),
    ("分值", "weight"), ("权重", "weight"), ("得分", "score"), ("指标值", "target_text"),
]

# ---------------------------------------------------------------- indicator levels
# 二级指标 → the 一级指标 it belongs to (财政部 共性指标框架; 成本指标 is a 二级 of 产出指标 in the older
# framework and a 一级 with 经济/社会/生态环境成本 under it in the newer one).
LEVEL2_PARENT = {
    "数量指标": "产出指标", "质量指标": "产出指标", "时效指标": "产出指标", "成本指标": "产出指标",
    "经济成本指标": "成本指标", "社会成本指标": "成本指标", "生态环境成本指标": "成本指标",
    "经济效益指标": "效益指标", "社会效益指标": "效益指标", "生态效益指标": "效益指标",
    "可持续影响指标": "效益指标", "可持续发展指标": "效益指标",
    "服务对象满意度指标": "满意度指标", "满意度指标": "满意度指标",
}
LEVEL1 = ("产出指标", "效益指标", "满意度指标", "成本指标")
LEVEL_SATISFACTION = "满意度指标"  # a 一级 name also printed as its own 二级
LEVEL_COST = "成本指标"  # a 二级 of 产出指标 or a 一级 of its own, by framework
LEVEL_SUFFIX = "指标"
LEVEL_SHORT = {"社会": "社会效益指标", "经济": "经济效益指标", "生态": "生态效益指标"}  # 效益 | 社会 (abbreviated)
LEVEL_FRAGMENTS = ("标", "指", "指标", "绩效", "绩效指标")  # pieces of a level column's label left by the wrap

# ================================================================ targets
# operators as printed in a target cell or a cell of their own
OPERATORS = {"≥": "≥", "≧": "≥", ">=": "≥", "＞=": "≥", "≤": "≤", "≦": "≤", "<=": "≤", "＜=": "≤",
             ">": ">", "＞": ">", "<": "<", "＜": "<", "=": "=", "＝": "="}
OPERATOR_CELLS = {"≥", "≤", "=", ">", "<", "＞", "＜", "＝", "≧", "≦", ">=", "<="}
# a word before the number (不低于 90%) → its operator; first match wins
OPERATOR_WORDS = [("大于等于", "≥"), ("不低于", "≥"), ("不少于", "≥"), ("不小于", "≥"), ("达到", ""),
                  ("小于等于", "≤"), ("不高于", "≤"), ("不超过", "≤"), ("不多于", "≤"), ("不大于", "≤"),
                  ("大于", ">"), ("高于", ">"), ("超过", ">"), ("小于", "<"), ("低于", "<"), ("等于", "=")]
# a word after the unit (90% 以上) → its operator; first match wins
OPERATOR_SUFFIXES = [("及以上", "≥"), ("以上", "≥"), ("及以下", "≤"), ("以下", "≤")]
NOT_QUANTITY = r"[前底内末后]|^年\d|^[-—~～至]"  # 年底前, 3月内 …: a date or a time limit, not a quantity
YEAR_UNIT = "年"  # 2024年 is a year, not a quantity

# ================================================================ the one-big-table layout (forms/bigtable.py)
BIG_TABLE_NAME_COLUMN = "项目名称"
BIG_TABLE_INDICATOR_COLUMNS = ("一级指标", "绩效目标", "三级指标")
BIG_TABLE_LIST_COLUMNS = ("项目类别", "单位名称", "预算数(万元)", "预算数(元)", "预算数")
BIG_TABLE_COLUMNS = ("单位名称", "项目名称", "项目类别", "绩效目标", "一级指标")  # whose position is kept
BIG_TABLE_BUDGET = "预算数"  # prefix of the budget column's key (预算数(万元))
BIG_TABLE_GOAL = "绩效目标"
BIG_TABLE_NOTE = "其中"  # 其中：预算执行率权重10% (a note under the header)
BIG_TABLE_TOTAL = ("合计", "总计")
CATEGORY = r"^\d{1,2}-\S{0,12}类$"  # 1-民生类: the project category that starts a project's row
NATURE = ("定性", "定量")  # an indicator's nature, printed in a cell of its own
NATURE_QUANTITATIVE = "定量"
