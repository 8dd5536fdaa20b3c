"""Command line: `python -m pipeline build [--sources DIR] [--out DIR] [-v]`, `python -m pipeline site [-v]`,
`python -m pipeline serve [--site DIR] [--port N]`."""
from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from pathlib import Path

from .build import discover, parse_all
from .model import Message

# control characters (ESC …) a hostile file could carry into a terminal through a name or a message
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def emit(line: object, stream=None) -> None:
    """Print one line of the build log, control characters shown as escapes; flushed, so that a log that
    mixes stdout and stderr keeps the lines in order."""
    text = _CONTROL.sub(lambda m: ascii(m.group(0))[1:-1], str(line))
    print(text, file=stream or sys.stdout, flush=True)


def _by_severity(findings: list[dict]) -> str:
    n = {s: sum(1 for f in findings if f.get("severity") == s) for s in ("error", "warning", "info")}
    return f"findings {n['error']} errors / {n['warning']} warnings / {n['info']} info"


def summarize(result) -> str:
    """One line per document: what was read from it, and why when it has no money tables."""
    d = result.document
    extra = result.extra
    findings = extra.get("findings", [])
    facts = f"facts {len(result.facts)}"
    if not result.facts:
        facts += f" ({_no_money_tables(findings)})"
    return (f"{d['source_file']}: {d['agency'] or '?'} {d['fiscal_year'] or '?'} {d['kind'] or '?'} · "
            f"tables {len(result.tables)}, {facts}, projects {len(extra.get('projects', []))}, "
            f"{_by_severity(findings)}, unplaced or guessed {result.unplaced_count}")


def _no_money_tables(findings: list[dict]) -> str:
    """Why a document gave no facts, in the words of the completeness check (which reads the document's
    own statements: 表格另附, 此表为空表 …), with the line that says so."""
    said = [f for f in findings if f.get("rule_id") == "completeness.standard_tables"]
    if not said:
        return "no money tables found"
    first = said[0]
    line = f", line {first['source_lines'].split()[0]}" if first.get("source_lines") else ""
    return f"no money tables: {first['message']}{line}"


def details(result) -> str:
    """The -v line under a document's summary: its id and what its tables, cells and forms hold."""
    d = result.document
    by_status: dict[str, int] = {}
    for t in result.tables:
        by_status[t.status] = by_status.get(t.status, 0) + 1
    status = ", ".join(f"{n} {s}" for s, n in sorted(by_status.items()))
    return (f"    [{d['doc_id']}] tables: {status or 'none'}; cells {len(result.cells)}, "
            f"indicators {len(result.extra.get('indicators', []))}")


def closing(results, failures, left_out, seconds: float, out: Path) -> str:
    """The build's last line: documents published, not read and left out, what the published ones hold,
    where the package went."""
    out_files = {m.file for m in left_out}
    results = [r for r in results if str(r.document.get("source_file") or r.source.path) not in out_files]
    findings = [f for r in results for f in r.extra.get("findings", [])]
    total = len(results) + len(failures) + len(left_out)
    line = (f"published {len(results)} of {total} documents in {seconds:.1f} s: "
            f"{sum(len(r.facts) for r in results):,} facts, "
            f"{sum(len(r.extra.get('projects', [])) for r in results):,} projects; "
            f"{_by_severity(findings)}; package in {out}/")
    if failures:
        line += f"; {len(failures)} not read (above)"
    if left_out:
        line += f"; {len(left_out)} left out (above)"
    return line


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
    start = time.perf_counter()
    results, failures = parse_all(discover(sources), Path.cwd(), Path(args.cache) if args.cache else None)
    run_stages(results)
    # one line per file, in file order
    for _, item in sorted([(r.source.path, r) for r in results] + [(m.file, m) for m in failures],
                          key=lambda pair: pair[0]):
        if isinstance(item, Message):  # a file that could not be read at all
            emit(item, sys.stderr)
            continue
        emit(summarize(item))
        if args.verbose:
            emit(details(item))
        for m in item.messages:
            if args.verbose or m.severity == "error":  # errors always; warnings are counted, -v lists them
                emit(f"    {m}", None if args.verbose else sys.stderr)
    try:
        left_out = [m for m in write_package(results, failures, Path(args.out)) if m not in failures]
    except (OSError, SchemaError, UnsafePath) as exc:
        print(f"error: cannot write the package to {args.out}: {exc}", file=sys.stderr)
        return 1
    for m in left_out:  # read, but a value breaks the schema: not published
        emit(m, sys.stderr)
    from .exports import run as write_downloads  # the stage after package: workbooks, database, fiscal view
    status = write_downloads(Path(args.out))
    emit(closing(results, failures, left_out, time.perf_counter() - start, Path(args.out)))
    if not args.verbose and any(m.severity == "warning" for r in results for m in r.messages):
        print("(every message is in the package's parse_report; `python -m pipeline build -v` prints them)")
    return status


def cmd_site(args) -> int:
    from .site import main as site_main

    return site_main(args)


def cmd_serve(args) -> int:
    """Serve a built site on this machine, printing its address first. Only files under `--site` are
    served (the standard library's file handler does not leave its directory)."""
    import functools
    import http.server

    site = Path(args.site)
    if not (site / "index.html").is_file():
        print(f"error: {site}/index.html not found; build the site first (make build)", file=sys.stderr)
        return 1

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_request(self, code="-", size="-"):  # one line per request is noise; errors still print
            pass

    try:
        httpd = http.server.ThreadingHTTPServer((args.host, args.port),
                                                functools.partial(Handler, directory=str(site)))
    except OSError as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc} (another port: make serve PORT=8001)",
              file=sys.stderr)
        return 1
    host, port = httpd.server_address[:2]
    host = f"[{host}]" if ":" in host else host
    print(f"serving {site}/ at http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0


def _quiet_libraries(verbose: bool) -> None:
    """jieba (used by the site's search plugin) logs its dictionary loading at DEBUG to stderr on every
    build; only -v shows it, and -v also shows the INFO messages of MkDocs and the others."""
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
        logging.getLogger("jieba").propagate = False  # it prints through a handler of its own
        return
    try:
        import jieba
    except ImportError:
        return
    jieba.setLogLevel(logging.WARNING)


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
    s.add_argument("-v", "--verbose", action="store_true", help="print every message, libraries' included")
    s.set_defaults(func=cmd_site)
    v = sub.add_parser("serve", help="serve a built site on this machine and print its address")
    v.add_argument("--site", default="site")
    v.add_argument("--host", default="127.0.0.1")
    v.add_argument("--port", type=int, default=8000)
    v.set_defaults(func=cmd_serve, verbose=False)
    args = parser.parse_args(argv)
    _quiet_libraries(args.verbose)
    return args.func(args)
