"""Stage 1: bytes → lines of plain text.

Disclosures arrive as text extracted from PDFs: UTF-8 (with or without BOM) or GB18030/GBK, LF or CRLF,
with HTML or Markdown left in by the extraction. Line numbers are kept exactly: line i of `Source.lines`
is line i of the file, so every value can be traced to the line it was printed on.
"""
from __future__ import annotations

import hashlib
import html
import re
import stat
from itertools import repeat
from pathlib import Path

from .model import Message, Source
from .privacy import mask_lines, summary
from .severity import ERROR, INFO, WARNING

# Limits that keep one file from taking the build down, each far above a real disclosure and set by
# measurement (`python -m pipeline.bench_memory`: about 800 MiB peak) so that a file at all limits at once
# builds in under 1 GiB: its size (a real text is under 1 MB, a real PDF 4 MB), its table cells (each
# becomes a cell, often a fact: the build's memory grows with them; the largest real document has about
# 6,000) and its longest line (a real one is under 2,000 characters; a longer one is reported and left
# out, never read as a title).
MAX_SOURCE_BYTES = 16 * 1024 * 1024
MAX_TABLE_CELLS = 80_000
MAX_LINE_CHARS = 100_000

CHECKED = "☑"
UNCHECKED = "☐"

_INPUT = re.compile(r"<input\b[^>]*>", re.I)
_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/tr)\s*/?>", re.I)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(\s[^<>]*)?/?>")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_MD_BOLD = re.compile(r"\*\*(.*?)\*\*")
_MD_RULE = re.compile(r"^\s*(-{3,}|\*{3,}|_{3,})\s*$")
_SPACES = re.compile(r"[ \u3000\u00a0]+")


class UnreadableFile(Exception):
    """The file is not a text disclosure at all (binary, empty)."""


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Return (text, encoding). UTF-8 first (a valid UTF-8 text is never re-read as GBK), then GB18030,
    which is a superset of GBK and GB2312."""
    if not data.strip():
        raise UnreadableFile(f"{name}: the file is empty")
    if b"\x00" in data[:4096]:
        raise UnreadableFile(f"{name}: binary content (NUL bytes); expected a text disclosure")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    # a few damaged bytes in an otherwise readable file: keep the text, mark the damage (U+FFFD)
    for encoding in ("utf-8", "gb18030"):
        text = data.decode(encoding, errors="replace")
        if text.count("\ufffd") * 100 < len(text):
            return text, encoding
    raise UnreadableFile(f"{name}: neither UTF-8 nor GB18030 (byte {first_bad}); expected a text disclosure")


def clean_markup(text: str) -> str:
    """HTML/Markdown left by the extraction → plain text. A checkbox becomes ☑/☐ so the choice survives."""
    if "<" in text:
        text = _INPUT.sub(lambda m: CHECKED if re.search(r"\bchecked\b", m.group(0), re.I) else UNCHECKED, text)
        text = _BREAK.sub(" ", text)
        text = _TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    if "**" in text:
        text = _MD_BOLD.sub(r"\1", text).replace("**", "")
    return text


_MD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:[|\t]\s*:?-{3,}:?\s*)+[|\t]?\s*$")
_MD_PIPE_ROW = re.compile(r"^\s*\|.*\|.*\|\s*$")
# Every white space character (str.isspace, what str.split and the regex \s split on) but the space, the tab
# and the newline; a test checks the list is whole.
OTHER_SPACES = "\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# what calls for more than tidying spaces: markup characters and other white space (one class, searched on its
# own: a regex made of one class scans a line fast), and rules (---, ___, a line starting with three of -_ )
_NOT_PLAIN = re.compile(f"[<&*#|{OTHER_SPACES}]")
_RULE_START = re.compile(r"[-_ ]{3}")
_RULE_CHARS = frozenset("-_ ")


def clean_line(line: str) -> str:
    """One source line → cleaned line; tabs are kept (they are the table structure)."""
    if not _NOT_PLAIN.search(line) and "---" not in line and "___" not in line and not (
            line[:1] in _RULE_CHARS and _RULE_START.match(line)):
        # most lines: at most spaces to tidy, each cell's runs made one and its ends stripped (what the
        # markup path below makes of such a line)
        if " " not in line or ("  " not in line and " \t" not in line and "\t " not in line and line[0] != " "
                               and line[-1] != " " and "\n" not in line):
            return line  # no space, or single spaces between printed characters: nothing to tidy
        return "\t".join([" ".join(cell.split()) for cell in line.split("\t")]) if "\t" in line else " ".join(line.split())
    if _MD_RULE.match(line) or _MD_TABLE_RULE.match(line):
        return ""  # a Markdown rule, or the ---|--- line under a Markdown table's header
    if "\t" not in line and _MD_PIPE_ROW.match(line):  # | a | b | : a Markdown table row → cells
        line = "\t".join(cell.strip() for cell in line.strip()[1:-1].split("|"))
    line = _MD_HEADING.sub("", line)
    return "\t".join(_SPACES.sub(" ", clean_markup(cell)).strip() for cell in line.split("\t"))


def check_source(path: Path, name: str) -> None:
    """Only a regular file inside its sources folder is read: a symlink leading out of the folder, a FIFO,
    a device or a folder named like a disclosure is refused with the reason, and so is a file over the size
    limit (before reading it)."""
    try:
        if path.is_symlink() and not path.resolve(strict=True).is_relative_to(path.parent.resolve()):
            raise UnreadableFile(f"{name}: a symbolic link to a file outside the sources folder; not read")
        st = path.stat()
    except (OSError, RuntimeError) as exc:  # a dangling link, a link loop, no permission
        raise UnreadableFile(f"{name}: cannot be opened ({type(exc).__name__}); not read") from exc
    if stat.S_ISDIR(st.st_mode):
        raise UnreadableFile(f"{name}: a folder, not a file; not read")
    if not stat.S_ISREG(st.st_mode):
        raise UnreadableFile(f"{name}: not a regular file (a FIFO, device or socket); not read")
    if st.st_size > MAX_SOURCE_BYTES:
        raise UnreadableFile(f"{name}: {st.st_size:,} bytes, over the limit of {MAX_SOURCE_BYTES:,} bytes "
                             f"({MAX_SOURCE_BYTES // 2**20} MiB) for one disclosure (MAX_SOURCE_BYTES in "
                             "pipeline/read.py); not read")


def guard_lines(lines: list[str], name: str, messages: list[Message]) -> tuple[list[str], int]:
    """The limits and the privacy policy, for a text or a PDF alike: a line over MAX_LINE_CHARS is reported
    and left out; a file with more table cells than MAX_TABLE_CELLS is refused; personal numbers are masked
    (counted in one message). Returns the lines and how many numbers were masked."""
    long = max(map(len, lines), default=0) > MAX_LINE_CHARS  # one C-level pass; the list only when needed
    for i in [i for i, line in enumerate(lines) if len(line) > MAX_LINE_CHARS] if long else ():
        messages.append(Message(name, i + 1, ERROR, f"the line has {len(lines[i]):,} characters, over the limit "
                                f"of {MAX_LINE_CHARS:,} for one line; left out (not read as a title, table or text)"))
        lines[i] = ""
    tabs = list(map(str.count, lines, repeat("\t")))
    cells = sum(tabs) + len(tabs) - tabs.count(0)  # a line with n tabs holds n + 1 cells
    if cells > MAX_TABLE_CELLS:
        raise UnreadableFile(f"{name}: about {cells:,} table cells, over the limit of {MAX_TABLE_CELLS:,} for one "
                             "disclosure (MAX_TABLE_CELLS in pipeline/read.py); not read")
    lines, masked, where = mask_lines(lines)
    if masked:
        messages.append(Message(name, where[0], INFO, summary(masked, where)))
    return lines, sum(masked.values())


def read_source(path: Path, display_path: str | None = None, cache_dir: Path | None = None) -> Source:
    """A disclosure file → Source. A PDF is read from its text layer (pipeline.read_pdf), its extraction
    cached in `cache_dir` when given; every other file is text. Both go through the same checks: a regular
    file inside the sources, within the limits, personal numbers masked."""
    name = display_path or str(path)
    check_source(path, name)
    if path.suffix.lower() == ".pdf":
        from .read_pdf import read_pdf
        source = read_pdf(path, display_path, cache_dir)
        source.lines, source.masked = guard_lines(source.lines, name, source.messages)
        return source
    with open(path, "rb") as f:
        data = f.read(MAX_SOURCE_BYTES + 1)
    if len(data) > MAX_SOURCE_BYTES:  # grew since it was checked
        raise UnreadableFile(f"{name}: over the limit of {MAX_SOURCE_BYTES:,} bytes for one disclosure; not read")
    sha256 = hashlib.sha256(data).hexdigest()
    text, encoding = decode(data, name)
    del data
    # CRLF and lone CR both end a line; str.splitlines would also split on \x0b, \x1c … which the
    # extraction may leave inside a cell, so split on the newline conventions only.
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if raw_lines and raw_lines[-1] == "":
        raw_lines.pop()
    messages = []
    if "\ufffd" in text:
        messages.append(Message(name, None, WARNING, "undecodable bytes replaced by U+FFFD"))
    del text
    lines, masked = guard_lines([clean_line(line) for line in raw_lines], name, messages)
    return Source(
        path=name,
        sha256=sha256,
        encoding=encoding,
        lines=lines,
        messages=messages,
        masked=masked,
    )
