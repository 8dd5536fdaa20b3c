"""Every path the build writes goes through `inside`: a name made from input (a doc_id, a table id, a file
name) can never lead a write out of the output folder, whatever `..`, `/` or symlink it holds."""
from __future__ import annotations

from pathlib import Path


class UnsafePath(ValueError):
    """A path to write resolves outside its output folder."""


def inside(root: Path, *parts: str) -> Path:
    """`root/parts…`, resolved, checked to lie strictly inside `root` (also resolved)."""
    base = Path(root).resolve()
    target = base.joinpath(*parts).resolve()
    if target == base or not target.is_relative_to(base):
        raise UnsafePath(f"{'/'.join(parts)!r} would be written outside {root}; not written")
    return target


def write_changed(root: Path, rel: str, data: bytes) -> tuple[Path, bool]:
    """Write `data` at `root/rel` (checked by `inside`) unless the file there already holds exactly these
    bytes, so that an unchanged file keeps its time and a rebuild rewrites only what changed. Returns the
    path and whether it was written."""
    path = inside(root, rel)
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return path, False
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path, True
