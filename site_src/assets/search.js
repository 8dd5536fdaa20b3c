// Site search (issue 15). Every page: a search box in the header that leads to the search page, and, when the
// page was reached from a result (?h=words), those words marked in the page. The search page: the index the
// build wrote into search-index/ (pipeline/search_index.py describes its files), read in pieces as a query
// needs them; results drawn here, as text (never as HTML). Addresses are worked out from this script's own,
// so the site works under any base path.
(function () {
  var me = document.querySelector("script[src*='assets/search.js']");
  if (!me) return;
  var base = new URL("../", new URL(me.src, location.href));
  var bundle = new URL("search-index/", base);
  var PAGE = 10;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function headerBox() {
    var header = document.querySelector(".md-header__inner");
    if (!header || header.querySelector(".site-search-form")) return;
    var form = el("form", "site-search-form");
    form.setAttribute("role", "search");
    form.action = new URL("search/", base).href;
    var input = el("input");
    input.type = "search";
    input.name = "q";
    input.placeholder = "搜索";
    input.setAttribute("aria-label", "搜索");
    form.appendChild(input);
    header.insertBefore(form, header.querySelector(".md-header__source"));
  }

  // --- pieces of the index, each fetched once
  var fetched = {};
  function load(path) {
    if (!fetched[path]) {
      fetched[path] = fetch(new URL(path, bundle).href).then(function (r) {
        if (!r.ok) throw new Error(path + ": " + r.status);
        return r.json();
      });
    }
    return fetched[path];
  }
  function meta() { return load("meta.json"); }
  function fnv1a(text) {   // as pipeline/search_index.py:fnv1a, over the UTF-8 bytes
    var h = 0x811c9dc5, bytes = new TextEncoder().encode(text);
    for (var i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
    return h;
  }
  function hashed(kind, key, m) { return kind + "/" + (fnv1a(key) % m.pieces[kind]).toString(16) + ".json"; }

  // --- a query cut into words exactly as the index cut its text: NFKC, lower case; a run of Chinese
  // characters (quotation marks dropped) by the likeliest route over the index's words with their integer costs (words/xx.json,
  // pieces by first character); a run of ASCII letters and digits whole; amounts left out, as in the index.
  var TOKEN = /([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{3134f}]+)|([0-9]+(?:[.,][0-9]+)+)|([a-z0-9]+)/gu;
  function normal(text) { return text.normalize("NFKC").toLowerCase().replace(/[“”‘’"'「」『』]/g, ""); }
  function cut(query) {
    return meta().then(function (m) {
      var text = normal(query), runs = [], m2;
      TOKEN.lastIndex = 0;
      while ((m2 = TOKEN.exec(text))) {
        if (m2[1]) runs.push({ han: m2[1] });
        else if (m2[3]) runs.push({ word: m2[3] });
      }
      var keys = {};
      runs.forEach(function (r) {
        if (r.han) Array.from(r.han).forEach(function (ch) {
          keys["words/" + (ch.codePointAt(0) % m.pieces.words).toString(16) + ".json"] = 1;
        });
      });
      return Promise.all(Object.keys(keys).map(load)).then(function (pieces) {
        var costs = {};
        pieces.forEach(function (p) { for (var w in p) costs[w] = p[w]; });
        var words = [], terms = [];
        runs.forEach(function (r) {
          if (!r.han) {
            words.push(r.word);
            terms.push(r.word);
            return;
          }
          var ws = route(Array.from(r.han), costs, m.unknown);
          words = words.concat(ws);
          // a run of several words is matched as a phrase: its pairs of adjacent words, as the index holds them
          if (ws.length === 1) terms.push(ws[0]);
          for (var i = 0; i + 1 < ws.length; i++) terms.push(ws[i] + m.pair + ws[i + 1]);
        });
        return { words: words, terms: terms.filter(function (t, i) { return terms.indexOf(t) === i; }) };
      });
    });
  }
  function route(chars, costs, unknown) {
    // best[i]: the cheapest cut of chars[i:], right to left; ties go to the longer word (as the index's cut)
    var n = chars.length, best = new Array(n + 1), next = new Array(n);
    best[n] = 0;
    for (var i = n - 1; i >= 0; i--) {
      best[i] = (chars[i] in costs ? costs[chars[i]] : unknown) + best[i + 1];
      next[i] = i + 1;
      var w = chars[i];
      for (var j = i + 2; j <= n; j++) {
        w += chars[j - 1];
        if (w in costs && costs[w] + best[j] <= best[i]) {
          best[i] = costs[w] + best[j];
          next[i] = j;
        }
      }
    }
    var out = [];
    for (i = 0; i < n; i = next[i]) out.push(chars.slice(i, next[i]).join(""));
    return out;
  }

  // --- postings: one integer each, id · 2^21 + score · 2^11 + facets (year · 2^5 + kind · 2^3 + type)
  var ID = 2097152, SCORE = 2048;
  function postingId(p) { return Math.floor(p / ID); }
  function postingScore(p) { return Math.floor((p % ID) / SCORE); }
  function facets(p) { var f = p % SCORE; return { year: f >> 5, kind: (f >> 3) & 3, type: f & 7 }; }

  // One search: the terms' entries (terms/xx.json), AND over them. Candidates come from the rarest term:
  // its best postings first, then its overflow files in id order (only those an agency filter overlaps),
  // each file's results ranked among themselves. Every other term is looked up in its best postings and,
  // when its list goes on, in the one overflow file that covers the candidate's id.
  function Search(m, entries, filter) {
    this.m = m;
    this.filter = filter;
    this.terms = entries.map(function (e) {
      var inline = {};
      e.entry[1].forEach(function (p) { inline[postingId(p)] = postingScore(p); });
      return { term: e.term, df: e.entry[0], best: e.entry[1], firsts: e.entry[2], stem: e.entry[3], inline: inline,
               idf: Math.log(1 + (m.records - e.entry[0] + 0.5) / (e.entry[0] + 0.5)) };
    }).sort(function (a, b) { return a.df - b.df || (a.term < b.term ? -1 : 1); });
    var lo = 0, hi = Infinity, d = this.terms[0];
    if (filter.agency != null) {
      lo = filter.agency * Math.pow(2, m.local_bits);
      hi = lo + Math.pow(2, m.local_bits);
    }
    this.lo = lo;
    this.hi = hi;
    this.sources = [d.best];
    for (var c = 0; c < d.firsts.length; c++) {
      var end = c + 1 < d.firsts.length ? d.firsts[c + 1] : Infinity;
      if (d.firsts[c] < hi && end > lo) this.sources.push(c);   // chunk c holds ids in [firsts[c], end)
    }
    this.found = [];
    this.next = 0;
  }
  Search.prototype.exact = function () { return this.next >= this.sources.length; };
  Search.prototype.chunk = function (t, c) {   // an overflow file's postings: [[first id, steps], [low parts]]
    return load("more/" + t.stem + "-" + c + ".json").then(function (f) {
      var id = 0;
      return f[0].map(function (step, i) { id += step; return id * ID + f[1][i]; });
    });
  };
  Search.prototype.keep = function (p) {
    var id = postingId(p), f = facets(p), want = this.filter;
    return id >= this.lo && id < this.hi && (want.year == null || f.year === want.year) &&
      (want.kind == null || f.kind === want.kind) && (want.type == null || f.type === want.type);
  };
  Search.prototype.step = function () {
    var self = this, source = this.sources[this.next++], driver = this.terms[0];
    var got = typeof source === "number" ? this.chunk(driver, source) : Promise.resolve(source);
    return got.then(function (postings) {
      var seen = {}, cands = postings.filter(function (p) {
        var id = postingId(p);
        if (seen[id] || (typeof source === "number" && id in driver.inline)) return false;
        seen[id] = 1;
        return self.keep(p);
      });
      var needs = [];   // overflow files of the other terms that the candidates need, each read once
      self.terms.slice(1).forEach(function (t) {
        t.more = t.more || {};
        t.read = t.read || {};
        cands.forEach(function (p) {
          var id = postingId(p), c = t.firsts.length ? locate(t.firsts, id) : -1;
          if (id in t.inline || c < 0 || t.read[c]) return;
          t.read[c] = 1;
          needs.push(self.chunk(t, c).then(function (more) {
            more.forEach(function (q) { t.more[postingId(q)] = postingScore(q); });
          }));
        });
      });
      return Promise.all(needs).then(function () {
        var batch = [];
        cands.forEach(function (p) {
          var id = postingId(p), score = driver.idf * postingScore(p);
          for (var i = 1; i < self.terms.length; i++) {
            var t = self.terms[i], s = id in t.inline ? t.inline[id] : t.more[id];
            if (!s) return;
            score += t.idf * s;
          }
          batch.push({ id: id, score: score });
        });
        batch.sort(function (a, b) { return b.score - a.score || a.id - b.id; });
        self.found = self.found.concat(batch);
      });
    });
  };
  Search.prototype.fill = function (want) {
    var self = this;
    if (this.found.length >= want || this.exact()) return Promise.resolve(this);
    return this.step().then(function () { return self.fill(want); });
  };
  function locate(firsts, id) {   // the overflow file covering id: the last whose first id ≤ id
    var c = -1;
    for (var i = 0; i < firsts.length && firsts[i] <= id; i++) c = i;
    return c;
  }
  function record(m, id) {
    var a = Math.floor(id / Math.pow(2, m.local_bits)), n = id - a * Math.pow(2, m.local_bits);
    return load("r/" + a + "/" + n + ".json");
  }

  // --- agencies by any part of their name: each character and each pair of characters of a name is a key of
  // agencies/xx.json; the query's rarest pair (of its first, middle and last) gives the candidates
  function agenciesNamed(q, limit) {
    q = q.normalize("NFKC").toLowerCase();
    var chars = Array.from(q);
    if (!chars.length) return Promise.resolve([]);
    var last = chars.length - 2;
    var grams = last < 0 ? [q] : [0, last >> 1, last].filter(function (i, k, all) { return all.indexOf(i) === k; })
      .map(function (i) { return chars[i] + chars[i + 1]; });
    return meta().then(function (m) {
      return Promise.all(grams.map(function (g) {
        return load(hashed("agencies", g, m)).then(function (p) { return p[g] || [0, []]; });
      }));
    }).then(function (lists) {
      lists.sort(function (a, b) { return a[0] - b[0]; });
      return lists[0][1].filter(function (a) { return a[0].normalize("NFKC").toLowerCase().indexOf(q) >= 0; })
        .slice(0, limit);
    });
  }

  // --- the words of the query that led here, marked in the page (whole words, as the result matched them)
  // the words as one pattern, longest first; a lone character only when the query was one (和 in a name
  // would otherwise be marked all over the page)
  function wordPattern(words) {
    var long = words.filter(function (w) { return Array.from(w).length > 1; });
    words = (long.length ? long : words).slice().sort(function (a, b) { return b.length - a.length; });
    if (!words.length) return null;
    return new RegExp(words.map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }).join("|"), "gi");
  }
  function markWords(h) {
    var pattern = wordPattern((h || "").split(/\s+/).filter(Boolean));
    var root = document.querySelector("article") || document.querySelector(".md-content");
    if (!pattern || !root) return;
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: function (n) {
        return n.parentNode.closest("script, style, mark") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      },
    });
    var nodes = [], n;
    while ((n = walker.nextNode())) {
      pattern.lastIndex = 0;
      if (pattern.test(n.data)) nodes.push(n);
    }
    var marked = 0;
    nodes.forEach(function (node) {
      if (marked >= 2000) return;   // a word on every line of a long table: enough to see
      var text = node.data, frag = document.createDocumentFragment(), last = 0, m;
      pattern.lastIndex = 0;
      while ((m = pattern.exec(text))) {
        frag.appendChild(document.createTextNode(text.slice(last, m.index)));
        frag.appendChild(el("mark", "search-hit", m[0]));
        last = m.index + m[0].length;
        marked++;
      }
      frag.appendChild(document.createTextNode(text.slice(last)));
      node.parentNode.replaceChild(frag, node);
    });
  }

  // --- the search page
  function searchPage(box) {
    window.siteSearch = { cut: cut };   // how this page cuts a query (tests/test_search.py compares it)

    var form = el("form", "search-form");
    form.setAttribute("role", "search");
    var input = el("input");
    input.type = "search";
    input.name = "q";
    input.placeholder = "搜索：词语、项目名称、科目编码";
    input.setAttribute("aria-label", "搜索");
    input.autocomplete = "off";
    form.appendChild(input);
    var filters = el("details", "search-filters");
    filters.appendChild(el("summary", null, "筛选：机构、年度、预算或决算、结果类型"));
    var agencies = el("ul", "site-search-agencies");
    var status = el("p", "search-status");
    status.setAttribute("aria-live", "polite");
    var list = el("ol", "search-results");
    var more = el("button", "search-more md-button", "更多结果");
    more.type = "button";
    more.hidden = true;
    [form, filters, agencies, status, list, more].forEach(function (e) { box.appendChild(e); });

    var filter = {};   // year, kind, type: indexes into meta.json's lists; agency: its number
    var current = null, shown = 0, words = [], run = 0;

    function search() {
      var q = input.value.trim(), mine = ++run;
      history.replaceState(null, "", q ? "?q=" + encodeURIComponent(q) : location.pathname);
      listAgencies(q);
      if (!q) {
        list.textContent = status.textContent = "";
        list.removeAttribute("aria-busy");
        more.hidden = true;
        return;
      }
      status.textContent = "正在搜索……";
      list.setAttribute("aria-busy", "true");   // the results shown are the last search's until this one ends
      Promise.all([meta(), cut(q)]).then(function (got) {
        var m = got[0], query = got[1];
        words = query.words;
        if (!query.terms.length) return null;
        return Promise.all(query.terms.map(function (t) {
          return load(hashed("terms", t, m)).then(function (p) { return { term: t, entry: p[t] }; });
        })).then(function (entries) {
          if (entries.some(function (e) { return !e.entry; })) return null;   // a word the index lacks
          return new Search(m, entries, Object.assign({}, filter)).fill(PAGE);
        });
      }).then(function (found) {
        if (mine !== run) return;
        current = found;
        list.removeAttribute("aria-busy");
        list.textContent = "";
        shown = 0;
        return page(mine);
      }).catch(function (err) {
        if (mine !== run) return;
        list.removeAttribute("aria-busy");
        status.textContent = "搜索出错：" + err.message;
      });
    }

    function count() {
      var s = current, n = s ? s.found.length : 0;
      if (!s || s.exact()) return n ? "找到 " + n + " 条结果" : "没有找到“" + input.value.trim() + "”";
      var single = s.terms.length === 1 && s.lo === 0 && s.hi === Infinity && s.filter.year == null &&
        s.filter.kind == null && s.filter.type == null;
      return single ? "找到 " + s.terms[0].df + " 条结果" : "找到 " + n + " 条以上结果";
    }

    function page(mine) {
      var s = current;
      if (!s) {
        status.textContent = count();
        more.hidden = true;
        return;
      }
      return s.fill(shown + PAGE).then(function () {
        if (mine !== run) return;
        var slice = s.found.slice(shown, shown + PAGE);
        shown += slice.length;
        more.hidden = shown >= s.found.length && s.exact();
        status.textContent = count();
        slice.forEach(function (r) {
          var li = el("li", "search-result");
          list.appendChild(li);
          record(s.m, r.id).then(function (d) { draw(li, d); });
        });
      });
    }

    function draw(li, d) {
      var link = el("a", "search-result-title", d.t || d.u);
      var url = new URL(d.u || "", base);
      url.search = "?h=" + encodeURIComponent(words.join(" "));
      link.href = url.href;
      li.appendChild(link);
      li.appendChild(excerpt(d.x || ""));
    }

    // a window of the record's text around the first of the query's words, each word marked whole
    function excerpt(text) {
      var p = el("p", "search-result-excerpt"), pattern = wordPattern(words);
      var at = pattern ? text.search(pattern) : -1, from = Math.max(0, at - 30), chars = Array.from(text.slice(from));
      var part = chars.slice(0, 120).join("");
      if (from > 0) p.appendChild(document.createTextNode("…"));
      var last = 0, m2;
      if (pattern) {
        pattern.lastIndex = 0;
        while ((m2 = pattern.exec(part))) {
          p.appendChild(document.createTextNode(part.slice(last, m2.index)));
          p.appendChild(el("mark", null, m2[0]));
          last = m2.index + m2[0].length;
        }
      }
      p.appendChild(document.createTextNode(part.slice(last) + (chars.length > 120 ? "…" : "")));
      return p;
    }

    // agencies whose name holds the query, listed above the results
    function listAgencies(q) {
      agencies.textContent = "";
      if (!q) return;
      agenciesNamed(q, 5).then(function (rows) {
        if (input.value.trim() !== q) return;
        rows.forEach(function (a) {
          var li = el("li"), link = el("a", null, "机构：" + a[0]);
          link.href = new URL(a[1], base).href;
          li.appendChild(link);
          agencies.appendChild(li);
        });
      });
    }

    // filters: year, kind and type from meta.json (already loaded by a query); the agency is typed, and any
    // part of its name offers it (agencies/xx.json)
    filters.addEventListener("toggle", function once() {
      if (!filters.open) return;
      filters.removeEventListener("toggle", once);
      meta().then(function (m) {
        [["年度", "year", m.years.slice().reverse()], ["类别", "kind", m.kinds], ["结果类型", "type", m.types]].forEach(function (f) {
          var label = el("label", "search-filter", f[0] + " "), select = el("select"), values = m[f[1] + "s"];
          select.appendChild(el("option", null, "全部")).value = "";
          f[2].forEach(function (v) { select.appendChild(el("option", null, v)).value = v; });
          select.addEventListener("change", function () {
            if (select.value) filter[f[1]] = values.indexOf(select.value); else delete filter[f[1]];
            search();
          });
          label.appendChild(select);
          filters.appendChild(label);
        });
        var label = el("label", "search-filter", "机构 "), agency = el("input"), names = el("datalist");
        names.id = "search-agency-names";
        agency.setAttribute("list", names.id);
        agency.placeholder = "输入机构名称中的字词";
        var known = {};   // agency name → its number
        agency.addEventListener("input", function () {
          var q = agency.value.trim();
          delete filter.agency;
          if (q in known) {
            filter.agency = known[q];
            return search();
          }
          if (!q) return search();
          agenciesNamed(q, 20).then(function (rows) {
            names.textContent = "";
            rows.forEach(function (a) {
              known[a[0]] = a[2];
              names.appendChild(el("option")).value = a[0];
            });
          });
        });
        label.appendChild(agency);
        label.appendChild(names);
        filters.appendChild(label);
      });
    });

    var timer;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      clearTimeout(timer);
      search();
    });
    more.addEventListener("click", function () { page(run); });
    var q = new URLSearchParams(location.search).get("q");
    if (q) {
      input.value = q;
      search();
    }
  }

  headerBox();
  markWords(new URLSearchParams(location.search).get("h"));
  var box = document.getElementById("site-search");
  if (box) searchPage(box);
})();
