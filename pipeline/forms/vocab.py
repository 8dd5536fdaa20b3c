"""Reading one printed cell of a performance form: its key, indicator level, target, amount, checkboxes.

The words themselves (level names, row labels, operators) are data in pipeline/vocabulary.py. Everything here
reads one printed cell; nothing depends on a document or a line number."""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from ..text import UNIT_FACTOR, parse_amount, squash
from ..vocabulary import (GOAL_HEAD_PREFIXES, GOAL_HEADS, LEVEL1, LEVEL2_PARENT, LEVEL_COST, LEVEL_FRAGMENTS,
                          LEVEL_SATISFACTION, LEVEL_SHORT, LEVEL_SUFFIX, NOT_QUANTITY, OPERATOR_SUFFIXES,
                          OPERATOR_WORDS, OPERATORS, ROLE_OF_HEADER, YEAR_UNIT)

# ---------------------------------------------------------------- indicator levels
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
    if t.endswith(LEVEL_SUFFIX[:-1]):  # 数量指 (the last character wrapped away)
        cands.append(t + LEVEL_SUFFIX[-1])
    if not t.endswith(LEVEL_SUFFIX):
        cands.append(t + LEVEL_SUFFIX)
    for c in cands:
        if c == LEVEL_COST:
            return ("1?", c)
        if c in LEVEL1 and c != LEVEL_SATISFACTION:
            return ("1", c)
        if c == LEVEL_SATISFACTION:
            return ("1?", c)
        if c in LEVEL2_PARENT:
            return ("2", c)
    if t in LEVEL_FRAGMENTS:
        return ("-", "")
    # the head of a level name whose tail went to another line: 经济效 / 服务对 (经济效益指标 / 服务对象满意度指标)
    if t in LEVEL_SHORT:
        return ("2", LEVEL_SHORT[t])
    if len(t) >= 3:
        heads = [n for n in LEVEL2_PARENT if n.startswith(t) and len(n) > len(t) + 1 and n != LEVEL_SATISFACTION]
        if heads and len({LEVEL2_PARENT[n] for n in heads}) == 1:
            return ("1?", heads[0]) if heads[0] == LEVEL_COST else ("2", heads[0])
    # the tail of a level name whose head went to another line: 益指标 (效益指标)
    if t.endswith(LEVEL_SUFFIX) and len(t) >= 3:
        for name in LEVEL1:
            if name.endswith(t):
                return ("1", name)
    return None


# ---------------------------------------------------------------- row labels
@lru_cache(maxsize=_SEEN)
def goal_head(k: str) -> str | None:
    if k in GOAL_HEADS:
        return GOAL_HEADS[k]
    return next((fieldname for prefix, fieldname in GOAL_HEAD_PREFIXES if k.startswith(prefix)), None)


def role_of(header: str) -> str | None:
    k = key(header)
    for word, role in ROLE_OF_HEADER:
        if word in k:
            return role
    return None


# ---------------------------------------------------------------- targets
_TARGET = re.compile(r"^(?P<op>>=|<=|＞=|＜=|[≥≧≤≦><＞＜=＝])?(?P<num>[-−]?\d[\d,]*(?:\.\d+)?)(?P<unit>.*)$")
_NOT_QUANTITY = re.compile(NOT_QUANTITY)


def norm_op(text: str) -> str:
    return OPERATORS.get(text.strip(), text.strip())


@lru_cache(maxsize=_SEEN)
def parse_target(text: str) -> tuple[str, Decimal | None, str]:
    """'≥90%' → ('≥', 90, '%'); '1300 件' → ('', 1300, '件'); '有效提升' → ('', None, '')."""
    t = squash(text)
    t = re.sub(r"(?<=\d) (?=\d)", "", t).replace(" ", "")  # 500 0 → 5000: a number wrapped by the extraction
    if not t:
        return "", None, ""
    op = ""
    for word, o in OPERATOR_WORDS:
        if t.startswith(word) and len(t) > len(word) and t[len(word)].isdigit():
            op, t = o, t[len(word):]
            break
    m = _TARGET.match(t)
    if not m:
        return "", None, ""
    op = norm_op(m.group("op") or "") or op
    unit = m.group("unit").strip()
    for word, o in OPERATOR_SUFFIXES:
        if unit.endswith(word) and not op:
            op, unit = o, unit[: -len(word)]
            break
    if re.search(r"\d", unit) or _NOT_QUANTITY.search(unit) or len(unit) > 10:
        return "", None, ""
    num = m.group("num").replace(",", "").replace("−", "-")
    if re.fullmatch(r"(19|20)\d\d", num) and unit.startswith(YEAR_UNIT) and not op:
        return "", None, ""  # a year (2024年), not a quantity
    value = parse_amount(num)
    return (op, value, unit) if value is not None else ("", None, "")


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
_UNITS = "|".join(sorted(UNIT_FACTOR, key=len, reverse=True))  # 万元|元: the longer name first
_MONEY = re.compile(rf"^(?P<num>[-−]?[\d,]*\d(?:\.\d+)?)(?P<unit>{_UNITS})?$")


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
