"""`make bench`: how long the parse takes, against the floor of what any parser must do.

Measures, in one run: the parse (read → segment → tables → facts) of the disclosures in disclosures/, and
of the same texts copied to N documents (default 1,000); and the floor for the same files: reading the
bytes, decoding, splitting table lines on tabs and parsing their numbers, nothing else. Prints the times and
the ratio to the floor. Timing belongs here, not in tests.

`--scale N` instead generates a corpus of N documents from the text disclosures, each with a sidecar
giving it an agency of its own (as N agencies would publish), builds it as `python -m pipeline build`
does, and prints the wall time and the peak memory (resident, high-water mark so far) after each stage,
then the parse of a sample of it against its floor.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from .build import discover, parse_all
from .read import decode
from .read_pdf import extract, read_pdf
from .text import parse_amount


def floor(paths: list[Path], cache: Path | None = None) -> int:
    numbers = 0
    for p in paths:
        if p.suffix.lower() == ".pdf":  # a PDF's floor starts from its cached extraction, as the parse does
            text = "\n".join(read_pdf(p, str(p), cache).lines)
        else:
            text, _ = decode(p.read_bytes(), str(p))
        for line in text.split("\n"):
            if "\t" in line:
                for cell in line.split("\t"):
                    if parse_amount(cell) is not None:
                        numbers += 1
    return numbers


def timed(fn, *args) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def best_of(n: int, fn, *args) -> tuple[float, object]:
    runs = [timed(fn, *args) for _ in range(n)]
    return min(r[0] for r in runs), runs[0][1]


def cpu_timed(fn, *args) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process, result) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, out


def parse_ratio(sample: list[Path], root: Path | None, cache: Path | None, runs: int = 3) -> float:
    """The parse (read → facts) of `sample` in this process against its floor, each the best of `runs`, in
    wall time and in CPU time (the steadier figure on a shared machine); prints them, returns the CPU ratio."""
    parse = [cpu_timed(parse_all, sample, root, cache)[:2] for _ in range(runs)]
    low = [cpu_timed(floor, sample, cache)[:2] for _ in range(runs)]
    (wall, cpu), (f_wall, f_cpu) = [(min(r[0] for r in rs), min(r[1] for r in rs)) for rs in (parse, low)]
    load = os.getloadavg()[0]
    print(f"parse of {len(sample)} documents in one process {wall:.2f} s wall, {cpu:.2f} s CPU; floor {f_wall:.2f} s "
          f"wall, {f_cpu:.2f} s CPU (ratio {wall / f_wall:.1f} wall, {cpu / f_cpu:.1f} CPU; best of {runs} each, "
          f"load average {load:.1f})")
    return cpu / f_cpu


def _later_stages(results, failures) -> None:
    """Projects, validation, package and site for the same documents, each timed once."""
    from .build import run_stages
    from .package import write_package

    stages: dict[str, float] = {}
    run_stages(results, stages)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "datapackage"
        t_package, _ = timed(write_package, results, failures, out)
        line = ", ".join(f"{name} {t:.3f} s" for name, t in stages.items()) + f", package {t_package:.2f} s"
        from .exports import write_exports
        t_exports, (_, kinds) = timed(write_exports, out)
        line += f", downloads {t_exports:.2f} s ({', '.join(f'{k} {t:.2f} s' for k, t in kinds.items())})"
        try:
            from .site import build as build_site
        except ImportError:
            build_site = None
        if build_site is not None:
            t_site, _ = timed(build_site, out, Path(tmp) / "site", Path(tmp) / "docs")
            line += f", site from the package {t_site:.1f} s"
    print(line)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.bench")
    ap.add_argument("--sources", default="disclosures")
    ap.add_argument("--copies", type=int, default=1000, help="documents in the scaled run")
    ap.add_argument("--scale", type=int, default=0,
                    help="build a generated corpus of this many documents (distinct agencies) and print "
                         "wall time and peak memory per stage")
    ap.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    ap.add_argument("--no-downloads", action="store_true", help="--scale without the exports stage")
    ap.add_argument("--site", action="store_true", help="--scale, then the site from the package: time, CPU "
                    "and peak memory of generation, MkDocs rendering and search indexing, cold and with one "
                    "agency changed (pipeline/bench_site.py)")
    ap.add_argument("--keep", metavar="DIR", help="--scale in DIR (corpus, package, site), left there afterwards")
    ap.add_argument("--parse", type=int, default=0, metavar="N",
                    help="only the parse of N generated documents (as --scale makes them) against its floor")
    args = ap.parse_args(argv)
    if args.parse:
        with tempfile.TemporaryDirectory(prefix="bench-parse-") as tmp:
            parse_ratio(make_corpus(Path(args.sources), args.parse, Path(tmp) / "disclosures"), Path(tmp), None)
        return 0
    if args.scale:
        return scale(Path(args.sources), args.scale, args.workers, not args.no_downloads, args.site,
                     Path(args.keep) if args.keep else None)
    paths = discover(Path(args.sources))
    if not paths:
        print(f"no disclosures in {args.sources}")
        return 1

    pdfs = [p for p in paths if p.suffix.lower() == ".pdf"]
    cache = Path(tempfile.mkdtemp(prefix="bench-cache-"))
    try:
        if pdfs:
            _pdf_timings(pdfs, paths, cache)
        _run(args, paths, cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return 0


def _pdf_timings(pdfs: list[Path], paths: list[Path], cache: Path) -> None:
    """PDF extraction per page (what the cache saves), then the parse of every document with the cache
    cold (extracting) and warm (a rebuild with unchanged PDFs)."""
    for p in pdfs:
        t, got = best_of(2, extract, p.read_bytes(), str(p))
        print(f"{p.name}: extraction {t:.2f} s for {got['page_count']} pages "
              f"({t / got['page_count'] * 1000:.0f} ms/page)")
    t_cold, _ = timed(parse_all, paths, None, cache)
    t_warm, _ = best_of(3, parse_all, paths, None, cache)
    print(f"{len(paths)} documents: parse with the extraction cache cold {t_cold:.2f} s, "
          f"warm (cache hit, the rebuild) {t_warm:.3f} s")


def _run(args, paths: list[Path], cache: Path) -> None:
    t_parse, (results, failures) = best_of(3, parse_all, paths, None, cache)
    t_floor, numbers = best_of(3, floor, paths, cache)
    facts = sum(len(r.facts) for r in results)
    print(f"{len(paths)} documents: parse {t_parse:.3f} s, floor {t_floor:.3f} s "
          f"(ratio {t_parse / t_floor:.1f}); {numbers} printed numbers, {facts} facts")
    _later_stages(results, failures)

    with tempfile.TemporaryDirectory() as tmp:
        many = []
        for i in range(args.copies):
            src = paths[i % len(paths)]
            dst = Path(tmp) / f"{i:05d}_{src.name}"
            shutil.copyfile(src, dst)
            many.append(dst)
        t_many, (res_many, _) = timed(parse_all, many, None, cache)
        t_many_floor, _ = timed(floor, many, cache)
    print(f"{len(many)} documents: parse {t_many:.1f} s ({t_many / len(many) * 1000:.1f} ms/doc), "
          f"floor {t_many_floor:.1f} s (ratio {t_many / t_many_floor:.1f}); "
          f"{sum(len(r.facts) for r in res_many)} facts")


def make_corpus(sources: Path, n: int, folder: Path) -> list[Path]:
    """N documents copied from the text disclosures, each with a sidecar naming an agency of its own and a
    last line of its own (the same bytes twice are published once), so the build sees N agencies (N pages,
    N ids), not N copies of five."""
    texts = [p for p in discover(sources) if p.suffix in (".txt", ".md")]
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        src = texts[i % len(texts)]
        dst = folder / f"{i:05d}_{src.name}"
        dst.write_bytes(src.read_bytes() + f"\n样本{i:05d}\n".encode("utf-8"))
        sidecar = {"agency": f"样本{i:05d}号单位", "agency_id": f"bench-agency-{i:05d}"}
        (folder / f"{dst.stem}.meta.json").write_text(json.dumps(sidecar, ensure_ascii=False), encoding="utf-8")
        out.append(dst)
    return out


def peak_mib() -> tuple[float, float]:
    """Peak resident memory so far of this process and of its largest finished child, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, child


def cpu_seconds() -> float:
    """CPU time (user + system) so far of this process, its threads and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def scale(sources: Path, n: int, workers: int | None = None, downloads: bool = True, site: bool = False,
          keep: Path | None = None) -> int:
    """Build a generated corpus of `n` documents as `python -m pipeline build` does, cold (no parts), then
    again after a change to one file (its part made again, the others from the cache). With `site`, the site
    is built from the package after each (bench_site)."""
    from .build import build_parts, default_workers
    from .exports import start_database, write_exports
    from .package import assemble
    from . import bench_site

    if keep:
        keep.mkdir(parents=True, exist_ok=True)
    tmp = keep.resolve() if keep else Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        paths = make_corpus(sources, n, tmp / "disclosures")
        load = os.getloadavg()
        print(f"{n} generated documents ({len({p.name[6:] for p in paths})} texts, {n} agencies); "
              f"{os.cpu_count()} cores, {workers or default_workers()} workers, "
              f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
        rows = []
        parts: list[Path] = []
        last, last_cpu = time.perf_counter(), cpu_seconds()

        def mark(stage: str) -> None:
            nonlocal last, last_cpu
            now, cpu = time.perf_counter(), cpu_seconds()
            rows.append((stage, now - last, cpu - last_cpu, *peak_mib()))
            last, last_cpu = now, cpu

        def build(label: str) -> None:
            """As `python -m pipeline build` does: parts, then the package (the downloads' database merging
            beside it), then the downloads."""
            outlines, failures = build_parts(paths, tmp, tmp / "cache", workers, tmp / "parts", downloads=downloads)
            mark(f"{label}: read → validation, parts")
            parts[:] = [Path(o.part) for o in outlines if o.part]
            database = start_database(tmp / "datapackage", parts) if downloads else None
            assemble(parts, failures, tmp / "datapackage")
            mark(f"{label}: package from the parts" + (" (+ SQLite merging)" if database else ""))
            if downloads:
                problems, _ = write_exports(tmp / "datapackage", parts=parts, database=database)
                if problems:
                    print(*problems, sep="\n")
                mark(f"{label}: downloads (exports stage)")

        start = time.perf_counter()
        build("cold")
        total = time.perf_counter() - start
        sites = []
        if site:
            sites.append(("cold", bench_site.measure(tmp / "datapackage", tmp / "site", tmp / "docs")))
            last = time.perf_counter()
        changed = paths[n // 2]
        changed.write_bytes(changed.read_bytes() + "另：修改一行。\n".encode("utf-8"))
        last = start_change = time.perf_counter()
        last_cpu = cpu_seconds()
        build("one file changed")
        change = time.perf_counter() - start_change
        if site:
            sites.append(("one agency changed", bench_site.measure(tmp / "datapackage", tmp / "site", tmp / "docs")))
        for stage, secs, cpu, own, child in rows:
            print(f"  {stage:<44} {secs:7.1f} s, CPU {cpu:6.1f} s   peak {own:6.0f} MiB main, "
                  f"{child:6.0f} MiB largest worker")
        what = "with the downloads: workers' and exports stage" if downloads else "without downloads"
        print(f"  build ({what}) {total:.1f} s; one file changed, rebuilt {change:.1f} s; "
              f"load average now {os.getloadavg()[0]:.1f}")
        for label, got in sites:
            bench_site.report(label, got)
        parse_ratio(paths[:min(n, 100)], tmp, tmp / "cache")
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
