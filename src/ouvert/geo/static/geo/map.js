// Maps of the geo module (MapLibre GL, vendored: nothing from a CDN, nothing from the network
// unless OUVERT_MAP_BASE_TILES names a tile server). Each element [data-geo-map] names the
// JSON of its configuration (json_script): the resource's vector tiles, the colour expression
// computed by the server, the base map (bundled GeoJSON or raster tiles), the control labels.
(function () {
  "use strict";
  if (window.OuvertGeoMaps) return;  // included more than once (htmx swaps)
  var currentScript = document.currentScript;

  var BASE_LAND = "#f7f7f4";
  var BASE_WATER = "#dde7ee";
  var BASE_LINE = "#7a8694";
  var REGION_LINE = "#a9b3be";

  function baseStyle(base) {
    var sources = {};
    var layers = [{ id: "fond", type: "background", paint: { "background-color": BASE_WATER } }];
    if (base.tiles) {
      sources.fond = { type: "raster", tiles: [base.tiles], tileSize: 256, attribution: base.attribution || "" };
      layers.push({ id: "fond-tuiles", type: "raster", source: "fond" });
    } else {
      sources.fond = { type: "geojson", data: base.geojson,
        attribution: "Ressources naturelles Québec, ArcGIS (click_that_hood, MIT)" };
      layers.push({ id: "fond-provinces", type: "fill", source: "fond", filter: ["==", ["get", "kind"], "province"],
        paint: { "fill-color": BASE_LAND } });
      layers.push({ id: "fond-regions", type: "line", source: "fond", filter: ["==", ["get", "kind"], "region"],
        paint: { "line-color": REGION_LINE, "line-width": 0.8, "line-dasharray": [3, 2] } });
      layers.push({ id: "fond-limites", type: "line", source: "fond", filter: ["==", ["get", "kind"], "province"],
        paint: { "line-color": BASE_LINE, "line-width": 1 } });
    }
    return { version: 8, sources: sources, layers: layers };
  }

  function dataLayers(id, layerName, color, outline) {
    var polygon = ["==", ["geometry-type"], "Polygon"];
    var line = ["==", ["geometry-type"], "LineString"];
    var point = ["==", ["geometry-type"], "Point"];
    return [
      { id: id + "-surfaces", type: "fill", source: id, "source-layer": layerName, filter: polygon,
        paint: { "fill-color": color, "fill-opacity": 0.75 } },
      { id: id + "-contours", type: "line", source: id, "source-layer": layerName, filter: polygon,
        paint: { "line-color": outline, "line-width": 0.8 } },
      { id: id + "-lignes", type: "line", source: id, "source-layer": layerName, filter: line,
        paint: { "line-color": color, "line-width": 2.5 } },
      { id: id + "-points", type: "circle", source: id, "source-layer": layerName, filter: point,
        paint: { "circle-color": color, "circle-radius": 5, "circle-stroke-color": outline, "circle-stroke-width": 1 } }
    ];
  }

  function unionBounds(list) {
    var b = null;
    list.forEach(function (s) {
      if (!s) return;
      b = b ? [Math.min(b[0], s[0]), Math.min(b[1], s[1]), Math.max(b[2], s[2]), Math.max(b[3], s[3])] : s.slice();
    });
    return b;
  }

  function popupContent(feature, config) {
    var root = document.createElement("div");
    root.className = "geo-popup";
    var title = document.createElement("p");
    title.className = "geo-popup__title";
    var fid = feature.id !== undefined ? feature.id : feature.properties._fid;
    title.textContent = (config.labels.feature || "%(fid)s").replace("%(fid)s", fid);
    root.appendChild(title);
    var table = document.createElement("table");
    var caption = document.createElement("caption");
    caption.className = "visually-hidden";
    caption.textContent = title.textContent;
    table.appendChild(caption);
    var body = document.createElement("tbody");
    Object.keys(feature.properties).forEach(function (key) {
      if (key === "_fid" || key === "__c") return;
      var row = document.createElement("tr");
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = key;
      var td = document.createElement("td");
      var value = feature.properties[key];
      td.textContent = value === null || value === undefined || value === "" ? (config.labels.empty || "") : String(value);
      row.appendChild(th);
      row.appendChild(td);
      body.appendChild(row);
    });
    table.appendChild(body);
    root.appendChild(table);
    return root;
  }

  // Points of the datastore's chart builder: the Vega-Lite specification's rows (x = longitude,
  // y = latitude, c = colour) as a GeoJSON source; the colours of the most frequent values, a legend.
  var CATEGORY_COLORS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"];

  function pointsConfig(element) {
    var config = JSON.parse(document.querySelector(element.getAttribute("data-geo-base")).textContent);
    var spec = JSON.parse(document.querySelector(element.getAttribute("data-geo-points")).textContent);
    var values = (spec.data && spec.data.values) || [];
    var enc = spec.encoding || {};
    var names = { x: (enc.longitude || {}).title || "x", y: (enc.latitude || {}).title || "y",
      c: (enc.color || {}).title || "c" };
    var features = [];
    var west = 180, south = 90, east = -180, north = -90;
    values.forEach(function (v, i) {
      if (typeof v.x !== "number" || typeof v.y !== "number") return;
      var props = {};
      props[names.x] = v.x;
      props[names.y] = v.y;
      if (enc.color) props[names.c] = v.c === undefined ? null : v.c;
      props.__c = v.c === null || v.c === undefined ? "" : String(v.c);
      features.push({ type: "Feature", id: i + 1, properties: props, geometry: { type: "Point", coordinates: [v.x, v.y] } });
      west = Math.min(west, v.x); east = Math.max(east, v.x); south = Math.min(south, v.y); north = Math.max(north, v.y);
    });
    var color = "#1f5f9e";
    var legend = [];
    if (enc.color) {
      var counts = {};
      features.forEach(function (f) { counts[f.properties.__c] = (counts[f.properties.__c] || 0) + 1; });
      var top = Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a] || (a < b ? -1 : 1); });
      var kept = top.length > CATEGORY_COLORS.length ? top.slice(0, CATEGORY_COLORS.length - 1) : top;
      var match = ["match", ["get", "__c"]];
      kept.forEach(function (value, i) {
        match.push(value, CATEGORY_COLORS[i]);
        legend.push({ label: value || config.labels.empty, color: CATEGORY_COLORS[i], count: counts[value] });
      });
      match.push("#8c8c8c");
      if (top.length > kept.length) {
        var rest = top.slice(kept.length).reduce(function (s, k) { return s + counts[k]; }, 0);
        legend.push({ label: config.labels.others, color: "#8c8c8c", count: rest });
      }
      color = kept.length ? match : color;
    }
    config.geojson = { type: "FeatureCollection", features: features };
    config.bounds = features.length ? [west, south, east, north] : null;
    config.color = color;
    config.legend = legend;
    config.legendTitle = enc.color ? names.c : "";
    config.title = element.getAttribute("data-geo-title") || config.title;
    return config;
  }

  function drawLegend(element, config) {
    if (!config.legend || !config.legend.length) return;
    var box = document.createElement("div");
    box.className = "geo-legend geo-legend--points";
    var title = document.createElement("p");
    title.className = "geo-legend__title-small";
    title.textContent = config.legendTitle;
    box.appendChild(title);
    var list = document.createElement("ul");
    list.className = "geo-legend__list";
    config.legend.forEach(function (item) {
      var li = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "geo-legend__swatch";
      swatch.setAttribute("aria-hidden", "true");
      swatch.style.backgroundColor = item.color;
      li.appendChild(swatch);
      li.appendChild(document.createTextNode(" " + item.label + " (" + item.count + ")"));
      list.appendChild(li);
    });
    box.appendChild(list);
    element.parentNode.insertBefore(box, element.nextSibling);
  }

  function init(element) {
    if (element.getAttribute("data-geo-rendered")) return;
    element.setAttribute("data-geo-rendered", "pending");
    var points = element.hasAttribute("data-geo-points");
    var config = points ? pointsConfig(element)
      : JSON.parse(document.querySelector(element.getAttribute("data-geo-map")).textContent);
    var sources = points ? [{ bounds: config.bounds }] : (config.sources || [{ tiles: config.tiles, bounds: config.bounds }]);
    var style = baseStyle(config.base);
    var queryLayers = [];
    sources.forEach(function (source, i) {
      var id = "donnees" + i;
      style.sources[id] = points ? { type: "geojson", data: config.geojson }
        : { type: "vector", tiles: [source.tiles], minzoom: 0, maxzoom: config.maxzoom, bounds: source.bounds || undefined };
      dataLayers(id, points ? undefined : config.layer, config.color, config.outline || "#1b2733").forEach(function (layer) {
        if (points) delete layer["source-layer"];
        style.layers.push(layer);
        queryLayers.push(layer.id);
      });
    });
    if (points) drawLegend(element, config);
    var bounds = unionBounds(sources.map(function (s) { return s.bounds; })) || [-80, 44.5, -57, 63];
    var embed = element.hasAttribute("data-geo-embed-map");
    var small = points || element.classList.contains("geo-map--small");
    var map = new maplibregl.Map({
      container: element, style: style, bounds: bounds, fitBoundsOptions: { padding: 24, maxZoom: 15 },
      maxZoom: 18, hash: embed || small ? false : "carte", locale: config.locale,
      attributionControl: { compact: true }, cooperativeGestures: small
    });
    element._geoMap = map;
    map.once("load", function () { element.setAttribute("data-geo-rendered", "ok"); });
    (window.ouvertMaps = window.ouvertMaps || []).push(map);
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    if (!small) map.addControl(new maplibregl.FullscreenControl(), "top-right");
    map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
    var canvas = map.getCanvas();
    canvas.setAttribute("aria-label", config.title || (config.locale && config.locale["Map.Title"]) || "");
    var describedBy = element.getAttribute("aria-describedby");
    if (describedBy) canvas.setAttribute("aria-describedby", describedBy);
    var status = element.parentNode.querySelector("[data-geo-status]");
    var popup = null;

    function show(feature, lngLat) {
      if (popup) popup.remove();
      popup = new maplibregl.Popup({ maxWidth: "22rem", focusAfterOpen: false })
        .setLngLat(lngLat).setDOMContent(popupContent(feature, config)).addTo(map);
      if (status) status.textContent = popup.getElement().querySelector(".geo-popup__title").textContent;
    }

    map.on("click", function (event) {
      var found = map.queryRenderedFeatures(event.point, { layers: queryLayers });
      if (found.length) show(found[0], event.lngLat);
    });
    queryLayers.forEach(function (id) {
      map.on("mouseenter", id, function () { canvas.style.cursor = "pointer"; });
      map.on("mouseleave", id, function () { canvas.style.cursor = ""; });
    });
    // Keyboard: Enter (or Space) shows the attributes of the feature at the centre of the map.
    canvas.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      var centre = map.project(map.getCenter());
      var box = [[centre.x - 6, centre.y - 6], [centre.x + 6, centre.y + 6]];
      var found = map.queryRenderedFeatures(box, { layers: queryLayers });
      if (found.length) {
        show(found[0], map.getCenter());
      } else if (status) {
        status.textContent = config.labels.none || "";
      }
    });
    canvas.addEventListener("focus", function () { element.classList.add("geo-map--focused"); });
    canvas.addEventListener("blur", function () { element.classList.remove("geo-map--focused"); });

    var link = document.querySelector("[data-geo-link]");
    var near = document.querySelector("[data-geo-near-centre]");
    map.on("moveend", function () {
      if (link && !embed && !small) {
        // As MapLibre writes the address's hash (it does so a moment later): zoom/latitude/longitude.
        var centre = map.getCenter();
        var zoom = Math.round(map.getZoom() * 100) / 100;
        link.value = window.location.href.split("#")[0] + "#carte=" + zoom + "/" +
          centre.lat.toFixed(4) + "/" + centre.lng.toFixed(4);
      }
      if (near) {
        var c = map.getCenter();
        var base = near.getAttribute("href").split("?")[0];
        near.setAttribute("href", base + "?pres=" + c.lng.toFixed(5) + "," + c.lat.toFixed(5));
        var item = near.closest("[data-geo-near-item]");
        if (item) item.hidden = false;
      }
    });
  }

  var SELECTOR = "[data-geo-map], [data-geo-points]";
  var loading = null;

  // MapLibre is on the page already (map pages), or loaded once from the URL on this script's tag
  // (the datastore's chart builder, whose charts arrive by htmx).
  function ensureMapLibre() {
    if (window.maplibregl) return Promise.resolve();
    if (loading) return loading;
    var data = currentScript ? currentScript.dataset : {};
    if (!data.maplibre) return Promise.reject(new Error("maplibre-gl.js is not on the page"));
    if (data.maplibreCss && !document.querySelector('link[href="' + data.maplibreCss + '"]')) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = data.maplibreCss;
      document.head.appendChild(link);
    }
    loading = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = data.maplibre;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("Could not load " + data.maplibre)); };
      document.head.appendChild(script);
    });
    return loading;
  }

  function start(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var elements = Array.prototype.slice.call(scope.querySelectorAll(SELECTOR));
    if (scope.matches && scope.matches(SELECTOR)) elements.unshift(scope);
    if (!elements.length) return;
    ensureMapLibre().then(function () {
      elements.forEach(function (element) {
        try { init(element); } catch (error) {
          element.setAttribute("data-geo-rendered", "error");
          console.error("Ouvert maps:", error);
        }
      });
    }).catch(function (error) { console.error("Ouvert maps:", error); });
  }

  window.OuvertGeoMaps = { render: start };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { start(document); });
  else start(document);
  document.addEventListener("htmx:afterSettle", function (event) { start(event.target); });
})();
