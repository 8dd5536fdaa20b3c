"""Stage 2: lines → table blocks and narrative text with its heading path.

A table is a run of tab-separated lines; blank lines inside it are page breaks and do not end it, nor does a
short stray line the extraction pulled out of a cell. The lines just before a run name it (title, 公开NN表
label, 单位), the 注 lines just after it annotate it (此表为空表 …).
"""
from __future__ import annotations

import re

from .model import Block, Row, Segmented, Source, TextLine
from .text import CN_NUM, is_amount, outline_level, squash

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


def _base_title(title: str) -> str:
    return CONTINUED.sub("", title).strip()


def heading_level(text: str) -> int | None:
    """Level of a heading line; a definition (…：指…) or a sentence is not a heading."""
    if len(text) > 60 or text.endswith(("。", "；", ";")) or re.search(r"[:：]\s*指", text):
        return None
    if PART_HEADING.match(text) or PART_TITLE.match(text):
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


class _Echoes:
    """A PDF read page by page prints each page's text before that page's tables: the table's own words and
    numbers come first as loose text lines, then again as tab-separated rows. Such a line is an echo of the
    rows that follow it: every one of its words is (part of) a cell of the next run of tab lines, and each of
    its numbers is a whole cell there. An echo is neither a title nor narrative text nor a gap in the table."""

    def __init__(self, lines: list[str], kinds: list[str]):
        self.lines, self.kinds = lines, kinds
        self._groups: dict[int, tuple[set[str], str]] = {}

    def _group(self, start: int) -> tuple[set[str], str]:
        if start not in self._groups:
            exact: set[str] = set()
            texts: list[str] = []
            k = start
            while k < len(self.lines) and self.kinds[k] in ("tab", "blank"):
                for cell in self.lines[k].split("\t"):
                    if cell.strip():
                        exact.add(squash(cell))
                        exact.update(cell.split())
                        texts.append(squash(cell))
                k += 1
            self._groups[start] = (exact, "\x00".join(texts))
        return self._groups[start]

    def is_echo(self, idx: int, next_tab: int) -> bool:
        t = self.lines[idx].strip()
        if _is_own_context(t):
            return False
        words = [w for w in t.split() if _CONTENT.search(w)]
        if not words:
            return False
        exact, joined = self._group(next_tab)
        return all(w in exact if _NUMBERISH.match(w) else squash(w) in joined for w in words)


def _is_own_context(text: str) -> bool:
    """Lines that name or annotate a table even when their words also stand in its cells."""
    return bool(UNIT.match(text) or TABLE_LABEL.match(text) or NOTE.match(text) or PART.match(text)
                or META.match(text) or TOC.match(text) or _base_title(squash(text)).endswith("表"))


def _is_punctuation(text: str) -> bool:
    """A line of quote marks the extraction lifted out of a title (财政拨款“三公”经费… → “ ”)."""
    return bool(text.strip()) and not _CONTENT.search(text)


def _opens_body(cells: list[str], run_rows: list[list[str]]) -> bool:
    """The first row after a note: a body row, or the table's header printed again, continues the table."""
    from .tables import _starts_body  # tables reads rows; segment only asks whether one starts a body

    if any(is_amount(c) for c in cells) or _starts_body([""] + cells) or _starts_body(cells):
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


def segment(source: Source) -> Segmented:
    lines = source.lines
    n = len(lines)
    kinds = ["blank" if not ln.strip() else "tab" if "\t" in ln else "text" for ln in lines]
    echoes = _Echoes(lines, kinds)
    for i in range(n):
        if kinds[i] == "text" and _is_punctuation(lines[i]):
            kinds[i] = "echo"
    for i in range(1, n):  # echoes stand right above a run of tab lines, maybe with the page's notes
        if kinds[i] == "tab" and kinds[i - 1] != "tab":
            k = i - 1
            while k >= 0 and kinds[k] != "tab":
                t = lines[k].strip()
                if kinds[k] == "text" and echoes.is_echo(k, i):
                    kinds[k] = "echo"
                elif kinds[k] == "text" and not NOTE.match(t) and not (
                        _note_above(lines, kinds, k, -1) and not _is_own_context(t)):
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
    for run, run_notes in runs:
        block = Block(rows=[Row(line=r + 1, cells=lines[r].split("\t")) for r in run])
        # 2. context before the run: title, label, unit (nearest first), back to the previous run. Notes
        #    printed between the title and the header (or a page's notes placed before its rows) are the
        #    table's notes; echoes of the rows are skipped.
        k = run[0] - 1
        seen = 0
        titles: list[tuple[int, str]] = []
        before: list[tuple[int, str]] = []
        while k > prev_end and seen < 6:
            t = lines[k].strip()
            if not t or kinds[k] == "echo":
                k -= 1
                continue
            if not titles and not block.unit_text and not block.label and (
                    NOTE.match(t) or (_note_above(lines, kinds, k, prev_end) and not _is_own_context(t))):
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
            elif NOTE.match(t) or len(t) > 60 or PART_HEADING.match(t) or ("表" in block.title) or len(titles) == 2:
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
        t = _BULLET.sub("", lines[idx].strip())
        norm = squash(t)
        if TOC.match(t):
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
    return Segmented(blocks=blocks, text=text, toc=toc)
