"""Stage 3: a block of tab-separated rows → a table with header paths, typed columns and lanes.

The extraction leaves headers over several rows (a spanning cell printed once, blanks to its right), label
columns that are wider or narrower on one page than on the next (类|款|项 in three cells, or code and name in
two), and two-sided tables (收入 | 支出) or side-by-side lanes (人员经费 | 公用经费 | …). This stage works
out, for the table as printed, which columns carry labels and which carry amounts, and the header path of
each amount column; `facts` then places each printed amount.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from .model import Block, Column, Row
from .text import TOTAL_WORDS, is_amount, is_code, is_placeholder, parse_amount, split_code, squash, starts_outline

# Header texts that name a label column (项目, 科目编码, 科目名称, 类/款/项 …) rather than an amount.
_LABEL_HEADER = re.compile(
    r"(?:项\s*目|编\s*码|名\s*称|科\s*目|分\s*类|^类$|^款$|^项$|序\s*号|预算单位|单\s*位|^部门$)(?:[（(][^）)]*[）)])?$"
)
_INDEX_HEADER = re.compile(r"^(?:行\s*次|栏\s*次)")
_AMOUNT_HINT = re.compile(r"数|计|金额|支出|收入|经费|费|拨款|结转|结余|资金|%|率")


@lru_cache(maxsize=8192)  # header words repeat across columns, tables and documents (项目, 合计, 基本支出 …)
def header_kind(text: str) -> str:
    """'label', 'index' or 'amount' for one header cell."""
    t = squash(text)
    if not t:
        return ""
    if _INDEX_HEADER.match(t):
        return "index"
    if t.isdigit():
        return "index"
    if _LABEL_HEADER.search(t) and not (t.endswith("项目") and len(t) > 2 and _AMOUNT_HINT.search(t[:-2])):
        return "label"
    return "amount"


def is_index_row(cells: list[str]) -> bool:
    """栏次 row or a row of column numbers 1 2 3 …"""
    vals, nums = [], []
    for v in cells:
        v = v.strip()
        if not v:
            continue
        if v[0] in "行栏" and _INDEX_HEADER.match(squash(v)):
            return True
        vals.append(v)
        if len(v) <= 2 and v.isdigit():
            nums.append(int(v))
    if len(nums) >= 3 and nums == list(range(nums[0], nums[0] + len(nums))):
        # column numbers, possibly beside header words the extraction put on the same line
        return all(v.isdigit() or header_kind(v) != "" for v in vals) and len(nums) * 2 >= len(vals) - 1
    return False


CODE_LEVEL_WORD = re.compile(r"^[类款项]$")  # the 类|款|项 header, sometimes printed on the first body row
_CODE_LEVELS = frozenset("类款项")  # the same, for a stripped cell


def code_pieces(cells: list[str]) -> set[int]:
    """Positions of the 款 and 项 pieces of a code printed in separate cells (201 | 06 | 01 · 301 | 01),
    each right of a 3-digit 类 with only blanks between. Such a one- or two-digit piece is part of the
    row's code: never an amount, never the row's name."""
    out: set[int] = set()
    first = True
    for j, c in enumerate(cells):
        text = c.strip()
        if not text:
            continue
        if first:  # the first filled cell: a 类
            if not (text.isdigit() and len(text) == 3):
                return out
            first = False
            continue
        if not (len(text) <= 2 and text.isdecimal()):  # then at most two pieces of one or two digits
            break
        out.add(j)
        if len(out) == 2:
            break
    return out


@dataclass
class Lane:
    """A group of columns: its label columns, then its amount columns (two-sided tables have two)."""

    label_cols: list[int]
    amount_cols: list[int]


@dataclass
class Layout:
    header_rows: int
    width: int
    paths: list[str]  # header path per column
    kinds: list[str]  # label | index | amount per column
    lanes: list[Lane]

    @cached_property
    def head_label(self) -> int:
        """In a one-lane table, how many of the header's label columns stand before its first amount column
        (asked for every body row, made once)."""
        lane = self.lanes[0]
        return len([c for c in lane.label_cols if c < lane.amount_cols[0]])


def _first_data_row(rows: list[Row]) -> int | None:
    for i, row in enumerate(rows):
        if any(map(is_amount, row.cells)) and not is_index_row(row.cells):
            return i
    return None


def starts_body(cells: list[str]) -> bool:
    """A row that starts like a body row: a code, an ordinal (一、 （一）), or a total (合计) standing in the
    first column with nothing but amounts beside it. 小计/合计 elsewhere are header words."""
    j0, first = next(((j, t) for j, t in enumerate(map(str.strip, cells)) if t), (0, ""))
    if not first:
        return False
    # the first printed cell decides most rows, before the row is asked whether it is an index row
    opens = is_code(first) or bool(split_code(first)[0]) or starts_outline(first)
    if not opens and not TOTAL_WORDS.match(first) or is_index_row(cells):
        return False
    if opens:
        return True
    # 合计 alone on its row (its amounts left blank), or first with only amounts beside it
    rest = [c for c in cells[j0 + 1:] if c.strip()]
    return not rest or (j0 == 0 and all(is_amount(c.strip()) for c in rest))


def find_header(rows: list[Row]) -> int:
    """Number of header rows at the top of the block."""
    first_data = _first_data_row(rows)
    limit = first_data if first_data is not None else len(rows)
    # a row that starts like a body row (code, 一、, 合计 …) ends the header even before any amount
    for i in range(1, min(limit, 8)):
        if starts_body(rows[i].cells):
            return i
    if first_data is None:
        return min(limit, 8) if limit <= 8 else 0
    # label-only rows right above the first data row are body rows printed without amounts
    label_pos = {j for j, c in enumerate(rows[first_data].cells) if c.strip() and not is_amount(c)}
    h = first_data
    while h > 1:
        cells = rows[h - 1].cells
        filled = {j for j, c in enumerate(cells) if c.strip()}
        if filled and filled <= label_pos and not is_index_row(cells) and not all(
                header_kind(cells[j]) == "label" for j in filled):  # 科目编码 | 科目名称 … are header words
            h -= 1
        else:
            break
    return h if h <= 8 else 0


def header_paths(header: list[list[str]], width: int):
    """Per column, the header texts from top to bottom; a spanning cell printed once (blanks to its right)
    is carried right over the columns that a lower header row subdivides."""
    grid = [[squash(c) for c in row] + [""] * (width - len(row)) for row in header]
    for r in range(len(grid) - 1):
        _snap_to_period(grid[r], grid[r + 1])
    filled = [row[:] for row in grid]
    for r, row in enumerate(grid):
        for c in range(1, width):
            if row[c] or not filled[r][c - 1]:
                continue
            lower = any(grid[rr][c] and not grid[rr][c].isdigit() for rr in range(r + 1, len(grid)))
            same_parent = r == 0 or filled[r - 1][c] == filled[r - 1][c - 1]
            if lower and same_parent:
                filled[r][c] = filled[r][c - 1]
    paths = []
    for c in range(width):
        parts: list[str] = []
        for r in range(len(grid)):
            t = filled[r][c]
            if t and not t.isdigit() and not (t[0] in "行栏" and _INDEX_HEADER.match(t)) and (not parts or parts[-1] != t):
                parts.append(t)
        paths.append(parts)
    return paths, grid, filled


def _period(row: list[str]) -> int | None:
    """Width of a block of sub-headers printed again and again (合计|因公出国|…|合计|因公出国|…)."""
    width = len(row)
    for p in range(2, width // 2 + 1):
        if row[:p] != row[p:2 * p] or any(row[width - width % p:]):
            continue  # the first two blocks differ, or text is left over after the last block
        blocks = [row[i:i + p] for i in range(0, width - width % p, p)]
        if len(blocks) >= 2 and sum(bool(t) for t in blocks[0]) >= 2 and all(b == blocks[0] for b in blocks[1:]):
            return p
    return None


def _snap_to_period(upper: list[str], lower: list[str]) -> None:
    """Group headers over repeated sub-header blocks start where a block starts; a group header the
    extraction printed one column off (上年预算数|||||2024年预算数 over six-wide blocks) is moved there."""
    p = _period(lower)
    if not p:
        return
    starts = [c for c, t in enumerate(upper) if t]
    if len(starts) < 2 or all(c % p == 0 for c in starts):
        return
    snapped = [round(c / p) * p for c in starts]
    if len(set(snapped)) != len(snapped) or max(snapped) >= len(upper):
        return
    texts = [upper[c] for c in starts]
    for c in starts:
        upper[c] = ""
    for c, t in zip(snapped, texts):
        upper[c] = t


def _side_groups(grid: list[list[str]], filled: list[list[str]], width: int) -> set[tuple[int, int]]:
    """Header cells that head a whole side (收入 over 项目|预算数): their span covers a label column, so
    they say nothing about whether their own column holds labels or amounts."""
    out = set()
    for r, row in enumerate(grid):
        for c in range(width):
            if not row[c]:
                continue
            end = c
            while end + 1 < width and not row[end + 1] and filled[r][end + 1] == row[c]:
                end += 1
            if end > c and header_kind(row[c]) == "amount" and any(
                    header_kind(grid[rr][cc]) == "label"
                    for cc in range(c, end + 1) for rr in range(r + 1, len(grid)) if grid[rr][cc]):
                out.add((r, c))  # a span over a label column
    return out


def layout(block: Block, header_rows: int | None = None) -> Layout:
    """`header_rows`: find_header of the block's rows, when the caller has it already."""
    rows = block.rows
    width = max(map(len, [r.cells for r in rows]), default=0)
    h = find_header(rows) if header_rows is None else header_rows
    header = [r.cells for r in rows[:h]]
    paths, grid, filled = header_paths(header, width)
    sides = _side_groups(grid, filled, width)
    kinds: list[str] = []
    body = rows[h:]
    body_pieces = None  # code_pieces of each body row, made once when a column has no header of its own
    grid_cols = list(zip(*grid)) if grid else [()] * width  # the header by column
    for c in range(width):
        column = grid_cols[c]
        texts = [t for r, t in enumerate(column) if t and (r, c) not in sides] if sides else [t for t in column if t]
        text_kinds = [header_kind(t) for t in texts]
        own = [k for k in text_kinds if k]
        if "label" in own and all(TOTAL_WORDS.match(t) for t, k in zip(texts, text_kinds) if k == "amount"):
            kind = "label"  # 项目 | 科目编码 | 合计: the total row's label printed on the header's last line
        elif "amount" in own:
            kind = "amount"
        elif "label" in own:
            kind = "label"
        elif any(t[:1] in ("行", "栏") and _INDEX_HEADER.match(t) for t in column):
            kind = "index"  # 行次 / 栏次; a column headed only by a number is judged by its body
        else:
            kind = ""
        if not kind:
            # no header of its own: judge by what the body prints there
            if body_pieces is None:
                body_pieces = [code_pieces(r.cells) for r in body]
            vals, pieces = [], 0
            for r, p in zip(body, body_pieces):
                if c < len(r.cells):
                    v = r.cells[c]
                    s = v.strip()
                    if s:
                        vals.append(v)
                        pieces += c in p or s in _CODE_LEVELS
            if vals and pieces == len(vals):
                kind = "label"  # 款 | 项 of a code printed in separate cells
            elif vals and sum(map(is_amount, vals)) * 2 >= len(vals):
                kind = "amount"
            elif vals:
                kind = "label"
            else:
                kind = "amount" if any(p for p in paths[c]) else "empty"
        kinds.append(kind)
    # label paths keep only label words; amount paths drop label words the misprinted header put there
    str_paths = []
    for c in range(width):
        parts = paths[c]
        if kinds[c] == "amount":
            parts = [p for p in parts if header_kind(p) != "label" or p == parts[0] and len(parts) == 1]
        str_paths.append(" / ".join(parts))
    lanes: list[Lane] = []
    cur = Lane([], [])
    for c, kind in enumerate(kinds):
        if kind in ("label", "index"):
            if cur.amount_cols:
                lanes.append(cur)
                cur = Lane([], [])
            cur.label_cols.append(c)
        elif kind == "amount":
            cur.amount_cols.append(c)
    if cur.label_cols or cur.amount_cols:
        lanes.append(cur)
    return Layout(header_rows=h, width=width, paths=str_paths, kinds=kinds, lanes=lanes)


def columns_of(lay: Layout) -> list[Column]:
    return [Column(index=c, path=lay.paths[c], kind=lay.kinds[c]) for c in range(lay.width)]


@dataclass(slots=True)
class PlacedRow:
    """One body row with each printed cell assigned to a canonical column."""

    row: Row
    labels: list[tuple[int, str]]  # (canonical col, text) of label cells
    amounts: list[tuple[int, int, str]]  # (canonical col, printed col, text) of cells in amount columns
    unplaced: list[tuple[int, str]]  # printed cells beyond every known column
    note: str = ""  # how an ambiguous row was placed


def place_row(row: Row, lay: Layout, neighbours: tuple[int, ...] | None = None,
              extent: tuple[int, int] | None = None) -> PlacedRow:
    """Assign a body row's cells to columns. In a one-lane table the amount region may start earlier or
    later than in the header (code and name in two cells on one page, 类|款|项 in three on the next): the
    k-th amount cell of the row goes under the k-th amount column of the header. `neighbours` are the
    label-block widths (`label_end`) of the rows with amounts around it (none for a table of one such row):
    a row alone in printing its label block wider is not shifted on the strength of one cell; its cells stay
    under the header's columns. `extent` is the row's `label_extent`, when the caller has it already."""
    cells = row.cells
    n = len(cells)
    if len(lay.lanes) != 1 or not lay.lanes[0].amount_cols:
        labels, amounts, unplaced = [], [], []
        for c, text in enumerate(cells):
            if not text.strip():
                continue
            kind = lay.kinds[c] if c < lay.width else "none"
            if kind == "amount":
                amounts.append((c, c, text))
            elif kind in ("label", "index"):
                labels.append((c, text))
            else:
                unplaced.append((c, text))
        return PlacedRow(row, labels, amounts, unplaced)

    lane = lay.lanes[0]
    head_label = lay.head_label
    label_end, first_amount = extent or label_extent(cells, lay)
    note = ""
    if label_end > head_label and neighbours is not None and label_end not in neighbours:
        note = (f"the row alone prints {label_end - head_label} more label cell(s) than the header; "
                "its cells are kept under the header's columns")
        label_end = head_label
    if label_end < head_label and all(not cells[i].strip() for i in range(label_end, min(head_label, n))):
        starts = [head_label]  # label block padded with blanks up to the header's width
    elif label_end < head_label:
        # narrower label block: the amounts begin before the header says. Blanks between the last label
        # and the first amount may be a blank name or blank amounts: try each, let arithmetic decide.
        starts = list(range(min(first_amount, n), label_end - 1, -1))
    else:
        starts = [label_end]
    placements = [_place_from(cells, s, head_label, label_end, lay, lane) for s in starts]
    chosen = placements[0]
    if len(placements) > 1:
        balanced = [p for p in placements if _adds_up(p[2], lay)]
        if len(balanced) == 1 and balanced[0] is not placements[0]:
            chosen, note = balanced[0], "placed so that the row's total equals its parts"
    _, labels, amounts, unplaced = chosen
    return PlacedRow(row, labels, amounts, unplaced, note)


_NUMERIC_START = frozenset("-−–+(（")  # and digits: what _NUMERIC_LOOKING starts with
_NUMERIC_LOOKING = re.compile(r"^[-−–+(（]?[\d０-９][\d０-９,，.．\s]*(?:[eE][-+]?\d+)?[)）]?[%％]?$")


# what an amount, a dash or slash, or a cell that looks like a number can start with (besides a digit)
_NUMBER_START = frozenset("-−–+(（－＋—―‒─━ー/／")


def could_be_number(text: str) -> bool:
    """A quick test on a stripped, non-empty cell: False when it starts so that it can be neither an amount
    (is_amount), nor a dash or slash (is_placeholder), nor number-like text (stands_for_amount): a label."""
    return text[0] in _NUMBER_START or text[0].isdecimal()


def stands_for_amount(text: str) -> bool:
    """A cell printed where an amount goes that is a dash or looks like a number even if it cannot be read
    as one (1e308, (1,234.00), fullwidth digits): it holds its column and is never part of the row's name."""
    t = text.strip()
    return is_placeholder(t) or bool(t[:1] in _NUMERIC_START or t[:1].isdecimal()) and bool(_NUMERIC_LOOKING.match(t))


def label_extent(cells: list[str], lay: Layout) -> tuple[int, int]:
    """(end of the printed label block, position of the first amount) of a one-lane table's row: the last
    non-amount text before the first amount. Digits in the header's label columns are codes (208 | 01 | 01),
    a dash or an unreadable number in an amount column holds that column."""
    head_label = lay.head_label
    pieces = code_pieces(cells)
    first_amount = next((i for i, t in enumerate(cells) if is_amount(t) and i not in pieces and not (
        i < head_label and (is_code(t) or (t.strip().isdigit() and lay.kinds[i] == "label")))), len(cells))
    label_end = 0
    for i in range(first_amount):
        if not cells[i].strip() or _is_index_value(cells[i], i, lay):
            continue
        if i >= head_label and i not in pieces and stands_for_amount(cells[i]):
            continue
        label_end = i + 1
    return label_end, first_amount


def _place_from(cells, start, head_label, label_end, lay, lane):
    n = len(cells)
    labels = [(i, cells[i]) for i in range(min(start, n)) if cells[i].strip()]
    amounts, unplaced = [], []
    aligned = start == lane.amount_cols[0] or (start == head_label and label_end <= head_label)
    for k, i in enumerate(range(start, n)):
        if not cells[i].strip():
            continue
        if aligned and i < lay.width and lay.kinds[i] in ("amount", "empty"):
            amounts.append((i, i, cells[i]))  # printed where the header says
        elif not aligned and k < len(lane.amount_cols):
            amounts.append((lane.amount_cols[k], i, cells[i]))  # k-th amount under the k-th amount column
        else:
            unplaced.append((i, cells[i]))
    return start, labels, amounts, unplaced


_TOTAL_PATH = re.compile(r"合计|总计|小计")


def _adds_up(amounts, lay) -> bool:
    """Does the row's first (total) column equal the sum of the other top-level columns it heads?"""
    values = {}
    for col, _, text in amounts:
        v = parse_amount(text)
        if v is not None:
            values[col] = v
    if len(values) < 2:
        return False
    cols = sorted(values)
    first = cols[0]
    if not _TOTAL_PATH.search(lay.paths[first]):
        return False
    top = [c for c in cols[1:] if " / " not in lay.paths[c] or lay.paths[c].split(" / ")[0] != lay.paths[first].split(" / ")[0]]
    parts = top or cols[1:]
    return sum(values[c] for c in parts) == values[first]


def _is_index_value(text: str, col: int, lay: Layout) -> bool:
    return col < lay.width and lay.kinds[col] == "index" and text.strip().isdigit()
