"""Stage 1 for PDFs: a PDF's text layer → the same lines the text reader gives, each with its page.

Each page's text lines and ruled tables come out in the order they are printed, top to bottom: a title,
the table, the note under it. A table row becomes one line of tab-separated cells; text wrapped inside a
cell is joined; a paragraph wrapped at the right margin is joined within its page. Running headers and
footers (the same text in the top or bottom margin of many pages) and page numbers are dropped. Later
stages see plain lines and never need to know the source was a PDF; `Source.pages[i]` is the page of
line i+1, so every value can be traced to its page.

Glyphs are grouped into lines by their vertical centres, not their tops: these PDFs set digits in a
Latin font whose boxes sit lower than the Chinese ones on the same baseline, and a top-based grouping
would tear "2024年度" into two lines.

Extraction takes seconds per document, so its result is cached by the file's sha256 and EXTRACTOR_VERSION
in a folder the caller names; the cache holds exactly what extraction returns, so it never changes the
output.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .model import Message, Source
from .read import UnreadableFile
from .severity import ERROR, INFO, NAMES, WARNING, Severity

# Bump when the lines this module produces for the same PDF change: old cache entries are then ignored.
EXTRACTOR_VERSION = "6"

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
_HEADING_START = re.compile(r"^(?:第[一二三四五六七八九十百]+部分|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|"
                            r"\d{1,2}[、.．](?!\d)|注[:：]|附件|[（(]\d+[)）])")
# a page number alone in a margin: 3 · - 3 - · — 3 — · 第3页 · 第 3 页 共 25 页 · 3/25
_PAGE_NUMBER = re.compile(r"^(?:[-—–－\s]*\d{1,4}[-—–－\s]*|第\s*\d{1,4}\s*页(?:\s*[,，]?\s*共\s*\d{1,4}\s*页)?|"
                          r"\d{1,4}\s*/\s*\d{1,4})$")
MAX_PAGES = 2000  # a disclosure runs to tens of pages; far more is not one (or is hostile): fail closed
MARGIN = 0.08  # the top and bottom 8 % of a page hold running headers, footers and page numbers


class PdfUnreadable(UnreadableFile):
    """The PDF cannot be read as a disclosure (encrypted, corrupt, or no text layer)."""


@dataclass
class _Line:
    """One printed line of text (outside tables), or one table row when `cells` is set."""

    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    text: str
    is_row: bool = False
    chars: list | None = None  # a text line's glyphs, for finding the columns of a table printed without rules
    page: int = 0


# ------------------------------------------------------------------------------------------ glyphs → lines

def _centre(c: dict) -> float:
    return (c["top"] + c["bottom"]) / 2


def group_lines(chars: list[dict]) -> list[list[dict]]:
    """Glyphs → visual lines, top to bottom, each left to right. A glyph joins a line when its vertical
    centre lies within 0.45 of the line's font size from the line's first centre (same baseline, other font)."""
    lines: list[list[dict]] = []
    for c in sorted(chars, key=lambda c: (_centre(c), c["x0"])):
        if lines:
            first = lines[-1][0]
            if abs(_centre(c) - _centre(first)) <= 0.45 * max(first["size"], c["size"], 1.0):
                lines[-1].append(c)
                continue
        lines.append([c])
    return [sorted(line, key=lambda c: c["x0"]) for line in lines]


def line_text(chars: list[dict]) -> str:
    """Glyphs of one line → text; a gap wider than a third of the font size is a space."""
    out = ""
    prev = None
    for c in chars:
        if prev is not None and c["x0"] - prev["x1"] > 0.33 * min(c["size"], prev["size"]):
            out += " "
        out += c["text"]
        prev = c
    return out.strip()


def join_wrapped(parts: list[str]) -> str:
    """Pieces of one wrapped text → one text: no space between Chinese, one between Latin words."""
    out = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if out and _ASCII_WORD.match(out[-1]) and _ASCII_WORD.match(part[0]):
            out += " "
        out += part
    return out


def _unspace_cjk(text: str) -> str:
    """'因 公 出 国 （ 境 ） 费用' (a cell justified by letter-spacing) → '因公出国（境）费用'."""
    return text.replace(" ", "") if _spaced_cjk(text) else text


def _spaced_cjk(text: str) -> bool:
    pieces = text.split(" ")
    return len(pieces) > 1 and all(_CJK.search(p[:1] or "a") or _CJK.search(p[-1:] or "a") for p in pieces)


def cell_text(chars: list[dict]) -> str:
    return join_wrapped([_unspace_cjk(line_text(line)) for line in group_lines(chars)])


# ------------------------------------------------------------------------------------------ one page

def _inside(c: dict, box, pad: float = 0.5) -> bool:
    x, y = (c["x0"] + c["x1"]) / 2, _centre(c)
    return box[0] - pad <= x <= box[2] + pad and box[1] - pad <= y <= box[3] + pad


def _table_rows(table, chars: list[dict]) -> tuple[list[_Line], list[dict]]:
    """A pdfplumber table → one _Line per printed row (tab-separated cells); glyphs inside the table's
    frame but in none of its cells are returned to be read as text."""
    rows = table.rows
    cell_boxes = [[cell for cell in row.cells] for row in rows]
    taken: dict[tuple[int, int], list[dict]] = {}
    loose = []
    for c in chars:
        for r, boxes in enumerate(cell_boxes):
            hit = next((k for k, b in enumerate(boxes) if b is not None and _inside(c, b, 0.0)), None)
            if hit is not None:
                taken.setdefault((r, hit), []).append(c)
                break
        else:
            loose.append(c)
    out = []
    for r, boxes in enumerate(cell_boxes):
        texts = [cell_text(taken.get((r, k), [])) for k in range(len(boxes))]
        if not any(texts):
            continue
        real = [b for b in boxes if b is not None]
        size = max((c["size"] for k in range(len(boxes)) for c in taken.get((r, k), [])), default=10.0)
        out.append(_Line(top=min(b[1] for b in real), bottom=max(b[3] for b in real), x0=table.bbox[0],
                         x1=table.bbox[2], size=size, text="\t".join(t.replace("\t", " ") for t in texts),
                         is_row=True))
    return out, loose


def _text_lines(chars: list[dict]) -> list[_Line]:
    out = []
    for line in group_lines(chars):
        text = line_text(line)
        if text:
            sizes = Counter(round(c["size"], 1) for c in line)
            out.append(_Line(top=min(c["top"] for c in line), bottom=max(c["bottom"] for c in line),
                             x0=line[0]["x0"], x1=line[-1]["x1"], size=sizes.most_common(1)[0][0], text=text,
                             chars=line))
    return out


# ------------------------------------------------------------------------------------------ tables without rules

_UNIT = re.compile(r"单位[:：]")
_NOTE = re.compile(r"^(?:注|说明|备注)\s*[:：]")


def _segments(ln: _Line) -> list[tuple[float, float, str]]:
    """A text line cut where glyphs stand more than 1.5 em apart: (x0, x1, text) of each piece."""
    pieces: list[list[dict]] = [[]]
    for c in ln.chars or []:
        prev = pieces[-1][-1] if pieces[-1] else None
        if prev is not None and c["x0"] - prev["x1"] > 1.2 * min(c["size"], prev["size"]):
            pieces.append([])
        pieces[-1].append(c)
    return [(p[0]["x0"], p[-1]["x1"], _unspace_cjk(line_text(p))) for p in pieces if p]


def _has_amount(segs) -> bool:
    from .text import is_amount

    return any(is_amount(t) for _, _, t in segs)


def _column(spans: list[list[float]], x0: float, x1: float) -> int:
    """The column a piece belongs to: the first it overlaps (a header spanning several goes to its first),
    else the nearest."""
    hits = [n for n, (a, b) in enumerate(spans) if x0 < b and x1 > a]
    return hits[0] if hits else min(range(len(spans)), key=lambda n: abs((spans[n][0] + spans[n][1] - x0 - x1) / 2))


def _merge(intervals) -> list[list[float]]:
    out: list[list[float]] = []
    for x0, x1 in sorted(tuple(i) for i in intervals):
        if out and x0 <= out[-1][1]:
            out[-1][1] = max(out[-1][1], x1)
        else:
            out.append([x0, x1])
    return out


def unruled_tables(items: list[_Line]) -> list[_Line]:
    """Runs of text lines that are a table printed without rules become rows of tab-separated cells.

    A run starts at a line of pieces standing apart (more than 1.2 em) with an amount among them, or of
    three pieces or more, and goes on over lines of two pieces or more and over labels alone where one of
    its columns begins; it ends at its last line of two pieces or more and needs two lines with amounts. Header lines of two pieces or more right
    above belong to it. The columns are the spans the
    pieces of the rows with amounts cover; each piece goes to the column it overlaps (a header spanning
    several to the first), so a blank cell stays blank in its column."""
    segs = [None if ln.is_row else _segments(ln) for ln in items]

    def row_like(k: int) -> bool:
        s = segs[k]
        return s is not None and len(s) >= 2 and (_has_amount(s) or len(s) >= 3) and not _UNIT.search(items[k].text)

    out: list[_Line] = []
    i = 0
    while i < len(items):
        if not row_like(i):
            out.append(items[i])
            i += 1
            continue
        starts = [x0 for x0, _, _ in segs[i]]  # where the run's pieces begin: its columns, as far as seen

        def goes_on(k: int) -> bool:  # a line of pieces, or a label alone where a column begins
            s = segs[k] if k < len(items) else None
            if s is None or _UNIT.search(items[k].text):
                return False
            if len(s) >= 2:
                starts.extend(x0 for x0, _, _ in s)
                return True
            return any(abs(s[0][0] - x) <= items[k].size for x in starts)

        j = i
        while goes_on(j):
            j += 1
        start = i
        while (start > 0 and segs[start - 1] is not None and len(segs[start - 1]) >= 2
               and not _UNIT.search(items[start - 1].text) and out and out[-1] is items[start - 1]):
            start -= 1  # a two-piece header line right above
        body = [segs[k] for k in range(i, j) if _has_amount(segs[k])]
        if len(body) < 2:
            out.append(items[i])
            i += 1
            continue
        del out[len(out) - (i - start):]
        spans = _merge([p[:2] for s in body for p in s])
        # a column with no amount in any row (blank throughout) is known by its header alone
        spans = _merge(spans + [p[:2] for k in range(start, j) for p in segs[k]
                                if not any(p[0] < b and p[1] > a for a, b in spans)])

        def in_a_cell(k: int) -> bool:  # a label alone that starts in a column and ends before the next
            (x0, x1, text), = segs[k]
            col = next((n for n, (a, b) in enumerate(spans) if a - items[k].size <= x0 <= b), None)
            return (not _NOTE.match(text) and col is not None
                    and (col == len(spans) - 1 or x1 < spans[col + 1][0]))

        while j > i and len(segs[j - 1]) == 1 and not in_a_cell(j - 1):
            j -= 1  # a note or a title after the table is not a row of it
        tops = [items[k].top for k in range(start, j)]
        gaps = sorted(b - a for a, b in zip(tops, tops[1:]) if b > a)
        pitch = gaps[len(gaps) // 2] if gaps else 0.0  # the usual distance from row to row
        for k in range(start, j):
            ln = items[k]
            if (k > start and out[-1].is_row and out[-1].page == ln.page and not _has_amount(segs[k])
                    and 0 < ln.top - items[k - 1].top < 0.8 * pitch):
                # closer than rows are: the text of a cell wrapped onto a second line
                prev = out[-1].text.split("\t")
                for x0, x1, text in segs[k]:
                    n = _column(spans, x0, x1)
                    prev[n] = join_wrapped([prev[n], text])
                out[-1].text = "\t".join(prev)
                continue
            cells = [""] * len(spans)
            for x0, x1, text in segs[k]:
                n = _column(spans, x0, x1)
                cells[n] = f"{cells[n]} {text}".strip()
            out.append(_Line(top=ln.top, bottom=ln.bottom, x0=ln.x0, x1=ln.x1, size=ln.size,
                             text="\t".join(cells), is_row=True, page=ln.page))
        i = j
    return out


def _join_paragraphs(lines: list[_Line], page_width: float) -> list[_Line]:
    """A prose line that ends near the right edge of the page's text (Chinese wraps a few characters
    short of it, before punctuation or a number) continues on the next line when that one starts at the
    left edge, in the same font size, and does not open a heading. Only a paragraph whose first line is
    indented runs on (a page of lines all flush left, like a table of contents, stays as printed), and only
    lines spanning most of the page count as prose. A centred title that spans most of the page and goes
    on in a centred line of the same size right under it is one title wrapped in two (a short centred
    title over another, as on a cover, stays two lines)."""
    text = [ln for ln in lines if not ln.is_row]
    if not text:
        return lines
    left = min(ln.x0 for ln in text)
    right = max(ln.x1 for ln in text)
    out: list[_Line] = []
    for ln in lines:
        prev = out[-1] if out else None
        if (prev is None or prev.is_row or ln.is_row or prev.x1 - prev.x0 < 0.6 * page_width
                or abs(prev.size - ln.size) > 0.5 or ln.top - prev.bottom > 1.2 * ln.size
                or _HEADING_START.match(ln.text)):
            out.append(ln)
        elif prev.x0 > left + 0.2 * prev.size and prev.x1 >= right - 4 * prev.size and ln.x0 <= left + 0.5 * ln.size:
            prev.text = join_wrapped([prev.text, ln.text])  # prose: x0 stays the paragraph's indented start
            prev.bottom, prev.x1 = ln.bottom, ln.x1
        elif _centred(prev, page_width) and _centred(ln, page_width):
            prev.text = join_wrapped([prev.text, ln.text])  # a wrapped centred title
            prev.bottom = ln.bottom
        else:
            out.append(ln)
    return out


def _centred(ln: _Line, page_width: float) -> bool:
    return abs((ln.x0 + ln.x1) / 2 - page_width / 2) <= ln.size


@dataclass
class _Page:
    lines: list[_Line]
    scanned: bool = False  # images over the page and no text
    sideways: int = 0  # glyphs set turned 90° (a table on its side), which are not read


def page_lines(page) -> _Page:
    """The page's lines in reading order, and what could not be read."""
    printed = [c for c in page.chars if c.get("text", "").strip()]
    chars = [c for c in printed if c.get("upright", True)]
    sideways = len(printed) - len(chars)
    if not chars:
        covered = sum(abs((im["x1"] - im["x0"]) * (im["bottom"] - im["top"])) for im in page.images)
        return _Page([], scanned=not printed and covered > 0.3 * float(page.width) * float(page.height),
                     sideways=sideways)
    items: list[_Line] = []
    rest = chars
    for table in page.find_tables():
        inside = [c for c in rest if _inside(c, table.bbox)]
        if not inside:
            continue
        rest = [c for c in rest if not _inside(c, table.bbox)]
        rows, loose = _table_rows(table, inside)
        items += rows
        rest += loose
    items += _text_lines(rest)
    items.sort(key=lambda ln: (ln.top, ln.x0))
    return _Page(items, sideways=sideways)


# ------------------------------------------------------------------------------------------ whole file

def _normal(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def drop_running(pages: list[list[_Line]], heights: list[float]) -> tuple[list[list[_Line]], int]:
    """Drop page numbers and running headers/footers: text lines in the top or bottom margin that are a
    page number, or whose text (digits aside) recurs in the margins of at least 3 pages and half of them."""
    in_margin = [[ln for ln in lines if not ln.is_row and (ln.bottom <= MARGIN * h or ln.top >= (1 - MARGIN) * h)]
                 for lines, h in zip(pages, heights)]
    seen: dict[str, int] = {}
    for lines in in_margin:
        for key in {_normal(ln.text) for ln in lines}:
            seen[key] = seen.get(key, 0) + 1
    need = max(3, (len(pages) + 1) // 2)
    dropped = 0
    kept_pages = []
    for lines, margin in zip(pages, in_margin):
        drop = {id(ln) for ln in margin if _PAGE_NUMBER.match(ln.text.strip()) or seen[_normal(ln.text)] >= need}
        dropped += len(drop)
        kept_pages.append([ln for ln in lines if id(ln) not in drop])
    return kept_pages, dropped


def _causes(exc: BaseException):
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


def extract(data: bytes, name: str) -> dict:
    """Read a PDF's bytes → {"lines", "pages", "page_count", "messages"}; raise PdfUnreadable with a
    message saying what is wrong and what to do."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    if b"%PDF-" not in data[:1024]:
        raise PdfUnreadable(f"{name}: not a PDF (no %PDF- header): replace it with the PDF as published")
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # font warnings on every page say nothing to users
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pages = list(pdf.pages)
    except Exception as exc:  # noqa: BLE001 - classify what pdfminer/pdfplumber raised
        if any(isinstance(e, (PDFPasswordIncorrect, PDFEncryptionError)) for e in _causes(exc)):
            raise PdfUnreadable(f"{name}: the PDF is encrypted and needs a password to open: ask the agency "
                                "for an unprotected copy, or decrypt it (qpdf --decrypt) and commit that") from None
        raise PdfUnreadable(f"{name}: the PDF is corrupt and cannot be opened ({type(exc).__name__}: {exc}): "
                            "download it again from the agency's site") from None
    if len(pages) > MAX_PAGES:
        pdf.close()
        raise PdfUnreadable(f"{name}: the PDF has {len(pages)} pages, more than the {MAX_PAGES} a disclosure can "
                            "have: commit each disclosure as its own file")
    if not pages:
        raise PdfUnreadable(f"{name}: the PDF is corrupt: it has no pages: download it again from the agency's site")
    messages: list[dict] = []
    per_page: list[list[_Line]] = []
    heights: list[float] = []
    widths: list[float] = []
    scanned: list[int] = []
    sideways: dict[int, int] = {}
    with pdf:
        for number, page in enumerate(pages, 1):
            heights.append(float(page.height))
            widths.append(float(page.width))
            try:
                got = page_lines(page)
            except Exception as exc:  # noqa: BLE001 - one damaged page must not lose the others
                messages.append({"severity": ERROR, "text": f"page {number} could not be read "
                                 f"({type(exc).__name__}: {exc}); its content is missing: check the PDF"})
                got = _Page([])
            if got.scanned:
                scanned.append(number)
            if got.sideways:
                sideways[number] = got.sideways
            per_page.append(got.lines)
    if not any(per_page):
        if scanned:
            raise PdfUnreadable(f"{name}: the PDF is scanned: its {len(pages)} page(s) are images with no text layer; "
                                "OCR is not part of the build: commit a PDF with a text layer or the text itself")
        if sideways:
            raise PdfUnreadable(f"{name}: all the text of the PDF is set sideways (turned 90°), which is not read: "
                                "commit the PDF with its pages turned upright, or the text itself")
        raise PdfUnreadable(f"{name}: the PDF has no text on any of its {len(pages)} page(s): "
                            "commit a PDF with a text layer or the text itself")
    for number in scanned:
        messages.append({"severity": WARNING, "text": f"page {number} is an image with no text layer (scanned); "
                         "its content is not read: OCR is not part of the build"})
    for number, count in sideways.items():
        messages.append({"severity": WARNING, "text": f"page {number}: {count} character(s) set sideways (turned "
                         "90°, e.g. a table on its side) are not read: turn the page upright in the PDF"})
    per_page, dropped = drop_running(per_page, heights)
    # only then tables printed without rules and wrapped prose: a running header is neither
    for number, lines in enumerate(per_page, 1):
        for ln in lines:
            ln.page = number
    flat = unruled_tables([ln for lines in per_page for ln in lines])
    per_page = [_join_paragraphs([ln for ln in flat if ln.page == number], width)
                for number, width in enumerate(widths, 1)]
    if dropped:
        messages.append({"severity": INFO,
                         "text": f"{dropped} running header, footer or page-number line(s) dropped"})
    lines: list[str] = []
    page_of: list[int] = []
    for number, page in enumerate(per_page, 1):
        for ln in page:
            lines.append(ln.text)
            page_of.append(number)
    return {"lines": lines, "pages": page_of, "page_count": len(pages), "messages": messages}


# ------------------------------------------------------------------------------------------ cache

def _cache_key(sha256: str) -> str:
    import pdfplumber
    return f"{sha256}-v{EXTRACTOR_VERSION}-pdfplumber{pdfplumber.__version__}.json"


def _load_cached(path: Path) -> dict | None:
    """A cache entry, or None when it is missing or not what extraction writes (it is then redone)."""
    try:
        got = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = (isinstance(got, dict) and isinstance(got.get("lines"), list) and isinstance(got.get("pages"), list)
          and len(got["lines"]) == len(got["pages"]) and isinstance(got.get("page_count"), int)
          and all(isinstance(s, str) for s in got["lines"])
          and all(isinstance(n, int) and 1 <= n <= got["page_count"] for n in got["pages"])
          and isinstance(got.get("messages"), list)
          and all(isinstance(m, dict) and isinstance(m.get("text"), str) and m.get("severity") in NAMES
                  for m in got["messages"]))
    return got if ok else None


def _store(path: Path, got: dict) -> None:
    """Write atomically: a build interrupted mid-write never leaves a half entry that a later build reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(got, f, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


def read_pdf(path: Path, display_path: str | None = None, cache_dir: Path | None = None) -> Source:
    """A PDF disclosure → Source with `pages`; extraction is looked up in, or stored to, `cache_dir`."""
    data = path.read_bytes()
    name = display_path or str(path)
    sha = hashlib.sha256(data).hexdigest()
    got = None
    entry = Path(cache_dir) / _cache_key(sha) if cache_dir else None
    if entry is not None:
        got = _load_cached(entry)
    if got is None:
        got = extract(data, name)
        if entry is not None:
            _store(entry, got)
    messages = [Message(name, None, Severity(m["severity"]), m["text"]) for m in got["messages"]]
    return Source(path=name, sha256=sha, encoding="pdf", lines=got["lines"], messages=messages,
                  pages=got["pages"], page_count=got["page_count"])
