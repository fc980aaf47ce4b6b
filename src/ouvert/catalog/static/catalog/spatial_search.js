/* The search page's zone map (MapLibre GL, vendored): draws the footprints of the page's datasets and
   lets a person draw a zone (« Dessiner une zone » button, or Shift + drag). The four inputs stay the
   keyboard's and the no-script way; the map only fills them in. Without MapLibre, nothing happens here.
   The address keeps the zone as ?bbox=west,south,east,north (the four inputs are sent as one bbox). */
(function () {
  "use strict";
  var NAMES = ["ouest", "sud", "est", "nord"];

  function inputs() {
    return NAMES.map(function (name) { return document.getElementById("zone-" + name); });
  }

  function zoneOf(text) {
    var parts = (text || "").split(",").map(Number);
    return parts.length === 4 && parts.every(isFinite) ? parts : null;
  }

  function rectangle(b) {
    return {type: "Feature", properties: {}, geometry: {type: "Polygon", coordinates: [[
      [b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]], [b[0], b[1]]]]}};
  }

  function round(value) { return Math.round(value * 1e5) / 1e5; }

  function zoneForm(elt) { return elt && elt.querySelector && elt.querySelector("#zone-ouest") ? elt : null; }

  /* The form sends the zone as bbox (the shareable address), never as four separate inputs; typing in
     one of them sends nothing until Enter or the button (half a zone is no zone). */
  document.addEventListener("htmx:configRequest", function (event) {
    var form = zoneForm(event.detail.elt);
    if (!form) return;
    var trigger = event.detail.triggeringEvent;
    if (trigger && trigger.type === "change" && trigger.target && NAMES.indexOf(trigger.target.name) >= 0) {
      event.preventDefault();
      return;
    }
    var params = event.detail.parameters;
    var values = NAMES.map(function (name) { return (params[name] || "").toString().trim(); });
    NAMES.forEach(function (name) { delete params[name]; });
    if (values.every(function (v) { return v !== ""; })) params.bbox = values.join(",");
  });

  /* A refused zone (400) is shown in place, with its message, as without JavaScript. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400 && zoneForm(event.detail.requestConfig && event.detail.requestConfig.elt)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  /* The same base as the resources' maps (geo/map.js): raster tiles when the platform names a tile
     server, else the bundled GeoJSON of Canada's provinces and Quebec's regions (no network). */
  function baseStyle(data) {
    var sources = {};
    var layers = [{id: "fond", type: "background", paint: {"background-color": "#dde7ee"}}];
    if (data.baseTiles) {
      sources.fond = {type: "raster", tiles: [data.baseTiles], tileSize: 256, attribution: data.baseAttribution || ""};
      layers.push({id: "fond-tuiles", type: "raster", source: "fond"});
    } else if (data.baseGeojson) {
      sources.fond = {type: "geojson", data: data.baseGeojson,
                      attribution: "Ressources naturelles Québec, ArcGIS (click_that_hood, MIT)"};
      layers.push({id: "fond-provinces", type: "fill", source: "fond", filter: ["==", ["get", "kind"], "province"],
                   paint: {"fill-color": "#f7f7f4"}});
      layers.push({id: "fond-regions", type: "line", source: "fond", filter: ["==", ["get", "kind"], "region"],
                   paint: {"line-color": "#a9b3be", "line-width": 0.8, "line-dasharray": [3, 2]}});
      layers.push({id: "fond-limites", type: "line", source: "fond", filter: ["==", ["get", "kind"], "province"],
                   paint: {"line-color": "#7a8694", "line-width": 1}});
    }
    return {version: 8, sources: sources, layers: layers};
  }

  function start() {
    var box = document.getElementById("zone-carte");
    if (!box || !window.maplibregl) return;
    var data = box.dataset;
    box.hidden = false;
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", data.label);
    var container = document.createElement("div");
    container.className = "spatial-search__canvas";
    box.appendChild(container);
    var map = new maplibregl.Map({
      container: container,
      style: baseStyle(data),
      center: [-71.5, 52], zoom: 3, boxZoom: false, attributionControl: {compact: true}, dragRotate: false,
      locale: {"Map.Title": data.label, "NavigationControl.ZoomIn": data.zoomIn,
               "NavigationControl.ZoomOut": data.zoomOut, "Popup.Close": data.close}
    });
    map.addControl(new maplibregl.NavigationControl({showCompass: false}));

    var bar = document.createElement("p");
    bar.className = "spatial-search__bar";
    var draw = document.createElement("button");
    draw.type = "button";
    draw.className = "button button--secondary";
    draw.textContent = data.draw;
    draw.setAttribute("aria-pressed", "false");
    var status = document.createElement("span");
    status.className = "meta";
    status.setAttribute("aria-live", "polite");
    status.textContent = data.hint;
    bar.appendChild(draw);
    bar.appendChild(document.createTextNode(" "));
    bar.appendChild(status);
    box.insertBefore(bar, container);

    var drawing = false, origin = null;
    function setDrawing(on) {
      drawing = on;
      draw.setAttribute("aria-pressed", on ? "true" : "false");
      status.textContent = on ? data.drawing : data.hint;
      container.classList.toggle("spatial-search__canvas--drawing", on);
      if (on) map.dragPan.disable(); else map.dragPan.enable();
    }
    draw.addEventListener("click", function () { setDrawing(!drawing); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && drawing) { origin = null; setDrawing(false); showZone(currentZone()); }
    });

    function showZone(b) {
      var source = map.getSource("zone");
      if (source) source.setData({type: "FeatureCollection", features: b ? [rectangle(b)] : []});
    }
    function currentZone() {
      var zone = document.getElementById("recherche-zone");
      return zoneOf(zone && zone.dataset.zoneBbox);
    }
    function choose(b) {
      var fields = inputs();
      b.forEach(function (value, i) { fields[i].value = String(round(value)); });
      fields[3].form.requestSubmit();  // htmx sends it (or the browser, without htmx)
    }

    map.on("mousedown", function (event) {
      if (!(drawing || event.originalEvent.shiftKey)) return;
      event.preventDefault();
      map.dragPan.disable();
      origin = event.lngLat;
    });
    map.on("mousemove", function (event) {
      if (!origin) return;
      var p = event.lngLat;
      showZone([Math.min(origin.lng, p.lng), Math.min(origin.lat, p.lat),
                Math.max(origin.lng, p.lng), Math.max(origin.lat, p.lat)]);
    });
    map.on("mouseup", function (event) {
      if (!origin) return;
      var p = event.lngLat, o = origin;
      origin = null;
      setDrawing(false);
      var b = [Math.max(-180, Math.min(o.lng, p.lng)), Math.max(-90, Math.min(o.lat, p.lat)),
               Math.min(180, Math.max(o.lng, p.lng)), Math.min(90, Math.max(o.lat, p.lat))];
      if (b[0] < b[2] && b[1] < b[3]) choose(b); else showZone(currentZone());
    });

    var popup = new maplibregl.Popup({closeButton: true, maxWidth: "18rem"});
    map.on("click", "emprises-fond", function (event) {
      var feature = event.features && event.features[0];
      if (!feature) return;
      var link = document.createElement("a");
      link.href = data.datasetUrl.replace("/JEU/", "/" + encodeURIComponent(feature.properties.name) + "/");
      link.textContent = feature.properties.title;
      popup.setLngLat(event.lngLat).setDOMContent(link).addTo(map);
    });
    map.on("mouseenter", "emprises-fond", function () { map.getCanvas().style.cursor = "pointer"; });
    map.on("mouseleave", "emprises-fond", function () { map.getCanvas().style.cursor = ""; });

    function refresh(fit) {
      var zone = document.getElementById("recherche-zone");
      var ids = zone ? zone.dataset.zoneIds || "" : "";
      var b = currentZone();
      showZone(b);
      var done = function (collection) {
        map.getSource("emprises").setData(collection);
        if (!fit) return;
        if (b) { map.fitBounds([[b[0], b[1]], [b[2], b[3]]], {padding: 30, animate: false, maxZoom: 12}); return; }
        var all = null;
        collection.features.forEach(function (f) {
          if (!f.bbox) return;
          all = all ? [Math.min(all[0], f.bbox[0]), Math.min(all[1], f.bbox[1]), Math.max(all[2], f.bbox[2]),
                       Math.max(all[3], f.bbox[3])] : f.bbox.slice();
        });
        if (all) map.fitBounds([[all[0], all[1]], [all[2], all[3]]], {padding: 30, animate: false, maxZoom: 12});
      };
      if (!ids) { done({type: "FeatureCollection", features: []}); return; }
      fetch(data.footprintsUrl + "?ids=" + encodeURIComponent(ids), {credentials: "same-origin"})
        .then(function (answer) { return answer.ok ? answer.json() : {type: "FeatureCollection", features: []}; })
        .then(done)
        .catch(function () { /* the list of results says it all */ });
    }

    map.on("load", function () {
      map.addSource("emprises", {type: "geojson", data: {type: "FeatureCollection", features: []}});
      map.addSource("zone", {type: "geojson", data: {type: "FeatureCollection", features: []}});
      map.addLayer({id: "emprises-fond", type: "fill", source: "emprises",
                    paint: {"fill-color": "#1f5fa8", "fill-opacity": 0.15}});
      map.addLayer({id: "emprises-contour", type: "line", source: "emprises",
                    paint: {"line-color": "#1f4e8c", "line-width": 1.5}});
      map.addLayer({id: "emprises-points", type: "circle", source: "emprises", filter: ["==", ["geometry-type"], "Point"],
                    paint: {"circle-color": "#1f4e8c", "circle-radius": 4}});
      map.addLayer({id: "zone-contour", type: "line", source: "zone",
                    paint: {"line-color": "#a34700", "line-width": 2.5, "line-dasharray": [2, 1]}});
      box.dataset.ready = "true";
      refresh(true);
    });
    document.body.addEventListener("htmx:afterSettle", function () { refresh(false); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
