"""The same disclosure in other clothes gives the same facts: re-encoded (GB18030, UTF-8 with BOM), CRLF,
money restated from 万元 to 元, markup left in cells. Bad files give located messages and do not stop the
others."""
from __future__ import annotations

import shutil
from decimal import Decimal

import pytest

from pipeline.build import parse_all, parse_document
from pipeline.read import CHECKED, UNCHECKED, clean_line

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
