"""MkDocs hooks for the generated site: the navigation comes from the generator's
file in docs_dir, so `mkdocs build --strict` alone gives the same site as `python -m pipeline site`."""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from pipeline.site import stash  # noqa: E402

log = logging.getLogger("mkdocs.hooks.search")
SEARCH_PAGE = """# 搜索

按词语查找表格、项目（含绩效指标）、数据质量检查结果和情况说明；可按机构、年度、预算或决算、结果类型筛选。

<div id="site-search"></div>
"""


def on_config(config, **kwargs):
    docs = Path(config["docs_dir"])
    nav = docs / ".nav.json"
    if nav.exists():
        config["nav"] = json.loads(nav.read_text(encoding="utf-8"))
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


def on_post_page(output, page, config, **kwargs):
    """Each HTML block the generator kept beside its page back in place (pipeline/site/stash.py)."""
    return stash.restore(output, Path(config["docs_dir"]), page.file.src_uri)


# --- search (issue 15): our own index, see pipeline/search.py -----------------------------------------------
def on_files(files, config, **kwargs):
    from mkdocs.structure.files import File

    if files.get_file_from_path("search.md") is None:
        files.append(File.generated(config, "search.md", content=SEARCH_PAGE))
    return files


def on_post_build(config, **kwargs):
    from pipeline import search

    package = Path(config["docs_dir"]) / "downloads" / "package"
    if not (package / "documents.csv").exists():
        # a bare `mkdocs build` of hand-written pages: there is nothing to index
        log.info("search: no package at %s; the site has no search index", package)
        return
    # each agency's part of the index is kept beside the generated pages, for the next build
    from pipeline.site import SEARCH_CACHE

    n, seconds, problems = search.build(Path(config["site_dir"]), package, Path(config["docs_dir"]) / SEARCH_CACHE)
    for p in problems:
        log.warning(p)
    log.info("search: %d records indexed in %.1f s", n, seconds)
