"""The same disclosure in other clothes gives the same facts: re-encoded (GB18030, UTF-8 with BOM), CRLF,
money restated from 万元 to 元, markup left in cells. Bad files give located messages and do not stop the
others."""
from __future__ import annotations

import random
import re
import shutil
import sys
from collections import Counter
from decimal import Decimal

import layouts
import pytest

from pipeline.build import parse_all, parse_document
from pipeline.read import CHECKED, OTHER_SPACES, UNCHECKED, clean_line

SAMPLE = "000_cc87251ff6602922.txt"  # a budget in 万元
FINAL = "001_bd3f7cd467c3d411.txt"  # final accounts in 元


def fact_key(f):
    return (f["source_line"], f["row_label"], f["code"], f["column_label"], f["value"], f["value_unit"])


def facts_of(result):
    return sorted((fact_key(f) for f in result.facts), key=repr)


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig"])
def test_reencoded_gives_same_facts(parsed, disclosure_paths, tmp_path, encoding):
    for name in (SAMPLE, FINAL):
        src = next(p for p in disclosure_paths if p.name == name)
        text = src.read_text(encoding="utf-8")
        out = tmp_path / name
        out.write_bytes(text.encode(encoding))
        result = parse_document(out)
        assert facts_of(result) == facts_of(parsed[name])
        assert result.document["agency"] == parsed[name].document["agency"]


def test_crlf_gives_same_facts_and_lines(parsed, disclosure_paths, tmp_path):
    src = next(p for p in disclosure_paths if p.name == FINAL)
    out = tmp_path / src.name
    out.write_bytes(src.read_bytes().replace(b"\n", b"\r\n"))
    result = parse_document(out)
    assert facts_of(result) == facts_of(parsed[FINAL])
    assert len(result.cells) == len(parsed[FINAL].cells)


def test_restated_in_yuan_gives_same_facts(parsed, disclosure_paths, tmp_path):
    """Every amount of the 万元 budget restated in 元 (×10000, printed with two decimals) and its 单位 lines
    changed: the facts' values in 元 are the same."""
    src = next(p for p in disclosure_paths if p.name == SAMPLE)
    lines = src.read_text(encoding="utf-8").split("\n")
    original = parsed[SAMPLE]
    for f in original.facts:
        if f["value_unit"] != "yuan" or f["value"] is None:
            continue
        i = f["source_line"] - 1
        cells = lines[i].split("\t")
        j = next(j for j, c in enumerate(cells) if c.strip() == f["published_value"])
        cells[j] = f"{f['value']:.2f}" + "\u200b"  # mark as done; stripped below
        lines[i] = "\t".join(cells)
    text = "\n".join(lines).replace("\u200b", "").replace("单位：万元", "单位：元")
    out = tmp_path / src.name
    out.write_text(text, encoding="utf-8")
    restated = parse_document(out)
    money = lambda r: sorted(((f["source_line"], f["column_label"], f["value"]) for f in r.facts  # noqa: E731
                              if f["value_unit"] == "yuan"), key=repr)
    assert money(restated) == money(original)
    assert {f["published_unit"] for f in restated.facts if f["value_unit"] == "yuan"} == {"元"}


def test_markup_in_cells_becomes_text():
    assert clean_line("<p>目标 1：就业</p> <p>目标 2：培训</p>\t<br/>12.00") == "目标 1：就业 目标 2：培训\t12.00"
    assert clean_line('1、持续性项目 <input type="checkbox"/>\t2、新增性项目 <input checked="" type="checkbox"/>') \
        == f"1、持续性项目 {UNCHECKED}\t2、新增性项目 {CHECKED}"
    assert clean_line("**（一）财政拨款收入：**指本级财政当年拨付的资金") == "（一）财政拨款收入：指本级财政当年拨付的资金"
    assert clean_line("### 收支总表") == "收支总表"
    assert clean_line("A &amp; B") == "A & B"


def test_markup_inside_a_table_row_keeps_the_amounts(tmp_path, disclosure_paths, parsed):
    src = next(p for p in disclosure_paths if p.name == SAMPLE)
    lines = src.read_text(encoding="utf-8").split("\n")
    i = 127  # line 128: 2080101 行政运行 …
    cells = lines[i].split("\t")
    cells[1] = f"<p>{cells[1]}</p><br>"
    lines[i] = "\t".join(cells)
    out = tmp_path / src.name
    out.write_text("\n".join(lines), encoding="utf-8")
    assert facts_of(parse_document(out)) == facts_of(parsed[SAMPLE])


def test_bad_files_do_not_stop_the_others(tmp_path, disclosure_paths):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(next(p for p in disclosure_paths if p.name == SAMPLE), folder / SAMPLE)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    text = next(p for p in disclosure_paths if p.name == FINAL).read_text(encoding="utf-8").split("\n")
    (folder / "cut.txt").write_text("\n".join(text[:150]), encoding="utf-8")  # ends inside 公开02
    results, failures = parse_all(sorted(folder.iterdir()))
    assert sorted(r.source.path.split("/")[-1] for r in results) == [SAMPLE, "cut.txt"]
    messages = {m.file.split("/")[-1]: str(m) for m in failures}
    assert "empty" in messages["empty.txt"]
    assert "binary" in messages["binary.txt"]
    cut = next(r for r in results if r.source.path.endswith("cut.txt"))
    located = [m for m in cut.messages if "cut off" in m.text]
    assert located and located[0].line == 150
    assert len([t for t in cut.tables if t.facts]) == 2  # 公开01 whole, 公开02 as far as printed


def test_damaged_bytes_are_reported_not_fatal(tmp_path, disclosure_paths):
    from pipeline.read import read_source

    text = next(p for p in disclosure_paths if p.name == SAMPLE).read_text(encoding="utf-8")
    p = tmp_path / "x.txt"
    p.write_bytes(text.encode("gb18030") + b"\xff\xfe\xfa\n")
    src = read_source(p)
    assert src.encoding == "gb18030"
    assert any("U+FFFD" in m.text for m in src.messages)


def test_blank_is_not_zero(parsed):
    facts = [f for f in parsed[FINAL].facts if f["source_line"] == 97]  # 二、政府性基金… printed blank
    assert not [f for f in facts if f["column_label"] == "收入 / 决算数"]
    zero = [f for f in parsed[SAMPLE].facts if f["source_line"] == 128 and f["published_value"] == "0"]
    assert zero and zero[0]["value"] == Decimal(0)


def test_white_space_is_tidied_alike_on_every_path():
    """clean_line tells lines whose only white space is spaces and tabs from the others by one list of the
    other white space characters: the list holds every one of them, and both paths give the same cells."""
    other = re.compile(f"[{OTHER_SPACES}]")
    assert {chr(i) for i in range(sys.maxunicode + 1) if other.match(chr(i))} \
        == {chr(i) for i in range(sys.maxunicode + 1) if chr(i).isspace()} - set(" \t\n")
    assert clean_line(" 收  入 \t\t 支 出\t  ") == "收 入\t\t支 出\t"  # spaces only
    assert clean_line("  合计  ") == "合计"
    for space in ("\u3000", "\xa0"):  # the markup path: the same cells
        assert clean_line(f"收{space} 入\t 支出{space}") == clean_line("收 入\t 支出 ") == "收 入\t支出"
    assert clean_line("支出\u2002\t\x0b1") == "支出\t1"  # other white space at a cell's ends: stripped
    assert clean_line("\t___ ") == ""  # a rule, spaces or not
    # a line of words with single spaces between printed characters is left as it is; any other spacing is
    # tidied cell by cell: both as splitting every cell on white space and joining it by one space makes it
    rng = random.Random(16)
    for _ in range(3000):
        line = "".join(rng.choice(["收", "a", "1", " ", " ", "\t"]) for _ in range(rng.randint(1, 12)))
        assert clean_line(line) == "\t".join(" ".join(cell.split()) for cell in line.split("\t")), repr(line)


def test_markdown_table_rules_are_not_rows():
    assert clean_line("------\t------\t-------\t------") == ""
    assert clean_line("|---|:---:|") == ""
    assert clean_line("-\t-\t-") == "-\t-\t-"  # dashes printed as values stay


def test_markdown_pipe_tables_read_like_tab_tables(parsed, disclosure_paths, tmp_path):
    """The same disclosure with its tables as Markdown pipe tables gives the same facts."""
    src = next(p for p in disclosure_paths if p.name == FINAL)
    lines = src.read_text(encoding="utf-8").split("\n")
    piped = ["| " + " | ".join(ln.split("\t")) + " |" if "\t" in ln else ln for ln in lines]
    out = tmp_path / src.name
    out.write_text("\n".join(piped), encoding="utf-8")
    assert facts_of(parse_document(out)) == facts_of(parsed[FINAL])


# Layout families (issue 9): the same numbers laid out the way other agencies' disclosures lay them out.
# Each variant must give the same facts as its original, apart from ids and source lines.
def content_of(result):
    """Facts without ids and lines: what a reader compares between two printings of the same table."""
    types = {t.table_id: t.table_type for t in result.tables}
    return Counter((types[f["table_id"]], f["row_label"], f["code"], f["column_label"], f["value"], f["value_unit"])
                   for f in result.facts)


def reparse(tmp_path, name, lines):
    out = tmp_path / name
    out.write_text("\n".join(lines), encoding="utf-8")
    return parse_document(out)


def originals(parsed, disclosure_paths):
    for path in disclosure_paths:
        yield path.name, path.read_text(encoding="utf-8").split("\n"), parsed[path.name]


def test_family1_notes_between_title_and_header_and_between_pages(parsed, disclosure_paths, tmp_path):
    for name, lines, original in originals(parsed, disclosure_paths):
        variant = reparse(tmp_path, name, layouts.notes_around_tables(lines, original))
        assert content_of(variant) == content_of(original), name
        money = layouts.money_tables(variant)
        assert [(t.table_type, t.title) for t in money] == [(t.table_type, t.title) for t in layouts.money_tables(original)]
        assert all(layouts.NOTE in t.notes and layouts.ROW_NOTE in t.notes for t in money), name  # the table's notes …
        assert not [c for c in variant.cells if "注：" in c["text"]], name  # … never as a row


def test_family1_title_and_unit_in_cells_of_their_own(parsed, disclosure_paths, tmp_path):
    for name, lines, original in originals(parsed, disclosure_paths):
        variant = reparse(tmp_path, name, layouts.title_and_unit_in_cells(lines, original))
        assert content_of(variant) == content_of(original), name
        assert [(t.table_type, t.title, t.unit) for t in variant.tables] == \
            [(t.table_type, t.title, t.unit) for t in original.tables], name


def test_family1_page_text_printed_before_the_rows(parsed, disclosure_paths, tmp_path):
    """A PDF read page by page prints a page's words and numbers, then its rows: the loose copy is neither
    a title nor narrative text, and the table keeps its title and type."""
    for name, lines, original in originals(parsed, disclosure_paths):
        variant = reparse(tmp_path, name, layouts.page_text_before_rows(lines, original))
        assert content_of(variant) == content_of(original), name
        assert [(t.table_type, t.title) for t in variant.tables] == [(t.table_type, t.title) for t in original.tables]
        assert [s["text"] for s in variant.sections] == [s["text"] for s in original.sections], name


@pytest.mark.parametrize("turn_inside_first", [False, True])
def test_family1_two_tables_on_one_page(parsed, disclosure_paths, tmp_path, turn_inside_first):
    """Each title keeps its own rows when a page's text names two tables and all the rows follow, also
    when the page begins with the rest of the table before."""
    pairs = 0
    for name, lines, original in originals(parsed, disclosure_paths):
        text, n = layouts.two_tables_per_page(lines, original, turn_inside_first)
        pairs += n
        variant = reparse(tmp_path, name, text)
        assert content_of(variant) == content_of(original), name
        assert [(t.table_type, t.title) for t in layouts.money_tables(variant)] == \
            [(t.table_type, t.title) for t in layouts.money_tables(original)], name
    assert pairs >= 5


def test_family2_codes_in_separate_cells(parsed, disclosure_paths, tmp_path):
    from pipeline.validate import validate

    split_any = 0
    for name, lines, original in originals(parsed, disclosure_paths):
        text = layouts.split_codes(lines, original)
        split_any += sum(a != b for a, b in zip(text, lines))
        variant = reparse(tmp_path, name, text)
        assert content_of(variant) == content_of(original), name
        dup = lambda r: sorted(f["message"] for f in validate(r).findings if f["rule_id"] == "table.duplicate_code")  # noqa: E731
        assert dup(variant) == dup(original), name
        pieces = [c for c in variant.cells if re.fullmatch(r"\d{2}", c["text"])]
        facts = {(f["source_line"], f["published_value"]) for f in variant.facts}
        assert not [c for c in pieces if (c["source_line"], c["text"]) in facts], name  # a piece is no amount
        assert not [f for f in variant.facts if re.fullmatch(r"\d{1,2}", f["row_label"])], name  # nor a label
    assert split_any > 200  # the variant really splits codes


def test_family3_cover_and_titles_over_several_lines(parsed, disclosure_paths, tmp_path):
    for name, lines, original in originals(parsed, disclosure_paths):
        variant = reparse(tmp_path, name, layouts.wrapped_cover(lines, original))
        for key in ("agency", "fiscal_year", "kind"):
            assert variant.document[key] == original.document[key], (name, key)
        assert content_of(variant) == content_of(original), name


@pytest.mark.parametrize("cover, body, agency, year", [
    (["上海市普陀区规划和自然", "资源局", "年度部门决算", "2024"], "", "上海市普陀区规划和自然资源局", 2024),
    (["2024年度部门决算", "某某区某某街道办事处"], "", "某某区某某街道办事处", 2024),
    (["某某市公安局", "交通管理局2024年部门预算"], "某某市公安局交通管理局负责", "某某市公安局交通管理局", 2024),
    (["某某市公安局", "交通管理局2024年部门预算"], "", "某某市公安局", 2024),
    (["某某县教育局", "部门预算"], "第二部分 某某县教育局2023年度部门预算表", "某某县教育局", 2023),
])
@pytest.mark.parametrize("blank", [0, 2])
def test_family3_agency_and_year_read_from_the_whole_cover(cover, body, agency, year, blank):
    """`blank` blank lines before and between the cover's lines change nothing (the body is what follows the
    cover's last line, not its count of lines: counted, it took the cover's own lines for the body's)."""
    from pipeline.metadata import cover_lines, read_agency, read_year

    lines = [""] * blank + [x for ln in cover for x in [ln] + [""] * blank] + ["目录", "第一部分 概况", body]
    head = cover_lines(lines)
    assert head == cover
    assert read_agency(head, lines) == agency
    assert read_year(head, lines) == year


def test_family3_titles_over_two_lines(parsed, disclosure_paths, tmp_path):
    for name, lines, original in originals(parsed, disclosure_paths):
        variant = reparse(tmp_path, name, layouts.titles_over_two_lines(lines, original))
        assert [(t.table_type, t.title) for t in variant.tables] == \
            [(t.table_type, t.title) for t in original.tables], name
        assert content_of(variant) == content_of(original), name


@pytest.mark.parametrize("pick", [0, 1])
def test_family4_table_names_of_other_provinces(parsed, disclosure_paths, tmp_path, pick):
    for name, lines, original in originals(parsed, disclosure_paths):
        variant = reparse(tmp_path, name, layouts.renamed_titles(lines, original, pick))
        assert [t.table_type for t in variant.tables] == [t.table_type for t in original.tables], name
        assert content_of(variant) == content_of(original), name


# Types whose header and row words name them without the title (government fund and state capital tables
# print the same header; only their title or their rows' codes tell them apart).
BY_HEADER = {"three_public_costs", "income_expenditure_summary", "fiscal_grant_summary", "income", "expenditure",
             "general_budget_basic_expenditure"}


def test_family4_a_table_without_title_is_typed_by_its_header(parsed, disclosure_paths, tmp_path):
    typed = 0
    for name, lines, original in originals(parsed, disclosure_paths):
        variant = reparse(tmp_path, name, layouts.untitled(lines, original, BY_HEADER))
        for before, after in zip(original.tables, variant.tables):
            if before.table_type in BY_HEADER and before.facts and not after.title:
                assert after.table_type == before.table_type, (name, before.title)
                assert [m for m in variant.messages if m.line == after.block.rows[0].line and "header" in m.text]
                typed += 1
    assert typed >= 15


def test_family4_the_outline_says_which_tables_to_expect(parsed, disclosure_paths, tmp_path):
    lines = next(p for p in disclosure_paths if p.name == FINAL).read_text(encoding="utf-8").split("\n")
    original = parsed[FINAL]
    gone = next(t for t in original.tables if t.table_type == "three_public_costs")
    cut = lines[: gone.block.line_start - 1] + lines[gone.block.line_end:]
    variant = reparse(tmp_path, FINAL, cut)
    listed = [m for m in variant.messages if "目录" in m.text and "三公" in m.text]
    assert listed and listed[0].line and listed[0].severity == "warning"
    assert not [m for m in original.messages if "目录" in m.text]


@pytest.mark.parametrize("replacement", ["1e308", "—", "无"])
def test_family5_an_unreadable_amount_never_shifts_the_row(parsed, disclosure_paths, tmp_path, replacement):
    """The first amount of a row printed as 1e308, a dash or a word: every other amount of the row stays
    under its own column (today's bug: 1e308 | 276.66 | 126.44 published 276.66 as 合计)."""
    rows_hit = 0
    for name, lines, original in originals(parsed, disclosure_paths):
        text, replaced = layouts.first_amount_unreadable(lines, original, replacement)
        if not replaced:
            continue
        variant = reparse(tmp_path, name, text)
        hit = dict(replaced)
        rows_hit += len(hit)
        others = [fact_key(f) for f in original.facts
                  if f["source_line"] in hit and f["published_value"] != hit[f["source_line"]]]
        got = {fact_key(f) for f in variant.facts}
        assert others and not [k for k in others if k not in got], name
        assert not [f for f in variant.facts if f["source_line"] in hit and f["published_value"] == replacement
                    and f["value"] is not None], name
        before = {fact_key(f) for f in original.facts}
        invented = [f for f in variant.facts if fact_key(f) not in before and f["published_value"] != replacement]
        assert not invented, (name, invented[:3])  # nothing moved under another row or column
        if replacement == "1e308":  # reported with file and line, and counted as unplaced
            located = {m.line for m in variant.messages if "1e308" in m.text and m.severity == "warning"}
            assert located >= set(hit), name
            assert variant.unplaced_count == len(hit), name
    assert rows_hit > 50


def test_family5_rows_with_fewer_cells_than_the_header(parsed, disclosure_paths, tmp_path):
    for name, lines, original in originals(parsed, disclosure_paths):
        variant = reparse(tmp_path, name, layouts.trailing_blanks_dropped(lines, original))
        assert facts_of(variant) == facts_of(original), name


def test_family5_a_table_printed_without_rules_is_counted_not_lost(parsed, disclosure_paths, tmp_path):
    """No cells, only lines of numbers: the amounts reach no fact, so the build counts and reports them."""
    for name, lines, original in originals(parsed, disclosure_paths):
        text, amounts = layouts.table_without_rules(lines, original)
        variant = reparse(tmp_path, name, text)
        if len(amounts) < 10:
            continue
        assert variant.unplaced_count >= 0.9 * len(amounts), name
        assert [m for m in variant.messages if "no table was read" in m.text and m.line], name


def test_unplaced_amounts_are_counted_and_reported(parsed):
    """Fail closed: an amount that is in cells but not in facts is counted, and its table is reported."""
    from pipeline.facts import find_unplaced

    assert all(r.unplaced_count == 0 for r in parsed.values())
    table = next(t for t in parsed[FINAL].tables if t.facts)
    fact = table.facts[0]
    saved = list(table.facts)
    table.facts[:] = [f for f in table.facts if f is not fact]
    try:
        assert find_unplaced(table) == [(fact["source_line"], fact["published_value"])]
    finally:
        table.facts[:] = saved
