// The teaching section's code blocks: a « Copier le code » button (a real <button>, so Enter and Space
// work) copies the block's text; a polite live region says it was copied.
(function () {
  "use strict";
  function announce(button, text) {
    var region = document.getElementById("copie-annonce");
    if (!region) {
      region = document.createElement("p");
      region.id = "copie-annonce";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      document.body.appendChild(region);
    }
    region.textContent = text;
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.textContent = text;
    window.setTimeout(function () { button.textContent = label; }, 2500);
  }
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-copy-target]") : null;
    if (!button) { return; }
    var block = document.getElementById(button.getAttribute("data-copy-target"));
    if (!block) { return; }
    var text = block.innerText.replace(/\n$/, "");
    var done = function () { button.setAttribute("data-copied-text", "1"); announce(button, button.getAttribute("data-copied")); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { if (fallbackCopy(text)) { done(); } });
    } else if (fallbackCopy(text)) {
      done();
    }
  });
})();
