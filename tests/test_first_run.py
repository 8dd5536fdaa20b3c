"""A newcomer's first run (issue 17): the Makefile finds a Python by itself, the build prints one line per
document and a closing summary, `serve` prints an address that serves the site, site_url/repo_url come
from the environment, and browser tests that did not run are named at the end (and fail CI)."""
from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DISCLOSURES = sorted((ROOT / "disclosures").glob("*.txt"))


def run_build(sources: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "build", "--sources", str(sources), "--out", str(out),
                           *extra], cwd=ROOT, capture_output=True, text=True, timeout=300)


def shown_folder(sources: Path) -> str:
    """How a document outside the repository is named (source_file): its folder's name, never a machine path."""
    return f"{sources.name}/"


# --- the build's output -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def quiet_build(tmp_path_factory):
    """Every disclosure, one of them with its tables taken out (no money tables and no word why), plus an
    empty and a binary file."""
    src = tmp_path_factory.mktemp("sources")
    for p in DISCLOSURES:
        shutil.copy(p, src / p.name)
    donor = next(p for p in DISCLOSURES if "另附" not in p.read_text(encoding="utf-8"))
    text = donor.read_text(encoding="utf-8").split("\n")
    (src / "zz_tables_removed.txt").write_text("\n".join(ln for ln in text if "\t" not in ln), encoding="utf-8")
    (src / "zz_empty.txt").write_bytes(b"")
    (src / "zz_binary.txt").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    proc = run_build(src, tmp_path_factory.mktemp("out") / "pkg")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {"src": src, "proc": proc, "readable": len(DISCLOSURES) + 1}


def test_build_prints_one_line_per_document_and_a_closing_summary(quiet_build):
    proc, n = quiet_build["proc"], quiet_build["readable"]
    lines = proc.stdout.splitlines()
    doc_lines = [ln for ln in lines if ln.startswith(shown_folder(quiet_build["src"]))]
    assert len(doc_lines) == n, proc.stdout
    assert all(" · tables " in ln and "unplaced or guessed" in ln for ln in doc_lines)
    summary = lines[n]  # straight after the documents
    assert summary.startswith(f"published {n} of {n + 2} documents") and "2 not read" in summary, proc.stdout
    assert len(lines) <= n + 2, proc.stdout  # the documents, the summary and at most a pointer to -v
    errors = proc.stderr.splitlines()
    assert len(errors) == 2 and all(": error: " in e for e in errors), proc.stderr
    assert any("zz_empty.txt" in e for e in errors) and any("zz_binary.txt" in e for e in errors)


def test_a_document_without_money_tables_says_why(quiet_build):
    doc_lines = [ln for ln in quiet_build["proc"].stdout.splitlines() if ln.startswith(shown_folder(quiet_build["src"]))]
    empty = [ln for ln in doc_lines if "facts 0" in ln]
    assert len(empty) >= 2, doc_lines  # the 另附 disclosure and the one with its tables removed
    assert all("facts 0 (no money tables" in ln for ln in empty), empty
    separately = [ln for ln in empty if "另附" in ln]
    assert separately and all(re.search(r"另附.*, line \d+\)", ln) for ln in separately), separately
    removed = next(ln for ln in empty if "zz_tables_removed" in ln)
    assert "另附" not in removed


def test_verbose_build_prints_every_message(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    data = DISCLOSURES[0].read_bytes()
    cut = next(i for i in range(len(data) // 2, len(data)) if 0x80 <= data[i] < 0xC0)
    (src / "cut.txt").write_bytes(data[:cut])  # cut off inside a character: its bytes cannot be decoded
    quiet = run_build(src, tmp_path / "a")
    loud = run_build(src, tmp_path / "b", "-v")
    assert quiet.returncode == loud.returncode == 0, quiet.stderr + loud.stderr
    assert "warning:" not in quiet.stdout and "python -m pipeline build -v" in quiet.stdout
    assert re.search(r"^    \S*cut\.txt(:\d+)?: warning: ", loud.stdout, re.M), loud.stdout
    assert re.search(r"^    \[[a-z0-9-]+\] tables: ", loud.stdout, re.M), loud.stdout


def test_control_characters_from_a_file_do_not_reach_the_terminal(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(DISCLOSURES[0], src / "esc\x1b[2J\x1b]0;owned\x07.txt")  # file names are input too
    proc = run_build(src, tmp_path / "pkg", "-v")
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout + proc.stderr and "\x07" not in proc.stdout + proc.stderr
    assert "\\x1b[2J" in proc.stdout, proc.stdout  # shown, escaped


def test_a_document_left_out_by_the_package_is_counted_and_printed(tmp_path):
    from pipeline.build import parse_document, run_stages
    from pipeline.cli import closing
    from pipeline.package import write_package

    good, bad = (parse_document(p, f"disclosures/{p.name}") for p in DISCLOSURES[:2])
    run_stages([good, bad])
    bad = copy.deepcopy(bad)
    bad.document["fiscal_year"] = "not a year"
    returned = write_package([good, bad], [], tmp_path / "pkg")
    assert [m.file for m in returned] == [bad.document["source_file"]] and "not published" in returned[0].text
    line = closing([good, bad], [], returned, 1.0, tmp_path / "pkg")
    assert line.startswith("published 1 of 2 documents") and "1 left out" in line


# --- make serve -------------------------------------------------------------------------------------
def test_serve_prints_an_address_that_serves_the_home_page(tmp_path):
    site = tmp_path / "site"
    (site / "agency").mkdir(parents=True)
    (site / "index.html").write_text("<title>home</title>首页", encoding="utf-8")
    (site / "agency" / "index.html").write_text("agencies", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-u", "-m", "pipeline", "serve", "--site", str(site), "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        m = re.search(r"at (http://127\.0\.0\.1:(\d+)/)", first)
        assert m and m.group(2) != "0", first + proc.stderr.read() if proc.poll() is not None else first
        with urllib.request.urlopen(m.group(1), timeout=10) as r:
            assert r.status == 200 and "首页" in r.read().decode("utf-8")
        with urllib.request.urlopen(m.group(1) + "agency/", timeout=10) as r:
            assert r.read().decode("utf-8") == "agencies"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


def test_serve_without_a_built_site_says_what_to_do(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pipeline", "serve", "--site", str(tmp_path / "nothing")],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "index.html not found" in proc.stderr and "make build" in proc.stderr


# --- site_url and repo_url --------------------------------------------------------------------------
def _mkdocs(tmp_path, monkeypatch, env: dict[str, str | None]) -> Path:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    for key, value in env.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    docs, site = tmp_path / "docs", tmp_path / "site"
    docs.mkdir()
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    cfg = load_config(config_file=str(ROOT / "mkdocs.yml"), docs_dir=str(docs), site_dir=str(site))
    build(cfg)
    return site


def test_site_and_repo_urls_come_from_the_environment(tmp_path, monkeypatch):
    site = _mkdocs(tmp_path, monkeypatch, {"SITE_URL": "https://example.org/fiscal/",
                                           "REPO_URL": "https://github.com/example/fiscal"})
    assert "<loc>https://example.org/fiscal/</loc>" in (site / "sitemap.xml").read_text(encoding="utf-8")
    home = (site / "index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://example.org/fiscal/">' in home
    link = re.search(r'<a href="https://github\.com/example/fiscal"[^>]*>', home)
    # Material's script asks api.github.com about a repository link marked as its "source" component
    assert link and "data-md-component" not in link.group(0), home[:3000]
    assert "/edit/" not in home  # generated pages have no source to edit


def test_a_local_build_points_at_the_local_preview(tmp_path, monkeypatch):
    site = _mkdocs(tmp_path, monkeypatch, {"SITE_URL": None, "REPO_URL": None})
    assert "<loc>http://127.0.0.1:8000/</loc>" in (site / "sitemap.xml").read_text(encoding="utf-8")
    assert 'class="md-source"' not in (site / "index.html").read_text(encoding="utf-8")


# --- browser tests that did not run -----------------------------------------------------------------
FAKE_BROWSER_TESTS = '''
import os
import pytest

@pytest.fixture(scope="session")
def browser_context():
    if os.environ.get("FAKE_CHROMIUM") != "present":
        pytest.skip("chromium is absent")
    return "browser"

@pytest.fixture
def page(browser_context):
    return browser_context

def test_in_a_page(page):
    assert page == "browser"

def test_with_the_browser(browser_context):
    assert browser_context

def test_without_a_browser():
    pass

def test_skipped_for_another_reason():
    pytest.skip("not today")
'''


def _pytest_run(tmp_path, **env) -> subprocess.CompletedProcess:
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_fake_site.py").write_text(FAKE_BROWSER_TESTS, encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "FAKE_CHROMIUM", "PYTEST_ADDOPTS")}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(tmp_path)],
                          cwd=tmp_path, env={**environ, **env}, capture_output=True, text=True, timeout=120)


def test_browser_tests_not_run_are_named_in_the_last_line(tmp_path):
    proc = _pytest_run(tmp_path)
    assert proc.returncode == 0, proc.stdout
    last = proc.stdout.rstrip().splitlines()[-1]
    assert last.startswith("browser tests not run: "), proc.stdout
    assert "test_in_a_page" in last and "test_with_the_browser" in last
    assert "test_skipped_for_another_reason" not in last and "test_without_a_browser" not in last
    assert "2 of 2 browser tests NOT RUN" in proc.stdout and "reason: chromium is absent" in proc.stdout


def test_ci_fails_when_browser_tests_did_not_run(tmp_path):
    proc = _pytest_run(tmp_path, CI="true")
    assert proc.returncode == 1, proc.stdout
    assert proc.stdout.rstrip().splitlines()[-1].startswith("browser tests not run: ")


def test_nothing_is_added_when_the_browser_tests_ran(tmp_path):
    proc = _pytest_run(tmp_path, CI="true", FAKE_CHROMIUM="present")
    assert proc.returncode == 0, proc.stdout
    assert "NOT RUN" not in proc.stdout and "browser tests not run" not in proc.stdout


# --- the Makefile's choice of Python ----------------------------------------------------------------
FAKE_PYTHON = """#!/bin/sh
# a fake interpreter: `-c CHECK` passes, `-c print…` prints a version, `-m venv DIR` makes a venv whose python
# does nothing; it records that it made the venv
case "$1 $2" in
  "-m venv") mkdir -p "$3/bin"; printf '#!/bin/sh\\nexit 0\\n' > "$3/bin/python"; chmod +x "$3/bin/python"
             echo "$0" > made-by;;
  *print*) echo "$0 3.99.0";;
esac
exit 0
"""
SHIM = "#!/bin/sh\necho \"pyenv: $(basename $0): command not found\" >&2\nexit 127\n"
OLD = "#!/bin/sh\nexit 1\n"  # what `sys.exit(sys.version_info < (3, 11))` gives on Python 3.10


def _make_venv(tmp_path, scripts: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    work, bin_ = tmp_path / "work", tmp_path / "bin"
    work.mkdir()
    bin_.mkdir()
    shutil.copy(ROOT / "Makefile", work / "Makefile")
    (work / "requirements.lock").write_text("", encoding="utf-8")
    for tool in ("touch", "mkdir", "chmod", "basename"):
        (bin_ / tool).symlink_to(shutil.which(tool))
    for name, text in scripts.items():
        (bin_ / name).write_text(text, encoding="utf-8")
        (bin_ / name).chmod(0o755)
    return subprocess.run([make, "--no-print-directory", ".venv/.installed", *args], cwd=work,
                          env={"PATH": str(bin_), "HOME": str(tmp_path)}, capture_output=True, text=True,
                          timeout=60)


def test_make_finds_a_recent_python_and_passes_over_a_broken_shim(tmp_path):
    proc = _make_venv(tmp_path, {"python3.13": SHIM, "python3.12": FAKE_PYTHON, "python3": OLD})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "work" / "made-by").read_text().strip().endswith("/python3.12")
    assert "creating .venv with" in proc.stdout and (tmp_path / "work" / ".venv" / ".installed").exists()


def test_make_override_names_the_python(tmp_path):
    proc = _make_venv(tmp_path, {"python3.12": FAKE_PYTHON, "python3.11": FAKE_PYTHON}, "PYTHON=python3.11")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "work" / "made-by").read_text().strip().endswith("/python3.11")


@pytest.mark.parametrize("scripts, args, named", [
    ({"python3.13": SHIM, "python3": OLD, "python": OLD}, (), None),
    ({"python3.12": FAKE_PYTHON, "python3.10": OLD}, ("PYTHON=python3.10",), "python3.10"),
])
def test_make_without_a_suitable_python_says_what_to_install(tmp_path, scripts, args, named):
    proc = _make_venv(tmp_path, scripts, *args)
    assert proc.returncode != 0
    said = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(said) == 1 and "Python 3.11 or newer" in said[0] and "apt-get install" in said[0]
    assert "brew install" in said[0] and "PYTHON=" in said[0]
    assert (named in said[0]) if named else "older" not in said[0]
    assert not (tmp_path / "work" / ".venv").exists()


def test_the_readme_shows_what_the_build_prints(quiet_build):
    """The README's example lines for committed disclosures are the build's own lines for them."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = [ln for ln in re.findall(r"^(disclosures/\S+\.txt: .*)$", readme, re.M)
             if (ROOT / ln.split(":", 1)[0]).exists()]
    assert shown, "the README shows no build line of a committed disclosure"
    printed = quiet_build["proc"].stdout.replace(shown_folder(quiet_build["src"]), "disclosures/").splitlines()
    for line in shown:
        assert line in printed, f"README: {line}\nbuild:\n" + "\n".join(printed)
