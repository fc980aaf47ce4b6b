/*
 * Surveys: display conditions (progressive enhancement).
 *
 * A question wrapper carrying `data-condition-question="N"` and `data-condition-in="key1 key2"` is shown only
 * while question N is shown and one of those choices is selected there; hidden, its fields are disabled (so
 * they are neither validated nor sent). Without JavaScript every question is shown, with a note saying when
 * to answer it, and the server ignores the answers to questions whose condition is not met.
 *
 * Builder: in a question's form, the option fields that do not apply to the chosen type (`data-kinds`) are
 * hidden; without JavaScript they are all shown, with labels saying which type each serves.
 */
(function () {
  "use strict";

  function selected(form, position) {
    var values = [];
    var fields = form.querySelectorAll('[name="q' + position + '"]');
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.disabled) continue;
      if ((field.type === "radio" || field.type === "checkbox") && !field.checked) continue;
      if (field.value) values.push(field.value);
    }
    return values;
  }

  function update(form) {
    var wrappers = form.querySelectorAll("[data-question]");
    var shown = {};
    for (var i = 0; i < wrappers.length; i++) {
      var wrapper = wrappers[i];
      var position = wrapper.getAttribute("data-question");
      var source = wrapper.getAttribute("data-condition-question");
      var visible = true;
      if (source) {
        var wanted = (wrapper.getAttribute("data-condition-in") || "").split(" ");
        var chosen = shown[source] ? selected(form, source) : [];
        visible = chosen.some(function (value) { return wanted.indexOf(value) !== -1; });
      }
      shown[position] = visible;
      if (wrapper.hidden === visible) {
        wrapper.hidden = !visible;
        var fields = wrapper.querySelectorAll("input, select, textarea");
        for (var j = 0; j < fields.length; j++) fields[j].disabled = !visible;
        if (visible) wrapper.classList.add("survey-question--revealed");
      }
    }
  }

  function builderKinds(select) {
    var form = select.form;
    var fields = form.querySelectorAll("[data-kinds]");
    for (var i = 0; i < fields.length; i++) {
      fields[i].hidden = fields[i].getAttribute("data-kinds").split(" ").indexOf(select.value) === -1;
    }
  }

  function init() {
    var kinds = document.querySelectorAll("select[name='kind']");
    for (var n = 0; n < kinds.length; n++) {
      kinds[n].addEventListener("change", builderKinds.bind(null, kinds[n]));
      builderKinds(kinds[n]);
    }
    var forms = document.querySelectorAll("[data-survey-form]");
    for (var i = 0; i < forms.length; i++) {
      var form = forms[i];
      if (form.querySelector(".survey-wrapper[disabled]")) {
        form.classList.add("survey-form--readonly");
      }
      var notes = form.querySelectorAll(".survey-condition");
      for (var k = 0; k < notes.length; k++) notes[k].hidden = true;
      form.addEventListener("change", update.bind(null, form));
      update(form);
    }
    var summary = document.getElementById("resume-erreurs");
    if (summary) summary.focus();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
