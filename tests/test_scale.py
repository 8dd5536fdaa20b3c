"""The build at scale: the per-document stages run in worker processes, and what they give does not depend
on how many (the merge is the main process's alone). Timings are in `make bench`, never here."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from pipeline.cli import main

ROOT = Path(__file__).resolve().parent.parent


def corpus(folder: Path) -> Path:
    """Two disclosures, the same bytes twice, and two documents of one agency, year and kind (ids made
    distinct), plus a file that cannot be read: every path the merge takes."""
    texts = sorted((ROOT / "disclosures").glob("*.txt"))
    folder.mkdir()
    for p in texts[:2]:
        shutil.copyfile(p, folder / p.name)
    shutil.copyfile(texts[0], folder / "zz_same_bytes.txt")
    changed = texts[1].read_bytes() + "\n另：本文件为测试副本。\n".encode("utf-8")
    (folder / "zz_same_agency.txt").write_bytes(changed)
    (folder / "zz_empty.txt").write_bytes(b"")
    return folder


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scale")
    src = corpus(tmp / "src")
    out = {}
    for workers in (1, 2):
        main(["build", "--sources", str(src), "--out", str(tmp / f"w{workers}"), "--workers", str(workers),
              "--cache", ""])
        out[workers] = files(tmp / f"w{workers}")
    return out


def test_the_package_is_byte_identical_whatever_the_number_of_workers(builds):
    assert builds[1].keys() == builds[2].keys()
    assert [name for name in builds[1] if builds[1][name] != builds[2][name]] == []


def test_the_merge_drops_same_bytes_and_makes_colliding_ids_distinct(builds):
    package = json.loads(builds[2]["datapackage.json"])
    ids = [s["doc_id"] for s in package["sources"]]
    assert len(ids) == 3 == len(set(ids))  # the same bytes published once, the empty file not at all
    made_distinct = [i for i in ids if re.search(r"-[0-9a-f]{8}$", i)]
    assert len(made_distinct) == 2 and made_distinct[0][:-9] == made_distinct[1][:-9]
    report = builds[2]["build_report.csv"].decode("utf-8")
    assert "zz_empty.txt" in report and "zz_same_bytes.txt" in report


def test_the_cache_never_changes_the_output_and_a_change_remakes_only_its_part(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for p in sorted((ROOT / "disclosures").glob("*.txt"))[:3]:
        shutil.copyfile(p, src / p.name)
    parts = tmp_path / "parts"

    def build(out: str, *extra: str) -> dict[str, bytes]:
        assert main(["build", "--sources", str(src), "--out", str(tmp_path / out), "--cache", "", *extra]) == 0
        return files(tmp_path / out)

    cold = build("cold", "--parts", str(parts))
    made = {p.name for p in parts.iterdir()}
    assert len(made) == 3
    assert build("warm", "--parts", str(parts)) == cold

    changed = sorted(src.iterdir())[-1]
    changed.write_bytes(changed.read_bytes() + "另：修改一行。\n".encode("utf-8"))
    warm = build("changed", "--parts", str(parts))
    new = {p.name for p in parts.iterdir()} - made
    assert len(new) == 1  # only the changed document ran again
    assert warm == build("fresh")  # parts in a temporary folder, nothing cached
    assert warm != cold


def test_a_build_on_a_dask_cluster_gives_the_same_bytes(builds, tmp_path):
    distributed = pytest.importorskip("distributed", reason="dask.distributed is pinned in requirements.lock")
    src = corpus(tmp_path / "src")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        assert main(["build", "--sources", str(src), "--out", str(tmp_path / "dask"), "--cache", "",
                     "--executor", "dask", "--scheduler", cluster.scheduler_address,
                     "--parts", str(tmp_path / "parts")]) == 0
    assert files(tmp_path / "dask") == builds[1]


def test_zip_entries_made_of_chunks_deflated_apart_read_back_whole(tmp_path, monkeypatch):
    """The package's zip joins each CSV's parts as they were deflated in the workers; with the Zip64 limit
    lowered, the same entries also take the Zip64 fields a national corpus (a CSV past 4 GiB) needs."""
    import subprocess
    import zipfile
    import zlib

    from pipeline import zipwriter

    pieces = [("标题,金额\n" * 400).encode("utf-8"), b"", b"a,1\n" * 3000, bytes(range(256)) * 20]
    whole = b"".join(pieces)
    chunks = [zipwriter.deflate_chunk(p) for p in pieces]
    for limit, name in ((zipwriter.ZIP64_LIMIT, "plain.zip"), (1000, "zip64.zip")):
        monkeypatch.setattr(zipwriter, "ZIP64_LIMIT", limit)
        packed = b"".join(chunks) + zipwriter.LAST_BLOCK
        small = zipwriter.deflate_whole(b"{}\n")
        with open(tmp_path / name, "wb") as f:
            zw = zipwriter.ZipWriter(f)
            zw.add("small.json", zipwriter.DEFLATED, zlib.crc32(b"{}\n"), 3, len(small), lambda dst: dst.write(small))
            zw.add("资源/cells.csv", zipwriter.DEFLATED, zlib.crc32(whole), len(whole), len(packed),
                   lambda dst: dst.write(packed))
            zw.add("stored.bin", zipwriter.STORED, zlib.crc32(whole), len(whole), len(whole),
                   lambda dst: dst.write(whole))
            zw.close()
        with zipfile.ZipFile(tmp_path / name) as zf:
            assert zf.testzip() is None
            assert zf.namelist() == ["small.json", "资源/cells.csv", "stored.bin"]
            assert zf.read("资源/cells.csv") == whole == zf.read("stored.bin")
            assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        if shutil.which("unzip"):  # a second reader, not Python's
            assert subprocess.run(["unzip", "-tq", str(tmp_path / name)], capture_output=True).returncode == 0
    with open(tmp_path / "short.zip", "wb") as f, pytest.raises(ValueError):  # fewer bytes than announced
        zipwriter.ZipWriter(f).add("short", zipwriter.STORED, 0, 10, 10, lambda dst: dst.write(b"x"))


def test_a_package_descriptor_is_encoded_as_json_dumps_does_whatever_its_values_hold(builds):
    from pipeline.package import _json, _package_json

    package = json.loads(builds[1]["datapackage.json"])
    assert _package_json(package) == _json(package) == builds[1]["datapackage.json"]
    package["sources"][0]["title"] = "\0schema of resource 2\0"  # the mark the fast path uses, in a value
    assert _package_json(package) == _json(package)


def test_a_rebuild_into_the_same_package_keeps_unchanged_slices_and_equals_a_fresh_build(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for p in sorted((ROOT / "disclosures").glob("*.txt"))[:3]:
        shutil.copyfile(p, src / p.name)
    out, parts = tmp_path / "pkg", tmp_path / "parts"

    def build(target: Path) -> dict[str, bytes]:
        assert main(["build", "--sources", str(src), "--out", str(target), "--cache", "", "--parts", str(parts)]) == 0
        return files(target)

    build(out)
    folders = {p.name: p.stat().st_ino for p in (out / "docs").iterdir()}  # a folder made again is a new one
    first, changed, gone = sorted(src.iterdir())
    changed.write_bytes(changed.read_bytes() + "另：修改一行。\n".encode("utf-8"))
    gone.unlink()
    again = build(out)
    assert again == build(tmp_path / "fresh")  # nothing of the previous package lingers, nothing is missing
    now = {p.name: p.stat().st_ino for p in (out / "docs").iterdir()}
    assert len(now) == 2 and set(now) < set(folders)  # the removed document's slice is gone
    same = [name for name in now if folders[name] == now[name]]
    assert len(same) == 1  # the unchanged document's slice stayed where it was; the changed one was made again


def test_parquet_row_groups_are_bounded_by_their_text_and_hold_the_csv_rows(tmp_path, monkeypatch):
    """Long rows (sections' text) end a row group early, so the assembly's memory stays flat however many
    documents there are; the groups are cut by the rows' values alone and hold exactly the CSV's rows."""
    import csv

    import pyarrow.parquet as pq

    from pipeline import package

    monkeypatch.setattr(package, "ROW_GROUP_TEXT", 20_000)
    src = tmp_path / "src"
    src.mkdir()
    for p in sorted((ROOT / "disclosures").glob("*.txt"))[:2]:
        shutil.copyfile(p, src / p.name)
    assert main(["build", "--sources", str(src), "--out", str(tmp_path / "pkg"), "--cache", "", "--parts", ""]) == 0
    sections = pq.ParquetFile(tmp_path / "pkg" / "sections.parquet")
    assert sections.num_row_groups > 1
    rows = list(csv.DictReader(open(tmp_path / "pkg" / "sections.csv", encoding="utf-8", newline="")))
    table = sections.read()
    assert table.num_rows == len(rows)
    assert table.column("text").to_pylist() == [r["text"] or None for r in rows]
    texts = [f["name"] for r in package.load_schema()[1] if r["name"] == "sections" for f in r["fields"]
             if f["type"] == "string"]
    start = 0
    for i in range(sections.num_row_groups):
        n = sections.metadata.row_group(i).num_rows
        sizes = [sum(len(r[f].encode("utf-8")) for f in texts) for r in rows[start:start + n]]
        assert sum(sizes[:-1]) < 20_000  # the group ended at the row that reached the bound …
        if i < sections.num_row_groups - 1:
            assert sum(sizes) >= 20_000  # … and not before
        start += n


def test_a_release_date_is_part_of_the_cache_key(tmp_path, monkeypatch):
    """Each part's slice records `created`; a release that sets SOURCE_DATE_EPOCH over a cache made without it
    must not publish the old date from cached parts."""
    src = tmp_path / "src"
    src.mkdir()
    shutil.copyfile(sorted((ROOT / "disclosures").glob("*.txt"))[0], src / "a.txt")
    parts = tmp_path / "parts"

    def build(out: str, *extra: str) -> dict[str, bytes]:
        assert main(["build", "--sources", str(src), "--out", str(tmp_path / out), "--cache", "", *extra]) == 0
        return files(tmp_path / out)

    build("undated", "--parts", str(parts))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01T00:00:00Z
    released = build("released", "--parts", str(parts))
    assert released == build("released-fresh")
    slices = [json.loads(b) for name, b in released.items() if name.startswith("docs/") and name.endswith("datapackage.json")]
    assert slices and all(s["created"] == "2025-01-01T00:00:00Z" for s in slices)


def test_a_build_with_temporary_parts_leaves_no_folder_behind(tmp_path, monkeypatch):
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    src = tmp_path / "src"
    src.mkdir()
    shutil.copyfile(sorted((ROOT / "disclosures").glob("*.txt"))[0], src / "a.txt")
    assert main(["build", "--sources", str(src), "--out", str(tmp_path / "out"), "--cache", "", "--parts", ""]) == 0
    assert (tmp_path / "out" / "datapackage.json").is_file()
    assert [p.name for p in scratch.iterdir() if p.name.startswith("pipeline-parts-")] == []
    # the slices were hard links into the removed parts: they are still whole
    slices = list((tmp_path / "out" / "docs").glob("*/datapackage.json"))
    assert slices and all(json.loads(p.read_text(encoding="utf-8"))["resources"] for p in slices)


def test_what_a_paused_collector_made_is_still_collected_when_it_is_garbage():
    """collector_paused moves what was made during the pause to the oldest generation (it is the parse's
    result, kept): a cycle made then and dropped is still freed by a full collection, never leaked."""
    import gc
    import weakref

    from pipeline.build import collector_paused

    class Node:
        pass

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: reference counting alone never frees it
        gone = weakref.ref(a)
        del a, b
    assert gc.isenabled() and gone() is not None
    gc.collect()
    assert gone() is None
