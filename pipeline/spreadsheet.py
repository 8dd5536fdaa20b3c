"""Text for files meant to be opened in a spreadsheet program (the site's per-table CSVs, Excel files).

A cell whose text starts with `=`, `+`, `-` or `@` is read by Excel, LibreOffice and WPS as a formula
(`=HYPERLINK(…)`, `=cmd|…`), so a disclosure could plant one that runs or links when a reader opens the
download. Such text gets a leading apostrophe, which spreadsheet programs hide and treat as "this is text".
Numbers as printed (`-318.01`, `+5`, `(1,234.00)`) and dash placeholders are data, never neutralised.

The canonical package CSVs keep every text exact; only spreadsheet-facing copies go through here.
"""
from __future__ import annotations

from .text import is_amount, is_placeholder

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # tab and CR too: some programs skip them first
_FIRST = frozenset(FORMULA_START + (" ", "\u3000"))  # a text starting otherwise is never a formula


def neutralise(text: str) -> str:
    """`text` as a spreadsheet cell that cannot be a formula; numbers and dash placeholders unchanged."""
    if not isinstance(text, str) or not text or text[0] not in _FIRST:
        return text
    stripped = text.lstrip(" \u3000")
    if not stripped.startswith(FORMULA_START) or is_amount(stripped) or is_placeholder(stripped):
        return text
    return "'" + text
