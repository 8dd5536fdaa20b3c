"""Document metadata read from the disclosure itself: agency, fiscal year, budget or final accounts.

What cannot be read can be set in a sidecar file next to the disclosure, `<name>.meta.json`, with any of
the keys doc_id, agency_id, agency, fiscal_year, kind, unit, title; the sidecar wins over what was read.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from pypinyin import lazy_pinyin

from .model import Message, Source
from .segment import PART_HEADING
from .text import squash

_YEAR = re.compile(r"(20\d{2})\s*年")
_YEAR_ALONE = re.compile(r"^(20\d{2})$")
_YEAR_OF_DOC = re.compile(r"(20\d{2})年度?部门(?:预|决)算")
_COVER_STOP = re.compile(r"(?:20\d{2}\s*)?年度?部门|20\d{2}\s*年|^20\d{2}$|部门(?:预|决)算|预算|决算")
_LABELLED_AGENCY = re.compile(
    r"^(?:公开部门|部门名称|部门（单位）名称|部门\(单位\)名称|项目单位（盖章）|项目单位\(盖章\))\s*[:：\t]\s*([^\t]+)"
)
_AGENCY_END = re.compile(r"(?:局|厅|委员会|委|办公室|中心|院|部|署|会)$")
_QUALIFIER = re.compile(r"[（(](?:汇总|本级|部门汇总)[）)]$")
_BRACKETED = re.compile(r"^【([^】]+)】")
SIDECAR_KEYS = ("doc_id", "agency_id", "agency", "fiscal_year", "kind", "unit", "title")


def slug(text: str) -> str:
    """Readable ASCII slug: pinyin of the Chinese, digits and Latin kept."""
    words = lazy_pinyin(text, errors=lambda s: list(s))
    out = re.sub(r"[^a-z0-9]+", "-", "-".join(words).lower()).strip("-")
    return re.sub(r"-{2,}", "-", out)


def cover_lines(lines: list[str]) -> list[str]:
    """The cover and title block: the first non-blank lines, up to the outline (目录) or the first part
    heading (第一部分 …, or a heading like 某某局2024年度部门决算表 that opens the tables)."""
    head = [squash(ln.replace("\t", " ")) for ln in lines[:40] if ln.strip()]
    out = []
    for ln in head[:8]:
        if ln in ("目录", "目 录"):
            continue
        if ln.startswith("第") or (out and PART_HEADING.match(ln)):
            break
        out.append(ln)
    return out


def read_year(cover: list[str], lines: list[str]) -> int | None:
    """The year printed on the cover, with 年 (2024年度) or standing on its own line (年度部门决算 / 2024);
    failing that, the year the headings of the body name most often."""
    m = _YEAR.search(" ".join(cover))
    if m:
        return int(m.group(1))
    alone = [int(ln) for ln in cover if _YEAR_ALONE.match(ln)]
    if alone:
        return alone[0]
    named = Counter(int(y) for ln in lines[:400] for y in _YEAR_OF_DOC.findall(squash(ln)))
    return named.most_common(1)[0][0] if named else None


def read_agency(cover: list[str], lines: list[str]) -> str:
    """The agency named on the cover, its name possibly wrapped over lines (上海市普陀区规划和自然 / 资源局)
    before the year and kind. Of the names the cover can be read as, the longest the body also prints wins."""
    for i, ln in enumerate(cover):
        bm = _BRACKETED.match(ln)
        if bm and _AGENCY_END.search(_QUALIFIER.sub("", squash(bm.group(1)))):
            return _QUALIFIER.sub("", squash(bm.group(1))).strip()
        cands, joined = [], ""
        for part_line in cover[i:i + 3]:
            stop = _COVER_STOP.search(part_line)
            joined += squash(part_line[: stop.start()] if stop else part_line)
            cand = _QUALIFIER.sub("", joined).strip()
            if cand and _AGENCY_END.search(cand):
                cands.append(cand)
            if stop and joined:
                break
        if cands:
            body = "".join(squash(x) for x in lines[len(cover):])
            seen = [c for c in cands if c in body]
            return max(seen, key=len) if seen else cands[0]
        if joined:
            break  # the first line with words names the agency or nothing does
    return ""


def read_metadata(source: Source, table_units: list[str], sidecar: Path | None) -> tuple[dict, list[Message]]:
    messages: list[Message] = []
    title_lines = cover_lines(source.lines)
    joined = " ".join(title_lines)

    kind = "final_accounts" if "决算" in joined else "budget" if "预算" in joined else ""
    year = read_year(title_lines, source.lines)

    labelled = Counter()
    for ln in source.lines:
        lm = _LABELLED_AGENCY.match(ln.strip())
        if lm:
            labelled[squash(lm.group(1)).strip()] += 1
    agency = read_agency(title_lines, source.lines)
    if labelled:
        best = labelled.most_common(1)[0][0]
        if not agency or (len(best) > len(agency) and best.endswith(agency[-1])):
            agency = best
    title = " ".join(title_lines[:3]) if title_lines else ""

    units = Counter(u for u in table_units if u)
    unit = units.most_common(1)[0][0] if units else ""
    meta = {"agency": agency, "fiscal_year": year, "kind": kind, "unit": unit, "title": squash(title)}
    if sidecar and sidecar.exists():
        try:
            override = json.loads(sidecar.read_text(encoding="utf-8"))
            for key in SIDECAR_KEYS:
                if key in override:
                    meta[key] = override[key]
        except (ValueError, OSError) as exc:
            messages.append(Message(str(sidecar), None, "error", f"sidecar not read: {exc}"))
    for key, what in (("agency", "agency name"), ("fiscal_year", "fiscal year"), ("kind", "budget or final accounts")):
        if not meta[key]:
            messages.append(Message(source.path, None, "warning",
                                    f"could not read the {what} from the text; set it in a sidecar .meta.json"))
    if not meta.get("agency_id"):
        meta["agency_id"] = slug(meta["agency"]) or "unknown"
    if not meta.get("doc_id"):
        kind = {"budget": "budget", "final_accounts": "final"}.get(meta["kind"], "doc")
        meta["doc_id"] = f"{meta['agency_id']}-{meta['fiscal_year'] or 'na'}-{kind}"
    return meta, messages
