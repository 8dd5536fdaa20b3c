"""The schema source in datapackage/schema/, loaded once, and the checks every stage asks of it.

`resources.json` declares each field's type and constraints (pattern, enum, minimum, maximum, maxLength);
`package.json` the decimal precision. Ids, sidecar values and amounts are checked here against those
declarations, so a rule is written once, in the schema, and the code only reads it.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal, getcontext
from functools import lru_cache
from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "datapackage" / "schema"


@lru_cache(maxsize=1)
def load_schema() -> tuple[dict, list[dict]]:
    """(package metadata, resources) as declared in datapackage/schema/."""
    meta = json.loads((SCHEMA_DIR / "package.json").read_text(encoding="utf-8"))
    resources = json.loads((SCHEMA_DIR / "resources.json").read_text(encoding="utf-8"))["resources"]
    return meta, resources


def field(resource: str, name: str) -> dict:
    """The declaration of one field, e.g. field("documents", "doc_id")."""
    res = next(r for r in load_schema()[1] if r["name"] == resource)
    return next(f for f in res["fields"] if f["name"] == name)


def enum_names(resource: str, name: str) -> dict[str, tuple[str, str]]:
    """Each value of an enum field → its short (zh, en) name, as declared once in the schema's enum_names:
    enum_names("tables", "table_type")["income"] is the income table's (zh, en) name."""
    f = field(resource, name)
    names = f.get("enum_names") or {}
    missing = [v for v in f.get("enum", []) if v not in names]
    if missing:
        raise KeyError(f"{resource}.{name}: enum values without a name in enum_names: {missing}")
    return {v: (names[v][0], names[v][1]) for v in f["enum"]}


def names_zh(resource: str, name: str) -> dict[str, str]:
    """Each value of an enum field → its short Chinese name (enum_names): names_zh("documents", "kind")."""
    return {v: zh for v, (zh, _) in enum_names(resource, name).items()}


@lru_cache(maxsize=1)
def yuan_per_unit() -> dict[str, Decimal]:
    """Each published money unit (元, 万元) → what one of it is in 元, as declared once on tables.unit."""
    f = field("tables", "unit")
    factors = {u: Decimal(v) for u, v in f["yuan_per_unit"].items()}
    if set(factors) != set(f["enum"]):
        raise KeyError(f"tables.unit: yuan_per_unit {sorted(factors)} does not match the enum {f['enum']}")
    return factors


def money_fields(resource: str) -> set[str]:
    """The fields of a resource that hold 元: declared with "unit": "yuan" in the schema, nowhere else."""
    res = next(r for r in load_schema()[1] if r["name"] == resource)
    return {f["name"] for f in res["fields"] if f.get("unit") == "yuan"}


@lru_cache(maxsize=64)
def _pattern(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def constraint_problem(decl: dict, value) -> str | None:
    """What is wrong with `value` under the field's declared constraints, or None. Types are the caller's."""
    if value is None or value == "":
        return None
    if "enum" in decl and value not in decl["enum"]:
        return f"expected one of {decl['enum']}"
    if isinstance(value, str):
        if "maxLength" in decl and len(value) > decl["maxLength"]:
            return f"expected at most {decl['maxLength']} characters, got {len(value)}"
        if "pattern" in decl and not _pattern(decl["pattern"]).fullmatch(value):
            return f"expected text matching {decl['pattern']}"
    elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        if "minimum" in decl and value < decl["minimum"]:
            return f"expected at least {decl['minimum']}"
        if "maximum" in decl and value > decl["maximum"]:
            return f"expected at most {decl['maximum']}"
    return None


def id_problem(resource: str, name: str, value) -> str | None:
    """Why `value` is not a valid id for the declared field (its pattern and length), or None."""
    if not isinstance(value, str):
        return f"expected text, got {type(value).__name__}"
    return constraint_problem(field(resource, name), value) or (None if value else "expected a non-empty id")


_QUANTUM: dict[int, Decimal] = {}


def _quantum(scale: int) -> Decimal:
    """10 ** -scale, made once."""
    q = _QUANTUM.get(scale)
    if q is None:
        q = _QUANTUM[scale] = Decimal(1).scaleb(-scale)
    return q


def decimal_problem(value: Decimal, places: int | None = None) -> str | None:
    """Why an amount does not fit the package's exact decimal type (decimal128(precision, scale)), or None.
    `places`, when the caller knows it, is the most digits the value has after its point (a printed amount
    times a whole number): within the scale, only the digits before the point are left to check."""
    dec = load_schema()[0]["decimal"]
    if places is not None and places <= dec["scale"] and value.adjusted() < dec["precision"] - dec["scale"]:
        return None
    # most amounts, told without taking the value apart: they fit before the point (so the value rounded to
    # the scale has at most `precision` digits, within the context's) and rounding to the scale keeps them
    if value.is_finite() and value.adjusted() < dec["precision"] - dec["scale"] \
            and dec["precision"] <= getcontext().prec and value == value.quantize(_quantum(dec["scale"])):
        return None
    if not value.is_finite():
        return "not a finite number"
    sign, digits, exponent = value.as_tuple()
    if exponent < -dec["scale"] and value != value.quantize(Decimal(1).scaleb(-dec["scale"])):
        return f"more than {dec['scale']} decimal places"
    if value.adjusted() + 1 > dec["precision"] - dec["scale"]:
        return f"more than {dec['precision'] - dec['scale']} digits before the decimal point"
    return None
