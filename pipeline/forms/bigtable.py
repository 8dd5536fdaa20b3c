"""The one-big-table layout: one table lists many projects, each starting on the row that prints its
project code-name, its 项目类别 and its 预算数, followed by its indicator rows
(单位名称 | 项目名称 | 项目类别 | 预算数 | 绩效目标 | 一级 | 二级 | 三级指标 | 性质 | 指标值 | 度量单位 | 分值)."""
from __future__ import annotations

import re
from itertools import repeat

from ..model import Row
from .form import Group, Tok, fund_entry, new_project, set_levels, split_unit, tokens
from ..text import unit_in
from ..vocabulary import (BIG_TABLE_BUDGET, BIG_TABLE_COLUMNS, BIG_TABLE_GOAL, BIG_TABLE_INDICATOR_COLUMNS,
                          BIG_TABLE_LIST_COLUMNS, BIG_TABLE_NAME_COLUMN, BIG_TABLE_NOTE, BIG_TABLE_TOTAL, CATEGORY,
                          NATURE, NATURE_QUANTITATIVE, OPERATOR_CELLS, PHASE_YEAR)
from .vocab import key, level_of, money, norm_decimal, norm_op, number, parse_target

_CATEGORY = re.compile(CATEGORY)
_UNIT_ROW = re.compile(r"^\d{6}\s*-")
_CODENAME = re.compile(r"^(?P<code>[0-9A-Za-z]+)-(?P<name>.*)$")
_CODE_ONLY = re.compile(r"^[0-9A-Za-z]{8,}$")
_CODE_CONT = re.compile(r"^[0-9A-Za-z]*\d-\S")


def is_big_table_header(toks: list[Tok]) -> bool:
    return names_big_table({t.key for t in toks})


def names_big_table(ks: set[str]) -> bool:
    """Do these keys (of a row, or of a whole table) name the columns of a big table?"""
    return BIG_TABLE_NAME_COLUMN in ks and bool(ks.intersection(BIG_TABLE_INDICATOR_COLUMNS)) and bool(
        ks.intersection(BIG_TABLE_LIST_COLUMNS) or any(map(str.startswith, ks, repeat(BIG_TABLE_BUDGET))))


class BigTableReader:
    def __init__(self, doc_id: str, unit: str, department: str, year: str = ""):
        self.doc_id, self.unit, self.department, self.year = doc_id, unit, department, year
        self.projects: list[tuple[dict, list[dict]]] = []
        self.unread: list[tuple[int, str]] = []
        self.cols: dict[str, int] = {}
        self.impl = ("", "")
        self.list_total = None
        self.header_seen = False

    # ------------------------------------------------------------------
    def feed(self, row: Row, toks: list[Tok] | None = None) -> None:
        """Read one row; `toks` are its tokens when the caller has them already."""
        toks = tokens(row) if toks is None else toks
        if not toks:
            return
        if not self._row(row, toks):
            self.unread.append((row.line, " | ".join(t.text for t in toks)))
        elif self.projects:
            self.projects[-1][0]["line_end"] = row.line

    def _row(self, row: Row, toks: list[Tok]) -> bool:
        if is_big_table_header(toks):
            self.header_seen = True
            for t in toks:
                for name in BIG_TABLE_COLUMNS:
                    if t.key == name:
                        self.cols[name] = t.col
                if t.key.startswith(BIG_TABLE_BUDGET):
                    self.cols[BIG_TABLE_BUDGET] = t.col
                    self.unit = unit_in(t.text) or self.unit
            return True
        if not self.header_seen:
            return False
        if toks[0].key.startswith(BIG_TABLE_NOTE) and len(toks) == 1:
            return True  # 其中：预算执行率权重10% (a header note)
        if toks[0].key.startswith(BIG_TABLE_TOTAL):
            amounts = [money(t.text, self.unit)[0] for t in toks[1:]]
            amounts = [a for a in amounts if a is not None]
            if amounts:
                self.list_total = norm_decimal(amounts[0])
            return True
        cat = next((i for i, t in enumerate(toks) if _CATEGORY.match(t.key)), None)
        if cat is not None:
            return self._start(row, toks, cat)
        if not self.projects:
            return False
        return self._more(row, toks)

    # ------------------------------------------------------------------
    def _start(self, row: Row, toks: list[Tok], cat: int) -> bool:
        before = toks[:cat]
        ident = []
        for t in before:
            if _UNIT_ROW.match(t.text):
                self.impl = split_unit(t.raw)
            else:
                ident.append(t)
        p = new_project(self.doc_id, "target")
        p["department"] = self.department
        p["implementing_unit"], p["implementing_unit_code"] = self.impl
        p["category"] = toks[cat].key
        p["funds_unit"] = self.unit
        p["source_line"] = row.line
        p["table_layout"] = "one_big_table"
        codename = "".join(t.key for t in ident)
        m = _CODENAME.match(codename)
        if m:
            p["project_code"], p["name"] = m.group("code"), m.group("name")
        else:
            p["project_code"] = codename
        p["_name_open"] = not m or len(p["name"]) <= 1  # the name goes on in the next row's first cells
        inds: list[dict] = []
        self.projects.append((p, inds))
        self.group = Group(PHASE_YEAR)
        after = toks[cat + 1:]
        if after:
            amount, published_unit = money(after[0].text, self.unit)
            if amount is not None:
                p["funds_total"] = norm_decimal(amount)
                p["_funds"].append(fund_entry(row.line, after[0], p["funds_total"], "yuan", published_unit, "total",
                                              "budget", self.year, "income", BIG_TABLE_BUDGET))
                after = after[1:]
        if after and level_of(after[0].text) is None and key(after[0].text) not in OPERATOR_CELLS:
            p["goals"] = after[0].text
            after = after[1:]
        if after:
            self._indicator_tokens(row, after, allow_goal=False)
        return True

    def _more(self, row: Row, toks: list[Tok]) -> bool:
        p, _ = self.projects[-1]
        name_col = self.cols.get(BIG_TABLE_NAME_COLUMN, 1)
        rest = []
        for t in toks:
            if t.col <= name_col and level_of(t.text) is None and re.search(r"[\u4e00-\u9fff]", t.key) and (
                    _CODE_CONT.match(t.key) or len(t.key) <= 12):
                self._continue_name(p, t)
            else:
                rest.append(t)
        if not rest:
            return True
        return self._indicator_tokens(row, rest, allow_goal=True)

    def _continue_name(self, p: dict, t: Tok) -> None:
        k = t.key
        m = _CODENAME.match(k) if _CODE_CONT.match(k) else None
        if m:
            p["project_code"] += m.group("code")
            p["name"] += m.group("name")
        else:
            p["name"] += k
        p["_name_open"] = False

    def _indicator_tokens(self, row: Row, toks: list[Tok], allow_goal: bool) -> bool:
        p, inds = self.projects[-1]
        goal_col = self.cols.get(BIG_TABLE_GOAL, 4)
        op_at = next((i for i, t in enumerate(toks) if t.key in OPERATOR_CELLS or t.key in NATURE), None)
        pre = toks if op_at is None else toks[:op_at]
        post = [] if op_at is None else toks[op_at:]
        levels, names, goal = [], [], []
        lvs = [level_of(t.text) for t in pre]
        first_lv = next((i for i, x in enumerate(lvs) if x is not None), None)
        for i, (t, lv) in enumerate(zip(pre, lvs)):
            if first_lv is not None and i < first_lv:
                goal.append(t.text)  # left of the level columns: the wrap of the 绩效目标 column
            elif lv is not None and not names and len([x for x in levels if x[0] != "-"]) < 2:
                levels.append(lv)
            elif lv is not None and lv[0] == "-":
                continue
            elif first_lv is None and (t.col < goal_col and allow_goal or not post and not inds):
                goal.append(t.text)
            elif first_lv is None and not post and t.col == goal_col and (len(t.key) >= 10 or t.key.endswith("。")):
                goal.append(t.text)  # a long line in the 绩效目标 column: the goal's wrap, not a name's
            else:
                names.append(t.text)
        if goal:
            p["goals"] = (p["goals"] + goal[0] if p["goals"] else goal[0]) + "".join(goal[1:])
        set_levels(self.group, [lv for lv in levels if lv[0] != "-"])
        if not post and not levels and names and inds:
            inds[-1]["name"] += "".join(names)  # the wrapped tail of the last indicator's name
            return True
        if not post and not names:
            return bool(levels or goal)
        if post and not names and not levels and inds and not inds[-1]["target_text"]:
            ind = inds[-1]  # the target of the previous (name-only) indicator, printed one row down
        else:
            ind = {
                "doc_id": self.doc_id, "phase": PHASE_YEAR, "level1": self.group.level1, "level2": self.group.level2,
                "level1_inferred": getattr(self.group, "level1_inferred", False), "name": "".join(names),
                "operator": "", "target_value": None, "target_unit": "", "target_text": "", "actual_text": "",
                "weight": None, "score": None, "deviation_reason": "", "basis": "", "prior_values": "",
                "nature": "", "note": "", "source_line": row.line,
            }
            inds.append(ind)
        if post:
            vals = [t.text for t in post]
            op = vals[0]
            tail = vals[1:]
            weight = None
            if tail and number(tail[-1]) is not None and len(tail) >= 2:
                weight = number(tail[-1])
                tail = tail[:-1]
            value = re.sub(r"(?<=\d) (?=\d)", "", tail[0]) if tail else ""  # 500 0: a number wrapped in its cell
            unit = "".join(tail[1:]) if len(tail) > 1 else ""
            ind["weight"] = weight
            if key(op) in NATURE:
                ind["nature"] = key(op)
                ind["target_text"] = value
                ind["target_unit"] = unit
                o, v, u = parse_target(value + unit) if key(op) == NATURE_QUANTITATIVE else ("", None, "")
                ind["operator"], ind["target_value"] = o, v
                if v is not None:
                    ind["target_unit"] = u
            else:
                ind["nature"] = NATURE_QUANTITATIVE
                o = norm_op(op)
                text = f"{o}{value}{unit}"
                _, v, _ = parse_target(value)
                ind["operator"], ind["target_value"], ind["target_unit"], ind["target_text"] = o, v, unit, text
        return True

    def finish(self) -> tuple[list[tuple[dict, list[dict]]], list[tuple[int, str]]]:
        for p, inds in self.projects:
            p.pop("_name_open", None)
            p["line_end"] = max([p["line_end"] or p["source_line"]] + [i["source_line"] for i in inds])
        return self.projects, self.unread
