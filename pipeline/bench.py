"""`make bench`: how long the parse takes, against the floor of what any parser must do.

Measures, in one run: the parse (read → segment → tables → facts) of the disclosures in disclosures/, and
of the same texts copied to N documents (default 1,000); and the floor for the same files: reading the
bytes, decoding, splitting table lines on tabs and parsing their numbers, nothing else. Prints the times and
the ratio to the floor. Timing belongs here, not in tests.
"""
from __future__ import annotations

import argparse
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


def _later_stages(results, failures) -> None:
    """Projects, validation, package and site for the same documents, each timed once."""
    from .cli import run_stages
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
    args = ap.parse_args(argv)
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


if __name__ == "__main__":
    raise SystemExit(main())
