/* Client-side filters (the agency index, the data-quality page): our own few lines, no library.
   A box `.filters[data-filter-for=ID]` holds <select data-key=K>; each row of the table(s) inside element ID
   carries data-K (several values separated by "|"); a row shows when every chosen value is among its own. */
(function () {
  function setup(box) {
    var scope = document.getElementById(box.getAttribute("data-filter-for"));
    if (!scope) return;
    var selects = box.querySelectorAll("select[data-key]");
    var count = box.querySelector(".filter-count");
    var rows = scope.matches("table") ? scope.querySelectorAll("tbody tr") : scope.querySelectorAll("table tbody tr");
    box.hidden = false;
    function apply() {
      var shown = 0;
      rows.forEach(function (tr) {
        var ok = true;
        selects.forEach(function (s) {
          if (s.value && (tr.getAttribute("data-" + s.getAttribute("data-key")) || "").split("|").indexOf(s.value) < 0) ok = false;
        });
        tr.hidden = !ok;
        if (ok) shown += 1;
      });
      if (count) count.textContent = "显示 " + shown + " / " + rows.length + " 条";
    }
    selects.forEach(function (s) { s.addEventListener("change", apply); });
    apply();
  }
  function init() { document.querySelectorAll(".filters[data-filter-for]").forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
