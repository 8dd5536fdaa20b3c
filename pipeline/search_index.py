"""The site's search index (issue 15), written by us from the search records (pipeline/search.py), in pieces a
query fetches as it needs them. search.js (site_src/assets) reads it; both sides follow the layout below.

Words. Text is NFKC-normalised and lower-cased, quotation marks dropped. A run of Chinese characters is cut into words by the likeliest
route over jieba's dictionary (jieba's own route, HMM off), with each word's cost an integer,
round(1000·ln(total / frequency)), so that the page, which cuts a query by the same route over the same
integers, cuts it exactly as the index cut the text. A run of ASCII letters and digits is one word (a code such
as 2080199 stays whole); amounts (digits with a decimal point or thousands separator) are not indexed. Besides
each word, a term is each pair of adjacent words in a run ("就业 补助"): a query of several words in one run is
matched as that phrase, and a pair's list is short where each word's is long; and each dictionary word of two
or three characters inside a longer word (jieba's search mode: 中卫 inside 中卫市), which the query, cut as
usual, then finds.

Scores. Each (term, record) gets a BM25 score from the record alone (its full title, which names the agency,
the year and the kind, counted five times; a fixed
average length), quantised to an integer below 1024; the page multiplies by the term's idf, which it computes
from the term's document frequency. Scores do not depend on the rest of the corpus, so an agency's part of
the index is made once and kept until its records (or this code) change.

Records. Numbered agency by agency: record id = agency number · 2^13 + the record's place in its agency, so
that one agency is an id range. A posting is one integer: id · 2^21 + score · 2^11 + facets, facets =
year index · 2^5 + kind · 2^3 + type (indexes into meta.json's lists), so a filter needs no list of its own.

Files (BUNDLE, inside the site):
- meta.json: counts, the facet values, the number of pieces of each kind, the cost of an unknown character;
- words/xx.json: {word: cost} of the words starting with a character whose code point modulo WORD_PIECES is xx;
- terms/xx.json: {term: [df, [best postings], [first id of each overflow chunk], stem]}, xx = fnv1a(term)
  modulo TERM_PIECES; the best INLINE postings by score; the rest in overflow files
  more/<stem>-<n>.json, each CHUNK postings in id order (fetched only for more results or a narrow filter), as
  [[first id, steps between ids], [score · 2^11 + facets]];
- r/<agency>/<n>.json: one record's title, address and text (fetched for the results shown);
- agencies/xx.json: {gram: [count, [[name, address, agency number], ...]]} for every character and every
  pair of characters of each agency's name (at most AGENCY_LIST names per gram), xx = fnv1a(gram) modulo
  AGENCY_PIECES: an agency is found by any part of its name.
The numbers of pieces grow with the index (powers of two sized for a few KB a piece), so a piece stays small.
Every file is canonical JSON (sorted keys, no spaces): the same records give the same bytes."""
from __future__ import annotations

import hashlib
import io
import json
import math
import re
import sys
import unicodedata
from array import array
from collections import defaultdict
from pathlib import Path

from .safepath import write_changed

COST_SCALE = 1000
TITLE_WEIGHT = 5
K1, B, AVG_LENGTH = 1.2, 0.75, 200
SCORE_MAX = 1023
LOCAL_BITS = 13                # records per agency: at most 2^13
INLINE = 256                   # postings kept in a term's piece, best first
CHUNK = 1024                   # postings per overflow file, in id order
AGENCY_LIST = 20
PIECE_BYTES = 8192             # the target size of a piece, which sets how many there are
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_TOKEN = re.compile(rf"([{HAN}]+)|([0-9]+(?:[.,][0-9]+)+)|([a-z0-9]+)")
_PAIR = " "


_QUOTES = str.maketrans("", "", "“”‘’\"'「」『』")


def normal(text: str) -> str:
    """NFKC, lower case, quotation marks dropped (a run goes on through them: "三公"经费 is one run)."""
    return unicodedata.normalize("NFKC", text).lower().translate(_QUOTES)


def fnv1a(text: str) -> int:
    """32-bit FNV-1a over the UTF-8 bytes (search.js computes the same)."""
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


class Cutter:
    """Cuts runs of Chinese characters into words by jieba's route with integer costs. The dictionary is read
    once from jieba's own file (not its cache in the temporary folder), so the cut depends on nothing else."""

    def __init__(self) -> None:
        import jieba

        self._tk = jieba.Tokenizer()
        with self._tk.get_dict_file() as f:
            self._dict = f.read()
        self.version = hashlib.sha256(self._dict).hexdigest()
        self._freq: dict[str, int] | None = None
        self._memo: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._inside: dict[str, list[str]] = {}

    def _load(self) -> None:
        """The dictionary itself, read when the first run is cut (a build whose parts are all kept needs none)."""
        self._freq, total = self._tk.gen_pfdict(io.BytesIO(self._dict))
        self.log_total = math.log(total)
        self.unknown = round(COST_SCALE * self.log_total)

    @property
    def freq(self) -> dict[str, int]:
        if self._freq is None:
            self._load()
        return self._freq

    def cost(self, word: str) -> int:
        return round(COST_SCALE * (self.log_total - math.log(self.freq[word])))

    def run(self, run: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(the run's words, every dictionary word found in it: what the page needs to cut it the same way)."""
        got = self._memo.get(run)
        if got is not None:
            return got
        n, freq = len(run), self.freq
        found: set[str] = set()
        best = [0] * (n + 1)
        nxt = [0] * n
        for i in range(n - 1, -1, -1):
            ch = run[i]
            if freq.get(ch):
                found.add(ch)
                c = self.cost(ch)
            else:
                c = self.unknown
            best[i], nxt[i] = c + best[i + 1], i + 1
            j = i + 2
            frag = run[i:j]
            while j <= n and frag in freq:
                if freq[frag]:
                    found.add(frag)
                    c = self.cost(frag) + best[j]
                    if c <= best[i]:          # ties: the longer word, as jieba's max over (score, end)
                        best[i], nxt[i] = c, j
                j += 1
                frag = run[i:j]
        words, i = [], 0
        while i < n:
            words.append(run[i:nxt[i]])
            i = nxt[i]
        got = self._memo[run] = (tuple(words), tuple(sorted(found)))
        return got

    def inside(self, word: str) -> list[str]:
        """The dictionary words of two and three characters inside a longer word (jieba's search mode): 中卫
        finds 中卫市."""
        got = self._inside.get(word)
        if got is None:
            freq = self.freq
            got = self._inside[word] = [word[i:i + n] for n in (2, 3) if len(word) > n
                                        for i in range(len(word) - n + 1) if freq.get(word[i:i + n])]
        return got

    def terms(self, text: str, found: set[str] | None = None) -> list[str]:
        """The terms of a text, in order: words, and the pairs of adjacent words of each Chinese run."""
        out: list[str] = []
        for han, _amount, word in _TOKEN.findall(normal(text)):
            if han:
                words, cands = self.run(han)
                if found is not None:
                    found.update(cands)
                out.extend(words)
                out.extend(a + _PAIR + b for a, b in zip(words, words[1:]))
                for w in words:
                    if len(w) > 2:
                        out.extend(self.inside(w))
            elif word:
                out.append(word)
        return out


def score(tf_title: int, tf_text: int, length: int) -> int:
    tf = TITLE_WEIGHT * tf_title + tf_text
    s = tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / AVG_LENGTH))
    return max(1, min(SCORE_MAX, round(100 * s)))


class Part:
    """One agency's part of the index: its terms in order, how many postings each has, and the postings
    themselves, one unsigned 32-bit integer each (place in the agency · 2^10 + score); the dictionary words its
    text holds with their costs. Kept as bytes: a JSON head, a newline, the postings' array."""

    def __init__(self, terms: list[str], counts: list[int], postings: array, words: dict[str, int],
                 unknown: int | None) -> None:
        self.terms, self.counts, self.postings, self.words, self.unknown = terms, counts, postings, words, unknown

    def to_bytes(self) -> bytes:
        head = json.dumps({"terms": self.terms, "counts": self.counts, "words": self.words, "unknown": self.unknown},
                          ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
        body = array("I", self.postings)
        if sys.byteorder != "little":
            body.byteswap()
        return head + b"\n" + body.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Part":
        """Raises ValueError on anything but what to_bytes wrote."""
        head, _, body = data.partition(b"\n")
        meta = json.loads(head)
        postings = array("I")
        postings.frombytes(body)
        if sys.byteorder != "little":
            postings.byteswap()
        if len(meta["terms"]) != len(meta["counts"]) or sum(meta["counts"]) != len(postings):
            raise ValueError("a part whose counts do not match its postings")
        # a term is one string however many parts hold it (1,000 parts' lists of their own copies: gigabytes)
        return cls([sys.intern(t) for t in meta["terms"]], meta["counts"], postings, meta["words"], meta["unknown"])


def part(cutter: Cutter, recs: list[dict]) -> Part:
    """One agency's part of the index (see Part): each record's terms from its full title (agency · year kind ·
    type：title) and its text, scored."""
    found: set[str] = set()
    postings: dict[str, list[int]] = defaultdict(list)
    for n, r in enumerate(recs):
        title = cutter.terms(r["meta"]["title"], found)
        text = cutter.terms(r["content"], found)
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for t in title:
            counts[t][0] += 1
        for t in text:
            counts[t][1] += 1
        length = len(title) + len(text)
        for t, (in_title, in_text) in counts.items():
            postings[t].append((n << 10) | score(in_title, in_text, length))
    terms = sorted(postings)
    return Part(terms, [len(postings[t]) for t in terms], array("I", (p for t in terms for p in postings[t])),
                {w: cutter.cost(w) for w in sorted(found)}, cutter.unknown if recs else None)


def pieces_for(total_bytes: int, target: int = PIECE_BYTES) -> int:
    n = 16
    while n * target < total_bytes:
        n *= 2
    return n


def dump(value) -> bytes:
    """Canonical JSON. <, > and & only ever stand in strings, written as escapes: no file of the index holds
    markup from a disclosure, even served as something other than JSON."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode("utf-8")


def stem(term: str) -> str:
    return hashlib.sha1(term.encode("utf-8")).hexdigest()[:12]


_LOW = (1 << 64) - 1


def merge(agencies: list[dict], parts: list[Part], words: dict[str, int], years: list[str], kinds: list[str],
          types: list[str]):
    """The whole index, file by file: yields (path in the bundle, bytes). `agencies`: in id order, each {name,
    url, records} (records as search.py makes them, in the order their part numbered them); `words`: the
    dictionary words of all the parts with their costs."""
    year_ix = {y: i for i, y in enumerate(years)}
    kind_ix = {k: i for i, k in enumerate(kinds)}
    type_ix = {t: i for i, t in enumerate(types)}
    terms: dict[str, array] = {}
    n_records = 0
    for a, (agency, p) in enumerate(zip(agencies, parts)):
        facets = []
        base = a << LOCAL_BITS
        for n, r in enumerate(agency["records"]):
            f = r["filters"]
            facets.append((year_ix[f["年度"][0]] << 5) | (kind_ix[f["类别"][0]] << 3) | type_ix[f["结果类型"][0]])
            yield f"r/{a}/{n}.json", dump({"t": r["meta"]["title"], "u": r["url"], "x": r["content"]})
        n_records += len(agency["records"])
        at, posts = 0, p.postings
        for term, count in zip(p.terms, p.counts):
            got = terms.get(term)
            if got is None:
                got = terms[term] = array("Q")
            got.extend((((base + (v >> 10)) << 21) | ((v & SCORE_MAX) << 11) | facets[v >> 10]) for v in posts[at:at + count])
            at += count

    entries: dict[str, list] = {}
    for term in sorted(terms):
        posts = terms.pop(term)
        # best score first, then id: sorted on one integer key per posting, (1023 - score) · 2^64 + posting
        ranked = [p & _LOW for p in sorted(((SCORE_MAX - ((p >> 11) & SCORE_MAX)) << 64) | p for p in posts)]
        inline = ranked[:INLINE]
        rest = []
        if len(posts) > INLINE:   # the rest in id order (posts are in id order already)
            chosen = set(inline)
            rest = [p for p in posts if p not in chosen]
        firsts = []
        name = stem(term)
        for c in range(0, len(rest), CHUNK):
            chunk = rest[c:c + CHUNK]
            firsts.append(chunk[0] >> 21)
            # [first id, then each id's step from the last], [each posting's score · 2^11 + facets]: in id
            # order the steps are small numbers, about half the bytes of whole postings
            ids = [p >> 21 for p in chunk]
            yield f"more/{name}-{c // CHUNK}.json", dump([[ids[0]] + [b - a for a, b in zip(ids, ids[1:])],
                                                          [p & 0x1FFFFF for p in chunk]])
        entries[term] = [len(posts), inline, firsts, name if firsts else ""]
    term_pieces = pieces_for(sum(len(t.encode()) + 16 * len(e[1]) + 8 * len(e[2]) + 24 for t, e in entries.items()))
    grouped: dict[int, dict] = defaultdict(dict)
    for term, e in entries.items():
        grouped[fnv1a(term) % term_pieces][term] = e
    for i in range(term_pieces):
        yield f"terms/{i:x}.json", dump(grouped.get(i, {}))

    # a query fetches the word pieces of each of its characters: smaller pieces
    word_pieces = pieces_for(sum(len(w.encode()) + 8 for w in words), PIECE_BYTES // 4)
    by_char: dict[int, dict] = defaultdict(dict)
    for w, c in words.items():
        by_char[ord(w[0]) % word_pieces][w] = c
    for i in range(word_pieces):
        yield f"words/{i:x}.json", dump(by_char.get(i, {}))

    grams: dict[str, list] = defaultdict(list)
    for a, agency in enumerate(agencies):
        name = normal(agency["name"])
        chars = list(name)
        for g in sorted(set(chars) | {x + y for x, y in zip(chars, chars[1:])}):
            grams[g].append([agency["name"], agency["url"], a])
    agency_pieces = pieces_for(sum(len(g.encode()) + 60 * min(len(v), AGENCY_LIST) for g, v in grams.items()))
    by_gram: dict[int, dict] = defaultdict(dict)
    for g, v in grams.items():
        v.sort()
        by_gram[fnv1a(g) % agency_pieces][g] = [len(v), v[:AGENCY_LIST]]
    for i in range(agency_pieces):
        yield f"agencies/{i:x}.json", dump(by_gram.get(i, {}))

    unknown = max((p.unknown for p in parts if p.unknown is not None), default=0)
    yield "meta.json", dump({
        "records": n_records, "agencies": len(agencies), "years": years, "kinds": kinds, "types": types,
        "unknown": unknown, "pieces": {"terms": term_pieces, "words": word_pieces, "agencies": agency_pieces},
        "inline": INLINE, "chunk": CHUNK, "local_bits": LOCAL_BITS, "pair": _PAIR,
    })


def write(out: Path, files) -> tuple[int, int, int]:
    """Write `files` ((path, bytes), as merge yields them) into `out`, touching only files whose bytes changed,
    and remove any other file there. Returns (files, files written, files removed)."""
    written = 0
    keep: set[Path] = set()
    for rel, data in files:
        path, changed = write_changed(out, rel, data)
        keep.add(path)
        written += changed
    removed = 0
    for path in sorted(out.resolve().rglob("*"), reverse=True):
        if path.is_file() and path not in keep:
            path.unlink()
            removed += 1
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return len(keep), written, removed
