"""project_funds (issue 12): one row per amount printed in a performance form. The coverage walk reads the
form lines of the source file itself and asks, of every number printed there, where it went."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from pipeline.forms.vocab import key
from pipeline.vocabulary import FOOTER, OPERATOR_CELLS
from pipeline.projects import extract_forms

NUMBER = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:%|万元|元)?$")
TOTAL_SCORE = ("总分", "合计", "总计")


@pytest.fixture(scope="module")
def forms(parsed):
    return {name: (r, extract_forms(r)) for name, r in parsed.items()}


def form_numbers(result, projects, indicators):
    """(line, grid column, text, first label) of every number printed on a form line that is not an
    indicator's: indicator rows are those `indicators` lists and those printing a comparison cell (≥ …:
    a target printed one row below its name)."""
    tids = {t for p in projects for t in p["table_ids"].split()}
    ind_lines = {i["source_line"] for i in indicators}
    out = []
    for t in result.tables:
        if t.table_id not in tids:
            continue
        for row in t.block.rows:
            keys = [key(c) for c in row.cells if c.strip()]
            if row.line in ind_lines or any(k in OPERATOR_CELLS for k in keys):
                continue
            for j, cell in enumerate(row.cells):
                text = cell.strip().replace(" ", "")
                if NUMBER.match(text):
                    out.append((row.line, j + 1, text, keys[0] if keys else ""))
    return out


def test_every_amount_printed_in_a_form_is_a_project_funds_row(forms):
    total = covered = 0
    for name, (result, (projects, indicators, _, funds)) in forms.items():
        at = {(f["source_line"], f["grid_col"]): f for f in funds}
        scores = {(p["source_line"], p["line_end"]): {p["score"], p["score_weight"]} for p in projects}
        table_totals = {p["table_total"] for p in projects if p.get("table_total") is not None}
        missing = []
        for line, col, text, first in form_numbers(result, projects, indicators):
            if first.startswith(FOOTER):
                continue  # 填报日期 / 联系电话: a date stamp or a phone number, not an amount
            total += 1
            f = at.get((line, col))
            if f is not None:
                assert f["published_value"].replace(" ", "") == text, (name, line, col, f)
                covered += 1
            elif first.startswith(TOTAL_SCORE) and any(
                    a <= line <= b and Decimal(text.replace(",", "")) in s for (a, b), s in scores.items()):
                covered += 1  # 总分: the indicators' total weight and score, projects.score_weight / score
            elif first.startswith("合计") and any(
                    Decimal(text.replace(",", "")) * u in table_totals for u in (1, 10000)):
                covered += 1  # the 合计 of a table listing many projects: projects.table_total
            else:
                missing.append((line, col, text))
        assert not missing, f"{name}: amounts printed in a form but in no project_funds row: {missing[:10]}"
    assert total > 800 and covered == total


def test_a_row_per_printed_cell_with_its_line(forms):
    for name, (result, (projects, _, _, funds)) in forms.items():
        ids = {p["project_id"] for p in projects}
        lines = result.source.lines
        seen = set()
        for f in funds:
            assert f["project_id"] in ids and (f["source_line"], f["grid_col"]) not in seen
            seen.add((f["source_line"], f["grid_col"]))
            cells = lines[f["source_line"] - 1].split("\t")
            assert cells[f["grid_col"] - 1].strip() == f["published_value"], (name, f)
            assert isinstance(f["value"], Decimal)
            if f["unit"] == "yuan":  # 万元 × 10000 exactly
                printed = Decimal(re.sub(r"[,\s万元]", "", f["published_value"]))
                assert f["value"] == printed * (10000 if f["published_unit"] == "万元" else 1)


def test_tong_cheng_department_sheet_keeps_2022_and_2023(forms):
    """通城's whole-department sheet prints 当年金额, 占比 and the two years before (2022 年 | 2023 年)."""
    name = next(n for n, (r, _) in forms.items() if any("通城县" in line for line in r.source.lines[:40]))
    _, (projects, _, _, funds) = forms[name]
    (dept,) = [p for p in projects if p["kind"] == "department_overall"]
    got = {(f["side"], f["source"], f["measure"], f["period"]): f["value"] for f in funds
           if f["project_id"] == dept["project_id"]}
    assert got[("income", "fiscal", "amount", "2022")] == Decimal("181249200")
    assert got[("income", "total", "amount", "2023")] == Decimal("227254100")
    assert got[("spending", "basic", "amount", "2022")] == Decimal("10066200")
    assert got[("spending", "project", "amount", "2023")] == Decimal("214683000")
    assert got[("income", "total", "budget", "2024")] == dept["funds_total"] == Decimal("345356900")
    assert got[("spending", "basic", "share", "2024")] == Decimal("5.10")


def test_ning_xia_other_funds_read_under_their_columns(forms):
    """A 其他资金 line printing 年初预算数 and 全年预算数 and a blank 全年执行数 is read column by column: its
    全年执行数 stays blank (it used to be taken for 168,000 元, more than the form's whole 全年执行数)."""
    name = next(n for n, (r, _) in forms.items() if any("宁夏回族自治区" in line for line in r.source.lines[:40]))
    _, (projects, _, _, funds) = forms[name]
    p = next(p for p in projects if p["name"] == "工伤预防业务能力提升培训班")
    got = {(f["source"], f["measure"]): f["value"] for f in funds if f["project_id"] == p["project_id"]}
    assert got[("other", "budget_start")] == got[("other", "budget_full")] == Decimal("168000")
    assert ("other", "spent") not in got and got[("total", "spent")] == Decimal("151900")
    # in every self-evaluation, no source spent more than the form as a whole
    for q in projects:
        rows = [f for f in funds if f["project_id"] == q["project_id"] and f["measure"] == "spent"]
        whole = [f["value"] for f in rows if f["source"] == "total"]
        assert all(f["value"] <= whole[0] for f in rows) if whole else True, q["name"]
