// The zone map: progressive enhancement of /parkzonen/ (the page lists all zones and answers the
// address search without JavaScript). Zones come from our own GeoJSON endpoint; no tile layer
// unless the operator configured one (RATHAUS_MAP_TILE_URL).
(function () {
  "use strict";

  function text(tag, content, className) {
    var el = document.createElement(tag);
    el.textContent = content;
    if (className) { el.className = className; }
    return el;
  }

  function popupFor(feature, data) {
    var box = document.createElement("div");
    box.className = "zone-popup";
    box.appendChild(text("strong", data.labelZone + " " + feature.properties.code));
    if (feature.properties.name !== feature.properties.code) {
      box.appendChild(text("p", feature.properties.name));
    }
    if (data.fee) { box.appendChild(text("p", data.labelFee + ": " + data.fee)); }
    var details = document.createElement("a");
    details.className = "kern-link";
    details.href = "?zone=" + encodeURIComponent(feature.properties.code) + "#zone-info";
    details.textContent = data.labelDetails;
    box.appendChild(details);
    if (data.applyUrl) {
      box.appendChild(document.createTextNode(" · "));
      var apply = document.createElement("a");
      apply.className = "kern-link";
      apply.href = data.applyUrl;
      apply.textContent = data.labelApply;
      box.appendChild(apply);
    }
    return box;
  }

  function init() {
    var el = document.getElementById("zone-map");
    if (!el || typeof L === "undefined") { return; }
    var data = el.dataset;
    el.classList.add("zone-map--ready");
    var map = L.map(el, { attributionControl: true, zoomSnap: 0.25 });
    map.attributionControl.setPrefix(false);
    if (data.tileUrl) {
      L.tileLayer(data.tileUrl, { maxZoom: 19, attribution: data.tileAttribution || "" }).addTo(map);
    }
    fetch(data.geojson, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (collection) {
        var highlighted = null;
        var layer = L.geoJSON(collection, {
          style: function (feature) {
            var active = feature.properties.code === data.highlight;
            return {
              color: active ? "#b3261e" : "#004b87",
              weight: active ? 4 : 2,
              fillOpacity: active ? 0.25 : 0.12
            };
          },
          onEachFeature: function (feature, featureLayer) {
            featureLayer.bindTooltip(feature.properties.code, {
              permanent: true, direction: "center", className: "zone-label"
            });
            featureLayer.bindPopup(function () { return popupFor(feature, data); });
            if (feature.properties.code === data.highlight) { highlighted = featureLayer; }
          }
        }).addTo(map);
        if (collection.attribution) { map.attributionControl.addAttribution(collection.attribution); }
        el.setAttribute("data-zones", String(collection.features.length));
        var bounds = highlighted ? highlighted.getBounds() : layer.getBounds();
        if (bounds.isValid()) { map.fitBounds(bounds, { padding: [12, 12] }); } else { map.setView([51.16, 10.45], 6); }
        if (data.point) {
          var parts = data.point.split(",");
          L.circleMarker([parseFloat(parts[1]), parseFloat(parts[0])], {
            radius: 7, color: "#1b1b1b", weight: 2, fillColor: "#ffd400", fillOpacity: 1
          }).addTo(map);
        }
      })
      .catch(function () {
        el.classList.add("zone-map--failed");
      });
  }

  document.addEventListener("DOMContentLoaded", init);
})();
