"""Severities of findings and of the parser's messages, named once in the schema (the enum and enum_names of
findings.severity) and read from there: `Severity.ERROR` is the schema's error, `Severity.ERROR.zh` its
Chinese name (错误). Every module compares with these members, never with the words, so a search of the
code finds the words nowhere else.

The members are `str`s (StrEnum): they go into CSV, Parquet and JSON as the plain word.
"""
from __future__ import annotations

from enum import StrEnum

from .schema import enum_names, names_zh

NAMES = enum_names("findings", "severity")  # value → (zh, en), in the schema's order: most severe first
ZH = names_zh("findings", "severity")  # value → its Chinese name (错误 …), for tables and pages


class _Named(StrEnum):
    @property
    def zh(self) -> str:
        return NAMES[self.value][0]

    @property
    def en(self) -> str:
        return NAMES[self.value][1]


Severity = _Named("Severity", [(v.upper(), v) for v in NAMES], module=__name__, qualname="Severity")

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO  # fail closed: the schema must name these

FAILING = (ERROR, WARNING)  # a finding of these fails its rule; an info finding is a note (rounding …)
ORDER = {s: i for i, s in enumerate(Severity)}  # for sorting: most severe first
