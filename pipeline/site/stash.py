"""The HTML of a generated page kept out of Markdown's way.

A generated page is Markdown for its title and headings (the table of contents) and HTML for everything else.
Python-Markdown passes an HTML block through unchanged, but only after parsing it in full, and MkDocs parses
it again for its anchors: at scale that was most of the site's time. So the generator writes each HTML block
to a file beside the page (`docs_dir/.html/<page>.json`; MkDocs skips dot-folders) and leaves a marker in
its place; MkDocs renders the small Markdown that remains, and the site's post-page hook puts each block back
where its marker stands. The blocks are stored as Python-Markdown would have passed them through (its
whitespace normalisation applied), so the built page is byte for byte what Markdown alone gives.

A marker names its block's position and digest: a page whose HTML changes changes its Markdown file too.
Text from a disclosure is escaped before it gets here (`<` is `&lt;`), so no data can forge a marker.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

STASH_DIR = ".html"
# the block-level elements of Python-Markdown 3 (an HTML block starts with one of them at the start of a line)
BLOCK_TAGS = frozenset(
    "address article aside blockquote body canvas center colgroup dd details div dl dt fieldset figcaption "
    "figure footer form group h1 h2 h3 h4 h5 h6 header hgroup hr html iframe legend li main map math menu nav "
    "noscript object ol option output p pre progress script section style summary table tbody td textarea "
    "tfoot th thead tr ul video".split())
TAB_LENGTH = 4  # Python-Markdown's default, which MkDocs keeps
_START = re.compile(r"<([A-Za-z][A-Za-z0-9]*)(?=[\s/>])")
_MARKER = re.compile(r"<!-- html (\d+) ([0-9a-f]{12}) -->")


def _digest(block: str) -> str:
    return hashlib.sha256(block.encode("utf-8")).hexdigest()[:12]


def _normalise(block: str) -> str:
    """What Python-Markdown's whitespace preprocessor does to the text it passes through."""
    block = block.replace("\x02", "").replace("\x03", "").expandtabs(TAB_LENGTH)
    return re.sub(r"(?m)^[ ]+$", "", block)


def _block_end(lines: list[str], i: int, tag: str) -> int | None:
    """The index of the line that closes the element opened at the start of line `i`, when the close ends
    the line (else None: the block is left to Markdown)."""
    opens = re.compile(rf"<{tag}(?=[\s/>])", re.I)
    closes = re.compile(rf"</{tag}\s*>", re.I)
    depth = 0
    for j in range(i, len(lines)):
        depth += len(opens.findall(lines[j])) - len(closes.findall(lines[j]))
        if depth <= 0:
            last = list(closes.finditer(lines[j]))
            return j if last and not lines[j][last[-1].end():].strip() else None
    return None


def split(text: str) -> tuple[str, list[str]]:
    """A generated Markdown page → (the page with each HTML block that stands on lines of its own replaced by
    a marker, the blocks in order). Front matter and Markdown lines are kept as they are."""
    lines = text.split("\n")
    out: list[str] = []
    blocks: list[str] = []
    i = 0
    if lines and lines[0] == "---":  # front matter
        end = next((k for k in range(1, len(lines)) if lines[k] == "---"), None)
        if end is not None:
            out.extend(lines[:end + 1])
            i = end + 1
    while i < len(lines):
        m = _START.match(lines[i])
        end = _block_end(lines, i, m.group(1).lower()) if m and m.group(1).lower() in BLOCK_TAGS else None
        if end is None:
            out.append(lines[i])
            i += 1
            continue
        block = _normalise("\n".join(lines[i:end + 1]))
        out.append(f"<!-- html {len(blocks)} {_digest(block)} -->")
        blocks.append(block)
        i = end + 1
    return "\n".join(out), blocks


def stash_path(docs_dir: Path, page: str) -> Path:
    return Path(docs_dir) / STASH_DIR / f"{page}.json"


def restore(output: str, docs_dir: Path, page: str) -> str:
    """A page's built HTML with every marker replaced by its block (the post-page hook)."""
    if "<!-- html " not in output:
        return output
    path = stash_path(docs_dir, page)
    blocks = json.loads(path.read_text(encoding="utf-8"))

    def block(m: re.Match) -> str:
        # only a marker the generator wrote (its position and digest agree) is replaced; any other text
        # shaped like one stays the comment it is
        i = int(m.group(1))
        if i < len(blocks) and _digest(blocks[i]) == m.group(2):
            return blocks[i]
        return m.group(0)

    return _MARKER.sub(block, output)


def read_page(docs_dir: Path, page: str) -> str:
    """A generated page's text as MkDocs would have been given it without the stash (its blocks in place)."""
    return restore((Path(docs_dir) / page).read_text(encoding="utf-8"), docs_dir, page)
