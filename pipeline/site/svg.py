"""Horizontal bar charts as inline SVG, drawn here: no chart library, nothing loaded from elsewhere.

Labels are Chinese text in the page's own font; each chart carries a <title>/<desc> for screen readers, and
the page puts a table with the same numbers next to it.
"""
from __future__ import annotations

from decimal import Decimal
from html import escape
from itertools import count

PALETTE = ("#1f6fb2", "#e07b39", "#3a9d5d", "#b8489b", "#8c6d31", "#5b6bbf", "#c0392b", "#17a2b8")
_ids = count(1)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def bar_chart(items: list[tuple[str, Decimal]], title: str, unit_label: str = "万元",
              scale: Decimal = Decimal(10000), label_chars: int = 11) -> str:
    """items: (label, value in 元); drawn in `unit_label` (value / scale)."""
    if not items:
        return ""
    uid = f"chart{next(_ids)}"
    # label above its bar, so the chart stays readable when a phone shrinks it to its width
    width, row_h, top, value_w = 400, 46, 4, 110
    plot_w = width - value_w
    height = top + row_h * len(items) + 4
    vmax = max((v for _, v in items), default=Decimal(0))
    vmax = vmax if vmax > 0 else Decimal(1)
    desc = "；".join(f"{lbl}：{fmt_amount(v / scale)} {unit_label}" for lbl, v in items)
    parts = [
        f'<svg class="bar-chart" role="img" aria-labelledby="{uid}-t {uid}-d" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>',
    ]
    for i, (label, value) in enumerate(items):
        y = top + i * row_h
        w = max(float(value / vmax) * plot_w, 1.5) if value > 0 else 0
        color = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<g><title>{escape(label)}：{escape(fmt_amount(value / scale))} {escape(unit_label)}</title>'
            f'<text x="0" y="{y + 16}" class="lbl">{escape(_short(label, 26))}</text>'
            f'<rect x="0" y="{y + 22}" width="{w:.1f}" height="16" rx="2" fill="{color}"/>'
            f'<text x="{w + 6:.1f}" y="{y + 35}" class="val">{escape(fmt_amount(value / scale))}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def fmt_amount(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "—"
    q = Decimal(1).scaleb(-places)
    return f"{value.quantize(q):,}"
