"""Personal data is not published: personal mobile numbers and resident ID numbers are masked.

The forms of a disclosure sometimes print the mobile number of the person who filled them in (联系电话) or an
ID number. The read stage masks them once, so every later stage (cells, text resources, slices, the zip,
the site) only ever sees the masked text; the site's source pages and source downloads use the same mask.
`documents.source_sha256` stays the hash of the file as committed.

- mobile: 11 digits starting 13–19 (optionally +86, optionally grouped 3-4-4 by a space, hyphen or dot)
- resident ID: 18 characters, a region code, a birth date (18xx–20xx, valid month and day), 3 digits and a
  check character (a digit or X)
Both keep their first 3 and last 4 characters: 138****5678, 110***********1234. Fullwidth digits count as
digits. Office landlines (010-12345678, 0571-8888 8888) start with 0 and stay as printed; an amount is
never masked (a digit, a decimal point or a separator next to the run rules it out).
"""
from __future__ import annotations

import re
from collections import Counter

_ASCII_DIGITS = str.maketrans("０１２３４５６７８９Ｘｘ－", "0123456789Xx-")
# not inside a longer number: no digit, decimal point or thousands separator on either side
_MOBILE = re.compile(r"(?<![0-9.,])(?:\+?86[- ]?)?(1[3-9][0-9])([-. ]?)([0-9]{4})([-. ]?)([0-9]{4})(?![0-9]|[.,][0-9])")
_RESIDENT_ID = re.compile(
    r"(?<![0-9.,])[1-8][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
    r"(?![0-9]|[.,][0-9])")
# what every personal number holds, in ASCII or fullwidth digits: a mobile's 1[3-9]d then four digits, an ID's
# birth year and month (18|19|20)dd[01]d. A line without either (most lines: amounts, years) is left as it is
# without further work. (One leading character class lets the regex engine skip to a 1 or 2.)
_CANDIDATE = re.compile(r"[12１２](?:(?<=[1１])[3-9３-９][0-9０-９][-. －]?[0-9０-９]{4}"
                        r"|(?<=[1１])[89８９][0-9０-９]{2}[01０１][0-9０-９]|(?<=[2２])[0０][0-9０-９]{2}[01０１][0-9０-９])")
# the same, for a text without a fullwidth 1 or 2 (most): a first character of ASCII only is told faster
_ASCII_CANDIDATE = re.compile(_CANDIDATE.pattern.replace("[12１２]", "[12]", 1))
_NOT_ASCII_DIGITS = re.compile(r"[０-９Ｘｘ－]")
KINDS = {"mobile": "mobile number", "resident_id": "resident ID number"}


def _masked(text: str, start: int, end: int) -> str:
    """Keep the first 3 and last 4 digits of text[start:end] (separators kept), the rest as *."""
    span = text[start:end]
    digits = [i for i, ch in enumerate(span) if ch.translate(_ASCII_DIGITS).isalnum()]
    hide = set(digits[3:-4])
    return "".join("*" if i in hide else ch for i, ch in enumerate(span))


def mask(text: str) -> tuple[str, Counter]:
    """(text with every personal number masked, how many of each kind were masked)."""
    counts: Counter = Counter()
    if not text or not _CANDIDATE.search(text):
        return text, counts
    # same length: positions in the probe are positions in the text
    probe = text.translate(_ASCII_DIGITS) if _NOT_ASCII_DIGITS.search(text) else text
    spans = []
    for kind, pattern in (("resident_id", _RESIDENT_ID), ("mobile", _MOBILE)):
        for m in pattern.finditer(probe):
            if not any(s < m.end() and m.start() < e for s, e, _ in spans):
                spans.append((m.start(1) if m.groups() else m.start(), m.end(), kind))
    if not spans:
        return text, counts
    out, pos = [], 0
    for start, end, kind in sorted(spans):
        out += [text[pos:start], _masked(text, start, end)]
        pos = end
        counts[kind] += 1
    out.append(text[pos:])
    return "".join(out), counts


def mask_lines(lines: list[str]) -> tuple[list[str], Counter, list[int]]:
    """Every line masked; (lines, counts by kind, 1-based numbers of the lines that had something masked)."""
    counts: Counter = Counter()
    where: list[int] = []
    out = list(lines)
    text = "\n".join(lines)
    search = (_CANDIDATE if "１" in text or "２" in text else _ASCII_CANDIDATE).search
    for i in [i for i, line in enumerate(lines) if search(line)]:
        out[i], found = mask(lines[i])
        if found:
            counts.update(found)
            where.append(i + 1)
    return out, counts, where


def summary(counts: Counter, where: list[int]) -> str:
    """The parse report's line for a document: what was masked and on which lines."""
    parts = [f"{counts[k]} {name}{'s' if counts[k] != 1 else ''}" for k, name in KINDS.items() if counts[k]]
    lines = ", ".join(str(n) for n in where[:20]) + (f" … ({len(where)} lines)" if len(where) > 20 else "")
    return f"personal data masked (first 3 and last 4 digits kept): {', '.join(parts)}; lines {lines}"
