// Loaded by Pagefind's worker (pipeline/search.py writes pagefind/pagefind-worker.js to load this file, then
// Pagefind's own worker). Pagefind cuts a Chinese query again with Intl.Segmenter, which cuts differently from
// the index (兴|县 where the index holds 兴县); the search page has already cut the query into the index's own
// words, separated by spaces (assets/search.js), so in the worker the word granularity splits at spaces only.
// Every other granularity is the browser's own.
(function (scope) {
  var Native = scope.Intl && scope.Intl.Segmenter;
  if (!Native || Native.keepsWords) return;
  var Segmenter = function (locale, options) {
    if (!options || options.granularity !== "word") return new Native(locale, options);
    return {
      segment: function (text) {
        return String(text).split(/(\s+)/).filter(Boolean).map(function (s, i) {
          return { segment: s, index: i, isWordLike: !/^\s+$/.test(s) };
        });
      },
    };
  };
  Segmenter.keepsWords = true;
  Segmenter.supportedLocalesOf = Native.supportedLocalesOf;
  scope.Intl.Segmenter = Segmenter;
})(self);
