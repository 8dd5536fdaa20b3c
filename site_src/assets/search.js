// Site search (issue 15): a search box in the header on every page sends the query to the search page, which
// runs Pagefind's own interface over the index in pagefind/ (written by the build, loaded in pieces as the
// query needs them). Addresses are worked out from this script's own, so the site works under any base path.
(function () {
  var me = document.querySelector("script[src*='assets/search.js']");
  if (!me) return;
  var base = new URL("../", new URL(me.src, location.href));
  var header = document.querySelector(".md-header__inner");
  if (header && !header.querySelector(".site-search-form")) {
    var form = document.createElement("form");
    form.className = "site-search-form";
    form.setAttribute("role", "search");
    form.action = new URL("search/", base).href;
    var input = document.createElement("input");
    input.type = "search";
    input.name = "q";
    input.placeholder = "搜索";
    input.setAttribute("aria-label", "搜索");
    form.appendChild(input);
    header.insertBefore(form, header.querySelector(".md-header__source"));
  }
  var box = document.getElementById("site-search");
  if (!box) return;
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = new URL("pagefind/pagefind-ui.css", base).href;
  document.head.appendChild(css);
  var js = document.createElement("script");
  js.src = new URL("pagefind/pagefind-ui.js", base).href;
  js.onload = function () {
    var ui = new PagefindUI({
      element: "#site-search",
      bundlePath: new URL("pagefind/", base).pathname,
      showSubResults: false,
      showImages: false,
      excerptLength: 40,
      pageSize: 10,
      translations: { placeholder: "搜索：词语、项目名称、科目编码", zero_results: "没有找到 [SEARCH_TERM]" },
      // each record carries its place on the site; the record page Pagefind indexed is never published
      processResult: function (r) {
        if (r.meta && r.meta.url) r.url = r.meta.url = new URL(r.meta.url, base).href;
        return r;
      },
    });
    var q = new URLSearchParams(location.search).get("q");
    if (q) ui.triggerSearch(q);
    agencies(box);
  };
  document.head.appendChild(js);

  // Agencies whose name holds the query, listed above the results (the index's own segmentation may split
  // a name the query gives whole); the list is fetched once, when the search page opens.
  function agencies(box) {
    var list = document.createElement("ul");
    list.className = "site-search-agencies";
    box.parentNode.insertBefore(list, box);
    fetch(new URL("pagefind/agencies.json", base).href).then(function (r) { return r.json(); }).then(function (all) {
      var input = box.querySelector("input");
      function show() {
        var q = (input.value || "").trim();
        list.textContent = "";
        if (!q) return;
        all.filter(function (a) { return a.name.indexOf(q) >= 0; }).slice(0, 5).forEach(function (a) {
          var li = document.createElement("li"), link = document.createElement("a");
          link.href = new URL(a.url, base).href;
          link.textContent = "机构：" + a.name;
          li.appendChild(link);
          list.appendChild(li);
        });
      }
      input.addEventListener("input", show);
      show();
    });
  }
})();
