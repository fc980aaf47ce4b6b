// Maps of the geo module (MapLibre GL, vendored: nothing from a CDN, nothing from the network
// unless OUVERT_MAP_BASE_TILES names a tile server). Each element [data-geo-map] names the
// JSON of its configuration (json_script): the resource's vector tiles, the colour expression
// computed by the server, the base map (bundled GeoJSON or raster tiles), the control labels.
(function () {
  "use strict";

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
      if (key === "_fid") return;
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

  function init(element) {
    var config = JSON.parse(document.querySelector(element.getAttribute("data-geo-map")).textContent);
    var sources = config.sources || [{ tiles: config.tiles, bounds: config.bounds }];
    var style = baseStyle(config.base);
    var queryLayers = [];
    sources.forEach(function (source, i) {
      var id = "donnees" + i;
      style.sources[id] = { type: "vector", tiles: [source.tiles], minzoom: 0, maxzoom: config.maxzoom,
        bounds: source.bounds || undefined };
      dataLayers(id, config.layer, config.color, config.outline).forEach(function (layer) {
        style.layers.push(layer);
        queryLayers.push(layer.id);
      });
    });
    var bounds = unionBounds(sources.map(function (s) { return s.bounds; })) || [-80, 44.5, -57, 63];
    var embed = element.hasAttribute("data-geo-embed-map");
    var small = element.classList.contains("geo-map--small");
    var map = new maplibregl.Map({
      container: element, style: style, bounds: bounds, fitBoundsOptions: { padding: 24, maxZoom: 15 },
      maxZoom: 18, hash: embed || small ? false : "carte", locale: config.locale,
      attributionControl: { compact: true }, cooperativeGestures: small
    });
    element._geoMap = map;
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
      if (link && !embed && !small) link.value = window.location.href;
      if (near) {
        var c = map.getCenter();
        var base = near.getAttribute("href").split("?")[0];
        near.setAttribute("href", base + "?pres=" + c.lng.toFixed(5) + "," + c.lat.toFixed(5));
        near.hidden = false;
      }
    });
  }

  function start() {
    if (!window.maplibregl) return;
    document.querySelectorAll("[data-geo-map]").forEach(function (element) {
      try { init(element); } catch (error) { element.setAttribute("data-geo-error", String(error)); }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
