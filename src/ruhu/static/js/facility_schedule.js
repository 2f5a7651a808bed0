/* The facility schedule's "select all" box and the "已选 N 个设施" count of ticked rows
 * (loaded only for those who may assign check tasks). A file, not an inline script: the
 * Content-Security-Policy runs no inline code. */
(function () {
  "use strict";

  function boxes() {
    return Array.prototype.slice.call(
      document.querySelectorAll('input[name="facility"][form="assign-form"]'));
  }

  function start() {
    var all = document.querySelector("[data-select-all]");
    var picked = document.querySelector("[data-picked]");
    var label = picked ? picked.textContent : "";
    var count = function () {
      var n = boxes().filter(function (box) { return box.checked; }).length;
      if (picked) picked.textContent = label.replace(/\d+/, String(n));
      if (all) all.checked = n > 0 && n === boxes().length;
    };
    if (all) {
      all.addEventListener("change", function () {
        boxes().forEach(function (box) { box.checked = all.checked; });
        count();
      });
    }
    boxes().forEach(function (box) { box.addEventListener("change", count); });
    count();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
