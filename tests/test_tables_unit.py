"""Per table type and per extraction defect, on slices of the real disclosures (and a few synthetic lines
where the five documents have no example)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from pipeline.build import parse_document
from pipeline.classify import MONEY_TYPES
from slices import D, slice_doc



def facts_at(result, line_text: str):
    """Facts of the sliced row whose printed label contains line_text."""
    return {f["column_label"]: f for f in result.facts if line_text in f["row_label"]}


FINAL_HEAD = "2024 年度\n\n宁夏回族自治区人力资源和社会保障厅\n\n部门决算\n"
BUDGET_HEAD = "中卫市人力资源和社会保障局（汇总）\n\n2024 年部门预算\n"


def test_shifted_header_row_and_narrower_continuation(tmp_path):
    # 公开05: the header's first row is one column left of its numbers; page 2 prints code|name in 2 cells
    r = parse_document(slice_doc(tmp_path, "001_bd3f7cd467c3d411.txt", [(266, 310)], FINAL_HEAD))
    (t,) = r.tables
    assert t.table_type == "general_budget_expenditure" and t.block.label == "公开05表"
    total = facts_at(r, "合计")
    assert total["本年支出合计"]["value"] == Decimal("441719025.78")
    assert total["项目支出"]["value"] == Decimal("341973304.93")
    page2 = facts_at(r, "引进人才费用")
    assert page2["本年支出合计"]["code"] == "2080116" and "基本支出" not in page2


def test_wrapped_labels_are_joined(tmp_path):
    r = parse_document(slice_doc(tmp_path, "001_bd3f7cd467c3d411.txt", [(266, 310)], FINAL_HEAD))
    labels = {f["row_label"] for f in r.facts}
    assert "其他人力资源和社会保障管理事务支出" in labels and "机关事业单位基本养老保险缴费支出" in labels


def test_code_filled_from_another_table_is_marked(tmp_path):
    # 公开03 page 1 prints names without codes; 公开05 prints both
    r = parse_document(slice_doc(tmp_path, "001_bd3f7cd467c3d411.txt", [(174, 218), (266, 310)], FINAL_HEAD))
    exp = [t for t in r.tables if t.table_type == "expenditure"][0]
    f = next(f for f in exp.facts if f["row_label"] == "招商引资")
    assert f["code"] == "2011308" and f["code_inferred"] is True
    g = next(f for f in exp.facts if f["row_label"] == "职业培训补贴")
    assert g["code"] == "2080702" and g["code_inferred"] is False
    alone = parse_document(slice_doc(tmp_path, "001_bd3f7cd467c3d411.txt", [(174, 218)], FINAL_HEAD))
    assert next(f for f in alone.facts if f["row_label"] == "招商引资")["code"] == ""  # nothing invented


def test_two_sided_table_with_line_numbers(tmp_path):
    r = parse_document(slice_doc(tmp_path, "001_bd3f7cd467c3d411.txt", [(85, 127)], FINAL_HEAD))
    (t,) = r.tables
    assert t.table_type == "income_expenditure_summary"
    kinds = [c.kind for c in t.columns]
    assert kinds == ["label", "index", "amount", "label", "index", "amount"]
    f = {(f["row_label"], f["column_label"]): f["published_value"] for f in r.facts}
    assert f[("八、其他收入", "收入 / 决算数")] == "2656901.4"
    assert f[("八、社会保障和就业支出", "支出 / 决算数")] == "420395015.35"
    assert not any(f["published_value"] in ("38", "59") for f in r.facts)  # 行次 are not amounts


def test_lanes_side_by_side(tmp_path):
    r = parse_document(slice_doc(tmp_path, "001_bd3f7cd467c3d411.txt", [(312, 353)], FINAL_HEAD))
    by = {(f["code"], f["column_label"]): f["published_value"] for f in r.facts}
    assert by[("30101", "人员经费 / 金额")] == "21,181,024.00"
    assert by[("30217", "公用经费 / 金额")] == "40,742.26"
    assert by[("31002", "公用经费 / 金额")] == "63,849.00"


def test_budget_unit_groups_rows(tmp_path):
    r = parse_document(slice_doc(tmp_path, "000_cc87251ff6602922.txt", [(116, 204)], BUDGET_HEAD))
    f = [f for f in r.facts if f["code"] == "2080109"]
    assert {x["budget_unit"] for x in f} == {"310002", "310004"}
    unit = next(x for x in r.facts if x["code"] == "310001")
    assert unit["code_kind"] == "budget_unit"
    assert next(x for x in r.facts if x["code"] == "20801")["code_kind"] == "functional"


def test_percent_and_negative(tmp_path):
    r = parse_document(slice_doc(tmp_path, "000_cc87251ff6602922.txt", [(116, 204)], BUDGET_HEAD))
    f = {x["column_label"]: x for x in r.facts if x["code"] == "310001"}
    pct = f["2024年预算数与2023年执行数(决算数) / 增减%"]
    assert pct["value_unit"] == "percent" and pct["value"] == Decimal("-22.64")
    diff = f["2024年预算数与2023年执行数(决算数) / 增减额"]
    assert diff["value"] == Decimal("-3180100.00") and diff["published_unit"] == "万元"


def test_three_public_costs_block_headers(tmp_path):
    r = parse_document(slice_doc(tmp_path, "002_ddb67f563ca0ac16.txt", [(348, 355)], BUDGET_HEAD))
    by = {f["column_label"]: f["published_value"] for f in r.facts}
    assert by["上年预算数 / 公务接待费"] == "6.50"
    assert by["2024年预算数 / 合计"] == "11.00"


def test_empty_table_with_note(tmp_path):
    r = parse_document(slice_doc(tmp_path, "002_ddb67f563ca0ac16.txt", [(357, 365)], BUDGET_HEAD))
    (t,) = r.tables
    assert t.table_type == "government_fund" and t.status == "empty" and not t.facts


SYNTHETIC = """某县某局2024年部门预算

一般公共预算支出表

单位：元

科目编码\t\t\t科目名称\t合计\t基本支出\t项目支出
类\t款\t项\t\t\t\t
208\t01\t01\t行政运行\t1,200.50\t1,200.50\t-
208\t01\t99\t其他\t-30.00\t\t-30.00
"""


def test_code_split_over_three_cells_and_dash(tmp_path):
    p = tmp_path / "s.txt"
    p.write_text(SYNTHETIC, encoding="utf-8")
    r = parse_document(p)
    f = {(x["code"], x["column_label"]): x for x in r.facts}
    assert f[("2080101", "合计")]["value"] == Decimal("1200.50")
    dash = f[("2080101", "项目支出")]
    assert dash["value"] is None and dash["published_value"] == "-"  # printed dash: a fact, no value
    assert f[("2080199", "合计")]["value"] == Decimal("-30.00")
    assert ("2080199", "基本支出") not in f  # blank, not zero
    assert r.document["agency"] == "某县某局" and r.document["unit"] == "元"


@pytest.mark.parametrize("title,kind", [
    ("财政拨款收支预算总表", "fiscal_grant_summary"), ("收入支出决算总表", "income_expenditure_summary"),
    ("部门收入预算表", "income"), ("支出决算表", "expenditure"),
    ("一般公共预算财政拨款基本支出决算表", "general_budget_basic_expenditure"),
    ("一般公共预算支出预算表（按功能分类项）", "general_budget_expenditure"),
    ("财政拨款“三公”经费支出决算表", "three_public_costs"), ("2023年政府性基金预算收入表", "government_fund"),
    ("国有资本经营预算财政拨款支出决算表", "state_capital"), ("2023年机关运行经费预算财政拨款情况统计表", "operating_costs"),
    ("2023年项目支出预算表（上年结转）", "project_expenditure"), ("部门项目支出预算绩效目标表", "performance"),
    ("自治区人力资源和社会保障厅2024年项目支出绩效自评表目录", "other"), ("序号", "other"),
])
def test_table_type(title, kind):
    from pipeline.classify import table_type

    assert table_type(title) == kind


AMBIGUOUS = """某县某局2024年部门预算

一般公共预算支出表

单位：元

科目编码\t\t\t科目名称\t合计\t基本支出\t项目支出
类\t款\t项\t\t\t\t
2080101\t行政运行\t100.00\t60.00\t40.00
2080102\t\t90.00\t50.00\t40.00

说明文字。
"""


def test_narrower_label_block_with_a_blank_name(tmp_path):
    """2080102 prints code | blank | amounts under a header four label columns wide: the blank could be the
    name or a blank first amount. Read as the name, the row adds up (90 = 50 + 40); that is the reading."""
    p = tmp_path / "a.txt"
    p.write_text(AMBIGUOUS, encoding="utf-8")
    r = parse_document(p)
    f = {(x["code"], x["column_label"]): x["published_value"] for x in r.facts}
    assert f[("2080101", "合计")] == "100.00" and f[("2080101", "项目支出")] == "40.00"
    assert f[("2080102", "合计")] == "90.00" and f[("2080102", "项目支出")] == "40.00"
    assert next(x for x in r.facts if x["code"] == "2080102")["label_inferred"] is False


def test_table_continued_with_repeated_header_and_title(tmp_path):
    """A continuation page that repeats the title (…（续）) and the header is still one table."""
    lines = (D / "002_ddb67f563ca0ac16.txt").read_text(encoding="utf-8").split("\n")
    head, first, rest = lines[264:270], lines[270:285], lines[285:303]
    text = "\n".join([BUDGET_HEAD, *head, *first, "", "一般公共预算支出表（续）", "", "单位：万元", "",
                      *lines[268:270], *rest, "", "说明。"])
    p = tmp_path / "c.txt"
    p.write_text(text, encoding="utf-8")
    r = parse_document(p)
    (t,) = [t for t in r.tables if t.table_type == "general_budget_expenditure"]
    whole = parse_document(slice_doc(tmp_path, "002_ddb67f563ca0ac16.txt", [(265, 303)], BUDGET_HEAD))
    key = lambda f: (f["code"], f["row_label"], f["column_label"], f["value"])  # noqa: E731
    assert sorted(map(key, t.facts), key=repr) == sorted(map(key, whole.facts), key=repr)


def test_row_parent_from_outline_numbering(tmp_path):
    """Two rows print the same label (其中：财政拨款支出) under different parents; row_parent tells them
    apart."""
    r = parse_document(slice_doc(tmp_path, "000_cc87251ff6602922.txt", [(299, 345)], BUDGET_HEAD))
    rows = {(f["row_label"], f["published_value"]): f["row_parent"] for f in r.facts}
    assert rows[("其中：财政拨款支出", "1086.46")] == "一、行政支出"
    assert rows[("其中：财政拨款支出", "41217.27")] == "二、事业支出"
    assert rows[("本级安排", "42303.73")] == "(1)一般公共预算财政拨款收入"
    assert rows[("本年收入合计", "42303.73")] == ""


def test_grid_col_puts_shifted_cells_under_their_headers(tmp_path):
    """公开05's page 1 prints its label block one column wider than its header, page 2 one narrower: each
    cell's grid_col is the header column it belongs to, so readers can lay the table out as published."""
    r = parse_document(slice_doc(tmp_path, "001_bd3f7cd467c3d411.txt", [(266, 310)], FINAL_HEAD))
    (t,) = r.tables
    placed = {(c["source_line"], c["text"], c["grid_col"]) for c in t.cells}
    for f in t.facts:
        assert (f["source_line"], f["published_value"], f["column_index"]) in placed
    total_row = [c for c in t.cells if c["text"] == "合计"][0]
    name_p2 = [c for c in t.cells if c["text"] == "引进人才费用"][0]
    assert total_row["col"] == 4 and total_row["grid_col"] == 3  # name just left of 本年支出合计
    assert name_p2["col"] == 2 and name_p2["grid_col"] == 3
    assert all(c["grid_col"] == c["col"] for c in t.cells if c["row"] <= t.header_rows)


def test_a_tables_columns_made_when_asked_for_are_its_layouts(disclosure_paths):
    """A money table's columns are made with its facts; any other table's (forms, mostly) when first asked
    for: either way they are the columns of the block's layout, and a table asked twice gets the same list."""
    from pipeline.tables import columns_of, layout

    kinds = set()
    for path in disclosure_paths:
        for t in parse_document(path).tables:
            made = t._columns is not None
            kinds.add(made)
            assert made or t.table_type not in MONEY_TYPES, (path.name, t.title)
            assert t.columns == columns_of(layout(t.block)), (path.name, t.title)
            assert t.columns is t.columns
    assert kinds == {True, False}  # both ways were taken
