"""Generate the site's Markdown pages (and the files they link to) from a data package.

Pages are Markdown whose headings are escaped text and whose bodies are HTML blocks built with `esc`; no
text from a disclosure reaches the page unescaped.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

from ..exports import read_manifest, workbook_path
from ..privacy import mask_lines
from ..safepath import UnsafePath, inside
from ..spreadsheet import neutralise
from .figures import DocFacts, dec
from .html import (KIND_ZH, SEVERITY_ZH, WAN, doc_label, esc, group_digits, is_number, md_text, pct,
                   pdf_href, prov_link, table, wan)
from .load import Package, int_or_none
from .svg import bar_chart, fmt_amount

HEADLINE_ORDER = ("income", "expenditure", "basic", "project", "three_public", "personnel", "public")
TABLE_TYPE_ZH = {
    "income_expenditure_summary": "收支总表", "income": "收入表", "expenditure": "支出表",
    "fiscal_grant_summary": "财政拨款收支总表", "general_budget_expenditure": "一般公共预算支出表",
    "general_budget_basic_expenditure": "一般公共预算基本支出表", "three_public_costs": "“三公”经费表",
    "government_fund": "政府性基金预算表", "state_capital": "国有资本经营预算表", "operating_costs": "机关运行经费表",
    "project_expenditure": "项目支出表", "performance": "绩效目标/自评表", "other": "其他表格",
}
STATUS_ZH = {"parsed": "已解析", "empty": "空表", "unrecognized": "未识别（仅保留原样单元格）"}
PROJECT_FIELDS_ZH = {
    "department": "主管部门", "implementing_unit": "实施单位", "code": "项目编码", "department_code": "部门编码",
    "attribute": "项目属性", "period": "项目期限", "funds_total": "年度资金总额", "funds_fiscal": "其中：财政拨款",
    "funds_other": "其他资金", "budget_start": "年初预算数", "budget_full": "全年预算数", "spent": "全年执行数",
    "execution_rate": "执行率", "score": "得分", "goals": "年度目标", "goal": "年度目标", "form": "表格类型",
    "kind": "表格类型",
}
MONEY_FIELDS = {"funds_total", "funds_fiscal", "funds_other", "budget_start", "budget_full", "spent"}
PROJECT_KIND_ZH = {"target": "绩效目标表", "self_evaluation": "绩效自评表", "department_overall": "部门整体绩效目标表",
                   "department_list_item": "部门整体表所列项目"}
PROJECT_SKIP = {"project_id", "doc_id", "project_no", "kind", "parent_project_id", "name", "funds_unit", "table_layout",
                "table_ids", "source_line", "line_end", "indicator_count", "unread_rows", "unread_lines"}
CODE_CELL = re.compile(r"\d{3}(?:\d{2}){0,2}|\d{6}")


def _slug_ok(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", s)


class Generator:
    def __init__(self, pkg: Package, docs_dir: Path, repo_root: Path):
        self.pkg = pkg
        self.out = docs_dir
        self.repo_root = repo_root
        self.docs = sorted(pkg["documents"], key=lambda d: (d.get("agency", ""), d.get("fiscal_year", ""), d.get("kind", "")))
        self.tables = pkg.by_doc("tables")
        self.facts = pkg.by_doc("facts")
        self.cells = pkg.by_doc("cells")
        self.sections = pkg.by_doc("sections")
        self.glossary = pkg.by_doc("glossary")
        self.projects = pkg.by_doc("projects")
        self.indicators = pkg.by_doc("indicators")
        self.funds: dict[str, list[dict]] = {}  # project_id → its project_funds rows, as printed in order
        for f in pkg["project_funds"]:
            self.funds.setdefault(f.get("project_id", ""), []).append(f)
        self.findings = pkg.by_doc("findings")
        self.table_by_id = {t["table_id"]: t for t in pkg["tables"]}
        # agency → slug, one page per agency
        self.agencies: dict[str, list[dict]] = {}
        for d in self.docs:
            self.agencies.setdefault(d.get("agency") or d["doc_id"], []).append(d)
        self.slug: dict[str, str] = {}
        used: set[str] = set()
        for name, docs in self.agencies.items():
            s = _slug_ok(docs[0].get("agency_id") or "agency")  # a page name: never a path or markup
            base, n = s, 2
            while s in used:
                s, n = f"{base}-{n}", n + 1
            used.add(s)
            self.slug[name] = s
        self.headlines = {d["doc_id"]: DocFacts(d, self.tables.get(d["doc_id"], []), self.facts.get(d["doc_id"], []))
                          for d in self.docs}
        self.figs = {k: v.headline() for k, v in self.headlines.items()}
        self.warnings: list[str] = []

    # --- files ------------------------------------------------------------------------------------
    def write(self, rel: str, text: str) -> None:
        path = inside(self.out, rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def copy_package(self) -> None:
        """The package's files, served as downloads under downloads/package/."""
        dest = self.out / "downloads" / "package"
        root = self.pkg.root
        for src in sorted(root.rglob("*")):
            if src.is_file() and src.suffix in (".json", ".csv", ".parquet", ".zip", ".xlsx", ".sqlite") and "schema" not in src.relative_to(root).parts:
                target = inside(dest, str(src.relative_to(root)))
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, target)

    def write_table_csvs(self) -> None:
        """Each published table as a CSV grid of its printed cells (UTF-8 with BOM, so spreadsheet programs
        read the Chinese right). Made for spreadsheets, so text that would be read as a formula is
        neutralised (the package CSVs keep it exact)."""
        for doc_id, cells in self.cells.items():
            grids: dict[str, dict] = {}
            for c in cells:
                r, k = int_or_none(c.get("row")), int_or_none(c.get("col"))
                if r is None or k is None:
                    continue
                grids.setdefault(c["table_id"], {})[(r, k)] = c.get("text", "")
            for tid, grid in grids.items():
                nr = max(r for r, _ in grid)
                nc = max(k for _, k in grid)
                buf = io.StringIO()
                w = csv.writer(buf, lineterminator="\n")
                for r in range(1, nr + 1):
                    w.writerow([neutralise(grid.get((r, k), "")) for k in range(1, nc + 1)])
                self.write(f"downloads/tables/{_slug_ok(tid)}.csv", "\ufeff" + buf.getvalue())

    def _find_source(self, rel: str) -> Path | None:
        """The committed source file a package names, looked for only inside the folders it may be in: a
        package cannot point the site at a file elsewhere."""
        bases = [(self.pkg.root / "sources", Path(rel).name), (Path.cwd(), rel), (self.repo_root, rel),
                 (self.pkg.root.parent, rel)]
        for base, name in bases:
            try:
                p = inside(base, name) if rel else None
            except UnsafePath:
                continue
            if p and p.is_file():
                return p
        return None

    def source_lines(self, doc: dict) -> list[str] | None:
        """The original text of a disclosure, decoded, split into the same lines the pipeline numbers. For a
        PDF source that is the text the package publishes as extracted from it (sources/<doc_id>.txt)."""
        rel = doc.get("source_file", "")
        if doc.get("page_count"):
            extracted = self.pkg.root / "sources" / f"{doc['doc_id']}.txt"
            if not extracted.is_file():
                self.warnings.append(f"{doc['doc_id']}: extracted text {extracted} not found; no source page")
                return None
            pdf = self._find_source(rel)
            if pdf is not None and int_or_none(doc.get("personal_numbers_masked")):
                # a PDF cannot be masked: the original is not offered when it prints personal numbers
                self.warnings.append(f"{doc['doc_id']}: original PDF not offered for download: it prints "
                                     "personal numbers (masked in the extracted text)")
            elif pdf is not None:  # the original, downloadable and linked at its pages
                target = inside(self.out, f"downloads/sources/{doc['doc_id']}.pdf")
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(pdf, target)
            else:
                self.warnings.append(f"{doc['doc_id']}: original PDF {rel!r} not found; no PDF download")
            return extracted.read_text(encoding="utf-8").split("\n")[:-1]
        p = self._find_source(rel)
        if p is not None:
            data = p.read_bytes()
            try:
                from ..read import decode
                text, _ = decode(data, str(p))
            except Exception:  # noqa: BLE001 - show what can be shown
                text = data.decode("utf-8", errors="replace")
            lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            return mask_lines(lines)[0]  # the same mask as the read stage: no personal number shown
        self.warnings.append(f"{doc['doc_id']}: source file {rel!r} not found; no source page")
        return None

    # --- pages ------------------------------------------------------------------------------------
    def generate(self) -> dict:
        self.copy_package()
        self.write_table_csvs()
        for name, docs in self.agencies.items():
            self.write(f"agency/{self.slug[name]}.md", self.agency_page(name, docs))
        for d in self.docs:
            lines = self.source_lines(d)
            if lines is not None:
                self.write(f"sources/{d['doc_id']}.md", self.source_page(d, lines))
                self.write(f"downloads/sources/{d['doc_id']}.txt", "\n".join(lines) + "\n")
        self.write("index.md", self.home_page())
        self.write("agency/index.md", self.agency_index())
        self.write("data.md", self.data_page())
        self.write("quality.md", self.quality_page())
        nav = [
            {"首页": "index.md"},
            {"各部门": ["agency/index.md"] + [{esc(name): f"agency/{self.slug[name]}.md"} for name in self.agencies]},
            {"数据下载": "data.md"},
            {"数据质量": "quality.md"},
            {"关于": "about.md"},
        ]
        return {"nav": nav, "agencies": list(self.agencies)}

    # home ------------------------------------------------------------------------------------------
    def home_page(self) -> str:
        root = ""
        out = ["---", "title: 首页", "---", "", "# 部门预算、决算公开数据", ""]
        n_facts = len(self.pkg["facts"])
        out.append(
            '<div class="lead"><p>这里把政府部门公开的部门预算、决算文件整理成可以查询、比较和下载的数据。'
            f'目前收录 {len(self.agencies)} 个部门的 {len(self.docs)} 份公开文件，共 {n_facts:,} 个金额。'
            '每个金额都可以点开，看到它在原文中的哪一行。</p>'
            f'<p><a href="{root}agency/">按部门浏览</a> · <a href="{root}data/">下载数据</a> · '
            f'<a href="{root}quality/">数据质量检查</a> · <a href="{root}about/">关于本站</a></p></div>')
        out += ["", "## 各部门主要数字 {#agencies}", ""]
        cards = ['<div class="agency-cards">']
        for name, docs in self.agencies.items():
            cards.append(f'<div class="agency-card"><h3><a href="{root}agency/{esc(self.slug[name])}/">{esc(name)}</a></h3><ul>')
            for d in docs:
                f = self.figs[d["doc_id"]]
                cards.append(
                    f'<li><a href="{root}agency/{esc(self.slug[name])}/#doc-{esc(d["doc_id"])}">{esc(doc_label(d))}</a>：'
                    f'总支出 {self.fig_html(root, d, f["expenditure"], short=True)}，'
                    f'三公经费 {self.fig_html(root, d, f["three_public"], short=True)}</li>')
            cards.append("</ul></div>")
        cards.append("</div>")
        out += ["".join(cards), "", "## 跨部门比较 {#compare}", ""]
        out.append('<p class="note">各部门文件的年度与口径不同（预算或决算、是否汇总下属单位），比较时请留意“文件”一列。'
                   '点击数字可查看原文出处。</p>')
        rows = []
        for d in self.docs:
            f = self.figs[d["doc_id"]]
            rows.append([f'<a href="{root}agency/{esc(self.slug[d.get("agency") or d["doc_id"]])}/#doc-{esc(d["doc_id"])}">{esc(d.get("agency"))}</a>',
                         esc(doc_label(d))] +
                        [self.fig_html(root, d, f[k], short=True, unit=False) for k in
                         ("income", "expenditure", "basic", "project", "three_public", "personnel", "public")] +
                        [pct(f["basic_share"].value) if "basic_share" in f else "—"])
        out.append(table(["部门", "文件", "总收入", "总支出", "基本支出", "项目支出", "三公经费", "人员经费", "公用经费", "基本支出占比"],
                         rows, cls="data compare", numeric={2, 3, 4, 5, 6, 7, 8, 9}))
        out.append('<p class="unit-note">金额单位：万元。</p>')
        for key, title in (("expenditure", "各部门总支出（万元）"), ("three_public", "各部门三公经费（万元）")):
            items = [(f'{d.get("agency")}（{doc_label(d)}）', self.figs[d["doc_id"]][key].value) for d in self.docs
                     if self.figs[d["doc_id"]][key].value is not None]
            items.sort(key=lambda x: -x[1])
            if items:
                out += ["", f"### {title}", "", self.chart_block(title, items)]
        out += ["", "## 数据从哪里来 {#sources}", "",
                '<p>数据由本项目的程序从各部门公开的预算、决算文件（文本格式）中读取：识别表格、读出每个金额及其行列名称、'
                '换算为“元”，并做一致性检查。原文全文可在各部门页面中打开，每个数字都链接到原文所在行。'
                f'详见<a href="{root}about/">关于本站</a>。</p>', ""]
        return "\n".join(out)

    def agency_index(self) -> str:
        root = "../"
        out = ["---", "title: 各部门", "---", "", "# 各部门", ""]
        rows = []
        for name, docs in self.agencies.items():
            rows.append([f'<a href="{root}agency/{esc(self.slug[name])}/">{esc(name)}</a>',
                         "、".join(esc(doc_label(d)) for d in docs)])
        out.append(table(["部门", "公开文件"], rows))
        return "\n".join(out) + "\n"

    def fig_html(self, root: str, doc: dict, fig, short: bool = False, unit: bool = True) -> str:
        if fig.value is None:
            return '<span class="na" title="未能从表格中读出">—</span>'
        text = esc(wan(fig.value) if unit else fmt_amount(fig.value / WAN))
        if fig.fact:
            return prov_link(root, doc["doc_id"], fig.fact.get("source_line"), text, page=fig.fact.get("page"))
        return text

    def chart_block(self, title: str, items: list[tuple[str, Decimal]], note: str = "") -> str:
        svg = bar_chart(items, title)
        rows = [[esc(lbl), esc(fmt_amount(v / WAN))] for lbl, v in items]
        total = sum((v for _, v in items), Decimal(0))
        cap = f"{esc(title)}。{esc(note)}" if note else esc(title)
        return ('<figure class="chart">' + svg + f'<figcaption>{cap}</figcaption>'
                '<details class="chart-data"><summary>图表数据（文字版）</summary>'
                + table(["项目", "金额（万元）"], rows + [["合计", esc(fmt_amount(total / WAN))]], numeric={1})
                + '</details></figure>')

    # agency ----------------------------------------------------------------------------------------
    def agency_page(self, name: str, docs: list[dict]) -> str:
        root = "../../"
        out = ["---", f"title: {json.dumps(esc(name), ensure_ascii=False)}", "---", "", f"# {md_text(name)}", ""]
        links = "".join(f'<li><a href="#doc-{esc(d["doc_id"])}">{esc(doc_label(d))}：{esc(d.get("title"))}</a></li>' for d in docs)
        out.append(f'<div class="doc-index"><p>本页收录 {esc(name)} 的 {len(docs)} 份公开文件：</p><ul>{links}</ul></div>')
        if len(docs) > 1:
            out += ["", "## 各文件对比 {#compare}", ""]
            rows = []
            for k, label in (("income", "总收入"), ("expenditure", "总支出"), ("basic", "基本支出"), ("project", "项目支出"),
                             ("three_public", "三公经费"), ("personnel", "人员经费"), ("public", "公用经费")):
                rows.append([label] + [self.fig_html(root, d, self.figs[d["doc_id"]][k], unit=False) for d in docs])
            out.append(table(["项目（万元）"] + [esc(doc_label(d)) for d in docs], rows, numeric=set(range(1, len(docs) + 1))))
        for d in docs:
            out += self.document_section(d, root)
        return "\n".join(out) + "\n"

    def document_section(self, d: dict, root: str) -> list[str]:
        did = d["doc_id"]
        sid = _slug_ok(did)
        out = ["", f"## {md_text(doc_label(d))}：{md_text(d.get('title'))} {{#doc-{sid}}}", ""]
        unit = d.get("unit") or ""
        meta = ['<div class="doc-meta"><ul>',
                f'<li>文件：{esc(d.get("title"))}（{esc(d.get("fiscal_year"))} 年度，{esc(KIND_ZH.get(d.get("kind", ""), d.get("kind")))}，原文金额单位：{esc(unit)}）</li>',
                f'<li><a href="{root}sources/{esc(did)}/">阅读原文全文（带行号）</a> · '
                f'<a href="{root}downloads/sources/{esc(did)}.txt" download>下载原文文本</a>'
                + (f' · <a href="{pdf_href(root, did, None)}" download>下载原始 PDF（{esc(d.get("page_count"))} 页）</a>'
                   if d.get("page_count") else "") + '</li>',
                f'<li>本文件的数据：<a href="{root}downloads/package/docs/{esc(did)}/datapackage.json">datapackage.json</a>']
        workbook = workbook_path(did)
        if (self.pkg.root / workbook).is_file():
            meta.insert(-1, f'<li><a href="{root}downloads/package/{esc(workbook)}" download>下载 Excel 工作簿（.xlsx，{_size(self.pkg.root / workbook)}）</a>'
                            '：每张表按原表排列，另有封面、项目及绩效指标、数据质量检查</li>')
        slice_dir = self.pkg.root / "docs" / did
        if slice_dir.is_dir():
            for f in sorted(slice_dir.glob("*.csv")):
                meta.append(f' · <a href="{root}downloads/package/docs/{esc(did)}/{esc(f.name)}">{esc(f.stem)}.csv</a>')
        meta.append("</li></ul></div>")
        out.append("".join(meta))

        # headline figures
        figs = self.figs[did]
        out += ["", f"### 主要数字 {{#{sid}-headline}}", ""]
        if not self.facts.get(did):
            out.append('<p class="note">本文件中没有读出金额表格（原文可能把预算表另附，未包含在本文件中），下列主要数字无法从表格读出；'
                       f'文字说明中的数字见<a href="#{sid}-sections">情况说明</a>。</p>')
        cards = ['<div class="headline">']
        for key in HEADLINE_ORDER:
            fig = figs[key]
            extra = ""
            if key in ("basic", "project") and f"{key}_share" in figs:
                extra = f'<span class="share">占 {pct(figs[key + "_share"].value)}</span>'
            where = ""
            if fig.fact:
                t = self.table_by_id.get(fig.fact.get("table_id", ""), {})
                where = (f'<span class="from">{prov_link(root, did, fig.fact.get("source_line"), "来源：" + esc(t.get("title", "")) + "，第 " + esc(fig.fact.get("source_line")) + " 行", page=fig.fact.get("page"))}'
                         f'<br>{esc(" / ".join(x for x in (fig.fact.get("row_label"), fig.fact.get("column_label")) if x))}</span>')
            else:
                where = '<span class="from">未能从本文件的表格中读出</span>'
            cards.append(f'<div class="fig fig-{key}"><span class="label">{esc(fig.label)}</span>'
                         f'<span class="value">{self.fig_html(root, d, fig)}</span>{extra}{where}</div>')
        cards.append("</div>")
        out.append("".join(cards))

        # charts
        for kind, title in (("functional", "按支出功能分类（类级科目）"), ("economic", "基本支出按经济分类（类级科目）")):
            series, note, tid = self.headlines[did].by_class(kind)
            out += ["", f"### {title} {{#{sid}-{kind}}}", ""]
            if not series:
                out.append('<p class="na">本文件没有可用于此图的分类数据。</p>')
                continue
            t = self.table_by_id.get(tid or "", {})
            src = f'数据来自《{t.get("title", "")}》，{note}' if t else note
            out.append(self.chart_block(f"{doc_label(d)}{title}（万元）", [(f"{c} {n}", v) for c, n, v, _ in series], src))

        # projects and indicators
        out += ["", f"### 项目及绩效指标 {{#{sid}-projects}}", ""]
        out.append(self.projects_html(d, root))

        # tables
        tables = self.tables.get(did, [])
        out += ["", f"### 公开表格 {{#{sid}-tables}}", ""]
        out.append(f'<p class="note">共 {len(tables)} 张表。表格按原文排列，金额右对齐并加千分位；点击金额可查看原文所在行。'
                   '每张表可下载为 CSV（原样单元格）。</p>')
        cells_by_table: dict[str, list[dict]] = {}
        for c in self.cells.get(did, []):
            cells_by_table.setdefault(c["table_id"], []).append(c)
        facts_by_table: dict[str, list[dict]] = {}
        for f in self.facts.get(did, []):
            facts_by_table.setdefault(f["table_id"], []).append(f)
        forms = [t for t in tables if t.get("table_type") in ("performance", "other")]
        money = [t for t in tables if t not in forms]
        for t in money:
            out += ["", f"#### {md_text(t.get('title') or t['table_id'])} {{#t-{_slug_ok(t['table_id'])}}}", ""]
            out.append(self.table_html(t, cells_by_table.get(t["table_id"], []), facts_by_table.get(t["table_id"], []), root))
        if forms:
            out += ["", f"#### 绩效目标表、自评表及其他表格（{len(forms)} 张） {{#{sid}-forms}}", ""]
            parts = ['<details class="forms"><summary>展开原表</summary>']
            for t in forms:
                parts.append(f'<h5 id="t-{_slug_ok(t["table_id"])}">{esc(t.get("title") or t["table_id"])}</h5>')
                parts.append(self.table_html(t, cells_by_table.get(t["table_id"], []), facts_by_table.get(t["table_id"], []), root))
            parts.append("</details>")
            out.append("".join(parts))

        # sections, glossary, findings
        out += ["", f"### 情况说明 {{#{sid}-sections}}", "", self.sections_html(d, root)]
        out += ["", f"### 名词解释 {{#{sid}-glossary}}", "", self.glossary_html(d, root)]
        out += ["", f"### 数据质量检查 {{#{sid}-quality}}", "", self.findings_html(self.findings.get(did, []), root, per_doc=True)]
        return out

    def table_html(self, t: dict, cells: list[dict], facts: list[dict], root: str) -> str:
        did = t["doc_id"]
        unit = t.get("unit") or ""
        inferred = str(t.get("unit_inferred", "")).lower() in ("true", "1")
        head = ['<div class="table-meta">']
        if unit:
            head.append(f'<span>单位：{esc(unit)}{"（原表未注明，按全文单位）" if inferred else ""}</span>')
        ls, le = t.get("line_start"), t.get("line_end")
        head.append(f'<span>{prov_link(root, did, ls, f"原文第 {esc(ls)}–{esc(le)} 行", cls="src")}</span>')
        head.append(f'<span>{esc(STATUS_ZH.get(t.get("status", ""), t.get("status", "")))}</span>')
        if cells:
            head.append(f'<span><a href="{root}downloads/tables/{_slug_ok(t["table_id"])}.csv" download>下载 CSV</a></span>')
        head.append("</div>")
        if t.get("note"):
            head.append(f'<p class="table-note">{esc(t.get("note"))}</p>')
        if not cells:
            return "".join(head) + '<p class="na">此表没有单元格内容。</p>'
        grid = cell_grid(cells)
        nr = max(r for r, _ in grid)
        nc = max(k for _, k in grid)
        hdr = int_or_none(t.get("header_rows")) or 0
        fact_keys = {(str(f.get("source_line")), (f.get("published_value") or "").strip()) for f in facts}
        code_by_line: dict[str, str] = {}
        for f in facts:
            if f.get("code"):
                code_by_line.setdefault(str(f.get("source_line")), f["code"])
        rows_html = []
        for r in range(1, nr + 1):
            row = [grid.get((r, k)) for k in range(1, nc + 1)]
            line = next((str(c.get("source_line")) for c in row if c), "")
            is_head = r <= hdr
            code = code_by_line.get(line, "")
            if not code and not is_head:
                for c in row[:3]:
                    if c and CODE_CELL.fullmatch(c.get("text", "").strip()):
                        code = c["text"].strip()
                        break
            level = 0 if len(code) in (3, 6) or not code else (len(code) - 3) // 2
            label_done = False
            tds = []
            for c in row:
                text = (c or {}).get("text", "")
                s = text.strip()
                tag = "th" if is_head else "td"
                if not c:
                    tds.append(f"<{tag}></{tag}>")
                    continue
                is_fact = (str(c.get("source_line")), s) in fact_keys
                if not is_head and (is_fact or (is_number(s) and not CODE_CELL.fullmatch(s))):
                    shown = esc(group_digits(s)) if is_fact else esc(s)
                    if is_fact:
                        shown = prov_link(root, did, c.get("source_line"), shown, cls="amt", page=c.get("page"))
                    tds.append(f'<td class="num">{shown}</td>')
                    continue
                cls = []
                if not is_head and not label_done and s and not CODE_CELL.fullmatch(s):
                    label_done = True
                    if level:
                        cls.append(f"lvl{min(level, 3)}")
                    if code and len(code) in (3, 6):
                        cls.append("lvl0")
                if not is_head and CODE_CELL.fullmatch(s):
                    cls.append("code")
                attr = f' class="{" ".join(cls)}"' if cls else ""
                tds.append(f"<{tag}{attr}>{esc(text)}</{tag}>")
            rows_html.append(("<tr>" + "".join(tds) + "</tr>", is_head))
        thead = "".join(h for h, is_h in rows_html if is_h)
        tbody = "".join(h for h, is_h in rows_html if not is_h)
        caption = f'<caption>{esc(t.get("title"))}{("（单位：" + esc(unit) + "）") if unit else ""}</caption>'
        return ("".join(head) + '<div class="table-wrap" data-search-exclude><table class="published">' + caption
                + (f"<thead>{thead}</thead>" if thead else "") + f"<tbody>{tbody}</tbody></table></div>")

    @staticmethod
    def _enum_zh(resource: str, name: str) -> dict[str, str]:
        """enum value → its Chinese name, from the schema's enum_labels ("年初预算数 / Budget at …")."""
        from ..schema import field
        return {k: v.split(" / ")[0] for k, v in field(resource, name).get("enum_labels", {}).items()}

    def _field_labels(self, resource: str) -> dict[str, tuple[str, bool]]:
        """field → (Chinese label from the schema, is money in 元)."""
        out = {}
        r = self.pkg.resource(resource) or {}
        for f in (r.get("schema") or {}).get("fields", []):
            zh = (f.get("description") or f["name"]).split(" / ")[0].strip()
            money = f.get("type") in ("number", "integer") and bool(re.search(r"，元$|（元）$", zh))
            zh = re.sub(r"，元$|（元）$", "", zh)
            out[f["name"]] = (zh, money)
        return out

    def projects_html(self, d: dict, root: str) -> str:
        did = d["doc_id"]
        projects = self.projects.get(did, [])
        if not projects:
            n_forms = sum(1 for t in self.tables.get(did, []) if t.get("table_type") == "performance")
            return (f'<p class="na">本文件没有读出项目绩效表'
                    f'{f"（原文有 {n_forms} 张绩效表，见下方“公开表格”）" if n_forms else ""}。</p>')
        labels = self._field_labels("projects")
        inds: dict[str, list[dict]] = {}
        for i in self.indicators.get(did, []):
            inds.setdefault(i.get("project_id", ""), []).append(i)
        children: dict[str, list[dict]] = {}
        for p in projects:
            if p.get("parent_project_id"):
                children.setdefault(p["parent_project_id"], []).append(p)
        top = [p for p in projects if not p.get("parent_project_id")]
        counts: dict[str, int] = {}
        for p in top:
            counts[p.get("kind", "")] = counts.get(p.get("kind", ""), 0) + 1
        targets = [p for p in top if p.get("kind") == "target"]
        total = sum((dec(p.get("funds_total")) or Decimal(0) for p in targets), Decimal(0))
        summary = "、".join(f"{PROJECT_KIND_ZH.get(k, k)} {n} 份" for k, n in counts.items())
        n_ind = sum(len(v) for v in inds.values())
        out = [f'<p>本文件的绩效表：{esc(summary)}，共 {n_ind} 项绩效指标。'
               + (f'绩效目标表所列年度资金合计 {esc(wan(total))}。' if targets else "")
               + '点击项目名称展开其详情和指标。</p>', '<div class="projects">']
        for p in top:
            out.append(self.project_block(p, inds, children.get(p.get("project_id", ""), []), labels, root, did))
        out.append("</div>")
        return "".join(out)

    def project_block(self, p: dict, inds: dict, kids: list[dict], labels: dict, root: str, did: str) -> str:
        kind = p.get("kind", "")
        rows_f = self.funds.get(p.get("project_id", ""), [])
        funds = dec(p.get("funds_total"))
        if funds is None:  # a sheet printing only its spending side: its total
            funds = next((dec(f["value"]) for f in rows_f if f.get("source") == "total" and f.get("unit") == "yuan"
                          and f.get("period") != "implementation"), None)
        summary = (f'<span class="pname">{esc(p.get("name") or "（未注明名称）")}</span>'
                   f'<span class="pkind">{esc(PROJECT_KIND_ZH.get(kind, kind))}</span>')
        if funds is not None:
            summary += f'<span class="pfunds">{esc(wan(funds))}</span>'
        dl = []
        for key, value in p.items():
            if key in PROJECT_SKIP or not str(value).strip():
                continue
            label, money = labels.get(key, (PROJECT_FIELDS_ZH.get(key, key), key in MONEY_FIELDS))
            if money and dec(value) is not None:
                shown = esc(wan(dec(value)))
            elif key == "execution_rate" and dec(value) is not None:
                shown = esc(f"{dec(value)}%")
            else:
                shown = esc(value)
            dl.append(f"<dt>{esc(label)}</dt><dd>{shown}</dd>")
        lines = f'第 {esc(p.get("source_line"))}' + (f'–{esc(p.get("line_end"))}' if p.get("line_end") else "") + " 行"
        dl.append(f'<dt>原文</dt><dd>{prov_link(root, did, p.get("source_line"), lines)}</dd>')
        if (int_or_none(p.get("unread_rows")) or 0) > 0:
            unread = " ".join(prov_link(root, did, ln, ln) for ln in re.findall(r"\d+", p.get("unread_lines", ""))[:20])
            dl.append(f'<dt>未能读入的行</dt><dd>{unread}</dd>')
        body = f'<dl class="pmeta">{"".join(dl)}</dl>'
        if rows_f:  # every amount the form prints (project_funds), each linked to its line
            measure = self._enum_zh("project_funds", "measure")
            body += "<p>资金：</p>" + table(
                ["项目", "口径", "期间", "金额", "原文行"],
                [[esc(f.get("row_label")), esc(measure.get(f.get("measure", ""), f.get("measure"))),
                  esc("实施期" if f.get("period") == "implementation" else f.get("period")),
                  esc(wan(dec(f["value"])) if f.get("unit") == "yuan" and dec(f.get("value")) is not None
                      else f"{f.get('value')}%" if f.get("unit") == "percent" else f.get("value") or "—"),
                  prov_link(root, did, f.get("source_line"), esc(f.get("source_line")))] for f in rows_f],
                cls="data", numeric={3})
        if kids:
            def kid_amount(k: dict):
                whole = next((dec(f["value"]) for f in self.funds.get(k.get("project_id", ""), [])
                              if f.get("period") == "implementation" and f.get("source") == "total"), None)
                return whole if whole is not None else dec(k.get("funds_total"))
            rows = [[esc(k.get("name")), esc(wan(kid_amount(k))) if kid_amount(k) is not None else "—",
                     prov_link(root, did, k.get("source_line"), esc(k.get("source_line")))] for k in kids]
            body += "<p>所列项目：</p>" + table(["项目", "金额", "原文行"], rows, cls="data", numeric={1})
        rows_ = inds.get(p.get("project_id", ""), [])
        if rows_:
            phases = {i.get("phase", "") for i in rows_}
            cols = [("phase", "期间")] if len(phases) > 1 else []
            cols += [("level1", "一级指标"), ("level2", "二级指标"), ("name", "三级指标"), ("target_text", "指标值")]
            for key, label in (("actual_text", "实际完成值"), ("weight", "分值"), ("score", "得分"),
                               ("deviation_reason", "偏差原因")):
                if any(i.get(key) for i in rows_):
                    cols.append((key, label))
            rows = []
            for i in rows_:
                row = []
                for key, _ in cols:
                    v = esc(i.get(key))
                    if key == "level1" and str(i.get("level1_inferred", "")).lower() == "true" and v:
                        v += '<small title="原文未印出，由二级指标推断">（推断）</small>'
                    row.append(v)
                row.append(prov_link(root, did, i.get("source_line"), esc(i.get("source_line"))))
                rows.append(row)
            body += table([lbl for _, lbl in cols] + ["原文行"], rows, cls="data indicators")
        elif kind != "department_list_item":
            body += '<p class="na">未读出绩效指标。</p>'
        return f'<details class="project" id="p-{_slug_ok(p.get("project_id", ""))}"><summary>{summary}</summary>{body}</details>'

    def sections_html(self, d: dict, root: str) -> str:
        secs = [s for s in self.sections.get(d["doc_id"], []) if s.get("text", "").strip() or s.get("heading")]
        if not secs:
            return '<p class="na">本文件没有读出文字说明。</p>'
        secs.sort(key=lambda s: int_or_none(s.get("section_no")) or 0)
        out = [f'<details class="sections"><summary>展开全文（{len(secs)} 节）</summary>']
        for s in secs:
            lvl = min(max(int_or_none(s.get("level")) or 1, 1), 3)
            if s.get("heading"):
                out.append(f'<p class="sec-h sec-h{lvl}">{prov_link(root, d["doc_id"], s.get("line_start"), esc(s.get("heading")), cls="src")}</p>')
            for para in (s.get("text") or "").split("\n"):
                if para.strip():
                    out.append(f"<p>{esc(para)}</p>")
        out.append("</details>")
        return "".join(out)

    def glossary_html(self, d: dict, root: str) -> str:
        g = self.glossary.get(d["doc_id"], [])
        if not g:
            return '<p class="na">本文件没有名词解释。</p>'
        items = "".join(f'<dt>{esc(e.get("term"))} <span class="ln">{prov_link(root, d["doc_id"], e.get("source_line"), "原文")}</span></dt>'
                        f'<dd>{esc(e.get("definition"))}</dd>' for e in g)
        return f'<dl class="glossary">{items}</dl>'

    def findings_html(self, findings: list[dict], root: str, per_doc: bool = False) -> str:
        if not findings:
            return '<p class="ok">没有检查结果（尚未检查，或全部通过）。</p>' if per_doc else '<p class="ok">暂无检查结果。</p>'
        rows, attrs = [], []
        for f in findings:
            did = f.get("doc_id", "")
            lines = re.findall(r"\d+", f.get("source_lines", "") or "")
            links = " ".join(prov_link(root, did, ln, ln) for ln in lines[:12]) + (" …" if len(lines) > 12 else "")
            sev = f.get("severity", "")
            d = next((x for x in self.docs if x["doc_id"] == did), {})
            page = "" if per_doc else f'{root}agency/{esc(self.slug.get(d.get("agency") or did, ""))}/'
            tlinks = []
            for tid in (f.get("table_ids") or "").split():
                t = self.table_by_id.get(tid)
                if t:
                    tlinks.append(f'<a href="{page}#t-{_slug_ok(tid)}">{esc(t.get("title") or tid)}</a>')
            row = [f'<span class="sev sev-{esc(sev)}">{esc(SEVERITY_ZH.get(sev, sev))}</span>', f"<code>{esc(f.get('rule_id'))}</code>",
                   f'<span class="msg">{esc(f.get("message"))}</span>', esc(f.get("expected")), esc(f.get("actual")),
                   esc(f.get("difference")), "<br>".join(tlinks), links]
            if not per_doc:
                name = d.get("agency") or did
                row.insert(0, f'<a href="{root}agency/{esc(self.slug.get(name, ""))}/#doc-{esc(did)}">{esc(name)}<br><small>{esc(doc_label(d) if d else "")}</small></a>')
            rows.append(row)
            attrs.append(f'data-doc="{esc(did)}" data-severity="{esc(sev)}"')
        headers = ["级别", "规则", "说明", "应为", "实为", "差额", "表", "原文行"]
        if not per_doc:
            headers.insert(0, "文件")
        return table(headers, rows, cls="data findings", attrs=attrs)

    # source text -------------------------------------------------------------------------------------
    def source_page(self, d: dict, lines: list[str]) -> str:
        root = "../../"
        name = d.get("agency") or d["doc_id"]
        out = ["---", f"title: {json.dumps('原文：' + esc(d.get('title') or d['doc_id']), ensure_ascii=False)}",
               "search:", "  exclude: true", "---", "",
               f"# 原文：{md_text(d.get('title') or d['doc_id'])}", ""]
        out.append(f'<div class="doc-meta"><p>{esc(d.get("source_file"))}，共 {len(lines)} 行，SHA-256 <code>{esc(d.get("source_sha256"))}</code>。'
                   f'<a href="{root}agency/{esc(self.slug.get(name, ""))}/#doc-{esc(d["doc_id"])}">返回 {esc(name)} 的数据页</a> · '
                   f'<a href="{root}downloads/sources/{esc(d["doc_id"])}.txt" download>下载原文</a></p>'
                   + ('<p class="note">下面是从原始 PDF 提取的文字（表格的一行是一行，单元格之间是制表符；页眉、页脚和页码已去掉），'
                      '每页开头标出页码并链接到原始 PDF 的该页；左侧行号可链接，例如本页地址后加 #L100。</p></div>'
                      if d.get("page_count") else
                      '<p class="note">下面是文件的原样文字（表格列之间是制表符）；左侧行号可链接，例如本页地址后加 #L100。</p></div>'))
        body = ['<div class="source-text" data-search-exclude>']
        page_starts = {int(p["line_start"]): int(p["page"]) for p in self.pkg["pages"]
                       if p.get("doc_id") == d["doc_id"] and str(p.get("line_start")).isdigit()}
        for i, text in enumerate(lines, 1):
            if i in page_starts:  # a PDF source: where each page begins, and the page in the original
                n = page_starts[i]
                body.append(f'<div class="pg" id="P{n}">第 {n} 页 · <a href="{pdf_href(root, d["doc_id"], n)}">'
                            f'在原始 PDF 中打开第 {n} 页</a></div>')
            body.append(f'<div class="sl" id="L{i}"><a class="n" href="#L{i}">{i}</a><span class="t">{esc(text)}</span></div>')
        body.append("</div>")
        out.append("".join(body))
        return "\n".join(out) + "\n"

    # data and quality ------------------------------------------------------------------------------
    def data_page(self) -> str:
        root = "../"
        out = ["---", "title: 数据下载", "---", "", "# 数据下载", ""]
        desc = self.pkg.descriptor
        zips = sorted(self.pkg.root.glob("*.zip"))
        dl = ['<div class="downloads">']
        if zips:
            z = zips[0]
            dl.append(f'<p class="big-download"><a href="{root}downloads/package/{esc(z.name)}" download>下载完整数据包（{esc(z.name)}，{_size(z)}）</a></p>')
        dl.append(f'<p>数据包描述文件：<a href="{root}downloads/package/datapackage.json">datapackage.json</a>'
                  '（Frictionless Data Package 格式）。</p>')
        rows = []
        for r in desc.get("resources", []):
            path = r.get("path")
            if not isinstance(path, str):
                continue
            n = len(self.pkg[r["name"]]) if r["name"] in self.pkg.rows else None
            csv_link = f'<a href="{root}downloads/package/{esc(path)}" download>CSV</a>' if (self.pkg.root / path).exists() else "—"
            pq = r.get("parquet_path") or (path[:-4] + ".parquet" if path.endswith(".csv") else "")
            pq_link = f'<a href="{root}downloads/package/{esc(pq)}" download>Parquet</a>' if pq and (self.pkg.root / pq).exists() else "—"
            rows.append([f"<code>{esc(r['name'])}</code>", esc(r.get("title") or r.get("description") or ""),
                         f"{n:,}" if n is not None else "", csv_link, pq_link])
        dl.append(table(["资源", "内容", "行数", "CSV", "Parquet"], rows, numeric={2}))
        dl.append("</div>")
        out.append("".join(dl))
        out += ["", self.downloads_listing()]
        howto = self.repo_root / "site_src" / "partials" / "data-howto.md"
        if howto.exists():
            out += ["", howto.read_text(encoding="utf-8").strip(), ""]
        out += ["", "## 数据字典 {#dictionary}", ""]
        out.append(self.data_dictionary())
        return "\n".join(out) + "\n"

    def downloads_listing(self) -> str:
        """The exports (workbooks, database, Fiscal Data Package) and then every file offered for download,
        each with its stable address, size and sha256, so a user can check what they fetched."""
        root = "../"
        out = ["## Excel、数据库与 Fiscal Data Package {#exports}", "",
               '<p>每份文件一个 Excel 工作簿（每张表按原表排列，金额为数字，编码为文本）；整个数据包的 SQLite 数据库'
               '（<code>sqlite3 fiscal-disclosures.sqlite</code> 后即可用 SQL 查询）；以及 facts 金额的 Fiscal Data Package 视图'
               '（OpenSpending 可读）。下载地址在每次重建后保持不变。</p>']
        rows = [[f'<a href="{root}downloads/package/{esc(e["path"])}" download>{esc(e["path"].split("/")[-1])}</a>',
                 esc(e.get("title", "")), f'{e["bytes"]:,}', f'<code>{esc(e["sha256"])}</code>']
                for e in read_manifest(self.pkg.root)]
        out.append(table(["文件", "内容", "字节", "SHA-256"], rows, numeric={2}) if rows
                   else '<p class="na">本次构建没有生成这些下载。</p>')
        files = []  # everything written under downloads/ by now: the package, table CSVs, source texts and PDFs
        downloads = self.out / "downloads"
        for src in sorted(downloads.rglob("*")):
            if src.is_file():
                rel, data = src.relative_to(downloads).as_posix(), src.read_bytes()
                files.append([f'<a href="{root}downloads/{esc(rel)}">{esc(rel)}</a>', f"{len(data):,}",
                              f"<code>{hashlib.sha256(data).hexdigest()}</code>"])
        out += ["", "## 全部下载文件的大小与校验值 {#checksums}", "",
                f'<details class="checksums" data-search-exclude><summary>本站提供下载的全部 {len(files)} 个文件</summary>'
                + table(["文件（地址固定）", "字节", "SHA-256"], files, numeric={1}) + "</details>"]
        return "\n".join(out)

    def data_dictionary(self) -> str:
        try:
            from ..package import data_dictionary_markdown
            md = data_dictionary_markdown()
            # one level down: the page has its own title
            md = re.sub(r"^(#{1,5}) ", lambda m: "#" + m.group(1) + " ", md, flags=re.M)
            md = re.sub(r"^## (数据字典.*)$", "", md, count=1, flags=re.M)
            return md.strip() + "\n"
        except Exception as exc:  # noqa: BLE001 - the package writer may not expose it yet
            self.warnings.append(f"data dictionary from the package module unavailable ({exc}); rendered from datapackage.json")
        out = []
        for r in self.pkg.descriptor.get("resources", []):
            fields = (r.get("schema") or {}).get("fields", [])
            out += ["", f"### `{esc(r.get('name'))}`", "", esc(r.get("title") or ""), ""]
            rows = [[f"<code>{esc(f.get('name'))}</code>", esc(f.get("type")), esc(f.get("description"))] for f in fields]
            out.append(table(["字段", "类型", "说明"], rows))
        return "\n".join(out)

    def quality_page(self) -> str:
        root = "../"
        out = ["---", "title: 数据质量", "---", "", "# 数据质量检查", ""]
        findings = self.pkg["findings"]
        quality = {q.get("doc_id"): q for q in self.pkg["quality"]}
        out.append('<p>每份文件读出后都要经过一组一致性检查（例如合计是否等于分项之和、同一数字在不同表中是否一致）。'
                   '下面列出所有检查结果，可按文件和级别筛选；点击行号查看原文。</p>')
        rows = []
        for d in self.docs:
            q = quality.get(d["doc_id"], {})
            n = sum(1 for f in findings if f.get("doc_id") == d["doc_id"])
            rows.append([esc(d.get("agency")), esc(doc_label(d)), esc(q.get("rules_run", "")), esc(q.get("rules_passed", "")),
                         esc(q.get("errors", "")), esc(q.get("warnings", "")), esc(q.get("infos", "")), str(n)])
        out += ["", "## 各文件概况 {#summary}", "",
                table(["部门", "文件", "检查规则数", "通过", "错误", "警告", "提示", "结果条数"], rows, numeric={2, 3, 4, 5, 6, 7})]
        out += ["", "## 全部检查结果 {#findings}", ""]
        opts = "".join(f'<option value="{esc(d["doc_id"])}">{esc(d.get("agency"))} {esc(doc_label(d))}</option>' for d in self.docs)
        sev_opts = "".join(f'<option value="{k}">{v}</option>' for k, v in SEVERITY_ZH.items())
        out.append('<div class="filters" id="finding-filters" hidden><label>文件 <select id="filter-doc"><option value="">全部</option>'
                   f'{opts}</select></label> <label>级别 <select id="filter-severity"><option value="">全部</option>{sev_opts}</select></label>'
                   ' <span id="filter-count" aria-live="polite"></span></div>')
        out.append(self.findings_html(findings, root))
        out += ["", "## 检查规则目录 {#rules}", "", self.rule_catalogue(), ""]
        return "\n".join(out) + "\n"

    def rule_catalogue(self) -> str:
        try:
            from .. import validate as v
        except Exception:  # noqa: BLE001
            v = None
        for name in ("rule_catalogue_markdown", "catalogue_markdown"):
            fn = getattr(v, name, None) if v else None
            if callable(fn):
                try:
                    md = fn()
                    return re.sub(r"^(#{1,5}) ", lambda m: "##" + m.group(1) + " ", md, flags=re.M)
                except Exception as exc:  # noqa: BLE001
                    self.warnings.append(f"rule catalogue markdown failed: {exc}")
        fn = getattr(v, "rule_catalogue", None) if v else None
        if callable(fn):
            try:
                rules = list(fn())
                rows = []
                for r in rules:
                    r = r if isinstance(r, dict) else getattr(r, "__dict__", {"rule": str(r)})
                    rows.append([f"<code>{esc(r.get('rule_id') or r.get('id') or '')}</code>",
                                 esc(SEVERITY_ZH.get(r.get("severity", ""), r.get("severity", ""))),
                                 esc(r.get("title_zh") or r.get("title") or r.get("name") or ""),
                                 esc(r.get("description_zh") or r.get("description") or r.get("what") or "")])
                if rows:
                    return table(["规则", "级别", "名称", "说明"], rows)
            except Exception as exc:  # noqa: BLE001
                self.warnings.append(f"rule catalogue failed: {exc}")
        return '<p class="na">规则目录尚未发布。</p>'


def cell_grid(cells: list[dict]) -> dict[tuple[int, int], dict]:
    """(row, column) → cell, each cell in the header column the parser assigned it (`grid_col`): a row
    printed with a wider or narrower label block shows its amounts under their own headers."""
    grid: dict[tuple[int, int], dict] = {}
    for c in cells:
        r = int_or_none(c.get("row"))
        k = int_or_none(c.get("grid_col")) or int_or_none(c.get("col"))
        if r is not None and k is not None:
            grid.setdefault((r, k), c)
    return grid


def _size(p: Path) -> str:
    n = p.stat().st_size
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{n / 1024:.0f} KB"
