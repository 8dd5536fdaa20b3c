"""Every table of each disclosure's standard set is found and typed."""
from __future__ import annotations

from collections import Counter

import pytest

EXPECTED = {
    # 9 公开 tables of the final accounts, in order, with the two empty ones printed without data
    "001_bd3f7cd467c3d411.txt": [
        ("公开01表", "income_expenditure_summary", "parsed"), ("公开02表", "income", "parsed"),
        ("公开03表", "expenditure", "parsed"), ("公开04表", "fiscal_grant_summary", "parsed"),
        ("公开05表", "general_budget_expenditure", "parsed"),
        ("公开06表", "general_budget_basic_expenditure", "parsed"),
        ("公开07表", "three_public_costs", "parsed"), ("公开08表", "government_fund", "empty"),
        ("公开09表", "state_capital", "empty"),
    ],
}

BUDGET_SETS = {
    "000_cc87251ff6602922.txt": {
        "fiscal_grant_summary": 1, "general_budget_expenditure": 1, "general_budget_basic_expenditure": 1,
        "three_public_costs": 1, "government_fund": 1, "income_expenditure_summary": 1, "income": 1,
        "expenditure": 1, "performance": 21,
    },
    "002_ddb67f563ca0ac16.txt": {
        "income_expenditure_summary": 1, "income": 1, "expenditure": 1, "fiscal_grant_summary": 1,
        "general_budget_expenditure": 1, "general_budget_basic_expenditure": 1, "three_public_costs": 1,
        "government_fund": 1, "state_capital": 1, "performance": 1, "other": 1,
    },
    # the tables themselves are published elsewhere (另附); only the performance forms are in the text
    "003_3b05b2496e039e91.txt": {"performance": 8},
    "004_cdac757885e1f80a.txt": {
        "other": 1, "income_expenditure_summary": 1, "income": 1, "expenditure": 1, "fiscal_grant_summary": 1,
        "general_budget_expenditure": 1, "general_budget_basic_expenditure": 1, "government_fund": 2,
        "state_capital": 1, "three_public_costs": 1, "operating_costs": 1, "project_expenditure": 2,
        "performance": 40,
    },
}


def test_final_accounts_nine_tables(parsed):
    for name, expected in EXPECTED.items():
        tables = [t for t in parsed[name].tables if t.block.label]
        got = [(t.block.label, t.table_type, t.status) for t in tables]
        assert got == expected


@pytest.mark.parametrize("name", sorted(BUDGET_SETS))
def test_budget_sets(parsed, name):
    got = Counter(t.table_type for t in parsed[name].tables)
    assert dict(got) == BUDGET_SETS[name]


def test_empty_tables_say_so(parsed):
    t = [t for t in parsed["002_ddb67f563ca0ac16.txt"].tables if t.table_type == "government_fund"][0]
    assert t.status == "empty" and "空表" in " ".join(t.notes)
    t = [t for t in parsed["004_cdac757885e1f80a.txt"].tables if t.table_type == "state_capital"][0]
    assert t.status == "empty" and "无数据" in " ".join(t.notes)
    assert not t.facts and t.cells  # the codes printed in an empty table stay in cells


def test_metadata(parsed):
    docs = {n: r.document for n, r in parsed.items()}
    assert docs["000_cc87251ff6602922.txt"]["agency"] == "中卫市人力资源和社会保障局"
    assert docs["001_bd3f7cd467c3d411.txt"]["kind"] == "final_accounts"
    assert docs["001_bd3f7cd467c3d411.txt"]["unit"] == "元"
    assert docs["002_ddb67f563ca0ac16.txt"]["agency"] == "海东市人力资源和社会保障局"  # wrap space removed
    assert docs["003_3b05b2496e039e91.txt"]["agency"] == "通城县人力资源和社会保障局"
    assert docs["004_cdac757885e1f80a.txt"]["fiscal_year"] == 2023
    assert {d["unit"] for n, d in docs.items() if n != "001_bd3f7cd467c3d411.txt"} == {"万元"}
    assert len({d["doc_id"] for d in docs.values()}) == 5
    assert all(d["doc_id"].isascii() for d in docs.values())


def test_sidecar_pins_ids(tmp_path, disclosure_paths):
    import json
    import shutil

    from pipeline.build import parse_document

    src = disclosure_paths[0]
    p = tmp_path / src.name
    shutil.copy(src, p)
    plain = parse_document(p).document
    assert plain["doc_id"] == f"{plain['agency_id']}-{plain['fiscal_year']}-budget"
    p.with_name(p.stem + ".meta.json").write_text(json.dumps({"agency_id": "zhongwei-rsj"}), encoding="utf-8")
    pinned = parse_document(p).document
    assert pinned["agency_id"] == "zhongwei-rsj" and pinned["doc_id"] == "zhongwei-rsj-2024-budget"
