/* Filters for the data-quality page: our own few lines, no library. */
(function () {
  function setup() {
    var box = document.getElementById("finding-filters");
    if (!box) return;
    var doc = document.getElementById("filter-doc");
    var sev = document.getElementById("filter-severity");
    var count = document.getElementById("filter-count");
    var rows = document.querySelectorAll("table.findings tbody tr");
    box.hidden = false;
    function apply() {
      var shown = 0;
      rows.forEach(function (tr) {
        var ok = (!doc.value || tr.getAttribute("data-doc") === doc.value) &&
                 (!sev.value || tr.getAttribute("data-severity") === sev.value);
        tr.hidden = !ok;
        if (ok) shown += 1;
      });
      count.textContent = "显示 " + shown + " / " + rows.length + " 条";
    }
    doc.addEventListener("change", apply);
    sev.addEventListener("change", apply);
    apply();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
