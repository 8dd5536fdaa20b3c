"""Files the downloads are written to: checksums read in chunks (a download can be larger than memory
should hold), and hard links where the file system allows them."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path


def file_sha256(path: Path) -> tuple[str, int]:
    """(sha256 hex digest, size in bytes) of a file, read 1 MiB at a time."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def link_or_copy(src: Path, dst: Path) -> None:
    """`dst` becomes `src`'s bytes: a hard link where the file system allows one (a workbook made with its
    document's part stays in the cache), else a copy; a file already at `dst` is replaced."""
    tmp = dst.with_name(f".{dst.name}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)
