"""Tiny PDFs written from scratch for the PDF reader's tests: text (Chinese included) at given positions,
ruled lines, a page-sized image (a "scanned" page), an encryption dictionary whose password nobody knows,
or damaged bytes. No PDF library is needed to write them; the reader under test reads them with pdfplumber.

Text uses an unembedded CID font with Identity-H encoding (a glyph id per Unicode code point) and a
ToUnicode map, so every character reads back as itself; glyphs are 1 em wide. Coordinates are given like
pdfplumber reports them: x from the left, `top` from the top of the page.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Page:
    width: float = 595.0
    height: float = 842.0
    ops: list[str] = field(default_factory=list)
    image: bool = False
    rotate: int = 0  # the page's /Rotate (a landscape table on a portrait sheet)

    def text(self, x: float, top: float, text: str, size: float = 12.0) -> "Page":
        """Glyphs whose box's top is at `top` (the baseline sits 0.88 em lower, as pdfminer places it)."""
        baseline = self.height - top - 0.88 * size
        hexed = "".join(f"{ord(ch):04X}" for ch in text)
        self.ops.append(f"BT /F1 {size:g} Tf {x:.2f} {baseline:.2f} Td <{hexed}> Tj ET")
        return self

    def rotated_text(self, x: float, top: float, text: str, size: float = 12.0) -> "Page":
        """Glyphs set running upwards (turned 90°), as a table turned on its side prints them."""
        hexed = "".join(f"{ord(ch):04X}" for ch in text)
        self.ops.append(f"BT /F1 {size:g} Tf 0 1 -1 0 {x:.2f} {self.height - top:.2f} Tm <{hexed}> Tj ET")
        return self

    def line(self, x0: float, top0: float, x1: float, top1: float) -> "Page":
        self.ops.append(f"{x0:.2f} {self.height - top0:.2f} m {x1:.2f} {self.height - top1:.2f} l S")
        return self

    def grid(self, x: list[float], top: list[float]) -> "Page":
        """A ruled table: vertical rules at x, horizontal rules at top."""
        for t in top:
            self.line(x[0], t, x[-1], t)
        for v in x:
            self.line(v, top[0], v, top[-1])
        return self

    def table(self, x0: float, top0: float, widths: list[float], rows: list[list[str]], row_height: float = 20.0,
              size: float = 10.0) -> float:
        """A ruled table with one line of text per cell; returns the bottom of the table."""
        xs = [x0]
        for w in widths:
            xs.append(xs[-1] + w)
        tops = [top0 + i * row_height for i in range(len(rows) + 1)]
        self.grid(xs, tops)
        for r, row in enumerate(rows):
            for k, cell in enumerate(row):
                if cell:
                    self.text(xs[k] + 2, tops[r] + (row_height - size) / 2, cell, size)
        return tops[-1]


def _tounicode() -> bytes:
    ranges = "\n".join(f"<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>" for hi in range(256))
    return ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            f"256 beginbfrange\n{ranges}\nendbfrange\nendcmap CMapName currentdict /CMap defineresource pop end end\n"
            ).encode("ascii")


def _stream(head: str, data: bytes) -> bytes:
    return f"<< {head} /Length {len(data)} >>\nstream\n".encode("ascii") + data + b"\nendstream"


def build_pdf(pages: list[Page], encrypt: bool = False) -> bytes:
    """The bytes of a PDF with these pages. `encrypt` adds a standard security handler whose user
    password is not the empty one, so no reader can open the file without it."""
    objs: list[bytes] = []

    def add(body: bytes | str) -> int:
        objs.append(body.encode("ascii") if isinstance(body, str) else body)
        return len(objs)

    catalog = add("")  # filled in below, once the page tree's number is known
    pages_id = add("")
    cidfont = add("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun "
                  "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>")
    tounicode = add(_stream("", _tounicode()))
    font = add(f"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H "
               f"/DescendantFonts [{cidfont} 0 R] /ToUnicode {tounicode} 0 R >>")
    image = add(_stream("/Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray "
                        "/BitsPerComponent 8", b"\x10\x80\x80\x10"))
    kids = []
    for page in pages:
        ops = list(page.ops)
        if page.image:
            ops.insert(0, f"q {page.width:g} 0 0 {page.height:g} 0 0 cm /Im1 Do Q")
        content = add(_stream("", "\n".join(ops).encode("ascii")))
        kids.append(add(f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {page.width:g} {page.height:g}] "
                        f"/Rotate {page.rotate} "
                        f"/Resources << /Font << /F1 {font} 0 R >> /XObject << /Im1 {image} 0 R >> >> "
                        f"/Contents {content} 0 R >>"))
    objs[catalog - 1] = f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode("ascii")
    objs[pages_id - 1] = (f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] "
                          f"/Count {len(kids)} >>").encode("ascii")
    encrypt_ref = ""
    if encrypt:
        o_value, u_value = "A" * 64, "5" * 64  # a /U that no password (the empty one included) produces
        enc = add(f"<< /Filter /Standard /V 1 /R 2 /O <{o_value}> /U <{u_value}> /P -44 >>")
        encrypt_ref = f" /Encrypt {enc} 0 R /ID [<00112233445566778899AABBCCDDEEFF> <00112233445566778899AABBCCDDEEFF>]"

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode("ascii") + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += b"".join(f"{o:010d} 00000 n \n".encode("ascii") for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root {catalog} 0 R{encrypt_ref} >>\nstartxref\n{xref}\n%%EOF\n".encode("ascii")
    return bytes(out)


def _pieces(text: str, width: int) -> list[str]:
    """`text` cut into pieces of at most `width` characters, never between two Latin letters or digits
    (a reader joins pieces of Chinese without a space and pieces of Latin words with one)."""
    out = []
    while len(text) > width:
        cut = width
        while cut > 1 and text[cut - 1].isascii() and text[cut - 1].isalnum() and text[cut].isascii() and text[cut].isalnum():
            cut -= 1
        if cut <= 1:
            cut = width
        out.append(text[:cut])
        text = text[cut:]
    return out + [text]


def text_as_pdf(lines: list[str], size: float = 9.0, lines_per_page: int = 48, header: str = "部门决算公开",
                rules: bool = True) -> bytes:
    """A disclosure's text laid out as a PDF the way agencies print it: prose wrapped at the right margin
    with its first line indented; each run of tab-separated lines a ruled table, a cell longer than 16
    characters wrapped inside its cell; a running header and a page number on every page; pages broken
    every `lines_per_page` printed lines, tables continuing on the next page. Blank lines are not printed."""
    def safe(s: str) -> str:
        return "".join(ch if ord(ch) <= 0xFFFF else "?" for ch in s)

    items: list[tuple[str, object]] = []  # ("text", str) | ("row", [str])
    for ln in lines:
        if not ln.strip():
            continue
        items.append(("row", [safe(c.strip()) for c in ln.split("\t")]) if "\t" in ln else ("text", safe(ln.strip())))
    cell_width = 16
    ncols = max([len(v) for k, v in items if k == "row"] or [1])
    width = max(595.0, 144 + ncols * (cell_width + 2) * size)
    per_line = int((width - 144) / size)
    pages: list[Page] = []
    page, top, used = None, 0.0, lines_per_page

    def new_page() -> None:
        nonlocal page, top, used
        page = Page(width=width, height=60 + lines_per_page * size * 1.6 + 60)
        page.text(width / 2 - 3 * size, 20, header, size)
        page.text(width / 2, page.height - 30, f"- {len(pages) + 1} -", size)
        pages.append(page)
        top, used = 60.0, 0

    i = 0
    while i < len(items):
        kind, value = items[i]
        if kind == "text":
            chunks = _pieces(value, per_line - 2)
            if used + len(chunks) > lines_per_page:
                new_page()
            for k, chunk in enumerate(chunks):
                page.text(72 + (2 * size if k == 0 else 0), top, chunk, size)
                top += size * 1.6
                used += 1
            i += 1
            continue
        rows = []
        while i < len(items) and items[i][0] == "row":
            rows.append(items[i][1])
            i += 1
        start = 0
        while start < len(rows):  # one ruled table per page; what does not fit continues on the next
            if used + 2 > lines_per_page or page is None:
                new_page()
            xs = [72 + k * (cell_width + 2) * size for k in range(ncols + 1)]
            tops = [top]
            end = start
            while end < len(rows):
                height = max(len(_pieces(c, cell_width)) for c in rows[end] + [""])
                if used + height > lines_per_page and end > start:
                    break
                for k, cell in enumerate(rows[end]):  # lines wrapped in a cell sit closer than rows
                    for n, piece in enumerate(_pieces(cell, cell_width) if cell else []):
                        page.text(xs[k] + size / 2, tops[-1] + 0.3 * size + n * size * 1.15, piece, size)
                tops.append(tops[-1] + (height - 1) * size * 1.15 + size * 1.6)
                used += height
                end += 1
            if rules:  # without them, a table is only text aligned in columns
                page.grid(xs, tops)
            top = tops[-1] + size
            start = end
            if start < len(rows):
                used = lines_per_page  # the rest goes on the next page
    return build_pdf(pages)
