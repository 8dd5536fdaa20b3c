"""Damaged inputs never crash the build: every disclosure cut at arbitrary points, or with lines shuffled
inside a table, still parses and goes through the later stages (a stage that fails on one document is
reported for that document, not raised)."""
from __future__ import annotations

import random

from pipeline.build import parse_document
from pipeline.build import run_stages


def test_cut_and_shuffled_disclosures_do_not_crash(disclosure_paths, tmp_path):
    rng = random.Random(20241122)
    for path in disclosure_paths:
        lines = path.read_text(encoding="utf-8").split("\n")
        variants = [lines[: rng.randrange(10, len(lines))] for _ in range(4)]
        shuffled = lines[:]
        a = rng.randrange(0, len(lines) - 60)
        block = shuffled[a:a + 60]
        rng.shuffle(block)
        shuffled[a:a + 60] = block
        variants.append(shuffled)
        for i, variant in enumerate(variants):
            p = tmp_path / f"{i}_{path.name}"
            p.write_text("\n".join(variant), encoding="utf-8")
            result = parse_document(p)
            run_stages([result])
            failed = [m for m in result.messages if "stage failed" in m.text]
            assert not failed, f"{p.name}: {failed}"


def test_a_failing_stage_is_reported_for_its_document(disclosure_paths, monkeypatch):
    import pipeline.projects

    result = parse_document(disclosure_paths[0])

    def boom(r):
        raise ValueError("a form the stage cannot read")

    monkeypatch.setattr(pipeline.projects, "extract_projects", boom)
    run_stages([result])
    msgs = [m for m in result.messages if "projects stage failed" in m.text]
    assert msgs and "a form the stage cannot read" in msgs[0].text
    assert result.forms is None and result.validation is not None
