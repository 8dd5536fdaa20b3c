"""Command line: `python -m pipeline build [--sources DIR] [--out DIR] [-v]`, `python -m pipeline site [-v]`,
`python -m pipeline serve [--site DIR] [--port N]`."""
from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from pathlib import Path

from .build import build_parts, discover
from .model import DocumentOutline, Message
from .severity import ERROR, INFO, Severity, WARNING

# control characters (ESC …) a hostile file could carry into a terminal through a name or a message
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def emit(line: object, stream=None) -> None:
    """Print one line of the build log, control characters shown as escapes; flushed, so that a log that
    mixes stdout and stderr keeps the lines in order."""
    text = _CONTROL.sub(lambda m: ascii(m.group(0))[1:-1], str(line))
    print(text, file=stream or sys.stdout, flush=True)


def _by_severity(findings: list[dict]) -> str:
    n = {s: sum(1 for f in findings if f.get("severity") == s) for s in Severity}
    return f"findings {n[ERROR]} errors / {n[WARNING]} warnings / {n[INFO]} info"


def outline(result) -> DocumentOutline:
    return result if isinstance(result, DocumentOutline) else DocumentOutline.of(result)


def summarize(result) -> str:
    """One line per document: what was read from it, and why when it has no money tables."""
    o = outline(result)
    d = o.document
    facts = f"facts {o.facts}"
    if not o.facts:
        facts += f" ({_no_money_tables(o.findings)})"
    return (f"{d['source_file']}: {d['agency'] or '?'} {d['fiscal_year'] or '?'} {d['kind'] or '?'} · "
            f"tables {len(o.table_statuses)}, {facts}, projects {o.projects}, "
            f"{_by_severity(o.findings)}, unplaced or guessed {o.unplaced_count}")


def _no_money_tables(findings: list[dict]) -> str:
    """Why a document gave no facts, in the words of the completeness check (which reads the document's
    own statements: 表格另附, 此表为空表 …), with the line that says so."""
    from .validate.rules_tables import STANDARD_TABLES

    said = [f for f in findings if f.get("rule_id") == STANDARD_TABLES.id]
    if not said:
        return "no money tables found"
    first = said[0]
    line = f", line {first['source_lines'].split()[0]}" if first.get("source_lines") else ""
    return f"no money tables: {first['message']}{line}"


def details(result) -> str:
    """The -v line under a document's summary: its id and what its tables, cells and forms hold."""
    o = outline(result)
    by_status: dict[str, int] = {}
    for status in o.table_statuses:
        by_status[status] = by_status.get(status, 0) + 1
    status = ", ".join(f"{n} {s}" for s, n in sorted(by_status.items()))
    return f"    [{o.document['doc_id']}] tables: {status or 'none'}; cells {o.cells}, indicators {o.indicators}"


def closing(results, failures, left_out, seconds: float, out: Path) -> str:
    """The build's last line: documents published, not read and left out, what the published ones hold,
    where the package went."""
    out_files = {m.file for m in left_out}
    results = [o for o in map(outline, results) if str(o.document.get("source_file") or o.source_path) not in out_files]
    findings = [f for o in results for f in o.findings]
    total = len(results) + len(failures) + len(left_out)
    line = (f"published {len(results)} of {total} documents in {seconds:.1f} s: "
            f"{sum(o.facts for o in results):,} facts, "
            f"{sum(o.projects for o in results):,} projects; "
            f"{_by_severity(findings)}; package in {out}/")
    if failures:
        line += f"; {len(failures)} not read (above)"
    if left_out:
        line += f"; {len(left_out)} left out (above)"
    return line


def cmd_build(args) -> int:
    """With `--parts ''` the parts go to a temporary folder, removed when the build ends (the package's
    slices and workbooks are hard links, so they stay)."""
    import shutil
    import tempfile

    temporary = None if args.parts else Path(tempfile.mkdtemp(prefix="pipeline-parts-"))
    try:
        return _build(args, Path(args.parts) if args.parts else temporary)
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)


def _build(args, parts: Path) -> int:
    from .package import SchemaError, assemble
    from .safepath import UnsafePath

    sources = Path(args.sources)
    if not sources.is_dir():
        print(f"error: {sources}: no such folder of disclosures", file=sys.stderr)
        return 1
    start = time.perf_counter()
    try:
        if args.executor == "dask" and not args.scheduler:
            print("error: --executor dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)", file=sys.stderr)
            return 1
        results, failures = build_parts(discover(sources), Path.cwd(), Path(args.cache) if args.cache else None,
                                        args.workers, parts,
                                        args.scheduler if args.executor == "dask" else None)
    except SchemaError as exc:  # an undeclared field or resource: a fault of the code, not of one document
        print(f"error: {exc}", file=sys.stderr)
        return 1
    # one line per file, in file order
    for _, item in sorted([(r.source_path, r) for r in results] + [(m.file, m) for m in failures],
                          key=lambda pair: pair[0]):
        if isinstance(item, Message):  # a file that could not be read at all
            emit(item, sys.stderr)
            continue
        emit(summarize(item))
        if args.verbose:
            emit(details(item))
        for m in item.messages:
            if args.verbose or m.severity == ERROR:  # errors always; warnings are counted, -v lists them
                emit(f"    {m}", None if args.verbose else sys.stderr)
    left_out = [r.left_out for r in results if r.left_out]
    from .exports import run as write_downloads, start_database  # the stage after package: workbooks, database, fiscal view

    parts = [Path(r.part) for r in results if r.part]
    database = start_database(Path(args.out), parts)  # SQLite merges the workers' databases while the package is written
    try:
        assemble(parts, failures + left_out, Path(args.out))
    except (OSError, SchemaError, UnsafePath) as exc:
        if database is not None:
            database.cancel()
        print(f"error: cannot write the package to {args.out}: {exc}", file=sys.stderr)
        return 1
    for m in left_out:  # read, but a value breaks the schema: not published
        emit(m, sys.stderr)
    status = write_downloads(Path(args.out), parts, database)
    emit(closing(results, failures, left_out, time.perf_counter() - start, Path(args.out)))
    if not args.verbose and any(m.severity == WARNING for r in results for m in r.messages):
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
    """Only -v shows the INFO messages of MkDocs and the other libraries."""
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="parse the disclosures and write the data package")
    b.add_argument("--sources", default="disclosures")
    b.add_argument("--out", default="datapackage")
    b.add_argument("-v", "--verbose", action="store_true", help="print every message")
    b.add_argument("--cache", default="build/cache/pdf",
                   help="folder of cached PDF extractions (keyed by the file's sha256); '' for none")
    b.add_argument("--workers", type=int, default=None,
                   help="worker processes for the per-document stages (default: one per core; 1: none)")
    b.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="where the per-document stages run: local worker processes, or a dask.distributed cluster")
    b.add_argument("--scheduler", default=None,
                   help="the dask scheduler's address (with --executor dask); --parts must be a folder its "
                        "workers share")
    b.add_argument("--parts", default="build/parts",
                   help="folder of each document's rows (parts), kept as a cache keyed by the sha256 of the "
                        "source, its sidecar and the pipeline's code; '' for a temporary one")
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
