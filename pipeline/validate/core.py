"""What every rule uses: the rule record, the finding record, the tolerance that printed precision allows,
and a row view of a table (the facts of one printed row together).

Amounts are Decimal in 元 throughout. A finding's `table_ids` and `source_lines` are space-separated
strings (sorted, without repeats), so they fit one CSV cell each.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Callable, Iterable

from ..model import DocumentResult, FormRows, Table
from ..codes import economic_class
from ..text import UNIT_FACTOR, format_amount as fmt  # the one formatter of amounts (rules import fmt from here)
from ..severity import ERROR, FAILING, INFO, WARNING, Severity
from .labels import norm, side_of

ZERO = Decimal(0)


@dataclass(frozen=True)
class Outcome:
    """One way a check can come out: its severity and its message templates (str.format), Chinese and
    English. Besides the values a check passes, a template may use {expected}, {actual}, {difference} and
    {tolerance}: the finding's own amounts, formatted as 1,234.50 (— when absent)."""

    severity: Severity
    zh: str
    en: str


@dataclass
class Rule:
    """A validation rule, declared once beside its check: id, titles, basis, tolerance, the severity of a
    failure and the outcomes its check reports. A check reports through its rule (`ROW_TOTAL.fail(doc, ...)`,
    `ROW_TOTAL.note(doc, "rounding", ...)`) and never writes an id, a severity or a message itself."""

    id: str
    group: str  # completeness | table | cross | text
    title_zh: str
    title_en: str
    basis: str  # one sentence: why the published figures must satisfy it
    tolerance: str
    severity: Severity  # severity of a failure beyond tolerance
    outcomes: dict[str, Outcome]
    name_zh: str = ""  # the rule's short Chinese name, as readers see it (site, findings page)
    check: Callable[["Doc"], list[dict] | None] | None = None  # None: the rule is reported by other checks

    def __post_init__(self) -> None:
        for name, o in self.outcomes.items():
            if not (isinstance(o.severity, Severity) and o.zh and o.en):
                raise ValueError(f"rule {self.id}: outcome {name!r} needs a Severity and both templates")

    def checks(self, fn: Callable[["Doc"], list[dict] | None]) -> Callable[["Doc"], list[dict] | None]:
        """Decorator: `fn` is this rule's check."""
        self.check = fn
        return fn

    def fail(self, doc: "Doc", outcome: str = "fail", /, **kw) -> dict:
        """A finding that fails the rule: the outcome must be declared with severity error or warning."""
        return self._finding(doc, outcome, FAILING, **kw)

    def note(self, doc: "Doc", outcome: str = "note", /, **kw) -> dict:
        """A finding that does not fail the rule (rounding, a stated absence): an outcome of severity info."""
        return self._finding(doc, outcome, (INFO,), **kw)

    def differs(self, doc: "Doc", within: bool, /, **kw) -> dict:
        """A difference found: its "rounding" outcome (info) when it is within the tolerance, else "fail"."""
        return self.note(doc, "rounding", **kw) if within else self.fail(doc, "fail", **kw)

    def _finding(self, doc: "Doc", outcome: str, allowed: tuple, *, expected: Decimal | None = None,
                 actual: Decimal | None = None, tables: Iterable[str] = (), lines: Iterable[int | None] = (),
                 tolerance: Decimal | None = None, found_by: "Rule | None" = None, **values) -> dict:
        o = self.outcomes[outcome]
        if o.severity not in allowed:
            raise ValueError(f"rule {self.id}: outcome {outcome!r} is {o.severity}, not one of {allowed}")
        diff = actual - expected if expected is not None and actual is not None else None
        amounts = {"expected": fmt(expected), "actual": fmt(actual), "difference": fmt(diff),
                   "tolerance": fmt(tolerance)}
        return {
            "doc_id": doc.doc_id, "rule_id": self.id, "severity": o.severity,
            "message": o.zh.format(**amounts, **values),
            "expected": expected, "actual": actual, "difference": diff,
            "table_ids": " ".join(sorted({t for t in tables if t})),
            "source_lines": " ".join(str(n) for n in sorted({n for n in lines if n})),
            "message_en": o.en.format(**amounts, **values), "found_by": (found_by or self).id,
            "tolerance": tolerance, "basis": self.basis,
        }


# --------------------------------------------------------------------------- tolerances, as declared

ROUNDING = "n 个印出数之和可差 Σ 各数末位的一半（两位小数即 n × 0.005，按印出单位折元）：在此内为 info（舍入），超出为 error"
ROUNDING_EN = ("a sum of n printed amounts may differ by half the last printed digit of each (n × 0.005 at two "
               "decimals, in the printed unit, converted to yuan): within it `info` (rounding), beyond it `error`")

PAIR_ROUNDING = "两数末位的一半之和以内为 info（舍入），超出为 error"  # two printed amounts that should be equal
PAIR_BOUND = "超出不到两数末位的一半之和为 info（舍入），超出更多为 error"  # one amount bounded by another

# the outcomes of a printed total against the sum of its printed parts (compare_sum) …
SUM_OUTCOMES = {
    "fail": Outcome(ERROR, "{what}：印出 {actual} 元，组成部分之和 {expected} 元，相差 {difference} 元",
                    "{what_en}: printed {actual} yuan, parts add up to {expected}, difference {difference}"),
    "rounding": Outcome(INFO, "{what}：相差 {difference} 元，在 {n} 个印出数的舍入范围内（±{tolerance} 元）",
                        "{what_en}: differs by {difference} yuan, within the rounding of {n} printed amounts "
                        "(±{tolerance})"),
}
# … and of two printed figures that must be the same amount (compare_equal)
PAIR_OUTCOMES = {
    "fail": Outcome(ERROR, "{what}：{expected} 元 与 {actual} 元 不一致，相差 {difference} 元",
                    "{what_en}: {expected} vs {actual} yuan, difference {difference}"),
    "rounding": Outcome(INFO, "{what}：相差 {difference} 元，属舍入差（±{tolerance} 元）",
                        "{what_en}: differs by {difference} yuan, rounding (±{tolerance})"),
}

CUT_SHORT = Rule(
    "value.cut_short", "table", "印出的数少印了末位小数", "A printed amount cut short",
    "表格列宽不足时，PDF 中的数字会被截去末位（1,234,567.8 而其组成部分之和为 1,234,567.83）；"
    "此数不是作者的计算错误，但公开的数字不完整。",
    "由上列求和类规则发现：印出位数少于组成部分、且等于其和截去（或舍入）到印出位数", WARNING,
    {"sum": Outcome(WARNING, "{what}：印出的合计 {printed} 少印了末位小数，其组成部分之和为 {expected} 元",
                    "{what_en}: the printed total {printed} is cut short; its parts add up to {expected} yuan"),
     "pair": Outcome(WARNING, "{what}：{printed} 少印了末位小数，对应数为 {expected} 元",
                     "{what_en}: {printed} is cut short of {expected} yuan")},
    name_zh="金额少印末位")


# --------------------------------------------------------------------------- tolerance


def half_unit(fact: dict | None) -> Decimal:
    """Half of the last printed digit, in 元: what rounding to the printed precision may have moved the
    amount."""
    if fact is None or fact.get("value") is None:
        return ZERO
    if fact["value"] == ZERO and not fact.get("decimals"):
        return ZERO  # a bare 0 is nothing, not a rounded amount (0.00 may hide up to 0.004)
    return half_last_digit(int(fact.get("decimals") or 0), fact.get("published_unit"))


def half_last_digit(decimals: int, unit: str | None) -> Decimal:
    """Half of the last digit of an amount printed with `decimals` places in `unit` (万元, 元; none is 元), in 元:
    the one tolerance rounding allows, taken from the printed precision."""
    return Decimal(5) * Decimal(10) ** -(decimals + 1) * UNIT_FACTOR.get(unit or "元", Decimal(1))


def val(fact: dict | None) -> Decimal:
    """A blank cell or a printed dash counts as zero in a sum."""
    if fact is None or fact.get("value") is None:
        return ZERO
    return fact["value"]


def cut_short(total: dict, expected: Decimal, parts: Iterable[dict]) -> bool:
    """The total was printed with fewer decimals than its parts and is their sum cut (or rounded) to
    those decimals: 1,234,567.8 where the parts give 1,234,567.83."""
    d = int(total.get("decimals") or 0)
    part_d = max((int(p.get("decimals") or 0) for p in parts if p is not None), default=0)
    if d >= part_d or total.get("value") is None:
        return False
    factor = UNIT_FACTOR.get(total.get("published_unit") or "元", Decimal(1))
    q = Decimal(10) ** -d
    exp_printed = expected / factor
    return total["value"] / factor in (exp_printed.quantize(q, ROUND_DOWN), exp_printed.quantize(q, ROUND_HALF_UP))


# --------------------------------------------------------------------------- findings


def compare_sum(doc: "Doc", rule: Rule, total: dict, parts: list[dict], what_zh: str, what_en: str,
                tables: Iterable[str] = ()) -> list[dict]:
    """The printed total against the sum of its printed parts: nothing when equal, `info` within the
    rounding the printed precision allows, a `value.cut_short` warning when the total lost its last
    digits, `error` otherwise. The rule declares SUM_OUTCOMES."""
    expected = sum((val(p) for p in parts), ZERO)
    actual = val(total)
    if actual == expected:
        return []
    tol = half_unit(total) + sum((half_unit(p) for p in parts), ZERO)
    where = dict(expected=expected, actual=actual, tolerance=tol,
                 tables=set(tables) | {total["table_id"]} | {p["table_id"] for p in parts},
                 lines=[total["source_line"]] + [p["source_line"] for p in parts], what=what_zh, what_en=what_en)
    if cut_short(total, expected, parts):
        return [CUT_SHORT.fail(doc, "sum", found_by=rule, printed=total["published_value"], **where)]
    if abs(actual - expected) <= tol:
        return [rule.note(doc, "rounding", n=len(parts), **where)]
    return [rule.fail(doc, **where)]


def compare_equal(doc: "Doc", rule: Rule, a: dict | None, b: dict | None, what_zh: str, what_en: str,
                  a_value: Decimal | None = None, b_value: Decimal | None = None,
                  a_facts: list[dict] | None = None, b_facts: list[dict] | None = None) -> list[dict]:
    """Two printed figures that must be the same amount (one table against another). `a` is taken as the
    expected side. Either side may be a sum of facts (`*_facts`), then its rounding adds up too. The rule
    declares PAIR_OUTCOMES."""
    af = a_facts if a_facts is not None else ([a] if a else [])
    bf = b_facts if b_facts is not None else ([b] if b else [])
    av = a_value if a_value is not None else sum((val(f) for f in af), ZERO)
    bv = b_value if b_value is not None else sum((val(f) for f in bf), ZERO)
    if av == bv:
        return []
    tol = sum((half_unit(f) for f in af + bf), ZERO)
    where = dict(expected=av, actual=bv, tolerance=tol, tables={f["table_id"] for f in af + bf},
                 lines=[f["source_line"] for f in af + bf], what=what_zh, what_en=what_en)
    if len(bf) == 1 and cut_short(bf[0], av, af):
        return [CUT_SHORT.fail(doc, "pair", found_by=rule, printed=bf[0]["published_value"], **where)]
    if abs(bv - av) <= tol:
        return [rule.note(doc, "rounding", **where)]
    return [rule.fail(doc, **where)]


# --------------------------------------------------------------------------- rows


@dataclass
class TRow:
    """One printed row of a table (for a two-sided table: one side of it), with its facts by column."""

    table: Table
    line: int
    code: str  # printed or inferred code; for uncoded basic-expenditure tables a class code from the name
    label: str
    facts: list[dict] = field(default_factory=list)
    budget_unit: str = ""
    code_kind: str = ""
    pseudo_code: bool = False
    _by_column: list[dict] | None = field(default=None, repr=False, compare=False)

    @property
    def key(self) -> str:
        return norm(self.label)

    def get(self, column: str) -> dict | None:
        for f in self.facts:
            if f["column_label"] == column:
                return f
        return None

    def first(self, pred: Callable[[str], bool]) -> dict | None:
        by_column = self._by_column
        if by_column is None or len(by_column) != len(self.facts):  # sorted once, not at every question
            by_column = self._by_column = sorted(self.facts, key=lambda f: f["column_index"])
        for f in by_column:
            if pred(f["column_label"]):
                return f
        return None

    def has_value(self) -> bool:
        return any(f["value"] is not None for f in self.facts)


def table_rows(table: Table) -> list[TRow]:
    """Facts grouped into printed rows: one row per (line, code, label) in print order."""
    rows: dict[tuple, TRow] = {}
    for f in table.facts:
        if f["value_unit"] != "yuan":
            continue
        # the two sides of a 收支总表 share a line (and sometimes a label: 总计 | 总计)
        key = (f["source_line"], f["code"], f["row_label"], side_of(f["column_label"]))
        r = rows.get(key)
        if r is None:
            r = rows[key] = TRow(table, f["source_line"], f["code"], f["row_label"],
                                 budget_unit=f.get("budget_unit", ""), code_kind=f.get("code_kind", ""))
        r.facts.append(f)
    out = list(rows.values())
    _economic_pseudo_codes(table, out)
    return out


def _economic_pseudo_codes(table: Table, rows: list[TRow]) -> None:
    """A basic-expenditure table printed with names only (工资福利支出, then its items): give the class
    rows their class code and the rows below them a child of it, so the class = Σ items check applies."""
    if table.table_type != "general_budget_basic_expenditure" or any(r.code for r in rows):
        return
    current = ""
    n = 0
    for r in rows:
        cls = economic_class(r.label)
        if cls:
            current, n = cls, 0
            r.code, r.code_kind, r.pseudo_code = cls, "economic", True
        elif current and r.key and r.key not in ("合计", "总计"):
            n += 1
            r.code, r.code_kind, r.pseudo_code = f"{current}{n:02d}", "economic", True


# --------------------------------------------------------------------------- the document


class Doc:
    """A document under validation, with its tables' rows computed once."""

    def __init__(self, result: DocumentResult):
        self.result = result
        self.doc_id = result.document["doc_id"]
        self.kind = result.document.get("kind") or ""
        self.fiscal_year = result.document.get("fiscal_year")
        self._rows: dict[str, list[TRow]] = {}
        self.cache: dict[str, object] = {}  # what several rules derive from the text once (sentences …)

    @property
    def forms(self) -> FormRows:
        """The projects stage's output (empty when it did not run or failed)."""
        return self.result.forms or FormRows()

    @property
    def tables(self) -> list[Table]:
        return self.result.tables

    def of_type(self, *types: str, with_facts: bool = True) -> list[Table]:
        return [t for t in self.tables if t.table_type in types and (t.facts or not with_facts)]

    def first(self, ttype: str) -> Table | None:
        ts = self.of_type(ttype)
        return ts[0] if ts else None

    def rows(self, table: Table) -> list[TRow]:
        if table.table_id not in self._rows:
            self._rows[table.table_id] = table_rows(table)
        return self._rows[table.table_id]
