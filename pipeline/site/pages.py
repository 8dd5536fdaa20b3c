"""Generate the site's pages (and the files they link to) from a data package.

Python prepares plain data here; the Jinja2 templates in `templates/` draw it, with autoescape on. Pages are
Markdown files with HTML bodies; no text from a disclosure reaches a page unescaped.

Pages: the home page, the agency index, one overview per agency (headline figures with their change,
drill-down charts, findings, explanations) and, per document, its tables, its projects and its source text
on pages of their own, each split into parts when it would pass PAGE_BUDGET bytes of HTML.
"""
from __future__ import annotations

import bisect
import csv
import hashlib
import io
import json
import multiprocessing
import os
import re
import shutil
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from jinja2 import pass_context
from markupsafe import Markup

from ..schema import names_zh
from ..exports import read_manifest, workbook_path
from ..privacy import mask_lines
from ..safepath import UnsafePath, inside, write_changed
from ..severity import FAILING
from ..spreadsheet import neutralise
from . import stash
from .figures import DocFacts, Figure, Node, dec, drilldown
from .load import Package, int_or_none, recorded_digests
from .render import environment, pct, wan

KIND_ZH = {k: f"部门{zh}" for k, zh in names_zh("documents", "kind").items()}  # 部门预算: the kind's name in the schema
from ..severity import ZH as SEVERITY_ZH  # declared in the schema
HEADLINE = (("income", "总收入"), ("expenditure", "总支出"), ("basic", "基本支出"), ("project", "项目支出"),
            ("three_public", "三公经费"), ("personnel", "人员经费"), ("public", "公用经费"))
# the glossary term each headline label links to (the disclosures' own 名词解释 name them so)
GLOSSARY_TERMS = {"basic": ("基本支出",), "project": ("项目支出",), "three_public": ("“三公”经费", "三公经费"),
                  "personnel": ("人员经费",), "public": ("公用经费",)}
STATUS_ZH = names_zh("tables", "status")  # declared in the schema
PROJECT_FIELDS_ZH = {
    "department": "主管部门", "implementing_unit": "实施单位", "code": "项目编码", "department_code": "部门编码",
    "attribute": "项目属性", "period": "项目期限", "funds_total": "年度资金总额", "funds_fiscal": "其中：财政拨款",
    "funds_other": "其他资金", "budget_start": "年初预算数", "budget_full": "全年预算数", "spent": "全年执行数",
    "execution_rate": "执行率", "score": "得分", "goals": "年度目标", "goal": "年度目标", "form": "表格类型",
    "kind": "表格类型",
}
MONEY_FIELDS = {"funds_total", "funds_fiscal", "funds_other", "budget_start", "budget_full", "spent"}
PROJECT_KIND_ZH = names_zh("projects", "kind")  # declared in the schema
PROJECT_SKIP = {"project_id", "doc_id", "project_no", "kind", "parent_project_id", "name", "funds_unit", "table_layout",
                "table_ids", "source_line", "line_end", "indicator_count", "unread_rows", "unread_lines"}
CHART_KINDS = (("functional", "按支出功能分类", ("类", "款", "项")), ("economic", "基本支出按经济分类", ("类", "款")))
CODE_CELL = re.compile(r"\d{3}(?:\d{2}){0,2}|\d{6}")
_NUM = re.compile(r"[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*[%％]?")
DOWNLOAD_SUFFIXES = (".json", ".csv", ".parquet", ".zip", ".xlsx", ".sqlite")
# A page's own HTML (the theme adds about 30 KB around it) is cut into parts below this, so that no page of
# the site passes 250 KB however long a document is.
PAGE_BUDGET = 180_000
# Region and level of government, read from the start of an agency's name where it prints them
# (宁夏回族自治区…厅, 海东市…局, 上海市普陀区…局); nothing is guessed when it does not.
_ADMIN = re.compile(r"[\u4e00-\u9fff]{1,7}?(?:自治区|自治州|自治县|特别行政区|省|市|地区|盟|州|县|区|旗)")
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
LEVEL_OF = {"自治区": "省级", "省": "省级", "特别行政区": "省级", "自治州": "市级", "市": "市级", "地区": "市级",
            "盟": "市级", "州": "市级", "自治县": "县级", "县": "县级", "区": "县级", "旗": "县级"}


def _slug_ok(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", s)


def region_level(agency: str) -> tuple[str, str]:
    """('宁夏回族自治区', '省级') from '宁夏回族自治区人力资源和社会保障厅'; ('', '') when the name does not start
    with a place. Units are read one after another (上海市 + 普陀区); the last one gives the level."""
    units, pos = [], 0
    while len(units) < 3:
        m = _ADMIN.match(agency, pos)
        if not m or m.end() >= len(agency):
            break
        units.append(m.group(0))
        pos = m.end()
    if not units:
        return "", ""
    last = units[-1]
    if len(units) == 1 and last in MUNICIPALITIES:
        return last, "省级"
    suffix = next(s for s in sorted(LEVEL_OF, key=len, reverse=True) if last.endswith(s))
    return "".join(units), LEVEL_OF[suffix]


def is_number(text: str) -> bool:
    return bool(_NUM.fullmatch(text.strip()))


def group_digits(text: str) -> str:
    """'42303.73' → '42,303.73' (as printed otherwise: decimals and signs kept)."""
    m = re.fullmatch(r"([-−]?)(\d+)(\.\d+)?", text.strip())
    if not m:
        return text
    return f"{m.group(1)}{int(m.group(2)):,}{m.group(3) or ''}"


def doc_label(doc: dict) -> str:
    year = doc.get("fiscal_year") or "?"
    return f"{year}年{KIND_ZH.get(doc.get('kind', ''), '公开文件')}"


def csv_text(rows: list[list]) -> str:
    """A CSV for spreadsheet programs: UTF-8 with BOM (so they read the Chinese right), and text that would
    be read as a formula neutralised (the package CSVs keep it exact)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([[neutralise(str(c)) for c in row] for row in rows])
    return "\ufeff" + buf.getvalue()


def pack(sizes: list[int], budget: int = PAGE_BUDGET) -> list[int]:
    """The part (0-based) of each item when items are laid on pages in order, a page holding items until
    their sizes pass `budget` (an item bigger than the budget gets a page of its own)."""
    parts, part, used = [], 0, 0
    for n in sizes:
        if used and used + n > budget:
            part, used = part + 1, 0
        parts.append(part)
        used += n
    return parts


def chunk(keys: list[str], sizes: list[int], every: int, budget: int) -> list[int]:
    """The part (0-based) of each item of a page about the whole corpus, items in order: a part ends before an
    item that would take it past `budget` bytes, or, once it holds half of that, before an item whose key is
    an anchor (its digest is 0 modulo `every`). Bounds fall mostly at anchors, which depend on the items'
    keys and not on their sizes or positions: a change to one agency's rows moves the bounds of its own part
    and seldom any past the next anchor, and the parts' names (`chunk_file`, from their first key) stay put
    as the corpus grows. A corpus smaller than half the budget is one part."""
    parts, part, used = [], 0, 0
    for key, n in zip(keys, sizes):
        if used and (used + n > budget or (used >= budget // 2 and
                                           int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % every == 0)):
            part, used = part + 1, 0
        parts.append(part)
        used += n
    return parts


def chunk_file(base: str, first_key: str) -> str:
    """A later part's file, named by its first item's key (a digest: never a path or markup)."""
    return f"{base}/p-{hashlib.sha256(first_key.encode('utf-8')).hexdigest()[:12]}.md"


def page_url(rel: str) -> str:
    """The URL (from the site root) of a page file: quality.md → quality/, agency/index.md → agency/."""
    stem = rel.removesuffix(".md")
    stem = stem.removesuffix("index") if stem == "index" or stem.endswith("/index") else stem + "/"
    return stem


def part_url(base: str, part: int) -> str:
    """URL (from the site root) of part `part` (0-based) of a paged page: base/, base/2/, base/3/ …"""
    return f"{base}/" if part == 0 else f"{base}/{part + 1}/"


def part_file(base: str, part: int) -> str:
    return f"{base}/index.md" if part == 0 else f"{base}/{part + 1}.md"


# the resources read whole, for the pages about the whole corpus; every other one a document at a time
WHOLE = ("documents", "findings", "glossary", "quality", "tables")
PER_DOC = ("tables", "facts", "cells", "sections", "glossary", "projects", "indicators", "findings", "text_figures",
           "project_funds", "pages")
# the documents named under each wording of a glossary term on the glossary page (the others are counted)
GLOSSARY_SOURCES = 8
# the home page: an agency card each up to this many agencies (the comparison of every document is paged, its
# first page on the home page, at a third of PAGE_BUDGET); the largest this many documents in each chart
HOME_CARDS = 12
HOME_BARS = 20
# below this many agencies the pages are made in this process: a pool costs more than it saves
POOL_FROM = 16
_UNIT_GENERATOR = None  # the generator a forked worker inherits


def code_digest(repo_root: Path, stash: bool) -> str:
    """The pipeline's code and schema (a change to either may change any page)."""
    h = hashlib.sha256(f"stash={stash}".encode())
    for base in (Path(__file__).resolve().parents[1], Path(repo_root) / "datapackage" / "schema"):
        for p in sorted(base.rglob("*")):
            if p.is_file() and p.suffix in (".py", ".html", ".md", ".json", ".yml", ".yaml") and "__pycache__" not in p.parts:
                h.update(f"\0{p.relative_to(base).as_posix()}\0".encode())
                h.update(p.read_bytes())
    return h.hexdigest()


def _agency_unit(name: str) -> dict:
    return _UNIT_GENERATOR.agency_unit(name)


class Generator:
    def __init__(self, pkg: Package, docs_dir: Path, repo_root: Path, stash: bool = True, workers: int | None = None,
                 previous: dict | None = None):
        self.pkg = pkg
        self.stash = stash
        self.workers = workers
        self.out = Path(docs_dir).resolve()
        self.written: set[str] = set()  # every file of the pages folder this run wrote or found as it would write it
        # each download's (sha256, bytes) for the data page: recorded by the package build as it wrote its
        # files, or taken from the bytes as this generator writes them; only a file in neither is read again
        self.recorded = recorded_digests(pkg.root)
        self.digests: dict[str, tuple[str, int]] = {}
        self.hashed: list[str] = []  # the downloads the data page had to read to list their digest
        self.hashed_bytes = 0
        # an earlier run's agencies (digest, files, what the corpus-wide pages need), when made by this code
        self.code = code_digest(repo_root, stash)
        self.previous = (previous or {}).get("units", {}) if (previous or {}).get("code") == self.code else {}
        self.units: dict[str, dict] = {}
        self.repo_root = repo_root
        self.docs = sorted(pkg["documents"], key=lambda d: (d.get("agency", ""), d.get("fiscal_year", ""), d.get("kind", "")))
        self.doc_by_id = {d["doc_id"]: d for d in self.docs}
        self.table_by_id = {t["table_id"]: t for t in pkg["tables"]}
        self.agencies: dict[str, list[dict]] = {}
        for d in self.docs:
            self.agencies.setdefault(d.get("agency") or d["doc_id"], []).append(d)
        self.slug: dict[str, str] = {}
        used: set[str] = set()
        for name, docs in self.agencies.items():
            s = _slug_ok(docs[0].get("agency_id") or "agency")  # a page name: never a path or markup
            base, n = s, 2
            while s in used:
                s, n = f"{base}-{n}", n + 1
            used.add(s)
            self.slug[name] = s
        self.rule_names = self._rule_names()
        self.load_docs([])
        self.home_figs: dict[str, dict] = {}  # doc → its headline figures, as the home page shows them
        self.n_facts = 0
        self.source_starts: dict[str, list[int]] = {}  # doc → first line of each part of its source page
        self.table_part: dict[str, int] = {}  # table_id → part of its document's tables page
        self.warnings: list[str] = []
        self.env = environment({"src": self.src, "table_href": self.table_href, "agency_href": self.agency_href,
                                "tables_href": self.tables_href, "projects_href": self.projects_href,
                                "source_page_href": self.source_page_href, "pdf_href": self.pdf_href})
        self.glossary_terms, self.glossary_parts = self._glossary_layout()
        self.glossary_href = {t["term"]: self.glossary_parts[t["part"]]["url"] + f"#{t['anchor']}" for t in self.glossary_terms}

    def load_docs(self, docs: list[dict]) -> None:
        """The rows of these documents (and only these) for the pages about them."""
        rows = {name: {d["doc_id"]: self.pkg.doc_rows(d["doc_id"], name) for d in docs} for name in PER_DOC}
        self.tables, self.facts, self.cells = rows["tables"], rows["facts"], rows["cells"]
        self.sections, self.glossary, self.projects = rows["sections"], rows["glossary"], rows["projects"]
        self.indicators, self.findings, self.text_figures = rows["indicators"], rows["findings"], rows["text_figures"]
        self.page_rows = rows["pages"]
        self.funds: dict[str, list[dict]] = {}  # project_id → its project_funds rows, as printed in order
        for doc_rows in rows["project_funds"].values():
            for f in doc_rows:
                self.funds.setdefault(f.get("project_id", ""), []).append(f)
        self.doc_facts = {d["doc_id"]: DocFacts(d, self.tables[d["doc_id"]], self.facts[d["doc_id"]]) for d in docs}
        self.figs = {k: v.headline(self.text_figures.get(k, [])) for k, v in self.doc_facts.items()}

    # --- links (every href is relative to the page's `root`, given in its template context) --------------
    @pass_context
    def src(self, ctx, doc_id: str, line) -> str:
        """The source line `line` of a document: its anchor on the part of the source page that holds it."""
        starts = self.source_starts.get(doc_id, [1])
        n = int_or_none(line)
        part = max(bisect.bisect_right(starts, n) - 1, 0) if n else 0
        return ctx["root"] + part_url(f"sources/{doc_id}", part) + (f"#L{n}" if n else "")

    @pass_context
    def pdf_href(self, ctx, doc_id: str, page=None) -> str:
        """The original PDF of a document (published beside its text), opened at a page when one is given."""
        n = int_or_none(page)
        return ctx["root"] + f"downloads/sources/{doc_id}.pdf" + (f"#page={n}" if n else "")

    @pass_context
    def source_page_href(self, ctx, doc_id: str) -> str:
        return ctx["root"] + f"sources/{doc_id}/"

    @pass_context
    def table_href(self, ctx, table_id: str) -> str:
        t = self.table_by_id.get(table_id, {})
        base = f"tables/{t.get('doc_id', '')}"
        return ctx["root"] + part_url(base, self.table_part.get(table_id, 0)) + f"#t-{_slug_ok(table_id)}"

    @pass_context
    def tables_href(self, ctx, doc_id: str) -> str:
        return ctx["root"] + f"tables/{doc_id}/"

    @pass_context
    def projects_href(self, ctx, doc_id: str) -> str:
        return ctx["root"] + f"projects/{doc_id}/"

    @pass_context
    def agency_href(self, ctx, doc_id: str = "", name: str = "") -> str:
        name = name or self.doc_by_id.get(doc_id, {}).get("agency") or doc_id
        return ctx["root"] + f"agency/{self.slug.get(name, '')}/" + (f"#doc-{_slug_ok(doc_id)}" if doc_id else "")

    # --- files --------------------------------------------------------------------------------------------
    def write(self, rel: str, text: str) -> None:
        """Write a file of the site (a page's HTML blocks beside it, stash.py). A file whose bytes are already
        there is left alone: MkDocs, building only what changed, goes by the files' times."""
        if self.stash and rel.endswith(".md"):  # MkDocs renders the Markdown; the HTML waits beside it
            text, blocks = stash.split(text)
            if blocks:
                self._put(stash.stash_path(Path("."), rel).as_posix(), json.dumps(blocks, ensure_ascii=False).encode("utf-8"))
        self._put(rel, text.encode("utf-8"))

    def _put(self, rel: str, data: bytes) -> None:
        path, _ = write_changed(self.out, rel, data)
        self.written.add(path.relative_to(self.out.resolve()).as_posix())
        if rel.startswith("downloads/"):
            self.digests[rel] = (hashlib.sha256(data).hexdigest(), len(data))

    def _link(self, src: Path, rel: str, digest: tuple[str, int] | None = None) -> None:
        """A file served as it is (the package's, an original PDF): hard-linked into the pages folder where the
        file system allows, copied where not; left alone when it is already the same file. Its digest: the
        one given, or the one the package build recorded for it."""
        target = inside(self.out, rel)
        self.written.add(target.relative_to(self.out).as_posix())
        if digest is None and rel.startswith("downloads/package/"):  # the package's own file
            digest = self.recorded.get(rel.removeprefix("downloads/package/"))
        if digest is not None:
            self.digests[rel] = digest
        if target.exists():
            if os.path.samefile(src, target):
                return
            target.unlink()
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, target)
        except OSError:
            shutil.copy2(src, target)

    def render(self, template: str, rel: str, **ctx) -> None:
        self.write(rel, self.env.get_template(template).render(**ctx))

    def macros(self, root: str):
        """The shared macros (_macros.html) with the links of a page at `root`, to draw rows from Python."""
        return self.env.get_template("_macros.html").make_module({"root": root})

    @staticmethod
    def corpus_parts(main: str, base: str, keys: list[str], sizes: list[int], every: int,
                     budget: int | None = None) -> list[dict]:
        """A page about the whole corpus laid out in parts (`chunk`): the first at `main`, the others under
        `base`. Each part: its number, file, URL and root (from the site root) and its items' positions."""
        assign = chunk(keys, sizes, every, PAGE_BUDGET if budget is None else budget)
        groups: list[list[int]] = [[] for _ in range(max(assign) + 1 if assign else 1)]
        for i, p in enumerate(assign):
            groups[p].append(i)
        out = []
        for n, items in enumerate(groups):
            rel = main if n == 0 else chunk_file(base, keys[items[0]])
            url = page_url(rel)
            out.append({"n": n, "file": rel, "url": url, "root": "../" * url.count("/"), "items": items})
        return out

    def copy_package(self) -> None:
        """The package's files, served as downloads under downloads/package/."""
        root = self.pkg.root
        for src in sorted(root.rglob("*")):
            if src.is_file() and src.suffix in DOWNLOAD_SUFFIXES and "schema" not in src.relative_to(root).parts:
                self._link(src, f"downloads/package/{src.relative_to(root).as_posix()}")

    def write_table_csvs(self) -> None:
        """Each published table as a CSV grid of its printed cells."""
        for doc_id, cells in self.cells.items():
            grids: dict[str, dict] = {}
            for c in cells:
                r, k = int_or_none(c.get("row")), int_or_none(c.get("col"))
                if r is None or k is None:
                    continue
                grids.setdefault(c["table_id"], {})[(r, k)] = c.get("text", "")
            for tid, grid in grids.items():
                nr = max(r for r, _ in grid)
                nc = max(k for _, k in grid)
                rows = [[grid.get((r, k), "") for k in range(1, nc + 1)] for r in range(1, nr + 1)]
                self.write(f"downloads/tables/{_slug_ok(tid)}.csv", csv_text(rows))

    def _find_source(self, rel: str) -> Path | None:
        """The committed source file a package names, looked for only inside the folders it may be in: a
        package cannot point the site at a file elsewhere."""
        bases = [(self.pkg.root / "sources", Path(rel).name), (Path.cwd(), rel), (self.repo_root, rel),
                 (self.pkg.root.parent, rel)]
        for base, name in bases:
            try:
                p = inside(base, name) if rel else None
            except UnsafePath:
                continue
            if p and p.is_file():
                return p
        return None

    def source_lines(self, doc: dict) -> list[str] | None:
        """The original text of a disclosure, decoded, split into the same lines the pipeline numbers. For a
        PDF source that is the text the package publishes as extracted from it (sources/<doc_id>.txt)."""
        rel = doc.get("source_file", "")
        if doc.get("page_count"):
            extracted = self.pkg.root / "sources" / f"{doc['doc_id']}.txt"
            if not extracted.is_file():
                self.warnings.append(f"{doc['doc_id']}: extracted text {extracted} not found; no source page")
                return None
            pdf = self._find_source(rel)
            if pdf is not None and int_or_none(doc.get("personal_numbers_masked")):
                # a PDF cannot be masked: the original is not offered when it prints personal numbers
                self.warnings.append(f"{doc['doc_id']}: original PDF not offered for download: it prints "
                                     "personal numbers (masked in the extracted text)")
                inside(self.out, f"downloads/sources/{doc['doc_id']}.pdf").unlink(missing_ok=True)  # an earlier build's
            elif pdf is not None:  # the original, downloadable and linked at its pages (its sha256 is the document's)
                recorded = doc.get("source_sha256", "")
                self._link(pdf, f"downloads/sources/{doc['doc_id']}.pdf",
                           (recorded, pdf.stat().st_size) if re.fullmatch(r"[0-9a-f]{64}", recorded) else None)
            else:
                self.warnings.append(f"{doc['doc_id']}: original PDF {rel!r} not found; no PDF download")
            return extracted.read_text(encoding="utf-8").split("\n")[:-1]
        p = self._find_source(rel)
        if p is not None:
            data = p.read_bytes()
            try:
                from ..read import decode
                text, _ = decode(data, str(p))
            except Exception:  # noqa: BLE001 - show what can be shown
                text = data.decode("utf-8", errors="replace")
            lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            return mask_lines(lines)[0]  # the same mask as the read stage: no personal number shown
        self.warnings.append(f"{doc['doc_id']}: source file {rel!r} not found; no source page")
        return None

    # --- the whole site -----------------------------------------------------------------------------------
    def generate(self) -> dict:
        self.copy_package()
        global _UNIT_GENERATOR
        names = list(self.agencies)
        workers = self.workers or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
        if workers > 1 and len(names) >= POOL_FROM and "fork" in multiprocessing.get_all_start_methods():
            # an agency's pages need only its own rows and the few names and links every page shares: the
            # agencies are shared out among forked workers, which inherit this generator (not the rows)
            _UNIT_GENERATOR = self
            try:
                with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                    results = list(pool.map(_agency_unit, names, chunksize=max(1, len(names) // (workers * 8))))
            finally:
                _UNIT_GENERATOR = None
        else:
            results = [self.agency_unit(name) for name in names]
        for name, r in zip(names, results):  # in agency order, whoever made them, whenever
            self.units[name] = r
            self.written.update(r["files"])
            self.digests.update({rel: tuple(v) for rel, v in r.get("digests", {}).items()})
            self.warnings += r["warnings"]
            self.source_starts.update(r["source_starts"])
            self.table_part.update(r["table_part"])
            self.home_figs.update({did: {k: SimpleNamespace(**{**f, "value": Decimal(f["value"]) if f["value"] is not None else None})
                                         for k, f in figs.items()} for did, figs in r["figs"].items()})
            self.n_facts += r["n_facts"]
        self.reused = sum(1 for r in results if r.get("reused"))
        self.home_page()
        self.agency_index()
        self.glossary_page()
        self.data_page()
        self.quality_page()
        nav = [
            {"首页": "index.md"},
            # the agency index (with its filters) leads to every agency's page: a navigation listing them all
            # would be printed on every page of the site, its bytes growing with the corpus
            {"各部门": "agency/index.md"},
            {"数据下载": "data.md"},
            {"数据质量": "quality.md"},
            {"名词解释": "glossary.md"},
            {"关于": "about.md"},
        ]
        return {"nav": nav, "agencies": list(self.agencies)}

    def agency_unit(self, name: str) -> dict:
        """Every page of one agency: its overview and, per document, its tables, projects and source text,
        with the downloads they link to. Returns what the pages about the whole corpus need of it."""
        docs = self.agencies[name]
        digest = self.unit_digest(name, docs)
        before = self.previous.get(name)
        if before and before["digest"] == digest and all((self.out / f).is_file() for f in before["files"]):
            return {**before, "reused": True}  # nothing it is made from has changed: its pages are there
        outer = self.written, self.warnings, self.source_starts, self.table_part, self.digests  # this process's
        self.written, self.warnings, self.source_starts, self.table_part, self.digests = set(), [], {}, {}, {}
        try:
            return self._make_unit(name, docs, digest)
        finally:
            self.written, self.warnings, self.source_starts, self.table_part, self.digests = outer

    def _make_unit(self, name: str, docs: list[dict], digest: str) -> dict:
        self.load_docs(docs)
        self.write_table_csvs()
        sources = {d["doc_id"]: self.source_lines(d) for d in docs}
        for did, lines in sources.items():  # parts first: every page links into them
            if lines is not None:
                self.source_starts[did] = self._source_parts(lines)
        tables_pages = {d["doc_id"]: self.tables_pages(d) for d in docs}  # fills table_part
        for d in docs:
            did = d["doc_id"]
            for i, body in enumerate(tables_pages[did]):
                self.render("tables.md", part_file(f"tables/{did}", i), root="../../" if i == 0 else "../../../",
                            doc=self.doc_view(d), part=i, parts=len(tables_pages[did]), body=body)
            self.projects_page(d)
            if sources[did] is not None:
                self.source_pages(d, sources[did])
                self.write(f"downloads/sources/{did}.txt", "\n".join(sources[did]) + "\n")
        self.agency_page(name, docs)
        figs = {did: {k: {"key": f.key, "label": f.label, "value": str(f.value) if f.value is not None else None,
                          "source_line": f.source_line, "fact": True if f.fact is not None else None,
                          "text": True if f.text is not None else None}
                      for k, f in doc_figs.items()} for did, doc_figs in self.figs.items()}
        return {"digest": digest, "files": sorted(self.written), "warnings": self.warnings,
                "digests": {rel: list(v) for rel, v in sorted(self.digests.items())},
                "source_starts": self.source_starts, "table_part": self.table_part, "figs": figs,
                "n_facts": sum(len(v) for v in self.facts.values())}

    def unit_digest(self, name: str, docs: list[dict]) -> str:
        """What an agency's pages are made from: this code, its name and page name, its documents' rows (the
        digest of their slices' descriptor, which records each slice's sha256, or else the slices' bytes),
        their workbooks, and the glossary entries its headline labels link to."""
        h = hashlib.sha256(self.code.encode())
        h.update(json.dumps([name, self.slug[name], docs, {k: self.glossary_anchor(k) for k in GLOSSARY_TERMS}],
                            ensure_ascii=False, sort_keys=True).encode("utf-8"))
        for d in docs:
            recorded = self.recorded.get(f"docs/{d['doc_id']}/datapackage.json")
            if recorded is not None:  # the slice's descriptor holds the sha256 of each of its files: not read again
                h.update(f"\0slices\0{recorded[0]}".encode())
            else:
                for res in PER_DOC:
                    h.update(f"\0{res}\0".encode())
                    h.update(self.pkg.doc_bytes(d["doc_id"], res))
            book = self.pkg.root / workbook_path(d["doc_id"])
            h.update(f"\0{self.recorded.get(workbook_path(d['doc_id'])) or (book.stat().st_size if book.is_file() else -1)}".encode())
        return h.hexdigest()

    # --- shared views -------------------------------------------------------------------------------------
    def doc_view(self, d: dict) -> dict:
        """What every page says about a document: names, provenance, links."""
        name = d.get("agency") or d["doc_id"]
        return {"id": d["doc_id"], "sid": _slug_ok(d["doc_id"]), "agency": name, "label": doc_label(d),
                "title": d.get("title") or d["doc_id"], "year": d.get("fiscal_year", ""),
                "kind_zh": KIND_ZH.get(d.get("kind", ""), d.get("kind", "")), "unit": d.get("unit", ""),
                "source_file": d.get("source_file", ""), "sha256": d.get("source_sha256", ""),
                "source_url": d.get("source_url", "") if re.match(r"https?://", d.get("source_url", "")) else "",
                "published": d.get("published", ""), "has_source": d["doc_id"] in self.source_starts,
                "page_count": d.get("page_count", ""),
                "has_pdf": f"downloads/sources/{d['doc_id']}.pdf" in self.written,
                "has_projects": bool(self.projects.get(d["doc_id"])),
                "n_tables": len(self.tables.get(d["doc_id"], [])), "n_projects": len(self.projects.get(d["doc_id"], [])),
                "workbook": workbook_path(d["doc_id"]) if (self.pkg.root / workbook_path(d["doc_id"])).is_file() else "",
                "workbook_size": _size(self.pkg.root / workbook_path(d["doc_id"]))
                if (self.pkg.root / workbook_path(d["doc_id"])).is_file() else "",
                "slices": sorted(f.name for f in (self.pkg.root / "docs" / d["doc_id"]).glob("*.csv"))
                if (self.pkg.root / "docs" / d["doc_id"]).is_dir() else []}

    def _rule_names(self) -> dict[str, str]:
        """rule id → its Chinese name, from the validation catalogue."""
        try:
            from ..validate.catalogue import rule_catalogue
            return {r["id"]: r.get("name_zh") or r.get("title_zh") or r["id"] for r in rule_catalogue()}
        except Exception:  # noqa: BLE001 - a site without rule names still shows the ids
            return {}

    def _glossary_layout(self) -> tuple[list[dict], list[dict]]:
        """The glossary of the whole corpus: each term once, each of its wordings once with the documents that
        print it (the first GLOSSARY_SOURCES of them named, the others counted: every document's own glossary
        is on its agency page), terms in order, laid out in parts (`corpus_parts`). Each term's anchor comes
        from its text, so it stays when other terms come and go."""
        entries: dict[str, dict[str, dict]] = {}
        glossary = self.pkg.by_doc("glossary")
        for d in self.docs:
            for g in glossary.get(d["doc_id"], []):
                term = g.get("term", "").strip()
                if not term:
                    continue
                text = g.get("definition", "")
                wording = entries.setdefault(term, {}).setdefault(" ".join(text.split()), {"definition": text, "sources": []})
                wording["sources"].append({"doc_id": d["doc_id"], "agency": d.get("agency", ""), "label": doc_label(d),
                                           "line": g.get("source_line")})
        terms = [{"term": t, "anchor": "g-" + hashlib.sha256(t.encode("utf-8")).hexdigest()[:10],
                  "wordings": [{"definition": w["definition"], "sources": w["sources"][:GLOSSARY_SOURCES],
                                "more": max(len(w["sources"]) - GLOSSARY_SOURCES, 0)} for w in entries[t].values()]}
                 for t in sorted(entries)]
        later = self.macros("../../")
        for t in terms:
            t["html"] = later.glossary_term(t)
        parts = self.corpus_parts("glossary.md", "glossary", [t["term"] for t in terms],
                                  [len(t["html"].encode("utf-8")) for t in terms], every=16)
        for p in parts:
            mine = [terms[i] for i in p["items"]]
            p["label"] = f"{mine[0]['term']} — {mine[-1]['term']}" if mine else "—"
            for t in mine:
                t["part"] = p["n"]
        return terms, parts

    def glossary_anchor(self, key: str) -> str:
        """The glossary entry (its URL from the site root, with its anchor) a headline label links to."""
        for term in GLOSSARY_TERMS.get(key, ()):
            if term in self.glossary_href:
                return self.glossary_href[term]
        return ""

    def finding_views(self, findings: list[dict]) -> list[dict]:
        out = []
        for n, f in enumerate(findings):
            did = f.get("doc_id", "")
            d = self.doc_by_id.get(did, {})
            lines = re.findall(r"\d+", f.get("source_lines", "") or "")
            sev = f.get("severity", "")
            out.append({
                "anchor": f"f-{_slug_ok(did)}-{n + 1}", "doc_id": did, "agency": d.get("agency") or did,
                "doc_label": doc_label(d) if d else "", "severity": sev, "severity_zh": SEVERITY_ZH.get(sev, sev),
                "rule_id": f.get("rule_id", ""), "rule": self.rule_names.get(f.get("rule_id", ""), f.get("rule_id", "")),
                "message": f.get("message", ""),
                "expected": self._amount_text(f.get("expected")), "actual": self._amount_text(f.get("actual")),
                "difference": self._amount_text(f.get("difference")),
                "tables": [(tid, self.table_by_id[tid].get("title") or tid) for tid in (f.get("table_ids") or "").split()
                           if tid in self.table_by_id],
                "lines": lines[:12], "more_lines": len(lines) > 12,
            })
        return out

    @staticmethod
    def _amount_text(text) -> str:
        """A finding's expected/actual/difference (元 in the package) as the site shows amounts: 万元."""
        v = dec(text)
        return wan(v) if v is not None else (text or "")

    def badges(self, doc_id: str, lines: list, views: list[dict]) -> list[dict]:
        """The error and warning findings that name one of these source lines."""
        want = {str(x) for x in lines if str(x or "").strip()}
        return [v for v in views if v["severity"] in FAILING and want & set(v["lines"])]

    # --- headline figures ---------------------------------------------------------------------------------
    def figure_view(self, d: dict, fig: Figure, views: list[dict]) -> dict:
        share = None
        figs = self.figs[d["doc_id"]]
        if fig.key in ("basic", "project") and f"{fig.key}_share" in figs:
            share = pct(figs[f"{fig.key}_share"].value)
        change = execution = None
        if fig.value is not None and fig.prior is not None:
            delta = fig.value - fig.prior.value
            change = {"column": fig.prior.column, "before": wan(fig.prior.value, unit=False), "after": wan(fig.value),
                      "delta": delta, "pct": ("+" if delta > 0 else "") + pct(delta * 100 / fig.prior.value) if fig.prior.value else "",
                      "line": fig.prior.fact.get("source_line")}
        if fig.value is not None and fig.budget is not None:
            execution = {"column": fig.budget.column, "budget": wan(fig.budget.value),
                         "rate": pct(fig.value * 100 / fig.budget.value) if fig.budget.value else "",
                         "line": fig.budget.fact.get("source_line")}
        where = ""
        if fig.fact:
            t = self.table_by_id.get(fig.fact.get("table_id", ""), {})
            where = " / ".join(x for x in (fig.fact.get("row_label"), fig.fact.get("column_label")) if x)
            where = f"{t.get('title', '')}：{where}" if t else where
        lines = [fig.source_line] + ([fig.prior.fact.get("source_line")] if fig.prior else [])
        return {"key": fig.key, "label": fig.label, "value": wan(fig.value) if fig.value is not None else "",
                "line": fig.source_line, "page": (fig.fact or fig.text or {}).get("page", ""), "from_text": fig.text is not None and fig.fact is None,
                "quote": (fig.text or {}).get("quote", ""), "where": where, "share": share, "change": change,
                "execution": execution, "glossary": self.glossary_anchor(fig.key),
                "badges": self.badges(d["doc_id"], lines, views)}

    # --- charts -------------------------------------------------------------------------------------------
    def chart_views(self, d: dict, views: list[dict]) -> list[dict]:
        out = []
        for kind, title, level_names in CHART_KINDS:
            nodes, cols, tid = drilldown(self.doc_facts[d["doc_id"]], kind)
            chart = {"kind": kind, "title": title, "table_title": "", "columns": cols, "rows": [], "nodes": [],
                     "csv": ""}
            if nodes:
                total = sum((n.value for n in nodes), Decimal(0))
                t = self.table_by_id.get(tid or "", {})
                chart["table_title"] = t.get("title", "")
                chart["table_id"] = tid
                chart["nodes"] = [self.node_view(d, n, total, level_names, 0, views) for n in nodes]
                chart["total"] = wan(total)
                flat: list[dict] = []

                def walk(v):
                    flat.append(v)
                    for c in v["children"]:
                        walk(c)
                for v in chart["nodes"]:
                    walk(v)
                chart["rows"] = flat
                rel = f"downloads/charts/{_slug_ok(d['doc_id'])}-{kind}.csv"
                self.write(rel, csv_text([["级次", "科目编码", "科目名称", "金额（万元）", "金额（元）", "占上级（%）",
                                           "由下级汇总", "原文行"]] +
                                         [[v["level"], v["code"], v["name"], wan(v["raw"], unit=False).replace(",", ""),
                                           str(v["raw"]), v["share"].rstrip("%"), "是" if v["summed"] else "",
                                           " ".join(v["lines"])] for v in flat]))
                chart["csv"] = rel
            out.append(chart)
        return out

    def node_view(self, d: dict, n: Node, parent_total: Decimal, level_names, depth: int, views) -> dict:
        lines = [str(f.get("source_line")) for f in n.facts if str(f.get("source_line", "")).strip()]
        width = float(n.value * 100 / parent_total) if parent_total > 0 and n.value > 0 else 0.0
        kids = [self.node_view(d, c, n.value, level_names, depth + 1, views) for c in n.children]
        return {"code": n.code, "name": n.name, "value": wan(n.value), "raw": n.value,
                "share": pct(n.value * 100 / parent_total) if parent_total else "", "width": f"{min(width, 100):.1f}",
                "level": level_names[min(depth, len(level_names) - 1)], "depth": depth, "summed": n.summed,
                "lines": lines, "children": kids, "badges": self.badges(d["doc_id"], lines, views)}

    # --- agency pages -------------------------------------------------------------------------------------
    def agency_page(self, name: str, docs: list[dict]) -> None:
        root = "../../"
        views = []
        for d in docs:
            did = d["doc_id"]
            fv = self.finding_views(self.findings.get(did, []))
            view = self.doc_view(d)
            figs = self.figs[did]
            view.update(
                headline=[self.figure_view(d, figs[k], fv) for k, _ in HEADLINE],
                any_text=any(figs[k].text is not None and figs[k].fact is None for k, _ in HEADLINE),
                no_facts=not self.facts.get(did), charts=self.chart_views(d, fv), findings=fv,
                serious=[f for f in fv if f["severity"] in FAILING],
                sections=self.section_views(d), glossary=self.glossary.get(did, []))
            views.append(view)
        compare = []
        if len(docs) > 1:
            for k, label in HEADLINE:
                compare.append({"label": label, "cells": [
                    {"doc_id": d["doc_id"], "value": wan(self.figs[d["doc_id"]][k].value, unit=False),
                     "line": self.figs[d["doc_id"]][k].source_line} for d in docs]})
        region, level = region_level(name)
        self.render("agency.md", f"agency/{self.slug[name]}.md", root=root, name=name, docs=views,
                    compare=compare, region=region, level=level)

    def section_views(self, d: dict) -> list[dict]:
        secs = [s for s in self.sections.get(d["doc_id"], []) if s.get("text", "").strip() or s.get("heading")]
        secs.sort(key=lambda s: int_or_none(s.get("section_no")) or 0)
        return [{"heading": s.get("heading", ""), "line": s.get("line_start"),
                 "level": min(max(int_or_none(s.get("level")) or 1, 1), 3),
                 "paras": [p for p in (s.get("text") or "").split("\n") if p.strip()]} for s in secs]

    # --- tables pages -------------------------------------------------------------------------------------
    def tables_pages(self, d: dict) -> list[str]:
        """The document's tables drawn one by one, packed into parts of at most PAGE_BUDGET bytes; records
        each table's part for the links to it."""
        did = d["doc_id"]
        cells_by_table: dict[str, list[dict]] = {}
        for c in self.cells.get(did, []):
            cells_by_table.setdefault(c["table_id"], []).append(c)
        facts_by_table: dict[str, list[dict]] = {}
        for f in self.facts.get(did, []):
            facts_by_table.setdefault(f["table_id"], []).append(f)
        tables = self.tables.get(did, [])
        forms = [t for t in tables if t.get("table_type") in ("performance", "other")]
        ordered = [t for t in tables if t not in forms] + forms
        tmpl = self.env.get_template("_table.html")
        drawn = []
        for t in ordered:
            view = self.table_view(t, cells_by_table.get(t["table_id"], []), facts_by_table.get(t["table_id"], []))
            view["form"] = t in forms
            drawn.append((t, Markup(tmpl.render(root="../../", t=view))))
        # root differs on later parts: draw once to size, then again for parts past the first
        parts = pack([len(h.encode("utf-8")) for _, h in drawn]) if drawn else []
        for (t, _), p in zip(drawn, parts):
            self.table_part[t["table_id"]] = p
        pages = [[] for _ in range(max(parts) + 1 if parts else 1)]
        for (t, html), p in zip(drawn, parts):
            if p:
                view = self.table_view(t, cells_by_table.get(t["table_id"], []), facts_by_table.get(t["table_id"], []))
                view["form"] = t in forms
                html = Markup(tmpl.render(root="../../../", t=view))
            pages[p].append({"id": t["table_id"], "anchor": f"t-{_slug_ok(t['table_id'])}",
                             "title": t.get("title") or t["table_id"], "html": html, "form": t in forms,
                             "part": p})
        return [self._tables_body(did, pages, i) for i in range(len(pages))]

    def _tables_body(self, did: str, pages: list[list[dict]], i: int) -> dict:
        return {"tables": pages[i], "index": [x for page in pages for x in page]}

    def table_view(self, t: dict, cells: list[dict], facts: list[dict]) -> dict:
        """A published table as rows of cells, as printed: amounts grouped by thousands and linked to their
        line; the label block (codes and names left of the first amount column) drawn as one cell, which
        stays in view when a wide table scrolls sideways."""
        view = {"id": t["table_id"], "doc_id": t["doc_id"], "anchor": f"t-{_slug_ok(t['table_id'])}",
                "title": t.get("title") or t["table_id"], "unit": t.get("unit") or "",
                "unit_inferred": str(t.get("unit_inferred", "")).lower() in ("true", "1"),
                "line_start": t.get("line_start"), "line_end": t.get("line_end"),
                "status": STATUS_ZH.get(t.get("status", ""), t.get("status", "")), "note": t.get("note", ""),
                "csv": f"downloads/tables/{_slug_ok(t['table_id'])}.csv" if cells else "", "head": [], "body": []}
        if not cells:
            return view
        grid = cell_grid(cells)
        nr = max(r for r, _ in grid)
        nc = max(k for _, k in grid)
        hdr = int_or_none(t.get("header_rows")) or 0
        fact_keys = {(str(f.get("source_line")), (f.get("published_value") or "").strip()) for f in facts}
        code_by_line: dict[str, str] = {}
        for f in facts:
            if f.get("code"):
                code_by_line.setdefault(str(f.get("source_line")), f["code"])

        def numeric(c: dict) -> bool:
            s = c.get("text", "").strip()
            return (str(c.get("source_line")), s) in fact_keys or (is_number(s) and not CODE_CELL.fullmatch(s))

        body_cells = [(k, c) for (r, k), c in grid.items() if r > hdr]
        first_amount = min((k for k, c in body_cells if numeric(c)), default=nc + 1)
        label_cols = max(first_amount - 1, 1) if first_amount > 1 else 0
        for r in range(1, nr + 1):
            row = [grid.get((r, k)) for k in range(1, nc + 1)]
            is_head = r <= hdr
            line = next((str(c.get("source_line")) for c in row if c), "")
            code = code_by_line.get(line, "")
            if not code and not is_head:
                code = next((c["text"].strip() for c in row[:3] if c and CODE_CELL.fullmatch(c.get("text", "").strip())), "")
            level = 0 if len(code) in (3, 6) or not code else (len(code) - 3) // 2
            out = []
            if label_cols:
                texts = [(c or {}).get("text", "").strip() for c in row[:label_cols]]
                codes = [x for x in texts if CODE_CELL.fullmatch(x)]
                names = [x for x in texts if x and not CODE_CELL.fullmatch(x)]
                out.append({"kind": "label", "text": " ".join(names), "code": " ".join(codes) if not is_head else "",
                            "head_text": " ".join(x for x in texts if x),
                            "lvl": min(level, 3), "top": bool(code) and len(code) in (3, 6)})
            for c in row[label_cols:]:
                if not c:
                    out.append({"kind": "empty"})
                    continue
                s = c.get("text", "").strip()
                is_fact = (str(c.get("source_line")), s) in fact_keys
                if not is_head and numeric(c):
                    out.append({"kind": "num", "text": group_digits(s) if is_fact else s,
                                "line": c.get("source_line") if is_fact else None, "page": c.get("page")})
                else:
                    out.append({"kind": "text", "text": c.get("text", ""),
                                "code": not is_head and bool(CODE_CELL.fullmatch(s))})
            (view["head"] if is_head else view["body"]).append(out)
        return view

    # --- projects pages -----------------------------------------------------------------------------------
    def _field_labels(self, resource: str) -> dict[str, tuple[str, bool]]:
        """field → (Chinese label from the schema, is money in 元: the field's declared unit)."""
        out = {}
        r = self.pkg.resource(resource) or {}
        for f in (r.get("schema") or {}).get("fields", []):
            zh = (f.get("description") or f["name"]).split(" / ")[0].strip()
            money = f.get("unit") == "yuan"
            if money:  # the amount is shown formatted in 元 / 万元: the label need not say 元 again
                zh = zh.removesuffix("，元").removesuffix("（元）")
            out[f["name"]] = (zh, money)
        return out

    def projects_page(self, d: dict) -> None:
        did = d["doc_id"]
        projects = self.projects.get(did, [])
        labels = self._field_labels("projects")
        inds: dict[str, list[dict]] = {}
        for i in self.indicators.get(did, []):
            inds.setdefault(i.get("project_id", ""), []).append(i)
        children: dict[str, list[dict]] = {}
        for p in projects:
            if p.get("parent_project_id"):
                children.setdefault(p["parent_project_id"], []).append(p)
        top = [p for p in projects if not p.get("parent_project_id")]
        counts: dict[str, int] = {}
        for p in top:
            counts[p.get("kind", "")] = counts.get(p.get("kind", ""), 0) + 1
        targets = [p for p in top if p.get("kind") == "target"]
        total = sum((dec(p.get("funds_total")) or Decimal(0) for p in targets), Decimal(0))
        n_forms = sum(1 for t in self.tables.get(did, []) if t.get("table_type") == "performance")
        blocks = [self.project_view(p, inds, children.get(p.get("project_id", ""), []), labels) for p in top]
        tmpl = self.env.get_template("_project.html")
        drawn = [Markup(tmpl.render(root="../../", p=b, doc_id=did)) for b in blocks]
        parts = pack([len(h.encode("utf-8")) for h in drawn]) if blocks else []
        n_parts = max(parts) + 1 if parts else 1
        summary = {"kinds": [(PROJECT_KIND_ZH.get(k, k), n) for k, n in counts.items()],
                   "indicators": sum(len(v) for v in inds.values()), "targets_total": wan(total) if targets else "",
                   "n_forms": n_forms}
        for i in range(n_parts):  # drawn once to size; again only on later parts, whose links reach one more level up
            root = "../../" if i == 0 else "../../../"
            self.render("projects.md", part_file(f"projects/{did}", i), root=root,
                        doc=self.doc_view(d), part=i, parts=n_parts, summary=summary,
                        projects=[h if i == 0 else Markup(tmpl.render(root=root, p=b, doc_id=did))
                                  for b, h, p in zip(blocks, drawn, parts) if p == i])

    def project_view(self, p: dict, inds: dict, kids: list[dict], labels: dict) -> dict:
        kind = p.get("kind", "")
        rows_f = self.funds.get(p.get("project_id", ""), [])
        funds = dec(p.get("funds_total"))
        if funds is None:  # a sheet printing only its spending side: its total
            funds = next((dec(f["value"]) for f in rows_f if f.get("source") == "total" and f.get("unit") == "yuan"
                          and f.get("period") != "implementation"), None)
        measure = names_zh("project_funds", "measure") if rows_f else {}

        def amount(f: dict) -> str:
            v = dec(f.get("value"))
            if f.get("unit") == "yuan" and v is not None:
                return wan(v)
            return f"{f.get('value')}%" if f.get("unit") == "percent" else f.get("value") or "—"

        def kid_amount(k: dict):
            whole = next((dec(f["value"]) for f in self.funds.get(k.get("project_id", ""), [])
                          if f.get("period") == "implementation" and f.get("source") == "total"), None)
            return whole if whole is not None else dec(k.get("funds_total"))
        fields = []
        for key, value in p.items():
            if key in PROJECT_SKIP or not str(value).strip():
                continue
            label, money = labels.get(key, (PROJECT_FIELDS_ZH.get(key, key), key in MONEY_FIELDS))
            if money and dec(value) is not None:
                shown = wan(dec(value))
            elif key == "execution_rate" and dec(value) is not None:
                shown = f"{dec(value)}%"
            else:
                shown = value
            fields.append((label, shown))
        rows_ = inds.get(p.get("project_id", ""), [])
        cols = []
        if rows_:
            if len({i.get("phase", "") for i in rows_}) > 1:
                cols.append(("phase", "期间"))
            cols += [("level1", "一级指标"), ("level2", "二级指标"), ("name", "三级指标"), ("target_text", "指标值")]
            cols += [(k, lbl) for k, lbl in (("actual_text", "实际完成值"), ("weight", "分值"), ("score", "得分"),
                                              ("deviation_reason", "偏差原因")) if any(i.get(k) for i in rows_)]
        return {"id": f"p-{_slug_ok(p.get('project_id', ''))}", "name": p.get("name") or "（未注明名称）",
                "kind": PROJECT_KIND_ZH.get(kind, kind), "list_item": kind == "department_list_item",
                "funds": wan(funds) if funds is not None else "", "fields": fields,
                "line": p.get("source_line"), "line_end": p.get("line_end", ""),
                "unread": re.findall(r"\d+", p.get("unread_lines", ""))[:20] if (int_or_none(p.get("unread_rows")) or 0) > 0 else [],
                "kids": [{"name": k.get("name", ""), "line": k.get("source_line"), "funds": wan(kid_amount(k))} for k in kids],
                # every amount the form prints (project_funds), each linked to its line
                "funds_rows": [{"label": f.get("row_label", ""), "measure": measure.get(f.get("measure", ""), f.get("measure", "")),
                                "period": "实施期" if f.get("period") == "implementation" else f.get("period", ""),
                                "amount": amount(f), "line": f.get("source_line")} for f in rows_f],
                "columns": cols,
                "indicators": [{"cells": [i.get(k, "") for k, _ in cols], "line": i.get("source_line"),
                                "inferred": str(i.get("level1_inferred", "")).lower() == "true"} for i in rows_]}

    # --- source pages -------------------------------------------------------------------------------------
    @staticmethod
    def _source_parts(lines: list[str]) -> list[int]:
        sizes = [int(len(x.encode("utf-8")) * 1.1) + 72 for x in lines]  # escaping, and about 72 bytes of markup a line
        parts = pack(sizes)
        return [i + 1 for i, p in enumerate(parts) if i == 0 or p != parts[i - 1]]

    def source_pages(self, d: dict, lines: list[str]) -> None:
        did = d["doc_id"]
        starts = self.source_starts[did]
        bounds = list(zip(starts, starts[1:] + [len(lines) + 1]))
        # a PDF source: the line where each page begins, marked and linked to the page in the original
        page_starts = {int(p["line_start"]): int(p["page"]) for p in self.page_rows.get(did, [])
                       if str(p.get("line_start")).isdigit() and str(p.get("page")).isdigit()}
        for i, (a, b) in enumerate(bounds):
            self.render("source.md", part_file(f"sources/{did}", i), root="../../" if i == 0 else "../../../",
                        doc=self.doc_view(d), n_lines=len(lines), part=i,
                        parts=[(j, x, y - 1) for j, (x, y) in enumerate(bounds)],
                        lines=[(n, lines[n - 1], page_starts.get(n)) for n in range(a, b)])

    # --- home, index, glossary, data, quality -------------------------------------------------------------
    def home_page(self) -> None:
        """The home page: the corpus in figures. Its parts that grow with the corpus are bounded: an agency
        card each only up to HOME_CARDS agencies, the comparison of every document in pages of its own
        (`corpus_parts`, the first on the home page), the charts the HOME_BARS largest (all in their CSV)."""
        cards, rows = [], []
        if len(self.agencies) <= HOME_CARDS:
            for name, docs in self.agencies.items():
                cards.append({"name": name, "docs": [
                    {"id": d["doc_id"], "label": doc_label(d),
                     "figs": [self._short_fig(d, k) for k in ("expenditure", "three_public")]} for d in docs]})
        for d in self.docs:
            f = self.home_figs[d["doc_id"]]
            rows.append({"id": d["doc_id"], "agency": d.get("agency") or d["doc_id"], "label": doc_label(d),
                         "figs": [self._short_fig(d, k) for k, _ in HEADLINE],
                         "share": pct(f["basic_share"].value) if "basic_share" in f else "—"})
        labels = [lbl for _, lbl in HEADLINE]
        later = self.macros("../../")
        drawn = [later.compare_table([r], labels) for r in rows]
        parts = self.corpus_parts("index.md", "compare", [r["id"] for r in rows],
                                  [len(h.encode("utf-8")) - 400 for h in drawn], every=16, budget=PAGE_BUDGET // 3)
        for p in parts:
            mine = [rows[i] for i in p["items"]]
            p["label"] = f"{mine[0]['agency']} — {mine[-1]['agency']}" if mine else "—"
        charts = []
        for key, title in (("expenditure", "各部门总支出"), ("three_public", "各部门三公经费")):
            items = [(d, self.home_figs[d["doc_id"]][key]) for d in self.docs
                     if self.home_figs[d["doc_id"]][key].value is not None]
            items.sort(key=lambda x: -x[1].value)
            if not items:
                continue
            vmax = max(f.value for _, f in items) or Decimal(1)
            rel = f"downloads/charts/home-{key}.csv"
            self.write(rel, csv_text([["部门", "文件", "金额（万元）", "金额（元）", "出处", "原文行"]] +
                                     [[d.get("agency", ""), doc_label(d), wan(f.value, unit=False).replace(",", ""),
                                       str(f.value), "文字说明" if f.fact is None else "表格", f.source_line or ""]
                                      for d, f in items]))
            charts.append({"key": key, "title": title, "csv": rel, "n": len(items), "bars": [
                {"label": f"{d.get('agency')}（{doc_label(d)}）", "doc_id": d["doc_id"], "value": wan(f.value),
                 "width": f"{float(f.value * 100 / vmax) if vmax > 0 else 0:.1f}", "line": f.source_line,
                 "from_text": f.fact is None} for d, f in items[:HOME_BARS]]})
        for p in parts[1:]:
            self.render("compare.md", p["file"], root=p["root"], part=p["n"], parts=parts,
                        rows=[rows[i] for i in p["items"]], headline_labels=labels, n_docs=len(self.docs))
        self.render("home.md", "index.md", root="", n_agencies=len(self.agencies), n_docs=len(self.docs),
                    n_facts=self.n_facts, cards=cards, rows=[rows[i] for i in parts[0]["items"]], parts=parts,
                    charts=charts, headline_labels=labels)

    def _short_fig(self, d: dict, key: str) -> dict:
        f = self.home_figs[d["doc_id"]][key]
        return {"value": wan(f.value, unit=False) if f.value is not None else "", "line": f.source_line,
                "from_text": f.fact is None and f.text is not None, "label": f.label}

    def agency_index(self) -> None:
        """A row per agency, with filters; in parts of a bounded size (`corpus_parts`) when they would not fit
        on one page (the filters' choices are those of the whole corpus, and act on the rows of the page)."""
        rows = []
        for name, docs in self.agencies.items():
            region, level = region_level(name)
            rows.append({"name": name, "region": region, "level": level,
                         "years": sorted({d.get("fiscal_year", "") for d in docs}),
                         "kinds": sorted({KIND_ZH.get(d.get("kind", ""), d.get("kind", "")) for d in docs}),
                         "docs": [{"id": d["doc_id"], "label": doc_label(d)} for d in docs]})
        options = {k: sorted({v for r in rows for v in ([r[k]] if isinstance(r[k], str) else r[k]) if v})
                   for k in ("region", "level", "years", "kinds")}
        later = self.macros("../../")
        sizes = [len(later.agency_row(r).encode("utf-8")) for r in rows]
        parts = self.corpus_parts("agency/index.md", "agency/list", [self.slug[r["name"]] for r in rows], sizes,
                                  every=16, budget=PAGE_BUDGET * 2 // 3)  # the filters' choices come first
        for p in parts:
            mine = [rows[i] for i in p["items"]]
            p["label"] = f"{mine[0]['name']} — {mine[-1]['name']}" if mine else "—"
        for p in parts:
            self.render("agency_index.md", p["file"], root=p["root"], rows=[rows[i] for i in p["items"]],
                        options=options, part=p["n"], parts=parts, n_agencies=len(rows))

    def glossary_page(self) -> None:
        for p in self.glossary_parts:
            mine = [self.glossary_terms[i] for i in p["items"]]
            if p["n"] == 0:  # the first part's links are one level up
                here = self.macros(p["root"])
                blocks = [here.glossary_term(t) for t in mine]
            else:
                blocks = [t["html"] for t in mine]
            self.render("glossary.md", p["file"], root=p["root"], part=p["n"], parts=self.glossary_parts,
                        blocks=blocks, n_terms=len(self.glossary_terms))

    def data_page(self) -> None:
        desc = self.pkg.descriptor
        zips = sorted(self.pkg.root.glob("*.zip"))
        resources = []
        for r in desc.get("resources", []):
            path = r.get("path")
            if not isinstance(path, str):
                continue
            pq = r.get("parquet_path") or (path[:-4] + ".parquet" if path.endswith(".csv") else "")
            resources.append({"name": r["name"], "title": r.get("title") or r.get("description") or "",
                              "rows": f"{n:,}" if (n := self.pkg.count(r["name"])) is not None else "",
                              "csv": path if (self.pkg.root / path).exists() else "",
                              "parquet": pq if pq and (self.pkg.root / pq).exists() else ""})
        howto = self.repo_root / "site_src" / "partials" / "data-howto.md"
        files = []  # everything this build offers under downloads/ by now: the package, table CSVs, chart data, sources
        for rel in sorted((f for f in self.written if f.startswith("downloads/")), key=lambda f: f.split("/")):
            digest = self.digests.get(rel)
            if digest is None:  # neither recorded by the package build nor written here: read it
                self.hashed.append(rel)
                h, size = hashlib.sha256(), 0
                with (self.out / rel).open("rb") as f:
                    while block := f.read(1 << 20):
                        h.update(block)
                        size += len(block)
                digest = (h.hexdigest(), size)
                self.hashed_bytes += size
            files.append({"path": rel.removeprefix("downloads/"), "bytes": f"{digest[1]:,}", "sha256": digest[0]})
        # the downloads made for the whole package; each document's workbook is linked from its agency page
        # and listed with the other files below
        exports = [{"path": e["path"], "name": e["path"].split("/")[-1], "title": e.get("title", ""),
                    "bytes": f'{e["bytes"]:,}', "sha256": e["sha256"]} for e in read_manifest(self.pkg.root)
                   if not e.get("doc_id")]
        n_books = sum(1 for e in read_manifest(self.pkg.root) if e.get("doc_id"))
        parts = self.corpus_parts("data.md", "data", [f["path"] for f in files],
                                  [2 * len(f["path"].encode("utf-8")) + 170 for f in files], every=64,
                                  budget=PAGE_BUDGET * 2 // 3)  # the first part also holds the data dictionary
        for p in parts:
            mine = [files[i] for i in p["items"]]
            p["label"] = f"{mine[0]['path']} — {mine[-1]['path']}" if mine else "—"
        common = {"zip": {"name": zips[0].name, "size": _size(zips[0])} if zips else None, "resources": resources,
                  "exports": exports, "n_books": n_books, "n_files": len(files), "parts": parts,
                  "howto": howto.read_text(encoding="utf-8").strip() if howto.exists() else ""}
        for p in parts:
            self.render("data.md", p["file"], root=p["root"], part=p["n"], files=[files[i] for i in p["items"]],
                        dictionary=self.data_dictionary() if p["n"] == 0 else "", **common)

    def data_dictionary(self) -> str:
        """The package module's data dictionary (Markdown, generated from the schemas), one level down."""
        try:
            from ..package import data_dictionary_markdown
            md = data_dictionary_markdown()
        except Exception as exc:  # noqa: BLE001
            self.warnings.append(f"data dictionary from the package module unavailable ({exc})")
            return ""
        md = re.sub(r"^(#{1,5}) ", lambda m: "#" + m.group(1) + " ", md, flags=re.M)
        md = re.sub(r"^## (数据字典.*)$", "", md, count=1, flags=re.M)
        return md.strip() + "\n"

    def quality_page(self) -> None:
        """The findings of every document, in parts of a bounded size (`corpus_parts`), a document's rows on
        one part; the first part also says how many there are in all and lists the rules."""
        quality = {q.get("doc_id"): q for q in self.pkg["quality"]}
        by_doc: dict[str, list[dict]] = {}
        for f in self.pkg["findings"]:
            by_doc.setdefault(f.get("doc_id", ""), []).append(f)
        later = self.macros("../../")
        items = []  # per document: its summary cells, its findings drawn as rows (for a later part)
        for d in self.docs:
            did = d["doc_id"]
            q = quality.get(did, {})
            views = self.finding_views(by_doc.get(did, []))  # numbered per document, as on its agency page
            items.append({"doc": {"id": did, "agency": d.get("agency", ""), "label": doc_label(d)},
                          "cells": [q.get(k, "") for k in ("rules_run", "rules_passed", "errors", "warnings", "infos")]
                          + [str(len(views))], "views": views,
                          "rows": Markup("\n".join(later.finding_row(v, True) for v in views))})
        parts = self.corpus_parts("quality.md", "quality", [x["doc"]["id"] for x in items],
                                  [len(x["rows"].encode("utf-8")) + 400 for x in items], every=4,
                                  budget=PAGE_BUDGET * 7 // 9)  # the first part also lists the rules
        for p in parts:
            first, last = items[p["items"][0]]["doc"] if p["items"] else {}, items[p["items"][-1]]["doc"] if p["items"] else {}
            p["label"] = f"{first.get('agency', '')} — {last.get('agency', '')}" if p["items"] else "—"
        totals = {k: sum(int_or_none(x["cells"][i]) or 0 for x in items) for i, k in enumerate(("rules_run", "rules_passed", "errors", "warnings", "infos", "findings"))}
        try:
            from ..validate.catalogue import catalogue_markdown
            catalogue = re.sub(r"^(#{1,5}) ", lambda m: "##" + m.group(1) + " ", catalogue_markdown(), flags=re.M)
        except Exception as exc:  # noqa: BLE001
            self.warnings.append(f"rule catalogue unavailable: {exc}")
            catalogue = ""
        for p in parts:
            mine = [items[i] for i in p["items"]]
            if p["n"] == 0:  # the first part's rows link from one level up
                here = self.macros(p["root"])
                rows = Markup("\n".join(here.finding_row(v, True) for x in mine for v in x["views"]))
            else:
                rows = Markup("\n".join(x["rows"] for x in mine if x["rows"]))
            self.render("quality.md", p["file"], root=p["root"], part=p["n"], parts=parts,
                        summary=[{**x["doc"], "cells": x["cells"]} for x in mine], rows=rows,
                        n_docs=len(self.docs), totals=totals, severities=list(SEVERITY_ZH.items()),
                        catalogue=catalogue if p["n"] == 0 else "")


def cell_grid(cells: list[dict]) -> dict[tuple[int, int], dict]:
    """(row, column) → cell, each cell in the header column the parser assigned it (`grid_col`): a row
    printed with a wider or narrower label block shows its amounts under their own headers."""
    grid: dict[tuple[int, int], dict] = {}
    for c in cells:
        r = int_or_none(c.get("row"))
        k = int_or_none(c.get("grid_col")) or int_or_none(c.get("col"))
        if r is not None and k is not None:
            grid.setdefault((r, k), c)
    return grid


def _size(p: Path) -> str:
    n = p.stat().st_size
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{n / 1024:.0f} KB"


