"""Site search (issue 15): one small record per table, project with its indicators, finding, explanation
section and agency, each titled with its agency, year and kind and filtered by them, indexed by
pipeline/search_index.py into pieces that a query downloads as it needs them. Records come from the package
the site was drawn from (Load), are placed at the anchor the site gives them (Process) and indexed agency by
agency, each agency's part kept until its records change (Save). The search page is
site_src/assets/search.js: nothing from a CDN, no WebAssembly."""
from __future__ import annotations

import csv
import hashlib
import json
import multiprocessing
import os
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from .schema import names_zh

BUNDLE = "search-index"   # folder of the index inside the site
LAST: dict[str, float] = {}  # figures of the last build (bench_site reports them)
ANCHORS = "anchors.json"   # in the cache: each page's size, modification time and ids
KIND = names_zh("documents", "kind")  # 预算 / 决算, as the schema names them
TYPE = {"table": "表格", "project": "项目", "finding": "检查结果", "text": "说明", "agency": "机构"}
_ID = re.compile(r'\bid="([^"]+)"')
AGENCY = "机构"
csv.field_size_limit(sys.maxsize)


def _rows(path: Path):
    if not path.exists():
        return
    with path.open(encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def anchors(site: Path, cache: Path | None = None) -> dict[str, str]:
    """Every element id on the built site → the address of the first page (in path order) that holds it. With
    `cache`, a page whose size and modification time are those of the last build is not read again."""
    known: dict = {}
    if cache is not None:
        try:
            known = json.loads((cache / ANCHORS).read_bytes())
        except (OSError, ValueError):
            known = {}
    seen: dict[str, list] = {}
    found: dict[str, str] = {}
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site)
        if rel.parts[0] == BUNDLE or rel.name != "index.html":
            continue
        st = page.stat()
        key = rel.as_posix()
        last = known.get(key)
        if isinstance(last, list) and len(last) == 3 and last[:2] == [st.st_size, st.st_mtime_ns]:
            ids = last[2]
        else:
            ids = list(dict.fromkeys(_ID.findall(page.read_text(encoding="utf-8", errors="replace"))))
        seen[key] = [st.st_size, st.st_mtime_ns, ids]
        url = "/".join(rel.parts[:-1]) + "/" if len(rel.parts) > 1 else ""
        for i in ids:
            found.setdefault(i, url)
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        (cache / ANCHORS).write_text(json.dumps(seen, ensure_ascii=False), encoding="utf-8")
    return found


def records(package: Path, where: dict[str, str]) -> tuple[list[dict], list[str]]:
    """(records, problems). A record whose anchor the site does not have falls back to its document's
    heading; one whose document is not on the site either is left out and named in `problems`."""
    docs = {d["doc_id"]: d for d in _rows(package / "documents.csv")}
    out: list[dict] = []
    problems: list[str] = []

    pages = set(where.values())

    def add(doc_id: str, typ: str, title: str, content: str, ids: list[str]) -> None:
        d = docs.get(doc_id)
        if d is None:
            problems.append(f"search: {TYPE[typ]} {title!r} names document {doc_id!r}, which the package lacks")
            return
        candidates = ids + [f"doc-{doc_id}"]
        for anchor in candidates:
            if anchor in where:
                url = f"{where[anchor]}#{anchor}"
                break
            if anchor in pages:   # a whole page (the agency's)
                url = anchor
                break
        else:
            problems.append(f"search: {doc_id}: no page of the site holds {candidates[0]!r} or the document; not indexed")
            return
        year, kind = d.get("fiscal_year", ""), KIND.get(d.get("kind", ""), d.get("kind", ""))
        agency = d.get("agency") or doc_id
        out.append({
            "url": url, "title": title, "content": content, "language": "zh",
            "meta": {"title": f"{agency} · {year}年{kind} · {TYPE[typ]}：{title}"},
            "filters": {"机构": [agency], "年度": [year], "类别": [kind], "结果类型": [TYPE[typ]]},
            "agency_id": d.get("agency_id") or doc_id,
        })

    cells: dict[str, list[str]] = defaultdict(list)
    for c in _rows(package / "cells.csv"):
        if c.get("text"):
            cells[c["table_id"]].append(c["text"])
    for t in _rows(package / "tables.csv"):
        title = t.get("title") or t.get("label") or t["table_id"]
        add(t["doc_id"], "table", title, " ".join(cells.pop(t["table_id"], [])), [f"t-{t['table_id']}"])

    indicators: dict[str, list[str]] = defaultdict(list)
    for i in _rows(package / "indicators.csv"):
        parts = (i.get("level1"), i.get("level2"), i.get("name"), i.get("target_text"), i.get("actual_text"))
        indicators[i["project_id"]].append(" ".join(p for p in parts if p))
    for p in _rows(package / "projects.csv"):
        head = " ".join(x for x in (p.get("department"), p.get("implementing_unit"), p.get("category")) if x)
        add(p["doc_id"], "project", p.get("name") or p["project_id"],
            head + "\n" + "\n".join(indicators.pop(p["project_id"], [])), [f"p-{p['project_id']}"])

    n_by_doc: dict[str, int] = defaultdict(int)
    for f in _rows(package / "findings.csv"):
        n_by_doc[f["doc_id"]] += 1
        msg = f.get("message") or f.get("rule_id", "")
        add(f["doc_id"], "finding", msg[:60], msg + " " + f.get("rule_id", ""),
            [f"f-{f['doc_id']}-{n_by_doc[f['doc_id']]}", f"{f['doc_id']}-quality"])

    for s in _rows(package / "sections.csv"):
        if not (s.get("text") or "").strip():
            continue
        title = s.get("heading") or s.get("heading_path") or "正文"
        add(s["doc_id"], "text", title, s.get("heading_path", "") + "\n" + s["text"], [f"{s['doc_id']}-sections"])

    for doc_id, d in docs.items():
        add(doc_id, "agency", d.get("title") or d.get("agency") or doc_id, d.get("agency", ""),
            [f"agency/{d['agency_id']}/"] if d.get("agency_id") else [])
    return out, problems


def build(site: Path, package: Path, cache: Path | None = None) -> tuple[int, float, list[str]]:
    """Write the index into `site`/BUNDLE (pipeline/search_index.py). Each agency's part of the index is kept
    in `cache`, named by a digest of its records' text and of the indexer (its code and jieba's dictionary),
    and made again only when that changes; only files whose bytes changed are written.
    Returns (records, seconds, problems)."""
    start = time.perf_counter()
    where = anchors(site, cache)
    t_anchors = time.perf_counter() - start
    recs, problems = records(package, where)
    t_records = time.perf_counter() - start - t_anchors
    problems += index(recs, site / BUNDLE, cache / "parts" if cache is not None else None)
    LAST.update(anchors=t_anchors, records=t_records)
    return len(recs), time.perf_counter() - start, problems


_CUTTER: list = []   # the cutter a forked worker inherits from index()


def _part_bytes(group: list[dict]) -> bytes:
    from . import search_index as ix

    return ix.part(_CUTTER[0], group).to_bytes()


def index(recs: list[dict], out: Path, cache: Path | None = None, workers: int | None = None) -> list[str]:
    """Index `recs` into the folder `out`, agency by agency (see build): the parts not in `cache` made in
    `workers` forked processes (all cores by default). Returns problems; LAST has the figures."""
    from . import search_index as ix

    problems: list[str] = []
    start = time.perf_counter()
    by_agency: dict[str, list[dict]] = defaultdict(list)
    for r in recs:
        by_agency[r["agency_id"]].append(r)
    cutter = ix.Cutter()
    code = hashlib.sha256(Path(ix.__file__).read_bytes() + cutter.version.encode()).hexdigest()
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
    groups, digests = [], []
    for key in sorted(by_agency):
        group = by_agency[key]
        if len(group) > 1 << ix.LOCAL_BITS:
            problems.append(f"search: agency {key}: {len(group)} records, more than the index holds for one "
                            f"agency ({1 << ix.LOCAL_BITS}); the rest are not indexed")
            group = group[:1 << ix.LOCAL_BITS]
        groups.append(group)
        digests.append(hashlib.sha256(code.encode() + ix.dump([[r["meta"]["title"], r["content"]] for r in group])).hexdigest())
    parts: list = [None] * len(groups)
    words: dict[str, int] = {}

    def take(part):   # its words into the index's, once: a thousand parts' own dictionaries would not fit
        words.update(part.words)
        part.words = {}
        return part

    for i, digest in enumerate(digests):
        if cache is not None and (cache / f"{digest}.part").exists():
            try:
                parts[i] = take(ix.Part.from_bytes((cache / f"{digest}.part").read_bytes()))
            except (OSError, ValueError):
                parts[i] = None
    todo = [i for i, p in enumerate(parts) if p is None]
    workers = min(workers or os.cpu_count() or 1, len(todo))
    _CUTTER[:] = [cutter]
    if todo:
        cutter.freq   # the dictionary read once, before any fork, and shared
    if workers > 1:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            made = pool.map(_part_bytes, [groups[i] for i in todo], chunksize=max(1, len(todo) // (8 * workers)))
    else:
        made = [_part_bytes(groups[i]) for i in todo]
    for i, data in zip(todo, made):
        parts[i] = take(ix.Part.from_bytes(data))
        if cache is not None:
            (cache / f"{digests[i]}.part").write_bytes(data)
    if cache is not None:
        used = {f"{d}.part" for d in digests}
        for old in cache.glob("*.part"):
            if old.name not in used:
                old.unlink()
    t_parts = time.perf_counter() - start
    agencies = []
    for group in groups:
        home = next((r for r in group if r["filters"]["结果类型"] == [TYPE["agency"]]), group[0])
        agencies.append({"name": group[0]["filters"][AGENCY][0], "url": home["url"].partition("#")[0],
                         "records": group})
    years = sorted({r["filters"]["年度"][0] for r in recs})
    types = list(TYPE.values())
    kinds = sorted(set(KIND.values()) | {r["filters"]["类别"][0] for r in recs})
    files, written, removed = ix.write(out, ix.merge(agencies, parts, words, years, kinds, types))
    LAST.clear()
    LAST.update(agencies=len(agencies), tokenised=len(todo), files=files, written=written, removed=removed,
                parts=t_parts, merge_and_write=time.perf_counter() - start - t_parts)
    return problems
