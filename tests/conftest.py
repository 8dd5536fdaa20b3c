from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DISCLOSURES = ROOT / "disclosures"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def disclosure_paths() -> list[Path]:
    paths = sorted(DISCLOSURES.glob("*.txt"))
    assert len(paths) >= 5, "the five disclosures must be in disclosures/"
    return paths


@pytest.fixture(scope="session")
def parsed(disclosure_paths):
    """Every disclosure parsed once per test session, keyed by file name."""
    from pipeline.build import parse_document

    return {p.name: parse_document(p) for p in disclosure_paths}


# --- browser tests that did not run -----------------------------------------------------------------
# A browser test is one that uses this fixture (directly or through another fixture); it skips when
# chromium is absent. Skips are easy to miss among dots, so the run ends with a line naming them, and in
# CI (the CI environment variable, which .ci/run and GitHub Actions set) the run fails instead.
BROWSER_FIXTURE = "browser_context"


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    """The one chromium of the test session (Debian's, driven by Playwright): every browser test opens its
    pages here, so it is counted below, and two Playwright instances never overlap."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is absent (Debian: apt-get install chromium; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
            headless=True, viewport={"width": 1280, "height": 900})
        yield ctx
        ctx.close()
_browser = {"collected": set(), "not_run": {}}  # nodeid; nodeid → skip reason


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_collection_finish(session):
    _browser["collected"] = {item.nodeid for item in session.items if BROWSER_FIXTURE in item.fixturenames}


def pytest_runtest_logreport(report):
    if report.skipped and report.nodeid in _browser["collected"]:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _browser["not_run"][report.nodeid] = reason.removeprefix("Skipped: ")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session):
    # outermost wrapper: runs after the terminal reporter has printed its summary, so these lines come last
    result = yield
    not_run = _browser["not_run"]
    if not not_run:
        return result
    if _ci() and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    tr = session.config.pluginmanager.get_plugin("terminalreporter")
    if tr is None:
        return result
    total = len(_browser["collected"])
    whole = ": the site was not tested in a browser" if len(not_run) == total else ""
    tr.write_sep("=", f"{len(not_run)} of {total} browser tests NOT RUN{whole}", red=True, bold=True)
    for reason in sorted(set(not_run.values())):
        tr.write_line(f"reason: {reason}")
    if _ci():
        tr.write_line("CI is set: browser tests must run here, so this run fails", red=True, bold=True)
    tr.write_line("browser tests not run: " + ", ".join(sorted(not_run)), red=True, bold=True)
    return result
