"""Right row, right column: hand-checked facts from the tricky layouts of the five disclosures."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

GOLD = Path(__file__).parent / "gold" / "facts.tsv"


def gold_rows():
    lines = [ln for ln in GOLD.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


@pytest.mark.parametrize("gold", gold_rows(), ids=lambda g: f"{g['file'][:3]}:L{g['line']}:{g['published_value']}")
def test_gold_fact(parsed, gold):
    facts = [f for f in parsed[gold["file"]].facts
             if f["source_line"] == int(gold["line"]) and f["published_value"] == gold["published_value"]]
    assert facts, "no fact for this printed value"
    wanted = (gold["row_label"], gold["code"], gold["column_label"])
    got = [(f["row_label"], f["code"], f["column_label"]) for f in facts]
    assert wanted in got
