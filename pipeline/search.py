"""Site search (issue 15): a Pagefind index written beside the built site, one small record per table, project
with its indicators, finding and explanation section, each titled with its agency, year and kind and filtered
by them. Records come from the package the site was drawn from (Load), are placed at the anchor the site gives
them (Process) and handed to Pagefind, which segments the Chinese and splits the index into pieces that a
query downloads as it needs them (Save). Pagefind's browser side ships inside the bundle: nothing from a CDN.

Beside Pagefind's files the bundle holds what the search page (site_src/assets/search.js) loads in small
pieces, keyed by the first character (its code point modulo 256), so that a query's bytes do not grow with
the site: `words/xx.json`, the index's own words with their frequency, for the page to cut a query into
words the way the index was cut; `agencies/xx.json`, the agencies whose name starts with that character; and
`filters.json`, the values of the small filters."""
from __future__ import annotations

import csv
import html
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from .schema import names_zh

BUNDLE = "pagefind"       # folder of the index inside the site
KIND = names_zh("documents", "kind")  # 预算 / 决算, as the schema names them
TYPE = {"table": "表格", "project": "项目", "finding": "检查结果", "text": "说明", "agency": "机构"}
_ID = re.compile(r'\bid="([^"]+)"')
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")  # the runs Pagefind segments
AGENCY = "机构"
AGENCY_KEYS = 64          # the agency filter is split into this many Pagefind filters (see agency_filter)
PIECES = 256
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


def piece(text: str) -> str:
    """The piece (of words/, agencies/) a text belongs to: its first character's code point modulo 256, as two
    hex digits. search.js computes the same."""
    return f"{ord(text[0]) % PIECES:02x}"


def agency_filter(agency: str) -> str:
    """The Pagefind filter that holds this agency. Pagefind loads a filter whole, with the page list of each of
    its values: one filter of a thousand agencies was 835 KB. Split in AGENCY_KEYS, narrowing by one agency
    loads one 64th of it. The key travels in agencies/xx.json, so the page never computes it."""
    return f"{AGENCY}{sum(map(ord, agency)) % AGENCY_KEYS:02d}"


def _page(r: dict) -> str:
    """One record as a page for Pagefind. Its address on the site travels as the `url` meta (the page
    itself is never published); filters and title as Pagefind's data attributes; the record's own name as
    its heading, which Pagefind weighs above the text (an agency's page the most: its name is in every one
    of its records); text escaped."""
    meta = "".join(f'<span data-pagefind-meta="{k}">{html.escape(v)}</span>'
                   for k, v in {**r["meta"], "url": r["url"]}.items())
    filters = "".join(f'<span data-pagefind-filter="{html.escape(agency_filter(v) if k == AGENCY else k)}">'
                      f'{html.escape(v)}</span>' for k, vs in r["filters"].items() for v in vs)
    return (f'<!doctype html><html lang="{r["language"]}"><head><meta charset="utf-8"></head><body>'
            f'<div hidden>{meta}{filters}</div><main data-pagefind-body>'
            f'<h1 data-pagefind-weight="{r.get("weight", 7)}">{html.escape(r["title"])}</h1>'
            f'<p>{html.escape(r["content"])}</p></main>'
            "</body></html>\n")


def _pagefind(site: Path, out: Path) -> None:
    from pagefind_bin_extended import get_executable

    shutil.rmtree(out, ignore_errors=True)
    proc = subprocess.run([str(get_executable()), "--site", str(site), "--output-path", str(out.resolve())],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"pagefind failed ({proc.returncode}): {proc.stdout[-2000:]}{proc.stderr[-2000:]}")


WORKER = "pagefind-worker.js"
CORE_WORKER = "pagefind-worker-core.js"


def _write(site: Path, recs: list[dict], work: Path) -> None:
    """Pagefind's own command on the records written as pages (its Python service waits 0.1 s per record).
    Its worker, which the browser loads from the bundle by name, is wrapped: it first loads
    assets/search-words.js, so that the words the search page cut the query into stay whole."""
    pages = work / "records"
    shutil.rmtree(pages, ignore_errors=True)
    pages.mkdir(parents=True)
    for n, r in enumerate(recs):
        (pages / f"r{n:07d}.html").write_text(_page(r), encoding="utf-8")
    out = site / BUNDLE
    _pagefind(pages, out)
    (out / WORKER).rename(out / CORE_WORKER)
    (out / WORKER).write_text(f'importScripts("../assets/search-words.js", "{CORE_WORKER}");\n', encoding="utf-8")


def vocabulary(recs: list[dict], work: Path) -> tuple[Counter, list[str]]:
    """(the index's words with how often the records use them, problems). Pagefind's extended build cuts
    each run of Chinese characters on its own (charabia's jieba, without context beyond the run), so the
    records' distinct runs, written once each into one page and indexed by the same binary, come back cut
    exactly as in the index: a second, small Pagefind run instead of reading every fragment back."""
    runs: Counter = Counter()
    for r in recs:
        runs.update(_HAN.findall(r["title"]))
        runs.update(_HAN.findall(r["content"]))
    order = sorted(runs)
    folder = work / "vocabulary"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "runs.html").write_text(
        '<!doctype html><html lang="zh"><head><meta charset="utf-8"></head><body><main data-pagefind-body><p>'
        + " ".join(order) + "</p></main></body></html>\n", encoding="utf-8")
    _pagefind(folder, work / "vocabulary-index")
    frag = next((work / "vocabulary-index" / "fragment").glob("*.pf_fragment"), None)
    # Pagefind ends the paragraph with a full stop of its own
    cut = _fragment(frag)["content"].rstrip(".\u200b ").split(" ") if frag else []
    cut = [c.strip("\u200b") for c in cut]
    words: Counter = Counter()
    if len(cut) != len(order) or any(c.replace("\u200b", "") != run for c, run in zip(cut, order)):
        return words, [f"search: the vocabulary came back from Pagefind cut into {len(cut)} runs, not "
                       f"{len(order)}; queries are cut into characters"]
    for c, run in zip(cut, order):
        for w in c.split("\u200b"):
            words[w] += runs[run]
    return words, []


def _fragment(path: Path) -> dict:
    import gzip

    data = gzip.decompress(path.read_bytes())
    return json.loads(data[data.index(b"{"):])


def _dump(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True), encoding="utf-8")


def _write_words(out: Path, words: Counter) -> None:
    """words/xx.json: {"unknown": cost, "words": {word: cost}}, cost = 10·ln(total / count), jieba's route
    costs with the index's own counts; a character the index does not hold costs as if seen once. Every
    piece is written, an empty one too, so the page never meets a missing file."""
    total = sum(words.values()) + 1
    pieces: dict[str, dict] = {f"{n:02x}": {} for n in range(PIECES)}
    for w, n in words.items():
        pieces[piece(w)][w] = round(10 * math.log(total / n))
    unknown = round(10 * math.log(total))
    for key, costs in pieces.items():
        _dump(out / "words" / f"{key}.json", {"unknown": unknown, "words": costs})


def _write_agencies(out: Path, recs: list[dict]) -> None:
    """agencies/xx.json: [name, address, filter] of each agency whose name starts with a character of the
    piece, for the agency filter (search as you type) and for listing an agency the query names above the
    results. filters.json: the values of the year, kind and type filters."""
    agency = TYPE["agency"]
    pieces: dict[str, list] = {f"{n:02x}": [] for n in range(PIECES)}
    for name, url in sorted({(r["filters"][AGENCY][0], r["url"]) for r in recs if r["filters"]["结果类型"] == [agency]}):
        pieces[piece(name)].append([name, url, agency_filter(name)])
    for key, rows in pieces.items():
        _dump(out / "agencies" / f"{key}.json", rows)
    values: dict[str, set] = defaultdict(set)
    for r in recs:
        for k, vs in r["filters"].items():
            if k != AGENCY:
                values[k].update(vs)
    _dump(out / "filters.json", {k: sorted(vs, reverse=k == "年度") for k, vs in values.items()})


def build(site: Path, package: Path) -> tuple[int, float, list[str]]:
    """Write the index into `site`/pagefind. Returns (records, seconds, problems)."""
    start = time.perf_counter()
    recs, problems = records(package, anchors(site))
    with tempfile.TemporaryDirectory(prefix="search-records-") as work:
        _write(site, recs, Path(work))
        words, trouble = vocabulary(recs, Path(work))
    problems += trouble
    _write_words(site / BUNDLE, words)
    _write_agencies(site / BUNDLE, recs)
    return len(recs), time.perf_counter() - start, problems
