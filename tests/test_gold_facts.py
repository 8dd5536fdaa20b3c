"""Right row, right column: hand-checked facts from the tricky layouts of the disclosures."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

GOLD = Path(__file__).parent / "gold" / "facts.tsv"


def gold_rows():
    lines = [ln for ln in GOLD.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


@pytest.fixture(scope="session")
def documents(parsed):
    """Each document a gold row names, parsed once: the text disclosures and the published PDF."""
    from pipeline.build import parse_document

    cache = dict(parsed)

    def get(name):
        if name not in cache:
            cache[name] = parse_document(Path(__file__).parent.parent / "disclosures" / name)
        return cache[name]
    return get


@pytest.mark.parametrize("gold", gold_rows(), ids=lambda g: f"{g['file'][:3]}:L{g['line']}:{g['published_value']}")
def test_gold_fact(documents, gold):
    facts = [f for f in documents(gold["file"]).facts
             if f["source_line"] == int(gold["line"]) and f["published_value"] == gold["published_value"]]
    assert facts, "no fact for this printed value"
    wanted = (gold["row_label"], gold["code"], gold["column_label"])
    got = [(f["row_label"], f["code"], f["column_label"]) for f in facts]
    assert wanted in got
