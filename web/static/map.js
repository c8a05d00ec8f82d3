// The desk's map: GeoJSON layers on Leaflet (vendored), no tiles (no tile server is
// reachable), so the compounds' shapes are the map. Texts go in with textContent.
(function () {
  "use strict";
  var el = document.getElementById("desk-map");
  var src = JSON.parse(document.getElementById("map-data").textContent);
  var layers = src.layers, labels = src.labels, words = src.words;
  // centre: [lat, lon] to open on (a case's place); small: the case page's map, no controls.
  var centre = src.centre, small = !!src.small;
  var map = L.map(el, { zoomSnap: 0.25, fadeAnimation: false });

  function popup(lines, href) {
    var box = document.createElement("div");
    lines.filter(Boolean).forEach(function (line, i) {
      var p = document.createElement(i ? "div" : "strong");
      if (!i && href) {
        var a = document.createElement("a");
        a.href = href;
        a.textContent = line;
        p.appendChild(a);
      } else {
        p.textContent = line;
      }
      box.appendChild(p);
    });
    return box;
  }
  function dot(colour, edge, radius) {
    return function (feature, latlng) {
      return L.circleMarker(latlng, {
        radius: radius, color: edge, weight: 2, fillColor: colour, fillOpacity: 0.9,
      });
    };
  }

  var overlays = {};
  overlays[labels.compounds] = L.geoJSON(layers.compounds, {
    style: { color: "#1a55b3", weight: 2, fillColor: "#cfe0f5", fillOpacity: 0.6 },
    pointToLayer: dot("#cfe0f5", "#1a55b3", 6),
    onEachFeature: function (f, layer) {
      layer.bindTooltip(f.properties.name, { permanent: true, direction: "center", className: "compound-label" });
    },
  });
  overlays[labels.zones] = L.geoJSON(layers.zones, {
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, { radius: 14, color: "#263043", weight: 2, dashArray: "4 3", fillOpacity: 0 });
    },
    onEachFeature: function (f, layer) { layer.bindPopup(popup([f.properties.name, f.properties.code])); },
  });
  overlays[labels.collective] = L.geoJSON(layers.collective, {
    pointToLayer: dot("#f0a030", "#8a5200", 10),
    onEachFeature: function (f, layer) {
      var p = f.properties;
      layer.bindPopup(popup([labels.collective + " · " + p.category, words[p.status] || p.status, p.place, p.zone]));
    },
  });
  overlays[labels.cases] = L.geoJSON(layers.cases, {
    pointToLayer: dot("#c0392b", "#7d1f16", 7),
    onEachFeature: function (f, layer) {
      var p = f.properties;
      layer.bindPopup(popup([p.ref, p.category, words[p.status] || p.status, p.place, p.zone], p.href));
    },
  });
  var all = L.featureGroup();
  Object.keys(overlays).forEach(function (name) { overlays[name].addTo(map); all.addLayer(overlays[name]); });
  if (!small) L.control.layers(null, overlays, { collapsed: window.innerWidth < 600 }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  // Open on the compounds (the demo area) when the cases are there or there are none; on
  // everything when the cases lie elsewhere (another zone); on China when there is nothing.
  var compounds = overlays[labels.compounds], points = L.featureGroup();
  [overlays[labels.cases], overlays[labels.collective]].forEach(function (g) {
    g.eachLayer(function (l) { points.addLayer(l); });
  });
  var focus = all;
  if (compounds.getLayers().length) {
    var area = compounds.getBounds().pad(0.5), near = false;
    points.eachLayer(function (l) { near = near || area.contains(l.getLatLng()); });
    if (near || !points.getLayers().length) focus = compounds;
  }
  function fit(group) { map.fitBounds(group.getBounds(), { padding: [20, 20], maxZoom: 17 }); }
  if (centre) map.setView(centre, 16);
  else if (all.getLayers().length) fit(focus);
  else map.setView([35, 105], 4);
  var Whole = L.Control.extend({
    onAdd: function () {
      var b = L.DomUtil.create("button", "leaflet-bar map-all");
      b.type = "button";
      b.textContent = labels.all;
      L.DomEvent.on(b, "click", function (ev) { L.DomEvent.stop(ev); if (all.getLayers().length) fit(all); });
      return b;
    },
  });
  if (!small) new Whole({ position: "topleft" }).addTo(map);
  // Compound names only when zoomed in far enough to read them apart.
  function labelsByZoom() { el.classList.toggle("labels-off", map.getZoom() < 14.5); }
  map.on("zoomend", labelsByZoom);
  labelsByZoom();
  el.deskMap = map; // for tests and the console
})();
