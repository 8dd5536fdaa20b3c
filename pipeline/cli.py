"""Command line: `python -m pipeline build [--sources DIR] [--out DIR]`, `python -m pipeline site`."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .build import discover, parse_all
from .model import Message


def summarize(result) -> str:
    d = result.document
    by_status: dict[str, int] = {}
    for t in result.tables:
        by_status[t.status] = by_status.get(t.status, 0) + 1
    status = ", ".join(f"{n} {s}" for s, n in sorted(by_status.items()))
    extra = result.extra
    findings = extra.get("findings", [])
    by_sev = {s: sum(1 for f in findings if f.get("severity") == s) for s in ("error", "warning", "info")}
    return (f"{d['source_file']}: {d['agency'] or '?'} {d['fiscal_year'] or '?'} {d['kind'] or '?'} "
            f"[{d['doc_id']}]\n    tables {len(result.tables)} ({status}), facts {len(result.facts)}, "
            f"cells {len(result.cells)}, projects {len(extra.get('projects', []))}, "
            f"indicators {len(extra.get('indicators', []))}, findings {by_sev['error']} errors / "
            f"{by_sev['warning']} warnings / {by_sev['info']} info, unplaced or guessed {result.unplaced_count}")


def run_stages(results, timings: dict[str, float] | None = None) -> None:
    """The stages after the parse, per document: projects (forms → projects/indicators), then validation
    (→ findings and a quality summary). Each result's `extra` carries their rows to the package stage. A
    stage that fails on one document leaves a located error in its report; the others go on. `timings`, if
    given, collects the seconds spent per stage (for make bench)."""
    from .projects import extract_projects
    from .validate import quality_summary, validate

    def projects(r):
        r.extra["projects"], r.extra["indicators"] = extract_projects(r)

    def validation(r):
        r.extra["findings"] = validate(r)
        r.extra["quality"] = [quality_summary(r, r.extra["findings"])]

    stages = [("projects", projects, ("projects", "indicators", "projects_unread")),
              ("validation", validation, ("findings", "quality", "rule_outcomes", "text_figures"))]
    for r in results:
        for name, stage, keys in stages:
            start = time.perf_counter()
            try:
                stage(r)
            except Exception as exc:  # noqa: BLE001 - one document's surprise must not stop the others
                for key in keys:
                    r.extra.pop(key, None)
                r.messages.append(Message(r.source.path, None, "error",
                                          f"{name} stage failed: {type(exc).__name__}: {exc}"))
            if timings is not None:
                timings[name] = timings.get(name, 0.0) + time.perf_counter() - start


def cmd_build(args) -> int:
    from .package import SchemaError, write_package
    from .safepath import UnsafePath

    sources = Path(args.sources)
    if not sources.is_dir():
        print(f"error: {sources}: no such folder of disclosures", file=sys.stderr)
        return 1
    results, failures = parse_all(discover(sources), Path.cwd(), Path(args.cache) if args.cache else None)
    run_stages(results)
    for r in results:
        print(summarize(r))
        if args.verbose:
            for m in r.messages:
                print("   ", m)
    for m in failures:
        print(m, file=sys.stderr)
    try:
        write_package(results, failures, Path(args.out))
    except (OSError, SchemaError, UnsafePath) as exc:
        print(f"error: cannot write the package to {args.out}: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="parse the disclosures and write the data package")
    b.add_argument("--sources", default="disclosures")
    b.add_argument("--out", default="datapackage")
    b.add_argument("-v", "--verbose", action="store_true", help="print every message")
    b.add_argument("--cache", default="build/cache/pdf",
                   help="folder of cached PDF extractions (keyed by the file's sha256); '' for none")
    b.set_defaults(func=cmd_build)
    s = sub.add_parser("site", help="generate and build the static site from a package")
    s.add_argument("--package", default="datapackage")
    s.add_argument("--out", default="site")
    s.set_defaults(func=lambda a: __import__("pipeline.site", fromlist=["main"]).main(a))
    args = parser.parse_args(argv)
    return args.func(args)
