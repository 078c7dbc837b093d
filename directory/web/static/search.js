// SPDX-License-Identifier: Apache-2.0
// Additions to the search form, which works without them:
// - "Autour de moi": the browser's position instead of a typed place;
// - suggestions of communes and postcodes while typing the place.
(function () {
  "use strict";
  var form = document.getElementById("recherche");
  if (!form) { return; }
  var place = form.querySelector("#lieu");
  var message = form.querySelector("[data-geo-message]");
  var button = form.querySelector("[data-around-me]");
  var lat = form.querySelector("[data-geo=lat]");
  var lon = form.querySelector("[data-geo=lon]");

  // Back from the results, the page may come out of the back-forward cache as
  // the script left it (place disabled, point enabled): give the typed place back.
  window.addEventListener("pageshow", function () {
    if (place) { place.disabled = false; }
    if (lat && lon) { lat.disabled = true; lon.disabled = true; }
  });

  if (button && navigator.geolocation) {
    button.hidden = false;
    button.addEventListener("click", function () {
      message.textContent = "Recherche de votre position…";
      navigator.geolocation.getCurrentPosition(function (position) {
        lat.value = position.coords.latitude.toFixed(5);
        lon.value = position.coords.longitude.toFixed(5);
        lat.disabled = false;
        lon.disabled = false;
        place.value = "";
        place.disabled = true;  // "lieu" and a point exclude each other
        form.submit();
      }, function (error) {
        message.textContent = error.code === error.PERMISSION_DENIED
          ? "Vous avez refusé de partager votre position. Indiquez plutôt un code postal ou une commune."
          : "Votre position n'a pas pu être trouvée. Indiquez plutôt un code postal ou une commune.";
        place.focus();
      }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 });
    });
  }

  var list = document.getElementById("lieu-suggestions");
  var url = place && place.dataset.suggestUrl;
  if (!list || !url) { return; }
  var timer = null;
  var last = "";
  place.addEventListener("input", function () {
    var text = place.value.trim();
    clearTimeout(timer);
    if (text.length < 2 || text === last) { return; }
    timer = setTimeout(function () {
      last = text;
      fetch(url + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { resultats: [] }; })
        .then(function (body) {
          list.replaceChildren.apply(list, body.resultats.map(function (p) {
            var option = document.createElement("option");
            option.value = p.label;
            return option;
          }));
        })
        .catch(function () {});
    }, 200);
  });
})();
