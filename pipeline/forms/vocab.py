"""The words of the performance forms: indicator levels, row labels, targets, amounts.

Everything here reads one printed cell; nothing depends on a document or a line number."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from ..text import UNIT_FACTOR, parse_amount, squash

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
_SHORT = {"社会": "社会效益指标", "经济": "经济效益指标", "生态": "生态效益指标"}  # 效益 | 社会 (abbreviated forms)
_ANNOT = re.compile(r"[（(][^（）()]*[)）]")  # （必填）(50分)（选填硬性指标）
_COLON = re.compile(r"[:：]+$")


# The readers ask the same questions of the same cells many times over (a form's labels and level names
# repeat across rows, forms and documents), so the answers of these pure functions of one cell's text are
# kept (bounded; every answer is immutable: str, tuple, Decimal or None).
_SEEN = 1 << 15


@lru_cache(maxsize=_SEEN)
def cell(raw: str) -> tuple[str, str]:
    """(text, key) of a printed cell: its wrap undone (squash), and its key as compared."""
    text = squash(raw)
    return text, key(text)


@lru_cache(maxsize=_SEEN)
def key(text: str) -> str:
    """A label as compared: wrap spaces and trailing colons removed."""
    return _COLON.sub("", squash(text).replace(" ", ""))


def _bare(text: str) -> str:
    t = _ANNOT.sub("", key(text))
    return re.sub(r"[（(].*$", "", t)  # an annotation cut by the wrap: 产出指标(50


@lru_cache(maxsize=_SEEN)
def level_of(text: str) -> tuple[str, str] | None:
    """('1', name) for a 一级指标 cell, ('2', name) for a 二级指标 cell, ('1?', '成本指标') for 成本指标
    (either level), ('-', '') for a fragment of a level name left by the wrap; None for anything else."""
    t = _bare(text)
    if not t or len(t) > 14:
        return None
    cands = [t]
    if t.endswith("指"):
        cands.append(t + "标")
    if not t.endswith("指标"):
        cands.append(t + "指标")
    for c in cands:
        if c == "成本指标":
            return ("1?", c)
        if c in LEVEL1 and c != "满意度指标":
            return ("1", c)
        if c == "满意度指标":
            return ("1?", c)
        if c in LEVEL2_PARENT:
            return ("2", c)
    if t in ("标", "指", "指标", "绩效", "绩效指标"):
        return ("-", "")
    # the head of a level name whose tail went to another line: 经济效 / 服务对 (经济效益指标 / 服务对象满意度指标)
    if t in _SHORT:
        return ("2", _SHORT[t])
    if len(t) >= 3:
        heads = [n for n in LEVEL2_PARENT if n.startswith(t) and len(n) > len(t) + 1 and n != "满意度指标"]
        if heads and len({LEVEL2_PARENT[n] for n in heads}) == 1:
            return ("1?", heads[0]) if heads[0] == "成本指标" else ("2", heads[0])
    # the tail of a level name whose head went to another line: 益指标 (效益指标)
    if t.endswith("指标") and len(t) >= 3:
        for name in LEVEL1:
            if name.endswith(t):
                return ("1", name)
    return None


# ---------------------------------------------------------------- row labels
PHASE_LABELS = {
    "年度绩效指标": "年度", "年度绩效目标": "年度", "年度指标": "年度",
    "长期绩效指标": "长期", "长期绩效目标": "长期", "长期指标": "长期",
    "实施期绩效指标": "实施期", "实施期指标": "实施期",
}
IGNORED_IN_INDICATORS = {"绩效指标", "名称", "指标", "绩效目标", "年度绩效目标表"}

GOAL_HEADS = {
    "预期目标": "goals", "年度绩效目标": "goals", "年度目标": "goals",
    "实际完成情况": "goals_actual", "长期绩效目标": "goals_long_term", "实施期目标": "goals_period",
}


@lru_cache(maxsize=_SEEN)
def goal_head(k: str) -> str | None:
    if k in GOAL_HEADS:
        return GOAL_HEADS[k]
    if k.startswith("长期目标"):
        return "goals_long_term"
    if k.startswith("年度目标"):
        return "goals"
    return None


DESCRIPTIVE = {
    "项目概况": "overview", "立项依据": "basis", "项目设立必要性": "necessity",
    "保证项目实施的制度、措施": "measures", "项目实施计划": "plan",
    "部门职能概述": "functions", "年度工作任务": "tasks",
}
FOOTER = ("负责人", "经办人", "联系电话", "填报日期", "填报人", "项目单位", "审核人")

# indicator-table column headers → the indicator field they fill
ROLE_OF_HEADER = [
    ("偏差原因", "deviation_reason"), ("实际完成值", "actual_text"), ("实际完成", "actual_text"),
    ("预期当年实现值", "target_text"), ("近两年指标值", "prior"),
    ("指标值确定依据", "basis"), ("绩效标准", "basis"), ("评(计)分标准", "basis"),
    ("性质", "nature"), ("度量单位", "unit"), ("计量单位", "unit"),
    ("分值", "weight"), ("权重", "weight"), ("得分", "score"), ("指标值", "target_text"),
]


def role_of(header: str) -> str | None:
    k = key(header)
    for word, role in ROLE_OF_HEADER:
        if word in k:
            return role
    return None


# ---------------------------------------------------------------- targets
_OPS = {"≥": "≥", "≧": "≥", ">=": "≥", "＞=": "≥", "≤": "≤", "≦": "≤", "<=": "≤", "＜=": "≤",
        ">": ">", "＞": ">", "<": "<", "＜": "<", "=": "=", "＝": "="}
_WORD_OPS = [("大于等于", "≥"), ("不低于", "≥"), ("不少于", "≥"), ("不小于", "≥"), ("达到", ""),
             ("小于等于", "≤"), ("不高于", "≤"), ("不超过", "≤"), ("不多于", "≤"), ("不大于", "≤"),
             ("大于", ">"), ("高于", ">"), ("超过", ">"), ("小于", "<"), ("低于", "<"), ("等于", "=")]
_TARGET = re.compile(r"^(?P<op>>=|<=|＞=|＜=|[≥≧≤≦><＞＜=＝])?(?P<num>[-−]?\d[\d,]*(?:\.\d+)?)(?P<unit>.*)$")
_NOT_QUANTITY = re.compile(r"[前底内末后]|^年\d|^[-—~～至]")
OPERATOR_CELLS = {"≥", "≤", "=", ">", "<", "＞", "＜", "＝", "≧", "≦", ">=", "<="}


def norm_op(text: str) -> str:
    return _OPS.get(text.strip(), text.strip())


@lru_cache(maxsize=_SEEN)
def parse_target(text: str) -> tuple[str, Decimal | None, str]:
    """'≥90%' → ('≥', 90, '%'); '1300 件' → ('', 1300, '件'); '有效提升' → ('', None, '')."""
    t = squash(text)
    t = re.sub(r"(?<=\d) (?=\d)", "", t).replace(" ", "")  # 500 0 → 5000: a number wrapped by the extraction
    if not t:
        return "", None, ""
    op = ""
    for word, o in _WORD_OPS:
        if t.startswith(word) and len(t) > len(word) and t[len(word)].isdigit():
            op, t = o, t[len(word):]
            break
    m = _TARGET.match(t)
    if not m:
        return "", None, ""
    op = norm_op(m.group("op") or "") or op
    unit = m.group("unit").strip()
    for word, o in (("及以上", "≥"), ("以上", "≥"), ("及以下", "≤"), ("以下", "≤")):
        if unit.endswith(word) and not op:
            op, unit = o, unit[: -len(word)]
            break
    if re.search(r"\d", unit) or _NOT_QUANTITY.search(unit) or len(unit) > 10:
        return "", None, ""
    num = m.group("num").replace(",", "").replace("−", "-")
    if re.fullmatch(r"(19|20)\d\d", num) and unit.startswith("年") and not op:
        return "", None, ""  # a year (2024年), not a quantity
    try:
        return op, Decimal(num), unit
    except InvalidOperation:  # pragma: no cover
        return "", None, ""


@lru_cache(maxsize=_SEEN)
def number(text: str) -> Decimal | None:
    """A bare number (分值, 得分); '—' and text → None."""
    t = squash(text).replace(" ", "")
    if not t or t.endswith("%"):
        return None
    return parse_amount(t)


@lru_cache(maxsize=_SEEN)
def percent(text: str) -> Decimal | None:
    t = squash(text).replace(" ", "")
    if not t.endswith("%"):
        return parse_amount(t) if t else None
    return parse_amount(t[:-1])


# ---------------------------------------------------------------- money
_MONEY = re.compile(r"^(?P<num>[-−]?[\d,]*\d(?:\.\d+)?)(?P<unit>万元|元)?$")
@lru_cache(maxsize=_SEEN)
def money(text: str, unit: str) -> tuple[Decimal | None, str]:
    """An amount cell → (value in 元, unit used). '50 万元' carries its own unit."""
    t = squash(text).replace(" ", "")
    m = _MONEY.match(t)
    if not m:
        return None, ""
    u = m.group("unit") or unit
    v = parse_amount(m.group("num"))
    if v is None or u not in UNIT_FACTOR:
        return None, u
    return v * UNIT_FACTOR[u], u


def is_money(text: str) -> bool:
    return bool(_MONEY.match(squash(text).replace(" ", "")))


def norm_decimal(d: Decimal | None) -> Decimal | None:
    """10000×1266.08 → 12660800 (not 12660800.00): exact, without trailing zeros beyond the integer."""
    if d is None:
        return None
    if d == d.to_integral_value():
        return d.quantize(Decimal(1))
    return d.normalize()


# ---------------------------------------------------------------- checkboxes
_BOX = re.compile(r"(?:\d+[、.．]\s*)?([^☑☐]+?)\s*([☑☐])")
_BOX_FIRST = re.compile(r"([☑☐])\s*([^☑☐]+)")


def checked(text: str) -> list[str] | None:
    """The checked choices of a row of checkboxes, or None when the text has no box."""
    if "☑" not in text and "☐" not in text:
        return None
    t = text.strip()
    if t[0] in "☑☐":
        pairs = [(b, s) for b, s in _BOX_FIRST.findall(t)]
    else:
        pairs = [(b, s) for s, b in _BOX.findall(t)]
    out = []
    for box, s in pairs:
        s = re.sub(r"^\d+[、.．]\s*", "", squash(s)).strip()
        if box == "☑" and s:
            out.append(s)
    return out
