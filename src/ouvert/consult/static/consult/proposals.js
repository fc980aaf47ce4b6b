// Proposals: the support button updates in place (the form still works without JavaScript), and the
// maps of located proposals (MapLibre, vendored; the list is the accessible equivalent).
(function () {
  "use strict";

  function supportForms() {
    document.querySelectorAll("[data-support-form]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var box = form.closest("[data-proposal-support]");
        var button = form.querySelector("button");
        var action = form.querySelector("input[name=action]");
        var status = box.querySelector("[data-status]");
        button.disabled = true;
        fetch(form.getAttribute("action"), { method: "POST", body: new FormData(form), credentials: "same-origin",
          headers: { "X-Requested-With": "fetch", "Accept": "application/json" } })
          .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
          .then(function (res) {
            if (!res.ok) { status.textContent = res.data.detail || ""; return; }
            var supported = res.data.supported;
            box.querySelector("[data-count]").textContent = res.data.supports_count;
            action.value = supported ? "unsupport" : "support";
            button.setAttribute("aria-pressed", supported ? "true" : "false");
            button.firstChild.textContent = supported ? button.dataset.labelUnsupport : button.dataset.labelSupport;
            button.classList.toggle("button--secondary", supported);
            status.textContent = supported ? "Merci : votre appui est enregistré." : "Votre appui est retiré.";
            var progress = document.querySelector("[data-progress]");
            if (progress) {
              progress.value = res.data.supports_count;
              var pct = Math.min(100, Math.round(100 * res.data.supports_count / progress.max));
              progress.textContent = pct + " %";
              var out = document.querySelector("[data-percent]");
              if (out) out.textContent = pct;
            }
            var remaining = document.querySelector("[data-remaining]");
            if (remaining && res.data.remaining !== null) remaining.textContent = res.data.remaining;
          })
          .catch(function () { form.submit(); })
          .finally(function () { button.disabled = false; });
      });
    });
  }

  var mapsDone = false;
  function maps() {
    if (mapsDone || !window.maplibregl) return;
    mapsDone = true;
    document.querySelectorAll("[data-proposals-map]").forEach(function (element) {
      var config = JSON.parse(document.getElementById(element.dataset.proposalsMap).textContent);
      var features = config.points.map(function (p) {
        return { type: "Feature", geometry: { type: "Point", coordinates: [p.longitude, p.latitude] },
          properties: { title: p.title, url: p.url, supports: p.supports_count } };
      });
      var map = new window.maplibregl.Map({ container: element, attributionControl: false,
        style: { version: 8, sources: { fond: { type: "geojson", data: config.basemap } },
          layers: [{ id: "eau", type: "background", paint: { "background-color": "#dde7ee" } },
            { id: "terre", type: "fill", source: "fond", filter: ["==", ["get", "kind"], "province"],
              paint: { "fill-color": "#f7f7f4" } },
            { id: "limites", type: "line", source: "fond", paint: { "line-color": "#7a8694", "line-width": 0.8 } }] },
        bounds: config.bounds ? [[config.bounds[0], config.bounds[1]], [config.bounds[2], config.bounds[3]]] : undefined });
      map.addControl(new window.maplibregl.NavigationControl({ showCompass: false }));
      map.on("load", function () {
        map.addSource("propositions", { type: "geojson", data: { type: "FeatureCollection", features: features } });
        map.addLayer({ id: "propositions", type: "circle", source: "propositions",
          paint: { "circle-color": "#095797", "circle-radius": 7, "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
        if (features.length === 1) map.jumpTo({ center: features[0].geometry.coordinates, zoom: 11 });
        else if (features.length > 1) {
          var b = new window.maplibregl.LngLatBounds();
          features.forEach(function (f) { b.extend(f.geometry.coordinates); });
          map.fitBounds(b, { padding: 40, maxZoom: 12, duration: 0 });
        }
      });
      map.on("click", "propositions", function (e) {
        var p = e.features[0].properties;
        if (p.url) window.location.href = p.url;
      });
      if (element.dataset.picker) {
        var lat = document.getElementById("f-latitude"), lon = document.getElementById("f-longitude");
        map.on("click", function (e) {
          lat.value = e.lngLat.lat.toFixed(5);
          lon.value = e.lngLat.lng.toFixed(5);
          var source = map.getSource("propositions");
          if (source) source.setData({ type: "FeatureCollection", features: [{ type: "Feature",
            geometry: { type: "Point", coordinates: [e.lngLat.lng, e.lngLat.lat] }, properties: {} }] });
        });
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", supportForms);
  else supportForms();
  document.addEventListener("DOMContentLoaded", maps);
  window.addEventListener("load", maps);
})();
