"""Stage 2: lines → table blocks and narrative text with its heading path.

A table is a run of tab-separated lines; blank lines inside it are page breaks and do not end it, nor does a
short stray line the extraction pulled out of a cell. The lines just before a run name it (title, 公开NN表
label, 单位), the 注 lines just after it annotate it (此表为空表 …).
"""
from __future__ import annotations

import re

from .model import Block, Row, Segmented, Source, TextLine
from .text import CN_NUM, is_amount, is_code, outline_level, squash

UNIT = re.compile(r"^(?:金额)?单\s*位\s*[:：]\s*(万\s*元|元)\b|^(?:金额单位|单位)\s*[:：]?\s*(万\s*元|元)\s*$")
TABLE_LABEL = re.compile(r"^(?:部门)?(?:预算)?公开\s*(?:\d+\s*表|表\s*\d+)$|^(?:部门)?公开表\s*\d+$")
META = re.compile(
    r"^(?:公开部门|部门名称|单位名称|编制单位|填报单位|填报日期|项目单位)\s*(?:（盖章）|\(盖章\))?\s*[:：]"
    r"|^[（(]?\s*\d{4}\s*年度?\s*[）)]?$"
)
NOTE = re.compile(r"^[（(]?\s*(?:注|说明)\s*[:：]|^[（(]?\s*(?:此表为空表|本表无数据|本表为空)")
PART = re.compile(rf"^第[{CN_NUM}]+部分")
# a heading that opens the table part even without 第二部分: 某某局2024年度部门决算表 · 2024年部门预算公开表
PART_HEADING = re.compile(rf"^第[{CN_NUM}]+部分|^.{{0,40}}(?:20\d{{2}}\s*年度?)?部门(?:预|决)算(?:公开)?表$")
PART_TITLE = re.compile(r"^.{0,30}(?:——|--).{0,20}$|^.{0,30}名词解释$")  # 2024年部门预算——单位概况
TOC = re.compile(r"^目\s*录$")
_BULLET = re.compile(r"^[-*+]\s+")


CONTINUED = re.compile(r"[（(]\s*续\s*[)）]\s*$|续表$")
# a line naming a table ends in 表, maybe with a qualifier: …分经济科目表（不含上年结转）
TABLE_NAME = re.compile(r"表(?:[（(][^）)]{0,20}[）)])?$")


def _base_title(title: str) -> str:
    return CONTINUED.sub("", title).strip() if "续" in title else title.strip()


# The regexes below are asked of every line near a table, so each is asked only of a line holding the words it
# needs (a regex tries every position of a line that cannot match; `in` finds a word at once).
def _part_heading(text: str) -> bool:
    """PART_HEADING.match, asked only when the line could match it (第… or …部门…)."""
    return (text.startswith("第") or "部门" in text) and PART_HEADING.match(text) is not None


def _part_title(text: str) -> bool:
    return ("——" in text or "--" in text or "名词解释" in text) and PART_TITLE.match(text) is not None


def _names_table(text: str) -> bool:
    """A squashed line naming a table (TABLE_NAME, once a 续 is taken off)."""
    return "表" in text and TABLE_NAME.search(_base_title(text)) is not None


_DEFINITION = re.compile(r"[:：]\s*指")


def heading_level(text: str) -> int | None:
    """Level of a heading line; a definition (…：指…) or a sentence is not a heading."""
    if len(text) > 60 or text.endswith(("。", "；", ";")) or ("指" in text and _DEFINITION.search(text)):
        return None
    if _part_heading(text) or _part_title(text):
        return 1
    level = outline_level(text)
    return level + 1 if level in (1, 2) else None  # 一、 and （一） head sections; (1) and 1. number paragraphs


def _is_context(text: str) -> bool:
    """A text line that belongs to a table's surroundings (title, unit, label, note, heading)."""
    return bool(
        UNIT.match(text) or TABLE_LABEL.match(text) or META.match(text) or NOTE.match(text)
        or heading_level(text) or ("表" in text and len(text) <= 60) or TOC.match(text)
    )


def unit_of(text: str) -> str:
    m = UNIT.match(text)
    if not m:
        return ""
    return squash(m.group(1) or m.group(2))


_NUMBERISH = re.compile(r"^[-−–(（]?[\d,，.．%％]+[)）]?$")
_CONTENT = re.compile(r"[\w\u4e00-\u9fff]")


_OTHER_SPACE = re.compile(r"[^\S\t ]")  # white space (as str.split and squash take it) but the tab and the space


class _Echoes:
    """A PDF read page by page prints each page's text before that page's tables: the table's own words and
    numbers come first as loose text lines, then again as tab-separated rows. Such a line is an echo of the
    rows that follow it: every one of its words is (part of) a cell of the next run of tab lines, and each of
    its numbers is a whole cell there. An echo is neither a title nor narrative text nor a gap in the table."""

    def __init__(self, lines: list[str], kinds: list[str]):
        self.lines, self.kinds = lines, kinds
        self._groups: dict[int, tuple[set[str], str]] = {}
        self._flat: dict[int, str] = {}

    def _group(self, start: int) -> tuple[set[str], str]:
        if start not in self._groups:
            exact: set[str] = set()
            texts: list[str] = []
            k = start
            while k < len(self.lines) and self.kinds[k] in ("tab", "blank"):
                line = self.lines[k]
                if not _OTHER_SPACE.search(line):  # no white space but tabs and spaces
                    for cell in line.split("\t"):
                        if cell and " " not in cell:  # its own squash and its one word
                            exact.add(cell)
                            texts.append(cell)
                        elif cell.strip():
                            texts.append(squash(cell))
                            exact.add(texts[-1])
                            exact.update(cell.split())
                    k += 1
                    continue
                cells = [cell for cell in line.split("\t") if cell.strip()]
                squashed = [squash(cell) for cell in cells]
                exact.update(squashed)
                exact.update(*[cell.split() for cell in cells])
                texts += squashed
                k += 1
            self._groups[start] = (exact, "\x00".join(texts))
        return self._groups[start]

    def _flat_text(self, start: int) -> str:
        """The run's text without white space: every word of a cell, every cell's squash holds no white
        space and so is in it (a word not in it is in no cell)."""
        if start not in self._flat:
            k = start
            while k < len(self.lines) and self.kinds[k] in ("tab", "blank"):
                k += 1
            self._flat[start] = "".join("\n".join(self.lines[start:k]).split())
        return self._flat[start]

    def is_echo(self, idx: int, next_tab: int) -> bool:
        t = self.lines[idx].strip()
        if _is_own_context(t):
            return False
        words = [w for w in t.split() if _CONTENT.search(w)]
        if not words:
            return False
        if "\x00" not in t and not all(w in self._flat_text(next_tab) for w in words):
            return False  # a word printed in no cell, told without taking the rows apart
        exact, joined = self._group(next_tab)
        return all(w in exact if _NUMBERISH.match(w) else squash(w) in joined for w in words)


# what the lines UNIT, TABLE_LABEL, NOTE, PART, META and TOC match start with (or a digit, or white space)
_CONTEXT_START = frozenset("金单部预公（(注说此本第编填项目")


def _is_own_context(text: str) -> bool:
    """Lines that name or annotate a table even when their words also stand in its cells."""
    first = text[:1]
    if first and not (first in _CONTEXT_START or first.isdecimal() or first.isspace()):
        return _names_table(squash(text))  # none of the six regexes can match
    return bool(UNIT.match(text) or TABLE_LABEL.match(text) or NOTE.match(text) or PART.match(text)
                or META.match(text) or TOC.match(text) or _names_table(squash(text)))


def _context_row(line: str, first: bool) -> bool:
    """A note printed in a cell of its own under a ruled table's rows (注：…), or a title, unit or label
    printed so above them (`first`: no table line just before it): read as the line it would be outside."""
    if "\t" in line.strip():  # text in two cells (a tab between two printed characters)
        return False
    filled = [c.strip() for c in line.split("\t") if c.strip()]
    if len(filled) != 1:
        return False
    t = filled[0]
    return bool(NOTE.match(t)) or first and bool(
        UNIT.match(t) or TABLE_LABEL.match(t)
        or (len(t) <= 60 and _names_table(squash(t)) and not _part_heading(t)))


def _is_punctuation(text: str) -> bool:
    """A line of quote marks the extraction lifted out of a title (财政拨款“三公”经费… → “ ”)."""
    return bool(text.strip()) and not _CONTENT.search(text)


def _opens_body(cells: list[str], run_rows: list[list[str]]) -> bool:
    """The first row after a note: a body row, or the table's header printed again, continues the table."""
    from .tables import starts_body  # tables reads rows; segment only asks whether one starts a body

    if any(is_amount(c) for c in cells) or starts_body(cells):
        return True
    key = [squash(c) for c in cells if c.strip()]
    return any(key == [squash(c) for c in r if c.strip()] for r in run_rows[:6])


def _note_above(lines: list[str], kinds: list[str], k: int, stop: int, depth: int = 2) -> bool:
    """Is line k the wrapped tail of a 注：/说明： note printed just above it (at most two lines on)?"""
    j = k - 1
    while j > stop and kinds[j] in ("blank", "echo"):
        j -= 1
    if j <= stop or kinds[j] != "text":
        return False
    t = lines[j].strip()
    return bool(NOTE.match(t)) or (depth > 1 and not _is_own_context(t) and _note_above(lines, kinds, j, stop, depth - 1))


def _read_context(block: Block, lines: list[str], kinds: list[str], start: int, stop: int, used: set[int]) -> None:
    """The context printed before a run of rows, read upwards from line index `start` to `stop`: title,
    label, unit (nearest first). Notes printed between the title and the header (or a page's notes placed
    before its rows) are the table's notes; echoes of the rows are skipped."""
    k = start
    seen = 0
    titles: list[tuple[int, str]] = []
    before: list[tuple[int, str]] = []
    while k > stop and seen < 6:
        t = lines[k].strip()
        if t and "表" in block.title and _wraps_title(t, block.title):
            block.title, block.title_line = squash(t) + block.title, k + 1  # 一般公共预算财政拨款基本支出 / 决算表
            used.add(k)
            k -= 1
            continue
        if not t or kinds[k] == "echo":
            k -= 1
            continue
        if not titles and not block.unit_text and not block.label and (
                NOTE.match(t) or (_note_above(lines, kinds, k, stop) and not _is_own_context(t))):
            before.insert(0, (k + 1, t))
            used.add(k)
            k -= 1
            continue
        seen += 1
        if UNIT.match(t) and not block.unit_text:
            block.unit_text, block.unit_line = unit_of(t), k + 1
        elif TABLE_LABEL.match(t) and not block.label:
            block.label = squash(t)
        elif META.match(t):
            pass
        elif NOTE.match(t) or len(t) > 60 or _part_heading(t) or ("表" in block.title) or len(titles) == 2:
            break  # above a title only a label or a unit can still belong to the table
        else:
            titles.append((k, squash(t)))
            # a line naming a table (…表) wins over a subtitle printed between it and the rows
            pick = next(((kk, tt) for kk, tt in titles if "表" in tt), titles[0])
            block.title, block.title_line = pick[1], pick[0] + 1
        used.add(k)
        k -= 1
    for line, t in before:  # a note wrapped over lines is one note
        if block.notes and not NOTE.match(t):
            block.notes[-1] = (block.notes[-1][0], block.notes[-1][1] + t)
        else:
            block.notes.append((line, t))


class _Words:
    """The words of the echo lines between two line indexes: does a row consist of them?"""

    def __init__(self, lines: list[str], kinds: list[str], start: int, end: int):
        echo = [lines[j] for j in range(start, end) if kinds[j] == "echo"]
        self.exact = {squash(w) for ln in echo for w in ln.split()}
        self.joined = "\x00".join(squash(ln) for ln in echo)

    def holds(self, cells: list[str]) -> bool:
        """Every piece of every cell is a word of these lines (a long piece may be part of one)."""
        return bool(cells) and all(squash(c) in self.exact or all(
            w in self.exact or (len(w) >= 4 and not _NUMBERISH.match(w) and w in self.joined) for w in c.split())
            for c in cells)

    def score(self, cells: list[str]) -> float:
        """The share of the row's cells printed word for word in these lines."""
        return sum(squash(c) in self.exact or all(w in self.exact for w in c.split()) for c in cells) / len(cells)


def _is_header_row(cells: list[str]) -> bool:
    """A row of header words (项目名称 | 合计 | …): no amount, and a cell that names a label column."""
    from .tables import header_kind

    return not any(is_amount(c) for c in cells) and any(header_kind(c) == "label" for c in cells)


def _wraps_title(above: str, title: str) -> bool:
    """Is `above` the first part of a title wrapped over two lines? Only when the two lines together name
    a standard table that the last line alone does not (一般公共预算 / 支出表, 财政拨款 / 收支总表)."""
    from .classify import table_type  # classify reads titles; segment only asks it about one

    t = squash(above)
    return (len(t) <= 40 and not _is_own_context(t) and not heading_level(t) and not t.endswith(("。", "：", ":"))
            and table_type(t + title) not in ("other", table_type(title)))


def _is_table_title(text: str) -> bool:
    t = squash(text)
    return (len(t) <= 60 and _names_table(t) and not _part_heading(t) and not NOTE.match(t)
            and not TABLE_LABEL.match(t))


def _split_shared_page(run: list[int], prev_end: int, lines: list[str], kinds: list[str], after_table: bool):
    """A page that holds several tables, read page by page, prints every title with its table's words
    (title A, words of A, title B, words of B) and then all the rows: one run of tab lines. Where the page
    text names two or more tables (or the rest of the table before, then a new one), the run is split
    where the rows of the next table begin: the first row printed in its words more than in the words of
    the table before it, or that table's header printed again. Returns (rows, context start, context stop,
    continues the previous table) per piece; one piece when no split is found."""
    whole = [(run, run[0] - 1, prev_end, False)]
    top = run[0] - 1  # the page text above the rows: echoes, titles, units, labels and notes
    while top > prev_end and (kinds[top] != "text" or _is_own_context(lines[top].strip())
                              or _note_above(lines, kinds, top, prev_end)):
        top -= 1
    titles = [k for k in range(top + 1, run[0]) if kinds[k] == "text" and _is_table_title(lines[k])]
    if not titles:
        return whole
    # the rest of the table before, printed above the first title of the page
    lead = after_table and any(kinds[j] == "echo" for j in range(top + 1, titles[0]))
    bounds = ([top] if lead else []) + titles + [run[0]]
    if len(bounds) < 3 or any(not any(kinds[j] == "echo" for j in range(a, b)) for a, b in zip(bounds, bounds[1:])):
        return whole
    tab_rows = [r for r in run if kinds[r] == "tab"]
    cells = {r: [c.strip() for c in lines[r].split("\t") if c.strip()] for r in tab_rows}
    pages = [_Words(lines, kinds, bounds[k] + 1, bounds[k + 1]) for k in range(len(bounds) - 1)]
    cuts = [0]
    for k in range(1, len(pages)):
        first = tab_rows[cuts[-1]]
        later = range(cuts[-1] + 1, len(tab_rows))
        # the next table begins at the first row printed in its words more than in the words before it …
        by_words = next((i for i in later if pages[k].holds(cells[tab_rows[i]])
                         and pages[k].score(cells[tab_rows[i]]) > pages[k - 1].score(cells[tab_rows[i]])), None)
        # … or, for tables with the same header, where that header is printed again, or where a header
        # row of the next table's words follows a row of amounts
        repeated = next((i for i in later if cells[tab_rows[i]] == cells[first]), None)
        header_again = next((i for i in later if _is_header_row(cells[tab_rows[i]])
                             and any(is_amount(c) for c in cells[tab_rows[i - 1]])
                             and pages[k].holds(cells[tab_rows[i]])), None)
        cut = min((c for c in (by_words, repeated, header_again) if c is not None), default=None)
        if cut is None:
            return whole
        cuts.append(cut)
    pieces = []
    for k, c in enumerate(cuts):
        upto = tab_rows[cuts[k + 1]] if k + 1 < len(cuts) else run[-1] + 1
        rows = [r for r in run if (tab_rows[c] if k else run[0]) <= r < upto]
        pieces.append((rows, bounds[k + 1] - 1 if k + 1 < len(pages) else run[0] - 1, bounds[k] - 1 if k else prev_end,
                       lead and k == 0))
    return pieces


def segment(source: Source) -> Segmented:
    lines = source.lines
    n = len(lines)
    kinds: list[str] = []
    for ln in lines:
        first = not kinds or kinds[-1] != "tab"
        # a tab between two printed characters makes a table line without asking _context_row
        kinds.append("blank" if not ln.strip() else "tab" if "\t" in ln and (
            "\t" in ln.strip() or not _context_row(ln, first)) else "text")
    echoes = _Echoes(lines, kinds)
    for i in range(n):
        if kinds[i] == "text" and _is_punctuation(lines[i]):
            kinds[i] = "echo"
    for i in range(1, n):  # echoes stand right above a run of tab lines, maybe with the page's notes
        if kinds[i] == "tab" and kinds[i - 1] != "tab":
            k, stray = i - 1, 0
            while k >= 0 and kinds[k] != "tab":
                t = lines[k].strip()
                if kinds[k] == "text" and echoes.is_echo(k, i):
                    kinds[k], stray = "echo", 0
                elif kinds[k] == "text" and not _is_own_context(t) and not _note_above(lines, kinds, k, -1):
                    # titles and units of other tables on the same page do not end the page's text, nor do
                    # two short stray lines (a running header, a damaged line)
                    stray += 1
                    if stray > 2 or len(t) > 30 or heading_level(t):
                        break
                k -= 1
    used: set[int] = {i for i in range(n) if kinds[i] == "echo" and not _is_punctuation(lines[i])}

    # 1. runs of tab lines; a gap of blank lines, echoes and notes, with at most two short stray lines,
    #    continues a run (a page break inside a table, the page's notes printed before its rows).
    runs: list[tuple[list[int], list[int]]] = []
    i = 0
    while i < n:
        if kinds[i] != "tab":
            i += 1
            continue
        run, run_notes = [i], []
        j = i + 1
        while j < n:
            if kinds[j] == "tab":
                run.append(j)
                j += 1
                continue
            k, stray, notes = j, [], []
            while k < n and kinds[k] != "tab" and len(stray) <= 2:
                if kinds[k] == "text":
                    (notes if NOTE.match(lines[k].strip()) else stray).append(k)
                k += 1
            continues = (
                k < n and kinds[k] == "tab" and len(stray) <= 2
                and all(len(lines[s]) <= 30 and not _is_context(lines[s].strip()) for s in stray)
                and (not notes or _opens_body(lines[k].split("\t"), [lines[r].split("\t") for r in run]))
            )
            if not continues:
                break
            run.extend(stray)
            run_notes.extend(notes)
            j = k
        runs.append((run, run_notes))
        i = j

    blocks: list[Block] = []
    prev_end = -1
    for whole, run_notes in runs:
        pieces = _split_shared_page(whole, prev_end, lines, kinds, bool(blocks))
        for p_no, (run, start, stop, continued) in enumerate(pieces):
            block = Block(rows=[Row(r + 1, lines[r].split("\t")) for r in run])
            if continued:  # the rest of the table before, on a page where the next one starts
                blocks[-1].rows.extend(block.rows)
                used.update(run)
                continue
            _read_context(block, lines, kinds, start, stop, used)
            if p_no < len(pieces) - 1:
                used.update(run)
                blocks.append(block)
        run = whole
        block.notes.extend((r + 1, lines[r].strip()) for r in run_notes)
        used.update(run_notes)
        # 3. notes right after the run.
        k = run[-1] + 1
        last = run[-1]
        while k < n and (kinds[k] in ("blank", "echo") or (kinds[k] == "text" and NOTE.match(lines[k].strip()))):
            if kinds[k] == "text":
                block.notes.append((k + 1, lines[k].strip()))
                used.add(k)
                last = k
            k += 1
        used.update(run)
        prev_end = last
        if blocks and CONTINUED.search(block.title) and _base_title(block.title) == _base_title(blocks[-1].title):
            blocks[-1].rows.extend(block.rows)  # 收入决算表（续）: the same table over a page break
            blocks[-1].notes.extend(block.notes)
            continue
        blocks.append(block)

    # 4. narrative text with heading paths; the outline (目录) is its own section.
    text: list[TextLine] = []
    path: list[tuple[int, str]] = []
    toc_entries: set[str] = set()
    toc: list[tuple[int, str]] = []
    in_toc = False
    block_at = {b.rows[0].line: b for b in blocks}
    for idx in range(n):
        line_no = idx + 1
        if line_no in block_at:
            block_at[line_no].heading_path = tuple(h for _, h in path)
        if idx in used or kinds[idx] != "text":
            if in_toc and kinds[idx] == "tab":
                toc_entries.add(squash(lines[idx].split("\t")[0]))
                toc.append((line_no, squash(lines[idx].split("\t")[0])))
            continue
        t = lines[idx].strip()
        if t[:1] in ("-", "*", "+"):
            t = _BULLET.sub("", t)
        norm = squash(t)
        if t[:1] == "目" and TOC.match(t):
            in_toc, toc_entries, toc = True, set(), []
            path = [(0, "目录")]
            text.append(TextLine(line_no, t, ("目录",), True))
            continue
        if in_toc:
            # the outline ends where the body starts: a heading it listed comes again, or a paragraph
            if (norm in toc_entries and heading_level(t)) or len(t) > 60:
                in_toc, path = False, []
            else:
                toc_entries.add(norm)
                toc.append((line_no, norm))
                text.append(TextLine(line_no, t, ("目录",)))
                continue
        level = heading_level(t)
        if level:
            path = [(lv, h) for lv, h in path if lv < level and lv > 0] + [(level, norm)]
            text.append(TextLine(line_no, t, tuple(h for _, h in path), True))
        else:
            text.append(TextLine(line_no, t, tuple(h for _, h in path)))
    return Segmented(blocks=blocks, text=text, toc=toc, loose_rows=_loose_rows(text))


_LOOSE_AMOUNT = re.compile(r"^[-−(（]?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+[)）]?$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_YEAR = re.compile(r"(?:19|20)\d\d")


def _loose_rows(text: list[TextLine]) -> list[tuple[int, list[str]]]:
    """Rows of a table that came out as plain text (a table printed without rules, so no cells): three or
    more lines in a row, each with two or more amounts and few words. Their amounts reach no table; the
    build reports them so that they are counted, never silently lost."""
    found, run = [], []
    for tl in text + [TextLine(-1, "", ())]:
        # two or more amounts with decimals (so a point in each), and few words
        words = tl.text.split() if tl.text.count(".") >= 2 else ()
        row = len(words) >= 2 and sum(1 for w in words if "." in w and _LOOSE_AMOUNT.match(w)) >= 2 \
            and len(_CJK.findall(tl.text)) <= 20
        # the row's amounts: every number but a code (2080101) or a year
        amounts = [w for w in words if is_amount(w) and not is_code(w) and not _YEAR.fullmatch(w)] if row else []
        if row and (not run or tl.line <= run[-1][0] + 2):
            run.append((tl.line, amounts))
            continue
        if len(run) >= 3:
            found += run
        run = [(tl.line, amounts)] if row else []
    return found
