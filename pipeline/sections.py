"""Narrative text → `sections` (text under its heading path) and `glossary` (the 名词解释 entries)."""
from __future__ import annotations

import re

from .model import TextLine
from .text import ORDINAL, squash

_ENTRY = re.compile(r"^(.{1,40}?)[：:]\s*(.+)$")
GLOSSARY_HEADING = re.compile(r"名词解释|名词说明|术语")


def build_sections(doc_id: str, text: list[TextLine]) -> list[dict]:
    sections: list[dict] = []
    cur: dict | None = None
    for tl in text:
        path = " > ".join(tl.heading_path)
        if cur is None or tl.is_heading or cur["heading_path"] != path:
            cur = {"doc_id": doc_id, "section_no": len(sections) + 1, "heading_path": path,
                   "heading": tl.heading_path[-1] if tl.heading_path else "",
                   "level": len(tl.heading_path), "text": "", "line_start": tl.line, "line_end": tl.line}
            sections.append(cur)
            if tl.is_heading:
                continue
        cur["text"] = (cur["text"] + "\n" + tl.text) if cur["text"] else tl.text
        cur["line_end"] = tl.line
    return sections


def build_glossary(doc_id: str, text: list[TextLine]) -> list[dict]:
    entries: list[dict] = []
    for tl in text:
        if not any(GLOSSARY_HEADING.search(h) for h in tl.heading_path) or GLOSSARY_HEADING.search(tl.text):
            continue
        body = ORDINAL.sub("", tl.text.strip(), count=1).strip()
        had_ordinal = body != tl.text.strip()
        m = _ENTRY.match(body)
        if m and (had_ordinal or len(m.group(1)) <= 20) and not tl.is_heading:
            term = squash(m.group(1)).strip("* ")
            entries.append({"doc_id": doc_id, "term": term, "definition": m.group(2).strip(),
                            "source_line": tl.line})
        elif entries and not tl.is_heading and not had_ordinal:
            entries[-1]["definition"] += tl.text.strip()  # a definition wrapped onto the next line
    return entries
