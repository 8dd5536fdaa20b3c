"""Site search (issue 15): a Pagefind index written beside the built site, one small record per table, project
with its indicators, finding and explanation section, each titled with its agency, year and kind and filtered
by them. Records come from the package the site was drawn from (Load), are placed at the anchor the site gives
them (Process) and handed to Pagefind, which segments the Chinese and splits the index into pieces that a
query downloads as it needs them (Save). Pagefind's browser side ships inside the bundle: nothing from a CDN."""
from __future__ import annotations

import csv
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

BUNDLE = "pagefind"       # folder of the index inside the site
KIND = {"budget": "预算", "final_accounts": "决算"}
TYPE = {"table": "表格", "project": "项目", "finding": "检查结果", "text": "说明", "agency": "机构"}
_ID = re.compile(r'\bid="([^"]+)"')
csv.field_size_limit(sys.maxsize)


def _rows(path: Path):
    if not path.exists():
        return
    with path.open(encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def anchors(site: Path) -> dict[str, str]:
    """Every element id on the built site → the address of the first page (in path order) that holds it."""
    found: dict[str, str] = {}
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site)
        if rel.parts[0] == BUNDLE or rel.name != "index.html":
            continue
        url = "/".join(rel.parts[:-1]) + "/" if len(rel.parts) > 1 else ""
        for m in _ID.finditer(page.read_text(encoding="utf-8", errors="replace")):
            found.setdefault(m.group(1), url)
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
            "weight": 10 if typ == "agency" else 7,
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


def _page(r: dict) -> str:
    """One record as a page for Pagefind. Its address on the site travels as the `url` meta (the page
    itself is never published); filters and title as Pagefind's data attributes; the record's own name as
    its heading, which Pagefind weighs above the text (an agency's page the most: its name is in every one
    of its records); text escaped."""
    meta = "".join(f'<span data-pagefind-meta="{k}">{html.escape(v)}</span>'
                   for k, v in {**r["meta"], "url": r["url"]}.items())
    filters = "".join(f'<span data-pagefind-filter="{html.escape(k)}">{html.escape(v)}</span>'
                      for k, vs in r["filters"].items() for v in vs)
    return (f'<!doctype html><html lang="{r["language"]}"><head><meta charset="utf-8"></head><body>'
            f'<div hidden>{meta}{filters}</div><main data-pagefind-body>'
            f'<h1 data-pagefind-weight="{r.get("weight", 7)}">{html.escape(r["title"])}</h1>'
            f'<p>{html.escape(r["content"])}</p></main>'
            "</body></html>\n")


def _write(site: Path, recs: list[dict], work: Path) -> None:
    """Pagefind's own command on the records written as pages (its Python service waits 0.1 s per record)."""
    from pagefind_bin_extended import get_executable

    pages = work / "records"
    shutil.rmtree(pages, ignore_errors=True)
    pages.mkdir(parents=True)
    for n, r in enumerate(recs):
        (pages / f"r{n:07d}.html").write_text(_page(r), encoding="utf-8")
    out = site / BUNDLE
    shutil.rmtree(out, ignore_errors=True)
    proc = subprocess.run([str(get_executable()), "--site", str(pages), "--output-path", str(out.resolve())],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"pagefind failed ({proc.returncode}): {proc.stdout[-2000:]}{proc.stderr[-2000:]}")


def _write_agencies(site: Path, recs: list[dict]) -> None:
    """agencies.json beside the index: each agency's name and page, so that a query naming an agency lists
    its page first. Pagefind cannot promise it: the browser segments the query (Intl.Segmenter) differently
    from the index, and a name like 兴县 comes apart into 兴 and 县."""
    agencies = sorted({(r["filters"]["机构"][0], r["url"]) for r in recs if r["filters"]["结果类型"] == [TYPE["agency"]]})
    (site / BUNDLE / "agencies.json").write_text(
        json.dumps([{"name": n, "url": u} for n, u in agencies], ensure_ascii=False, separators=(",", ":")),
        encoding="utf-8")


def build(site: Path, package: Path) -> tuple[int, float, list[str]]:
    """Write the index into `site`/pagefind. Returns (records, seconds, problems)."""
    start = time.perf_counter()
    recs, problems = records(package, anchors(site))
    with tempfile.TemporaryDirectory(prefix="search-records-") as work:
        _write(site, recs, Path(work))
    _write_agencies(site, recs)
    return len(recs), time.perf_counter() - start, problems
