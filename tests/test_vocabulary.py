"""One vocabulary (issue 12): the names of coded values and the mark of a money field are declared once, in
datapackage/schema/resources.json, and the code reads them from there."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from pipeline import classify, vocabulary
from pipeline.package import field_descriptor
from pipeline.schema import enum_names, field, load_schema, money_fields, names_zh, yuan_per_unit
from pipeline.validate import rules_forms, rules_tables

PIPELINE = Path(__file__).resolve().parent.parent / "pipeline"


def modules():
    for path in sorted(PIPELINE.rglob("*.py")):
        yield path, path.read_text(encoding="utf-8")


def test_every_coded_value_with_names_is_named():
    for resource, name in (("tables", "table_type"), ("findings", "severity"), ("project_funds", "source"),
                           ("project_funds", "measure"), ("documents", "kind"), ("tables", "unit"),
                           ("facts", "value_unit"), ("project_funds", "unit"), ("tables", "status"),
                           ("projects", "kind")):
        names = enum_names(resource, name)
        assert names and all(zh and en for zh, en in names.values()), (resource, name)


def test_table_type_names_come_from_the_schema():
    assert rules_tables.TYPE_NAMES == enum_names("tables", "table_type")
    assert rules_forms.SOURCE_ZH == {v: zh for v, (zh, _) in enum_names("project_funds", "source").items()}
    types = "|".join(enum_names("tables", "table_type"))
    # a type mapped to a Chinese table name ("income": "收入总表"); words the text uses for a kind of funds
    # (无政府性基金 …) are keywords, not names
    copy = re.compile(r"[\"'](?:%s)[\"']\s*:\s*\(?\s*[\"'][^\"']*[\u4e00-\u9fff][^\"']*表[\"']" % types)
    found = [(p.name, m.group(0)) for p, text in modules() for m in copy.finditer(text)]
    assert not found, f"a table type's name written out again: {found}"


def test_money_fields_carry_their_unit():
    _, resources = load_schema()
    declared = {(r["name"], f["name"]) for r in resources for f in r["fields"] if f.get("unit") == "yuan"}
    assert {("projects", "funds_total"), ("findings", "expected"), ("text_figures", "value")} <= declared
    for r in resources:
        for f in r["fields"]:
            if f.get("unit") == "yuan":
                assert f["type"] == "number", (r["name"], f["name"])
                assert field_descriptor(f)["unit"] == "yuan"  # in datapackage.json too
    assert money_fields("findings") == {"expected", "actual", "difference", "tolerance"}
    # nothing decides "money" from a field's wording any more
    regex = re.compile(r"，元\$|（元）\$")
    assert not [p.name for p, text in modules() if regex.search(text)]


def test_kind_and_unit_names_come_from_the_schema():
    from pipeline import metadata, search, text
    from pipeline.exports import workbook
    from pipeline.site import pages
    from pipeline.validate import rules_document
    kinds = names_zh("documents", "kind")
    assert search.KIND == rules_document._KIND_WORD == metadata.KIND_ZH == kinds
    assert pages.KIND_ZH == workbook.KIND_ZH == {k: "部门" + zh for k, zh in kinds.items()}
    assert text.UNIT_FACTOR == yuan_per_unit() and set(yuan_per_unit()) == {"元", "万元"}
    assert yuan_per_unit()["万元"] == 10000 * yuan_per_unit()["元"]
    for resource, name in (("documents", "unit"), ("text_figures", "published_unit")):  # one list of 元 / 万元
        assert field(resource, name)["enum"] == field("tables", "unit")["enum"], (resource, name)
    # a kind or unit mapped to its name or factor again ("budget": "部门预算", "percent": "%", "万元": Decimal(…))
    copies = [re.compile(r"[\"'](?:%s)[\"']\s*:\s*[\"'][^\"']*[\u4e00-\u9fff]" % "|".join(kinds)),
              re.compile(r"[\"'](?:%s)[\"']\s*:\s*[\"'][^\"']*(?:[\u4e00-\u9fff]|%%)"
                         % "|".join({*enum_names("facts", "value_unit"), *enum_names("project_funds", "unit")})),
              re.compile(r"[\"'](?:%s)[\"']\s*:\s*Decimal" % "|".join(yuan_per_unit()))]
    found = [(p.name, m.group(0)) for p, text_ in modules() for c in copies for m in c.finditer(text_)]
    assert not found, f"a kind's or unit's name written out again: {found}"


def test_status_and_form_kind_names_come_from_the_schema():
    from pipeline.site import pages
    assert pages.STATUS_ZH == names_zh("tables", "status")
    assert pages.PROJECT_KIND_ZH == names_zh("projects", "kind")
    values = [*enum_names("tables", "status"), *enum_names("projects", "kind")]
    copy = re.compile(r"[\"'](?:%s)[\"']\s*:\s*[\"'][^\"']*[\u4e00-\u9fff]" % "|".join(values))
    found = [(p.name, m.group(0)) for p, text_ in modules() for m in copy.finditer(text_)]
    assert not found, f"a table status's or form kind's name written out again: {found}"


def test_severity_names_come_from_the_schema():
    copy = re.compile(r"""[\"']error[\"']\s*:\s*[\"']错误[\"']""")
    assert not [p.name for p, text in modules() if copy.search(text)]


# ---- the words read from disclosures (classification keywords, form labels): data in pipeline/vocabulary.py
WORD_READERS = ("classify.py", "projects.py", "forms")  # the modules that read those words
CJK = re.compile(r"[\u4e00-\u9fff]")


def _strings(path: Path):
    """(line, value) of every string constant of a module that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef)) and ast.get_docstring(n, clean=False)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node.lineno, node.value


def test_the_vocabulary_module_is_data_only():
    tree = ast.parse((PIPELINE / "vocabulary.py").read_text(encoding="utf-8"))
    assert ast.get_docstring(tree)
    for stmt in tree.body[1:]:
        assert isinstance(stmt, ast.Assign), f"vocabulary.py line {stmt.lineno}: only assignments of data"
        ast.literal_eval(stmt.value)  # raises on anything but literals: no calls, names or logic
    assert vocabulary.TITLE_PATTERNS[0][0] == "other" and re.search(vocabulary.TITLE_PATTERNS[0][1], "目 录")


def test_no_word_is_written_out_again_where_it_is_read():
    readers = [p for p in sorted(PIPELINE.rglob("*.py"))
               if p.relative_to(PIPELINE).parts[0] in WORD_READERS]
    assert {p.name for p in readers} >= {"classify.py", "projects.py", "form.py", "bigtable.py", "vocab.py"}
    found = [f"{p.relative_to(PIPELINE)}:{line} {value!r}" for p in readers for line, value in _strings(p)
             if CJK.search(value)]
    assert not found, "a Chinese word in code, not in pipeline/vocabulary.py: " + "; ".join(found)


def test_the_readers_use_the_vocabulary(monkeypatch):
    """The words are read from the data, not copied: a table title or a form label the vocabulary gains is
    recognised, and one it loses is not."""
    from pipeline.forms import form
    assert classify.table_type("某某项目绩效表") == "performance"
    assert classify.table_type("机关运行经费支出表") == "operating_costs"
    rules = [(kind, re.compile(p)) for kind, p in vocabulary.TITLE_PATTERNS if kind != "operating_costs"]
    monkeypatch.setattr(classify, "RULES", rules)
    assert classify.table_type("机关运行经费支出表") == "expenditure"
    form.fund_field.cache_clear()
    monkeypatch.setattr(form, "FUND_SOURCES", vocabulary.FUND_SOURCES + [("other", ("社会捐赠",))])
    assert form.fund_field("社会捐赠资金") == "other"
    form.fund_field.cache_clear()


SEVERITY_WORD = re.compile(r"""["'](?:error|warning|info)["']""")


def test_severities_are_named_once_in_the_schema():
    from pipeline.severity import FAILING, INFO, ORDER, Severity
    _, resources = load_schema()
    declared = [f["enum"] for r in resources for f in r["fields"] if f["name"] == "severity"]
    assert len(declared) >= 3 and all(e == declared[0] for e in declared)  # findings, parse_report, build_report
    assert [s.value for s in Severity] == declared[0] == list(enum_names("findings", "severity"))
    assert Severity.ERROR.zh == enum_names("findings", "severity")["error"][0]
    assert INFO not in FAILING and set(FAILING) | {INFO} == set(Severity)
    assert sorted(Severity, key=ORDER.get) == list(Severity)
    # no module writes a severity as a word: every comparison and every message goes through pipeline.severity
    found = [(p.relative_to(PIPELINE).as_posix(), n) for p, text in modules()
             for n, line in enumerate(text.splitlines(), 1) if SEVERITY_WORD.search(line)]
    assert not found, f"severity written as a literal (use pipeline.severity): {found}"


def test_the_search_for_severity_words_finds_a_planted_one():
    assert SEVERITY_WORD.search('    messages.append(Message(name, None, "warning", "…"))')
    assert SEVERITY_WORD.search("if m.severity == 'error':")
    assert not SEVERITY_WORD.search("errors = 0  # an error count, not a severity")


def test_each_rule_id_is_written_once():
    from pipeline.validate.catalogue import RULES
    for rule in RULES:
        written = [p.name for p, text in modules() for _ in re.finditer(r"[\"']%s[\"']" % re.escape(rule.id), text)]
        assert written == [written[0]] and written[0].startswith(("rules_", "core")), (rule.id, written)


def test_checks_report_only_declared_outcomes():
    """RULE.fail(doc, "name", …) / RULE.note(doc, "name", …): the outcome is declared on that rule, with the
    severity its verb allows (fail: error or warning; note: info)."""
    from pipeline.severity import FAILING, INFO
    from pipeline.validate import catalogue
    rules = {name: getattr(catalogue, name) for name in dir(catalogue) if name.isupper()
             and isinstance(getattr(catalogue, name), catalogue.Rule)}
    # the outcome: a string, or none (then the verb's default) when keywords follow; a variable is left to
    # the run-time check in Rule
    call = re.compile(r"\b([A-Z_]+)\.(fail|note)\(\s*doc\s*(?:\)|,\s*(?:\"(\w+)\"|\w+\s*=))")
    seen = 0
    for path, text in modules():
        if "validate" not in path.parts:
            continue
        for m in call.finditer(text):
            rule = rules[m.group(1)]
            outcome = m.group(3) or m.group(2)
            assert outcome in rule.outcomes, (path.name, m.group(0))
            assert rule.outcomes[outcome].severity in (FAILING if m.group(2) == "fail" else (INFO,)), m.group(0)
            seen += 1
        # RULE.differs(doc, within, …) reports "rounding" (info) or "fail" (error or warning)
        for name in re.findall(r"\b([A-Z_]+)\.differs\(", text):
            outcomes = rules[name].outcomes
            assert outcomes["rounding"].severity == INFO and outcomes["fail"].severity in FAILING, name
            seen += 1
    assert seen >= 20


def test_stage_outputs_are_named_typed_fields_declared_as_resources():
    """result.forms and result.validation: each field is a resource of the package, declared in the schema."""
    from dataclasses import fields

    from pipeline.model import DocumentResult, FormRows, Validation
    _, resources = load_schema()
    declared = {r["name"] for r in resources}
    outputs = [f.name for stage in (FormRows, Validation) for f in fields(stage)]
    assert len(outputs) == len(set(outputs)) and set(outputs) <= declared
    assert "extra" not in {f.name for f in fields(DocumentResult)}


def test_a_unit_without_its_factor_fails_closed(monkeypatch):
    from pipeline import schema
    declared = dict(field("tables", "unit"))
    monkeypatch.setattr(schema, "field", lambda resource, name: {**declared, "enum": ["元", "万元", "亿元"]})
    try:
        schema.yuan_per_unit.__wrapped__()
    except KeyError as exc:
        assert "亿元" in str(exc)
    else:
        raise AssertionError("a published unit without its factor in 元 was accepted")
