"""Small HTML builders. Every text that comes from a disclosure goes through `esc` (HTML) or `md_text`
(Markdown heading text): a disclosure is data, never markup."""
from __future__ import annotations

import re
from decimal import Decimal
from html import escape

from .figures import dec
from .svg import fmt_amount

KIND_ZH = {"budget": "部门预算", "final_accounts": "部门决算"}
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
WAN = Decimal(10000)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>])")


def esc(text) -> str:
    return escape("" if text is None else str(text), quote=True)


def md_text(text) -> str:
    """Text for a Markdown heading: HTML-escaped, then every Markdown-significant character escaped."""
    s = re.sub(r"\s+", " ", "" if text is None else str(text)).strip()
    return _MD_SPECIAL.sub(r"\\\1", escape(s, quote=False))


def wan(value: Decimal | None) -> str:
    """元 → '12,345.67 万元'."""
    if value is None:
        return "—"
    return f"{fmt_amount(value / WAN)} 万元"


def pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value.quantize(Decimal('0.1'))}%"


def doc_label(doc: dict) -> str:
    year = doc.get("fiscal_year") or "?"
    return f"{year}年{KIND_ZH.get(doc.get('kind', ''), '公开文件')}"


def source_href(root: str, doc_id: str, line) -> str:
    return f"{root}sources/{esc(doc_id)}/#L{int(line)}" if str(line).strip().isdigit() else f"{root}sources/{esc(doc_id)}/"


def pdf_href(root: str, doc_id: str, page) -> str:
    """The original PDF of a document (published beside its text), opened at a page when one is given."""
    at = f"#page={int(page)}" if str(page).strip().isdigit() else ""
    return f"{root}downloads/sources/{esc(doc_id)}.pdf{at}"


def prov_link(root: str, doc_id: str, line, text: str, cls: str = "prov", page=None) -> str:
    """`text` (already HTML) linked to its source line; for a PDF source (a `page` is given), followed by a
    link to the original PDF at that page."""
    if not str(line).strip().isdigit():
        return text
    link = f'<a class="{cls}" href="{source_href(root, doc_id, line)}" title="原文第 {int(line)} 行">{text}</a>'
    if str(page or "").strip().isdigit():
        link += (f'<a class="pdfp" href="{pdf_href(root, doc_id, page)}" title="原始 PDF 第 {int(page)} 页">'
                 f'<sup>P{int(page)}</sup></a>')
    return link


def group_digits(text: str) -> str:
    """'42303.73' → '42,303.73' (as printed otherwise: decimals and signs kept)."""
    m = re.fullmatch(r"([-−]?)(\d+)(\.\d+)?", text.strip())
    if not m:
        return text
    return f"{m.group(1)}{int(m.group(2)):,}{m.group(3) or ''}"


_NUM = re.compile(r"[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*[%％]?")


def is_number(text: str) -> bool:
    return bool(_NUM.fullmatch(text.strip()))


def table(headers: list[str], rows: list[list[str]], cls: str = "data", numeric: set[int] = frozenset(),
          attrs: list[str] | None = None) -> str:
    """A simple HTML table; cells are HTML already (escape before)."""
    out = [f'<div class="table-wrap"><table class="{cls}"><thead><tr>']
    out += [f'<th{" class=num" if i in numeric else ""}>{h}</th>' for i, h in enumerate(headers)]
    out.append("</tr></thead><tbody>")
    for n, row in enumerate(rows):
        a = f" {attrs[n]}" if attrs else ""
        out.append(f"<tr{a}>" + "".join(
            f'<td{" class=num" if i in numeric else ""}>{c}</td>' for i, c in enumerate(row)) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def number_cell(value_text: str) -> str:
    v = dec(value_text)
    return esc(group_digits(value_text)) if v is not None else esc(value_text)
