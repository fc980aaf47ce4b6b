/*
 * Datastore pages, progressive enhancement only (everything works without it):
 * - the chart builder hides the choices the chosen chart type does not use;
 * - « Copier » buttons (data-copy="#id") copy a field's text and say so;
 * - buttons with data-confirm ask before submitting;
 * - after htmx replaces the table (paging, sorting), focus goes to its summary line, so that
 *   keyboard and screen-reader users are not left at the top of the page.
 */
(function () {
  "use strict";

  var USED = {
    bar: ["x", "aggregate", "y", "color", "time_unit"],
    line: ["x", "aggregate", "y", "color", "time_unit"],
    area: ["x", "aggregate", "y", "color", "time_unit"],
    scatter: ["x", "y", "color"],
    histogram: ["x", "bins"],
    map: ["color"]
  };

  function builder(root) {
    var form = (root || document).querySelector ? (root || document).querySelector("#graphique-form") : null;
    if (!form || form.getAttribute("data-enhanced")) return;
    form.setAttribute("data-enhanced", "1");
    var type = form.querySelector("[name='g-type']");
    if (!type) return;
    function update() {
      var used = USED[type.value] || [];
      ["x", "aggregate", "y", "color", "time_unit", "bins"].forEach(function (name) {
        var input = form.querySelector("[name='g-" + name + "']");
        if (!input) return;
        var wrapper = input.closest(".catalog-field");
        if (wrapper) wrapper.hidden = used.indexOf(name) === -1;
      });
    }
    type.addEventListener("change", update);
    update();
  }

  function copy(button) {
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target) return;
    var status = document.querySelector("[data-copy-status]");
    var done = function () { if (status) status.textContent = button.getAttribute("data-copied") || (document.documentElement.lang.indexOf("en") === 0 ? "Copied." : "Copié."); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(target.value).then(done, function () { target.select(); });
    } else {
      target.select();
      try { document.execCommand("copy"); done(); } catch (error) { /* the text stays selected */ }
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (button) { event.preventDefault(); copy(button); return; }
    var confirmable = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (confirmable && !window.confirm(confirmable.getAttribute("data-confirm"))) event.preventDefault();
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target) return;
    builder(document);
    if (target.id === "tableau-zone") {
      var summary = document.getElementById("tableau-resume");
      if (summary) {
        summary.setAttribute("tabindex", "-1");
        summary.focus({ preventScroll: true });
      }
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { builder(document); });
  } else {
    builder(document);
  }
})();
