"""MkDocs hooks for the generated site: the navigation and the search words come from the generator's
files in docs_dir, so `mkdocs build --strict` alone gives the same site as `python -m pipeline site`."""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.search")
SEARCH_PAGE = """# 搜索

按词语查找表格、项目（含绩效指标）、数据质量检查结果和情况说明；可按机构、年度、预算或决算、结果类型筛选。

<div id="site-search"></div>
"""

# Words jieba must keep whole, so that a search for them finds them (Material segments Chinese text with
# jieba at build time when jieba is installed).
DOMAIN_WORDS = (
    "三公经费", "“三公”经费", "机关运行经费", "人员经费", "公用经费", "基本支出", "项目支出", "财政拨款",
    "一般公共预算", "政府性基金", "国有资本经营预算", "社会保险", "社会保障", "社会保障和就业", "就业补助",
    "公务接待费", "公务用车", "因公出国", "绩效目标", "绩效自评", "部门预算", "部门决算", "人社局",
    "人力资源和社会保障局", "人力资源和社会保障厅", "政府采购", "国有资产", "名词解释",
)


def on_config(config, **kwargs):
    docs = Path(config["docs_dir"])
    nav = docs / ".nav.json"
    if nav.exists():
        config["nav"] = json.loads(nav.read_text(encoding="utf-8"))
    try:
        import jieba
    except ImportError:
        return config
    words = list(DOMAIN_WORDS)
    extra = docs / ".jieba-words.txt"
    if extra.exists():
        words += [w.strip() for w in extra.read_text(encoding="utf-8").splitlines() if w.strip()]
    for w in words:
        jieba.add_word(w, freq=200000)
    return config


def on_page_markdown(markdown, page, config, files, **kwargs):
    """The about page says where errors are reported: the repository's issue list when `repo_url` is set
    (the published site), else the repository in general (a local build does not know its address)."""
    if "<!-- report-errors -->" not in markdown:
        return markdown
    repo = (config.get("repo_url") or "").rstrip("/")
    where = (f"并在项目的[问题列表]({repo}/issues)中报告（请写明页面地址、数字和原文行号）。" if repo
             else "并在项目仓库的问题列表中报告（请写明页面地址、数字和原文行号）。")
    return markdown.replace("<!-- report-errors -->", where)


# --- search (issue 15): Pagefind, see pipeline/search.py -------------------------------------------------
def on_files(files, config, **kwargs):
    from mkdocs.structure.files import File

    if files.get_file_from_path("search.md") is None:
        files.append(File.generated(config, "search.md", content=SEARCH_PAGE))
    return files


def on_post_build(config, **kwargs):
    repo = Path(__file__).resolve().parents[1]
    if str(repo) not in sys.path:
        sys.path.insert(0, str(repo))
    from pipeline import search

    package = Path(config["docs_dir"]) / "downloads" / "package"
    if not (package / "documents.csv").exists():
        # a bare `mkdocs build` of hand-written pages: there is nothing to index
        log.info("search: no package at %s; the site has no search index", package)
        return
    n, seconds, problems = search.build(Path(config["site_dir"]), package)
    for p in problems:
        log.warning(p)
    log.info("search: %d records indexed in %.1f s", n, seconds)
