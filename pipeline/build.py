"""Parse one disclosure through the stages read → segment → tables → facts; parse a folder of them so
that one bad file never takes the others down."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from .classify import MONEY_TYPES, listed_tables, table_type
from .facts import build_table, fill_inferred, find_unplaced
from .metadata import read_metadata
from .model import DocumentResult, Message
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
    meta, meta_msgs = read_metadata(source, units, path.with_name(path.stem + ".meta.json"))
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
    return sorted(p for p in sources.iterdir() if p.is_file() and p.suffix in SUFFIXES)


def parse_all(paths: list[Path], root: Path | None = None,
              cache_dir: Path | None = None) -> tuple[list[DocumentResult], list[Message]]:
    """Parse every file; a file that cannot be read gives a located message and is skipped. PDF
    extractions are cached in `cache_dir` when given."""
    results: list[DocumentResult] = []
    failures: list[Message] = []
    for path in paths:
        shown = str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)
        try:
            results.append(parse_document(path, shown, cache_dir))
        except UnreadableFile as exc:
            failures.append(Message(shown, None, "error", str(exc).split(": ", 1)[-1]))
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
            failures.append(Message(shown, None, "error", f"could not be parsed: {type(exc).__name__}: {exc}"))
    seen = Counter()
    for r in results:  # two files for the same agency, year and kind keep distinct ids
        seen[r.document["doc_id"]] += 1
    for r in results:
        if seen[r.document["doc_id"]] > 1:
            new_id = f"{r.document['doc_id']}-{r.document['source_sha256'][:8]}"
            _rename(r, new_id)
    return results, failures


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
