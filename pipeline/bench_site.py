"""The site stage at scale (`python -m pipeline.bench --scale N --site`): where its time and memory go.

The site is built from a package in a process of its own (so its memory is its own, not the package build's),
and timed in three phases, as `python -m pipeline site` runs them:
- generation: the package → Markdown/HTML pages and downloads in docs_dir (pipeline.site.generate);
- MkDocs rendering: Markdown → HTML in the theme, written to the site (mkdocs build, without the search step);
- search indexing: the records and the search index (pipeline.search.build, run by the site's post-build hook).
For each: wall time, CPU seconds (user + system, of this process and of the programs it ran) and peak
resident memory (the high-water mark is reset between phases where Linux allows it: /proc/self/clear_refs).
Then the size of what readers download: HTML per agency page, the navigation on each page, the largest page
of the site (the pages about the whole corpus grow with it unless they are paged), the whole site.
`BENCH_SEARCH=0` leaves the search indexing out (it is timed as zero), to measure generation and rendering alone.
"""
from __future__ import annotations

import multiprocessing
import os
import re
import resource
import time
from pathlib import Path

PHASES = ("generation", "MkDocs rendering", "search indexing")
_NAV = re.compile(r'<div class="md-sidebar md-sidebar--primary".*?(?=<div class="md-sidebar md-sidebar--secondary")', re.S)


def _hwm_mib() -> float | None:
    """This process's peak resident memory since the last reset, in MiB (None off Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_hwm() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


class _Phases:
    """Wall time, CPU seconds and peak memory of consecutive phases of this process."""

    def __init__(self) -> None:
        self.rows: dict[str, dict] = {}
        self._name = ""

    def start(self, name: str) -> None:
        self._name = name
        self._t, self._cpu = time.perf_counter(), _cpu()
        self._resettable = _reset_hwm()

    def stop(self) -> None:
        own, kids = _cpu()
        peak = _hwm_mib() if self._resettable else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.rows[self._name] = {"wall": time.perf_counter() - self._t, "cpu": own - self._cpu[0],
                                 "cpu_children": kids - self._cpu[1], "peak_mib": peak,
                                 "peak_children_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def _measure(package: str, site: str, docs: str, queue) -> None:
    """In a process of its own: the site built in its phases; the figures put on `queue`."""
    from . import search, site as site_stage

    phases = _Phases()
    try:
        phases.start("generation")
        warnings = site_stage.generate(Path(package), Path(docs))
        reused = site_stage.LAST_REUSED
        phases.stop()

        indexer = search.build

        def timed_index(*args, **kwargs):  # the post-build hook calls search.build: timed as a phase of its own
            phases.stop()
            phases.start("search indexing")
            try:
                return indexer(*args, **kwargs)
            finally:
                phases.stop()
                phases.start("after indexing")

        if os.environ.get("BENCH_SEARCH", "1") == "0":  # generation and rendering alone
            timed_index = lambda *args, **kwargs: (0, 0.0, [])  # noqa: E731
        search.build = timed_index
        phases.start("MkDocs rendering")
        site_stage.run_mkdocs(Path(docs), Path(site))
        phases.stop()
        search.build = indexer
        queue.put({"phases": phases.rows, "warnings": len(warnings), "reused": reused, "search": dict(search.LAST)})
    except BaseException as exc:  # noqa: BLE001 - reported by the parent
        queue.put({"failed": f"{type(exc).__name__}: {exc}"})


def measure(package: Path, site: Path, docs: Path) -> dict:
    """Build the site from `package` into `site` (pages generated in `docs`) in a fresh process; its
    phases' figures."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_measure, args=(str(package), str(site), str(docs), queue))
    proc.start()
    got = queue.get()
    proc.join()
    if "failed" in got:
        raise RuntimeError(f"the site could not be built: {got['failed']}")
    got["sizes"] = sizes(Path(site))
    return got


def sizes(site: Path) -> dict:
    """What readers download: HTML bytes of the agency pages (mean, largest), the primary navigation on an
    agency page, and the whole site (files and bytes)."""
    agency = sorted(p for p in (site / "agency").glob("*/index.html"))
    pages = [p.stat().st_size for p in agency]
    nav = _NAV.search(agency[0].read_text(encoding="utf-8")) if agency else None
    files = [p for p in site.rglob("*") if p.is_file()]
    html = [p for p in files if p.suffix == ".html"]
    largest = max(html, key=lambda p: p.stat().st_size, default=None)
    return {"largest": (largest.relative_to(site).as_posix(), largest.stat().st_size) if largest else ("", 0),
            "corpus_pages": {name: (site / name / "index.html").stat().st_size if name else (site / "index.html").stat().st_size
                             for name in ("", "quality", "data", "glossary", "agency")
                             if (site / name / "index.html").is_file()},
            "agency_pages": len(pages), "agency_mean": sum(pages) / len(pages) if pages else 0,
            "agency_max": max(pages, default=0), "nav_bytes": len(nav.group(0).encode("utf-8")) if nav else 0,
            "html_files": len(html), "html_bytes": sum(p.stat().st_size for p in html),
            "files": len(files), "bytes": sum(p.stat().st_size for p in files)}


def report(label: str, got: dict) -> None:
    rows = got["phases"]
    total_wall = sum(r["wall"] for r in rows.values())
    total_cpu = sum(r["cpu"] + r["cpu_children"] for r in rows.values())
    reused, units = got.get("reused", (0, 0))
    print(f"  site, {label}: {total_wall:.1f} s wall, {total_cpu:.1f} CPU-s; {reused} of {units} agencies' pages "
          f"kept from the last build; load average now {os.getloadavg()[0]:.1f}")
    for name in PHASES:
        r = rows.get(name)
        if r is None:
            continue
        # a child's high-water mark starts from its parent's at the fork: a child's own peak is at most this
        kids = (f" + {r['cpu_children']:.1f} CPU-s in child processes (workers; peak ≤ {r['peak_children_mib']:.0f} MiB)"
                if r["cpu_children"] >= 0.05 else "")
        print(f"    {name:<18} {r['wall']:7.1f} s wall {r['cpu']:7.1f} CPU-s   peak {r['peak_mib']:6.0f} MiB{kids}")
    if "after indexing" in rows:
        r = rows["after indexing"]
        print(f"    {'after indexing':<18} {r['wall']:7.1f} s wall (MkDocs' closing checks)")
    if got.get("search"):   # the indexing's own steps (pipeline/search.py LAST)
        print("      search: " + ", ".join(f"{k} {v:.1f} s" if isinstance(v, float) else f"{k} {v}"
                                      for k, v in got["search"].items()))
    s = got["sizes"]
    print(f"    pages: {s['agency_pages']} agency pages, {s['agency_mean'] / 1024:.0f} KB of HTML each on average "
          f"(largest {s['agency_max'] / 1024:.0f} KB), of which the navigation {s['nav_bytes'] / 1024:.1f} KB; "
          f"{s['html_files']} HTML pages, {s['html_bytes'] / 1048576:.0f} MB; whole site {s['files']} files, "
          f"{s['bytes'] / 1048576:.0f} MB")
    corpus = ", ".join(f"{name or 'home'} {n // 1024:,} KB" for name, n in s["corpus_pages"].items())
    print(f"    largest page {s['largest'][0]} {s['largest'][1] // 1024:,} KB; pages about the whole corpus: {corpus}")
