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
from .text import squash

_YEAR = re.compile(r"(20\d{2})\s*年")
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


def read_metadata(source: Source, table_units: list[str], sidecar: Path | None) -> tuple[dict, list[Message]]:
    messages: list[Message] = []
    head = [squash(ln.replace("\t", " ")) for ln in source.lines[:40] if ln.strip()]
    title_lines = [ln for ln in head[:8] if ln not in ("目录", "目 录")]
    title_lines = title_lines[: next((i for i, ln in enumerate(title_lines) if ln.startswith("第")), len(title_lines))]
    joined = " ".join(title_lines)

    kind = "final_accounts" if "决算" in joined else "budget" if "预算" in joined else ""
    m = _YEAR.search(joined)
    year = int(m.group(1)) if m else None

    agency = ""
    labelled = Counter()
    for ln in source.lines:
        lm = _LABELLED_AGENCY.match(ln.strip())
        if lm:
            labelled[squash(lm.group(1)).strip()] += 1
    for ln in title_lines:
        bm = _BRACKETED.match(ln)
        cand = bm.group(1) if bm else re.split(r"\s*20\d{2}\s*年", ln)[0]
        cand = _QUALIFIER.sub("", squash(cand)).strip()
        if cand and _AGENCY_END.search(cand):
            agency = cand
            break
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
