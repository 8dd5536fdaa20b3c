"""The data-loading snippets shown to users (README.md) run against a freshly
built package, from a folder where `datapackage/` exists, as a user would run them."""
from __future__ import annotations

import re

import pytest

from package_build import ROOT, session_package

SOURCES = [ROOT / "README.md"]
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


def python_blocks() -> list[tuple[str, str]]:
    """(where, code) of each fenced python block; a block pasted into both files runs once."""
    seen, blocks = set(), []
    for path in SOURCES:
        if not path.is_file():
            continue
        for i, code in enumerate(FENCE.findall(path.read_text(encoding="utf-8")), 1):
            if code not in seen:
                seen.add(code)
                blocks.append((f"{path.name}#{i}", code))
    return blocks


BLOCKS = python_blocks()


def test_there_are_the_three_snippets():
    codes = "\n".join(code for _, code in BLOCKS)
    for library in ("pandas", "duckdb", "frictionless"):
        assert f"import {library}" in codes or f"from {library} import" in codes, library


@pytest.mark.parametrize("where,code", BLOCKS, ids=[w for w, _ in BLOCKS])
def test_snippet_runs(where, code, tmp_path_factory, monkeypatch, capsys):
    pkg = session_package(tmp_path_factory)
    monkeypatch.chdir(pkg.parent)  # the snippets read datapackage/…
    exec(compile(code, where, "exec"), {"__name__": "__snippet__"})
    assert capsys.readouterr().out.strip(), f"{where} printed nothing"
