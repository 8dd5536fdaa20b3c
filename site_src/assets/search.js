// Site search (issue 15). Every page: a search box in the header that leads to the search page, and, when the
// page was reached from a result (?h=words), those words marked in the page. The search page: Pagefind's
// search API (pagefind/pagefind.js, searching in its worker) over the index the build wrote into pagefind/, with
// a query cut into the index's own words, results drawn here, and filters loaded only when opened.
// Addresses are worked out from this script's own, so the site works under any base path.
(function () {
  var me = document.querySelector("script[src*='assets/search.js']");
  if (!me) return;
  var base = new URL("../", new URL(me.src, location.href));
  var bundle = new URL("pagefind/", base);
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

  // --- pieces of the bundle, each fetched once: words/xx.json, agencies/xx.json (xx: the first character's
  // code point modulo 256, as pipeline/search.py:piece writes them) and filters.json
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
  function piece(ch) {
    return (ch.codePointAt(0) % 256).toString(16).padStart(2, "0");
  }

  // --- a query cut into words as the index was: Pagefind's extended build cut the records with jieba's
  // route (the likeliest sequence of dictionary words); the browser's Intl.Segmenter cuts differently (兴|县
  // where the index holds 兴县). So each run of Chinese characters is cut here by the same route over the
  // index's own words and counts (words/xx.json: cost = −ln frequency), and the words reach Pagefind
  // separated by spaces, which its worker keeps (assets/search-words.js).
  var HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{3134f}]+/gu;
  function cut(query) {
    var runs = query.match(HAN) || [];
    var keys = {};
    runs.forEach(function (run) { Array.from(run).forEach(function (ch) { keys[piece(ch)] = 1; }); });
    return Promise.all(Object.keys(keys).map(function (k) { return load("words/" + k + ".json"); }))
      .then(function (pieces) {
        var costs = {}, unknown = 0;
        pieces.forEach(function (p) {
          unknown = Math.max(unknown, p.unknown);
          for (var w in p.words) costs[w] = p.words[w];
        });
        var words = [];
        var rest = query.replace(HAN, function (run) {
          var cutRun = route(Array.from(run), costs, unknown);
          words = words.concat(cutRun);
          return " " + cutRun.join(" ") + " ";
        });
        return { text: rest.replace(/\s+/g, " ").trim(), words: words };
      });
  }
  function route(chars, costs, unknown) {
    // best[i]: the cheapest cut of chars[i:], as jieba's calc (right to left)
    var n = chars.length, best = new Array(n + 1), next = new Array(n);
    best[n] = 0;
    for (var i = n - 1; i >= 0; i--) {
      var w = chars[i], c = (w in costs ? costs[w] : unknown) + best[i + 1];
      best[i] = c;
      next[i] = i + 1;
      for (var j = i + 2; j <= n; j++) {
        w = chars.slice(i, j).join("");
        if (w in costs && costs[w] + best[j] < best[i]) {
          best[i] = costs[w] + best[j];
          next[i] = j;
        }
      }
    }
    var out = [];
    for (i = 0; i < n; i = next[i]) out.push(chars.slice(i, next[i]).join(""));
    return out;
  }
  // --- the words of the query that led here, marked in the page (whole words, as the result matched them)
  function markWords(h) {
    var words = (h || "").split(/\s+/).filter(Boolean);
    var long = words.filter(function (w) { return Array.from(w).length > 1; });
    if (long.length) words = long;   // a lone character only when the query was one
    var root = document.querySelector("article") || document.querySelector(".md-content");
    if (!words.length || !root) return;
    words.sort(function (a, b) { return b.length - a.length; });
    var pattern = new RegExp(words.map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }).join("|"), "gi");
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
    var pagefind = import(new URL("pagefind.js", bundle).href).then(function (pf) {
      return pf.options({ excerptLength: 30 }).then(function () { return pf.init(); })
        .then(function () { return pf; });
    });

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

    var chosen = {};   // Pagefind filter → value
    var shown = 0, results = [], words = [], run = 0;

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
      Promise.all([pagefind, cut(q)]).then(function (got) {
        var pf = got[0], query = got[1];
        if (!query.text) return { results: [] };
        words = query.words.length ? query.words : [query.text];
        return pf.search(query.text, { filters: chosen });
      }).then(function (found) {
        if (mine !== run) return;
        results = found.results;
        list.removeAttribute("aria-busy");
        list.textContent = "";
        shown = 0;
        status.textContent = results.length ? "找到 " + results.length + " 条结果" : "没有找到“" + q + "”";
        page();
      }).catch(function (err) {
        if (mine !== run) return;
        list.removeAttribute("aria-busy");
        status.textContent = "搜索出错：" + err.message;
      });
    }

    function page() {
      var slice = results.slice(shown, shown + PAGE);
      shown += slice.length;
      more.hidden = shown >= results.length;
      slice.forEach(function (r) {
        var li = el("li", "search-result");
        list.appendChild(li);
        r.data().then(function (d) { draw(li, d); });
      });
    }

    function draw(li, d) {
      var link = el("a", "search-result-title", d.meta.title || d.url);
      var url = new URL(d.meta.url || "", base);
      url.search = "?h=" + encodeURIComponent(words.join(" "));
      link.href = url.href;
      li.appendChild(link);
      li.appendChild(excerpt(d.excerpt));
    }

    // Pagefind's excerpt is escaped text with <mark> around the matched words: kept as text and marks only
    function excerpt(html) {
      var t = document.createElement("template"), p = el("p", "search-result-excerpt");
      t.innerHTML = html;
      t.content.childNodes.forEach(function (n) {
        p.appendChild(n.nodeName === "MARK" ? el("mark", null, n.textContent) : document.createTextNode(n.textContent));
      });
      return p;
    }

    // an agency whose name starts with the query, listed above the results (agencies/xx.json)
    function listAgencies(q) {
      agencies.textContent = "";
      if (!q) return;
      load("agencies/" + piece(q) + ".json").then(function (rows) {
        if (input.value.trim() !== q) return;
        rows.filter(function (a) { return a[0].indexOf(q) === 0; }).slice(0, 5).forEach(function (a) {
          var li = el("li"), link = el("a", null, "机构：" + a[0]);
          link.href = new URL(a[1], base).href;
          li.appendChild(link);
          agencies.appendChild(li);
        });
      });
    }

    // filters: nothing is fetched until the reader opens them; the agency is typed (its first character
    // fetches one piece of the list), the rest are chosen from filters.json
    filters.addEventListener("toggle", function once() {
      if (!filters.open) return;
      filters.removeEventListener("toggle", once);
      load("filters.json").then(function (values) {
        ["年度", "类别", "结果类型"].forEach(function (key) {
          var label = el("label", "search-filter", key + " "), select = el("select");
          select.appendChild(el("option", null, "全部")).value = "";
          (values[key] || []).forEach(function (v) { select.appendChild(el("option", null, v)).value = v; });
          select.addEventListener("change", function () {
            if (select.value) chosen[key] = select.value; else delete chosen[key];
            search();
          });
          label.appendChild(select);
          filters.appendChild(label);
        });
        var label = el("label", "search-filter", "机构 "), agency = el("input"), names = el("datalist");
        names.id = "search-agency-names";
        agency.setAttribute("list", names.id);
        agency.placeholder = "输入机构名称的开头";
        var keys = {};   // agency name → its Pagefind filter
        agency.addEventListener("input", function () {
          var q = agency.value.trim();
          Object.keys(chosen).forEach(function (k) { if (k.indexOf("机构") === 0) delete chosen[k]; });
          if (keys[q]) {
            chosen[keys[q]] = q;
            search();
            return;
          }
          if (!q) return search();
          load("agencies/" + piece(q) + ".json").then(function (rows) {
            names.textContent = "";
            rows.filter(function (a) { return a[0].indexOf(q) === 0; }).slice(0, 20).forEach(function (a) {
              keys[a[0]] = a[2];
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
    more.addEventListener("click", page);
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
