"""The query set of issue 15: what a reader types, and what they expect on top. The top result is a hit when
its address is where the word belongs, its title or its excerpt holds the word (quotation marks aside), and
no highlight marks a lone character of the word (the old search marked 补 for 就业补助, 中 for 中卫). Shared by
tests/test_search.py and the before/after measurement, so both count the same way."""
from __future__ import annotations

from dataclasses import dataclass


# the pages of a document: its agency's overview, its tables and its projects (not the site-wide lists)
DOC_PAGES = ("/agency/", "/tables/", "/projects/")


@dataclass(frozen=True)
class Query:
    text: str
    expect_word: str          # the word the top result must contain whole
    expect_url: tuple[str, ...] = ()  # the top result's address holds one of these (() = any page)
    why: str = ""
    known_miss: str = ""      # why the top result is still not a hit (reported, not asserted)
    words: tuple[str, ...] = ()  # how the query must be cut (as the index cut it); () = not checked


QUERIES = (
    Query("三公经费", "三公", DOC_PAGES, "a 三公 table or explanation on an agency page"),
    Query("社会保险", "社会保险", DOC_PAGES, "a project or table line on 社会保险"),
    Query("就业补助", "就业补助", DOC_PAGES, "the 就业补助 projects, not every 补"),
    Query("培训", "培训", DOC_PAGES, "a training project"),
    Query("中卫", "中卫", ("/zhong-wei-",), "the 中卫 agency, not the data dictionary"),
    Query("兴县", "兴县", ("/xing-xian-",), "the 兴县 agency; the browser's Intl.Segmenter cuts 兴|县, the index 兴县",
          words=("兴县",)),
    Query("人才", "人才", DOC_PAGES, "a passage on 人才"),
    Query("养老", "养老", DOC_PAGES, "the pension project or line"),
    Query("工伤认定工作经费", "工伤认定工作经费", DOC_PAGES, "a project by its name"),
    Query("2080199", "2080199", DOC_PAGES, "a table row by its functional code"),
    # beyond the issue's ten: a query of several words, an agency's full name, two words with a space
    Query("职业技能培训", "职业技能培训", DOC_PAGES, "the training projects, cut 职业技能|培训 (jieba's route)",
          words=("职业技能", "培训")),
    Query("兴县人力资源和社会保障局", "兴县人力资源和社会保障局", ("/xing-xian-",), "the agency by its full name"),
    Query("中卫 养老", "中卫", ("/zhong-wei-",), "a word and a place: 中卫's pension lines", words=("中卫", "养老")),
)

ISSUE_QUERIES = 10   # the first ten are the issue's own set


QUOTES = str.maketrans("", "", "“”\"'‘’「」")


def is_hit(q: Query, href: str, title: str, excerpt: str, marks: list[str], index_words: tuple[str, ...] = ()) -> bool:
    """`index_words`: the query as the index cuts it; a mark of one character is a lone character unless the
    index holds that character as a word of the query (和 in 兴县人力资源和社会保障局)."""
    word = q.expect_word
    found = word in title.translate(QUOTES) or word in excerpt.translate(QUOTES)
    lone = [m for m in marks if len(m.strip()) == 1 and m.strip() in word and len(word) > 1
            and m.strip() not in index_words]
    return found and not lone and (not q.expect_url or any(u in href for u in q.expect_url))
