"""Stage 2: lines → table blocks and narrative text with its heading path.

A table is a run of tab-separated lines; blank lines inside it are page breaks and do not end it, nor does a
short stray line the extraction pulled out of a cell. The lines just before a run name it (title, 公开NN表
label, 单位), the 注 lines just after it annotate it (此表为空表 …).
"""
from __future__ import annotations

import re

from .model import Block, Row, Segmented, Source, TextLine
from .text import CN_NUM, outline_level, squash

UNIT = re.compile(r"^(?:金额)?单\s*位\s*[:：]\s*(万\s*元|元)\b|^(?:金额单位|单位)\s*[:：]?\s*(万\s*元|元)\s*$")
TABLE_LABEL = re.compile(r"^(?:部门)?(?:预算)?公开\s*(?:\d+\s*表|表\s*\d+)$|^(?:部门)?公开表\s*\d+$")
META = re.compile(
    r"^(?:公开部门|部门名称|单位名称|编制单位|填报单位|填报日期|项目单位)\s*(?:（盖章）|\(盖章\))?\s*[:：]"
    r"|^[（(]?\s*\d{4}\s*年度?\s*[）)]?$"
)
NOTE = re.compile(r"^[（(]?\s*注\s*[:：]|^[（(]?\s*(?:此表为空表|本表无数据|本表为空)")
PART = re.compile(rf"^第[{CN_NUM}]+部分")
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
    if PART.match(text) or PART_TITLE.match(text):
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


def segment(source: Source) -> Segmented:
    lines = source.lines
    n = len(lines)
    kinds = ["blank" if not ln.strip() else "tab" if "\t" in ln else "text" for ln in lines]

    # 1. runs of tab lines; a gap of blank lines, or of at most two short stray lines, continues a run.
    runs: list[list[int]] = []
    i = 0
    while i < n:
        if kinds[i] != "tab":
            i += 1
            continue
        run = [i]
        j = i + 1
        while j < n:
            if kinds[j] == "tab":
                run.append(j)
                j += 1
                continue
            k, stray = j, []
            while k < n and kinds[k] != "tab" and len(stray) <= 2:
                if kinds[k] == "text":
                    stray.append(k)
                k += 1
            continues = (
                k < n and kinds[k] == "tab" and len(stray) <= 2
                and all(len(lines[s]) <= 30 and not _is_context(lines[s].strip()) for s in stray)
            )
            if not continues:
                break
            run.extend(stray)
            j = k
        runs.append(run)
        i = j

    used: set[int] = set()
    blocks: list[Block] = []
    prev_end = -1
    for run in runs:
        block = Block(rows=[Row(line=r + 1, cells=lines[r].split("\t")) for r in run])
        # 2. context before the run: title, label, unit (nearest first), back to the previous run.
        k = run[0] - 1
        seen = 0
        titles: list[tuple[int, str]] = []
        while k > prev_end and seen < 6:
            t = lines[k].strip()
            if not t:
                k -= 1
                continue
            seen += 1
            if UNIT.match(t) and not block.unit_text:
                block.unit_text, block.unit_line = unit_of(t), k + 1
            elif TABLE_LABEL.match(t) and not block.label:
                block.label = squash(t)
            elif META.match(t):
                pass
            elif NOTE.match(t) or len(t) > 60 or PART.match(t) or ("表" in block.title) or len(titles) == 2:
                break  # above a title only a label or a unit can still belong to the table
            else:
                titles.append((k, squash(t)))
                # a line naming a table (…表) wins over a subtitle printed between it and the rows
                pick = next(((kk, tt) for kk, tt in titles if "表" in tt), titles[0])
                block.title, block.title_line = pick[1], pick[0] + 1
            used.add(k)
            k -= 1
        # 3. notes right after the run.
        k = run[-1] + 1
        while k < n and (kinds[k] == "blank" or (kinds[k] == "text" and NOTE.match(lines[k].strip()))):
            if kinds[k] == "text":
                block.notes.append((k + 1, lines[k].strip()))
                used.add(k)
            k += 1
        used.update(run)
        prev_end = run[-1]
        if blocks and CONTINUED.search(block.title) and _base_title(block.title) == _base_title(blocks[-1].title):
            blocks[-1].rows.extend(block.rows)  # 收入决算表（续）: the same table over a page break
            blocks[-1].notes.extend(block.notes)
            continue
        blocks.append(block)

    # 4. narrative text with heading paths; the outline (目录) is its own section.
    text: list[TextLine] = []
    path: list[tuple[int, str]] = []
    toc_entries: set[str] = set()
    in_toc = False
    block_at = {b.rows[0].line: b for b in blocks}
    for idx in range(n):
        line_no = idx + 1
        if line_no in block_at:
            block_at[line_no].heading_path = tuple(h for _, h in path)
        if idx in used or kinds[idx] != "text":
            if in_toc and kinds[idx] == "tab":
                toc_entries.add(squash(lines[idx].split("\t")[0]))
            continue
        t = _BULLET.sub("", lines[idx].strip())
        norm = squash(t)
        if TOC.match(t):
            in_toc, toc_entries = True, set()
            path = [(0, "目录")]
            text.append(TextLine(line_no, t, ("目录",), True))
            continue
        if in_toc:
            # the outline ends where the body starts: a heading it listed comes again, or a paragraph
            if norm in toc_entries or len(t) > 60:
                in_toc, path = False, []
            else:
                toc_entries.add(norm)
                text.append(TextLine(line_no, t, ("目录",)))
                continue
        level = heading_level(t)
        if level:
            path = [(lv, h) for lv, h in path if lv < level and lv > 0] + [(level, norm)]
            text.append(TextLine(line_no, t, tuple(h for _, h in path), True))
        else:
            text.append(TextLine(line_no, t, tuple(h for _, h in path)))
    return Segmented(blocks=blocks, text=text)
