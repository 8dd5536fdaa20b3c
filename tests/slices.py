"""Small documents made of line ranges of the real disclosures, for tests of one layout at a time."""
from __future__ import annotations

from pathlib import Path

D = Path(__file__).resolve().parent.parent / "disclosures"


def slice_doc(tmp_path: Path, name: str, ranges: list[tuple[int, int]], head: str = "") -> Path:
    """A document made of line ranges of a real disclosure, with its own title lines on top."""
    lines = (D / name).read_text(encoding="utf-8").split("\n")
    out = [head] if head else []
    for a, b in ranges:
        out += lines[a - 1:b] + [""]
    p = tmp_path / f"slice_{name}"
    p.write_text("\n".join(out), encoding="utf-8")
    return p
