"""Projects and indicators (issue 6): slices of each form layout of the five disclosures, and the whole
documents. Amounts are Decimal 元."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.build import parse_document
from pipeline.forms.vocab import checked, level_of, money, parse_target
from pipeline.projects import extract_forms, extract_projects, unread_count
from slices import D, slice_doc

F000, F001, F002, F003, F004 = (
    "000_cc87251ff6602922.txt", "001_bd3f7cd467c3d411.txt", "002_ddb67f563ca0ac16.txt",
    "003_3b05b2496e039e91.txt", "004_cdac757885e1f80a.txt")


def forms(path: Path):
    return extract_forms(parse_document(path))


def inds_of(indicators, project):
    return [i for i in indicators if i["project_id"] == project["project_id"]]


def fund(funds, project, source, measure="budget", period="year", side="income"):
    """The project's printed amount (project_funds) of one source and measure; period "year" = the form's year."""
    got = [f["value"] for f in funds if f["project_id"] == project["project_id"] and f["source"] == source
           and f["measure"] == measure and f["side"] == side
           and (f["period"] != "implementation" if period == "year" else f["period"] == period)]
    assert len(got) <= 1, got
    return got[0] if got else None


@pytest.fixture(scope="module")
def docs():
    return {n: extract_forms(parse_document(D / n)) for n in (F000, F001, F002, F003, F004)}


# ------------------------------------------------------------------ cell readers
@pytest.mark.parametrize("text,expected", [
    ("≥90%", ("≥", Decimal("90"), "%")),
    ("1300 件", ("", Decimal("1300"), "件")),
    ("≤60 日", ("≤", Decimal("60"), "日")),
    ("≥1 亿元", ("≥", Decimal("1"), "亿元")),
    (">95%", (">", Decimal("95"), "%")),
    ("≤35000元/车年", ("≤", Decimal("35000"), "元/车年")),
    ("98%以上", ("≥", Decimal("98"), "%")),
    ("小于5%", ("<", Decimal("5"), "%")),
    ("有效提升", ("", None, "")),
    ("2024 年 12 月", ("", None, "")),
    ("12 月底前", ("", None, "")),
    ("2024年", ("", None, "")),
    ("500 0", ("", Decimal("5000"), "")),
])
def test_parse_target(text, expected):
    assert parse_target(text) == expected


def test_level_names_with_annotations_and_wraps():
    assert level_of("产出 指标 (50分)") == ("1", "产出指标")
    assert level_of("数量指标（必填硬性指标）") == ("2", "数量指标")
    assert level_of("质量指") == ("2", "质量指标")  # cut by the wrap
    assert level_of("服 务 对 象 满 意 度") == ("2", "服务对象满意度指标")
    assert level_of("可持 续影 响") == ("2", "可持续影响指标")
    assert level_of("成本指标（必填硬性指标）") == ("1?", "成本指标")  # either level, decided by the row
    assert level_of("益 指 标 (30分)") == ("1", "效益指标")  # the tail of a wrapped 效益指标
    assert level_of("劳动人事争议仲裁案件") is None


def test_checkbox_choice_and_money():
    assert checked("1、持续性项目 ☐ 2、新增性项目 ☑") == ["新增性项目"]
    assert checked("一年期项目") is None
    assert money("50 万元", "元") == (Decimal("500000"), "万元")
    assert money("662,997.28", "元") == (Decimal("662997.28"), "元")
    assert money("1,266.08", "万元")[0] == Decimal("12660800")


# ------------------------------------------------------------------ 000: one form per project, shifted cells
def test_000_form_slice_names_funds_hierarchy(tmp_path):
    head = "中卫市人力资源和社会保障局\n\n2024 年部门预算\n\n九、部门项目支出预算绩效目标表\n"
    projects, indicators, unread, funds = forms(slice_doc(tmp_path, F000, [(391, 440)], head))
    assert [p["name"] for p in projects] == ["取消劳动能力鉴定收费市级补助专项业务经费", "劳动人事争议仲裁办案专项业务经费"]
    p = projects[1]
    assert p["funds_total"] == Decimal("100000") and isinstance(p["funds_total"], Decimal)
    assert fund(funds, p, "fiscal") == Decimal("100000") and fund(funds, p, "other") == Decimal("0")
    assert p["attribute"] == "一年期项目" and p["period"] == "2024年"
    assert p["department_code"] == "310" and p["implementing_unit"].endswith("局机关")
    assert p["source_line"] > 0 and p["kind"] == "target"
    got = {i["name"]: i for i in inds_of(indicators, p)}
    # 立案案件办结率 prints no level: 产出指标 / 质量指标 carried down from 调解率's row
    assert (got["立案案件办结率"]["level1"], got["立案案件办结率"]["level2"]) == ("产出指标", "质量指标")
    assert got["劳动人事争议仲裁案件"]["target_value"] == Decimal("1300") and got["劳动人事争议仲裁案件"]["target_unit"] == "件"
    assert (got["案件办理时效"]["operator"], got["案件办理时效"]["target_value"], got["案件办理时效"]["target_unit"]) == ("≤", Decimal("60"), "日")
    assert got["劳动关系促进程度"]["target_text"] == "有所提升" and got["劳动关系促进程度"]["target_value"] is None
    assert got["仲裁人员满意度"]["level1"] == "满意度指标"
    assert not unread


def test_000_whole_document(docs):
    projects, indicators, unread, funds = docs[F000]
    assert len(projects) == 21 and all(p["name"] and p["funds_total"] is not None for p in projects)
    by = {p["name"]: p for p in projects}
    assert by["全民创业发展资金"]["funds_total"] == Decimal("27000000")
    # a level-1 cell printed on a later row of its block (效益指标 next to 成本指标) does not move 成本指标
    last = inds_of(indicators, by["企业职工养老保险市级财政补助"])
    cost = next(i for i in last if i["level2"] == "成本指标")
    assert cost["level1"] == "产出指标" and cost["target_value"] == Decimal("3525") and cost["target_unit"] == "万元"
    assert all(i["level1"] and i["level2"] for i in indicators)
    # a 三级指标 printed in the 一级 column still lands as the name, under the carried levels
    mid = next(i for i in indicators if i["name"].startswith("市直属“学前教师”"))
    assert (mid["level1"], mid["level2"], mid["target_text"]) == ("产出指标", "成本指标", "77万元")


# ------------------------------------------------------------------ 001: self-evaluations
def test_001_self_evaluation_slice(tmp_path):
    head = "宁夏回族自治区人力资源和社会保障厅\n\n2024 年度部门决算\n"
    projects, indicators, _, funds = forms(slice_doc(tmp_path, F001, [(671, 715)], head))
    (p,) = projects
    assert p["kind"] == "self_evaluation" and p["name"] == "人力资源信息系统运行维护费"
    assert fund(funds, p, "total", "budget_start") == Decimal("4798000") == fund(funds, p, "total", "budget_full")
    assert fund(funds, p, "total", "spent") == Decimal("3453500") and p["funds_total"] == Decimal("4798000")
    assert fund(funds, p, "total", "rate") == Decimal("71.98") and fund(funds, p, "total", "score") == Decimal("7.20")
    assert fund(funds, p, "fiscal", "budget_full") == Decimal("3200000")
    assert fund(funds, p, "carryover", "budget_full") == Decimal("1598000")
    assert p["score"] == Decimal("90.00") and p["department_code"] == "303" and p["implementing_unit_code"] == "303001"
    assert p["goals"].startswith("按照自治区党委信息化建设相关要求") and p["goals_actual"].startswith("2024年开展了OA")
    got = {(i["level2"], i["name"]): i for i in indicators}
    miss = got[("数量指标", "劳动保障监察业务管理系统2024年升级项目")]
    assert (miss["target_text"], miss["actual_text"], miss["weight"], miss["score"]) == ("1项", "", Decimal("1.5"), Decimal("0"))
    cost = got[("成本指标", "网络安全等级保护测评服务项目")]
    assert (cost["target_value"], cost["actual_text"], cost["score"]) == (Decimal("40"), "52.62万元", Decimal("1.3"))
    assert cost["deviation_reason"] == "本年度等保测评要求增加"
    # "双 指 标" (a piece of the vertical 绩效指标 label) is not taken for the name of the row after it
    assert ("成本指标", "密码应用安全性评估服务项目") in got
    sat = got[("服务对象满意度指标", "保障人社系统稳定运行")]
    assert (sat["level1"], sat["operator"], sat["target_value"]) == ("满意度指标", "≥", Decimal("98"))


def test_001_whole_document(docs):
    projects, indicators, unread, funds = docs[F001]
    assert len(projects) == 26 and all(p["kind"] == "self_evaluation" for p in projects)
    # a blank 年初预算数 is not printed: the amounts fill the columns from the right
    car = next(p for p in projects if p["name"] == "公务用车采购")
    assert fund(funds, car, "total", "budget_start") is None and fund(funds, car, "total", "budget_full") == Decimal("179800")
    assert fund(funds, car, "total", "spent") == Decimal("179800") and fund(funds, car, "total", "rate") == Decimal("100")
    first = projects[0]
    assert fund(funds, first, "total", "budget_start") == Decimal("10516800") and first["score"] == Decimal("92.87")
    assert all(p["score"] is not None for p in projects)
    assert {u["text"] for u in unread} >= {"指标2:", "双指标"}


# ------------------------------------------------------------------ 002: one table, many projects
def test_002_one_big_table_slice(tmp_path):
    head = "海东市人力资源和社会保障局\n\n2024 年部门预算\n"
    projects, indicators, _, funds = forms(slice_doc(tmp_path, F002, [(499, 541)], head))
    assert [p["name"] for p in projects] == ["劳动维权工作经费", "编制外长期聘用人员支出", "职业技能提升培训工作经费"]
    a, b, c = projects
    assert a["project_code"] == "63020000023T000000040" and a["category"] == "3-特定目标类"
    assert a["implementing_unit_code"] == "502001" and a["implementing_unit"] == "海东市人力资源和社会保障局(本级)"
    assert (a["funds_total"], b["funds_total"], c["funds_total"]) == (Decimal("80000"), Decimal("1264400"), Decimal("30000"))
    assert a["table_total"] == Decimal("12660800")
    ia = inds_of(indicators, a)
    first = ia[0]
    assert (first["level1"], first["level2"], first["name"]) == ("成本指标", "经济成本指标", "仲裁庭规范化执法办案办公设备")
    assert (first["operator"], first["target_value"], first["target_unit"], first["weight"]) == ("≥", Decimal("10"), "万元", Decimal("4"))
    wrapped = next(i for i in ia if i["name"] == "仲裁办案人员补助")
    assert wrapped["target_value"] == Decimal("5000")  # printed "500 0"
    qual = next(i for i in ia if i["name"].startswith("配备劳动保障监察制服"))
    assert (qual["nature"], qual["target_text"], qual["operator"]) == ("定性", "优", "")
    assert a["goals"].endswith("全市劳动关系进一步和谐稳定。")  # the goal's wrap is not an indicator's name


def test_002_whole_document_adds_up(docs):
    projects, indicators, _, funds = docs[F002]
    assert len(projects) == 36
    assert sum(p["funds_total"] for p in projects) == Decimal("12660800") == projects[0]["table_total"]
    names = {p["name"] for p in projects}
    # names wrapped into the next row's first cells (code and name, or name only)
    assert {"劳动能力鉴定工作经费", "专业技术人才培养工作经费", "公益性岗位补贴", "职业技能鉴定补贴(2023)",
            "就业创业服务补贴(2023)"} <= names
    units = {p["implementing_unit"] for p in projects}
    assert units == {"海东市人力资源和社会保障局(本级)", "海东市就业服务局", "海东市社会保险服务局"}


# ------------------------------------------------------------------ 003: whole-department sheet and checkbox forms
def test_003_checkbox_form_with_its_annual_table(tmp_path):
    head = "通城县人力资源和社会保障局\n\n2024 年部门预算\n"
    projects, indicators, _, funds = forms(slice_doc(tmp_path, F003, [(234, 268)], head))
    (p,) = projects
    assert p["name"] == "事业单位公开招聘工作人员及引进高层次人才考试招聘费"
    assert p["attribute"] == "新增性项目" and p["project_type"] == "一般公共预算"
    assert p["funds_total"] == Decimal("500000") and fund(funds, p, "fiscal") == Decimal("500000")
    assert len(p["table_ids"].split()) == 2  # the 年度绩效目标表 is a separate table of the same project
    assert p["goals"].startswith("积极做好招工录用") and p["goals_long_term"].startswith("做好机关事业单位公开招聘")
    phases = {i["phase"] for i in indicators}
    assert phases == {"长期", "年度"}
    cost = next(i for i in indicators if i["phase"] == "年度" and i["level2"] == "成本指标")
    assert (cost["operator"], cost["target_value"], cost["target_unit"], cost["basis"]) == ("≤", Decimal("50"), "万元", "计划标准")


def test_003_whole_document(docs):
    projects, indicators, _, funds = docs[F003]
    dept = [p for p in projects if p["kind"] == "department_overall"]
    (d,) = dept
    assert d["funds_total"] == Decimal("345356900")
    spending = {(f["source"], f["period"], f["row_label"]): f["value"] for f in funds
                if f["project_id"] == d["project_id"] and f["side"] == "spending" and f["measure"] == "budget"}
    assert spending[("project", "2024", "项目支出")] == Decimal("327760000")
    items = [p for p in projects if p["kind"] == "department_list_item"]
    assert len(items) == 25 and all(p["parent_project_id"] == d["project_id"] for p in items)
    # the list's 合计 prints both columns (项目总预算, 项目本年度预算), each the sum of the items' own
    assert sum(p["funds_total"] for p in items) == spending[("project", "2024", "合计")] == Decimal("327760000")
    assert sum(fund(funds, p, "total", period="implementation") for p in items) \
        == spending[("project", "implementation", "合计")]
    assert len([p for p in projects if p["kind"] == "target"]) == 4
    di = inds_of(indicators, d)
    sat = next(i for i in di if i["phase"] == "长期" and i["level2"] == "服务对象满意度指标")
    assert sat["name"] == "服务对象满意度" and sat["level1"] == "满意度指标"  # printed under 效益指标's block
    year = next(i for i in di if i["name"] == "年度返乡创业人数")
    assert (year["target_text"], year["prior_values"], year["basis"]) == ("≥400人", "700人; 400人", "计划标准")


# ------------------------------------------------------------------ 004: 元, 实施期 and 年度 side by side
def test_004_side_by_side_slice(tmp_path):
    head = "兴县人力资源和社会保障局\n\n2023 年部门预算\n"
    projects, indicators, _, funds = forms(slice_doc(tmp_path, F004, [(1494, 1528)], head))
    (p,) = projects
    assert p["name"] == "2023年企业退休人员烤火费(2022年后退休人员)"
    assert p["funds_total"] == Decimal("1381888") and fund(funds, p, "total", period="implementation") == Decimal("1381888")
    assert fund(funds, p, "local") == Decimal("1381888") and fund(funds, p, "central") == Decimal("0")
    assert fund(funds, p, "fiscal") is None  # not printed: not summed from its parts either
    assert p["attribute"] == "一次性项目(1年结束)" and p["period"] == "1年" and p["department_code"] == "035"
    annual = [i for i in indicators if i["phase"] == "年度"]
    period = [i for i in indicators if i["phase"] == "实施期"]
    assert len(annual) == len(period) == 7
    std = next(i for i in annual if i["level2"] == "成本指标")
    assert (std["target_value"], std["target_unit"]) == (Decimal("3360"), "元/人/年")


def test_004_whole_document(docs):
    projects, indicators, unread, funds = docs[F004]
    assert len(projects) == 40  # two of them in tables the parser typed `other` (title misread)
    assert all(p["funds_total"] is not None and p["funds_unit"] == "元" for p in projects)
    # a form without an indicator header row, columns drifting row by row
    p = next(p for p in projects if p["name"].startswith("2023年省级财政就业补助资金"))
    inds = inds_of(indicators, p)
    cost = [i for i in inds if i["level2"] == "成本指标"]
    assert {i["phase"] for i in cost} == {"实施期", "年度"} and all(i["target_value"] == Decimal("3.56") for i in cost)
    assert [u["source_line"] for u in unread if "城乡居民养老保险基本险" in u["text"]]


def test_extract_projects_contract(docs):
    r = parse_document(D / F000)
    r.forms = extract_projects(r)
    projects, indicators = r.forms.projects, r.forms.indicators
    assert unread_count(r) == 0
    assert r.forms.project_funds and {f["project_id"] for f in r.forms.project_funds} <= {p["project_id"] for p in projects}
    assert all(not k.startswith("funds_") or k in ("funds_total", "funds_unit") for p in projects for k in p)
    for p in projects:
        assert p["project_id"].startswith(p["doc_id"] + "-p") and p["source_line"] <= p["line_end"]
    for i in indicators:
        assert i["operator"] in ("", "≥", "≤", "=", ">", "<")
        assert i["target_value"] is None or isinstance(i["target_value"], Decimal)


# ------------------------------------------------------------------ layouts the five documents do not print
def test_reader_on_a_compact_head_and_a_new_cost_framework():
    """项目名称 and 主管部门 on one row; 成本指标 as a 一级 with 经济成本指标 under it (the newer framework)."""
    from pipeline.forms.form import FormReader
    from pipeline.model import Row

    rows = [
        ["项目名称", "示范项目", "主管部门", "101-某某局"],
        ["实施单位", "101001-某某中心", "项目属性", "☐ 新增项目 ☑ 延续项目"],
        ["项目资金（万元）", "年度资金总额", "12.5"],
        ["", "其中：财政拨款", "10"],
        ["", "其他资金", "2.5"],
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "培训人次", "≥200人次"],
        ["", "", "发放证书", "180 本"],
        ["成本指标", "经济成本指标", "人均培训成本", "≤625元"],
        ["满意度指标", "服务对象满意度指标", "学员满意度", "95%以上"],
        ["", "", "一段无法归属的说明文字", "", ""],
    ]
    reader = FormReader("doc", "万元", "target")
    for n, cells in enumerate(rows, start=1):
        reader.feed(Row(n, cells))
    p, inds, _, unread = reader.finish()
    p["project_id"] = "x"
    funds = [{"project_id": "x", **f} for f in p["_funds"]]
    assert (p["name"], p["department"], p["department_code"]) == ("示范项目", "某某局", "101")
    assert (p["implementing_unit"], p["implementing_unit_code"], p["attribute"]) == ("某某中心", "101001", "延续项目")
    assert (p["funds_total"], fund(funds, p, "fiscal"), fund(funds, p, "other")) == (Decimal("125000"), Decimal("100000"), Decimal("25000"))
    assert [(f["source_line"], f["grid_col"], f["published_value"]) for f in funds] == [(3, 3, "12.5"), (4, 3, "10"), (5, 3, "2.5")]
    got = {i["name"]: i for i in inds}
    assert (got["发放证书"]["level1"], got["发放证书"]["level2"], got["发放证书"]["target_value"]) == ("产出指标", "数量指标", Decimal("180"))
    assert (got["人均培训成本"]["level1"], got["人均培训成本"]["level2"]) == ("成本指标", "经济成本指标")
    assert (got["学员满意度"]["operator"], got["学员满意度"]["target_value"], got["学员满意度"]["target_unit"]) == ("≥", Decimal("95"), "%")
    # a lone text cell after a short name is an indicator printed without its value (a long name's
    # wrapped tail is joined to it instead: 003 line 331)
    lone = got["一段无法归属的说明文字"]
    assert (lone["level1"], lone["target_text"], lone["target_value"]) == ("满意度指标", "", None)
    assert not unread
