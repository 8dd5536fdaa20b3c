"""An Excel workbook per document: a cover sheet, a sheet per table in its published layout, the projects
with one row per indicator, and the document's findings.

Process builds each sheet as plain data (`Sheet`: typed cells, merged ranges, column widths); Save writes
it as SpreadsheetML (xlsx.py: XlsxWriter before, whose reading it matches, at a third of the time).
Tables are laid out as the package records them: header cells from `cells` rows
1..`tables.header_rows`, their spans found by the parser's own rule (`tables.header_paths`, which also moves a
group header printed one column off back over its block, exactly as the facts' column paths say), body
cells under their header column (`cells.grid_col`). A printed amount that is a fact becomes a number in the
table's unit (the fact's 元 divided back), formatted with thousands separators and its printed decimals;
every other cell stays the text as printed, so 类/款/项 codes keep their leading zeros. Text is neutralised
for spreadsheets (a cell starting with = + - @ is never a formula).

Deterministic: document properties take the package's `created`, never the clock; the zip entries have a
fixed time and order.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from operator import itemgetter

from ..schema import names_zh
from ..package import load_schema
from ..spreadsheet import _FIRST as _FORMULA_FIRST  # a text starting otherwise is left as it is
from ..spreadsheet import neutralise
from ..tables import header_paths
from ..text import UNIT_FACTOR
from .source import Package
from .xlsx import xlsx_bytes

KIND_ZH = {k: f"部门{zh}" for k, zh in names_zh("documents", "kind").items()}  # 部门预算: the kind's name in the schema
from ..severity import ZH as SEVERITY_ZH  # declared in the schema
_SHEET_BAD = re.compile(r"[\[\]:*?/\\']")
MONEY = "#,##0.00"


@dataclass(slots=True)
class Cell:
    value: str | Decimal | int | None
    style: str = "text"          # text | head | title | label | num | link
    number_format: str = ""      # for numbers: thousands separators and the printed decimals
    link: str = ""


@dataclass
class Sheet:
    name: str
    rows: list[list[Cell | None]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # 1-based r1, c1, r2, c2
    widths: dict[int, float] = field(default_factory=dict)
    freeze: tuple[int, int] | None = None  # first row and column that scroll

    def get(self, r: int, c: int) -> Cell | None:
        return self.rows[r - 1][c - 1] if r <= len(self.rows) and c <= len(self.rows[r - 1]) else None

    def put(self, r: int, c: int, cell: Cell) -> None:
        rows = self.rows
        if len(rows) < r:
            rows.extend([] for _ in range(r - len(rows)))
        row = rows[r - 1]
        if len(row) < c:
            row.extend([None] * (c - len(row)))
        row[c - 1] = cell

    def append(self, cells: list[Cell | None]) -> None:
        """The next row, as `put` would leave it cell by cell (no trailing empty cells)."""
        end = len(cells)
        while end and cells[end - 1] is None:
            end -= 1
        self.rows.append(cells[:end])


EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384  # a sheet's limits
EXCEL_TEXT_MAX = 32767  # characters in one cell; Excel would cut a longer text without a word
TOO_LONG = "……［原文超出 Excel 单元格 32767 字符上限，全文见数据包 CSV / cut at Excel's cell limit; full text in the package］"


def text(value, style: str = "text") -> Cell | None:
    """A text cell, neutralised for spreadsheets; None for nothing. Text longer than a cell can hold is cut
    with a note that says so (the package keeps it whole)."""
    if value is None or value == "":
        return None
    value = neutralise(value if type(value) is str else str(value))
    if len(value) > EXCEL_TEXT_MAX:
        value = value[:EXCEL_TEXT_MAX - len(TOO_LONG)] + TOO_LONG
    return Cell(value, style)


def _texts(values) -> list[Cell | None]:
    """`text` of each value: the loops over every printed cell call this, not `text`. A text's cell is made
    once and shared where the text repeats (labels, codes, indicator phases): cells are never changed once
    made, so sharing one is the same as making it again."""
    memo = _TEXT_CELLS
    if len(memo) > 50_000:  # bounded: forgetting only makes a cell again
        memo.clear()
    return [memo.get(v) or _text_cell(v) for v in values]


def _text_cell(value) -> Cell | None:
    cell = text(value)
    if cell is not None and type(value) is str and len(value) <= MEMO_TEXT:  # by text only: 1 == True == 1.0
        _TEXT_CELLS[value] = cell
    return cell


_TEXT_CELLS: dict[str, Cell] = {}
MEMO_TEXT = 200  # longer texts are neither shared nor their widths remembered: they rarely repeat, and the memos'
# memory stays small (at most 50,000 cells and 200,000 widths of texts this long) whatever the corpus


def link(url: str) -> Cell | None:
    """A hyperlink when `url` is an http(s) address, else the text (a site path before site_url is set)."""
    if re.match(r"https?://\S+$", url or ""):
        return Cell(neutralise(url), "link", link=url)
    return text(url)


def number(value, fmt: str) -> Cell | None:
    return None if value is None else Cell(value, "num", fmt)


def decimals_format(decimals: int | None) -> str:
    return "#,##0" if not decimals else "#,##0." + "0" * decimals


# ------------------------------------------------------------------------------------------ process

def table_sheet(name: str, table: dict, cells: list[dict], facts: list[dict]) -> Sheet:
    """One table as printed: title, unit, header rows merged as the parser reads them, body rows with the
    facts as numbers in the table's unit."""
    return _table_sheet(name, table, [(c["row"], c["col"], c["grid_col"], c["text"], c["source_line"]) for c in cells],
                        [tuple(f.get(k) for k in FACT_FIELDS) for f in facts])


CELL_FIELDS = ("row", "col", "grid_col", "text", "source_line")  # what a table's sheet reads of its cells
_ROW, _COL, _GRID_COL = itemgetter(0), itemgetter(1), itemgetter(2)
FACT_FIELDS = ("source_line", "column_index", "value", "value_unit", "published_unit", "decimals", "table_id")


def _table_sheet(name: str, table: dict, cells: list[tuple], facts: list[tuple]) -> Sheet:
    """`table_sheet` of its cells and facts as tuples of CELL_FIELDS and FACT_FIELDS (read from the package's
    columns: no dict per printed cell)."""
    sheet = Sheet(name)
    unit = table.get("unit") or ""
    width = max(max(map(_COL, cells)), max(filter(None, map(_GRID_COL, cells)), default=0)) if cells else 1
    sheet.put(1, 1, text(table.get("title") or f"（无标题表格 untitled table {table['table_id']}）", "title"))
    where = f"原文第 {table.get('line_start')}–{table.get('line_end')} 行"
    sheet.put(2, 1, text("；".join(x for x in (f"单位：{unit}" if unit else "", table.get("label") or "", where) if x)))
    if width > 1:
        sheet.merges += [(1, 1, 1, width), (2, 1, 2, width)]
    top = 3  # first row of the printed table
    h = min(table.get("header_rows") or 0, max(map(_ROW, cells), default=0))
    header = [[""] * width for _ in range(h)]
    for row, col, _, txt, _ in cells:
        if row <= h:
            header[row - 1][col - 1] = txt or ""
    if h:
        _, grid, filled = header_paths(header, width)
        taken: set[tuple[int, int]] = set()
        for r in range(h):
            for c in range(width):
                if not grid[r][c]:
                    continue
                sheet.put(top + r, c + 1, text(grid[r][c], "head"))
                end = c
                while end + 1 < width and not grid[r][end + 1] and filled[r][end + 1] == grid[r][c]:
                    end += 1
                bottom = r
                while bottom + 1 < h and not any(grid[bottom + 1][c:end + 1]):
                    bottom += 1
                if bottom == r and end == c:
                    continue  # one cell: nothing to merge
                span = {(rr, k) for rr in range(r, bottom + 1) for k in range(c, end + 1)}
                if not span & taken:  # never two merges over one cell
                    taken |= span
                    sheet.merges.append((top + r, c + 1, top + bottom, end + 1))
        for r in range(h):  # the header's empty cells still look like header
            for c in range(width):
                if not grid[r][c]:
                    sheet.put(top + r, c + 1, Cell(None, "head"))
    amounts = {(f[0], f[1]): f for f in facts}
    body = [c for c in cells if c[0] > h]
    # what Sheet.put would do cell by cell, inline, and the body's column widths measured as _widths does: this
    # runs for every printed cell. The body's rows are all below the header's, made here at the table's width
    # and cut after the last column put, as put leaves them.
    rows, widths = sheet.rows, {}
    base = len(rows)  # 0-based index of the body's first row (top + h - 1)
    grid = [[None] * width for _ in range(top + max(map(_ROW, body)) - 1 - base if body else 0)]
    ends = [0] * len(grid)
    found = [amounts.get((c[4], c[2] or c[1])) for c in body]  # the fact printed in a cell's header column
    for (row, col, gcol, txt, line), fact, cell in zip(body, found, _texts([None if f else c[3] for c, f in zip(body, found)])):
        if gcol:
            col, given = gcol, col
        else:
            given = col
        if fact is not None:
            cell = _amount(*fact[2:], fact[0]) or text(txt)
        i = top + row - 2 - base
        at = grid[i]
        if at[col - 1] is not None:  # two cells under one header column: keep both, never overwrite
            col = given
            if at[col - 1] is not None:
                raise ValueError(f"{table['table_id']} line {line}: two cells at column {col}")
        at[col - 1] = cell
        if col > ends[i]:
            ends[i] = col
        if cell is not None:  # a body cell is text or an amount, never blank, and no range is merged here
            widths[col] = max(widths.get(col, 8), cell_width(cell))
    rows.extend(at[:end] for at, end in zip(grid, ends))
    if table.get("note"):
        sheet.put(len(sheet.rows) + 2, 1, text(table["note"]))
    sheet.freeze = (top + h, 1) if h else None
    sheet.widths = _widths(sheet, widths, range(base, base + len(grid)))
    return sheet


def amount_cell(fact: dict) -> Cell | None:
    """A fact as a number in the unit it was printed in (元 divided back to 万元; a percentage stays one)."""
    return _amount(*(fact.get(k) for k in FACT_FIELDS[2:]), fact.get("source_line"))


def _amount(value, value_unit, published_unit, decimals, table_id, line) -> Cell | None:
    if value is None:
        return None  # a dash: printed, no amount; the text as printed stands
    if value_unit == "yuan":
        unit = published_unit or "元"
        if unit not in UNIT_FACTOR:  # never guess a factor: the workbook is reported, not wrong
            raise ValueError(f"{table_id} line {line}: money printed in "
                             f"{unit!r}, expected one of {sorted(UNIT_FACTOR)}")
        value = value / UNIT_FACTOR[unit]
    return Cell(value, "num", decimals_format(decimals))


def cover_sheet(pkg: Package, doc: dict, sheet_names: list[tuple[str, str]], agency_url: str) -> Sheet:
    meta = pkg.descriptor
    s = Sheet("封面")
    kind = KIND_ZH.get(doc.get("kind") or "", doc.get("kind") or "")
    s.put(1, 1, text(f"{doc.get('agency') or ''} {doc.get('fiscal_year') or ''} 年{kind}", "title"))
    lic = "; ".join(f"{x.get('name')}: {x.get('title', '')}" for x in meta.get("licenses", []))
    rights = load_schema()[0]["rights"]  # whose text it is: the package's own statement, zh and en
    items = [
        ("文件标题 Title", text(doc.get("title"))),
        ("部门 Agency", text(doc.get("agency"))),
        ("年度 Fiscal year", number(doc.get("fiscal_year"), "0")),
        ("类型 Kind", text(f"{kind} {doc.get('kind') or ''}")),
        ("原文金额单位 Unit", text(doc.get("unit"))),
        ("来源 Source", text(f"{doc.get('agency') or ''}公开的《{doc.get('title') or ''}》；原文文件 {doc.get('source_file')}")),
        ("原文 SHA-256", text(doc.get("source_sha256"))),
        ("原文网址 Source URL", link(doc.get("source_url") or "")),
        ("发布日期 Published", text(doc.get("published"))),
        ("数据标识 doc_id", text(doc.get("doc_id"))),
        ("许可 Licence", text(lic)),
        ("权利说明 Rights", text(f"{rights['zh']}\n{rights['en']}")),
        ("数据包 Package", text(f"{meta.get('title', '')} {meta.get('version', '')}")),
        ("生成日期 Build date", text(meta.get("created"))),
        ("部门页面 Agency page", link(agency_url)),
        ("说明 Notes", text("表格工作表按原文排列；金额为数字，单位与原表相同（见各表第 2 行），数据包 facts 中统一为元。"
                           "编码为文本，保留前导零。Table sheets follow the printed layout; amounts are numbers in the "
                           "table's own unit (row 2 of each sheet); codes are text.")),
    ]
    r = 3
    for label, cell in items:
        s.put(r, 1, Cell(label, "label"))
        if cell is not None:
            s.put(r, 2, cell)
        r += 1
    r += 1
    s.put(r, 1, Cell("工作表 Sheets", "label"))
    for name, what in sheet_names:
        s.put(r, 2, text(name))
        s.put(r, 3, text(what))
        r += 1
    s.widths = {1: 22, 2: 60, 3: 60}
    return s


def projects_sheet(pkg: Package, projects: list[dict], indicators: list[dict] | list[tuple]) -> Sheet:
    """One row per indicator, with its project's name, department, unit and funds; a project printed without
    indicators still gets a row. `indicators` as dicts, or as tuples of `project_id` and INDICATOR_COLUMNS' fields."""
    pcols = [("project_id", "text"), ("name", "text"), ("department", "text"), ("implementing_unit", "text"),
             ("funds_total", MONEY)]
    s = Sheet("项目及绩效指标")
    heads = [pkg.label("projects", n) for n, _ in pcols] + [pkg.label("indicators", n) for n, _ in INDICATOR_COLUMNS]
    for c, h in enumerate(heads, 1):
        s.put(1, c, text(h, "head"))
    by_project: dict[str, list[tuple]] = {}
    for i in indicators:
        if isinstance(i, dict):
            i = (i["project_id"],) + tuple(i.get(n) for n, _ in INDICATOR_COLUMNS)
        by_project.setdefault(i[0], []).append(i[1:])
    nothing = (None,) * len(INDICATOR_COLUMNS)
    lines = []  # (the project's cells, an indicator's values) a row, in order
    for p in projects:
        first = [text(p.get(n)) if fmt == "text" else number(p.get(n), fmt) for n, fmt in pcols]
        lines += [(first, ind) for ind in by_project.get(p["project_id"]) or [nothing]]
    # a column at a time: each column's cells made by one comprehension, as text or number
    columns = [_texts(values) if fmt == "text" else [None if v is None else Cell(v, "num", fmt) for v in values]
               for values, fmt in zip(zip(*[ind for _, ind in lines]), INDICATOR_FORMATS)]
    for (first, _), cells in zip(lines, zip(*columns)):
        s.append(first + list(cells))
    # widths measured a column at a time (a project's cells once): the same maxima as _widths row by row
    widths: dict[int, float] = {}
    firsts = {id(first): first for first, _ in lines}.values()
    for c, cells in enumerate(zip(*firsts), 1):
        _measure_column(widths, c, cells)
    for c, cells in enumerate(columns, len(pcols) + 1):
        _measure_column(widths, c, cells)
    s.freeze = (2, 3)
    s.widths = _widths(s, widths, range(1, len(s.rows)))
    return s


INDICATOR_COLUMNS = [("indicator_no", "0"), ("phase", "text"), ("level1", "text"), ("level2", "text"), ("name", "text"),
                     ("operator", "text"), ("target_value", "General"), ("target_unit", "text"),
                     ("target_text", "text"), ("actual_text", "text"), ("weight", "General"), ("score", "General"),
                     ("source_line", "0")]
INDICATOR_FORMATS = [fmt for _, fmt in INDICATOR_COLUMNS]


def findings_sheet(pkg: Package, findings: list[dict]) -> Sheet:
    cols = [("severity", "text"), ("rule_id", "text"), ("message", "text"), ("expected", MONEY),
            ("actual", MONEY), ("difference", MONEY), ("tolerance", MONEY), ("table_ids", "text"),
            ("source_lines", "text"), ("basis", "text")]
    s = Sheet("数据质量检查")
    for c, (n, _) in enumerate(cols, 1):
        s.put(1, c, text(pkg.label("findings", n), "head"))
    for f in findings:
        row = []
        for n, fmt in cols:
            v = f.get(n)
            if n == "severity":
                v = f"{SEVERITY_ZH.get(v or '', v or '')} {v or ''}".strip()
            row.append(text(v) if fmt == "text" else number(v, fmt))
        s.append(row)
    s.freeze = (2, 1)
    s.widths = _widths(s)
    return s


def document_sheets(pkg: Package, doc: dict, agency_url: str) -> list[Sheet]:
    did = doc["doc_id"]
    tables = pkg.by_doc("tables").get(did, [])
    cells_by = pkg.grouped("cells", did, "table_id", CELL_FIELDS)
    facts_by = pkg.grouped("facts", did, "table_id", FACT_FIELDS)
    used = {"封面", "项目及绩效指标", "数据质量检查"}
    sheets = []
    for n, t in enumerate(tables, 1):
        name = sheet_name(f"{n:02d} {t.get('title') or '无标题表格'}", used)
        sheets.append(_table_sheet(name, t, cells_by.get(t["table_id"], []), facts_by.get(t["table_id"], [])))
    indicators = pkg.tuples("indicators", did, ("project_id",) + tuple(n for n, _ in INDICATOR_COLUMNS))
    sheets.append(projects_sheet(pkg, pkg.by_doc("projects").get(did, []), indicators))
    sheets.append(findings_sheet(pkg, pkg.by_doc("findings").get(did, [])))
    listing = [(s.name, t.get("title") or t["table_id"]) for s, t in zip(sheets, tables)]
    listing += [(sheets[-2].name, "每个绩效指标一行 One row per indicator"), (sheets[-1].name, "检查结果 Findings")]
    return [cover_sheet(pkg, doc, listing, agency_url)] + sheets


def sheet_name(wanted: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\', unique ignoring case."""
    base = _SHEET_BAD.sub("_", wanted).strip() or "sheet"
    name, n = base[:31], 2
    while name.lower() in {u.lower() for u in used}:
        suffix = f"~{n}"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def _widths(sheet: Sheet, out: dict[int, float] | None = None, measured: range = range(0)) -> dict[int, float]:
    """Column widths from the longest text (a CJK character is two wide), within sensible bounds. `out` holds
    what the caller measured already, of the rows (0-based) in `measured`."""
    out = {} if out is None else out
    merged: dict[int, set[int]] = {}  # row → its columns inside a range merged across columns
    for r1, c1, r2, c2 in sheet.merges:
        if c2 > c1:
            for r in range(r1, r2 + 1):
                merged.setdefault(r, set()).update(range(c1, c2 + 1))
    for r, row in enumerate(sheet.rows, 1):
        if r - 1 in measured:
            continue
        skip = merged.get(r)
        for c, cell in enumerate(row, 1):
            if cell is None or cell.value is None or (skip and c in skip):
                continue
            out[c] = max(out.get(c, 8), cell_width(cell))
    return out


def _measure_column(out: dict[int, float], c: int, cells) -> None:
    """`_widths` of column `c` made of `cells` (no merged range), into `out`."""
    best = max((cell_width(cell) for cell in cells if cell is not None and cell.value is not None), default=0)
    if best:  # a text is at least 2 wide: some cell was measured
        out[c] = max(out.get(c, 8), best)


def cell_width(cell: Cell) -> int:
    """text_width of what a cell shows (an amount with its thousands separators); remembered for short texts,
    in a bounded memo of a pure function, so it never changes a width."""
    v = cell.value
    s = f"{v:,}" if cell.style == "num" else v if type(v) is str else str(v)
    w = _WIDTH_OF.get(s)
    if w is None:
        w = text_width(s)
        if len(s) <= MEMO_TEXT:
            if len(_WIDTH_OF) > 200_000:
                _WIDTH_OF.clear()
            _WIDTH_OF[s] = w
    return w


def text_width(s: str) -> int:
    """A text's column width: its longest line, a wide character counting two, and 2 of margin; at most 50."""
    return min((len(s) if s.isascii() and "\n" not in s else
                max(len(line) + len(_WIDE.findall(line)) for line in s.split("\n"))) + 2, 50)


_WIDTH_OF: dict[str, int] = {}  # text_width of texts seen (labels, codes and amounts repeat across tables)
_WIDE = re.compile("[\u2e81-\U0010ffff]")  # counted twice: CJK and everything after it


# --------------------------------------------------------------------------------------------- save

def workbook_bytes(sheets: list[Sheet], created: datetime, title: str) -> bytes:
    """The sheets as an .xlsx file (xlsx.py): text as text (never read as a formula or a number), numbers as
    numbers; refused, not cut short, when a sheet is larger than Excel can open."""
    for sh in sheets:
        wide = max((len(row) for row in sh.rows), default=0)
        if len(sh.rows) > EXCEL_ROWS or wide > EXCEL_COLUMNS:
            raise ValueError(f"sheet {sh.name!r} has {len(sh.rows):,} rows and {wide:,} columns; Excel holds at most "
                             f"{EXCEL_ROWS:,} rows and {EXCEL_COLUMNS:,} columns a sheet, so this workbook is not "
                             "written (the package's CSV and Parquet files hold every row)")
    return xlsx_bytes(sheets, created, title)
