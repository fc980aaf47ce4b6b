/*
 * Ouvert charts: renders every element carrying `data-vega-spec` with vega-embed.
 *
 * Markup contract (see docs/README.md, "Graphiques"):
 *
 *   {{ spec|json_script:"chart-status" }}
 *   <figure class="chart">
 *     <div data-vega-spec="#chart-status" data-vega-title="…" data-vega-description="…"></div>
 *     <figcaption>…</figcaption>
 *   </figure>
 *   <div class="table-scroll" …><table>… the same figures …</table></div>
 *
 * `data-vega-spec` is either the id (with "#") of a <script type="application/json">
 * element holding a Vega-Lite spec, or the JSON spec itself. The chart is an image for
 * assistive technology (role="img" with the title and description as its name); the
 * accessible HTML table that follows it stays in the page and carries the figures.
 *
 * Vega, Vega-Lite and vega-embed come from /static/vendor/ (built by
 * scripts/build-static.mjs, never from a CDN). They are loaded only on pages that have
 * charts: either the page includes includes/chart_scripts.html, or this file finds a
 * chart and loads them from the URLs given on its own <script> tag.
 */
(function () {
  "use strict";

  // A page may load this file twice (base.html and a module's own block): start once.
  if (window.OuvertCharts) return;

  var SELECTOR = "[data-vega-spec]";
  var currentScript = document.currentScript;
  var lang = (document.documentElement.lang || "fr").slice(0, 2);

  var FORMAT_LOCALES = {
    fr: { decimal: ",", thousands: "\u202f", grouping: [3], currency: ["", "\u00a0$"], percent: "\u202f%" },
    en: { decimal: ".", thousands: ",", grouping: [3], currency: ["$", ""] }
  };
  var TIME_LOCALES = {
    fr: {
      dateTime: "%A %e %B %Y à %X", date: "%Y-%m-%d", time: "%H:%M:%S", periods: ["", ""],
      days: ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
      shortDays: ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
      months: ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
               "septembre", "octobre", "novembre", "décembre"],
      shortMonths: ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août",
                    "sept.", "oct.", "nov.", "déc."]
    }
  };

  function readSpec(element) {
    var source = element.getAttribute("data-vega-spec");
    if (source && source.charAt(0) === "#") {
      var holder = document.getElementById(source.slice(1));
      if (!holder) throw new Error("Chart spec element " + source + " not found");
      source = holder.textContent;
    }
    return JSON.parse(source);
  }

  function accessibleName(element, spec) {
    if (element.getAttribute("aria-label")) return element.getAttribute("aria-label");
    var title = element.getAttribute("data-vega-title");
    if (!title && spec.title) title = typeof spec.title === "string" ? spec.title : spec.title.text;
    var description = element.getAttribute("data-vega-description") || spec.description || "";
    return [title, description].filter(Boolean).join(". ");
  }

  function render(element) {
    if (element.getAttribute("data-vega-rendered")) return;
    element.setAttribute("data-vega-rendered", "pending");
    var spec;
    try {
      spec = readSpec(element);
    } catch (error) {
      element.setAttribute("data-vega-rendered", "error");
      console.error("Ouvert charts:", error);
      return;
    }
    var name = accessibleName(element, spec);
    element.setAttribute("role", "img");
    if (name) element.setAttribute("aria-label", name);
    // The container is the image: Vega's own ARIA tree inside the SVG would repeat it.
    spec.config = Object.assign({ aria: false, font: "inherit" }, spec.config || {});
    spec.config.aria = false;
    var options = { actions: false, renderer: "svg" };
    if (FORMAT_LOCALES[lang]) options.formatLocale = FORMAT_LOCALES[lang];
    if (TIME_LOCALES[lang]) options.timeFormatLocale = TIME_LOCALES[lang];
    window.vegaEmbed(element, spec, options).then(function (result) {
      element.setAttribute("data-vega-rendered", "ok");
      // Vega marks its container as a "graphics-document" named by the spec's description:
      // put back our own role and name (the template's, else the title and description).
      element.setAttribute("role", "img");
      element.removeAttribute("aria-roledescription");
      if (name) element.setAttribute("aria-label", name);
      var svg = element.querySelector("svg");
      if (svg) {
        svg.setAttribute("aria-hidden", "true");
        svg.setAttribute("focusable", "false");
      }
      return result;
    }).catch(function (error) {
      element.setAttribute("data-vega-rendered", "error");
      console.error("Ouvert charts:", error);
    });
  }

  function renderAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var elements = scope.querySelectorAll(SELECTOR);
    for (var i = 0; i < elements.length; i += 1) render(elements[i]);
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("Could not load " + src)); };
      document.head.appendChild(script);
    });
  }

  var loading = null;
  function ensureVega() {
    if (window.vegaEmbed) return Promise.resolve();
    if (loading) return loading;
    // The URLs (with their hashed names in production) are on base.html's <script> tag;
    // otherwise they sit beside this file, under /static/vendor/.
    var tag = document.querySelector("script[data-vega][data-vega-lite][data-vega-embed]");
    var data = tag ? tag.dataset : {};
    if (!data.vega) {
      var base = currentScript && currentScript.src ? currentScript.src.replace(/ouvert\/charts(\.[0-9a-f]+)?\.js.*$/, "vendor/") : "/static/vendor/";
      data = { vega: base + "vega.min.js", vegaLite: base + "vega-lite.min.js", vegaEmbed: base + "vega-embed.min.js" };
    }
    // In order: vega-lite needs vega, vega-embed needs both.
    loading = loadScript(data.vega)
      .then(function () { return loadScript(data.vegaLite); })
      .then(function () { return loadScript(data.vegaEmbed); });
    return loading;
  }

  function start(root) {
    var scope = root && root.querySelector ? root : document;
    if (!scope.querySelector(SELECTOR) && !(scope.matches && scope.matches(SELECTOR))) return;
    ensureVega().then(function () {
      if (scope.matches && scope.matches(SELECTOR)) render(scope);
      renderAll(scope);
    }).catch(function (error) {
      console.error("Ouvert charts:", error);
    });
  }

  window.OuvertCharts = { render: start };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { start(document); });
  } else {
    start(document);
  }
  // Content swapped in by htmx may bring new charts.
  document.addEventListener("htmx:afterSettle", function (event) { start(event.target); });
})();
