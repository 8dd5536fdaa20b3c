"""Stage: validation rules → `findings`. (stub: issue 4)"""
from __future__ import annotations

from ..model import DocumentResult


def validate(result: DocumentResult) -> list[dict]:
    return []


def quality_summary(result: DocumentResult, findings: list[dict]) -> dict:
    return {"doc_id": result.document["doc_id"], "rules_run": 0, "rules_passed": 0,
            "errors": 0, "warnings": 0, "infos": 0}
