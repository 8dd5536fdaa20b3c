"""Parse one disclosure through the stages read → segment → tables → facts; parse a folder of them so
that one bad file never takes the others down."""
from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import shutil
import stat
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from .classify import MONEY_TYPES, listed_tables, table_type
from .facts import build_table, fill_inferred, find_unplaced
from .metadata import read_metadata
from .model import DocumentOutline, DocumentResult, Message
from .privacy import mask
from .read import UnreadableFile, read_source
from .sections import build_glossary, build_sections
from .segment import segment
from .severity import ERROR, WARNING

SUFFIXES = (".txt", ".md", ".pdf")


def parse_document(path: Path, display_path: str | None = None, cache_dir: Path | None = None,
                   doc_id: str | None = None) -> DocumentResult:
    """read → segment → tables → facts for one file; `doc_id`, when given, replaces the one read or derived
    (the build gives each of two documents that would share an id one made distinct)."""
    with collector_paused():  # for one document, whose size the read stage bounds
        return _parse(path, display_path, cache_dir, doc_id)


@contextmanager
def collector_paused():
    """The cyclic garbage collector paused, and resumed after if it ran before. A parse makes a few hundred
    thousand small containers that all live on in its result: the collector, run every few hundred of them,
    finds nothing to free and went over them again and again (about a sixth of the parse's CPU)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            # what was made meanwhile goes to the oldest generation at once (freeze, then unfreeze: two list
            # splices): the next young collection would otherwise go over all of it, to free nothing; a full
            # collection still frees any garbage among it
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def _parse(path: Path, display_path: str | None, cache_dir: Path | None, doc_id: str | None) -> DocumentResult:
    source = read_source(path, display_path, cache_dir)
    seg = segment(source)
    messages = list(source.messages)
    units = [b.unit_text for b in seg.blocks if table_type(b.title) in MONEY_TYPES and b.unit_text]
    if not units:
        units = [b.unit_text for b in seg.blocks if b.unit_text]
    sidecar = path.with_name(path.stem + ".meta.json")
    meta, meta_msgs = read_metadata(source, units, sidecar, str(Path(source.path).with_name(sidecar.name)))
    messages += meta_msgs
    if doc_id:
        meta["doc_id"] = doc_id
    doc_id = meta["doc_id"]
    tables = [
        build_table(block, doc_id, i + 1, meta["unit"] or "元", source.path, messages)
        for i, block in enumerate(seg.blocks)
    ]
    fill_inferred(tables)
    for t in tables:
        t.unplaced = find_unplaced(t)
        if t.unplaced:
            shown = ", ".join(f"line {line} {text!r}" for line, text in t.unplaced[:10])
            more = f" and {len(t.unplaced) - 10} more" if len(t.unplaced) > 10 else ""
            messages.append(Message(source.path, t.block.line_start, WARNING,
                                    f"table {t.title!r} (lines {t.block.line_start}–{t.block.line_end}): "
                                    f"{len(t.unplaced)} printed amount(s) not in facts under a column: {shown}{more}"))
    loose = [(line, a) for line, amounts in seg.loose_rows for a in amounts]
    if seg.loose_rows:
        first, last = seg.loose_rows[0][0], seg.loose_rows[-1][0]
        messages.append(Message(source.path, first, WARNING,
                                f"lines {first}–{last}: {len(seg.loose_rows)} lines print {len(loose)} amounts in "
                                "columns but no table was read there (no tab-separated cells); "
                                "their amounts are not in facts"))
    found = {t.table_type for t in tables}
    for line, entry, kind in listed_tables(seg.toc):
        if kind not in found:
            messages.append(Message(source.path, line, WARNING,
                                    f"the outline (目录) lists {entry!r} but no such table was found in the text"))
    document = {
        "doc_id": doc_id,
        "source_file": source.path,
        "source_sha256": source.sha256,
        "agency_id": meta["agency_id"],
        "agency": meta["agency"],
        "fiscal_year": meta["fiscal_year"],
        "kind": meta["kind"],
        "unit": meta["unit"],
        "title": meta["title"],
        "source_url": meta.get("source_url", ""),
        "published": meta.get("published", ""),
        "encoding": source.encoding,
        "line_count": len(source.lines),
        "page_count": source.page_count,
        "personal_numbers_masked": source.masked,
    }
    cut = _cut_off(seg, source)
    if cut:
        messages.append(cut)
    return DocumentResult(
        document=document, source=source, tables=tables,
        sections=build_sections(doc_id, seg.text), glossary=build_glossary(doc_id, seg.text),
        messages=messages, loose_amounts=loose,
    )


def _cut_off(seg, source) -> Message | None:
    """A file that ends inside a table (no text after the last table line) was probably cut off."""
    if not seg.blocks:
        return None
    last = seg.blocks[-1]
    tail = [ln for ln in source.lines[last.rows[-1].line:] if ln.strip()]
    if not tail and last.rows[-1].line >= len(source.lines) - 1 and table_type(last.title) in MONEY_TYPES:
        return Message(source.path, last.rows[-1].line, WARNING,
                       f"the file ends inside table {last.title!r}: expected more rows or text after it; "
                       "the text may be cut off")
    return None


def discover(sources: Path) -> list[Path]:
    """Every entry named like a disclosure; the read stage refuses what is not a regular file inside."""
    return sorted(p for p in sources.iterdir() if p.suffix in SUFFIXES)


def shown_path(path: Path, root: Path | None) -> str:
    """The path published as `source_file`: the path in the repository (relative to `root`, the working
    folder) or, for sources outside it, the sources folder's name and the file's. Never a machine path;
    a personal number in a file name is masked like everywhere else."""
    full = path.absolute()
    if root and full.is_relative_to(Path(root).absolute()):
        shown = full.relative_to(Path(root).absolute()).as_posix()
    else:
        shown = f"{full.parent.name}/{full.name}"
    return mask(shown)[0]


def parse_all(paths: list[Path], root: Path | None = None,
              cache_dir: Path | None = None) -> tuple[list[DocumentResult], list[Message]]:
    """Parse every file (no later stage), in this process; see `build_documents`."""
    return build_documents(paths, root, cache_dir, workers=1, stages=False)


def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def build_documents(paths: list[Path], root: Path | None = None, cache_dir: Path | None = None,
                    workers: int | None = None, stages: bool = True) -> tuple[list[DocumentResult], list[Message]]:
    """Every file through the per-document stages (read → … → facts, and with `stages` projects and
    validation), each document in a worker process (`workers`, default one per core; 1 runs them here).
    A file that cannot be read gives a located message and is skipped. The main process only merges what
    the workers return: the same bytes twice are published once, and two documents that would share an id
    are run again with one made distinct, so the result does not depend on the number of workers or on
    which finishes first. PDF extractions are cached in `cache_dir` when given."""
    jobs = [(path, shown_path(path, root), cache_dir, None, stages) for path in paths]
    outcomes = _run_jobs(jobs, workers)
    results = [o for o in outcomes if isinstance(o, DocumentResult)]
    failures = [o for o in outcomes if isinstance(o, Message)]
    results, dropped = _drop_duplicates(results)
    failures += dropped
    job_of = {job[1]: job for job in jobs}
    again = {i: (*job_of[results[i].source.path][:3], rename, stages) for i, rename in _made_distinct(results).items()}
    for i, outcome in zip(again, _run_jobs(list(again.values()), workers)):
        if isinstance(outcome, Message):
            failures.append(outcome)
        results[i] = outcome
    return [r for r in results if isinstance(r, DocumentResult)], failures


def _run_jobs(jobs: list[tuple], workers: int | None, fn=None) -> list:
    """`fn` (default `document_job`) of every job, in the jobs' order, in `workers` processes (here when 1)."""
    fn = fn or document_job
    workers = min(workers or default_workers(), len(jobs))
    if workers <= 1:
        with collector_paused():  # every result is kept here until the end
            return [fn(*job) for job in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, *zip(*jobs)))


def document_job(path: Path, shown: str, cache_dir: Path | None, rename: tuple[str, str] | None,
                 stages: bool) -> DocumentResult | Message:
    """One document through its stages: a DocumentResult, or the located message of why it has none.
    `rename` is (doc_id, why) for a document given an id made distinct."""
    try:
        result = parse_document(path, shown, cache_dir, rename[0] if rename else None)
    except UnreadableFile as exc:
        return Message(shown, None, ERROR, str(exc).split(": ", 1)[-1])
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
        return Message(shown, None, ERROR, f"could not be parsed: {type(exc).__name__}: {exc}")
    if rename:
        result.messages.append(Message(result.source.path, None, WARNING, rename[1]))
    if stages:
        run_stages([result])
    return result


def build_parts(paths: list[Path], root: Path | None = None, cache_dir: Path | None = None,
                workers: int | None = None, parts_dir: Path | None = None,
                scheduler: str | None = None, downloads: bool = True) -> tuple[list[DocumentOutline], list[Message]]:
    """Every file through every per-document stage, its package rows written to a part (package.write_part)
    in `parts_dir`, as `build_documents` does (workers, same bytes once, ids made distinct). A part is kept
    under a key made of the sha256 of its source, its sidecar and the pipeline's code, so a rebuild runs
    again only the documents that changed; the cache never changes the output. Without `parts_dir` the
    parts go to a temporary folder. With `scheduler` (a dask.distributed address) the documents run on
    that cluster instead of local processes; `parts_dir` must then be a folder its workers share. Without
    `downloads` the workers make no downloads (workbook, database) for the exports stage: that stage makes
    what a part lacks, so this only moves work (make bench measures the build without downloads)."""
    if parts_dir is None:
        parts_dir = Path(tempfile.mkdtemp(prefix="pipeline-parts-"))
    parts_dir.mkdir(parents=True, exist_ok=True)
    code = code_hash()
    for old in parts_dir.iterdir():  # parts made by other code are never used again
        if old.is_dir() and not old.name.startswith(code[:16] + "-"):
            shutil.rmtree(old, ignore_errors=True)

    def job(path: Path, shown: str, rename: tuple[str, str] | None):
        key = part_key(code, path, shown, rename)
        return (path, shown, cache_dir, rename, parts_dir / key if key else None, downloads)

    jobs = [job(path, shown_path(path, root), None) for path in paths]
    run = dask_runner(scheduler) if scheduler else None
    outcomes = _run_cached(jobs, workers, run)
    results = [o for o in outcomes if isinstance(o, DocumentOutline)]
    failures = [o for o in outcomes if isinstance(o, Message)]
    results, dropped = _drop_duplicates(results)
    failures += dropped
    job_of = {j[1]: j for j in jobs}
    again = {i: job(job_of[r.source_path][0], r.source_path, rename)
             for i, rename in _made_distinct(results).items() for r in [results[i]]}
    for i, outcome in zip(again, _run_cached(list(again.values()), workers, run)):
        if isinstance(outcome, Message):
            failures.append(outcome)
        results[i] = outcome
    return [r for r in results if isinstance(r, DocumentOutline)], failures


def _run_cached(jobs: list[tuple], workers: int | None, run=None) -> list:
    """The outline of each job's part: read from the cache where its part is there, else made by a worker
    (local processes, or `run`, which maps part_job over jobs elsewhere and returns in the jobs' order)."""
    outcomes: list = [_cached(job[4]) for job in jobs]
    todo = [i for i, o in enumerate(outcomes) if o is None]
    todo_jobs = [jobs[i] for i in todo]
    made = run(part_job, todo_jobs) if run and todo_jobs else _run_jobs(todo_jobs, workers, part_job)
    for i, outcome in zip(todo, made):
        outcomes[i] = outcome
    return outcomes


def dask_runner(address: str):
    """Map a job function over jobs on the dask.distributed cluster at `address`; results in the jobs'
    order, whatever order the cluster finishes them in. The same function runs as with local processes."""
    from distributed import Client

    def run(fn, jobs: list[tuple]) -> list:
        with Client(address) as client:
            return client.gather(client.map(fn, *zip(*jobs), pure=False))

    return run


OUTLINE = "outline.pickle"


def _cached(folder: Path | None) -> DocumentOutline | None:
    if folder is None or not (folder / OUTLINE).is_file():
        return None
    try:
        with open(folder / OUTLINE, "rb") as f:
            outline = pickle.load(f)  # written by this code (the key holds its hash), in a git-ignored folder
    except Exception:  # noqa: BLE001 - a damaged cache entry is made again
        return None
    if not isinstance(outline, DocumentOutline):
        return None
    outline.part = None if outline.left_out else str(folder)
    return outline


def part_job(path: Path, shown: str, cache_dir: Path | None, rename: tuple[str, str] | None,
             folder: Path | None, downloads: bool = True) -> DocumentOutline | Message:
    """One document through every stage, its rows written to its part in `folder` (made under a temporary
    name and renamed into place, so a part is whole or absent); returns its outline."""
    from .package import write_part

    result = document_job(path, shown, cache_dir, rename, True)
    if isinstance(result, Message):
        return result
    if folder is None:  # a file that cannot be keyed (not a regular file): read by the read stage, never cached
        folder = Path(tempfile.mkdtemp(prefix="pipeline-part-"))
    work = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    try:
        outline = DocumentOutline.of(result)
        columns: dict = {}
        outline.left_out = write_part(result, work, columns)
        if downloads and not outline.left_out:  # the document's downloads, made here with its part and kept in it
            from .exports import write_part_downloads
            write_part_downloads(work, columns=columns)
        with open(work / OUTLINE, "wb") as f:
            pickle.dump(outline, f, protocol=pickle.HIGHEST_PROTOCOL)
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    outline.part = None if outline.left_out else str(folder)
    return outline


def code_hash() -> str:
    """sha256 of what makes a part: the pipeline's source files, the schema, the pyarrow that writes and the
    release date the slices record (SOURCE_DATE_EPOCH), so a cached part never carries another date."""
    import pyarrow

    from .package import created
    from .schema import SCHEMA_DIR

    digest = hashlib.sha256(f"pyarrow {pyarrow.__version__}\ncreated {created()}\n".encode())
    here = Path(__file__).resolve().parent
    files = [p for p in here.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    files += [p for p in SCHEMA_DIR.rglob("*") if p.is_file()]
    for p in sorted(files):
        name = p.relative_to(here).as_posix() if p.is_relative_to(here) else f"schema/{p.relative_to(SCHEMA_DIR).as_posix()}"
        digest.update(f"{name}\n".encode("utf-8"))
        digest.update(hashlib.sha256(p.read_bytes()).digest())
    return digest.hexdigest()


def part_key(code: str, path: Path, shown: str, rename: tuple[str, str] | None) -> str | None:
    """The cache key of a document's part: the code, the published path, an id given by the build, the
    source's bytes and its sidecar's. None for what is not a regular file (the read stage says why)."""
    try:
        st = path.lstat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    digest = hashlib.sha256(json.dumps([shown, rename], ensure_ascii=False).encode("utf-8"))
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    sidecar = path.with_name(path.stem + ".meta.json")
    if sidecar.is_symlink():  # refused by the metadata stage; its target is not read here either
        digest.update(b"symlink " + os.readlink(sidecar).encode("utf-8", "surrogateescape"))
    elif sidecar.is_file():
        digest.update(b"sidecar " + sidecar.read_bytes())
    elif sidecar.exists():
        return None
    return f"{code[:16]}-{digest.hexdigest()[:40]}"


def run_stages(results, timings: dict[str, float] | None = None) -> None:
    """The stages after the parse, per document: projects (forms → projects/indicators), then validation
    (→ findings and a quality summary), each setting its typed output on the result (`forms`, `validation`). A
    stage that fails on one document leaves a located error in its report; the others go on. `timings`, if
    given, collects the seconds spent per stage (for make bench)."""
    from .projects import extract_projects
    from .validate import validate

    stages = [("projects", extract_projects, "forms"), ("validation", validate, "validation")]
    for r in results:
        for name, stage, output in stages:
            start = time.perf_counter()
            try:
                setattr(r, output, stage(r))
            except Exception as exc:  # noqa: BLE001 - one document's surprise must not stop the others
                setattr(r, output, None)
                r.messages.append(Message(r.source.path, None, ERROR,
                                          f"{name} stage failed: {type(exc).__name__}: {exc}"))
            if timings is not None:
                timings[name] = timings.get(name, 0.0) + time.perf_counter() - start


def _made_distinct(results) -> dict[int, tuple[str, str]]:
    """Two files for the same agency, year and kind: each gets an id from its bytes, not from its order.
    Returns {index: (new doc_id, why)}."""
    seen = Counter(r.document["doc_id"] for r in results)
    renames = {}
    for i, r in enumerate(results):
        old = r.document["doc_id"]
        if seen[old] > 1:
            new_id = f"{old[:ID_ROOM].rstrip('-')}-{r.document['source_sha256'][:8]}"
            renames[i] = (new_id, f"{seen[old]} documents would get the id {old!r}; this one is {new_id!r} "
                                  "(from the first 8 hex digits of its sha256); pin a doc_id in its sidecar")
    return renames


ID_ROOM = 91  # an id made distinct gets "-" and 8 hex digits and stays within the declared 100 characters


def _drop_duplicates(results: list) -> tuple[list, list[Message]]:
    """The same bytes committed twice are one document: the first by path is kept, the others reported."""
    first: dict[str, DocumentResult] = {}
    dropped: list[Message] = []
    def where(r) -> str:
        return r.source_path if isinstance(r, DocumentOutline) else r.source.path

    for r in sorted(results, key=where):
        kept = first.setdefault(r.document["source_sha256"], r)
        if kept is not r:
            dropped.append(Message(where(r), None, WARNING,
                                   f"the same bytes as {where(kept)} (sha256 {r.document['source_sha256'][:12]}…); "
                                   "published once, as that file"))
    return [r for r in results if first[r.document["source_sha256"]] is r], dropped
