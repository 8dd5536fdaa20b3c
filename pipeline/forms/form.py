"""One project's form (项目支出绩效目标表 / 申报表 / 自评表) or a whole-department sheet
(部门整体支出绩效目标申报表) → one project dict and its indicator dicts.

The printed columns of these forms are not reliable (merged cells land in whichever column the extraction
chose), so rows are read by what their cells say: a row label (项目名称, 主管部门, 年度资金总额 …), a level
name (产出指标 / 数量指标 …), a target, a number. Column positions are used only to separate the two
side-by-side halves of a form that prints 实施期 and 年度 indicators next to each other."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from ..model import Row
from ..text import squash, unit_in
from ..vocabulary import (DEPARTMENT_CURRENT, DEPARTMENT_FUNDS, DEPARTMENT_LIST, DEPARTMENT_NAME,
                          DEPARTMENT_NAME_EXACT, DEPARTMENT_PRIOR, DEPARTMENT_SHARE, DEPARTMENT_SIDES,
                          DEPARTMENT_SOURCES, DESCRIPTIVE, FOOTER, FUND_MEASURES, FUND_SOURCES, FUNDS_BLOCK,
                          GOAL_HEAD_PREFIXES, GOAL_STARTS, HEAD_LABEL_AND, HEAD_LABELS, IGNORED_IN_INDICATORS,
                          IMPLEMENTING_UNIT_LABELS, INDICATOR_HEADER_NAMES, LEVEL1_HEADER, LEVEL2_HEADER,
                          LEVEL2_PARENT, LEVEL_COST, LEVEL_SATISFACTION, LEVEL_SUFFIX, LIST_ENDS, LIST_TOTAL,
                          NAME_HEADERS, NUMBERING, PERIOD_LABELS, PHASE_IMPLEMENTATION, PHASE_LABELS, PHASE_YEAR,
                          PLACEHOLDER, PRIOR_YEAR_COLUMN, SCORE_TOTAL, TARGET_SPLIT, YEAR_COLUMN, YEAR_LINE)
from .vocab import (cell, checked, goal_head, key, level_of, money, norm_decimal, number, parse_target, percent,
                    role_of)


@dataclass(slots=True)
class Tok:
    col: int
    raw: str
    text: str  # squashed
    key: str


def tokens(row: Row) -> list[Tok]:
    """The row's printed (non-blank) cells, each squashed and keyed once."""
    return [Tok(i, c, *cell(c)) for i, c in enumerate(row.cells) if c and not c.isspace()]


# ------------------------------------------------------------------ fund rows
def _has_words(k: str, words: tuple[str, ...]) -> bool:
    """Every word is in the key ("=w": the key is exactly w)."""
    return all(k == w[1:] if w.startswith("=") else w in k for w in words)


@lru_cache(maxsize=4096)
def fund_field(k: str) -> str | None:
    """The fund source a fund row's label names (FUND_SOURCES), or None."""
    return next((source for source, words in FUND_SOURCES if _has_words(k, words)), None)


@lru_cache(maxsize=4096)
def fund_role(k: str) -> str | None:
    """The measure a self-evaluation's fund column header names (FUND_MEASURES), or None."""
    return next((measure for word, measure in FUND_MEASURES if word in k), None)


# ------------------------------------------------------------------ indicator context
@dataclass
class Group:
    phase: str
    level1: str = ""
    level2: str = ""


@dataclass
class FormState:
    doc_id: str
    unit: str  # 元 | 万元 for amounts without their own
    kind: str
    project: dict
    indicators: list[dict] = field(default_factory=list)
    unread: list[tuple[int, str]] = field(default_factory=list)
    mode: str = "head"
    goal_heads: list[str] = field(default_factory=list)
    fund_roles: list[str] = field(default_factory=list)
    fund_halves: bool = False
    roles: list[str] = field(default_factory=list)
    split_col: int | None = None
    groups: list[Group] = field(default_factory=list)
    phase: str = PHASE_YEAR
    dept_section: str = ""
    dept_cols: dict[int, tuple[str, str]] = field(default_factory=dict)  # column → (period, measure)
    year: str = ""  # the document's fiscal year: the period of the year's funds
    doc_kind: str = ""  # budget | final_accounts
    list_items: list[dict] = field(default_factory=list)
    last_line: int = 0


def new_project(doc_id: str, kind: str) -> dict:
    return {
        "doc_id": doc_id, "kind": kind, "name": "", "department": "", "department_code": "",
        "implementing_unit": "", "implementing_unit_code": "", "attribute": "", "project_type": "",
        "period": "", "category": "", "project_code": "", "funds_unit": "",
        "funds_total": None, "score_weight": None, "score": None,
        "goals": "", "goals_long_term": "", "goals_period": "", "goals_actual": "",
        "overview": "", "basis": "", "necessity": "", "measures": "", "plan": "", "functions": "", "tasks": "",
        "table_ids": [], "source_line": None, "line_end": None, "unread_rows": 0, "unread_lines": "",
        "_funds": [],  # the form's printed amounts: project_funds rows without their project_id yet
    }


IMPLEMENTATION = "implementation"  # the period of a project's whole implementation (实施期, 项目总预算)


def fund_entry(line: int, tok: Tok, value: Decimal | None, unit: str, published_unit: str, source: str,
               measure: str, period: str, side: str, label: str) -> dict:
    """A project_funds row (without project_id / doc_id): one amount as printed, where it was printed."""
    return {"period": period, "side": side, "source": source, "measure": measure, "value": value,
            "published_value": tok.raw.strip(), "unit": unit, "published_unit": published_unit,
            "row_label": label, "source_line": line, "grid_col": tok.col + 1}


_CODE_TAIL = re.compile(r"^(?P<name>.*?\D)\s*(?P<code>\d{3,})$")
_CODE_HEAD = re.compile(r"^(?P<code>\d{3,})\s*[-－—]?\s*(?P<name>\D.*)$")


def split_unit(raw: str) -> tuple[str, str]:
    """'中卫市人力资源和社会保障局 310' / '303-自治区人力资源和社会保障厅' → (name, code)."""
    t = raw.strip()
    m = _CODE_HEAD.match(t)
    if m:
        return squash(m.group("name")), m.group("code")
    m = _CODE_TAIL.match(t)
    if m:
        return squash(m.group("name")), m.group("code")
    return squash(t), ""


def _label_value(toks: list[Tok], i: int, label: str) -> tuple[str, str]:
    """The value of the label at toks[i]: the rest of its own cell ('实施单位 303001-…'), or the next cell."""
    t = toks[i]
    if t.key != label and t.key.startswith(label):
        raw, j, n = t.raw, 0, 0
        while j < len(raw) and n < len(label):
            if not raw[j].isspace():
                n += 1
            j += 1
        rest = re.sub(r"^[\s:：]+", "", raw[j:])
        if rest:
            return squash(rest), rest
    if i + 1 < len(toks):
        return toks[i + 1].text, toks[i + 1].raw
    return "", ""


_HEAD_LABELS = HEAD_LABELS + [(w, "period") for w in PERIOD_LABELS]


@lru_cache(maxsize=4096)
def _head_label(k: str) -> tuple[str, str] | None:
    """('主管部门及代码', 'department') for a head-of-form label cell, alone or followed by its value."""
    for label, fieldname in _HEAD_LABELS:
        if k == label or (k.startswith(label) and len(k) > len(label) and fieldname in (
                "name", "department", "implementing_unit") and not k.startswith(label + HEAD_LABEL_AND)):
            return label, fieldname
    return None


@lru_cache(maxsize=4096)
def _goal_prefixed(k: str) -> str | None:
    """The goal a label names by its start (长期目标… / 年度目标…), or None."""
    return next((fieldname for prefix, fieldname in GOAL_HEAD_PREFIXES if k.startswith(prefix)), None)


_TARGET_SPLIT = frozenset(TARGET_SPLIT)
_YEAR_LINE = re.compile(YEAR_LINE)
_PLACEHOLDER = re.compile(PLACEHOLDER)
_DASHES = re.compile(r"[-—–]+")
_NUMBERING = re.compile(NUMBERING)


# Pure functions of one cell's key or text, asked of every cell of every indicator row: kept, as in vocab.py.
@lru_cache(maxsize=4096)
def _filler(k: str) -> bool | None:
    """None for a cell that is no template filler; for a filler (指标2: / ..... / ——), whether it is reported
    as unread (a rule of dashes is not)."""
    if not _PLACEHOLDER.match(k):
        return None
    return not _DASHES.fullmatch(k)
_YEAR_COLUMN = re.compile(YEAR_COLUMN)
_PRIOR_YEAR_COLUMN = re.compile(PRIOR_YEAR_COLUMN)


class FormReader:
    def __init__(self, doc_id: str, unit: str, kind: str, year: str = "", doc_kind: str = ""):
        self.s = FormState(doc_id, unit, kind, new_project(doc_id, kind), year=year, doc_kind=doc_kind)

    # ----------------------------------------------------------- entry
    def feed(self, row: Row, toks: list[Tok] | None = None) -> None:
        """Read one row; `toks` are its tokens when the caller has them already."""
        s = self.s
        s.last_line = row.line
        toks = tokens(row) if toks is None else toks
        if not toks:
            return
        if not self._row(row, toks):
            s.unread.append((row.line, " | ".join(t.text for t in toks)))

    def finish(self) -> tuple[dict, list[dict], list[dict], list[tuple[int, str]]]:
        s = self.s
        p = s.project
        p["line_end"] = s.last_line
        for f in list(p):
            if isinstance(p[f], Decimal):
                p[f] = norm_decimal(p[f])
        p["unread_rows"] = len(s.unread)
        p["unread_lines"] = " ".join(str(n) for n, _ in s.unread)
        return p, s.indicators, s.list_items, s.unread

    # ----------------------------------------------------------- one row
    def _row(self, row: Row, toks: list[Tok]) -> bool:
        s, p = self.s, self.s.project
        k0 = toks[0].key
        if k0.startswith(DEPARTMENT_NAME) or k0 in DEPARTMENT_NAME_EXACT:
            v, raw = _label_value(toks, 0, k0)
            p["name"] = v
            p["department"], p["department_code"] = split_unit(raw)
            p["source_line"] = row.line
            return True
        if _head_label(k0):
            self._head_row(row, toks)
            return True
        if k0 in PERIOD_LABELS:
            p["period"] = toks[1].text if len(toks) > 1 else ""
            return True
        if k0.startswith(FUNDS_BLOCK):
            u = unit_in(toks[0].text)
            if u:
                p["funds_unit"] = u
            roles = [fund_role(t.key) for t in toks[1:]]
            if any(roles) and not any(fund_field(t.key) for t in toks[1:]):
                s.fund_roles = [r for r in roles if r]
                return True
            if len(toks) > 1:
                return self._fund_row(row, toks[1:])
            return True
        if s.mode == "dept_funds" or k0 in DEPARTMENT_FUNDS:
            if self._dept_funds(toks):
                return True
            s.mode = "head"
        if k0 == DEPARTMENT_LIST or s.mode == "dept_list":
            return self._dept_list(toks)
        if (fund_field(k0) or len(toks) > 1 and fund_field(toks[1].key)) and s.mode in ("head", "funds"):
            return self._fund_row(row, toks)
        if k0 in DESCRIPTIVE:
            p[DESCRIPTIVE[k0]] = " ".join(t.text for t in toks[1:])
            return True
        if k0.startswith(FOOTER):
            return True
        if len(toks) == 1 and _YEAR_LINE.match(k0):
            return True
        if self._is_indicator_header(toks):
            return self._indicator_header(toks)
        if self._goal_row(toks):
            return True
        if s.mode != "indicators" and self._implicit_header(toks):
            return self._indicator_row(row, toks)
        if s.mode == "indicators":
            return self._indicator_row(row, toks)
        return False

    def _implicit_header(self, toks: list[Tok]) -> bool:
        """Indicators without a header row (绩效指标 | 产出指标 | 数量指标 | name | value …): start reading them
        with a single target column; a second 二级指标 after a value starts the 年度 half."""
        s = self.s
        lv = [level_of(t.text) for t in toks]
        first = [x for x in lv[:4] if x and x[0] != "-"]
        if not first or len(toks) < 3:
            return False
        s.mode = "indicators"
        s.roles = ["target_text"]
        s.split_col = None
        seen_value = False
        for t, x in zip(toks, lv):
            if x is None and t.key not in IGNORED_IN_INDICATORS:
                seen_value = True
            elif x is not None and x[0] in ("2", "1?") and seen_value:
                s.split_col = t.col
                break
        s.groups = [Group(PHASE_IMPLEMENTATION), Group(PHASE_YEAR)] if s.split_col is not None else [Group(s.phase)]
        return True

    def _head_row(self, row: Row, toks: list[Tok]) -> None:
        """项目名称 | X | 主管部门 | Y … : each label takes the cells up to the next label (or the rest of its own
        cell: '实施单位 303001-…')."""
        s, p = self.s, self.s.project
        at = [(i, _head_label(t.key)) for i, t in enumerate(toks) if _head_label(t.key)]
        for n, (i, (label, fieldname)) in enumerate(at):
            end = at[n + 1][0] if n + 1 < len(at) else len(toks)
            vals = toks[i + 1:end]
            own = _label_value([toks[i]], 0, label) if toks[i].key != label else ("", "")
            raw = own[1] or (vals[0].raw if vals else "")
            text = own[0] or (vals[0].text if vals else "")
            if fieldname == "name":
                p["name"] = text
                p["source_line"] = row.line
                s.mode = "head"
            elif fieldname in ("department", "implementing_unit"):
                p[fieldname], p[fieldname + "_code"] = split_unit(raw) if raw else ("", "")
            elif fieldname in ("attribute", "project_type"):
                joined = " ".join(t.raw for t in vals) or raw
                boxes = checked(joined)
                p[fieldname] = "、".join(boxes) if boxes is not None else squash(joined)
            else:
                p[fieldname] = text

    def _impl(self, toks: list[Tok]) -> None:
        p = self.s.project
        for i, t in enumerate(toks):
            for lab in IMPLEMENTING_UNIT_LABELS:
                if t.key.startswith(lab):
                    v, raw = _label_value(toks, i, lab)
                    p["implementing_unit"], p["implementing_unit_code"] = split_unit(raw)
                    return

    # ----------------------------------------------------------- funds
    def _unit(self) -> str:
        return self.s.project["funds_unit"] or self.s.unit

    def _record(self, tok: Tok, source: str, measure: str, *, period: str | None = None, side: str = "income",
                label: str = "") -> Decimal | None:
        """One amount printed in the form's fund block → a project_funds row (value in 元, or a percentage or
        points for 执行率 / 分值 / 得分). None, and nothing recorded, when the cell holds no such value."""
        s, p = self.s, self.s.project
        published_unit = ""
        if measure == "rate" or measure == "share":
            value, unit, published_unit = percent(tok.text), "percent", "%"
        elif measure in ("weight", "score"):
            value, unit = number(tok.text), "points"
        else:
            value, published_unit = money(tok.text, self._unit())
            unit = "yuan"
        if value is None:
            return None
        value = norm_decimal(value)
        period = s.year if period is None else period
        p["_funds"].append(fund_entry(s.last_line, tok, value, unit, published_unit, source, measure, period,
                                      side, label))
        if (source, measure, period, side) in (("total", "budget", s.year, "income"),
                                               ("total", "budget_full", s.year, "income")) \
                and p["funds_total"] is None:
            p["funds_total"] = value  # the one amount that names the project's size
        return value

    def _fund_row(self, row: Row, toks: list[Tok]) -> bool:
        s = self.s
        s.mode = "funds"
        labels = [(i, fund_field(t.key)) for i, t in enumerate(toks) if fund_field(t.key)]
        if not labels:
            return False
        names = [f for _, f in labels]
        if "period_total" in names and "total" in names:
            s.fund_halves = True
        for n, (i, f) in enumerate(labels):
            end = labels[n + 1][0] if n + 1 < len(labels) else len(toks)
            vals = toks[i + 1:end]
            if s.fund_halves and f not in ("total", "period_total"):
                if len(labels) >= 2 and n == 0:
                    f = "period_" + f  # the 实施期 half: kept apart from the year's funds
            if s.fund_roles and f in ("total", "fiscal", "carryover", "other"):
                next_col = toks[labels[n + 1][0]].col if n + 1 < len(labels) else len(row.cells)
                self._fund_roles(f, row, toks[i], vals, next_col)
                continue
            period = IMPLEMENTATION if f.startswith("period_") else None
            source = "total" if f == "period_total" else f.removeprefix("period_")
            for v in vals:  # the first amount after its label (a label names one cell)
                if self._record(v, source, "budget", period=period, label=toks[i].text) is not None:
                    break
        return True

    def _fund_roles(self, f: str, row: Row, label: Tok, vals: list[Tok], next_col: int) -> None:
        """A self-evaluation's fund line: 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分.

        When the line prints exactly one cell (blank or not) per header column after its label, each cell is
        read under its column: a 其他资金 line printing only 年初预算数 and 全年预算数 leaves 全年执行数 blank.
        Otherwise blank cells were not printed, and the line is read by content: the leading amounts fill the
        budget columns from the right (a blank 年初预算数 is the usual gap), the percentage is the 执行率
        between 分值 and 得分."""
        roles = self.s.fund_roles
        cells = row.cells[label.col + 1:next_col]
        while len(cells) > len(roles) and not cells[-1].strip():
            cells = cells[:-1]  # blank cells printed past the last column
        if len(cells) == len(roles):
            for j, (role, text) in enumerate(zip(roles, cells), start=label.col + 1):
                if text.strip():  # '—' under 分值 / 得分 is no value: _record takes none
                    self._record(Tok(j, text, *cell(text)), f, role, label=label.text)
            return
        unit = self._unit()
        lead_cells: list[Tok] = []
        pct_at = next((j for j, t in enumerate(vals) if t.text.replace(" ", "").endswith("%")), None)
        lead = vals[: pct_at - 1] if pct_at else vals
        i = 0
        while i < len(lead) and len(lead_cells) < 3 and money(lead[i].text, unit)[0] is not None:
            lead_cells.append(lead[i])
            i += 1
        tail = vals[i:]
        names = ["budget_start", "budget_full", "spent"][3 - len(lead_cells):] if lead_cells else []
        for measure, tok in zip(names, lead_cells):
            self._record(tok, f, measure, label=label.text)
        pct = next((j for j, t in enumerate(tail) if t.text.replace(" ", "").endswith("%")), None)
        if pct is not None:
            self._record(tail[pct], f, "rate", label=label.text)
            if pct > 0:
                self._record(tail[pct - 1], f, "weight", label=label.text)
            if pct + 1 < len(tail):
                self._record(tail[pct + 1], f, "score", label=label.text)
        elif len(tail) >= 3:
            for tok, measure in zip(tail, ("weight", "rate", "score")):
                self._record(tok, f, measure, label=label.text)
        elif tail:
            self._record(tail[0], f, "weight", label=label.text)

    # ----------------------------------------------------------- whole-department sheet
    def _dept_funds(self, toks: list[Tok]) -> bool:
        """部门总体资金情况: 收入构成 (财政拨款 / 其他资金 / 合计) and 支出构成 (基本支出 / 项目支出 / 合计), with
        当年金额, 占比 and the amounts of the two years before (近两年收支金额 over 2022 年 | 2023 年). The columns
        are named by the header rows; an amount under no named column is left to cells (and the coverage
        test), not guessed."""
        s = self.s
        s.mode = "dept_funds"
        read = False
        header = {t.key: t.col for t in toks}
        if DEPARTMENT_CURRENT in header:
            s.dept_cols = {header[DEPARTMENT_CURRENT]: (s.year, "budget" if s.doc_kind != "final_accounts" else "spent")}
            if DEPARTMENT_SHARE in header:
                s.dept_cols[header[DEPARTMENT_SHARE]] = (s.year, "share")
            return True
        if toks and all(_YEAR_COLUMN.fullmatch(t.key) for t in toks):
            for t in toks:
                s.dept_cols[t.col] = (t.key[:4], "amount")
            return True
        for i, t in enumerate(toks):
            if t.key in DEPARTMENT_SIDES:
                s.dept_section = t.key
                read = True
            source = DEPARTMENT_SOURCES.get(t.key)
            if source:
                side = DEPARTMENT_SIDES.get(s.dept_section, "income")
                for v in toks[i + 1:]:
                    if v.key in DEPARTMENT_SOURCES:
                        break
                    if s.dept_cols:
                        if v.col in s.dept_cols:
                            period, measure = s.dept_cols[v.col]
                            self._record(v, source, measure, period=period, side=side, label=t.text)
                    elif self._record(v, source, "budget", side=side, label=t.text) is not None:
                        break  # no header named the columns: only the first amount, the year's
                read = True
            elif t.key in DEPARTMENT_FUNDS or t.key in (DEPARTMENT_CURRENT, DEPARTMENT_SHARE, DEPARTMENT_PRIOR) \
                    or _YEAR_COLUMN.fullmatch(t.key):
                read = True
        return read

    def _dept_list(self, toks: list[Tok]) -> bool:
        """项目支出情况: the projects a whole-department sheet lists (项目名称 | 项目类型 | 项目总预算 |
        项目本年度预算 | 用途), each a project of its own, and their 合计."""
        s = self.s
        if toks[0].key == DEPARTMENT_LIST:
            s.mode = "dept_list"
            s.list_header = [t.key for t in toks[1:]]
            return True
        if toks[0].key in LIST_TOTAL:
            amounts = [t for t in toks[1:] if money(t.text, self._unit())[0] is not None]
            # the 合计 of the list's two amount columns: 项目总预算, then 项目本年度预算
            periods = [IMPLEMENTATION, s.year] if len(amounts) == 2 else [s.year] * len(amounts)
            for t, period in zip(amounts, periods):
                self._record(t, "project", "budget", period=period, side="spending", label=toks[0].text)
            s.mode = "head"
            return True
        if toks[0].key.startswith(LIST_ENDS) or self._is_indicator_header(toks):
            s.mode = "head"
            return self._row(Row(s.last_line, [t.raw for t in toks]), toks)
        amts = [i for i, t in enumerate(toks) if money(t.text, self._unit())[0] is not None]
        if not amts or amts[0] == 0:
            return False
        name = " ".join(t.text for t in toks[: amts[0]])
        kind = ""
        if amts[0] >= 2:
            name = toks[0].text
            kind = " ".join(t.text for t in toks[1: amts[0]])
        purpose = " ".join(t.text for t in toks[amts[-1] + 1:])
        funds = []
        picks = [(amts[0], IMPLEMENTATION), (amts[1], s.year)] if len(amts) > 1 else [(amts[0], s.year)]
        for i, period in picks:  # 项目总预算 (the whole period), 项目本年度预算 (the year)
            amount, u = money(toks[i].text, self._unit())
            funds.append(fund_entry(s.last_line, toks[i], norm_decimal(amount), "yuan", u, "total", "budget", period,
                                    "income", ""))
        s.list_items.append({"name": name, "attribute": kind, "funds_total": funds[-1]["value"], "goals": purpose,
                             "source_line": s.last_line, "_funds": funds})
        return True

    # ----------------------------------------------------------- goals
    def _goal_row(self, toks: list[Tok]) -> bool:
        s = self.s
        k0 = toks[0].key
        prefixed = _goal_prefixed(k0)
        starts_goal = k0 in GOAL_STARTS or prefixed is not None
        if starts_goal:
            if len(toks) > 1:
                heads = [goal_head(t.key) for t in toks[1:]]
                if all(heads):  # 总体目标 | 年度绩效目标 | 长期绩效目标
                    s.goal_heads = heads
                    s.mode = "goals"
                    return True
            texts = [t.text for t in toks[1:]]
            if prefixed:  # 长期目标 / 年度目标 …: the goal its label names
                self._add_goal(prefixed, texts)
            else:
                self._assign_goals(texts)
            s.mode = "head"
            return True
        if all(goal_head(t.key) for t in toks):  # | 实施期目标 | 年度目标 (header without its label)
            s.goal_heads = [goal_head(t.key) for t in toks]
            s.mode = "goals"
            return True
        if s.mode == "goals" and not any(level_of(t.text) for t in toks[:4]):
            self._assign_goals([t.text for t in toks])
            s.mode = "head"
            return True
        return False

    def _assign_goals(self, texts: list[str]) -> None:
        heads = self.s.goal_heads or ["goals"]
        for i, t in enumerate(texts):
            h = heads[i] if i < len(heads) else heads[-1]
            self._add_goal(h, [t])

    def _add_goal(self, fieldname: str, texts: list[str]) -> None:
        p = self.s.project
        t = " ".join(x for x in texts if x)
        if t:
            p[fieldname] = (p[fieldname] + " " + t).strip() if p.get(fieldname) else t

    # ----------------------------------------------------------- indicators
    @staticmethod
    def _is_indicator_header(toks: list[Tok]) -> bool:
        ks = [t.key for t in toks]
        return LEVEL1_HEADER in ks or (LEVEL2_HEADER in ks and any(k in INDICATOR_HEADER_NAMES for k in ks))

    def _indicator_header(self, toks: list[Tok]) -> bool:
        s = self.s
        s.mode = "indicators"
        ks = [t.key for t in toks]
        if ks[0] in PHASE_LABELS:
            s.phase = PHASE_LABELS[ks[0]]
        name_at = next((i for i, k in enumerate(ks) if k in NAME_HEADERS), None)
        if name_at is None:
            name_at = max(i for i, k in enumerate(ks) if k in (LEVEL1_HEADER, LEVEL2_HEADER))
        second = [i for i, k in enumerate(ks) if k == LEVEL2_HEADER]
        s.split_col = None
        end = len(toks)
        if len(second) >= 2:
            s.split_col = toks[second[1]].col
            end = second[1]
        s.roles = [r for r in (role_of(t.text) for t in toks[name_at + 1:end]) if r]
        if not s.roles:
            s.roles = ["target_text"]
        if s.split_col is not None:
            s.groups = [Group(PHASE_IMPLEMENTATION), Group(PHASE_YEAR)]
        else:
            s.groups = [Group(s.phase)]
        return True

    def _header_continuation(self, toks: list[Tok]) -> bool:
        """近两年指标值 | 预期当年实现值 / 2022年 | 2023年 under a header: the target column splits."""
        s = self.s
        ks = [t.key for t in toks]
        if not _TARGET_SPLIT.isdisjoint(ks):
            years = 2
            if "target_text" in s.roles:
                i = s.roles.index("target_text")
                s.roles = s.roles[:i] + ["prior"] * years + ["target_text"] + s.roles[i + 1:]
            return True
        if all(_PRIOR_YEAR_COLUMN.match(k) for k in ks):
            n = len(ks)
            if s.roles.count("prior") != n and "target_text" in s.roles:
                i = s.roles.index("target_text")
                s.roles = [r for r in s.roles[:i] if r != "prior"] + ["prior"] * n + s.roles[i:]
            s.prior_years = ks
            return True
        return False

    def _indicator_row(self, row: Row, toks: list[Tok]) -> bool:
        s, p = self.s, self.s.project
        if toks[0].key in SCORE_TOTAL:
            nums = [number(t.text) for t in toks[1:]]
            nums = [n for n in nums if n is not None]
            if nums:
                p["score"] = nums[-1]
                if len(nums) > 1:
                    p["score_weight"] = nums[-2]
            return True
        if self._header_continuation(toks):
            return True
        halves = split_halves(toks, s.split_col) if s.split_col is not None else [toks]
        read = False
        for g, part in zip(s.groups, halves):
            if part:
                read = self._indicator_part(row, g, part) or read
        return read

    def _indicator_part(self, row: Row, g: Group, toks: list[Tok]) -> bool:
        s = self.s
        # labels of the block (绩效指标, 年度绩效目标 …) and the phase they name
        kept = []
        one_group = len(s.groups) == 1
        for t in toks:
            k = t.key
            if k in PHASE_LABELS:
                if one_group:
                    g.phase = PHASE_LABELS[k]
            elif k not in IGNORED_IN_INDICATORS:
                kept.append(t)
        toks = kept
        if not toks:
            return True
        # a short stray fragment before the level names (双指标: pieces of a vertical 绩效指标 label)
        dropped = []
        while len(toks) > 1 and level_of(toks[0].text) is None and len(toks[0].key) <= 4 \
                and any(level_of(t.text) for t in toks[1:3]) and parse_target(toks[0].text)[1] is None:
            dropped.append(toks.pop(0))
        levels: list[tuple[str, str]] = []
        raw_keys: list[str] = [""]
        while toks:
            lv = level_of(toks[0].text)
            if lv is None:
                break
            real = [x for x in levels if x[0] != "-"]
            if lv[0] == "-" or not real or toks[0].key in raw_keys or (
                    len(real) == 1 and real[0][0] in ("1", "1?") and lv[0] in ("2", "1?")) or (
                    lv[0] == "2" and real[-1][0] == "2" and toks[0].key.endswith(LEVEL_SUFFIX)):
                # (a further full 二级 name: the one before it labelled an empty block, 经济效益指标 | 社会效益指标)
                if lv[0] != "-":
                    raw_keys.append(toks[0].key)
                levels.append(lv)
                toks.pop(0)
            else:
                break  # a third level-like cell is the indicator's name (服务对象满意度)
        set_levels(g, [lv for lv in levels if lv[0] != "-"])
        rest = []
        for t in toks:
            filler = _filler(t.key)
            if filler is None:
                rest.append(t)
            elif filler:
                dropped.append(t)
        if dropped:  # stray pieces (双指标), template fillers (指标2: / .....): kept in cells, reported here
            s.unread.append((row.line, " | ".join(t.text for t in dropped)))
        if not rest:
            return bool(levels) or len(toks) > 0
        if not levels and len(rest) == 1 and s.indicators and parse_target(rest[0].text)[1] is None \
                and s.indicators[-1]["target_text"] and not _looks_like_value(rest[0].text) \
                and len(s.indicators[-1]["name"]) >= 12:
            # the wrapped tail of the previous indicator's name
            prev = s.indicators[-1]
            prev["name"] = prev["name"] + rest[0].text
            return True
        ind = self._indicator(row, g, rest)
        s.indicators.append(ind)
        return True

    def _indicator(self, row: Row, g: Group, rest: list[Tok]) -> dict:
        s = self.s
        first = rest[0].text
        if _starts_with_op(first) and s.roles and s.roles[0] == "target_text":
            name, vals = "", [t.text for t in rest]
        else:
            # without the template's numbering (指标1：), which starts with 指标
            name = _NUMBERING.sub("", first) if _NUMBERING.match(first) else first
            vals = [t.text for t in rest[1:]]
        got = assign(vals, s.roles)
        target = got.get("target_text", "")
        op, value, unit = parse_target(target)
        prior = got.get("prior", "")
        return {
            "doc_id": s.doc_id, "phase": g.phase, "level1": g.level1, "level2": g.level2,
            "level1_inferred": getattr(g, "level1_inferred", False), "name": name,
            "operator": op, "target_value": value, "target_unit": unit, "target_text": target,
            "actual_text": got.get("actual_text", ""), "weight": number(got.get("weight", "")),
            "score": number(got.get("score", "")), "deviation_reason": got.get("deviation_reason", ""),
            "basis": got.get("basis", ""), "prior_values": prior, "nature": got.get("nature", ""),
            "note": got.get("note", ""), "source_line": row.line,
        }


def set_levels(g: Group, levels: list[tuple[str, str]]) -> None:
    """Carry the hierarchy: a 二级 name fixes its 一级 (a merged 一级 cell printed on a later row is ignored)."""
    if not levels:
        return
    l1 = l2 = None
    if len(levels) >= 2:
        (_, n1), (_, n2) = levels[0], levels[-1]
        if n1 == n2:  # the same cell printed twice (质量指标 | 质量指标)
            levels = [levels[0]]
        else:
            l1, l2 = n1, n2
    if len(levels) == 1:
        t, n = levels[0]
        if n == LEVEL_SATISFACTION or t == "1":
            l1 = n
        else:
            l2 = n
    if l1 and not l2:
        if l1 != g.level1:  # the same 一级 printed again lower in its merged cell keeps the 二级
            g.level1, g.level2 = l1, ""
        return
    parent = LEVEL2_PARENT.get(l2, "")
    if l2 == LEVEL_SATISFACTION:
        parent = LEVEL_SATISFACTION
    if l2 == LEVEL_COST and l1 == LEVEL_COST:
        parent = LEVEL_COST
    printed = l1 or g.level1
    if l2 == LEVEL_COST and printed == LEVEL_COST:
        parent = LEVEL_COST
    g.level2 = l2
    g.level1 = parent if parent and printed != parent else printed
    g.level1_inferred = bool(parent and printed != parent)

def split_halves(toks: list[Tok], split_col: int) -> list[list[Tok]]:
    """A row of a form printing 实施期 and 年度 indicators side by side → its two halves. A level name after
    the first half's name or value starts the second half (the columns drift from row to row); otherwise
    the column of the header's second 二级指标 does, or, for a row printed twice over, its middle."""
    seen = False
    for i, t in enumerate(toks):
        lv = level_of(t.text)
        if lv is None:
            if t.key not in IGNORED_IN_INDICATORS:
                seen = True
        elif seen and lv[0] in ("2", "1?"):
            return [toks[:i], toks[i:]]
    lead = 0
    while lead < len(toks) and (level_of(toks[lead].text) is not None or toks[lead].key in IGNORED_IN_INDICATORS):
        lead += 1
    rest = toks[lead:]
    h = len(rest) // 2
    if rest and len(rest) % 2 == 0 and [t.key for t in rest[:h]] == [t.key for t in rest[h:]]:
        return [toks[: lead + h], rest[h:]]  # the same name and value printed twice, drifting across columns
    a = [t for t in toks if t.col < split_col]
    b = [t for t in toks if t.col >= split_col]
    if not b and len(a) % 2 == 0 and len(a) >= 2:
        h = len(a) // 2
        if [t.key for t in a[:h]] == [t.key for t in a[h:]]:
            return [a[:h], a[h:]]
    if not a and len(b) % 2 == 0 and len(b) >= 2:
        h = len(b) // 2
        if [t.key for t in b[:h]] == [t.key for t in b[h:]]:
            return [b[:h], b[h:]]
    return [a, b]


def _starts_with_op(text: str) -> bool:
    return bool(text) and text[0] in "≥≤<>=＞＜＝≧≦"


def _looks_like_value(text: str) -> bool:
    return _starts_with_op(text) or bool(re.match(r"^\d", text))


def assign(vals: list[str], roles: list[str]) -> dict:
    """The values printed after an indicator's name → the fields of the header's columns. A self-evaluation
    (分值 and 得分 columns) is anchored on its two numbers, because blank cells are not reliably printed."""
    got: dict[str, str] = {}
    if not vals:
        return got
    if "weight" in roles and "score" in roles:
        pair = None
        for i in range(len(vals) - 1):
            if number(vals[i]) is not None and number(vals[i + 1]) is not None and \
                    all(number(v) is None for v in vals[i + 2:]):
                pair = i
        if pair is not None:
            before, after = vals[:pair], vals[pair + 2:]
            got["weight"], got["score"] = vals[pair], vals[pair + 1]
            lead = [r for r in roles[: roles.index("weight")]]
            for r, v in zip(lead, before):
                got[r] = v
            if len(before) > len(lead) and lead:
                got[lead[-1]] = " ".join(before[len(lead) - 1:])
            if after:
                got["deviation_reason"] = " ".join(after)
            return got
    if len(vals) > len(roles):  # more cells than the header names: kept apart, not guessed
        got["note"] = " ".join(vals[len(roles):])
    for r, v in zip(roles, vals):
        if r == "prior":
            got["prior"] = (got.get("prior", "") + "; " + v).strip("; ")
        else:
            got[r] = v
    return got
