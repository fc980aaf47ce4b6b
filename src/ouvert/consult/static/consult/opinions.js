// Opinion statements: vote without reloading the page (the forms work without this script).
(function () {
  "use strict";
  function bind(root) {
    root.querySelectorAll("form[data-opinions-vote]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.fetch) { return; }
        event.preventDefault();
        var card = document.getElementById("carte");
        if (card) { card.setAttribute("aria-busy", "true"); }
        fetch(form.action, {
          method: "POST", body: new FormData(form), credentials: "same-origin",
          headers: {"X-Requested-With": "fetch", "Accept": "application/json"}
        }).then(function (response) {
          return response.json().then(function (data) { return {ok: response.ok, data: data}; });
        }).then(function (result) {
          if (!result.ok || !result.data.html) { throw new Error(result.data.detail || ""); }
          var wrapper = document.createElement("div");
          wrapper.innerHTML = result.data.html;
          var fresh = wrapper.firstElementChild;
          card.replaceWith(fresh);
          bind(fresh);
          var heading = fresh.querySelector("#enonce-courant") || fresh;
          if (heading === fresh) { fresh.setAttribute("tabindex", "-1"); }
          heading.focus();
        }).catch(function () {
          // Fall back to the ordinary form submission (the page says what went wrong).
          if (card) { card.removeAttribute("aria-busy"); }
          form.submit();
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { bind(document); });
})();
