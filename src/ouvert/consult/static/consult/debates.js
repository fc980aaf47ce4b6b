/* Debates: the forms of the « Pour » and « Contre » columns (reply, vote, edit, report) are sent as plain
   forms, the page coming back with both columns: the in-place refresh of the comments script would
   redraw a column with the arguments of both sides.

   Draft texts: « Commenter ce paragraphe » opens the paragraph's comments in place, beside it (or below
   it on narrow screens), instead of reloading the page. Without this script the link reloads the page
   with ?paragraphe=<position>, which shows the same comments at the same place. */
(function () {
  "use strict";

  function close(link, container) {
    container.hidden = true;
    container.innerHTML = "";
    link.setAttribute("aria-expanded", "false");
    var row = link.closest(".draft-paragraph");
    if (row) { row.classList.remove("draft-paragraph--open"); }
  }

  function open(link, container) {
    var position = link.getAttribute("data-position");
    link.setAttribute("aria-busy", "true");
    fetch(link.getAttribute("data-fragment"), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        link.removeAttribute("aria-busy");
        container.innerHTML = html;
        container.hidden = false;
        link.setAttribute("aria-expanded", "true");
        var row = link.closest(".draft-paragraph");
        if (row) { row.classList.add("draft-paragraph--open"); }
        if (window.htmx) { window.htmx.process(container); }
        var url = new URL(window.location.href);
        url.searchParams.set("paragraphe", position);
        url.hash = "p-" + position;
        window.history.replaceState(null, "", url.toString());
        var title = container.querySelector("#fil-" + position + "-titre");
        if (title) { title.setAttribute("tabindex", "-1"); title.focus(); }
      })
      .catch(function () { window.location.href = link.href; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.closest && form.closest(".debate-column")) { form.removeAttribute("data-comments-form"); }
  }, true);

  document.addEventListener("click", function (event) {
    var closer = event.target.closest ? event.target.closest("[data-draft-close]") : null;
    if (closer) {
      var position = closer.getAttribute("data-draft-close");
      var owner = document.querySelector('.draft-comment-link[data-position="' + position + '"]');
      var box = document.getElementById("fil-" + position);
      if (owner && box) {
        event.preventDefault();
        close(owner, box);
        owner.focus();
      }
      return;
    }
    var link = event.target.closest ? event.target.closest(".draft-comment-link[data-fragment]") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    var container = document.getElementById(link.getAttribute("aria-controls"));
    if (!container || !window.fetch) { return; }
    event.preventDefault();
    if (link.getAttribute("aria-expanded") === "true") { close(link, container); } else { open(link, container); }
  });
})();
