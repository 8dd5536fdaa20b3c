"""Parse one disclosure through the stages read → segment → tables → facts; parse a folder of them so
that one bad file never takes the others down."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from .classify import MONEY_TYPES, listed_tables, table_type
from .facts import build_table, fill_inferred, find_unplaced
from .metadata import read_metadata
from .model import DocumentResult, Message
from .privacy import mask
from .read import UnreadableFile, read_source
from .sections import build_glossary, build_sections
from .segment import segment

SUFFIXES = (".txt", ".md", ".pdf")


def parse_document(path: Path, display_path: str | None = None, cache_dir: Path | None = None) -> DocumentResult:
    source = read_source(path, display_path, cache_dir)
    seg = segment(source)
    messages = list(source.messages)
    units = [b.unit_text for b in seg.blocks if table_type(b.title) in MONEY_TYPES and b.unit_text]
    if not units:
        units = [b.unit_text for b in seg.blocks if b.unit_text]
    sidecar = path.with_name(path.stem + ".meta.json")
    meta, meta_msgs = read_metadata(source, units, sidecar, str(Path(source.path).with_name(sidecar.name)))
    messages += meta_msgs
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
            messages.append(Message(source.path, t.block.line_start, "warning",
                                    f"table {t.title!r} (lines {t.block.line_start}–{t.block.line_end}): "
                                    f"{len(t.unplaced)} printed amount(s) not in facts under a column: {shown}{more}"))
    loose = [(line, a) for line, amounts in seg.loose_rows for a in amounts]
    if seg.loose_rows:
        first, last = seg.loose_rows[0][0], seg.loose_rows[-1][0]
        messages.append(Message(source.path, first, "warning",
                                f"lines {first}–{last}: {len(seg.loose_rows)} lines print {len(loose)} amounts in "
                                "columns but no table was read there (no tab-separated cells); "
                                "their amounts are not in facts"))
    found = {t.table_type for t in tables}
    for line, entry, kind in listed_tables(seg.toc):
        if kind not in found:
            messages.append(Message(source.path, line, "warning",
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
        return Message(source.path, last.rows[-1].line, "warning",
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
    """Parse every file; a file that cannot be read gives a located message and is skipped. PDF
    extractions are cached in `cache_dir` when given."""
    results: list[DocumentResult] = []
    failures: list[Message] = []
    for path in paths:
        shown = shown_path(path, root)
        try:
            results.append(parse_document(path, shown, cache_dir))
        except UnreadableFile as exc:
            failures.append(Message(shown, None, "error", str(exc).split(": ", 1)[-1]))
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
            failures.append(Message(shown, None, "error", f"could not be parsed: {type(exc).__name__}: {exc}"))
    results, dropped = _drop_duplicates(results)
    failures += dropped
    seen = Counter(r.document["doc_id"] for r in results)
    for r in results:  # two files for the same agency, year and kind: ids from their bytes, not their order
        old = r.document["doc_id"]
        if seen[old] > 1:
            new_id = f"{old[:ID_ROOM].rstrip('-')}-{r.document['source_sha256'][:8]}"
            _rename(r, new_id)
            r.messages.append(Message(r.source.path, None, "warning",
                                      f"{seen[old]} documents would get the id {old!r}; this one is {new_id!r} "
                                      "(from the first 8 hex digits of its sha256); pin a doc_id in its sidecar"))
    return results, failures


ID_ROOM = 91  # an id made distinct gets "-" and 8 hex digits and stays within the declared 100 characters


def _drop_duplicates(results: list[DocumentResult]) -> tuple[list[DocumentResult], list[Message]]:
    """The same bytes committed twice are one document: the first by path is kept, the others reported."""
    first: dict[str, DocumentResult] = {}
    dropped: list[Message] = []
    for r in sorted(results, key=lambda r: r.source.path):
        kept = first.setdefault(r.document["source_sha256"], r)
        if kept is not r:
            dropped.append(Message(r.source.path, None, "warning",
                                   f"the same bytes as {kept.source.path} (sha256 {r.document['source_sha256'][:12]}…); "
                                   "published once, as that file"))
    return [r for r in results if first[r.document["source_sha256"]] is r], dropped


def _rename(result: DocumentResult, new_id: str) -> None:
    old = result.document["doc_id"]
    result.document["doc_id"] = new_id
    for t in result.tables:
        t.doc_id = new_id
        t.table_id = t.table_id.replace(old, new_id, 1)
        for row in t.facts + t.cells:
            row["doc_id"], row["table_id"] = new_id, t.table_id
    for row in result.sections + result.glossary:
        row["doc_id"] = new_id
