"""Plain data passed between the stages: read → segment → tables → facts → validate → package → site.

Each stage is a module with a function taking and returning these objects (or lists of dicts whose keys
are the field names of datapackage/schema/resources.json), so a stage can be tested on its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

from .severity import Severity


@dataclass(frozen=True)
class Message:
    """A located message about the input: what the pipeline could not read or had to guess."""

    file: str
    line: int | None
    severity: Severity
    text: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.severity}: {self.text}"


@dataclass
class Source:
    """A disclosure decoded to text: `lines[i]` is line i+1 of the file, markup already plain text."""

    path: str  # as given on the command line / relative to the repo
    sha256: str
    encoding: str
    lines: list[str]
    messages: list[Message] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)  # PDF sources: pages[i] is the page of line i+1; else empty
    page_count: int | None = None  # PDF sources only
    masked: int = 0  # personal numbers the read stage masked (pipeline/privacy.py)

    def page_of(self, line: int | None) -> int | None:
        """1-based page of a 1-based line, None for text sources (and for no line)."""
        return self.pages[line - 1] if line and self.pages and 0 < line <= len(self.pages) else None


@dataclass(slots=True)  # a document has a row per table line and a TextLine per other line: slots make them cheaper
class Row:
    line: int  # 1-based source line
    cells: list[str]  # split on tabs, cleaned; empty string = blank cell


@dataclass
class Block:
    """A run of tab-separated lines (one printed table, possibly continued over page breaks) and the
    text lines around it that name it."""

    rows: list[Row]
    title: str = ""
    title_line: int | None = None
    label: str = ""  # 公开01表 / 预算公开表1 / 部门公开表 1
    unit_text: str = ""  # as printed: 万元 / 元
    unit_line: int | None = None
    notes: list[tuple[int, str]] = field(default_factory=list)  # 注：… lines right after the table
    heading_path: tuple[str, ...] = ()

    @property
    def line_start(self) -> int:
        return min([self.rows[0].line] + [n for n in (self.title_line, self.unit_line) if n])

    @property
    def line_end(self) -> int:
        return max([self.rows[-1].line] + [n for n, _ in self.notes])


@dataclass(slots=True)
class TextLine:
    line: int
    text: str
    heading_path: tuple[str, ...]
    is_heading: bool = False


@dataclass
class Segmented:
    blocks: list[Block]
    text: list[TextLine]  # every non-blank line that is not part of a table
    toc: list[tuple[int, str]] = field(default_factory=list)  # (line, entry) of the outline (目录)
    loose_rows: list[tuple[int, list[str]]] = field(default_factory=list)  # table rows read as plain text


@dataclass
class Column:
    index: int  # position in the table's canonical grid
    path: str  # header path joined by " / "
    kind: str  # "label" | "code" | "amount" | "index" (行次/栏次 numbers)


@dataclass
class Table:
    """A table after header analysis; `facts` and `cells` are rows of the public resources."""

    table_id: str
    doc_id: str
    table_type: str
    title: str
    unit: str  # 元 | 万元 | "" for tables without money
    unit_inferred: bool
    status: str  # parsed | empty | unrecognized
    block: Block
    header_rows: int
    columns: list[Column] | None  # None: made from the block when first asked for (see _table_columns)
    facts: list[dict] = field(default_factory=list)
    cells: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unplaced: list[tuple[int, str]] = field(default_factory=list)  # (line, text) of amounts not in facts


def _table_columns(table: Table) -> list[Column]:
    """A table's columns (tables.layout of its block), made the first time they are asked for: the facts stage
    needs them for money tables only, and a form's (most of a document's tables) are seldom asked for."""
    if table._columns is None:
        from .tables import columns_of, layout  # tables reads blocks; the model only names what it made

        table._columns = columns_of(layout(table.block, table.header_rows))
    return table._columns


def _set_table_columns(table: Table, columns: list[Column] | None) -> None:
    table._columns = columns


Table.columns = property(_table_columns, _set_table_columns)  # after @dataclass, whose __init__ sets it


@dataclass
class FormRows:
    """What the projects stage (pipeline/projects.py) reads from the performance forms: the rows of four
    resources, each field named as its resource."""

    projects: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    project_funds: list[dict] = field(default_factory=list)  # one row per amount a form prints
    projects_unread: list[dict] = field(default_factory=list)  # form rows no field could take


@dataclass
class Validation:
    """What the validation stage (pipeline/validate) finds: the rows of four resources, each field named as
    its resource."""

    findings: list[dict] = field(default_factory=list)
    quality: list[dict] = field(default_factory=list)  # the document's one quality summary row
    rule_outcomes: list[dict] = field(default_factory=list)  # passed | failed | not_applicable per rule
    text_figures: list[dict] = field(default_factory=list)  # the figures the explanations state


@dataclass
class DocumentResult:
    """Everything the pipeline derived from one disclosure."""

    document: dict
    source: Source
    tables: list[Table]
    sections: list[dict]
    glossary: list[dict]
    messages: list[Message]
    forms: FormRows | None = None  # None until the projects stage ran (or when it failed)
    validation: Validation | None = None  # None until the validation stage ran (or when it failed)
    loose_amounts: list[tuple[int, str]] = field(default_factory=list)  # amounts in rows no table holds

    def table_rows(self) -> list[dict]:
        """Rows of the `tables` resource."""
        return [
            {
                "table_id": t.table_id, "doc_id": t.doc_id, "table_type": t.table_type, "title": t.title,
                "label": t.block.label, "unit": t.unit, "unit_inferred": t.unit_inferred,
                "line_start": t.block.line_start, "line_end": t.block.line_end, "status": t.status,
                "header_rows": t.header_rows, "fact_count": len(t.facts),
                "note": " ".join(t.notes), "heading_path": " > ".join(t.block.heading_path),
            }
            for t in self.tables
        ]

    def report_rows(self) -> list[dict]:
        """Rows of the `parse_report` resource: what the parser could not place or had to guess."""
        return [
            {"doc_id": self.document["doc_id"], "source_line": m.line, "severity": m.severity, "message": m.text}
            for m in self.messages
        ]

    def stage_rows(self) -> dict[str, list[dict]]:
        """Rows of the resources the stages after the parse made, by resource name."""
        return {f.name: getattr(stage, f.name) for stage in (self.forms, self.validation) if stage is not None
                for f in fields(stage)}

    @property
    def unplaced_count(self) -> int:
        """Printed amounts that are in `cells` but not in `facts` under a column (fail closed: counted, and
        each table that has any is named in the parse report)."""
        return sum(len(t.unplaced) for t in self.tables) + len(self.loose_amounts)

    @property
    def facts(self) -> list[dict]:
        return [f for t in self.tables for f in t.facts]

    @property
    def cells(self) -> list[dict]:
        return [c for t in self.tables for c in t.cells]


OUTLINE_FINDING = ("rule_id", "severity", "message", "source_lines")  # of a finding, what the build line reads


@dataclass
class DocumentOutline:
    """What the main process keeps of a document whose rows went to its part (see package.write_part): its
    `documents` row, its messages and the counts its build line prints; `part` is the part's folder, None
    when a value breaking the schema left it out (`left_out` says which)."""

    document: dict
    source_path: str
    messages: list[Message]
    table_statuses: list[str]
    facts: int
    cells: int
    projects: int
    indicators: int
    unplaced_count: int
    findings: list[dict]
    part: str | None = None
    left_out: Message | None = None

    @classmethod
    def of(cls, result: DocumentResult) -> "DocumentOutline":
        return cls(document=result.document, source_path=result.source.path, messages=list(result.messages),
                   table_statuses=[t.status for t in result.tables], facts=len(result.facts),
                   cells=len(result.cells), projects=len(result.forms.projects) if result.forms else 0,
                   indicators=len(result.forms.indicators) if result.forms else 0,
                   unplaced_count=result.unplaced_count,
                   findings=[{k: f[k] for k in OUTLINE_FINDING if k in f}
                             for f in (result.validation.findings if result.validation else [])])
