from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DISCLOSURES = ROOT / "disclosures"


@pytest.fixture(scope="session")
def disclosure_paths() -> list[Path]:
    paths = sorted(DISCLOSURES.glob("*.txt"))
    assert len(paths) >= 5, "the five disclosures must be in disclosures/"
    return paths


@pytest.fixture(scope="session")
def parsed(disclosure_paths):
    """Every disclosure parsed once per test session, keyed by file name."""
    from pipeline.build import parse_document

    return {p.name: parse_document(p) for p in disclosure_paths}
