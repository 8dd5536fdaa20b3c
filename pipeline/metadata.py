"""Document metadata read from the disclosure itself: agency, fiscal year, budget or final accounts.

What cannot be read can be set in a sidecar file next to the disclosure, `<name>.meta.json`, with any of
the keys of `SIDECAR_TYPES`; the sidecar wins over what was read. A sidecar is input from outside like the
disclosure: each value is checked against its type here and against the `documents` field of the same
name in datapackage/schema/resources.json (id pattern and length, kind and unit enums, year range). A
wrong value gets an error naming the file, line and key, and what was read from the text is used instead.
"""
from __future__ import annotations

import json
import re
import stat
from collections import Counter
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from pypinyin import lazy_pinyin

from .model import Message, Source
from .segment import PART_HEADING
from .privacy import mask
from .schema import constraint_problem, field, id_problem, names_zh
from .severity import ERROR, WARNING
from .text import squash

KIND_ZH = names_zh("documents", "kind")  # 预算 / 决算: the word a cover prints for each kind
_YEAR = re.compile(r"(20\d{2})\s*年")
_YEAR_ALONE = re.compile(r"^(20\d{2})$")
_YEAR_OF_DOC = re.compile(r"(20\d{2})年度?部门(?:预|决)算")
_COVER_STOP = re.compile(r"(?:20\d{2}\s*)?年度?部门|20\d{2}\s*年|^20\d{2}$|部门(?:预|决)算|预算|决算")
_LABELLED_AGENCY = re.compile(
    r"^(?:公开部门|部门名称|部门（单位）名称|部门\(单位\)名称|项目单位（盖章）|项目单位\(盖章\))\s*[:：\t]\s*([^\t]+)"
)
_LABELS_OF_AGENCY = ("公开部门", "部门", "项目单位")  # what _LABELLED_AGENCY's lines start with: told at once
_AGENCY_END = re.compile(r"(?:局|厅|委员会|委|办公室|办事处|中心|院|部|署|会|所|馆|站|队|社|学校|办|团|台)$")
_QUALIFIER = re.compile(r"[（(](?:汇总|本级|部门汇总)[）)]$")
_BRACKETED = re.compile(r"^【([^】]+)】")
# The sidecar's keys and the JSON type of each; source_url and published are only ever set here.
SIDECAR_TYPES = {"doc_id": str, "agency_id": str, "agency": str, "fiscal_year": int, "kind": str, "unit": str,
                 "title": str, "source_url": str, "published": str}
SIDECAR_KEYS = tuple(SIDECAR_TYPES)
SIDECAR_MAX_BYTES = 64 * 1024
AGENCY_ID_ROOM = 80  # a derived agency id is cut to this, so the doc_id made from it fits its 100 characters
# control characters, line separators and the bidirectional overrides that make text display other than it reads
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def slug(text: str) -> str:
    """Readable ASCII slug: pinyin of the Chinese, digits and Latin kept."""
    words = lazy_pinyin(text, errors=lambda s: list(s))
    out = re.sub(r"[^a-z0-9]+", "-", "-".join(words).lower()).strip("-")
    return re.sub(r"-{2,}", "-", out)


def cover_lines(lines: list[str]) -> list[str]:
    """The cover and title block: the first non-blank lines, up to the outline (目录) or the first part
    heading (第一部分 …, or a heading like 某某局2024年度部门决算表 that opens the tables)."""
    return _cover(lines)[0]


def _cover(lines: list[str]) -> tuple[list[str], int]:
    """The cover's lines, squashed, and the index in `lines` just past the last of them (blank lines are
    not cover lines, so the count of cover lines is not that index)."""
    out: list[str] = []
    end = seen = 0
    for i, raw in enumerate(lines[:40]):
        if not raw.strip():
            continue
        seen += 1
        if seen > 8:
            break
        ln = squash(raw.replace("\t", " "))
        if ln in ("目录", "目 录"):
            continue
        if ln.startswith("第") or (out and PART_HEADING.match(ln)):
            break
        out.append(ln)
        end = i + 1
    return out, end


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
        if len(set(cands)) == 1:
            return cands[0]  # one reading (maybe read again with the next line): the body need not be searched
        if cands:
            body = "".join(map(squash, lines[_cover(lines)[1]:]))
            seen = [c for c in cands if c in body]
            return max(seen, key=len) if seen else cands[0]
        if joined:
            break  # the first line with words names the agency or nothing does
    return ""



def _sidecar_values(path: Path, shown: str) -> tuple[dict, list[Message]]:
    """The values of a sidecar that pass their checks, and a located error for each that does not."""
    messages: list[Message] = []
    try:
        if path.is_symlink() and not path.resolve(strict=True).is_relative_to(path.parent.resolve()):
            return {}, [Message(shown, None, ERROR, "sidecar is a symbolic link out of the sources folder; not read")]
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            return {}, [Message(shown, None, ERROR, "sidecar is not a regular file; not read")]
        if st.st_size > SIDECAR_MAX_BYTES:
            return {}, [Message(shown, None, ERROR, f"sidecar has {st.st_size:,} bytes, over the limit of "
                                                      f"{SIDECAR_MAX_BYTES:,}; not read")]
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (ValueError, OSError, RuntimeError) as exc:  # RecursionError too: [[[[… nested too deep
        line = getattr(exc, "lineno", None)
        return {}, [Message(shown, line, ERROR, f"sidecar not read: {type(exc).__name__}: {exc}")]
    if not isinstance(data, dict):
        return {}, [Message(shown, 1, ERROR, f"sidecar not read: expected a JSON object {{\"key\": value}}, "
                                               f"got {type(data).__name__}")]

    def line_of(key: str) -> int | None:
        at = text.find(json.dumps(key))
        return text.count("\n", 0, at) + 1 if at >= 0 else None

    values = {}
    for key, value in data.items():
        problem = _sidecar_problem(key, value)
        if problem:
            shown_value = repr(value) if len(repr(value)) <= 80 else repr(value)[:60] + "…"
            messages.append(Message(shown, line_of(key), ERROR if key in SIDECAR_TYPES else WARNING,
                                    f"key {key!r}: {problem}, got {shown_value}; "
                                    + ("what was read from the text is used" if key in SIDECAR_TYPES else "ignored")))
        else:
            values[key] = mask(value)[0] if isinstance(value, str) else value
    return values, messages


def _sidecar_problem(key: str, value) -> str | None:
    """Why a sidecar value is not accepted, or None: its type, then the documents field's constraints."""
    if key not in SIDECAR_TYPES:
        return f"not a sidecar key (known keys: {', '.join(SIDECAR_KEYS)})"
    want = SIDECAR_TYPES[key]
    if isinstance(value, bool) or not isinstance(value, want):
        return f"expected {'an integer' if want is int else 'text'}"
    if key in ("doc_id", "agency_id"):
        problem = id_problem("documents", key, value)
        if not problem and mask(value)[1]:
            problem = "an id may not hold a personal number"
        return problem
    if isinstance(value, str) and _CONTROL.search(value):
        return "control characters (line breaks, NUL …) are not allowed"
    if key == "source_url":
        parts = urlsplit(value) if not any(c.isspace() for c in value) else None
        if not parts or parts.scheme not in ("http", "https") or not parts.hostname:
            return "expected an http:// or https:// address"
    if key == "published":
        try:
            date.fromisoformat(value)
        except ValueError:
            return "expected an ISO date YYYY-MM-DD"
    return constraint_problem(field("documents", key), value)


def read_metadata(source: Source, table_units: list[str], sidecar: Path | None,
                  sidecar_shown: str | None = None) -> tuple[dict, list[Message]]:
    messages: list[Message] = []
    title_lines = cover_lines(source.lines)
    joined = " ".join(title_lines)

    kind = "final_accounts" if KIND_ZH["final_accounts"] in joined else "budget" if KIND_ZH["budget"] in joined else ""
    year = read_year(title_lines, source.lines)

    labelled = Counter()
    for ln in source.lines:
        lm = ln.lstrip().startswith(_LABELS_OF_AGENCY) and _LABELLED_AGENCY.match(ln.strip())
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
    for key in ("agency", "title", "fiscal_year"):  # what the text gives must fit its field too, or it is not used
        problem = constraint_problem(field("documents", key), meta[key])
        if problem:
            messages.append(Message(source.path, None, WARNING, f"the {key} read from the text is not used: {problem}"))
            meta[key] = None if key == "fiscal_year" else ""
    if sidecar and (sidecar.exists() or sidecar.is_symlink()):
        override, sidecar_msgs = _sidecar_values(sidecar, sidecar_shown or sidecar.name)
        meta.update(override)
        messages += sidecar_msgs
    for key, what in (("agency", "agency name"), ("fiscal_year", "fiscal year"), ("kind", "budget or final accounts")):
        if not meta[key]:
            messages.append(Message(source.path, None, WARNING,
                                    f"could not read the {what} from the text; set it in a sidecar .meta.json"))
    if not meta.get("agency_id"):
        meta["agency_id"] = slug(meta["agency"])[:AGENCY_ID_ROOM].strip("-") or "unknown"
    if not meta.get("doc_id"):
        kind = {"budget": "budget", "final_accounts": "final"}.get(meta["kind"], "doc")
        meta["doc_id"] = f"{meta['agency_id']}-{meta['fiscal_year'] or 'na'}-{kind}"
    for key in ("agency_id", "doc_id"):  # derived ids are checked like given ones: one declared pattern
        problem = id_problem("documents", key, meta[key])
        if problem:
            raise ValueError(f"the derived {key} {meta[key]!r} breaks its declaration: {problem}")
    return meta, messages
