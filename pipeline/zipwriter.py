"""A zip file written from data already deflated: the package's zip without compressing its CSVs again.

Each document's part holds its CSV lines deflated on their own (`deflate_chunk`: raw deflate ending on a
byte boundary, never the last block), made by the worker that made the part and kept with it. Deflate
blocks concatenate, so a resource's entry in the zip is the header's chunk, every part's chunk in doc_id
order and one empty last block: the assembly only copies bytes, and a rebuild reuses every unchanged
part's chunks. The standard library's zipfile cannot take data deflated elsewhere, hence this writer; it
writes what zipfile writes (UTF-8 names, fixed times, Unix permissions) and Zip64 fields past 4 GiB.
"""
from __future__ import annotations

import struct
import zlib
from typing import BinaryIO, Callable

LEVEL = 6  # zlib's default, what zipfile uses
LAST_BLOCK = b"\x03\x00"  # an empty final block (fixed Huffman): ends a stream of concatenated chunks
STORED, DEFLATED = 0, 8
ZIP64_LIMIT = 0xFFFFFFFF  # a size or offset at or past this is written in a Zip64 field
_MARK = 0xFFFFFFFF  # in a 32-bit field: see the Zip64 field
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold: fixed, so zips compare equal
_DOS_DATE = (ZIP_TIME[0] - 1980) << 9 | ZIP_TIME[1] << 5 | ZIP_TIME[2]
_DOS_TIME = ZIP_TIME[3] << 11 | ZIP_TIME[4] << 5 | ZIP_TIME[5] // 2


def deflate_chunk(data: bytes | memoryview) -> bytes:
    """`data` as raw deflate blocks that another chunk, or LAST_BLOCK, may follow (empty for no data)."""
    if not len(data):
        return b""
    co = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return co.compress(data) + co.flush(zlib.Z_SYNC_FLUSH)


def deflate_whole(data: bytes) -> bytes:
    co = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return co.compress(data) + co.flush()


class ZipWriter:
    """Entries added one by one with their CRC-32 and sizes known beforehand (no data descriptors)."""

    def __init__(self, f: BinaryIO):
        self.f = f
        self.central: list[bytes] = []
        self.offset = 0

    def add(self, name: str, method: int, crc: int, size: int, csize: int,
            write: Callable[[BinaryIO], None]) -> None:
        """One entry: `write(f)` writes its `csize` bytes of data (deflated or stored, per `method`)."""
        raw = name.encode("utf-8")
        flags = 0 if name.isascii() else 0x800  # the name is UTF-8
        big = size >= ZIP64_LIMIT or csize >= ZIP64_LIMIT
        version = 45 if big or self.offset >= ZIP64_LIMIT else 20
        extra = struct.pack("<HHQQ", 1, 16, size, csize) if big else b""
        sizes = (_MARK, _MARK) if big else (csize, size)
        self.f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, version, flags, method, _DOS_TIME, _DOS_DATE,
                                 crc, *sizes, len(raw), len(extra)) + raw + extra)
        start = self.f.tell()
        write(self.f)
        if self.f.tell() - start != csize:
            raise ValueError(f"zip entry {name}: wrote {self.f.tell() - start} bytes, expected {csize}")
        wide = [v for v in (size, csize) if big] + ([self.offset] if self.offset >= ZIP64_LIMIT else [])
        extra = struct.pack(f"<HH{len(wide)}Q", 1, 8 * len(wide), *wide) if wide else b""
        self.central.append(struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | version, version, flags, method, _DOS_TIME, _DOS_DATE,
            crc, *sizes, len(raw), len(extra), 0, 0, 0, 0o644 << 16,
            _MARK if self.offset >= ZIP64_LIMIT else self.offset) + raw + extra)
        self.offset = self.f.tell()

    def close(self) -> None:
        start = self.offset
        for record in self.central:
            self.f.write(record)
        size, count = self.f.tell() - start, len(self.central)
        wide = count >= 0xFFFF or size >= ZIP64_LIMIT or start >= ZIP64_LIMIT
        if wide:
            end64 = self.f.tell()
            self.f.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, (3 << 8) | 45, 45, 0, 0, count, count, size, start))
            self.f.write(struct.pack("<IIQI", 0x07064B50, 0, end64, 1))
        if wide:
            count, size, start = 0xFFFF, _MARK, _MARK
        self.f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, size, start, 0))

