// SPDX-License-Identifier: Apache-2.0
// The map of results, added to a page that works without it.
//
// The list's cards carry their id, rank and point: they become numbered markers,
// and the map fits them (and the searched place). Every other result of the same
// search comes from data-points-url as [lat, lon, id] rows, clustered, and the stops of
// their itinerant offers as square markers of their own. A marker's
// card is fetched by id when its popup opens. Without tiles the markers and the
// clusters still show (the map sets its own maxZoom: markercluster needs one, and
// without a tile layer nothing else gives it). Numbered markers that would hide
// each other are spread around their spot; Escape closes an open card.
(function () {
  "use strict";
  var box = document.getElementById("carte");
  if (!box || !window.L) { return; }
  var data = box.dataset;
  var fallback = box.querySelector(".map-fallback");
  if (fallback) { fallback.remove(); }

  var MAX_ZOOM = 19;
  var map = L.map(box, { scrollWheelZoom: false, keyboard: true, zoomControl: false, maxZoom: MAX_ZOOM });
  L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);  // Leaflet's titles are English
  map.attributionControl.setPrefix(false);
  if (data.tiles) {
    var tiles = L.tileLayer(data.tiles, { maxZoom: MAX_ZOOM, attribution: data.attribution || "" });
    tiles.on("tileerror", function () { box.classList.add("map-no-tiles"); });
    tiles.addTo(map);
  } else {
    box.classList.add("map-no-tiles");
  }

  var RANK_PX = 30;  // a numbered marker's size
  function numberedIcon(rank) {
    return L.divIcon({ className: "marker-rank", html: "<span>" + rank + "</span>", iconSize: [RANK_PX, RANK_PX], iconAnchor: [RANK_PX / 2, RANK_PX / 2], popupAnchor: [0, -12] });
  }

  // Numbered markers closer on screen than their size would hide each other (one
  // address, or neighbours at this zoom): each such group is laid out on a circle
  // around its centre, in rank order, again at every zoom. Only the icons move
  // (their margins, which Leaflet sets once); the points, and the popups, stay true.
  var numbered = [];
  var GAP_PX = RANK_PX + 2;
  // Each group on a circle around its centre (in rank order): where each icon goes.
  function circles(groups) {
    var placed = [];
    groups.forEach(function (group, g) {
      var n = group.length;
      var cx = group.reduce(function (sum, o) { return sum + o.at.x; }, 0) / n;
      var cy = group.reduce(function (sum, o) { return sum + o.at.y; }, 0) / n;
      var radius = n > 1 ? (GAP_PX / 2) / Math.sin(Math.PI / n) : 0;
      group.forEach(function (o, k) {
        var angle = -Math.PI / 2 + 2 * Math.PI * k / n;
        var x = n > 1 ? cx + radius * Math.cos(angle) : o.at.x, y = n > 1 ? cy + radius * Math.sin(angle) : o.at.y;
        placed.push({ item: o, group: g, at: L.point(x, y) });
      });
    });
    return placed;
  }
  function spreadNumbered() {
    var rank = function (a, b) { return a.index - b.index; };
    var groups = numbered.map(function (marker, index) {
      return [{ marker: marker, index: index, at: map.latLngToLayerPoint(marker.getLatLng()) }];
    });
    // Groups whose icons would touch are merged, until none does (a circle may reach a neighbour).
    for (var round = 0; round < numbered.length; round++) {
      var placed = circles(groups), merge = null;
      for (var i = 0; i < placed.length && !merge; i++) {
        for (var j = i + 1; j < placed.length && !merge; j++) {
          if (placed[i].group !== placed[j].group && placed[i].at.distanceTo(placed[j].at) < GAP_PX) { merge = [placed[i].group, placed[j].group]; }
        }
      }
      if (!merge) { break; }
      groups[merge[0]] = groups[merge[0]].concat(groups[merge[1]]).sort(rank);
      groups.splice(merge[1], 1);
    }
    circles(groups).forEach(function (p) {
      var el = p.item.marker.getElement();
      if (!el) { return; }
      el.style.marginLeft = Math.round(p.at.x - p.item.at.x - RANK_PX / 2) + "px";
      el.style.marginTop = Math.round(p.at.y - p.item.at.y - RANK_PX / 2) + "px";
    });
    box.dataset.spreadAtZoom = String(map.getZoom());
  }
  var plainIcon = L.divIcon({ className: "marker-dot", iconSize: [16, 16], iconAnchor: [8, 8], popupAnchor: [0, -6] });
  var stopIcon = L.divIcon({ className: "marker-stop", iconSize: [14, 14], iconAnchor: [7, 7], popupAnchor: [0, -6] });

  // Leaflet reads a string as HTML: the place's label (typed, or from the geocoder) goes in as text.
  function textNode(text) { var span = document.createElement("span"); span.textContent = text; return span; }

  function cardUrl(id) { return data.cardUrl.replace("ID", encodeURIComponent(id)); }

  // The popup is filled from the server's card the first time it opens. Opened
  // from the keyboard, it takes the focus (its link), and gives it back on closing.
  function bindCard(marker, id) {
    marker.bindPopup("Chargement…", { maxWidth: 280 });
    var fromKeyboard = false;
    marker.on("popupopen", function (event) {
      var popup = event.popup;
      var icon = marker.getElement();
      fromKeyboard = !!icon && document.activeElement === icon;
      var close = popup.getElement() && popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close) { close.setAttribute("aria-label", "Fermer la fiche"); }
      function focusCard() {
        var link = fromKeyboard && popup.getElement() && popup.getElement().querySelector(".leaflet-popup-content a");
        if (link) { link.focus(); }
      }
      if (marker._cardLoaded) { focusCard(); return; }
      fetch(cardUrl(id), { headers: { Accept: "text/html" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
        .then(function (html) {
          marker._cardLoaded = true;
          popup.setContent(html);
          if (data.linkTarget && popup.getElement()) {  // in a partner's frame: pages open outside it
            popup.getElement().querySelectorAll(".leaflet-popup-content a[href^='/']").forEach(function (a) { a.target = data.linkTarget; });
          }
          focusCard();
        })
        .catch(function () { popup.setContent("Fiche indisponible pour le moment."); });
    });
    marker.on("popupclose", function (event) {
      var icon = marker.getElement();
      var shown = event.popup.getElement();
      var focused = document.activeElement;
      if (fromKeyboard && icon && (!focused || focused === document.body || (shown && shown.contains(focused)))) { icon.focus(); }
    });
  }

  var bounds = [];
  var onPage = {};
  var pageLayer = L.layerGroup().addTo(map);
  document.querySelectorAll("[data-results] > li[data-lat]").forEach(function (card) {
    var id = card.dataset.id;
    var point = [parseFloat(card.dataset.lat), parseFloat(card.dataset.lon)];
    var title = card.querySelector(".card-title a");
    var marker = L.marker(point, {
      icon: numberedIcon(card.dataset.rank),
      title: card.dataset.rank + ". " + (title ? title.textContent.trim() : ""),
      alt: card.dataset.rank + ". " + (title ? title.textContent.trim() : ""),
      riseOnHover: true,
      zIndexOffset: 1000
    });
    marker.on("add", function () {
      var el = marker.getElement();
      if (el) { el.dataset.id = id; el.setAttribute("role", "button"); el.setAttribute("aria-label", marker.options.title); }
    });
    bindCard(marker, id);
    marker.addTo(pageLayer);
    numbered.push(marker);
    onPage[id] = true;
    bounds.push(point);
  });

  if (data.placeLat) {
    var here = [parseFloat(data.placeLat), parseFloat(data.placeLon)];
    L.circleMarker(here, { radius: 8, color: "#b34000", weight: 3, fillColor: "#fff", fillOpacity: 1 })
      .bindTooltip(textNode(data.placeLabel || "Lieu recherché"))
      .addTo(map);
    bounds.push(here);
  }

  if (bounds.length) {
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
  } else {
    map.setView([46.6, 2.4], 5);
  }
  spreadNumbered();
  map.on("zoomend", spreadNumbered);

  // Every other result, clustered, loaded after the page is shown.
  if (data.pointsUrl && L.markerClusterGroup) {
    // A cluster is a button whose name says what it holds and does (not just "12").
    var clusterIcon = function (cluster) {
      var n = cluster.getChildCount();
      return L.divIcon({
        html: "<div><span>" + n + "<span class=\"visually-hidden\"> lieux : zoomer sur ce groupe</span></span></div>",
        className: "marker-cluster marker-cluster-" + (n < 10 ? "small" : n < 100 ? "medium" : "large"),
        iconSize: L.point(40, 40)
      });
    };
    var others = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50, iconCreateFunction: clusterIcon });
    fetch(data.pointsUrl, { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (body) {
        var markers = [];
        body.points.forEach(function (row) {
          if (onPage[row[2]]) { return; }
          var marker = L.marker([row[0], row[1]], { icon: plainIcon, title: "Autre lieu : ouvrir sa fiche" });
          marker.on("add", function () {
            var el = marker.getElement();
            if (el) { el.dataset.id = row[2]; el.setAttribute("aria-label", "Autre lieu : ouvrir sa fiche"); }
          });
          bindCard(marker, row[2]);
          markers.push(marker);
        });
        others.addLayers(markers);
        map.addLayer(others);
        box.dataset.clustered = String(others.getLayers().length);
        box.dataset.loaded = String(body.points.length);
        addStops(body.arrets || []);
        if (!bounds.length && markers.length) { map.fitBounds(others.getBounds(), { padding: [24, 24] }); }
      })
      .catch(function () { box.dataset.loaded = "error"; });
  }
  // The stops of itinerant offers (bus, permanences): places of their own, a square marker each,
  // whose card says which offer passes there, for which venue, and when it next does.
  // Rows: [lat, lon, venue id, offer id, stop number, stop name, offer name, next passage or null].
  function addStops(rows) {
    rows.forEach(function (row) {
      var label = "Arrêt de médiation itinérante : " + row[5];
      var marker = L.marker([row[0], row[1]], { icon: stopIcon, title: label, alt: label });
      var card = document.createElement("div");
      var name = document.createElement("strong");
      name.textContent = row[5];
      card.appendChild(name);
      var what = document.createElement("p");
      what.appendChild(textNode(row[6] + ", par "));
      var link = document.createElement("a");
      link.href = cardUrl(row[2]).replace("/carte/lieux/", "/lieux/") + "#offres-titre";
      link.textContent = "sa structure";
      if (data.linkTarget) { link.target = data.linkTarget; }
      what.appendChild(link);
      card.appendChild(what);
      if (row[7]) { var next = document.createElement("p"); next.textContent = row[7]; card.appendChild(next); }
      marker.bindPopup(card);
      marker.on("add", function () {
        var el = marker.getElement();
        if (el) { el.dataset.stop = row[3] + ":" + row[4]; el.setAttribute("aria-label", label); }
      });
      marker.addTo(map);
    });
    // The stops of the listed venues are part of what the list shows: the view takes them in.
    var listed = rows.filter(function (row) { return onPage[row[2]]; }).map(function (row) { return [row[0], row[1]]; });
    if (listed.length && bounds.length) { map.fitBounds(bounds.concat(listed), { padding: [24, 24], maxZoom: 15 }); }
    box.dataset.stops = String(rows.length);
  }
  // Escape closes the open card, wherever the focus is (its link, its marker, the
  // page): Leaflet only listens while the map box itself has the focus. The
  // popupclose handler above gives the focus back to the marker.
  document.addEventListener("keydown", function (event) {
    var open = map._popup && map.hasLayer(map._popup);
    if (open && (event.key === "Escape" || event.key === "Esc")) {
      map.closePopup();
      event.preventDefault();
    }
  });
  box.dataset.ready = "true";
})();
