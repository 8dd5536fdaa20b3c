"""Checks between the columns of a performance form (issue 12): form.sources_sum and
form.spent_within_budget pass on the five disclosures and fail on planted defects (a cell shifted off its
column, a spent amount over its budget)."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from pipeline.build import parse_document
from pipeline.validate import run_rules
from pipeline.projects import extract_projects

AMOUNT = re.compile(r"^\d[\d,]*(?:\.\d+)?$")
RULE_IDS = ("form.sources_sum", "form.spent_within_budget")


def run(result):
    result.forms = extract_projects(result)
    findings, outcome = run_rules(result)
    return [f for f in findings if f["rule_id"] in RULE_IDS], outcome


def planted(tmp_path, path, plant):
    """A copy of the disclosure with `plant(cells)` applied to each tab-separated line (returning the new
    cells, or None to leave the line); (the parsed copy, the 1-based lines changed)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    changed = []
    for i, line in enumerate(lines):
        new = plant(line.split("\t"))
        if new is not None:
            lines[i] = "\t".join(new)
            changed.append(i + 1)
    out = tmp_path / path.name
    out.write_text("\n".join(lines), encoding="utf-8")
    return parse_document(out), changed


def test_the_five_disclosures_pass(parsed):
    ran = set()
    for name, result in parsed.items():
        got, outcome = run(result)
        assert not [f for f in got if f["severity"] in ("error", "warning")], (name, got)
        ran |= {r for r in RULE_IDS if outcome.get(r) == "passed"}
    assert ran == set(RULE_IDS)  # both rules ran somewhere (self-evaluations, department sheets, targets)


def self_evaluation_path(disclosure_paths):
    return next(p for p in disclosure_paths if "全年执行数" in p.read_text(encoding="utf-8"))


def test_a_source_shifted_off_its_column_fails(tmp_path, disclosure_paths):
    """A source line printing 年初预算数 and 全年预算数 and a blank 全年执行数, with the blank cell lost: its
    amounts fill the columns from the right, so 全年预算数 reads as spent and the sources no longer add up."""
    def drop_blank(cells):
        for j, c in enumerate(cells):
            if c.strip() in ("其他资金", "上年结转资金", "上年结转") and len(cells) > j + 3 \
                    and AMOUNT.match(cells[j + 1].strip()) and AMOUNT.match(cells[j + 2].strip()) \
                    and not cells[j + 3].strip():
                return cells[:j + 3] + cells[j + 4:]
        return None

    result, changed = planted(tmp_path, self_evaluation_path(disclosure_paths), drop_blank)
    assert changed
    got, outcome = run(result)
    bad = [f for f in got if f["rule_id"] == "form.sources_sum" and f["severity"] == "error"]
    assert outcome["form.sources_sum"] == "failed"
    assert {n for f in bad for n in map(int, f["source_lines"].split())} >= set(changed)
    assert all(f["actual"] < f["expected"] for f in bad)  # the planted line claims more spent than the whole


def test_spent_over_budget_fails(tmp_path, disclosure_paths):
    """年度资金总额's 全年预算数 and 全年执行数 swapped where the form spent less than its budget."""
    state = {"done": False}

    def swap(cells):
        if state["done"]:
            return None
        for j, c in enumerate(cells):
            if c.strip().rstrip(":：") == "年度资金总额" and len(cells) > j + 3:
                full, spent = cells[j + 2].strip(), cells[j + 3].strip()
                if AMOUNT.match(full) and AMOUNT.match(spent) and Decimal(spent) < Decimal(full) - 1:
                    state["done"] = True
                    return cells[:j + 2] + [spent, full] + cells[j + 4:]
        return None

    result, changed = planted(tmp_path, self_evaluation_path(disclosure_paths), swap)
    assert len(changed) == 1
    got, outcome = run(result)
    over = [f for f in got if f["rule_id"] == "form.spent_within_budget" and f["severity"] == "warning"]
    assert outcome["form.spent_within_budget"] == "failed"
    assert any(changed[0] in map(int, f["source_lines"].split()) and f["actual"] > f["expected"] for f in over)


@pytest.mark.parametrize("printed, unit, value, half", [
    ("15.19", "万元", "151900", "50"),        # two places of 万元: half of 0.01 万元 is 50 元
    ("1,234.5", "元", "1234.5", "0.05"),
    ("168000", "元", "168000", "0.5"),
    ("85.5%", "", "85.5", "0.05"),            # a rate's % is not a printed digit
    ("0", "元", "0", "0"),                    # a bare 0 is nothing, not a rounded amount
])
def test_a_form_amount_tolerance_is_half_its_last_printed_digit(printed, unit, value, half):
    from pipeline.validate.rules_forms import half_printed

    row = {"published_value": printed, "published_unit": unit, "value": Decimal(value)}
    assert half_printed(row) == Decimal(half)
