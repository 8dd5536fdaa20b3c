"""One vocabulary (issue 12): the names of coded values and the mark of a money field are declared once, in
datapackage/schema/resources.json, and the code reads them from there."""
from __future__ import annotations

import re
from pathlib import Path

from pipeline.package import field_descriptor
from pipeline.schema import enum_names, load_schema, money_fields
from pipeline.validate import rules_forms, rules_tables

PIPELINE = Path(__file__).resolve().parent.parent / "pipeline"


def modules():
    for path in sorted(PIPELINE.rglob("*.py")):
        yield path, path.read_text(encoding="utf-8")


def test_every_coded_value_with_names_is_named():
    for resource, name in (("tables", "table_type"), ("findings", "severity"), ("project_funds", "source"),
                           ("project_funds", "measure")):
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


def test_severity_names_come_from_the_schema():
    copy = re.compile(r"""[\"']error[\"']\s*:\s*[\"']错误[\"']""")
    assert not [p.name for p, text in modules() if copy.search(text)]
