"""Stage 1: bytes → lines of plain text.

Disclosures arrive as text extracted from PDFs: UTF-8 (with or without BOM) or GB18030/GBK, LF or CRLF,
with HTML or Markdown left in by the extraction. Line numbers are kept exactly: line i of `Source.lines`
is line i of the file, so every value can be traced to the line it was printed on.
"""
from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

from .model import Message, Source

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
_NEEDS_WORK = re.compile(r"[<&*#\u3000\u00a0|]|  |^[-_ ]{3}|---")


def clean_line(line: str) -> str:
    """One source line → cleaned line; tabs are kept (they are the table structure)."""
    if not _NEEDS_WORK.search(line):  # most lines: only the cells' outer spaces to strip
        return "\t".join(cell.strip() for cell in line.split("\t")) if "\t" in line else line.strip()
    if _MD_RULE.match(line) or _MD_TABLE_RULE.match(line):
        return ""  # a Markdown rule, or the ---|--- line under a Markdown table's header
    if "\t" not in line and _MD_PIPE_ROW.match(line):  # | a | b | : a Markdown table row → cells
        line = "\t".join(cell.strip() for cell in line.strip()[1:-1].split("|"))
    line = _MD_HEADING.sub("", line)
    return "\t".join(_SPACES.sub(" ", clean_markup(cell)).strip() for cell in line.split("\t"))


def read_source(path: Path, display_path: str | None = None, cache_dir: Path | None = None) -> Source:
    """A disclosure file → Source. A PDF is read from its text layer (pipeline.read_pdf), its extraction
    cached in `cache_dir` when given; every other file is text."""
    if path.suffix.lower() == ".pdf":
        from .read_pdf import read_pdf
        return read_pdf(path, display_path, cache_dir)
    data = path.read_bytes()
    name = display_path or str(path)
    text, encoding = decode(data, name)
    # CRLF and lone CR both end a line; str.splitlines would also split on \x0b, \x1c … which the
    # extraction may leave inside a cell, so split on the newline conventions only.
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if raw_lines and raw_lines[-1] == "":
        raw_lines.pop()
    messages = []
    if "\ufffd" in text:
        messages.append(Message(name, None, "warning", "undecodable bytes replaced by U+FFFD"))
    return Source(
        path=name,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        lines=[clean_line(line) for line in raw_lines],
        messages=messages,
    )
