// Draws each chart of the page from the JSON beside it (Django's json_script),
// with Chartkick.js over Chart.js: both come from the chartkick package's static
// files, served by the project itself. No inline script, no CDN.
(function () {
  "use strict";
  function read(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }
  function draw() {
    if (!window.Chartkick) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      new window.Chartkick[el.dataset.chart](el, read(el.dataset.series), read(el.dataset.options));
      el.dataset.drawn = "1";
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
