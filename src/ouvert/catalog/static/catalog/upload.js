/*
 * Resource form with an upload progress bar.
 *
 * Without JavaScript the form posts normally. With it, the form is sent with XMLHttpRequest so
 * that upload progress events can drive the <progress> element; the server then answers JSON:
 * {"redirect": url} when saved, or {"message", "errors": {field: [messages]}} with a 4xx status,
 * shown next to the fields (the same places as the server-rendered errors).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var text = {
    sending: script.getAttribute("data-sending"),
    done: script.getAttribute("data-done"),
    failed: script.getAttribute("data-failed")
  };

  function clearErrors(form) {
    form.querySelectorAll(".errorlist[data-client]").forEach(function (el) { el.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }

  function showErrors(form, message, errors) {
    var summary = form.querySelector("#erreurs-formulaire");
    summary.textContent = "";
    var p = document.createElement("p");
    p.textContent = message;
    summary.appendChild(p);
    summary.hidden = false;
    Object.keys(errors || {}).forEach(function (field) {
      var input = form.querySelector("[name='" + field + "']");
      if (!input) { return; }
      var list = document.createElement("ul");
      list.className = "errorlist";
      list.id = input.id + "_erreurs_client";
      list.setAttribute("data-client", "");
      errors[field].forEach(function (m) {
        var li = document.createElement("li");
        li.textContent = m;
        list.appendChild(li);
      });
      input.parentNode.insertBefore(list, input);
      input.setAttribute("aria-invalid", "true");
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(list.id) < 0) { described.push(list.id); }
      input.setAttribute("aria-describedby", described.join(" "));
    });
    summary.focus();
  }

  document.querySelectorAll("form[data-upload-progress]").forEach(function (form) {
    var box = form.querySelector(".upload-progress");
    var bar = box.querySelector("progress");
    var label = box.querySelector(".upload-progress__text");
    var button = form.querySelector("button[type='submit']");
    form.querySelector("#erreurs-formulaire").setAttribute("tabindex", "-1");

    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) { return; }
      event.preventDefault();
      clearErrors(form);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.setRequestHeader("Accept", "application/json");
      box.hidden = false;
      bar.value = 0;
      label.textContent = text.sending;
      button.disabled = true;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          var percent = Math.round((e.loaded / e.total) * 100);
          bar.value = percent;
          bar.textContent = percent + " %";
          label.textContent = text.sending + " : " + percent + " %";
        }
      });
      xhr.upload.addEventListener("load", function () {
        bar.value = 100;
        label.textContent = text.done;
      });
      xhr.addEventListener("load", function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
        if (xhr.status >= 200 && xhr.status < 300 && body && body.redirect) {
          window.location.assign(body.redirect);
          return;
        }
        button.disabled = false;
        box.hidden = true;
        showErrors(form, (body && body.message) || text.failed, body && body.errors);
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        box.hidden = true;
        showErrors(form, text.failed, {});
      });
      xhr.send(new FormData(form));
    });
  });
})();
