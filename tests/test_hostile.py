"""A hostile corpus, built beside one good disclosure: what a careless or hostile contributor might commit.

The corpus is generated here in a temporary folder (never committed): sidecars with ids that climb out of
the output folder or carry markup, symlinks out of the sources, a FIFO and a folder named like a
disclosure, a file over the size limit, a line of 800,000 characters, amounts that overflow or carry too
many decimals, personal mobile and ID numbers (ASCII and fullwidth, in cells, text, titles, sidecars and a
file name), spreadsheet formulas, the same file twice and two files that would get the same id.

Built end to end with the real command line and the real site generator, then checked:
nothing is written outside the output; nothing from outside the sources is published; no live attribute
or script is in any page (also in the browser); no personal number is in any published file; the good
document's facts equal those of a clean build; `frictionless validate` passes.
"""
from __future__ import annotations

import csv
import functools
import io
import os
import re
import subprocess
import sys
import uuid
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from serve import serve

ROOT = Path(__file__).resolve().parent.parent
GOOD = "002_ddb67f563ca0ac16.txt"  # a real disclosure with many facts

SECRET = "OUTSIDE-THE-SOURCES-7f3a9c"  # in a file outside the sources that a symlink points to
XSS_ATTR = 'x" autofocus onfocus="window.__pwned=1;alert(1)" y="'
XSS_TAG = '<img src=x onerror="window.__pwned=1;alert(1)">'
FORMULA = '=HYPERLINK("http://evil.example/","click")'
# planted personal numbers: how each is printed, and its digits (which must never be published)
MOBILES = ["13812345678", "１３９８７６５４３２１", "+86 137 1111 2222", "15055556666"]
RESIDENT_IDS = ["11010519491231002X", "４４０３０６１９９９０２２８１２３４", "310104200001011234"]
LANDLINES = ["010-87654321", "0571-88886666"]
MOBILE_IN_PDF = "13612340000"
# Markdown and template syntax in a disclosure's text: shown as printed, never a link or an evaluated template
MARKUP_IN_TEXT = "详见[点我](javascript:alert(1))与{{ 7*7 }}{% raw %}"
ABSOLUTE_TARGET = Path(f"/tmp/fiscal-hostile-{uuid.uuid4().hex}/x")  # a doc_id that names an absolute path


def digits(text: str) -> str:
    return re.sub(r"\D", "", text.translate(str.maketrans("０１２３４５６７８９Ｘ", "0123456789X")).replace("X", "0"))


def disclosure(agency: str, rows: list[tuple[str, str]], text: str = "", year: int = 2024) -> str:
    """A small budget disclosure: a title, a 部门收支总表 with the given rows (label, amount), a text part."""
    lines = [f"{agency}{year}年部门预算公开", "一、部门收支总表", "部门收支总表", "单位：万元", "项目\t预算数"]
    lines += [f"{label}\t{amount}" for label, amount in rows]
    lines += ["收入总计\t100.00", "", "二、情况说明", text or f"{agency}的说明。", ""]
    return "\n".join(lines)


def tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text layer holds `lines` (ASCII, Helvetica), written by hand."""
    content = "BT /F1 12 Tf 72 720 Td " + " ".join(f"({t}) Tj 0 -16 Td" for t in lines) + " ET"
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            "/Resources << /Font << /F1 5 0 R >> >> >>",
            f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    return out + f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()


def make_corpus(world: Path) -> Path:
    """The sources folder of the hostile corpus inside `world` (with an `outside` folder beside it)."""
    src, outside = world / "sources", world / "outside"
    src.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text(disclosure("外部机密局", [("一、收入", "1.00")], SECRET), encoding="utf-8")
    (src / GOOD).write_bytes((ROOT / "disclosures" / GOOD).read_bytes())

    def add(name: str, text: str, sidecar: str | None = None):
        (src / name).write_text(text, encoding="utf-8")
        if sidecar is not None:
            (src / name).with_suffix("").with_suffix(".meta.json").write_text(sidecar, encoding="utf-8")

    # ids that climb out of the output, markup in ids and names, a wrong year, kind, url and date
    add("a1.txt", disclosure("攻击一局", [("一、收入", "1.00")]),
        '{"doc_id": "../../outside/pwned", "agency_id": "%s"}' % XSS_ATTR.replace('"', '\\"'))
    add("a2.txt", disclosure("攻击二局", [("一、收入", "2.00")]),
        '{"doc_id": "%s", "fiscal_year": "abc", "kind": "bogus", "unit": "美元",'
        ' "source_url": "javascript:alert(1)", "published": "2024-13-45", "extra_key": 1}' % ABSOLUTE_TARGET)
    add("a3.txt", disclosure("攻击三局", [("一、收入", "3.00")]), '{"doc_id": "..", "agency_id": ".."}')
    add("a4.txt", disclosure("攻击四局", [("一、收入", "4.00")]),
        '{"agency": "%s", "title": "%s", "source_url": "https://example.org/a4.pdf", "published": "2024-02-01"}'
        % (XSS_TAG.replace('"', '\\"'), f"标题{MOBILES[0]}"))
    add("a5.txt", disclosure("攻击五局", [("一、收入", "5.00")]), '["not", "an", "object"]')
    add("a6.txt", disclosure("攻击六局", [("一、收入", "6.00")]), '{"fiscal_year": 1800, "doc_id": "' + "a" * 101 + '"}')
    add("a7.txt", disclosure("攻击七局", [("一、收入", "6.50")]), "[" * 60_000)  # nested too deep for the parser
    add("a8.txt", disclosure("攻击八局", [("一、收入", "6.70")]), '{"agency": "\\u202e局八击攻", "title": "a\\nb"}')
    # amounts: overflow, too many decimals, fullwidth, accounting negatives, dashes
    add("amounts.txt", disclosure("数字测试局", [
        ("一、一般公共预算拨款收入", "12345678901234567890123"), ("二、事业收入", "0.123456789"),
        ("三、其他收入", "（１，２３４．５０）"), ("四、上级补助收入", "(1,234.00)"), ("五、附属单位上缴收入", "——")]))
    # personal numbers in cells and text; landlines; formulas and markup in cells
    add("personal.txt", disclosure("个人信息局", [
        ("一、联系人手机", MOBILES[0]), ("二、备用手机", MOBILES[1]), ("三、身份证", RESIDENT_IDS[0]),
        (FORMULA, "1.00"), (f"四、{XSS_TAG}", "2.00"), ("@SUM(A1:A9)", "3.00")],
        f"填报人：张三，手机 {MOBILES[2]}，身份证 {RESIDENT_IDS[1]}，另 {MOBILES[3]}、{RESIDENT_IDS[2]}；"
        f"办公电话 {LANDLINES[0]}，传真 {LANDLINES[1]}。{MARKUP_IN_TEXT}"))
    # a PDF that prints a mobile number: its text is masked, and the original (which cannot be) not offered
    (src / "contact.pdf").write_bytes(tiny_pdf([f"Contact {MOBILE_IN_PDF}", f"Office {LANDLINES[0]}"]))
    # a personal number in a file name
    add(f"{MOBILES[3]}.txt", disclosure("文件名局", [("一、收入", "7.00")]))
    # a line of 800,000 characters where the title belongs
    add("longline.txt", "标" * 800_000 + "\n" + disclosure("长行局", [("一、收入", "8.00")]))
    # the same bytes twice; two files that would get the same id
    add("dup1.txt", disclosure("重复局", [("一、收入", "9.00")]))
    add("dup2.txt", disclosure("重复局", [("一、收入", "9.00")]))
    add("same1.txt", disclosure("同名局", [("一、收入", "10.00")]))
    add("same2.txt", disclosure("同名局", [("一、收入", "11.00")]))
    # not regular files inside the sources
    (src / "passwd.txt").symlink_to("/etc/passwd")
    (src / "secret.txt").symlink_to(outside / "secret.txt")
    (src / "dangling.txt").symlink_to(world / "nowhere.txt")
    (src / "loop.txt").symlink_to(src / "loop.txt")
    (src / "dir.txt").mkdir()
    os.mkfifo(src / "fifo.txt")
    (src / "linked.meta.json").symlink_to("/etc/passwd")
    add("linked.txt", disclosure("链接局", [("一、收入", "12.00")]))
    with open(src / "huge.txt", "wb") as f:  # sparse: over the size limit without using the disk
        f.truncate(17 * 2**20)
    return src


def build(src: Path, out: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "pipeline", "build", "--sources", str(src), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc


def listing(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): (p.lstat().st_size if p.is_file() and not p.is_symlink() else -1)
            for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict:
    world = tmp_path_factory.mktemp("hostile")
    src = make_corpus(world)
    before = listing(world)
    out = world / "datapackage"  # beside the sources, as in the repository: the site finds them from there
    proc = build(src, out)
    from pipeline.site import build as build_site

    site = world / "site"
    build_site(out, site, docs_dir=world / "site_docs")
    clean_src = world / "clean"
    clean_src.mkdir()
    (clean_src / GOOD).write_bytes((ROOT / "disclosures" / GOOD).read_bytes())
    clean = build(clean_src, world / "clean_out" / "datapackage")
    return {"world": world, "src": src, "out": out, "site": site, "before": before, "proc": proc,
            "clean": world / "clean_out" / "datapackage", "clean_proc": clean}


def rows(folder: Path, name: str) -> list[dict]:
    with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def published_texts(h: dict) -> dict[str, str]:
    """Every published file as text: package files (Parquet as its string values, the zip's members) and
    every file of the built site."""
    texts = {}
    for base in (h["out"], h["site"]):
        for p in sorted(base.rglob("*")):
            if not p.is_file():
                continue
            if p.suffix == ".parquet":
                table = pq.read_table(p)
                texts[str(p)] = "\n".join(str(v) for col in table.columns for v in col.to_pylist())
            elif p.suffix in (".zip", ".xlsx"):
                with zipfile.ZipFile(p) as zf:
                    for m in zf.namelist():
                        texts[f"{p}!{m}"] = zf.read(m).decode("utf-8", errors="replace") if not m.endswith(".parquet") \
                            else "\n".join(str(v) for col in pq.read_table(io.BytesIO(zf.read(m))).columns
                                           for v in col.to_pylist())
            else:
                texts[str(p)] = p.read_bytes().decode("utf-8", errors="replace")
    return texts


# --- nothing written outside, nothing read from outside -------------------------------------------
def test_nothing_is_written_outside_the_output(hostile):
    after = listing(hostile["world"])
    ours = ("datapackage", "site", "site_docs", "clean_out", "clean")
    new_or_changed = {k for k in after if after[k] != hostile["before"].get(k) and k.split("/")[0] not in ours}
    assert not new_or_changed
    assert not (hostile["world"] / "outside" / "pwned").exists()
    assert not ABSOLUTE_TARGET.parent.exists()
    assert not list(hostile["world"].glob(".datapackage*"))  # no temporary folder left
    assert (hostile["out"] / "facts.csv").stat().st_size > 1000  # `doc_id: ".."` did not empty it


def test_nothing_from_outside_the_sources_is_published(hostile):
    for name, text in published_texts(hostile).items():
        assert SECRET not in text, name
        assert "外部机密局" not in text, name
        assert "root:x:0:0" not in text, name
        assert str(hostile["world"]) not in text, f"a machine path in {name}"
    for d in rows(hostile["out"], "documents"):
        assert not d["source_file"].startswith("/") and ".." not in d["source_file"].split("/")
        assert (hostile["world"] / d["source_file"]).resolve().is_relative_to(hostile["src"])


def test_what_was_refused_is_reported_with_its_reason(hostile):
    report = {r["source_file"].split("/")[-1]: r for r in rows(hostile["out"], "build_report")}
    assert "outside the sources folder" in report["passwd.txt"]["message"]
    assert "outside the sources folder" in report["secret.txt"]["message"]
    assert "not a regular file" in report["fifo.txt"]["message"]
    assert "a folder" in report["dir.txt"]["message"]
    assert "cannot be opened" in report["dangling.txt"]["message"] and "cannot be opened" in report["loop.txt"]["message"]
    assert re.search(r"over the limit of [\d,]+ bytes", report["huge.txt"]["message"])
    assert "the same bytes as" in report["dup2.txt"]["message"]
    assert set(report) == {"passwd.txt", "secret.txt", "fifo.txt", "dir.txt", "dangling.txt", "loop.txt",
                           "huge.txt", "dup2.txt"}


# --- ids and sidecars -----------------------------------------------------------------------------
def test_every_id_matches_the_declared_pattern(hostile):
    from pipeline.schema import field

    docs = rows(hostile["out"], "documents")
    for key in ("doc_id", "agency_id"):
        decl = field("documents", key)
        for d in docs:
            assert re.fullmatch(decl["pattern"], d[key]) and len(d[key]) <= decl["maxLength"], d[key]
    assert len({d["doc_id"] for d in docs}) == len(docs)


def test_wrong_sidecar_values_are_located_and_the_document_still_builds(hostile):
    report = rows(hostile["out"], "parse_report")
    docs = {d["source_file"].split("/")[-1]: d for d in rows(hostile["out"], "documents")}
    for name in ("a1.txt", "a2.txt", "a3.txt", "a4.txt", "a5.txt", "a6.txt", "a7.txt", "a8.txt"):
        assert name in docs, f"{name} was not published"
    messages = "\n".join(r["message"] for r in report)
    for key in ("doc_id", "agency_id", "fiscal_year", "kind", "unit", "source_url", "published", "extra_key"):
        assert f"key '{key}'" in messages, key
    assert "expected a JSON object" in messages
    assert "sidecar is a symbolic link out of the sources folder" in messages
    assert "sidecar not read: RecursionError" in messages
    assert docs["a8.txt"]["agency"] == "攻击八局" and "control characters" in messages
    a2 = docs["a2.txt"]
    assert a2["fiscal_year"] == "2024" and a2["kind"] == "budget" and a2["source_url"] == "" and a2["published"] == ""
    assert docs["a4.txt"]["source_url"] == "https://example.org/a4.pdf" and docs["a4.txt"]["published"] == "2024-02-01"
    assert docs["a6.txt"]["fiscal_year"] == "2024"
    assert re.search(r"a2\.meta\.json:1: error: key 'fiscal_year'", hostile_verbose(hostile))


@functools.lru_cache(maxsize=1)
def _verbose(src: str, out: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "pipeline", "build", "-v", "--sources", src, "--out", out],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    return proc.stdout + proc.stderr


def hostile_verbose(h: dict) -> str:
    return _verbose(str(h["src"]), str(h["world"] / "verbose_out" / "datapackage"))


def test_same_bytes_once_and_colliding_ids_distinct_whatever_the_file_order(hostile, tmp_path):
    docs = rows(hostile["out"], "documents")
    assert sum(1 for d in docs if d["agency"] == "重复局") == 1
    same = sorted(d["doc_id"] for d in docs if d["agency"] == "同名局")
    assert len(same) == 2 and len(set(same)) == 2
    # the same two files under swapped names get the same two ids
    src = tmp_path / "swapped"
    src.mkdir()
    (src / "zz.txt").write_bytes((hostile["src"] / "same1.txt").read_bytes())
    (src / "aa.txt").write_bytes((hostile["src"] / "same2.txt").read_bytes())
    build(src, tmp_path / "out")
    assert sorted(d["doc_id"] for d in rows(tmp_path / "out", "documents")) == same


# --- isolation, amounts, size ---------------------------------------------------------------------
def test_bad_amounts_are_located_and_the_rest_is_published(hostile):
    docs = {d["source_file"].split("/")[-1]: d["doc_id"] for d in rows(hostile["out"], "documents")}
    doc = docs["amounts.txt"]
    facts = {f["row_label"]: f for f in rows(hostile["out"], "facts") if f["doc_id"] == doc}
    assert facts["三、其他收入"]["value"] == "-12345000.00"  # （１，２３４．５０） 万元
    assert facts["四、上级补助收入"]["value"] == "-12340000.00"
    assert "一、一般公共预算拨款收入" not in facts and "二、事业收入" not in facts
    cells = {c["text"] for c in rows(hostile["out"], "cells") if c["doc_id"] == doc}
    assert {"12345678901234567890123", "0.123456789"} <= cells  # nothing lost: kept as printed
    report = [r for r in rows(hostile["out"], "parse_report") if r["doc_id"] == doc and r["severity"] == "error"]
    assert len(report) == 2 and all(r["source_line"] and "does not fit" in r["message"] for r in report)


def test_a_long_line_is_reported_and_never_a_title(hostile):
    docs = {d["source_file"].split("/")[-1]: d for d in rows(hostile["out"], "documents")}
    d = docs["longline.txt"]
    assert len(d["title"]) < 1000 and "标标标" not in d["title"]
    msgs = [r for r in rows(hostile["out"], "parse_report") if r["doc_id"] == d["doc_id"]]
    assert any(r["source_line"] == "1" and "800,000 characters" in r["message"] for r in msgs)
    for t in rows(hostile["out"], "tables") + rows(hostile["out"], "sections"):
        assert "标标标" not in t.get("title", "") + t.get("text", "") + t.get("heading", "")


def test_the_good_document_is_published_as_in_a_clean_build(hostile):
    def good_facts(folder):
        docs = [d["doc_id"] for d in rows(folder, "documents") if d["source_file"].endswith(GOOD)]
        assert len(docs) == 1
        return [{k: v for k, v in f.items()} for f in rows(folder, "facts") if f["doc_id"] == docs[0]]

    clean = good_facts(hostile["clean"])
    assert len(clean) > 100
    assert good_facts(hostile["out"]) == clean


def test_frictionless_validate_passes(hostile):
    import frictionless

    report = frictionless.validate(hostile["out"] / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


# --- personal data --------------------------------------------------------------------------------
def test_no_personal_number_is_in_any_published_file(hostile):
    secrets = [digits(n) for n in MOBILES + [MOBILE_IN_PDF]] + [digits(n)[:17] for n in RESIDENT_IDS]
    secrets = [s[-11:] if len(s) > 11 and s.startswith("86") and len(s) == 13 else s for s in secrets]
    texts = published_texts(hostile)
    assert len(texts) > 50
    for name, text in texts.items():
        flat = digits(text)  # fullwidth digits as ASCII, every separator dropped: no way to hide a number
        for s in secrets:
            assert s not in flat, f"{s} published in {name}"
    source_pages = [t for n, t in texts.items() if "/sources/" in n]
    assert source_pages, "the site's source pages and downloads were checked too"
    for landline in LANDLINES:  # office numbers stay as printed
        assert any(landline in t for n, t in texts.items() if n.endswith("cells.csv") or n.endswith("sections.csv"))


def test_a_pdf_that_prints_a_personal_number_is_not_offered_as_the_original(hostile):
    docs = {d["source_file"].split("/")[-1]: d for d in rows(hostile["out"], "documents")}
    pdf = docs["contact.pdf"]
    assert pdf["personal_numbers_masked"] == "1" and pdf["page_count"] == "1"
    assert "136****0000" in (hostile["out"] / "sources" / f"{pdf['doc_id']}.txt").read_text(encoding="utf-8")
    assert (hostile["site"] / "sources" / pdf["doc_id"] / "index.html").is_file()
    assert not list((hostile["site"] / "downloads" / "sources").glob("*.pdf"))


def test_masking_is_counted_per_document(hostile):
    docs = {d["source_file"].split("/")[-1]: d["doc_id"] for d in rows(hostile["out"], "documents")}
    report = [r for r in rows(hostile["out"], "parse_report")
              if r["doc_id"] == docs["personal.txt"] and "personal data masked" in r["message"]]
    assert len(report) == 1
    assert "4 mobile numbers" in report[0]["message"] and "3 resident ID numbers" in report[0]["message"]
    cells = [c["text"] for c in rows(hostile["out"], "cells") if c["doc_id"] == docs["personal.txt"]]
    assert "138****5678" in cells and "110***********002X" in cells
    assert any(d.endswith("150****6666.txt") for d in docs)  # the file name's number masked too


# --- spreadsheets ---------------------------------------------------------------------------------
def test_formulas_are_neutralised_in_the_site_downloads_and_exact_in_the_package(hostile):
    cells = [c["text"] for c in rows(hostile["out"], "cells")]
    assert FORMULA in cells and "@SUM(A1:A9)" in cells  # the canonical package keeps the text exact
    downloads = list((hostile["site"] / "downloads" / "tables").glob("*.csv"))
    values = [v for p in downloads for row in csv.reader(p.read_text(encoding="utf-8-sig").splitlines()) for v in row]
    assert "'" + FORMULA in values and "'@SUM(A1:A9)" in values
    assert not [v for v in values if v[:1] in ("=", "+", "@") or (v[:1] == "-" and not re.fullmatch(r"-[\d,.]+%?|-+", v))]
    assert any(re.fullmatch(r"\d[\d,]*\.\d+", v) for v in values)  # numbers stay numbers


# --- the site ---------------------------------------------------------------------------------------
class LiveMarkup(HTMLParser):
    """Attributes that run script, and scripts that are not the site's own."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.live: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on") or name == "autofocus":
                self.live.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src") and (value or "").strip().lower().startswith(("javascript:", "data:text")):
                self.live.append(f"<{tag} {name}={value!r}>")
        self._script = tag == "script"

    def handle_data(self, data):
        if self._script and ("__pwned" in data or "alert(" in data):
            self.live.append(f"<script>{data[:80]}")

    def handle_endtag(self, tag):
        self._script = False


def test_no_live_attribute_or_script_in_any_page(hostile):
    pages = sorted(hostile["site"].rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        p = LiveMarkup()
        p.feed(page.read_text(encoding="utf-8"))
        assert not p.live, f"{page.relative_to(hostile['site'])}: {p.live[:3]}"
    agency = "\n".join(p.read_text(encoding="utf-8") for p in (hostile["site"] / "agency").glob("*/index.html"))
    assert "&lt;img src=x onerror=" in agency  # the planted markup shows as text
    assert "[点我](javascript:alert(1))" in agency and "{{ 7*7 }}{% raw %}" in agency  # as printed


def test_nothing_runs_in_the_browser(hostile, browser_context):
    site = hostile["site"]
    paths = ["/" + p.parent.relative_to(site).as_posix() + "/" for p in sorted(site.rglob("index.html"))
             if p.parent != site] + ["/"]
    pg = browser_context.new_page()
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with serve(site) as base:
        for url in (base + p for p in paths):
            pg.goto(url, wait_until="load")
            pg.keyboard.press("Tab")  # move focus, as a reader would: onfocus would fire now
            pg.wait_for_timeout(50)
            live = pg.evaluate("""() => [window.__pwned === 1,
                [...document.querySelectorAll('*')].flatMap(e => [...e.attributes].map(a => a.name))
                    .filter(n => n.startsWith('on') || n === 'autofocus')]""")
            assert live == [False, []], (url, live)
    pg.close()
    assert not dialogs, dialogs
    assert len(paths) > 10


def test_the_site_escapes_ids_even_from_a_tampered_package(hostile, tmp_path):
    """The site does not rely on the package stage: ids with markup or path parts, put straight into a
    package's documents.csv, give no live attribute and no file outside the pages folder."""
    import shutil

    from pipeline.site import generate
    from pipeline.site.stash import read_page

    pkg = tmp_path / "datapackage"
    shutil.copytree(hostile["out"], pkg)
    docs = rows(pkg, "documents")
    docs[0]["agency_id"] = XSS_ATTR
    docs[1]["agency_id"] = "../../../escaped"
    with (pkg / "documents.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(docs[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(docs)
    generate(pkg, tmp_path / "pages")
    assert not (tmp_path / "escaped.md").exists() and not list(tmp_path.glob("*.md"))
    for page in (tmp_path / "pages").rglob("*.md"):
        p = LiveMarkup()
        p.feed(read_page(tmp_path / "pages", page.relative_to(tmp_path / "pages").as_posix()))
        assert not p.live, f"{page.relative_to(tmp_path)}: {p.live[:3]}"


def test_the_real_disclosures_publish_no_personal_mobile_number(tmp_path_factory):
    """The five disclosures print the mobile numbers of whoever filled in their forms: none is published."""
    from package_build import session_package

    pkg = session_package(tmp_path_factory)
    mobile = re.compile(r"(?<![\d.])1[3-9]\d{9}(?![\d.])")
    masked = re.compile(r"(?<![\d*])1[3-9]\d\*{4}\d{4}(?![\d*])")
    found, shown = [], 0
    for p in sorted(pkg.rglob("*.csv")):
        text = p.read_text(encoding="utf-8")
        found += [(p.name, m.group(0)) for m in mobile.finditer(text)]
        if p.name == "cells.csv" and p.parent == pkg:
            shown = len(masked.findall(text))
    assert not found, found[:5]
    assert shown >= 1  # they are there, masked
    report = [r for r in rows(pkg, "parse_report") if "personal data masked" in r["message"]]
    assert report and all(r["severity"] == "info" and r["source_line"] for r in report)


def test_a_text_without_fullwidth_digits_is_masked_as_one_with_them():
    """mask_lines looks for candidates starting with an ASCII 1 or 2 when the text has no fullwidth １ or ２
    (a faster search): the lines are masked as when the full search is made."""
    from pipeline.privacy import mask_lines

    lines = ["联系电话 13812345678", "身份证 110101199001011234，金额 1,234.56", "2024年 1,900.00"]
    masked, counts, where = mask_lines(lines)
    assert masked[0] == "联系电话 138****5678" and masked[1].startswith("身份证 110***********1234")
    assert masked[2] == lines[2] and where == [1, 2] and sum(counts.values()) == 2
    full, full_counts, full_where = mask_lines(lines + ["１"])  # a fullwidth 1 anywhere: the full search
    assert full[:3] == masked and full_counts == counts and full_where == where
