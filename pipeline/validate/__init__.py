"""Stage: validation rules → `findings` and a quality summary per document.

`validate(result)` runs every rule of the catalogue (`catalogue.RULES`) on one parsed disclosure and returns
its Validation (pipeline/model.py): the quality summary, each rule's outcome, the figures the text states, and
the findings: dicts with the contract fields doc_id, rule_id, severity (error | warning | info), message
(zh), expected, actual, difference (Decimal in 元, or None), table_ids and source_lines (space-separated).
Besides the contract's fields each finding carries message_en, found_by (the rule whose check found it),
tolerance (元) and basis, all declared in datapackage/schema/resources.json.
"""
from __future__ import annotations

from ..model import DocumentResult, Validation
from ..severity import FAILING, ORDER, Severity
from .catalogue import RULES, catalogue_markdown, rule_catalogue
from .core import CUT_SHORT, Doc
from .rules_text import text_figure_rows

__all__ = ["validate", "rule_catalogue", "catalogue_markdown", "run_rules"]


def run_rules(result: DocumentResult, doc: Doc | None = None) -> tuple[list[dict], dict[str, str]]:
    """(findings, outcome per rule id: passed | failed | not_applicable)."""
    doc = doc or Doc(result)
    findings: list[dict] = []
    outcome: dict[str, str] = {}
    for rule in RULES:
        if rule.check is None:
            continue
        got = rule.check(doc)
        if got is None:
            outcome[rule.id] = "not_applicable"
            continue
        findings += got
        # a cut-short cell is its own rule's failure: the sum that saw it did add up
        bad = any(f["severity"] in FAILING and f["rule_id"] == rule.id for f in got)
        outcome[rule.id] = "failed" if bad else "passed"
    # value.cut_short has no check of its own: it ran wherever a sum of printed amounts was compared
    sums_ran = any(outcome.get(r.id) in ("passed", "failed") for r in RULES if r.group in ("table", "cross")
                   and r.check is not None)
    cut = any(f["rule_id"] == CUT_SHORT.id for f in findings)
    outcome[CUT_SHORT.id] = "failed" if cut else ("passed" if sums_ran else "not_applicable")
    findings = _dedup_cut_short(findings)
    findings.sort(key=lambda f: (ORDER[f["severity"]], f["rule_id"], f["table_ids"], f["source_lines"]))
    return findings, outcome


def _dedup_cut_short(findings: list[dict]) -> list[dict]:
    """A cell cut short is seen by every sum it takes part in; report it once, from the first check."""
    seen = set()
    out = []
    for f in findings:
        if f["rule_id"] == CUT_SHORT.id:
            key = (f["table_ids"], f["actual"])
            if key in seen:
                continue
            seen.add(key)
        out.append(f)
    return out


def validate(result: DocumentResult) -> Validation:
    """The stage: every rule on one document → its findings, its quality summary, each rule's outcome and
    the figures the text states (four package resources)."""
    doc = Doc(result)  # one: the text figures the rules read are the ones published
    findings, outcome = run_rules(result, doc)
    return Validation(
        findings=findings, quality=[_summary(result, findings, outcome)],
        rule_outcomes=[{"doc_id": result.document["doc_id"], "rule_id": k, "outcome": v} for k, v in outcome.items()],
        text_figures=text_figure_rows(doc))


def _summary(result: DocumentResult, findings: list[dict], outcomes: dict[str, str]) -> dict:
    by = {s: sum(1 for f in findings if f["severity"] == s) for s in Severity}
    failed = sorted(k for k, v in outcomes.items() if v == "failed")
    return {
        "doc_id": result.document["doc_id"],
        "rules_total": len(RULES),
        "rules_run": sum(1 for v in outcomes.values() if v != "not_applicable"),
        "rules_passed": sum(1 for v in outcomes.values() if v == "passed"),
        "rules_failed": len(failed),
        "rules_not_applicable": sum(1 for v in outcomes.values() if v == "not_applicable"),
        "errors": by[Severity.ERROR], "warnings": by[Severity.WARNING], "infos": by[Severity.INFO],
        "failed_rules": " ".join(failed),
        "cut_short": sum(1 for f in findings if f["rule_id"] == CUT_SHORT.id),
    }
