/* Comments: send the forms in place (no page reload), keep the thread up to date, announce the result.
   Without this script every form still works (POST, then back to the page). */
(function () {
  "use strict";
  if (window.ouvertComments) { return; }
  window.ouvertComments = true;

  function statusOf(el) {
    var thread = el.closest("[data-comments-thread]");
    return thread ? thread.querySelector("[data-comments-status]") : null;
  }

  function showErrors(form, errors) {
    var box = form.querySelector("[data-comments-errors]");
    if (!box) { window.alert(errors.join("\n")); return; }
    box.innerHTML = "";
    var list = document.createElement("ul");
    errors.forEach(function (message) {
      var item = document.createElement("li");
      item.textContent = message;
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function replaceThread(thread, html, focusId, message) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var fresh = holder.querySelector("[data-comments-thread]");
    if (!fresh) { return; }
    if (thread.hasAttribute("data-no-heading")) {  // the page gives the thread its own heading
      var heading = fresh.querySelector("h2");
      if (heading) { heading.remove(); }
      fresh.removeAttribute("aria-labelledby");
      fresh.setAttribute("aria-label", thread.getAttribute("aria-label"));
      fresh.setAttribute("data-no-heading", "");
    }
    thread.replaceWith(fresh);
    var status = fresh.querySelector("[data-comments-status]");
    if (status && message) { status.textContent = message; }
    var target = focusId ? document.getElementById(focusId) : null;
    if (target) {
      var heading = target.querySelector("h3");
      (heading || target).setAttribute("tabindex", "-1");
      (heading || target).focus();
    }
  }

  // Sort and pages of a thread, in place (the links also work without the script when the page passes
  // ``sort`` and ``page`` to comment_thread).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-comments-sort], a[data-comments-page]");
    if (!link) { return; }
    var thread = link.closest("[data-comments-thread]");
    if (!thread || !thread.dataset.url) { return; }
    event.preventDefault();
    var url = thread.dataset.url + "&next=" + encodeURIComponent(window.location.pathname + window.location.search)
      + "&sort=" + encodeURIComponent(link.dataset.commentsSort || thread.dataset.sort || "newest")
      + "&page=" + encodeURIComponent(link.dataset.commentsPage || "1");
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.statusText); } return response.text(); })
      .then(function (html) {
        replaceThread(thread, html, null, link.dataset.commentsSort ? link.textContent.trim() : "");
        var fresh = document.getElementById(thread.id);
        var heading = fresh && (fresh.querySelector("h2") || fresh);
        if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
      })
      .catch(function () { window.location.href = link.href; });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-comments-form]")) { return; }
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) { event.preventDefault(); return; }
    event.preventDefault();
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) { data.set(event.submitter.name, event.submitter.value); }
    var thread = form.closest("[data-comments-thread]");
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin",
                         headers: { "X-Requested-With": "fetch", "Accept": "application/json" } })
      .then(function (response) {
        return response.json().catch(function () { return { ok: false, errors: [response.statusText] }; });
      })
      .then(function (body) {
        if (button) { button.disabled = false; }
        if (!body.ok) { showErrors(form, body.errors || [body.detail || "Erreur"]); return; }
        if (thread && body.html) {
          var item = form.closest(".comment");
          replaceThread(thread, body.html, item ? item.id : null, body.message);
        } else if (form.hasAttribute("data-flag")) {
          var details = form.closest("details");
          var done = document.createElement("p");
          done.className = "flag-done";
          done.setAttribute("role", "status");
          done.textContent = body.message;
          (details || form).replaceWith(done);
        } else {
          var status = statusOf(form);
          if (status) { status.textContent = body.message; } else { window.location.reload(); }
        }
      })
      .catch(function () {
        if (button) { button.disabled = false; }
        form.removeAttribute("data-comments-form");
        form.submit();
      });
  });
})();
