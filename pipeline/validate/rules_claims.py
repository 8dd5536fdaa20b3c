"""What the explanations claim about their figures, read the way a reviewer reads them:

- a change: 比上年增加 X 万元，增长 Y% · 与 2023 年执行数（A 万元）相比减少 X 万元 · 与上年持平;
- a comparison: 决算数大于/小于/等于预算数, 完成年初预算的 P%.

Each claim is checked against the numbers its sentence (or the one before) states, and a change of a
coded line (2080101 行政运行 …) also against the table that prints that line's two years. A claim whose
numbers cannot be found is not checked: it is never an error. The tolerance is the printed precision of
every number involved (half its last digit), carried through the arithmetic.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ..text import AMOUNT_IN_TEXT, is_current_year
from ..severity import WARNING
from .core import ZERO, Doc, Outcome, Rule, fmt, half_unit, val
from .labels import col_parts, norm
from .rules_cross import tpc_groups, tpc_item
from .sentences import CODE_ITEM, MONEY, PERCENT, Number, Sentence, number, printed, quote, sentences

HUNDRED = Decimal(100)
TPC_TABLE_ZH = "三公经费表"  # how a message names a "三公" table printed without a title
_UP, _DOWN, _SAME = 1, -1, 0
_VERB = {"增加": _UP, "增长": _UP, "上升": _UP, "提高": _UP, "增": _UP,
         "减少": _DOWN, "下降": _DOWN, "降低": _DOWN, "减": _DOWN,
         "持平": _SAME, "无增减": _SAME, "无变化": _SAME, "不变": _SAME, "没有变化": _SAME}
_RATE_WORD = {"增长": _UP, "上升": _UP, "增幅": _UP, "增长率": _UP, "提高": _UP, "增加": _UP,
              "下降": _DOWN, "降低": _DOWN, "减幅": _DOWN, "降幅": _DOWN, "下降率": _DOWN, "减少": _DOWN}
# the direction a change went, in the words of the messages
_WENT = {True: ("增加", "an increase"), False: ("减少", "a decrease")}
_NUM = AMOUNT_IN_TEXT  # the one grammar of a printed amount (pipeline/text.py)
# 比上年 · 较2024年度年初预算数 · 与 2023 年执行数（1582.12 万元） · 与上年度相比，(subject)
CHANGE = re.compile(
    r"(?:比|较|与|同)\s*(?P<ref>(?:上年|上一年|去年|上年度|年初|20\d\d\s*年)[^，。；;：:]{0,30}?)"
    r"(?:相比|相较|比较|对比)?[，,]?\s*(?P<subject>[^，。；;\d%％）)元]{0,24}?)(?:各)?"
    r"(?P<verb>增加|减少|增长|下降|上升|降低|提高|持平|无增减|无变化|没有变化|不变|增|减)了?\s*"
    rf"(?:(?P<x>{_NUM})\s*(?P<xu>万元|元)|(?P<y0>{_NUM})\s*[%％])?"
    r"(?:[，,]\s*(?P<rate>增长率|下降率|增长|下降|上升|降低|增幅|减幅|降幅|提高|增加|减少)(?:为|了)?\s*"
    rf"(?P<y>{_NUM})\s*[%％])?")
# 占预算总额的 11.17% · 占 0.4%: a share, not a number of the claim
_SHARE = re.compile(rf"占[^，。；;]{{0,20}}?{_NUM}\s*[%％]")
_REF_AMOUNT = re.compile(rf"[（(]\s*({_NUM})\s*(万元|元)\s*[）)]")

# 决算数大于预算数 · 决算数与年初预算数持平
COMPARE = re.compile(
    r"(?P<a>决算数?|支出决算数?)(?:比|较)?(?:年初)?(?P<op>大于|小于|等于|高于|低于|超过|超出|少于|多于)(?:年初)?预算数?"
    r"|(?P<a2>决算数?)与(?:年初)?预算数?(?:相比)?(?P<op2>持平|一致|相等|相同)")
_OP = {"大于": _UP, "高于": _UP, "超过": _UP, "超出": _UP, "多于": _UP, "小于": _DOWN, "低于": _DOWN,
       "少于": _DOWN, "等于": _SAME, "持平": _SAME, "一致": _SAME, "相等": _SAME, "相同": _SAME}
_BUDGET_FIG = re.compile(rf"(?<!决算)(?:年初)?预算(?:数)?(?:为|是|数为)?\s*({_NUM})\s*(万元|元)")
_FINAL_FIG = re.compile(rf"决算(?:数)?(?:为|是|数为)?\s*({_NUM})\s*(万元|元)")
_COMPLETION = re.compile(rf"完成(?:年初)?预算(?:数)?的\s*({_NUM})\s*[%％]")


@dataclass
class Change:
    sentence: Sentence
    start: int
    end: int
    direction: int
    rate_direction: int | None
    x: Number | None  # the stated change
    y: Number | None  # the stated rate, percent
    a: Number | None  # the stated base (上年 / 年初预算) when printed in the claim
    c: Number | None  # the figure the claim is about, stated before it
    verb: str
    ref: str
    subject: str = ""  # the words naming what changed, when the claim prints them after its comparison
    part_of: "Change | None" = None  # 其中：公务接待费减少 0.30 万元 — a part of the claim before it


def _money(m: re.Match, g: str, gu: str) -> Number | None:
    if m.group(g) is None:
        return None
    return printed(m.group(g), m.group(gu), m.start(g), m.end(gu), m.group(g) + m.group(gu))


def _pct(m: re.Match, g: str | int) -> Number | None:
    if m.group(g) is None:
        return None
    return printed(m.group(g), None, m.start(g), m.end(g), m.group(g) + "%")


def _numbers(text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """(start, end, is_money) of every number between start and end, shares (占…%) left out."""
    shares = [(m.start(), m.end()) for m in _SHARE.finditer(text)]
    out = []
    for rx, money in ((MONEY, True), (PERCENT, False)):
        for m in rx.finditer(text, start, end):
            if any(a <= m.start() < b for a, b in shares):
                continue
            out.append((m.start(), m.end(), money))
    return sorted(out)


def changes(doc: Doc) -> list[Change]:
    """Every change claim of the explanations, with the figure it is about where the text states it."""
    if "_changes" in doc.cache:
        return doc.cache["_changes"]
    out: list[Change] = []
    sents = sentences(doc)
    for i, s in enumerate(sents):
        prev: Change | None = None
        for m in CHANGE.finditer(s.text):
            direction = _VERB[m.group("verb")]
            x = _money(m, "x", "xu")
            y = _pct(m, "y") or _pct(m, "y0")
            rate_dir = _RATE_WORD.get(m.group("rate") or "") if m.group("rate") else (
                direction if m.group("y0") else None)
            ref_amount = _REF_AMOUNT.search(m.group("ref"))
            a = None
            if ref_amount:
                a = printed(ref_amount.group(1), ref_amount.group(2), m.start("ref") + ref_amount.start(),
                            m.start("ref") + ref_amount.end(), ref_amount.group(0))
            c = _figure_before(s, m.start(), prev, sents[i - 1] if i and not sents[i - 1].is_heading else None)
            ch = Change(s, m.start(), m.end(), direction, rate_dir, x, y, a, c, m.group("verb"), m.group("ref"),
                        m.group("subject") or "")
            out.append(ch)
            prev = ch
            out += _parts(s, ch)
    doc.cache["_changes"] = out
    return out


# 其中：因公出国（境）费减少 0 万元，主要原因是…；公务接待费减少 0.30 万元 — the parts of a change, each
# compared with the same year as the claim they belong to
_PART = re.compile(rf"(?:^|[，,；;：:、])\s*(?P<subject>[^，,；;：:、。\d%％]{{2,20}}?)(?P<verb>增加|减少|增长|下降)了?\s*"
                   rf"(?P<x>{_NUM})\s*(?P<xu>万元|元)")


def _parts(s: Sentence, claim: Change) -> list[Change]:
    """The parts listed after a claim's 其中, up to the next comparison of the sentence."""
    where = s.text.find("其中", claim.end)
    nxt = CHANGE.search(s.text, claim.end)
    if where < 0 or (nxt is not None and nxt.start() < where):
        return []
    end = nxt.start() if nxt is not None else len(s.text)
    out = []
    for m in _PART.finditer(s.text, where + 2, end):
        out.append(Change(s, m.start("subject"), m.end("xu"), _VERB[m.group("verb")], None, _money(m, "x", "xu"),
                          None, None, None, m.group("verb"), claim.ref, m.group("subject"), part_of=claim))
    return out


_PART_START = re.compile(r"其中|；|;")
_CLAUSE = re.compile(r"[，,；;：:]")


def _figure_before(s: Sentence, pos: int, prev: Change | None, before: Sentence | None) -> Number | None:
    """The amount the claim is about, where it is unambiguous:
    - the one amount between the claim and the start of its clause (the sentence, the claim before it, a
      其中 or a ；); two or more there (其中 A 万元，B 万元，比上年…) and it is not known which;
    - none there: the figure of the claim before it in the same sentence (较年初预算增加…；较上年减少…);
    - the claim opens its sentence: the one amount of the sentence before it."""
    start = 0
    if prev is not None:
        start = prev.end
    for m in _PART_START.finditer(s.text, start, pos):
        start = max(start, m.end())
    nums = _numbers(s.text, start, pos)
    amounts = [n for n in nums if n[2]]
    if len(amounts) == 1:
        return number(MONEY.match(s.text, amounts[0][0]), True)
    if amounts or nums:
        return None
    if prev is not None:
        # 较年初预算增加…；较上年减少…: a claim that opens its clause speaks of the same figure; one with
        # words of its own before it (一是财政拨款收入比上年增加…) speaks of something else
        clause = s.text[max((m.end() for m in _CLAUSE.finditer(s.text, 0, pos)), default=0):pos]
        return prev.c if not clause.strip() else None
    if not _numbers(s.text, 0, pos) and before is not None:
        all_before = _numbers(before.text, 0, len(before.text))
        if len(all_before) == 1 and all_before[0][2]:
            return number(MONEY.match(before.text, all_before[0][0]), True)
    return None


# ------------------------------------------------------------------------------------------ arithmetic


def _rate_bounds(diff: Decimal, diff_half: Decimal, base: Decimal, base_half: Decimal) -> tuple[Decimal, Decimal] | None:
    """The rate (percent) a change of `diff` on `base` can have, given the rounding of both."""
    lo_base, hi_base = base - base_half, base + base_half
    if lo_base <= 0:
        return None  # no base (上年为 0): 增长 100% and the like cannot be checked
    lo = max(ZERO, abs(diff) - diff_half) / hi_base * HUNDRED
    hi = (abs(diff) + diff_half) / lo_base * HUNDRED
    return lo, hi


def _rate_agrees(rate: Number, lo: Decimal, hi: Decimal) -> bool:
    """A printed rate agrees when rounding or cutting the exact rate to its printed digits can give it:
    within one unit of its last digit (2·half) of the exact range."""
    return rate.value + 2 * rate.half >= lo and rate.value - 2 * rate.half <= hi


def _check_change(doc: Doc, ch: Change) -> list[dict]:
    s = ch.sentence
    line = s.line_at(ch.start)
    q = quote(s.text, ch.start, ch.end, 16)
    out = []

    def warn(outcome: str, expected=None, actual=None, tol=None, **values):
        out.append(CHANGES.fail(doc, outcome, q=q, expected=expected, actual=actual, lines=[line], tolerance=tol,
                                **values))

    if ch.rate_direction is not None and ch.direction != _SAME and ch.rate_direction != ch.direction:
        warn("opposite_rate")
        return out
    if ch.direction == _SAME:
        if ch.a is not None and ch.c is not None:
            tol = ch.a.half + ch.c.half
            if abs(ch.c.value - ch.a.value) > tol:
                warn("not_unchanged", expected=ch.a.value, actual=ch.c.value, tol=tol)
        return out
    if ch.x is not None and ch.x.value < 0:
        return out  # 增加 -5 万元: a sign the words already carry; not read
    base, base_half = None, None
    if ch.a is not None and ch.c is not None:
        diff = ch.c.value - ch.a.value
        tol = ch.a.half + ch.c.half
        if diff * ch.direction < -tol:
            warn("wrong_direction", verb=ch.verb, went=_WENT[diff >= 0][0], said_en=_WENT[ch.direction > 0][1],
                 expected=ch.a.value, actual=ch.c.value, tol=tol)
            return out
        if ch.x is not None and abs(abs(diff) - ch.x.value) > tol + ch.x.half:
            warn("change_differs", verb=ch.verb, before=fmt(ch.a.value), after=fmt(ch.c.value), expected=abs(diff),
                 actual=ch.x.value, tol=tol + ch.x.half)
            return out
        base, base_half, change, change_half = ch.a.value, ch.a.half, abs(diff), tol
    elif ch.c is not None and ch.x is not None:
        base = ch.c.value - ch.direction * ch.x.value
        base_half = ch.c.half + ch.x.half
        change, change_half = ch.x.value, ch.x.half
        if base < -base_half:
            return out  # a base below zero: the claim's figure is not the one before it
    else:
        return out
    if ch.y is None:
        return out
    bounds = _rate_bounds(change, change_half, base, base_half)
    if bounds is None:
        return out
    lo, hi = bounds
    if not _rate_agrees(ch.y, lo, hi):
        warn("rate_differs", rate_printed=ch.y.printed, change=fmt(change), base=fmt(base),
             rate=change / base * HUNDRED)
        # (a rate is not an amount in 元: expected / actual stay empty, the message gives both)
    return out


def _check_change_against_table(doc: Doc, ch: Change) -> list[dict]:
    """A coded line's change (2080101 行政运行 2024 年预算 112.00 万元，比 2023 年执行数（91.00 万元）增加 …)
    against the table that prints the line's current and earlier amounts. Only where the match is sure: the
    code is printed once in that table, and the figure the sentence states is the table's current total
    for it (a sentence about the line's 项目支出, or about one budget unit's part, is not compared)."""
    m = CODE_ITEM.match(ch.sentence.text)
    if m is None or ch.direction == _SAME or ch.c is None:
        return []
    code = m.group(1)
    for t in doc.tables:
        rows = [r for r in doc.rows(t) if r.code == code]
        if len(rows) != 1:
            continue
        r = rows[0]
        cur = [f for f in r.facts if _is_total_current(doc, f["column_label"])]
        prior = [f for f in r.facts if _is_prior(doc, f["column_label"], ch.ref)]
        if len(cur) != 1 or len(prior) != 1:
            continue
        c, a = cur[0], prior[0]
        if abs(val(c) - ch.c.value) > half_unit(c) + ch.c.half:
            continue  # the sentence's figure is not this line's total: not the same thing
        diff = val(c) - val(a)
        tol = half_unit(c) + half_unit(a)
        line = ch.sentence.line_at(ch.start)
        q = quote(ch.sentence.text, ch.start, ch.end, 16)
        lines = [line, c["source_line"], a["source_line"]]
        if ch.a is not None and abs(ch.a.value - val(a)) > tol + ch.a.half:
            return [CHANGES.fail(doc, "table_base_differs", q=q, code=code, column=a["column_label"],
                                 expected=val(a), actual=ch.a.value, tables=[t.table_id], lines=lines,
                                 tolerance=tol + ch.a.half)]
        if diff * ch.direction < -tol:
            return [CHANGES.fail(doc, "table_direction", q=q, verb=ch.verb, code=code, expected=val(a),
                                 actual=val(c), tables=[t.table_id], lines=lines, tolerance=tol)]
        if ch.x is not None and abs(abs(diff) - ch.x.value) > tol + ch.x.half:
            return [CHANGES.fail(doc, "table_change_differs", q=q, code=code, before=fmt(val(a)),
                                 after=fmt(val(c)), expected=abs(diff), actual=ch.x.value, tables=[t.table_id],
                                 lines=lines, tolerance=tol + ch.x.half)]
        return []
    return []


_TPC_WORDS = [(item, re.compile(rx)) for item, rx in (
    ("vehicle", r"公务用车购置(?:及|和)运行(?:维护)?费"), ("purchase", r"公务用车购置(?:费)?(?![及和])"),
    ("operation", r"公务用车运行(?:及)?(?:维护)?费"), ("abroad", r"因公出国[（(]境[）)]费"),
    ("reception", r"公务接待费"), ("total", r"三公[”\"“]?经费"))]


def _tpc_subject(text: str, pos: int, extra: str = "") -> str:
    """The "三公" item the clause before `pos` is about (三公经费 itself: total); "" when none or several."""
    start = max((m.end() for m in re.finditer(r"[。；;]|其中", text[:pos])), default=0)
    clause = text[start:pos] + extra
    found, taken = set(), []
    for item, rx in _TPC_WORDS:
        for m in rx.finditer(clause):
            if not any(a <= m.start() < b for a, b in taken):
                found.add(item)
                taken.append((m.start(), m.end()))
    return found.pop() if len(found) == 1 else ""


_KIND = re.compile(r"(?:20\d\d年度?)?(?:全年|年初)?(预算|决算|执行)(?:数)?(?:[（(]决算数?[)）])?")


def _tpc_budget_and_final(doc: Doc, table, item: str) -> tuple[dict | None, dict | None] | None:
    """This year's (budget, final) cells of a "三公" item in a final account's table, whichever way the
    table is laid out (预算数 / 合计 … or 合计 / 预算数); a printed column left blank is None (nothing spent).
    None when the table does not print both for the item."""
    found: dict[str, tuple[bool, dict | None]] = {}
    for col in table.columns:
        if col.kind != "amount" or not is_current_year(col.path, doc.fiscal_year):
            continue
        parts = [norm(p) for p in col_parts(col.path)]
        kinds = [k.group(1) for p in parts for k in [_KIND.fullmatch(p)] if k]
        rest = [p for p in parts if not _KIND.fullmatch(p)]
        if len(kinds) != 1 or not rest:
            continue
        it = tpc_item(rest[-1])
        if it == "total" and any("公务用车" in p for p in rest[:-1]):
            it = "vehicle"
        if it != item or kinds[0] in found:
            continue
        fact = next((f for f in table.facts if f["column_label"] == col.path), None)
        found[kinds[0]] = (True, fact)
    if "预算" in found and "决算" in found:
        return found["预算"][1], found["决算"][1]
    return None


def _check_change_against_tpc(doc: Doc, ch: Change) -> tuple[bool, list[dict]]:
    """A budget's "三公" change (“三公”经费预算比上年减少 0.30 万元) against its table's year columns: this
    year's budget against last year's budget or actuals, whichever the claim names (either when it names
    none). (checked?, findings)."""
    if doc.kind != "budget" or ch.direction == _SAME or not doc.fiscal_year:
        return False, []
    item = (_tpc_subject(ch.subject, len(ch.subject)) if ch.part_of is not None
            else _tpc_subject(ch.sentence.text, ch.start, ch.subject + (ch.ref or "")))
    if not item:
        return False, []
    for t in doc.of_type("three_public_costs"):
        groups = tpc_groups(doc, t)
        cur = [g for g in groups if is_current_year(g.name, doc.fiscal_year) and item in g.items]
        prior = [g for g in groups if item in g.items and _is_prior(doc, g.name, ch.ref)]
        if not cur or not prior:
            continue
        c = cur[0].items[item]
        if ch.c is not None and abs(ch.c.value - val(c)) > half_unit(c) + ch.c.half:
            return False, []  # the sentence's figure is another one: not compared
        cands = []
        for g in prior:
            a = g.items[item]
            diff = val(c) - val(a)
            tol = half_unit(c) + half_unit(a)
            ok = diff * ch.direction >= -tol and (ch.x is None or abs(abs(diff) - ch.x.value) <= tol + ch.x.half)
            if ok:
                return True, []
            cands.append((g, a, diff))
        g, a, diff = cands[0]
        q = quote(ch.sentence.text, ch.start, ch.end, 16)
        return True, [CHANGES.fail(
            doc, "tpc_differs" if ch.x is not None else "tpc_differs_no_amount", q=q, verb=ch.verb,
            title=t.title or TPC_TABLE_ZH, group=g.name, before=fmt(val(a)), after=fmt(val(c)),
            went=_WENT[diff >= 0][0], expected=abs(diff), actual=ch.x.value if ch.x is not None else None,
            tables=[t.table_id], lines=[ch.sentence.line_at(ch.start), c["source_line"], a["source_line"]])]
    return False, []


def _is_total_current(doc: Doc, path: str) -> bool:
    parts = col_parts(path)
    return is_current_year(path, doc.fiscal_year) and bool(parts) and (
        len(parts) == 1 or norm(parts[-1]) in ("合计", "小计", "总计"))


_PRIOR_COL = re.compile(r"上年|执行数|决算数")


def _is_prior(doc: Doc, path: str, ref: str) -> bool:
    """The earlier column a claim compares with: 2023年执行数 / 上年预算数, of the year the claim names."""
    key = norm(path)
    if "增减" in key or "变动" in key:
        return False
    years = {int(y) for y in re.findall(r"(20\d\d)", key)}
    if doc.fiscal_year and years and years != {doc.fiscal_year - 1}:
        return False
    if not (years or "上年" in key):
        return False
    # the kind of figure the claim names (执行数 / 预算数) when it names one
    if "执行" in ref or "决算" in ref:
        return "执行" in key or "决算" in key
    if "预算" in ref:
        return "预算" in key
    return bool(_PRIOR_COL.search(key)) or "预算" in key


CHANGES = Rule("text.change", "text", "说明中的增减额、增减率与其所比较的数一致", "Changes stated in the text add up",
    "“比上年增加 X 万元，增长 Y%”“与 2023 年执行数（A 万元）相比减少 X 万元”“与上年持平”：增减方向、增减额、"
    "增减率须与句中（或上一句）所说的本年数和比较数一致；按科目编码说明的（2080101 行政运行 …），"
    "还与同时印出两年数的表核对。找不到比较数的说法不核对。",
    "每个印出数末位的一半，在运算中逐项累加（增减率按区间计算）；超出为 warning", WARNING, {
        "opposite_rate": Outcome(WARNING, "说明中“{q}”：增减额与增减率方向相反",
                                 "the text says “{q}”: the change and its rate point in opposite directions"),
        "not_unchanged": Outcome(WARNING, "说明中“{q}”：称持平，但前后两数 {expected} 元与 {actual} 元不同",
                                 "the text says “{q}”: says unchanged, but the two figures differ ({expected} vs "
                                 "{actual})"),
        "wrong_direction": Outcome(WARNING, "说明中“{q}”：称{verb}，但 {expected} 元到 {actual} 元是{went}",
                                   "the text says “{q}”: says {said_en}, but {expected} → {actual} is the opposite"),
        "change_differs": Outcome(WARNING, "说明中“{q}”：{verb} {actual} 元，但 {before} 元到 {after} 元相差 {expected} 元",
                                  "the text says “{q}”: states a change of {actual}, but {before} → {after} is "
                                  "{expected}"),
        # a rate is not an amount in 元: expected / actual stay empty, the message gives both
        "rate_differs": Outcome(WARNING, "说明中“{q}”：增减率 {rate_printed} 与 {change} 元 ÷ {base} 元 = {rate:.2f}% 不符",
                                "the text says “{q}”: the rate {rate_printed} does not match {change} / {base} = "
                                "{rate:.2f}%"),
        "table_base_differs": Outcome(WARNING, "说明中“{q}”的比较数 {actual} 元，与表中 {code} 的 {column} {expected} 元不符",
                                      "the text compares with {actual}; the table prints {expected} for {code}"),
        "table_direction": Outcome(WARNING, "说明中“{q}”称{verb}，但表中 {code} 由 {expected} 元变为 {actual} 元",
                                   "the text says “{q}”, but the table gives {expected} → {actual} for {code}"),
        "table_change_differs": Outcome(WARNING, "说明中“{q}”的增减额 {actual} 元，与表中 {code} 的 {before} 元到 "
                                                 "{after} 元（相差 {expected} 元）不符",
                                        "the text states a change of {actual}; the table gives {before} → {after} "
                                        "for {code}"),
        "tpc_differs": Outcome(WARNING, "说明中“{q}”称{verb} {actual} 元，但《{title}》中{group} {before} 元、本年 "
                                        "{after} 元（{went} {expected} 元）",
                               "the text says “{q}”; the table gives {before} → {after}"),
        "tpc_differs_no_amount": Outcome(WARNING, "说明中“{q}”称{verb}，但《{title}》中{group} {before} 元、本年 "
                                                  "{after} 元（{went} {expected} 元）",
                                         "the text says “{q}”; the table gives {before} → {after}"),
    },
    name_zh="增减说明")


@CHANGES.checks
def check_changes(doc: Doc) -> list[dict] | None:
    out = []
    ran = False
    for ch in changes(doc):
        got = _check_change(doc, ch)
        ran = ran or _checkable(ch)
        if not got:
            got = _check_change_against_table(doc, ch)
        if not got:
            checked, got = _check_change_against_tpc(doc, ch)
            ran = ran or checked
        out += got
    return out if ran else None


def _checkable(ch: Change) -> bool:
    return (ch.a is not None and ch.c is not None) or (ch.c is not None and ch.x is not None and ch.y is not None)


# ------------------------------------------------------------------------------------------ comparisons


COMPARISONS = Rule("text.comparison", "text", "决算数大于/小于/等于预算数的说法与数字一致",
    "'Final above/below/equal to budget' agrees with the figures",
    "决算说明中“决算数大于（小于、等于）预算数”“完成年初预算的 P%”，须与本句或上一句所列的年初预算数和决算数一致。"
    "文字未给出这两个数时，“三公”经费（及各项）的说法与“三公”经费表本年的预算数、决算数核对；其他说法不核对。",
    "两数末位的一半之和以内视为相等；完成率按区间计算；超出为 warning", WARNING, {
        "comparison": Outcome(WARNING, "说明称“{q}”，但预算数 {expected} 元、决算数 {actual} 元",
                              "the text says “{q}”, but the budget is {expected} and the final {actual} yuan"),
        "completion": Outcome(WARNING, "说明称“{q}”，但决算数 {final} 元 ÷ 预算数 {budget} 元 = {rate:.2f}%",
                              "the text says “{q}”, but {final} / {budget} = {rate:.2f}%"),
        "against_table": Outcome(WARNING, "说明称“{q}”，但《{title}》的预算数 {expected} 元、决算数 {actual} 元",
                                 "the text says “{q}”, but the table gives budget {expected} and final {actual}"),
    },
    name_zh="预决算比较说明")


@COMPARISONS.checks
def check_comparisons(doc: Doc) -> list[dict] | None:
    """决算数大于/小于/等于预算数 and 完成预算的 P%, against the 预算 and 决算 figures the sentence (or the one
    before it) states."""
    out = []
    ran = False
    sents = sentences(doc)
    for i, s in enumerate(sents):
        before = sents[i - 1] if i and not sents[i - 1].is_heading else None
        for m in COMPARE.finditer(s.text):
            op = _OP[m.group("op") or m.group("op2")]
            figs = _budget_and_final(s, m.start(), before)
            if figs is None:
                got = _comparison_against_tpc(doc, s, m, op)
                if got is not None:
                    ran = True
                    out += got
                continue
            (a, a_line), (b, b_line) = figs
            ran = True
            tol = a.half + b.half
            diff = b.value - a.value
            wrong = (op == _UP and diff < -tol) or (op == _DOWN and diff > tol) or (op == _SAME and abs(diff) > tol)
            if op != _SAME and abs(diff) <= tol:
                wrong = True  # 大于 / 小于 said of two equal figures
            if wrong:
                q = quote(s.text, m.start(), m.end(), 4)
                out.append(COMPARISONS.fail(doc, "comparison", q=q, expected=a.value, actual=b.value,
                                            lines=[s.line_at(m.start()), a_line, b_line], tolerance=tol))
        for m in _COMPLETION.finditer(s.text):
            figs = _budget_and_final(s, m.start(), before)
            if figs is None:
                continue
            (a, a_line), (b, b_line) = figs
            ran = True
            p = _pct(m, 1)
            bounds = _rate_bounds(b.value, b.half, a.value, a.half)
            if bounds is None:
                continue
            lo, hi = bounds
            if not _rate_agrees(p, lo, hi):
                out.append(COMPARISONS.fail(doc, "completion", q=quote(s.text, m.start(), m.end(), 4),
                                            final=fmt(b.value), budget=fmt(a.value), rate=b.value / a.value * HUNDRED,
                                            lines=[s.line_at(m.start()), a_line, b_line]))
    return out if ran else None


def _comparison_against_tpc(doc: Doc, s: Sentence, m: re.Match, op: int) -> list[dict] | None:
    """“三公”经费决算数小于预算数 with no figures in the text: against the 预算数 and 决算数 the "三公" table
    prints for that item this year. None when the claim is not about a "三公" item or no table prints both."""
    if doc.kind != "final_accounts":
        return None
    item = _tpc_subject(s.text, m.start())
    if not item:
        return None
    for t in doc.of_type("three_public_costs"):
        pair = _tpc_budget_and_final(doc, t, item)
        if pair is None:
            continue
        a, b = pair
        tol = half_unit(a) + half_unit(b)
        diff = val(b) - val(a)
        wrong = (op == _UP and diff <= tol) or (op == _DOWN and diff >= -tol) or (op == _SAME and abs(diff) > tol)
        if not wrong:
            return []
        q = quote(s.text, m.start(), m.end(), 12)
        return [COMPARISONS.fail(doc, "against_table", q=q, title=t.title or TPC_TABLE_ZH, expected=val(a),
                                 actual=val(b), tables=[t.table_id], tolerance=tol,
                                 lines=[s.line_at(m.start())] + [f["source_line"] for f in (a, b) if f])]
    return None


def _budget_and_final(s: Sentence, pos: int, before: Sentence | None):
    """((budget, line), (final, line)): a 预算 figure followed by its 决算 figure (年初预算为 A，支出决算为 B),
    the last pair before `pos` in the sentence, else in the sentence before it. The pair must be the last
    figures before the claim, with nothing between them: 预算 A，决算 B；其中：因公出国费决算为 C，完成预算的
    P% compares C with no budget of its own, so it is not read."""
    for sent, end in ((s, pos), (before, None)):
        if sent is None:
            continue
        text = sent.text[:end] if end is not None else sent.text
        figs = sorted([(m.start(), "budget", m) for m in _BUDGET_FIG.finditer(text)]
                      + [(m.start(), "final", m) for m in _FINAL_FIG.finditer(text)], key=lambda x: x[0])
        if len(figs) >= 2 and figs[-2][1] == "budget" and figs[-1][1] == "final":
            a, b = figs[-2][2], figs[-1][2]
            return ((_money(a, 1, 2), sent.line_at(a.start(1))), (_money(b, 1, 2), sent.line_at(b.start(1))))
        if figs:
            return None  # figures there, but not a budget and its final: not known which they compare
    return None


__all__ = ["check_changes", "check_comparisons", "changes"]
