"""Small text rules shared by the stages: label normalisation, numbers, codes, ordinals."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from .schema import yuan_per_unit

_ASCII_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def squash(text: str) -> str:
    """Undo the wrapping of the PDF extraction: remove white space unless it separates two ASCII
    letters/digits ("Material 3" keeps its space, "机关事业单位基本养老保险 缴费支出" loses it)."""
    text = text.strip()
    if " " not in text and "\t" not in text and "\n" not in text:
        return text
    parts = text.split()  # str.split() and the regex \s agree on what white space is
    out = parts[0]
    for part in parts[1:]:
        if out[-1] in _ASCII_WORD and part[0] in _ASCII_WORD:
            out += " "
        out += part
    return out


# Amounts as printed: 1,234.56 · -318.01 · +5.2% · 0 · 26.67% · 1234.5 · (1,234.00) for a negative · the same in
# fullwidth digits (１２３４．５６); a dash alone means "nothing printed".
_AMOUNT = re.compile(r"^[-−–+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")
# accounting negatives: only with a decimal point or thousands separator, so an ordinal "(1)" stays a label
_PAREN_NEGATIVE = re.compile(r"^\((\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)\)$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９，．％（）－＋", "0123456789,.%()-+")
_PLACEHOLDER = re.compile(r"^(?:[-—－–―‒─━ー]{1,6}|/|／)$")


_PLACEHOLDER_START = frozenset("-—－–―‒─━ー/／")


def is_placeholder(text: str) -> bool:
    """A cell printed as a dash or slash only (-, —, ——, －－, ―, /): "nothing to report", not a number."""
    t = text.strip().replace(" ", "")
    return t[:1] in _PLACEHOLDER_START and bool(_PLACEHOLDER.match(t))


# what an amount can start with (before fullwidth forms are made ASCII): a cell starting otherwise is a label,
# told without further work. isdecimal() is exactly the regex's \d (Unicode digits, fullwidth included).
_AMOUNT_START = frozenset("-−–+(（－＋")


def _amount_text(text: str) -> str | None:
    """The text of the decimal printed in a cell (sign, digits, point), or None when it is not a number."""
    t = text.strip()
    if not t:
        return None
    if " " in t:
        t = t.replace(" ", "")
        if not t:
            return None
    if len(t) > 64 or not (t[0] in _AMOUNT_START or t[0].isdecimal()):
        return None
    if not t.isascii():
        t = t.translate(_FULLWIDTH)
    if t[0] == "(":
        m = _PAREN_NEGATIVE.match(t)
        if not m:
            return None
        return "-" + m.group(1).replace(",", "")
    whole, point, fraction = t.partition(".")
    if whole.isdecimal() and (not point or fraction.isdecimal()):
        return t  # digits, maybe a point and more digits (most amounts): what the regex admits, told faster
    if not _AMOUNT.match(t):
        return None
    t = t.rstrip("%").replace(",", "")
    return t.replace("−", "-").replace("–", "-") if not t.isascii() else t


def parse_amount(text: str) -> Decimal | None:
    """The exact decimal printed in a cell, or None when the cell is not a number. The one parser of
    printed amounts: every stage reads a cell through it."""
    t = _amount_text(text)
    if t is None:
        return None
    try:
        return Decimal(t)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
        return None


def parse_amount_places(text: str) -> tuple[Decimal, int] | None:
    """parse_amount and the digits printed after the decimal point (1,234.50 → 2, 12% → 0): the printed
    precision that tolerances come from, read with the amount (Decimal.as_tuple is slower)."""
    t = _amount_text(text)
    if t is None:
        return None
    whole, point, fraction = t.partition(".")
    return Decimal(t), len(fraction)


# An amount inside a sentence, in the grammar parse_amount reads (sign, digits grouped by thousands or not,
# decimals) and never part of a longer number: not after a digit, a point, or a digit and a comma, so that a
# misprinted 12,34 万元 is no amount at all rather than 34 万元. Sentence rules build their regexes on it and read
# what it matches with parse_amount_places.
AMOUNT_IN_TEXT = r"(?<![\d.])(?<!\d,)-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"


def format_amount(value: Decimal | None, places: int = 2) -> str:
    """The one way an amount is written for a reader: grouped by thousands, to `places` decimals (half to
    even), '—' for none: 1234.565 → '1,234.56'."""
    if value is None:
        return "—"
    return f"{value.quantize(Decimal(1).scaleb(-places)):,}"


def is_amount(text: str) -> bool:
    """Is the cell a printed number? (parse_amount would read it; no Decimal is made.)"""
    if not text:
        return False
    first = text[0]  # most cells are told by their first character: a label or a blank is no number
    if not (first in _AMOUNT_START or first.isdecimal() or first.isspace()):
        return False
    return _amount_text(text) is not None


# Classification codes: 类 3 digits, 款 5, 项 7 (functional, starting 2); economic 3/5 (starting 3);
# budget-unit codes 3 or 6 digits (310, 310001).
_CODE = re.compile(r"^\d{3}(?:\d{2}|\d{3}|\d{4})?$")
_CODE_PREFIX = re.compile(r"^(\d{3}(?:\d{2}|\d{3}|\d{4})?)\s*[-－—]?\s*(\D.*)$")


def is_code(text: str) -> bool:
    t = text.strip()
    return len(t) in _CODE_LENGTHS and t.isdecimal()  # _CODE, told without the regex (\d is isdecimal)


_CODE_LENGTHS = frozenset((3, 5, 6, 7))


def split_code(text: str) -> tuple[str, str]:
    """'2080101 行政运行' or '502001-海东市人社局' → (code, name); otherwise ('', text)."""
    t = text.strip()
    m = t[:1].isdecimal() and _CODE_PREFIX.match(t)  # a code starts with a digit
    if m and not m.group(2).startswith(("年", "月", "日", "万", "元", "%", ".")):
        return m.group(1), m.group(2).strip()
    return "", text


CN_NUM = "一二三四五六七八九十百零〇两"
# Outline numbering of labels and headings, from the top: 一、 · （一） · (1) / 1. / 1、 · ①
OUTLINE = [
    re.compile(rf"^[{CN_NUM}]+\s*[、.．]"),
    re.compile(rf"^[（(]\s*[{CN_NUM}]+\s*[）)]"),
    re.compile(r"^(?:[（(]\s*\d+\s*[）)]|\d+\s*[、.．](?!\d))"),
    re.compile(r"^[①②③④⑤⑥⑦⑧⑨⑩]"),
]
ORDINAL = re.compile("|".join(f"(?:{p.pattern})" for p in OUTLINE))


_OUTLINE_START = frozenset(CN_NUM + "（(①②③④⑤⑥⑦⑧⑨⑩")  # and digits: what outline numbering starts with


def starts_outline(text: str) -> bool:
    """ORDINAL.match: does the text start with outline numbering (一、 （一） (1) 1. ①)?"""
    return bool(text) and (text[0] in _OUTLINE_START or text[0].isdecimal()) and ORDINAL.match(text) is not None


def outline_level(label: str) -> int:
    """1 for 一、, 2 for （一）, 3 for (1) / 1. / 1、, 4 for ①; 0 for a label without outline numbering."""
    t = label.strip()
    if not t or not (t[0] in _OUTLINE_START or t[0].isdecimal()):
        return 0
    return next((i for i, p in enumerate(OUTLINE, start=1) if p.match(t)), 0)


_KEY_PUNCT = re.compile(r"[\s\-－—–:：*“”\"'`]")


@lru_cache(maxsize=16384)  # labels repeat across rows, tables and rules
def label_key(label: str) -> str:
    """A label as compared: no outline number, spaces, dashes, colons or quotes; brackets full-width."""
    t = ORDINAL.sub("", squash(label or ""), count=1)
    return _KEY_PUNCT.sub("", t.replace("(", "（").replace(")", "）"))


_YEAR = re.compile(r"(?:19|20)\d\d")
# 上年预算数 is last year's; 上年结转 is money carried into this year (a column of this year)
_NOT_CURRENT = re.compile(r"增减|上年(?:预算|决算|执行|数)|执行数|变动|比上年|同比")


def is_current_year(column_label: str, fiscal_year: int | None) -> bool:
    """A column of the document's own year, not 2023年执行数, 上年预算数, 增减额 …"""
    key = label_key(column_label)
    if _NOT_CURRENT.search(key):
        return False
    years = {int(y) for y in _YEAR.findall(key)}
    return not (years and fiscal_year and years != {fiscal_year})


TOTAL_END = re.compile(r"(?:合计|总计|小计)$")  # 本年收入合计, 人员经费合计, 小计 …
TOTAL_WORDS = re.compile(r"^(?:合\s*计|总\s*计|小\s*计|本年(?:收入|支出)(?:合计|小计)|收入总计|支出总计)")


# Money units as printed, and what one printed unit is in 元 (declared once in the schema, on tables.unit).
UNIT_FACTOR = yuan_per_unit()
_UNIT_IN = re.compile(r"[（(]\s*(万\s*元|元)\s*[)）]")


def unit_in(text: str) -> str:
    """The unit a label names in brackets: '项目资金 (万 元)' → '万元'; '' when none."""
    if "元" not in text:
        return ""
    m = _UNIT_IN.search(text)
    return squash(m.group(1)) if m else ""
