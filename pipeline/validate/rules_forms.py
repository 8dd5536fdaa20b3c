"""Checks between the columns of one performance form, on the amounts it prints (project_funds): a
self-evaluation spends no more than its budget, and a form's fund sources add up to its total.

Both read the forms' `project_funds` rows, so they see exactly what the package publishes: a cell read
under the wrong column (an amount shifted one cell off its header) shows up here as a source spending more
than its budget or sources no longer adding up."""
from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

from ..schema import enum_names
from ..severity import ERROR, INFO, WARNING
from .core import PAIR_ROUNDING, ZERO, Doc, Outcome, Rule, half_last_digit

# a total's parts, by what the form prints under it: 财政拨款 / 上年结转 / 其他资金 (self-evaluations, targets),
# 中央 / 省级 / 市县 / 自筹 (forms splitting the fiscal funds by level), 基本支出 / 项目支出 (the spending side)
PARTS_BY_FUND = ("fiscal", "carryover", "other", "self_raised")
PARTS_BY_LEVEL = ("central", "provincial", "local", "self_raised")
PARTS_OF_SPENDING = ("basic", "project")
SOURCE_ZH = {v: zh for v, (zh, _) in enum_names("project_funds", "source").items()}
MEASURE_ZH = {v: zh for v, (zh, _) in enum_names("project_funds", "measure").items()}


_DECIMALS = re.compile(r"\.(\d+)")  # the printed decimals: 15.19万元 → 19, 85.5% → 5


def half_printed(row: dict) -> Decimal:
    """Half of the last printed digit of a project_funds amount, in 元 (a rate's % is not a digit)."""
    m = _DECIMALS.search(row["published_value"])
    decimals = len(m.group(1)) if m else 0
    if row["value"] == ZERO and not decimals:
        return ZERO
    return half_last_digit(decimals, row.get("published_unit"))


def _printed(row: dict) -> str:
    """An amount as printed, with its unit: 15.19万元."""
    text, unit = row["published_value"], row.get("published_unit") or ""
    return text if text.endswith(unit) else f"{text}{unit}"


def _forms(doc: Doc) -> dict[str, dict[tuple[str, str, str], dict[str, dict]]]:
    """project_id → (period, side, measure) → source → its first printed amount (in 元)."""
    out: dict[str, dict] = defaultdict(lambda: defaultdict(dict))
    for f in doc.forms.project_funds:
        if f["unit"] == "yuan" and f["value"] is not None:
            out[f["project_id"]][(f["period"], f["side"], f["measure"])].setdefault(f["source"], f)
    return out


def _tables(doc: Doc, pid: str) -> list[str]:
    p = next((p for p in doc.forms.projects if p["project_id"] == pid), {})
    return str(p.get("table_ids") or "").split()


def _name(doc: Doc, pid: str) -> str:
    p = next((p for p in doc.forms.projects if p["project_id"] == pid), {})
    return p.get("name") or pid


_NOT_SUM = ("绩效表“{name}”{period} 年{what}：资金总额 {printed}，而其下各来源之和为 {expected} 元（{listed}）",
            "form '{project_id}' {period} {measure}: the total ({actual}) is not the sum of its sources ({expected})")
FORM_SOURCES = Rule("form.sources_sum", "cross", "绩效表资金总额 = 其下各来源之和", "A form's total = its fund sources",
    "绩效目标表和自评表的年度资金总额（合计）是其下财政拨款、上年结转、其他资金（或中央、省级、市县财政资金和"
    "单位自筹）之和，年初预算数、全年预算数、全年执行数各自成立；部门整体表的支出合计是基本支出与项目支出之和。"
    "某一口径未列出各来源时不核对。",
    PAIR_ROUNDING.replace("两数", "各数"), ERROR, {"fail": Outcome(ERROR, *_NOT_SUM), "rounding": Outcome(INFO, *_NOT_SUM)}, name_zh="绩效表资金来源之和")


@FORM_SOURCES.checks
def check_form_sources(doc: Doc) -> list[dict] | None:
    """Each form's total (年度资金总额 / 合计) = the sum of the sources it prints under it, per measure."""
    out: list[dict] = []
    ran = False
    for pid, groups in _forms(doc).items():
        for (period, side, measure), by_source in groups.items():
            total = by_source.get("total")
            if total is None:
                continue
            names = PARTS_OF_SPENDING if side == "spending" else (
                PARTS_BY_LEVEL if any(s in by_source for s in ("central", "provincial", "local")) else PARTS_BY_FUND)
            parts = [by_source[s] for s in names if s in by_source]
            if not parts:
                continue  # the form prints no breakdown of this amount
            ran = True
            expected = sum((p["value"] for p in parts), ZERO)
            if expected == total["value"]:
                continue
            tol = half_printed(total) + sum((half_printed(p) for p in parts), ZERO)
            within = abs(total["value"] - expected) <= tol
            out.append(FORM_SOURCES.differs(
                doc, within, name=_name(doc, pid), project_id=pid, period=period,
                what=MEASURE_ZH.get(measure, measure), measure=measure, printed=_printed(total),
                listed=" + ".join(f"{SOURCE_ZH.get(p['source'], p['source'])} {_printed(p)}" for p in parts),
                expected=expected, actual=total["value"], tables=_tables(doc, pid),
                lines=[total["source_line"]] + [p["source_line"] for p in parts], tolerance=tol))
    return out if ran else None


_OVERSPENT = ("绩效自评表“{name}”{source_zh}：全年执行数 {spent} 大于全年预算数 {budget}",
              "self-evaluation '{project_id}' {source}: spent {actual} exceeds the full-year budget {expected}")
FORM_SPENT = Rule("form.spent_within_budget", "cross", "自评表全年执行数 ≤ 全年预算数", "A self-evaluation spends within its budget",
    "绩效自评表中，资金总额及每一来源的全年执行数不超过其全年预算数（执行率不超过 100%）；超出多为数字错列。",
    "超出不到两数末位的一半之和为 info（舍入），超出更多为 warning", WARNING, {"fail": Outcome(WARNING, *_OVERSPENT), "rounding": Outcome(INFO, *_OVERSPENT)},
    name_zh="执行数不超过预算数")


@FORM_SPENT.checks
def check_form_spent(doc: Doc) -> list[dict] | None:
    """In a self-evaluation each source's 全年执行数 ≤ its 全年预算数 (the total's too)."""
    out: list[dict] = []
    ran = False
    for pid, groups in _forms(doc).items():
        for (period, side, measure), by_source in groups.items():
            if measure != "spent":
                continue
            budget = groups.get((period, side, "budget_full"), {})
            for source, spent in by_source.items():
                full = budget.get(source)
                if full is None:
                    continue
                ran = True
                if spent["value"] <= full["value"]:
                    continue
                tol = half_printed(spent) + half_printed(full)
                within = spent["value"] - full["value"] <= tol
                out.append(FORM_SPENT.differs(
                    doc, within, name=_name(doc, pid), project_id=pid,
                    source_zh=SOURCE_ZH.get(source, source), source=source, spent=_printed(spent),
                    budget=_printed(full), expected=full["value"], actual=spent["value"], tables=_tables(doc, pid),
                    lines=[spent["source_line"], full["source_line"]], tolerance=tol))
    return out if ran else None
