/* Copy buttons beside checksums and permanent addresses. Without JavaScript the buttons stay hidden and
   the text is plain, selectable text (a click selects it whole: user-select: all). */
(function () {
  "use strict";

  function select(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function say(message) {
    var status = document.querySelector("[data-integrity-copy-status]");
    if (!status) return;
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function copy(button) {
    var target = document.getElementById(button.getAttribute("data-integrity-copy"));
    if (!target) return;
    var text = target.textContent.trim();
    var status = document.querySelector("[data-integrity-copy-status]");
    var done = (status && status.getAttribute("data-copied")) || "OK";
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { say(done); }, function () { select(target); });
    } else {
      select(target);
      try { if (document.execCommand("copy")) say(done); } catch (error) { /* the text stays selected */ }
    }
  }

  function init() {
    var buttons = document.querySelectorAll("[data-integrity-copy]");
    for (var i = 0; i < buttons.length; i++) buttons[i].hidden = false;
    document.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("[data-integrity-copy]") : null;
      if (button) { event.preventDefault(); copy(button); }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
