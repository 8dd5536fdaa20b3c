"""Layout variants of a disclosure: the same numbers laid out the way other agencies' disclosures (and a PDF
read page by page) lay them out. Each function takes the original text lines and its parse and returns new
lines; the facts read from them must be the same, apart from ids and source lines.

Families (see issue 9): notes around a table, codes in separate cells, covers and titles over several lines,
table names that vary, rows that do not line up, and the page text printed before a page's table rows."""
from __future__ import annotations

import re

from pipeline.classify import MONEY_TYPES
from pipeline.text import is_amount, is_code

NOTE = "注：本表反映部门本年度收支情况，金额以万元或元列示。"

# The names other provinces and years give the standard tables (issue 9, family 4).
TITLE_VARIANTS = {
    "income_expenditure_summary": ["部门收支总表", "收入支出决算总表"],
    "income": ["部门收入总表", "收入决算表"],
    "expenditure": ["部门支出总表", "支出决算表"],
    "fiscal_grant_summary": ["财政拨款收支决算总表", "财政拨款收入支出决算总表"],
    "general_budget_expenditure": ["一般公共预算财政拨款支出决算明细表", "一般公共预算财政拨款支出表"],
    "general_budget_basic_expenditure": ["一般公共预算财政拨款基本支出决算明细表", "一般公共预算基本支出表"],
    "government_fund": ["政府性基金预算财政拨款收入支出决算表", "政府性基金预算支出表"],
    "state_capital": ["国有资本经营预算财政拨款支出决算表", "国有资本经营预算支出表"],
}


def money_tables(result):
    return [t for t in result.tables if t.table_type in MONEY_TYPES and t.facts]


def insert_lines(lines: list[str], inserts: dict[int, list[str]]) -> list[str]:
    """New lines before 1-based line numbers."""
    out = []
    for no, line in enumerate(lines, start=1):
        out.extend(inserts.get(no, []))
        out.append(line)
    return out


ROW_NOTE = "注：本表数据来源于部门决算报表。"


def notes_around_tables(lines, result):
    """A 注 line between each money table's title block and its header, one between two pages of the
    table (between two body rows, with blank lines around it as a page break leaves them), and one in a
    cell of its own as the table's last row (a ruled table's footnote row)."""
    inserts: dict[int, list[str]] = {}
    for t in money_tables(result):
        inserts.setdefault(t.block.rows[0].line, []).append(NOTE)
        body = [r for r in t.block.rows[t.header_rows:] if any(is_amount(c) for c in r.cells)]
        if len(body) >= 4:
            inserts.setdefault(body[len(body) // 2].line, []).extend(["", NOTE.replace("本表", "续表"), ""])
        last = t.block.rows[-1]
        inserts.setdefault(last.line + 1, []).append(ROW_NOTE + "\t" * max(len(last.cells) - 1, 1))
    return insert_lines(lines, inserts)


def page_text_before_rows(lines, result):
    """A PDF read page by page: each table's words and numbers printed once as loose text lines (cells
    joined by spaces, a label wrapped onto its own line) before the tab-separated rows."""
    inserts: dict[int, list[str]] = {}
    for t in money_tables(result):
        inserts.setdefault(t.block.rows[0].line, []).extend(_echo(t))
    return insert_lines(lines, inserts)


def _code_cols(t) -> list[int]:
    """The columns where the table prints its classification codes (one per lane)."""
    body = t.block.rows[t.header_rows:]
    return sorted({j for r in body for j, c in enumerate(r.cells)
                   if is_code(c.strip()) and len(c.strip()) in (5, 7) and j < len(t.columns)
                   and t.columns[j].kind == "label"})


def split_codes(lines, result):
    """Codes printed in separate cells: 类|款|项 as 208 | 01 | 01 (functional) and 类|款 as 301 | 01
    (economic), each code column of the header widened to match."""
    out = list(lines)
    for t in money_tables(result):
        cols = _code_cols(t)
        if not cols:
            continue
        widths = {c: 1 if any(len(r.cells[c].strip()) == 5 and r.cells[c].strip()[0] in "35"
                              for r in t.block.rows[t.header_rows:] if c < len(r.cells)) else 2 for c in cols}
        for i, r in enumerate(t.block.rows):
            if "\t" not in out[r.line - 1]:
                continue
            cells = out[r.line - 1].split("\t")
            for c in reversed(cols):
                if c >= len(cells):
                    continue
                extra = widths[c]
                head = cells[c].strip()
                if i >= t.header_rows and is_code(head) and len(head) in (3, 5, 7):
                    pieces = [head[:3]] + [head[k:k + 2] for k in range(3, len(head), 2)]
                    pieces += [""] * (1 + extra - len(pieces))
                    cells = cells[:c] + pieces[:1 + extra] + cells[c + 1:]
                elif i == t.header_rows - 1:  # the header's last row names the pieces: 科目编码 | 款 | 项
                    cells = cells[:c + 1] + ["款", "项"][:extra] + cells[c + 1:]
                else:
                    cells = cells[:c + 1] + [""] * extra + cells[c + 1:]
            out[r.line - 1] = "\t".join(cells)
    return out


def wrapped_cover(lines, result):
    """The cover over several lines: the agency wrapped in the middle, the kind on its own line, the year
    alone below it; the table part opened by a heading without 第二部分."""
    doc = result.document
    agency, year = doc["agency"], doc["fiscal_year"]
    kind = "决算" if doc["kind"] == "final_accounts" else "预算"
    first = next(i for i, ln in enumerate(lines) if re.match(r"^#*\s*目\s*录", ln.strip()))
    half = len(agency) // 2
    cover = [agency[:half], agency[half:], f"年度部门{kind}", str(year), ""]
    body = [f"{agency}{year}年度部门{kind}表" if re.match(r"^#*\s*第二部分", ln.strip()) and i > first + 12 else ln
            for i, ln in enumerate(lines[first:], start=first)]
    return cover + body


def renamed_titles(lines, result, pick: int = 0):
    """Each standard table under another province's name for it."""
    out = list(lines)
    for t in result.tables:
        names = TITLE_VARIANTS.get(t.table_type)
        if names and t.block.title_line:
            out[t.block.title_line - 1] = names[pick % len(names)]
    return out


def untitled(lines, result, types):
    """The titles of the tables of the given types left out (cut off, or printed as an image)."""
    out = list(lines)
    for t in result.tables:
        if t.table_type in types and t.block.title_line:
            out[t.block.title_line - 1] = ""
    return out


def first_amount_unreadable(lines, result, replacement: str):
    """In each one-lane money table, the first amount of every third body row printed as something that is
    not a number (1e308, a dash, text). Returns the lines and the (line, original text) replaced."""
    out, replaced = list(lines), []
    for t in money_tables(result):
        amount_cols = [c.index for c in t.columns if c.kind == "amount"]
        label_cols = [c.index for c in t.columns if c.kind in ("label", "index")]
        if not amount_cols or not label_cols or any(c > amount_cols[0] for c in label_cols):
            continue  # two-sided and side-by-side tables have lanes; without a label column a word is a name
        for r in t.block.rows[t.header_rows::3]:
            cells = out[r.line - 1].split("\t")
            nums = [j for j, c in enumerate(cells) if j >= amount_cols[0] and is_amount(c)]
            if len(nums) >= 2 and nums[0] == amount_cols[0] and len(cells) <= len(t.columns):
                replaced.append((r.line, cells[nums[0]].strip()))
                cells[nums[0]] = replacement
                out[r.line - 1] = "\t".join(cells)
    return out, replaced


def trailing_blanks_dropped(lines, result):
    """Rows printed with fewer cells than the header: the blank cells at their end left out."""
    out = list(lines)
    for t in money_tables(result):
        for r in t.block.rows[t.header_rows:]:
            short = out[r.line - 1].rstrip("\t ")
            if "\t" in short:  # a row of one cell would no longer be a table line
                out[r.line - 1] = short
    return out


def _echo(t) -> list[str]:
    out = []
    for r in t.block.rows:
        cells = [c.strip() for c in r.cells if c.strip()]
        words = [c for c in cells if not is_amount(c) and not is_code(c)]
        nums = [c for c in cells if c not in words]
        out += [" ".join(x) for x in (words, nums) if x]
    return out


def two_tables_per_page(lines, result, turn_inside_first: bool = False):
    """Two tables on one page, read page by page: title A, A's words, A's note, title B, B's words, then the
    rows of A and the rows of B with nothing between them. With `turn_inside_first`, the page starts with
    the rest of table A (its first rows on the page before): A's remaining words, title B, B's words, then
    A's remaining rows and B's rows."""
    money = money_tables(result)
    out, pos, pairs = [], 0, 0
    i = 0
    while i + 1 < len(money):
        a, b = money[i], money[i + 1]
        a_end = a.block.rows[-1].line
        between = [ln for ln in lines[a_end:b.block.line_start - 1] if ln.strip()]
        if not all(ln.strip().startswith("注") for ln in between) or a.block.line_start <= pos:
            i += 1
            continue
        head_a = lines[a.block.line_start - 1:a.block.rows[0].line - 1]
        head_b = lines[b.block.line_start - 1:b.block.rows[0].line - 1]
        rows = [ln for ln in lines[a.block.rows[0].line - 1:a_end] if ln.strip()]
        rows += [ln for ln in lines[b.block.rows[0].line - 1:b.block.rows[-1].line] if ln.strip()]
        out += lines[pos:a.block.line_start - 1]
        if turn_inside_first:
            a_rows = [ln for ln in lines[a.block.rows[0].line - 1:a_end] if ln.strip()]
            half = max(len(a_rows) // 2, a.header_rows + 1)
            echo_a = _echo(a)
            out += head_a + echo_a[:half] + a_rows[:half] + [""]  # page 1: A's title and first rows
            out += echo_a[half:] + between + head_b + _echo(b) + rows[half:]  # page 2
        else:
            out += head_a + _echo(a) + between + head_b + _echo(b) + rows
        pos = b.block.rows[-1].line
        pairs += 1
        i += 2
    return out + lines[pos:], pairs


def table_without_rules(lines, result):
    """The biggest money table printed without rules: the extraction finds no cells, only lines of words
    and numbers separated by spaces. Returns the lines and the amounts those lines print."""
    out, amounts = list(lines), []
    if not money_tables(result):
        return out, amounts
    t = max(money_tables(result), key=lambda t: len(t.facts))
    for r in t.block.rows:
        cells = [c.strip() for c in out[r.line - 1].split("\t") if c.strip()]
        out[r.line - 1] = " ".join(cells)
        amounts += [c for c in cells if is_amount(c) and "." in c]
    return out, amounts


def title_and_unit_in_cells(lines, result):
    """A ruled table whose title and unit stand in cells of their own above the header (收入决算表 | | |)."""
    out = list(lines)
    for t in money_tables(result):
        width = max(len(r.cells) for r in t.block.rows)
        for no in (t.block.title_line, t.block.unit_line):
            if no:
                out[no - 1] = out[no - 1].strip() + "\t" * (width - 1)
    return out


def titles_over_two_lines(lines, result):
    """Each standard table's title wrapped before its last three characters (…基本支出 / 决算表)."""
    inserts, out = {}, list(lines)
    for t in money_tables(result):
        no = t.block.title_line
        title = out[no - 1].strip() if no else ""
        if len(title) > 6 and title.endswith("表"):
            out[no - 1] = title[-3:]
            inserts[no] = [title[:-3]]
    return insert_lines(out, inserts)
