"""Nothing lost: every amount printed on a table line is in `cells`, and at least 98% of the amounts printed
in the budget/final-accounts tables are in `facts` under a row and a column. The walk reads the source
file itself, independently of the parser's own row/cell bookkeeping."""
from __future__ import annotations

import re

from pipeline.classify import MONEY_TYPES
from pipeline.privacy import mask
from pipeline.tables import is_index_row

NUMBER = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")


def printed_numbers(path):
    """(line, text) of every cell of every tab-separated source line that is a printed number."""
    text = path.read_bytes().decode("utf-8-sig")
    out = []
    for no, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if "\t" not in line:
            continue
        for cell in line.split("\t"):
            cell = cell.strip()
            if NUMBER.match(cell):
                out.append((no, cell))
    return out


def test_every_printed_number_is_in_cells(parsed, disclosure_paths):
    for path in disclosure_paths:
        result = parsed[path.name]
        cells = {(c["source_line"], c["text"]) for c in result.cells}
        # a personal mobile or ID number is there masked, as the privacy policy says (pipeline/privacy.py)
        missing = [(line, n) for line, n in printed_numbers(path) if (line, mask(n)[0]) not in cells]
        assert not missing, f"{path.name}: printed numbers not in cells: {missing[:10]}"


def money_table_amounts(result, path):
    """Printed numbers on body lines of the money tables, less codes and 行次/栏次 numbers in label
    columns (those are not amounts)."""
    spans = []
    for t in result.tables:
        if t.table_type in MONEY_TYPES:
            label_cols = {c.index for c in t.columns if c.kind in ("label", "index")}
            for row in t.block.rows:  # header rows too: a data row taken for a header must not hide
                if not is_index_row(row.cells):
                    spans.append((row.line, label_cols, row.cells))
    by_line = {line: (cols, cells) for line, cols, cells in spans}
    amounts = []
    for no, text in printed_numbers(path):
        if no not in by_line:
            continue
        cols, cells = by_line[no]
        positions = [j for j, c in enumerate(cells) if c.strip() == text]
        if positions and all(j in cols and (len(text) in (3, 5, 6, 7) or len(text) <= 2) and "." not in text
                             for j in positions):
            continue  # a code or a line number in a label column
        amounts.append((no, text))
    return amounts


def test_at_least_98_percent_of_amounts_are_facts(parsed, disclosure_paths, record_property):
    total = placed = 0
    report = []
    for path in disclosure_paths:
        result = parsed[path.name]
        facts = {}
        for f in result.facts:
            facts.setdefault((f["source_line"], f["published_value"]), []).append(f)
        amounts = money_table_amounts(result, path)
        ok = [a for a in amounts if any(f["column_label"] for f in facts.get(a, []))]
        total += len(amounts)
        placed += len(ok)
        report.append(f"{path.name}: {len(ok)}/{len(amounts)}")
    share = placed / total if total else 0
    record_property("fact_coverage", f"{placed}/{total} = {share:.4f}")
    print("fact coverage:", "; ".join(report), f"total {placed}/{total} = {share:.2%}")
    assert total > 1500
    assert share >= 0.98, f"only {placed}/{total} printed amounts became facts: {report}"
