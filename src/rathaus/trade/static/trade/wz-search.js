// Live results for the WZ 2008 search page: asks /gewerbe/wz-suche/?format=json while typing and
// redraws the result table. Without this file the form works as a normal GET search.
(function () {
  "use strict";
  function text(tag, value, cls) {
    var el = document.createElement(tag);
    if (cls) { el.className = cls; }
    el.textContent = value;
    return el;
  }
  function draw(box, data) {
    box.textContent = "";
    if (data.vague) {
      box.appendChild(text("p", "Diese Angabe ist zu allgemein. Beschreiben Sie genau, womit Sie handeln oder welche Dienstleistung Sie erbringen.", "kern-body"));
    }
    if (!data.results.length) {
      if (data.query) { box.appendChild(text("p", "Keine passende Tätigkeit gefunden.", "kern-body")); }
      return;
    }
    var table = document.createElement("table");
    table.className = "kern-table kern-table--striped";
    var body = document.createElement("tbody");
    data.results.forEach(function (r) {
      var row = document.createElement("tr");
      row.className = "kern-table__row";
      var code = text("td", "", "kern-table__cell");
      code.appendChild(text("strong", r.display));
      row.appendChild(code);
      row.appendChild(text("td", r.title, "kern-table__cell"));
      row.appendChild(text("td", [r.permit, r.craft ? "Handwerk: " + r.craft : ""].filter(Boolean).join(" · "), "kern-table__cell"));
      body.appendChild(row);
    });
    table.appendChild(body);
    box.appendChild(table);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-wz-search]");
    var box = document.getElementById("wz-results");
    if (!form || !box || !window.fetch) { return; }
    var input = form.querySelector("input[name=q]");
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var url = form.getAttribute("data-url") + "?format=json&q=" + encodeURIComponent(input.value);
        fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) { if (data) { draw(box, data); } })
          .catch(function () {});
      }, 200);
    });
  });
})();
