"""Checks between the columns of one performance form, on the amounts it prints (project_funds): a
self-evaluation spends no more than its budget, and a form's fund sources add up to its total.

Both read `result.extra["project_funds"]`, so they see exactly what the package publishes: a cell read
under the wrong column (an amount shifted one cell off its header) shows up here as a source spending more
than its budget or sources no longer adding up."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from ..schema import enum_names
from ..text import UNIT_FACTOR
from .core import ZERO, Doc, finding, fmt

# a total's parts, by what the form prints under it: 财政拨款 / 上年结转 / 其他资金 (self-evaluations, targets),
# 中央 / 省级 / 市县 / 自筹 (forms splitting the fiscal funds by level), 基本支出 / 项目支出 (the spending side)
PARTS_BY_FUND = ("fiscal", "carryover", "other", "self_raised")
PARTS_BY_LEVEL = ("central", "provincial", "local", "self_raised")
PARTS_OF_SPENDING = ("basic", "project")
SOURCE_ZH = {v: zh for v, (zh, _) in enum_names("project_funds", "source").items()}
MEASURE_ZH = {v: zh for v, (zh, _) in enum_names("project_funds", "measure").items()}


def half_printed(row: dict) -> Decimal:
    """Half of the last printed digit of a project_funds amount, in 元."""
    text = row["published_value"].replace(",", "").replace(" ", "")
    decimals = len(text.split(".", 1)[1].rstrip("万元")) if "." in text else 0
    if row["value"] == ZERO and not decimals:
        return ZERO
    return Decimal(5) * Decimal(10) ** -(decimals + 1) * UNIT_FACTOR.get(row.get("published_unit") or "元", Decimal(1))


def _printed(row: dict) -> str:
    """An amount as printed, with its unit: 15.19万元."""
    text, unit = row["published_value"], row.get("published_unit") or ""
    return text if text.endswith(unit) else f"{text}{unit}"


def _forms(doc: Doc) -> dict[str, dict[tuple[str, str, str], dict[str, dict]]]:
    """project_id → (period, side, measure) → source → its first printed amount (in 元)."""
    out: dict[str, dict] = defaultdict(lambda: defaultdict(dict))
    for f in doc.result.extra.get("project_funds", []) or []:
        if f["unit"] == "yuan" and f["value"] is not None:
            out[f["project_id"]][(f["period"], f["side"], f["measure"])].setdefault(f["source"], f)
    return out


def _tables(doc: Doc, pid: str) -> list[str]:
    p = next((p for p in doc.result.extra.get("projects", []) or [] if p["project_id"] == pid), {})
    return str(p.get("table_ids") or "").split()


def _name(doc: Doc, pid: str) -> str:
    p = next((p for p in doc.result.extra.get("projects", []) or [] if p["project_id"] == pid), {})
    return p.get("name") or pid


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
            sev = "info" if abs(total["value"] - expected) <= tol else "error"
            what = MEASURE_ZH.get(measure, measure)
            listed = " + ".join(f"{SOURCE_ZH.get(p['source'], p['source'])} {_printed(p)}" for p in parts)
            out.append(finding(
                doc, "form.sources_sum", sev,
                f"绩效表“{_name(doc, pid)}”{period} 年{what}：资金总额 {_printed(total)}"
                f"，而其下各来源之和为 {fmt(expected)} 元（{listed}）",
                expected=expected, actual=total["value"], tables=_tables(doc, pid),
                lines=[total["source_line"]] + [p["source_line"] for p in parts], tolerance=tol,
                message_en=f"form '{pid}' {period} {measure}: the total ({fmt(total['value'])}) is not the sum of "
                           f"its sources ({fmt(expected)})"))
    return out if ran else None


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
                sev = "info" if spent["value"] - full["value"] <= tol else "warning"
                out.append(finding(
                    doc, "form.spent_within_budget", sev,
                    f"绩效自评表“{_name(doc, pid)}”{SOURCE_ZH.get(source, source)}：全年执行数 {_printed(spent)}"
                    f" 大于全年预算数 {_printed(full)}",
                    expected=full["value"], actual=spent["value"], tables=_tables(doc, pid),
                    lines=[spent["source_line"], full["source_line"]], tolerance=tol,
                    message_en=f"self-evaluation '{pid}' {source}: spent {fmt(spent['value'])} exceeds the full-year "
                               f"budget {fmt(full['value'])}"))
    return out if ran else None
