"""Stage: performance forms (绩效目标表 / 绩效自评表) → `projects` and `indicators`. (stub: issue 6)"""
from __future__ import annotations

from .model import DocumentResult


def extract_projects(result: DocumentResult) -> tuple[list[dict], list[dict]]:
    return [], []
