"""The figures the explanations state (`text_figures`): read whatever the layout and wording, published
for every document, and compared only with the table they name."""
from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.build import parse_document
from pipeline.validate import validate
from pipeline.validate.catalogue import RULES, rule_catalogue
from pipeline.validate.core import Doc
from pipeline.validate.rules_text import text_figure_rows
from tests.slices import D

ZW, NX, HD, TC, XX = (
    "000_cc87251ff6602922.txt", "001_bd3f7cd467c3d411.txt", "002_ddb67f563ca0ac16.txt",
    "003_3b05b2496e039e91.txt", "004_cdac757885e1f80a.txt",
)


def variant(tmp_path: Path, name: str, old: str, new: str) -> object:
    """The disclosure with one passage rewritten, parsed as a new document."""
    text = (D / name).read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    p = tmp_path / name
    p.write_text(text.replace(old, new), encoding="utf-8")
    return parse_document(p)


def warnings(result, rule_id: str) -> list[dict]:
    """Errors and warnings of one rule, less those the untouched document already has (001's three
    hand-checked all-funds figures)."""
    known = {f["message"] for f in _bad(_original(Path(result.source.path).name), rule_id)}
    return [f for f in _bad(result, rule_id) if f["message"] not in known]


def _bad(result, rule_id: str) -> list[dict]:
    return [f for f in validate(result).findings if f["rule_id"] == rule_id and f["severity"] in ("error", "warning")]


_ORIGINALS: dict[str, object] = {}


def _original(name: str):
    if name not in _ORIGINALS:
        _ORIGINALS[name] = parse_document(D / name)
    return _ORIGINALS[name]


def by_measure(result) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in text_figure_rows(Doc(result)):
        out.setdefault(row["measure"], []).append(row)
    return out


def test_every_rule_has_one_chinese_name_declared_in_the_catalogue():
    names = [r.name_zh for r in RULES]
    assert all(n and any("\u4e00" <= ch <= "\u9fff" for ch in n) for n in names)
    assert len(set(names)) == len(names)
    assert [c["name_zh"] for c in rule_catalogue()] == names


def test_headline_figures_of_a_document_whose_tables_are_published_elsewhere(parsed):
    r = parsed[TC]  # 通城: tables 另附; the text alone gives the headline figures
    got = by_measure(r)
    lines = r.source.lines
    for measure, value in (("收入总计", "16201400"), ("支出总计", "16201400"), ("基本支出", "10981400"),
                           ("项目支出", "5220000"), ("三公经费", "65000")):
        rows = got[measure]
        assert [x["value"] for x in rows] == [Decimal(value)], measure
        assert rows[0]["published_value"] in lines[rows[0]["source_line"] - 1]
        assert rows[0]["published_unit"] == "万元" and rows[0]["table_type"]
    assert validate(r).text_figures == text_figure_rows(Doc(r))


def test_figures_are_published_in_the_package_with_their_declared_fields(parsed):
    from pipeline.package import load_schema

    declared = {f["name"] for res in load_schema()[1] if res["name"] == "text_figures" for f in res["fields"]}
    for r in parsed.values():
        for row in text_figure_rows(Doc(r)):
            assert set(row) <= declared
            assert isinstance(row["value"], Decimal) and row["source_line"] >= 1


def test_a_figure_on_its_own_line_after_its_keyword(tmp_path):
    r = variant(tmp_path, ZW, "人员经费 1557.48 万元，", "人员经费\n1557.48 万元，")
    assert [x["value"] for x in by_measure(r)["人员经费"]] == [Decimal("15574800.00")]
    assert warnings(r, "text.figures") == []
    r = variant(tmp_path, ZW, "人员经费 1557.48 万元，", "人员经费\n1575.48 万元，")
    got = warnings(r, "text.figures")
    assert len(got) == 1 and "人员经费" in got[0]["message"]


@pytest.mark.parametrize("wording", ["收入支出总计", "收支总计", "收、支总计"])
def test_grand_total_wordings_are_one_measure(tmp_path, wording):
    r = variant(tmp_path, NX, "2024 年度收、支总计 516247561.00 元", f"2024 年度{wording} 516247561.00 元")
    assert [x["value"] for x in by_measure(r)["收支总计"]] == [Decimal("516247561.00")]
    assert warnings(r, "text.figures") == []
    r = variant(tmp_path, NX, "2024 年度收、支总计 516247561.00 元", f"2024 年度{wording} 516247661.00 元")
    assert len(warnings(r, "text.figures")) == 1


@pytest.mark.parametrize("wording", ["财政拨款收入支出总计", "财政拨款收支总计"])
def test_fiscal_grand_total_wordings_are_one_measure(tmp_path, wording):
    old = "2024 年度财政拨款收、支总计 502210573.36 元"
    r = variant(tmp_path, NX, old, f"2024 年度{wording} 502210573.36 元")
    assert [x["value"] for x in by_measure(r)["财政拨款收支总计"]] == [Decimal("502210573.36")]
    assert "收支总计" not in by_measure(r) or all(x["source_line"] != by_measure(r)["财政拨款收支总计"][0]["source_line"]
                                               for x in by_measure(r)["收支总计"])
    assert warnings(r, "text.figures") == []


# The quick filters in front of the regexes (issue 16): a text without the characters is skipped, so each must
# be a true consequence of its regex, on every keyword and on the texts of every disclosure.
def test_the_characters_a_keyword_needs_are_in_every_match_of_it(parsed):
    import re

    from pipeline.validate.rules_text import KEYWORDS, required_chars

    assert required_chars(re.compile(r"(?<!项目)[“\"]?三公[”\"]?经费(?:支出)?")) == set("三公经费")
    assert required_chars(re.compile(r"甲乙|丙丁")) == frozenset()  # an alternative: nothing is needed by both
    assert required_chars(re.compile(r"ab", re.IGNORECASE)) == frozenset()
    assert required_chars(re.compile(r"a(?i:b)c")) == set("ac")  # a part matched in any case needs no letter
    matched = 0
    for result in parsed.values():
        for line in result.source.lines:
            for kw in KEYWORDS:
                for m in kw.pattern.finditer(line):
                    matched += 1
                    assert required_chars(kw.pattern) <= set(m.group(0)), (kw.name, m.group(0))
    assert matched > 100
    assert all(required_chars(kw.pattern) for kw in KEYWORDS)  # every keyword is filtered


def test_placeholder_lines_are_found_as_a_regex_on_every_line_finds_them(parsed):
    from pipeline.validate.rules_document import _PLACEHOLDER_CHARS, PLACEHOLDER, _lines_holding

    lines = ["XX局", "", "无", "×× 万元 和 某某", "2020年", "〇〇", "xxgk", "ｘｘ单位"]
    for result in parsed.values():
        lines += result.source.lines
    holding = set(_lines_holding(lines, _PLACEHOLDER_CHARS))
    assert holding == {n for n, line in enumerate(lines, 1) if any(c in line for c in _PLACEHOLDER_CHARS)}
    assert {n for n, line in enumerate(lines, 1) if PLACEHOLDER.search(line)} <= holding
    assert {1, 4, 6, 8} <= holding and not {2, 3, 5} & holding
    assert _lines_holding(["无", "甲"], _PLACEHOLDER_CHARS) == []
