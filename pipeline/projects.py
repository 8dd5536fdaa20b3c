"""Stage: performance forms (绩效目标表 / 绩效自评表 / 部门整体支出绩效目标申报表) → `projects` and `indicators`.

`extract_projects(result)` → FormRows: projects, indicators, project_funds and projects_unread, the stage's output.
`extract_forms(result)` → (projects, indicators, unread, funds): `unread` has one dict per form row that no
field could take ({doc_id, table_id, source_line, text}; every such row is still in `cells`); `funds` has one
project_funds row per amount printed in a form's fund block (period, side, source, measure, value, as
printed, line and column). `projects` keeps what describes a project and `funds_total`, the one amount that
names its size (also a row of `funds`). Each project also carries `unread_rows` and `unread_lines`.

Layouts read (all by what the cells say, not by fixed columns):
- one form per project, possibly continued in the next table (a 年度绩效目标表 after its 申报表): a table
  without a 项目名称 row belongs to the project before it;
- self-evaluations (年初预算数 / 全年预算数 / 全年执行数 / 执行率 / 得分, 实际完成值 / 偏差原因);
- whole-department sheets (部门整体支出绩效目标申报表) with their own list of projects;
- one big table holding many projects (单位名称 | 项目名称 | 项目类别 | 预算数 | 绩效目标 | 指标…).

Amounts are Decimal 元 (万元 × 10000, exactly); percentages stay percentages.
"""
from __future__ import annotations

from .forms.bigtable import BigTableReader, is_big_table_header, names_big_table
from .forms.form import FormReader, Tok, new_project, tokens
from .model import DocumentResult, FormRows, Table
from .vocabulary import (DEPARTMENT_NAME, DEPARTMENT_TITLE, FORM_HAS, FORM_NAME, NOT_A_FORM_START,
                         SELF_EVALUATION_CELL, SELF_EVALUATION_TITLE)


def _is_form_table(t: Table, toks_by_row: list[list[Tok]]) -> bool:
    if t.table_type == "performance":
        return True
    if t.table_type != "other":
        return False
    keys = _keys_text([tok.key for tk in toks_by_row for tok in tk])
    return "\n" + FORM_NAME in keys and FORM_HAS in keys


def _keys_text(keys: list[str]) -> str:
    """A table's keys as one string, each after a line break: `"\n" + w in` it asks whether a key starts with
    w, `w in` it whether a key holds w (no key or word holds a line break), in one search, not one per key."""
    return "\n" + "\n".join(keys)


def _starts_project(toks) -> bool:
    if not toks:
        return False
    k0 = toks[0].key
    if k0 == FORM_NAME and len(toks) >= 2 and not any(t.key in NOT_A_FORM_START for t in toks):
        return True
    return k0.startswith(DEPARTMENT_NAME)


def _kind(title: str, rows_keys: list[str]) -> str:
    keys = _keys_text(rows_keys)
    if any(w in title for w in SELF_EVALUATION_TITLE) or any(w in keys for w in SELF_EVALUATION_CELL):
        return "self_evaluation"
    if any(w in title for w in DEPARTMENT_TITLE) or any("\n" + w in keys for w in DEPARTMENT_NAME):
        return "department_overall"
    return "target"


def extract_forms(result: DocumentResult) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    doc = result.document
    doc_id = doc["doc_id"]
    doc_unit = doc.get("unit") or ""
    year = str(doc.get("fiscal_year") or "")
    found: list[tuple[dict, list[dict]]] = []  # in document order
    unread: list[dict] = []
    reader: FormReader | None = None
    reader_tables: list[str] = []

    def close() -> None:
        nonlocal reader, reader_tables
        if reader is None:
            return
        p, inds, items, bad = reader.finish()
        p["table_ids"] = list(dict.fromkeys(reader_tables))
        found.append((p, inds))
        parent_at = len(found) - 1
        for it in items:
            q = new_project(doc_id, "department_list_item")
            q.update(it)
            q["department"], q["department_code"] = p["department"], p["department_code"]
            q["table_ids"] = p["table_ids"][:1]
            q["line_end"] = it["source_line"]
            q["parent"] = parent_at
            found.append((q, []))
        for line, text in bad:
            unread.append({"doc_id": doc_id, "table_id": _table_of(line), "source_line": line, "text": text})
        reader, reader_tables = None, []

    candidates = [(t, [tokens(r) for r in t.block.rows]) for t in result.tables
                  if t.table_type in ("performance", "other")]  # each row tokenised once
    tables = [(t, toks_by_row) for t, toks_by_row in candidates if _is_form_table(t, toks_by_row)]
    spans = [(t.block.rows[0].line, t.block.rows[-1].line, t.table_id) for t, _ in tables if t.block.rows]

    def _table_of(line: int) -> str:
        return next((tid for a, b, tid in spans if a <= line <= b), "")

    for t, toks_by_row in tables:
        rows = t.block.rows
        unit = t.block.unit_text or (t.unit if not t.unit_inferred else "") or doc_unit
        all_keys = [tok.key for tk in toks_by_row for tok in tk]
        # a header row's keys are among its table's: a table whose keys together make no header has none
        if names_big_table(set(all_keys)) and any(is_big_table_header(tk) for tk in toks_by_row):
            close()
            big = BigTableReader(doc_id, unit, doc.get("agency") or "", year)
            for r, tk in zip(rows, toks_by_row):
                big.feed(r, tk)
            projs, bad = big.finish()
            for p, inds in projs:
                p["table_ids"] = [t.table_id]
                found.append((p, inds))
            if big.list_total is not None:
                for p, _ in projs:
                    p["table_total"] = big.list_total
            for line, text in bad:
                unread.append({"doc_id": doc_id, "table_id": t.table_id, "source_line": line, "text": text})
            continue
        starts = [_starts_project(tk) for tk in toks_by_row]
        if any(starts):
            close()  # a new form: its title rows before 项目名称 are its own
        kind = None  # the table's kind of form, the same for every reader it starts
        for r, tk, start in zip(rows, toks_by_row, starts):
            if start and (reader is None or reader.s.project["source_line"] is not None or reader.s.indicators):
                close()
            if reader is None:
                kind = kind or _kind(t.title, all_keys)
                reader = FormReader(doc_id, unit, kind, year, doc.get("kind") or "")
            if not reader_tables or reader_tables[-1] != t.table_id:
                reader_tables.append(t.table_id)
            reader.feed(r, tk)
    close()

    projects: list[dict] = []
    indicators: list[dict] = []
    funds: list[dict] = []
    ids: list[str] = []
    for n, (p, inds) in enumerate(found, start=1):
        pid = f"{doc_id}-p{n:03d}"
        ids.append(pid)
        p["project_id"] = pid
        p["project_no"] = n
    for p, inds in found:
        if "parent" in p:
            p["parent_project_id"] = ids[p.pop("parent")]
        else:
            p.setdefault("parent_project_id", "")
        p["indicator_count"] = len(inds)
        p["table_ids"] = " ".join(p["table_ids"]) if isinstance(p["table_ids"], list) else p["table_ids"]
        for f in p.pop("_funds", []):
            funds.append({"project_id": p["project_id"], "doc_id": doc_id, **f})
        projects.append(p)
        for i, ind in enumerate(inds, start=1):
            ind["project_id"] = p["project_id"]
            ind["indicator_no"] = i
            indicators.append(ind)
    return projects, indicators, unread, funds


def extract_projects(result: DocumentResult) -> FormRows:
    """The stage's output: projects, indicators, the forms' printed amounts (project_funds) and the rows no
    field could take (projects_unread)."""
    projects, indicators, unread, funds = extract_forms(result)
    return FormRows(projects=projects, indicators=indicators, project_funds=funds, projects_unread=unread)


def unread_count(result: DocumentResult) -> int:
    """How many form rows of the document no project/indicator field could take (after the projects stage)."""
    return len(result.forms.projects_unread) if result.forms else 0
