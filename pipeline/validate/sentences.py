"""The explanations as a reader sees them: paragraphs with their wrapped lines joined, cut into sentences,
every position traceable to its source line. Table lines are left out; a heading stays a sentence of its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ..text import AMOUNT_IN_TEXT, UNIT_FACTOR, outline_level, parse_amount_places, squash
from .core import ZERO, Doc, half_last_digit

_END = re.compile(r"[。！？!?]")
# a line that opens with a classification code opens an item of its own: 2080109 社会保险经办机构 …
CODE_ITEM = re.compile(r"^(\d{3}|\d{5}|\d{7})\s*(?=[\u4e00-\u9fff])(?![万元年月日个人项家辆台套名次户])")
# an amount with its unit, and a percentage; the printed digits give the tolerance
MONEY = re.compile(rf"({AMOUNT_IN_TEXT})\s*(万元|元)")
PERCENT = re.compile(rf"({AMOUNT_IN_TEXT})\s*[%％]")


@dataclass(frozen=True)
class Number:
    value: Decimal  # 元 for money, percent points for a percentage
    half: Decimal  # half the last printed digit, in the same unit
    start: int
    end: int
    printed: str


def printed(digits: str, unit: str | None, start: int, end: int, text: str) -> Number:
    """A number as printed: its value (元 for money, percent points otherwise) and the half of its last
    digit that rounding may have moved it."""
    amount, decimals = parse_amount_places(digits)
    factor = UNIT_FACTOR[unit] if unit else Decimal(1)
    value = amount * factor
    if value == ZERO and not decimals:
        return Number(value, ZERO, start, end, text)  # a bare 0 is nothing, not a rounded amount (as in tables)
    return Number(value, half_last_digit(decimals, unit), start, end, text)


def number(m: re.Match, money: bool) -> Number:
    """A MONEY or PERCENT match as a Number."""
    return printed(m.group(1), m.group(2) if money else None, m.start(), m.end(), m.group(0))


@dataclass
class Sentence:
    text: str
    offsets: list[tuple[int, int]]  # (position in text, source line), ascending
    heading: str  # the heading path it stands under
    is_heading: bool = False

    def line_at(self, pos: int) -> int:
        line = self.offsets[0][1]
        for off, n in self.offsets:
            if off <= pos:
                line = n
        return line

    @property
    def lines(self) -> list[int]:
        return sorted({n for _, n in self.offsets})

    def money(self, start: int = 0, end: int | None = None) -> list[Number]:
        return [number(m, True) for m in MONEY.finditer(self.text, start, len(self.text) if end is None else end)]


def _table_lines(doc: Doc) -> set[int]:
    out = set()
    for t in doc.tables:
        out.update(range(t.block.line_start, t.block.line_end + 1))
    return out


def sentences(doc: Doc) -> list[Sentence]:
    """Every sentence of the explanations: a paragraph cut at 。！？ and before a line that opens a new
    numbered item (1. / （二） …); a heading line is a sentence of its own."""
    if "_sentences" in doc.cache:
        return doc.cache["_sentences"]
    in_table = _table_lines(doc)
    lines = doc.result.source.lines
    out: list[Sentence] = []
    for s in doc.result.sections:
        heading = s.get("heading", "")
        cur: Sentence | None = None
        for n in range(s["line_start"], s["line_end"] + 1):
            if n in in_table or n - 1 >= len(lines) or not lines[n - 1].strip():
                continue
            raw = lines[n - 1].strip().replace("**", "")
            if n == s["line_start"] and heading and squash(raw) == squash(heading):
                out.append(Sentence(raw, [(0, n)], s.get("heading_path", ""), is_heading=True))
                cur = None
                continue
            if cur is None or outline_level(raw) or CODE_ITEM.match(raw):
                cur = Sentence("", [], s.get("heading_path", ""))
                out.append(cur)
            pos = 0
            for m in _END.finditer(raw):
                _add(cur, raw[pos:m.end()], n)
                pos = m.end()
                cur = Sentence("", [], s.get("heading_path", ""))
                out.append(cur)
            _add(cur, raw[pos:], n)
    out = [x for x in out if x.text.strip()]
    doc.cache["_sentences"] = out
    return out


def _add(s: Sentence, piece: str, line: int) -> None:
    if not piece:
        return
    s.offsets.append((len(s.text), line))
    s.text += piece


def quote(text: str, start: int, end: int, lead: int = 12) -> str:
    """Words of a sentence from `start` to `end`, with up to `lead` characters before, back to the clause's
    start."""
    before = text[max(0, start - lead):start]
    cut = max(before.rfind(p) for p in "，。；：,;:、（(")
    return (before[cut + 1:] + text[start:end]).strip()


__all__ = ["Sentence", "Number", "sentences", "quote", "number", "printed", "CODE_ITEM", "MONEY", "PERCENT", "ZERO"]
