"""The Jinja2 environment the pages are drawn with: templates in `templates/`, autoescape on for every
template (a disclosure's text is data, never markup), and the few filters that format what Python prepared.

Pages are Markdown files (MkDocs builds them): front matter and `#` headings in Markdown, bodies as HTML
blocks. Jinja's comment syntax is moved off `{#`, which Markdown's attribute lists use (`## 标题 {#id}`).
"""
from __future__ import annotations

import json
import re
from decimal import Decimal
from html import escape
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from ..text import format_amount as fmt_amount  # the one formatter of amounts


TEMPLATES = Path(__file__).resolve().parent / "templates"
WAN = Decimal(10000)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>])")


def wan(value: Decimal | None, unit: bool = True) -> str:
    """元 → '12,345.67 万元': the one way amounts are shown outside the published tables."""
    if value is None:
        return "—"
    return f"{fmt_amount(value / WAN)}{' 万元' if unit else ''}"


def signed_wan(value: Decimal) -> str:
    return ("+" if value > 0 else "−" if value < 0 else "±") + wan(abs(value))


def pct(value: Decimal | None, places: int = 1) -> str:
    if value is None:
        return "—"
    q = value.quantize(Decimal(1).scaleb(-places))
    return f"{q}%".replace("-", "−")


def md_heading(text) -> Markup:
    """Text for a Markdown heading: HTML-escaped, then every Markdown-significant character escaped."""
    s = re.sub(r"\s+", " ", "" if text is None else str(text)).strip()
    return Markup(_MD_SPECIAL.sub(r"\\\1", escape(s, quote=False)))


def yaml_string(text) -> Markup:
    """A front-matter value: escaped HTML inside a JSON (= YAML) string."""
    return Markup(json.dumps(escape("" if text is None else str(text)), ensure_ascii=False))


def environment(globals_: dict) -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, trim_blocks=True,
                      lstrip_blocks=True, undefined=StrictUndefined, keep_trailing_newline=True,
                      comment_start_string="{#--", comment_end_string="--#}")
    env.filters.update(wan=wan, signed_wan=signed_wan, pct=pct, md=md_heading, yaml=yaml_string)
    env.globals.update(globals_)
    return env
