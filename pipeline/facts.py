"""Stage 4: tables → `facts` (one per printed amount, placed under its row and column) and `cells`
(every non-empty printed cell, whatever it is).

Money becomes `value` in 元 whatever the published unit; `published_value` keeps the text as printed. A
blank is not a zero and stays out of `facts`; a dash is kept as a fact without a value. A code or a row
name that one page leaves out is filled from another table of the same document and marked inferred.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from decimal import Decimal

from .classify import MONEY_TYPES, block_type
from .model import Block, Message, Table
from .schema import decimal_problem
from .severity import ERROR, INFO, WARNING
from .tables import (CODE_LEVEL_WORD, PlacedRow, code_pieces, could_be_number, columns_of, find_header, is_index_row,
                     label_extent, layout, place_row, stands_for_amount)
from .text import (TOTAL_END, TOTAL_WORDS, UNIT_FACTOR, is_amount, is_code, is_placeholder, outline_level,
                   parse_amount_places, split_code, squash, unit_in)

EMPTY_NOTE = re.compile(r"空表|无数据|无此项|无相关数据|未发生")
_UNIT_NAME = re.compile(r"(?:局|厅|中心|院|所|站|队|办公室|委员会|学校|单位|本级|处|馆|社|团)(?:[（(].*[）)])?$")
_PERCENT_COL = re.compile(r"%|％|率|百分比")
_AMONG = re.compile(r"^其中\s*[:：]")  # 其中： the rows below are parts of the one above
_CODE_OR_INDEX = re.compile(r"\d{1,7}")
_CONTENTS = re.compile(r"目\s*录")
_COUNT_COL = re.compile(r"[（(](?:辆|人|个|台|次|套)[）)]|人数|辆数|车辆数|购置数|保有量")


def _short(text: str) -> str:
    """A cell quoted in a message: whole when short, its start and length when not."""
    return repr(text) if len(text) <= 60 else f"{text[:40]!r}… ({len(text)} characters)"


def code_kind(code: str, name: str, ttype: str) -> str:
    """functional (类/款/项 of 支出功能分类) | economic (经济分类) | budget_unit (预算单位)."""
    if len(code) == 6 or (len(code) == 3 and _UNIT_NAME.search(name or "")):
        return "budget_unit"
    # 支出功能分类 类 start with 2; 部门/政府预算支出经济分类 with 3 / 5
    if len(code) in (3, 5) and (code[0] in "35" or ttype == "general_budget_basic_expenditure"):
        return "economic"
    return "functional"


def _labels(placed: PlacedRow, lay_kinds: list[str], lane_cols: list[int] | None) -> tuple[str, str]:
    """(code, row label) of a row, from its label cells (those in lane_cols if given). A second name cell
    (部门预算 | 政府预算 经济科目名称) stays in cells."""
    texts = []  # (col, squashed text) of the label cells that can name the row
    for c, t in placed.labels:
        if (lane_cols is not None and c not in lane_cols) or (c < len(lay_kinds) and lay_kinds[c] == "index"):
            continue
        s = squash(t)
        if len(s) != 1 or not CODE_LEVEL_WORD.match(s):
            texts.append((c, s))
    code, names = "", []
    digits = [(c, s) for c, s in texts if s.isdigit()]  # a code is digits too
    # 类|款|项 printed in three cells: 208 | 01 | 01 → 2080101; 经济分类 类|款 in two: 301 | 01 → 30101
    in_code: set[int] = set()
    if len(digits) >= 2 and len(digits[0][1]) == 3 and len(digits[1][1]) == 2:
        pieces = digits[:2] + (digits[2:3] if len(digits) > 2 and len(digits[2][1]) == 2 else [])
        code = "".join(d for _, d in pieces)
        in_code = {c for c, _ in pieces}
    for c, s in texts:
        if c in in_code:
            continue
        if not code and is_code(s):
            code = s
            continue
        if s.isdigit() and (is_code(s) or len(s) == 2) and code and code.startswith(s[:3]):
            continue
        c2, name = split_code(s) if s[:1].isdecimal() else ("", s)  # a code starts with a digit
        if c2 and not code:
            code, s = c2, squash(name)
        names.append(s)
    return code, (names[0] if names else "")


def _level(label: str) -> int:
    """Outline level of an uncoded row label: 一、 above （一） above (1) above ① above 其中： above a plain
    label; a total (合计, 本年收入合计, 总计) stands outside the outline."""
    if TOTAL_WORDS.match(label) or TOTAL_END.search(label):
        return 0
    if _AMONG.match(label):
        return 5
    return outline_level(label) or 6


def _parent(stack: list[tuple[int, str]], label: str) -> str:
    """The label of the row this one sits under, from the outline numbering of the rows above it."""
    level = _level(label)
    if level == 0:
        stack.clear()
        return ""
    while stack and stack[-1][0] >= level:
        stack.pop()
    parent = stack[-1][1] if stack else ""
    stack.append((level, label))
    return parent


def _lane_of(col: int, lanes) -> list[int] | None:
    for lane in lanes:
        if col in lane.amount_cols:
            return lane.label_cols
    return None


def build_table(block: Block, doc_id: str, index: int, doc_unit: str, file: str,
                messages: list[Message]) -> Table:
    header_rows = find_header(block.rows)
    ttype, basis = block_type(block.title, [r.cells for r in block.rows[:header_rows]],
                              [r.cells for r in block.rows[header_rows:]])
    # a money table's columns place its facts; any other table's are made only if asked for (Table.columns)
    lay = layout(block, header_rows) if ttype in MONEY_TYPES else None
    if basis == "header":
        messages.append(Message(file, block.rows[0].line, INFO,
                                f"table {block.title!r}: its title names no standard table; typed {ttype} "
                                "from its header and row labels"))
    unit, unit_inferred = block.unit_text, False
    if not unit:  # forms print it in a cell: 项目资金 (万元) / 预算数 (万元)
        unit = next((u for r in block.rows[:12] for c in r.cells for u in [unit_in(c)] if u), "")
    if ttype in MONEY_TYPES and not unit:
        unit, unit_inferred = doc_unit, True
        messages.append(Message(file, block.rows[0].line, INFO,
                                f"table {block.title!r} prints no unit; {doc_unit} inferred from the document"))
    table = Table(
        table_id=f"{doc_id}-t{index:02d}", doc_id=doc_id, table_type=ttype, title=block.title,
        unit=unit if ttype in MONEY_TYPES or unit else "", unit_inferred=unit_inferred, status="parsed",
        block=block, header_rows=header_rows, columns=columns_of(lay) if lay else None,
        notes=[t for _, t in block.notes],
    )
    cells, table_id = table.cells, table.table_id
    row_start = []  # where each row's cells start in table.cells
    for r, row in enumerate(block.rows, start=1):
        row_start.append(len(cells))
        # each printed cell's row is a copy of its row's, filled in (copying a dict is cheaper than making one)
        row_cell = {"doc_id": doc_id, "table_id": table_id, "row": r, "col": 0, "grid_col": 0, "text": "",
                    "source_line": row.line}
        for c, text in enumerate(row.cells, start=1):
            if text and (text := text.strip()):  # a blank cell (most of a form's) is not stripped
                cell = row_cell.copy()
                cell["col"] = cell["grid_col"] = c
                cell["text"] = text
                cells.append(cell)
    row_start.append(len(cells))
    if ttype == "other":
        table.status = "unrecognized"
        return table
    if ttype not in MONEY_TYPES:
        return table  # forms (绩效目标表 …) are kept as cells; the projects stage reads them
    body = block.rows[lay.header_rows:]
    has_amount = any(
        is_amount(c) and not (j < lay.width and lay.kinds[j] in ("label", "index"))
        for row in body for j, c in enumerate(row.cells)
    )
    if not has_amount:
        table.status = "empty"
        return table

    factor = UNIT_FACTOR.get(unit, Decimal(1))
    whole_factor = factor.as_tuple().exponent >= 0
    budget_unit = ""
    outline: dict[tuple, list] = defaultdict(list)  # per lane: the stack of outline rows above
    parents: dict[tuple, str] = {}
    header_texts = [[squash(c) for c in r.cells if c.strip()] for r in block.rows[:lay.header_rows]]
    header_sizes = {len(t) for t in header_texts}
    col_unit: dict[int, str] = {}  # percent | count | "" (money) by the column's header path
    widths, extents = _label_widths(body, lay)
    for body_index, row in enumerate(body, start=lay.header_rows + 1):
        filled = [c for c in row.cells if c.strip()]
        if len(filled) in header_sizes and [squash(c) for c in filled] in header_texts:
            continue  # the header printed again on a continuation page
        placed = place_row(row, lay, widths.get(row.line), extents.get(row.line))
        _set_grid_cols(placed, cells[row_start[body_index - 1]:row_start[body_index]])
        code, label = _labels(placed, lay.kinds, None)
        row_kind = code_kind(code, label, ttype) if code else ""
        if row_kind == "budget_unit":
            budget_unit = code
        lane_labels: dict[tuple, tuple[str, str]] = {}  # a lane's (code, label) in this row
        for col, printed_col, text in placed.amounts:
            lane_cols = _lane_of(col, lay.lanes) if len(lay.lanes) > 1 else None
            if lane_cols is not None:
                key = tuple(lane_cols)
                if key not in lane_labels:
                    lane_labels[key] = _labels(placed, lay.kinds, lane_cols)
                code_l, label_l = lane_labels[key]
                if not code_l and not label_l:  # lane label blank: the nearest label to the left names it
                    left = [c for c, _ in placed.labels if c < col and lay.kinds[c] != "index"]
                    if left:
                        code_l, label_l = _labels(placed, lay.kinds, left[-1:])
            else:
                code_l, label_l = code, label
            lane_key = tuple(lane_cols or ())
            if (row.line, lane_key) not in parents:
                parents[(row.line, lane_key)] = "" if code_l or not label_l else _parent(outline[lane_key], label_l)
            path = lay.paths[col]
            t = text.strip()
            value, places = parse_amount_places(t) or (None, 0)
            if value is None and not is_placeholder(t):
                unreadable = stands_for_amount(t)
                messages.append(Message(
                    file, row.line, WARNING if unreadable else INFO,
                    f"{'number' if unreadable else 'text'} {_short(t)} under amount column {path!r} could not be "
                    "read as an amount; kept in cells only"))
                continue
            if col not in col_unit:
                col_unit[col] = "percent" if _PERCENT_COL.search(path) else "count" if _COUNT_COL.search(path) else ""
            if t.endswith(("%", "％")) or col_unit[col] == "percent":
                vunit, val = "percent", value
            elif col_unit[col] == "count":
                vunit, val = "count", value
            else:
                vunit, val = "yuan", (value * factor if value is not None else None)
            # a printed amount has `places` decimals, and so has its value in 元 when the factor is whole
            problem = decimal_problem(val, places if vunit != "yuan" or whole_factor else None) \
                if val is not None else None
            if problem:
                messages.append(Message(file, row.line, ERROR,
                                        f"amount {_short(t)} under column {path!r} does not fit the package's "
                                        f"exact decimals ({problem}); kept in cells only"))
                continue
            if not path:
                messages.append(Message(file, row.line, WARNING,
                                        f"amount {t!r} in column {printed_col + 1} has no column header"))
            table.facts.append({
                "doc_id": doc_id, "table_id": table.table_id, "row_label": label_l,
                "row_parent": parents[(row.line, lane_key)], "code": code_l,
                "code_kind": row_kind if (code_l, label_l) == (code, label)  # the row's own, made once
                else code_kind(code_l, label_l, ttype) if code_l else "",
                "budget_unit": budget_unit,
                "column_label": path, "value": val, "value_unit": vunit, "published_value": t,
                "published_unit": unit if vunit == "yuan" else ("%" if vunit == "percent" else ""),
                "decimals": places,
                "source_line": row.line, "code_inferred": False, "label_inferred": False,
                "column_index": col + 1,
            })
        if placed.note:
            messages.append(Message(file, row.line, INFO, f"ambiguous layout: {placed.note}"))
        for printed_col, text in placed.unplaced:
            messages.append(Message(file, row.line, WARNING,
                                    f"cell {text!r} (column {printed_col + 1}) lies beyond the table's columns; "
                                    "kept in cells only"))
    return table


def find_unplaced(table: Table) -> list[tuple[int, str]]:
    """(line, text) of each amount printed in the table that no fact under a column holds: every number of
    its rows except codes, 序号 and 行次 in label columns, 栏次 rows and forms (read by the projects stage)."""
    if table.table_type == "performance" or table.table_type == "other" and _CONTENTS.search(table.title):
        return []
    lay_kinds = {c.index: c.kind for c in table.columns}
    placed = Counter((f["source_line"], f["published_value"]) for f in table.facts if f["column_label"])
    read = {f["published_value"] for f in table.facts if f["value"] is not None}  # texts known to be amounts
    printed: dict[int, list[str]] = defaultdict(list)  # per line, the texts its facts under a column hold
    for line, text in placed.elements():
        printed[line].append(text)
    for texts in printed.values():
        texts.sort()
    out = []
    for row in table.block.rows:
        numbers = [(c, t) for c, t in enumerate(map(str.strip, row.cells)) if t and could_be_number(t)]
        if not numbers:
            continue
        # a row's facts are its own (a line is one row): when they hold every number it prints but the codes
        # of its label columns (never unplaced), none is left
        rest = [t for c, t in numbers if not (lay_kinds.get(c) in ("label", "index") and _is_code_or_index(t))]
        if not rest or len(rest) == len(printed.get(row.line, ())) and sorted(rest) == printed[row.line]:
            continue
        if is_index_row(row.cells):
            continue
        pieces = code_pieces(row.cells)
        for c, t in numbers:
            # an amount, or text that stands for one (1e308, (1,234.00)) but not a dash
            if c in pieces or not (t in read or is_amount(t) or stands_for_amount(t) and not is_placeholder(t)):
                continue
            if lay_kinds.get(c) in ("label", "index") and _is_code_or_index(t):
                continue  # a code, 序号 or 行次
            if placed[(row.line, t)]:
                placed[(row.line, t)] -= 1
            else:
                out.append((row.line, t))
    return out


def _is_code_or_index(text: str) -> bool:
    """A number in a label column that is a code, 序号 or 行次 (not a year)."""
    return _CODE_OR_INDEX.fullmatch(text) is not None and len(text) != 4


def _label_widths(body, lay) -> tuple[dict[int, tuple[int, ...]], dict[int, tuple[int, int]]]:
    """Per body row of a one-lane table, the label-block widths of the rows with amounts just above and
    below it: a page prints its label block one way, so a row is read the way its neighbours are. Also each
    row's `label_extent` by line, which placing the row needs again."""
    if len(lay.lanes) != 1 or not lay.lanes[0].amount_cols:
        return {}, {}
    ends = []
    extents = {}
    for row in body:
        end, first_amount = extents[row.line] = label_extent(row.cells, lay)
        if first_amount < len(row.cells):
            ends.append((row.line, end))
    widths = {line: ((ends[i - 1][1],) if i else ()) + ((ends[i + 1][1],) if i + 1 < len(ends) else ())
              for i, (line, _) in enumerate(ends)}
    return widths, extents


def _set_grid_cols(placed: PlacedRow, row_cells: list[dict]) -> None:
    """Where a row's amounts were moved under their header columns (a page that prints its label block
    wider or narrower), record the column each printed cell belongs to: amounts under their columns, the
    row's name just left of the first amount, a code in the first column. Readers lay the table out by it."""
    if all(col == printed for col, printed, _ in placed.amounts):
        return
    moves = {printed: col for col, printed, _ in placed.amounts}
    cell_at = {c["col"]: c for c in row_cells}
    for printed, col in moves.items():
        cell_at[printed + 1]["grid_col"] = col + 1
    end = min(moves.values())  # labels end just left of the first amount column
    labels = sorted(placed.labels)
    code_first = labels and labels[0][0] == 0 and is_code(squash(labels[0][1]))
    rest = labels[1:] if code_first else labels
    for k, (printed, _) in enumerate(reversed(rest)):
        cell_at[printed + 1]["grid_col"] = max(end - k, 2 if code_first else 1)


def fill_inferred(tables: list[Table]) -> None:
    """Fill a row's missing code (or name) from another table of the same document that prints both."""
    names_by_code: dict[str, set[str]] = defaultdict(set)
    codes_by_name: dict[str, set[str]] = defaultdict(set)
    for t in tables:
        for f in t.facts:
            if f["code"] and f["row_label"] and not f["code_inferred"] and not f["label_inferred"]:
                names_by_code[f["code"]].add(f["row_label"])
                codes_by_name[f["row_label"]].add(f["code"])
    for t in tables:
        lengths = {len(f["code"]) for f in t.facts if f["code"]}
        if not lengths:
            continue  # a table that prints no code at all is not a coded table
        for f in t.facts:
            if not f["code"] and f["row_label"]:
                cands = {c for c in codes_by_name.get(f["row_label"], ()) if len(c) in lengths}
                if len(cands) == 1:
                    f["code"] = cands.pop()
                    f["code_kind"] = code_kind(f["code"], f["row_label"], t.table_type)
                    f["code_inferred"] = True
            elif f["code"] and not f["row_label"]:
                names = names_by_code.get(f["code"], set())
                if len(names) == 1:
                    f["row_label"] = next(iter(names))
                    f["label_inferred"] = True
